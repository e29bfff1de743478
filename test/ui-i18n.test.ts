import { describe, expect, it } from "vitest";
import { STAFF_EN, review as enReview } from "../admin-ui/src/locales/en";
import { STAFF_JA } from "../admin-ui/src/locales/ja";
import * as id from "../admin-ui/src/locales/id";
import * as jaEasy from "../admin-ui/src/locales/ja-easy";
import * as my from "../admin-ui/src/locales/my";
import * as ne from "../admin-ui/src/locales/ne";
import * as tl from "../admin-ui/src/locales/tl";
import * as vi from "../admin-ui/src/locales/vi";
import * as zh from "../admin-ui/src/locales/zh";
import account from "../admin-ui/src/screens/Account.tsx?raw";
import app from "../admin-ui/src/app.tsx?raw";
import home from "../admin-ui/src/screens/Home.tsx?raw";
import devices from "../admin-ui/src/screens/me/Devices.tsx?raw";
import me from "../admin-ui/src/screens/me/Me.tsx?raw";
import profile from "../admin-ui/src/screens/me/Profile.tsx?raw";
import signIn from "../admin-ui/src/screens/SignIn.tsx?raw";
import ui from "../admin-ui/src/ui.tsx?raw";
import { LANGS } from "../worker/templates/languages";

/**
 * The staff screens in all nine languages (issue 14): わたし and its pages, the sign-in
 * screen and the header come in every language of the templates, every key in every
 * language, so choosing Tiếng Việt shows Vietnamese (the Japanese fallback is for the
 * admin-only screens).
 */
const LOCALES: Record<string, { STAFF: Record<string, string>; review: string }> = {
  en: { STAFF: STAFF_EN, review: enReview },
  vi,
  id,
  tl,
  ne,
  my,
  zh,
  "ja-easy": jaEasy,
};

const placeholders = (s: string) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();
const JA_KEYS = Object.keys(STAFF_JA).sort();

describe("the staff screens' words", () => {
  it("come in every language of the templates but Japanese, the source", () => {
    expect(Object.keys(LOCALES).sort()).toEqual(LANGS.filter((l) => l !== "ja").sort());
  });

  for (const [lang, locale] of Object.entries(LOCALES))
    it(`${lang}: every key of the Japanese file, no other, the same placeholders, none empty`, () => {
      expect(Object.keys(locale.STAFF).sort()).toEqual(JA_KEYS);
      for (const key of JA_KEYS) {
        const text = locale.STAFF[key]!;
        expect(text.trim().length, `${lang} ${key}`).toBeGreaterThan(0);
        expect(placeholders(text), `${lang} ${key}`).toEqual(placeholders(STAFF_JA[key as keyof typeof STAFF_JA]));
      }
    });

  it("say whether a native speaker has reviewed them (templates/README.md)", () => {
    for (const [lang, locale] of Object.entries(LOCALES)) expect(locale.review, lang).toMatch(/^(needed|done \(.+\))$/);
  });

  it("are not English outside English (Tiếng Việt shows Vietnamese)", () => {
    for (const [lang, locale] of Object.entries(LOCALES)) {
      if (lang === "en") continue;
      const same = JA_KEYS.filter((k) => locale.STAFF[k] === STAFF_EN[k as keyof typeof STAFF_EN] && /[a-z]{4,}/.test(locale.STAFF[k]!));
      // Names of things read as they are (otpauth URI, Passkey, Email, Home…) may match; a screenful may not.
      expect(same.length, `${lang}: ${same.join(", ")}`).toBeLessThan(12);
    }
  });
});

describe("the staff screens", () => {
  const screens = { app, ui, home, me, profile, devices, signIn, account };

  it("use only keys every language has", () => {
    for (const [name, src] of Object.entries(screens)) {
      const used = [...src.matchAll(/\btx?\("([\w.-]+)"/g)].map((m) => m[1]!);
      expect(used.length, name).toBeGreaterThan(0);
      const missing = used.filter((k) => !(k in STAFF_JA) && !/^(home\.(active|noActive|quick)|bd\.)/.test(k)); // the readers' part of Home is an admin screen
      expect(missing, `${name}: keys outside locales/ja.ts`).toEqual([]);
    }
  });

  it("keep no words of their own outside the locale files", () => {
    for (const [name, src] of Object.entries(screens)) expect(src, name).not.toContain("addStrings(");
  });
});

describe("the session", () => {
  it("names the person's language, so the screens start in it", async () => {
    const { signedIn } = await import("./support/factories");
    const { api } = await import("./support/http");
    const person = await signedIn({ lang: "vi" });
    expect(await (await api("GET", "/api/session", { cookie: person.cookie })).json()).toMatchObject({ lang: "vi" });
  });
});
