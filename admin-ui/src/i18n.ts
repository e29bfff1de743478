import { h, type ComponentChildren } from "preact";
import { LANGUAGES, languageOf, type Lang } from "../../worker/templates/languages";
import { rubyParts, rubyPlain } from "../../worker/templates/ruby";
import { STAFF_EN } from "./locales/en";
import { STAFF_JA, type StaffStrings } from "./locales/ja";

/**
 * The screens' words. A staff member's screens (わたし and its pages, the sign-in screen,
 * the header and menu they see) come in every language of worker/templates/languages.ts:
 * locales/<code>.ts, each with every key of locales/ja.ts (test/ui-i18n.test.ts). Japanese
 * and English are bundled; the other languages load when chosen (one small chunk each),
 * so the first page carries two. The admin-only screens stay in Japanese and English
 * (ADMIN_* here, and each screen's own words by addStrings); in another language they
 * read Japanese, the fallback for any key a language lacks.
 * Short words: these screens are read under stress, often on a phone.
 */
export type { Lang };

/** Words of the admin screens (Japanese and English only), beside each screen's own. */
const ADMIN_JA: Record<string, string> = {
  "nav.rollcalls": "安否確認の履歴",
  "nav.trigger": "安否確認を送る",
  "nav.directory": "名簿",
  "nav.import": "CSV取り込み",
  "nav.templates": "テンプレート",
  "nav.triggers": "自動発信",
  "nav.outbox": "送信箱（テスト）",
  "nav.readiness": "平時の備え",
  "nav.reports": "職員からの報告",
  "nav.audit": "監査ログ",
  "nav.settings": "設定",
  "home.active": "実施中の安否確認",
  "home.noActive": "実施中の安否確認はありません。",
  "home.open": "ボードを開く",
  "home.quick": "よく使う操作",
  "settings.title": "設定",
  "settings.saved": "保存しました。",
  "settings.save": "保存する",
  "settings.passwordMinLength": "パスワードの最小文字数",
  "settings.passwordRequireLettersAndDigits": "英字と数字の両方を必須にする",
  "settings.passwordMaxAgeDays": "パスワードの有効日数（0は無期限）",
  "settings.passwordRotationOffWithMfa": "認証アプリ利用者は期限なし",
  "settings.mfaRequiredForAdmins": "管理者に認証アプリを必須にする",
  "settings.sessionIdleMinutes": "無操作でサインアウトするまで（分）",
  "settings.sessionAbsoluteHours": "サインインの最長時間（時間）",
  "settings.loginMaxFailuresPerAccountAndAddress": "同じアドレスから1アカウントへの失敗回数の上限",
  "settings.loginMaxFailuresPerAddress": "接続元ごとの失敗回数の上限",
  "settings.loginLockMinutes": "ロックする時間（分）",
  "settings.loginSlowAfterAccountFailures": "アカウント全体の失敗がこの回数を超えたらサインインを遅らせる（ロックはしない）",
  "settings.loginNotifyAfterAccountFailures": "アカウント全体の失敗がこの回数になったら本人にメールで知らせる",
  "settings.verificationCodesPerAccountPerDay": "確認コードSMS：1人あたり1日の上限",
  "settings.verificationCodesPerNumberPerDay": "確認コードSMS：1つの番号あたり1日の上限",
  "settings.verificationSmsDailyCeiling": "確認コードSMS：ネットワーク全体の1日の上限（達したら医師会の管理者に通知）",
  "settings.mobileExtraCountryCodes": "日本（81）のほかに登録を認める携帯電話の国番号",
  "settings.mobileExtraCountryCodes.help": "カンマで区切って入力します（例：63, 84）。空のときは日本の携帯電話だけです。",
  "audit.title": "監査ログ",
  "audit.at": "日時",
  "audit.actor": "操作した人",
  "audit.action": "操作",
  "audit.object": "対象",
  "audit.detail": "内容",
  "audit.filter": "操作で絞り込み",
  "audit.more": "さらに表示",
  "audit.empty": "記録はありません。",
};

const ADMIN_EN: Record<string, string> = {
  "nav.rollcalls": "Roll-call history",
  "nav.trigger": "Send a roll-call",
  "nav.directory": "Directory",
  "nav.import": "CSV import",
  "nav.templates": "Templates",
  "nav.triggers": "Automatic triggers",
  "nav.outbox": "Outbox (sandbox)",
  "nav.readiness": "Readiness",
  "nav.reports": "Staff reports",
  "nav.audit": "Audit log",
  "nav.settings": "Settings",
  "home.active": "Active roll-calls",
  "home.noActive": "No roll-call is active.",
  "home.open": "Open the board",
  "home.quick": "Common tasks",
  "settings.title": "Settings",
  "settings.saved": "Saved.",
  "settings.save": "Save",
  "settings.passwordMinLength": "Minimum password length",
  "settings.passwordRequireLettersAndDigits": "Require letters and digits",
  "settings.passwordMaxAgeDays": "Password lifetime in days (0 = never expires)",
  "settings.passwordRotationOffWithMfa": "No expiry for people with an authenticator app",
  "settings.mfaRequiredForAdmins": "Require an authenticator app for admins",
  "settings.sessionIdleMinutes": "Sign out after idle (minutes)",
  "settings.sessionAbsoluteHours": "Longest session (hours)",
  "settings.loginMaxFailuresPerAccountAndAddress": "Failed sign-ins per account from one address",
  "settings.loginMaxFailuresPerAddress": "Failed sign-ins per address",
  "settings.loginLockMinutes": "Lock for (minutes)",
  "settings.loginSlowAfterAccountFailures": "Slow sign-in down after this many failures on an account (never locks it)",
  "settings.loginNotifyAfterAccountFailures": "Email the person after this many failures on their account",
  "settings.verificationCodesPerAccountPerDay": "Verification SMS per person per day",
  "settings.verificationCodesPerNumberPerDay": "Verification SMS per number per day",
  "settings.verificationSmsDailyCeiling": "Verification SMS for the whole network per day (the network admins are alerted)",
  "settings.mobileExtraCountryCodes": "Country calling codes allowed for mobiles besides Japan (81)",
  "settings.mobileExtraCountryCodes.help": "Separate with commas (e.g. 63, 84). Empty: Japanese mobiles only.",
  "audit.title": "Audit log",
  "audit.at": "When",
  "audit.actor": "Who",
  "audit.action": "Action",
  "audit.object": "Object",
  "audit.detail": "Detail",
  "audit.filter": "Filter by action",
  "audit.more": "Show more",
  "audit.empty": "Nothing recorded.",
};

const ja: Record<string, string> = { ...ADMIN_JA, ...STAFF_JA };
const en: Record<string, string> = { ...ADMIN_EN, ...STAFF_EN };
const dicts: Partial<Record<Lang, Record<string, string>>> = { ja, en };

type Lazy = Exclude<Lang, "ja" | "en">;
/** One chunk per language, fetched the first time someone picks it. */
const LAZY: Record<Lazy, () => Promise<{ STAFF: StaffStrings }>> = {
  vi: () => import("./locales/vi"),
  id: () => import("./locales/id"),
  tl: () => import("./locales/tl"),
  ne: () => import("./locales/ne"),
  my: () => import("./locales/my"),
  zh: () => import("./locales/zh"),
  "ja-easy": () => import("./locales/ja-easy"),
};

const CODES = new Set<string>(LANGUAGES.map((l) => l.code));
const isLang = (code: unknown): code is Lang => typeof code === "string" && CODES.has(code);

/** This device's choice from the header (a key of its own: the old ja/en switch wrote "lang" on every visit). */
const CHOICE_KEY = "uiLang";

/** The language chosen in the header on this device, if any. */
export function deviceLang(): Lang | null {
  try {
    const saved = localStorage.getItem(CHOICE_KEY);
    return isLang(saved) ? saved : null;
  } catch {
    return null; // storage blocked
  }
}

/** The browser's first language we have (vi-VN → vi, fil → tl), else Japanese. */
export function browserLang(): Lang {
  const tags = typeof navigator === "undefined" ? [] : navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of tags) {
    const base = (tag ?? "").toLowerCase().split("-")[0] ?? "";
    const code = base === "fil" ? "tl" : base;
    if (isLang(code)) return code;
  }
  return "ja";
}

/**
 * The language the screens start in: this device's choice in the header, else the
 * person's own (their profile's language, once signed in), else the browser's.
 */
export const startLang = (personLang?: string | null): Lang => deviceLang() ?? (isLang(personLang) ? personLang : browserLang());

let current: Lang = "ja";
let switching = 0;
const listeners = new Set<() => void>();

export const getLang = () => current;

/** The language of the API's `message` (Accept-Language): it answers Japanese or English. */
export const apiLang = (): "ja" | "en" => (current === "ja" || current === "ja-easy" ? "ja" : "en");

/** For the admin-only screens, which have Japanese and English: English only when chosen. */
export const adminLang = (): "ja" | "en" => (current === "en" ? "en" : "ja");

/** Called after every switch (the app renders again). */
export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Switches the screens to `lang`, loading its words first (a language that cannot load,
 * offline, leaves the screens as they are). `remember`: the header's choice, kept on this device.
 */
export async function setLang(lang: Lang, opts: { remember?: boolean } = {}): Promise<void> {
  const mine = ++switching;
  if (!dicts[lang]) {
    try {
      dicts[lang] = { ...(await LAZY[lang as Lazy]()).STAFF };
    } catch {
      return;
    }
  }
  if (mine !== switching) return; // a later choice won
  current = lang;
  document.documentElement.lang = languageOf(lang).htmlLang;
  document.title = t("app.title");
  if (opts.remember)
    try {
      localStorage.setItem(CHOICE_KEY, lang);
    } catch {
      /* storage blocked */
    }
  for (const fn of listeners) fn();
}

/** Adds more strings (the admin screens keep their own Japanese and English words next to them). */
export function addStrings(more: { ja: Record<string, string>; en: Record<string, string> }) {
  Object.assign(ja, more.ja);
  Object.assign(en, more.en);
}

/** The raw string: the language's own, else Japanese (`fallback` when no language has it; "" tests for one). */
function lookup(key: string, fallback: string | undefined): string {
  const own = dicts[current]?.[key];
  if (own !== undefined) return own;
  // Asked whether a language has its own words (an API error code): a reader of neither
  // Japanese kind gets the API's message, in English, rather than the Japanese words.
  if (fallback === "" && current !== "ja" && current !== "ja-easy") return "";
  return ja[key] ?? fallback ?? key;
}

const fill = (s: string, vars?: Record<string, string | number>) => {
  let out = s;
  if (vars) for (const [k, val] of Object.entries(vars)) out = out.split(`{${k}}`).join(String(val));
  return out;
};

/**
 * The string for `key` in the current language as plain text, with `{name}` placeholders
 * filled (やさしい日本語's furigana reads as its kana: aria-labels, titles, dialogs).
 * `fallback` is returned when no language has the key (pass "" to test for one).
 */
export function t(key: string, fallbackOrVars?: string | Record<string, string | number>, vars?: Record<string, string | number>): string {
  const fallback = typeof fallbackOrVars === "string" ? fallbackOrVars : undefined;
  return fill(rubyPlain(lookup(key, fallback)), typeof fallbackOrVars === "object" ? fallbackOrVars : vars);
}

/** The string for `key` as screen text: furigana (`{来|く}る`) as <ruby>, placeholders filled. */
export function tx(key: string, vars?: Record<string, string | number>): ComponentChildren {
  const parts = rubyParts(lookup(key, undefined));
  if (parts.length === 1 && typeof parts[0] === "string") return fill(parts[0], vars);
  return parts.map((p, i) => (typeof p === "string" ? fill(p, vars) : h("ruby", { key: i }, p.base, h("rt", null, p.reading))));
}
