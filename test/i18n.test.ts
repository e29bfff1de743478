import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { PERSON_LANGS } from "../worker/directory/schemas";
import { MAX_PUSH_PAYLOAD_BYTES } from "../worker/delivery/channels/push";
import { askBackText, recordedText, smsText } from "../worker/delivery/sms-replies";
import { baseVars, renderFor, renderMessage, PUSH_ACTIONS } from "../worker/rollcall/render";
import { TEMPLATE_FILES } from "../worker/templates/files.generated";
import {
  fileTemplates,
  label,
  messagePart,
  messagesFor,
  missingKeys,
  PARTS,
  phrase,
  reviewNeeded,
  reviewState,
  strings,
  stringsFrom,
  wording,
  type StringDir,
} from "../worker/templates/files";
import { FALLBACK_LANG, LANGS, LANGUAGES, langOf, languageOf } from "../worker/templates/languages";
import { smsSegments } from "../worker/templates/render";
import type { MessageSet } from "../worker/templates/schemas";
import { adminsWithoutMfa, replyPath } from "./support/db";
import { draft, makeNetwork, openRollcall, signedIn } from "./support/factories";
import { api, postForm } from "./support/http";

const OTHERS = LANGS.filter((l) => l !== FALLBACK_LANG);
const DIRS: StringDir[] = ["page", "i18n"];
const KINDS = ["safety", "notice", "digest"] as const;
const placeholders = (s: string) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();
const keysOf = (text: string) => [...text.matchAll(/^\s*([^#\s=][^=]*?)\s*=/gm)].map((m) => m[1]!);

describe("the language list", () => {
  it("is one constant with native names for a picker, Japanese first and as the fallback", () => {
    expect(LANGUAGES.map((l) => [l.code, l.name])).toEqual([
      ["ja", "日本語"],
      ["en", "English"],
      ["vi", "Tiếng Việt"],
      ["id", "Bahasa Indonesia"],
      ["tl", "Tagalog"],
      ["ne", "नेपाली"],
      ["my", "မြန်မာ"],
      ["zh", "中文"],
      ["ja-easy", "やさしい にほんご"],
    ]);
    expect(FALLBACK_LANG).toBe("ja");
    expect(langOf("xx")).toBe("ja");
    expect(langOf(null)).toBe("ja");
    expect(langOf("ja-easy")).toBe("ja-easy");
    // やさしい日本語 is Japanese to a browser and a screen reader ("ja-easy" is no BCP 47 tag).
    expect(languageOf("ja-easy").htmlLang).toBe("ja");
  });

  it("is the set a person may choose in the directory", () => {
    expect([...PERSON_LANGS].sort()).toEqual([...LANGS].sort());
  });
});

describe("translation files", () => {
  it("have every key of the Japanese file, in every language (the reply page and the staff strings)", () => {
    for (const dir of DIRS)
      for (const lang of OTHERS) {
        expect(TEMPLATE_FILES[`${dir}/${lang}.txt`], `templates/${dir}/${lang}.txt exists`).toBeDefined();
        expect(missingKeys(dir, lang), `keys missing from templates/${dir}/${lang}.txt`).toEqual([]);
      }
  });

  it("have no key the Japanese file lacks (a typo would never be shown)", () => {
    for (const dir of DIRS) {
      const ja = new Set(keysOf(TEMPLATE_FILES[`${dir}/ja.txt`]!));
      for (const lang of OTHERS)
        expect(
          keysOf(TEMPLATE_FILES[`${dir}/${lang}.txt`]!).filter((k) => !ja.has(k)),
          `${dir}/${lang}.txt`,
        ).toEqual([]);
    }
  });

  it("keep the Japanese placeholders in every translated string", () => {
    for (const dir of DIRS) {
      const ja = stringsFrom(TEMPLATE_FILES, dir, "ja");
      for (const lang of OTHERS) {
        const own = stringsFrom(TEMPLATE_FILES, dir, lang);
        for (const key of Object.keys(ja)) expect(placeholders(own[key]!), `${dir}/${lang}.txt ${key}`).toEqual(placeholders(ja[key]!));
      }
    }
  });

  it("give every language its own file for every message part, with the Japanese placeholders", () => {
    for (const kind of KINDS)
      for (const part of Object.keys(PARTS) as (keyof MessageSet)[]) {
        const ja = messagePart(kind, "ja", part).text;
        for (const lang of OTHERS) {
          const own = messagePart(kind, lang, part);
          expect(own.from, `templates/messages/${kind}.${lang}.${PARTS[part]}`).toBe(lang);
          expect(placeholders(own.text), `${kind}.${lang}.${PARTS[part]}`).toEqual(placeholders(ja));
        }
      }
  });

  it("keep the drill mark 【訓練】 in every language, with the local word for drill after it", () => {
    expect(wording("ja").drill).toBe("【訓練】");
    for (const lang of OTHERS) {
      const drill = wording(lang).drill!;
      expect(drill.startsWith("【訓練】"), lang).toBe(true);
      expect(drill.slice("【訓練】".length).trim().length, `${lang}: a local word for drill`).toBeGreaterThan(0);
    }
  });

  it("declare which strings still need review by a native speaker", () => {
    for (const dir of DIRS)
      for (const lang of OTHERS)
        expect(reviewState(TEMPLATE_FILES[`${dir}/${lang}.txt`]!).file, `${dir}/${lang}.txt has "# review: needed|done"`).not.toBeNull();
    const listed = [...(TEMPLATE_FILES["messages/review.txt"] ?? "").matchAll(/^([a-z]+\.[a-z-]+)\s*=\s*(needed|done\b.*)$/gm)].map((m) => m[1]);
    for (const kind of KINDS) for (const lang of OTHERS) expect(listed, `messages/review.txt lists ${kind}.${lang}`).toContain(`${kind}.${lang}`);
    // Machine-made or developer-written translations: all of them await review today.
    const needed = reviewNeeded().map((r) => r.path);
    expect(needed).toContain("page/vi.txt");
    expect(needed).toContain("i18n/my.txt");
    expect(needed).toContain("messages/safety.ne.*");
    expect(needed).not.toContain("page/ja.txt");
  });

  it("mark a single key with `# needs-review` in a reviewed file", () => {
    const text = "# review: done (Nguyen, 2026-05)\na = 1\n# needs-review\nb = 2\nc = 3\n";
    expect(reviewState(text)).toEqual({ file: "done", keys: ["b"] });
    expect(reviewNeeded({ "page/ja.txt": "a = x", "page/vi.txt": text })).toEqual([{ path: "page/vi.txt", keys: ["b"] }]);
  });
});

describe("the Japanese fallback", () => {
  const files = {
    "page/ja.txt": "greet = こんにちは\nbye = さようなら {name}\n",
    "page/vi.txt": "# review: needed\ngreet = Xin chào\n",
    "messages/k.ja.sms.txt": "{drill}安否確認\n{link}\n",
    "messages/k.ja.push-body.txt": "回答してください。",
    "messages/k.vi.sms.txt": "{drill}Xác nhận an toàn: {link}",
  };

  it("fills a key missing from a language's file with the Japanese string", () => {
    const vi = stringsFrom(files, "page", "vi");
    expect(vi.greet).toBe("Xin chào");
    expect(vi.bye).toBe("さようなら {name}");
    expect(missingKeys("page", "vi", files)).toEqual(["bye"]);
  });

  it("uses the whole Japanese file for a language that has none", () => {
    expect(stringsFrom(files, "page", "my")).toEqual({ greet: "こんにちは", bye: "さようなら {name}" });
    expect(missingKeys("page", "my", files)).toEqual(["greet", "bye"]);
  });

  it("takes a message part the language lacks from the Japanese file, and says so", () => {
    expect(messagePart("k", "vi", "sms", files)).toEqual({ text: "{drill}Xác nhận an toàn: {link}", from: "vi" });
    expect(messagePart("k", "vi", "pushBody", files)).toEqual({ text: "回答してください。", from: "ja" });
    expect(() => messagePart("k", "vi", "emailHtml", files)).toThrow(/messages\/k\.ja\.email\.html/);
  });

  it("gives people in a language a stored template lacks (an older admin copy or snapshot) its Japanese messages", () => {
    const t = fileTemplates().get("safety")!;
    const old = { ja: t.messages.ja, en: t.messages.en };
    expect(messagesFor(old, "vi")).toBe(t.messages.ja);
    expect(messagesFor(old, "en")).toBe(t.messages.en);
    expect(messagesFor(t.messages, "vi").sms).toContain("Xác nhận an toàn");
  });

  it("shows a key even Japanese lacks as a visible marker rather than failing", () => {
    expect(label(wording("vi"), "no.such.key")).toBe("[no.such.key]");
    expect(phrase("zh", "push.sent", { answer: "平安，能上班" })).toBe("已提交回答：平安，能上班");
  });
});

describe("every language renders", () => {
  const origin = "https://anpi.koganei.or.jp"; // the longest origin the Japanese SMS allows
  const link = `${origin}/r/${"A".repeat(32)}`;

  for (const lang of LANGS)
    for (const drill of [true, false])
      it(`${lang} ${drill ? "drill" : "real"}: SMS, email and push of the roll-call, the notice and the digest`, () => {
        for (const [key, t] of fileTemplates()) {
          for (const [set, type] of [
            [messagesFor(t.messages, lang), t.kind],
            [messagesFor(t.digest, lang), "digest"],
          ] as const) {
            const vars = {
              ...baseVars({ drill, title: "震度6弱 小金井市", message: "" }, lang, "小金井市医師会"),
              person: "Nguyen Van A",
              facility: "小金井診療所",
              link,
              count: 2,
              names: "・A\n・B",
            };
            for (const channel of ["sms", "email", "push"] as const) {
              const m = renderMessage(set, channel, vars, { link, tag: "t", lang, type });
              const all = [m.text, m.subject ?? "", m.html ?? "", m.push?.title ?? ""].join("\n");
              expect(all, `${key} ${type} ${channel}: no placeholder left`).not.toMatch(/\{\w+\}/);
              const shown = channel === "email" ? m.subject! : channel === "push" ? m.push!.title : m.text;
              if (drill) expect(shown.startsWith("【訓練】"), `${key} ${type} ${channel} ${lang}`).toBe(true);
              else expect(all).not.toContain("【訓練】");
              if (channel === "sms") {
                expect(m.text).toContain(link);
                expect(smsSegments(m.text).segments, `${key} ${type} sms ${lang}`).toBeLessThanOrEqual(2);
                if (lang === "ja" && type !== "digest") {
                  expect(smsSegments(m.text).encoding).toBe("UCS-2");
                  expect(smsSegments(m.text).segments).toBeLessThanOrEqual(2);
                }
              }
              if (channel === "email") {
                expect(m.html).toContain(`<html lang="${languageOf(lang).htmlLang}">`);
                expect(m.html).toContain(`href="${link}"`);
              }
              if (channel === "push") {
                expect(m.push).toMatchObject({ type, url: link, tag: "t", lang: languageOf(lang).htmlLang });
                // A long title in a three-byte script still leaves room under the push services' limit.
                const long = renderMessage(set, channel, { ...vars, title: "長".repeat(200) }, { link, tag: "t", lang, type });
                expect(new TextEncoder().encode(JSON.stringify(long.push)).length, `${key} ${type} push ${lang}`).toBeLessThan(MAX_PUSH_PAYLOAD_BYTES);
                if (type === "rollcall") {
                  expect(m.push!.actions!.map((a) => a.action)).toEqual([...PUSH_ACTIONS]);
                  expect(m.push!.actions!.map((a) => a.title)).toEqual(PUSH_ACTIONS.map((a) => strings(lang)[`action.${a}`]));
                  expect(m.push!.sent).toContain("{answer}");
                  expect(m.push!.failed).toBeTruthy();
                } else expect(m.push!.actions).toBeUndefined();
              }
            }
          }
        }
      });

  it("the one-tap answers in the person's language (Japanese as the issue names them)", () => {
    expect(PUSH_ACTIONS.map((a) => strings("ja")[`action.${a}`])).toEqual(["無事・出勤可", "無事・出勤不可", "要支援"]);
    for (const lang of OTHERS)
      expect(
        PUSH_ACTIONS.map((a) => strings(lang)[`action.${a}`]),
        lang,
      ).not.toEqual(["無事・出勤可", "無事・出勤不可", "要支援"]);
  });

  it("the SMS reply echoes in every language", () => {
    for (const lang of LANGS) {
      const recorded = recordedText(lang, { safety: "safe", availability: "yes" });
      expect(recorded).toContain(wording(lang)["safety.safe"]!);
      expect(recorded).toContain(wording(lang)["availability.yes"]!);
      expect(recorded).not.toMatch(/\{\w+\}/);
      for (const key of ["howTo", "howToAck", "noRollcall", "unknown"] as const) expect(smsText(lang, key)).toBe(strings(lang)[`sms.${key}`]);
      // The ask-back: what was read, then only the other question, in one or two segments.
      const askAvailability = askBackText(lang, { safety: "minor" }, "availability");
      const askSafety = askBackText(lang, { availability: "conditional" }, "safety");
      expect(askAvailability).toContain(wording(lang)["safety.minor"]!);
      expect(askSafety).toContain(wording(lang)["availability.conditional"]!);
      for (const text of [askAvailability, askSafety]) {
        expect(text, lang).not.toMatch(/\{\w+\}/);
        expect(smsSegments(text).segments, `${lang}: ${text}`).toBeLessThanOrEqual(2);
      }
      if (lang !== "ja")
        expect([askAvailability, askSafety], lang).not.toEqual([
          askBackText("ja", { safety: "minor" }, "availability"),
          askBackText("ja", { availability: "conditional" }, "safety"),
        ]);
    }
    expect(recordedText("en", { safety: "safe", availability: "yes" })).toBe(
      "Recorded: Are you safe?: Safe, Can you come to work?: Yes. To change it, send a new reply.",
    );
    expect(smsText("xx", "howToAck")).toBe("確認の返信は「OK」と送ってください。");
  });
});

describe("the reply page and what is sent, for a person in each language", () => {
  let networkAdmin: string;
  beforeAll(async () => {
    await adminsWithoutMfa();
    networkAdmin = (await signedIn({ globalRole: "network_admin" })).cookie;
  });

  for (const drill of [true, false])
    it(`walks the form, the confirmation and the done page in every language (${drill ? "drill" : "real"})`, async () => {
      const net = await makeNetwork(LANGS.map((lang) => ({ name: `Staff ${lang}`, lang })));
      const d = await draft(networkAdmin, { scope: { facilityIds: [net.facilityId] }, title: "M6.8 Tama", drill });
      // The preview shows the messages in every language present.
      expect(new Set(d.preview.messages.filter((m) => m.audience === "recipients").map((m) => m.lang))).toEqual(new Set(LANGS));
      const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] }, title: "M6.8 Tama", drill });

      for (const [i, lang] of LANGS.entries()) {
        const person = net.staff[i]!;
        const w = wording(lang);
        const path = await replyPath(id, person.id);
        const form = await api("GET", path);
        expect(form.status, lang).toBe(200);
        const page = await form.text();
        expect(page).toContain(`<html lang="${languageOf(lang).htmlLang}">`);
        expect(page).toContain(escapeHtml(w["safety.label"]!));
        expect(page).toContain(escapeHtml(w["button.next"]!));
        if (drill) expect(page).toContain(escapeHtml(w.drill!.trim()));
        else expect(page).not.toContain("【訓練】");

        const check = await postForm(path, { safety: "safe", availability: "yes", comment: "" });
        expect(check.status, lang).toBe(200);
        const confirm = await check.text();
        expect(confirm).toContain(escapeHtml(w["confirm.heading"]!));
        expect(confirm).toContain(escapeHtml(w["safety.safe"]!));

        const done = await postForm(path, { safety: "safe", availability: "yes", comment: "", confirm: "1" });
        expect(done.status, lang).toBe(200);
        expect(await done.text()).toContain(escapeHtml(w["done.heading"]!));

        for (const channel of ["sms", "email", "push"] as const) {
          const m = await renderFor(env, id, person.id, channel, 1, "recipients");
          const shown = channel === "email" ? m.subject! : channel === "push" ? m.push!.title : m.text;
          expect(shown.startsWith("【訓練】"), `${lang} ${channel}`).toBe(drill);
          if (channel === "push") expect(m.push!.url).toBe(m.replyUrl);
          else expect(m.text).toContain(m.replyUrl);
          if (lang !== "ja") expect(m.text, `${lang} ${channel} is not the Japanese text`).not.toContain("安否確認");
        }
      }
    });
});

/** Hono's html`` escapes text; the wording has quotes in some languages. */
const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
