/**
 * Error messages are read by people (issue 14): the API answers `message` in the
 * language of Accept-Language, Japanese by default, and keeps the machine words
 * (`code`, `field`) in the JSON.
 */
import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS } from "../worker/audit/actions";
import { errorLang } from "../worker/lib/errors";
import { adminsWithoutMfa } from "./support/db";
import { makeNetwork, signedIn } from "./support/factories";
import { api, errorOf } from "./support/http";

const JAPANESE = /[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]/;

describe("the language of error messages", () => {
  it("follows Accept-Language: Japanese unless English is listed first", () => {
    expect(errorLang(undefined)).toBe("ja");
    expect(errorLang("")).toBe("ja");
    expect(errorLang("ja-JP,ja;q=0.9,en;q=0.8")).toBe("ja");
    expect(errorLang("en-US,en;q=0.9")).toBe("en");
    expect(errorLang("vi-VN, en;q=0.7, ja;q=0.8")).toBe("ja");
    expect(errorLang("vi-VN, en;q=0.9, ja;q=0.8")).toBe("en");
    expect(errorLang("zh-CN")).toBe("ja");
    expect(errorLang("ja-easy")).toBe("ja");
    expect(errorLang("en;q=0, ja;q=0.1")).toBe("ja");
  });

  it("answers a failed validation in Japanese, naming the field in words and in `field`", async () => {
    await adminsWithoutMfa();
    const net = await makeNetwork();
    const res = await api("POST", "/api/rollcalls", { cookie: net.admin.cookie, body: { title: "", scope: { all: true } } });
    expect(res.status).toBe(400);
    const e = await errorOf(res);
    expect(e.code).toBe("invalid");
    expect(e.field).toBe("title");
    expect(e.message).toBe("件名を入れてください。");
  });

  it("answers the same failure in English when asked", async () => {
    await adminsWithoutMfa();
    const net = await makeNetwork();
    const res = await api("POST", "/api/rollcalls", {
      cookie: net.admin.cookie,
      body: { title: "", scope: { all: true } },
      headers: { "accept-language": "en" },
    });
    const e = await errorOf(res);
    expect(e.field).toBe("title");
    expect(e.message).toBe("Enter the title.");
  });

  it("words an email of the wrong form, a wrong type and a refinement of our own in Japanese", async () => {
    await adminsWithoutMfa();
    const net = await makeNetwork();
    const email = await errorOf(
      await api("POST", "/api/people", {
        cookie: net.admin.cookie,
        body: { name: "山田 花子", kana: "ヤマダ ハナコ", email: "not-an-address", facilityId: net.facilityId },
      }),
    );
    expect(email.field).toBe("email");
    expect(email.message).toMatch(/メールアドレス/);
    const kana = await errorOf(
      await api("POST", "/api/people", {
        cookie: net.admin.cookie,
        body: { name: "山田 花子", kana: "yamada", email: "h@example.org", facilityId: net.facilityId },
      }),
    );
    expect(kana.field).toBe("kana");
    expect(kana.message).toBe("フリガナはカタカナかひらがなで入れてください。");
    const root = await signedIn({ globalRole: "network_admin" });
    const setting = await errorOf(await api("PATCH", "/api/settings", { cookie: root.cookie, body: { passwordMinLength: null } }));
    expect(setting.field).toBe("passwordMinLength");
    expect(setting.message).toMatch(JAPANESE);
    expect(setting.message).not.toMatch(/expected|received|Invalid/);
  });

  it("answers a refusal and a missing thing in Japanese, and in English when asked", async () => {
    const staff = await signedIn({});
    const refused = await errorOf(await api("GET", "/api/audit", { cookie: staff.cookie }));
    expect(refused.message).toMatch(JAPANESE);
    const missing = await api("GET", "/api/no-such-route");
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).message).toBe("このURLはありません。");
    const en = await api("GET", "/api/no-such-route", { headers: { "accept-language": "en-GB" } });
    expect((await errorOf(en)).message).toBe("No such route.");
  });
});

describe("the audit log in words", () => {
  it("filters by an action it knows, and refuses another in Japanese naming the field", async () => {
    const root = await signedIn({ globalRole: "network_admin" });
    const ok = await api("GET", "/api/audit?action=auth.sign_in&limit=5", { cookie: root.cookie });
    expect(ok.status).toBe(200);
    const entries = ((await ok.json()) as { entries: { action: string }[] }).entries;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.action === "auth.sign_in")).toBe(true);
    const bad = await api("GET", "/api/audit?action=auth.nope", { cookie: root.cookie });
    expect(bad.status).toBe(400);
    const e = await errorOf(bad);
    expect(e.field).toBe("action");
    expect(e.message).toMatch(JAPANESE);
  });

  it("has words for every action the worker writes", () => {
    const RAW = import.meta.glob("../worker/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
    const written = new Set<string>();
    for (const text of Object.values(RAW)) for (const m of text.matchAll(/action: "([a-z_]+\.[a-z_.]+)"/g)) written.add(m[1]!);
    const missing = [...written].filter((a) => !(a in AUDIT_ACTIONS));
    expect(missing).toEqual([]);
    for (const w of Object.values(AUDIT_ACTIONS)) expect(w.ja).toMatch(JAPANESE);
  });
});

describe("every message written in the worker", () => {
  const RAW = import.meta.glob("../worker/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
  const literal = String.raw`("(?:[^"\\]|\\.)*"|\x60(?:[^\x60\\]|\\.|\$\{[^}]*\})*\x60)`;

  it("has Japanese words beside its English (jaEn, refineText)", () => {
    const bad: string[] = [];
    for (const [file, text] of Object.entries(RAW)) {
      for (const m of text.matchAll(new RegExp(String.raw`\b(?:jaEn|refineText)\(\s*${literal}`, "g"))) {
        const ja = m[1]!;
        if (!JAPANESE.test(ja.replace(/\$\{[^}]*\}/g, ""))) bad.push(`${file}: ${ja.slice(0, 60)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("raises no error with a bare string message: every ApiError takes words in both languages", () => {
    const bad: string[] = [];
    const call = new RegExp(
      String.raw`\b(?:new ApiError\(\s*"[a-z_]+",|badRequest\(\s*[^,]+,|forbidden\(|closed\(|tooLarge\(|conflict\(\s*[^,()]+,|notFound\()\s*${literal}`,
      "g",
    );
    for (const [file, text] of Object.entries(RAW)) for (const m of text.matchAll(call)) bad.push(`${file}: ${m[0].slice(0, 80)}`);
    expect(bad).toEqual([]);
  });
});
