import { describe, expect, it } from "vitest";
import { checkMobile, normalizeEmail, normalizeKana, parseMobile, parsePhone } from "../worker/directory/contact";

describe("mobile numbers", () => {
  it.each([
    ["090-1234-5678", "+819012345678"],
    ["０９０－１２３４－５６７８", "+819012345678"],
    ["０９０ー１２３４ー５６７８", "+819012345678"],
    ["+81 90 1234 5678", "+819012345678"],
    ["+81-90-1234-5678", "+819012345678"],
    ["09012345678", "+819012345678"],
    ["080 1234 5678", "+818012345678"],
    ["070-1234-5678", "+817012345678"],
    [" 090(1234)5678 ", "+819012345678"],
  ])("%s → %s", (raw, e164) => {
    expect(parseMobile(raw)).toBe(e164);
  });

  it("refuses numbers that cannot receive SMS, saying why", () => {
    // Decision: the mobile field feeds SMS, so landlines, IP phones (050) and free dial are refused.
    for (const raw of ["03-1234-5678", "042-380-1234", "050-1234-5678", "0120-123-456"]) {
      expect(parseMobile(raw)).toBeNull();
      const r = checkMobile(raw);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.message.ja).toMatch(/SMSを受け取れません/);
        expect(r.message.en).toMatch(/cannot receive SMS/);
      }
    }
  });

  it("refuses what is not a phone number", () => {
    for (const raw of ["", "123", "090-1234", "abc", "090-1234-56789"]) expect(parseMobile(raw)).toBeNull();
  });

  it("accepts a foreign mobile given with its country code, when the setting allows the country", () => {
    // Japanese mobiles only by default (issue 10, finding 4): test/governance/sms-pumping.test.ts.
    expect(parseMobile("+1 415 555 2671", { extraCountryCodes: ["1"] })).toBe("+14155552671");
  });

  it("accepts a landline as a facility phone", () => {
    expect(parsePhone("042-380-1234")).toBe("+81423801234");
    expect(parsePhone("nonsense")).toBeNull();
  });
});

describe("email addresses", () => {
  it("normalizes full-width characters and case", () => {
    expect(normalizeEmail("  Hanako.Yamada＠Example.ORG ")).toBe("hanako.yamada@example.org");
    expect(normalizeEmail("ｔａｒｏ@example.org")).toBe("taro@example.org");
  });
  it("refuses what is not an address", () => {
    for (const raw of ["", "hanako", "hanako@", "@example.org", "a b@example.org"]) expect(normalizeEmail(raw)).toBeNull();
  });
});

describe("readings (フリガナ)", () => {
  it("turns hiragana and half-width kana into katakana with single spaces", () => {
    expect(normalizeKana("やまだ　たろう")).toBe("ヤマダ タロウ");
    expect(normalizeKana("ﾔﾏﾀﾞ  ﾀﾛｳ")).toBe("ヤマダ タロウ");
    expect(normalizeKana(" コガネイ ")).toBe("コガネイ");
  });
});
