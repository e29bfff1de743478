import { describe, expect, it } from "vitest";
import { errorText, redact } from "../worker/lib/redact";

describe("log redaction", () => {
  it("masks emails and phone numbers in provider error messages", () => {
    expect(redact("550 5.1.1 <hanako.sato@example.jp>: Recipient address rejected")).toBe("550 5.1.1 <[email]>: Recipient address rejected");
    expect(redact("The 'To' number +819012345678 is not a valid phone number.")).toBe("The 'To' number [number] is not a valid phone number.");
    expect(redact("to 090-1234-5678 failed")).toBe("to [number] failed");
    expect(errorText(new Error("mail to a@b.example failed"))).toBe("mail to [email] failed");
  });

  it("keeps what is needed to debug: codes, ids and short numbers", () => {
    expect(redact("Twilio 21211 for delivery 4821 after 3 attempts (HTTP 400)")).toBe("Twilio 21211 for delivery 4821 after 3 attempts (HTTP 400)");
  });
});
