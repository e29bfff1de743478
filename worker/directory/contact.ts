import { parsePhoneNumberFromString, type NumberType } from "libphonenumber-js/max";
import { z } from "@hono/zod-openapi";
import { badRequest, jaEn, type Bilingual } from "../lib/errors";

/**
 * Contact channels as people type them into forms and Excel lists (連絡網):
 * full-width digits, odd dashes, +81 or a leading 0. Shared with the CSV importer:
 * `parseMobile` and `normalizeEmail` give the stored value or null; the `check…`
 * forms say what is wrong, for messages that name the problem.
 */
export type ContactResult = { ok: true; value: string } | { ok: false; message: Bilingual; code?: "country_not_allowed" };

/** Japan's country calling code: mobiles are Japanese unless a setting allows more. */
export const JAPAN_CALLING_CODE = "81";

export interface MobileOptions {
  /**
   * Country calling codes allowed besides Japan's, e.g. `["63"]`: the setting
   * `mobileExtraCountryCodes`. Omitted, only Japanese mobiles pass, so a caller
   * without the settings at hand fails closed.
   */
  extraCountryCodes?: readonly string[];
}

/** Dash-like characters Japanese input methods and Excel produce in phone numbers. */
const DASHES = /[\u2010-\u2015\u2212\u30FC\uFF70\uFF0D]/g;

/** NFKC turns full-width digits, ＋ and spaces into ASCII; the dashes need a hand. */
function cleanPhone(raw: string): string {
  return raw.normalize("NFKC").replace(DASHES, "-").trim();
}

/**
 * Number types that cannot receive an SMS. The `mobile` field feeds the SMS channel,
 * so a landline (03-…), an IP phone (050-…) or a free-dial number is refused at entry:
 * a roll-call SMS to it would fail silently in a disaster.
 */
const NOT_MOBILE: ReadonlySet<NumberType> = new Set<NumberType>([
  "FIXED_LINE",
  "VOIP",
  "TOLL_FREE",
  "PREMIUM_RATE",
  "SHARED_COST",
  "UAN",
  "VOICEMAIL",
  "PAGER",
]);

/**
 * Any valid phone number (default region JP) in E.164, e.g. a facility's phone.
 * `03-1234-5678` → `+81312345678`.
 */
export function checkPhone(raw: string): ContactResult {
  const cleaned = cleanPhone(raw);
  if (!cleaned) return { ok: false, message: jaEn("電話番号を入れてください。", "Enter a phone number.") };
  const n = parsePhoneNumberFromString(cleaned, "JP");
  if (!n?.isValid()) return { ok: false, message: jaEn("電話番号の形が正しくありません。", "This is not a valid phone number.") };
  return { ok: true, value: n.number };
}

/**
 * A mobile number in E.164 (default region JP): `090-1234-5678`, `０９０－１２３４－５６７８`
 * and `+81 90 1234 5678` all give `+819012345678`. Landlines and other numbers that
 * cannot take an SMS are refused with a message saying so. A number of another country
 * is refused unless its calling code is in `opts.extraCountryCodes`: every SMS to it
 * costs the network money, and premium-rate destinations abroad are how SMS pumping pays.
 */
export function checkMobile(raw: string, opts: MobileOptions = {}): ContactResult {
  return mobileCheck(raw, opts.extraCountryCodes ?? []);
}

/**
 * The form of a mobile number, of any country: for request schemas, which have no
 * settings at hand. The handler must then pass the value through `checkMobile` or
 * `requireMobile` with the settings: this alone lets any country through.
 */
export function checkMobileShape(raw: string): ContactResult {
  return mobileCheck(raw, "any");
}

/** The stored form of a mobile given in a request field, or 400 naming `field` (and `country_not_allowed` when it is the country). */
export function requireMobile(raw: string, field: string, opts: MobileOptions = {}): string {
  const r = checkMobile(raw, opts);
  if (!r.ok) throw badRequest(field, r.message, r.code);
  return r.value;
}

function mobileCheck(raw: string, extra: readonly string[] | "any"): ContactResult {
  const cleaned = cleanPhone(raw);
  if (!cleaned) return { ok: false, message: jaEn("携帯電話番号を入れてください。", "Enter a mobile number.") };
  const n = parsePhoneNumberFromString(cleaned, "JP");
  if (!n?.isValid()) return { ok: false, message: jaEn("携帯電話番号の形が正しくありません。", "This is not a valid mobile number.") };
  if (extra !== "any" && n.countryCallingCode !== JAPAN_CALLING_CODE && !extra.includes(n.countryCallingCode))
    return { ok: false, code: "country_not_allowed", message: foreignRefusal(extra) };
  const type = n.getType();
  if (type && NOT_MOBILE.has(type))
    return {
      ok: false,
      message: jaEn(
        "この番号はSMSを受け取れません（固定電話・IP電話・フリーダイヤル）。携帯電話番号（070/080/090）を入れてください。",
        "This number cannot receive SMS (landline, IP phone or free dial). Enter a mobile number (070/080/090).",
      ),
    };
  return { ok: true, value: n.number };
}

function foreignRefusal(extra: readonly string[]): Bilingual {
  if (extra.length === 0) return jaEn("携帯電話番号は日本の番号（+81）だけ登録できます。", "Only Japanese mobile numbers (+81) can be registered.");
  const codes = extra.map((c) => `+${c}`);
  return jaEn(
    `携帯電話番号は日本（+81）と ${codes.join("、")} の番号だけ登録できます。`,
    `Only mobile numbers of Japan (+81) and ${codes.join(", ")} can be registered.`,
  );
}

const EMAIL = z.email();

/**
 * An email address as stored and matched at sign-in: NFKC (full-width ＠ and letters
 * become ASCII), trimmed, lower-cased.
 */
/**
 * A stored number (E.164) as people write it: national for Japan (090-1234-5678),
 * international for others (+84 90 123 45 67). Anything unreadable stays as stored.
 */
export function phoneForPeople(e164: string): string {
  const n = parsePhoneNumberFromString(e164);
  if (!n) return e164;
  return n.countryCallingCode === JAPAN_CALLING_CODE ? n.formatNational() : n.formatInternational();
}

export function checkEmail(raw: string): ContactResult {
  const value = raw.normalize("NFKC").trim().toLowerCase();
  if (!value) return { ok: false, message: jaEn("メールアドレスを入れてください。", "Enter an email address.") };
  if (value.length > 254 || !EMAIL.safeParse(value).success)
    return { ok: false, message: jaEn("メールアドレスの形が正しくありません。", "This is not a valid email address.") };
  return { ok: true, value };
}

/** A mobile number in E.164, or null when `checkMobile` refuses it. */
export function parseMobile(raw: string, opts: MobileOptions = {}): string | null {
  const r = checkMobile(raw, opts);
  return r.ok ? r.value : null;
}

/** Any valid phone number in E.164, or null. */
export function parsePhone(raw: string): string | null {
  const r = checkPhone(raw);
  return r.ok ? r.value : null;
}

/** The stored form of an email address, or null when it is not one. */
export function normalizeEmail(raw: string): string | null {
  const r = checkEmail(raw);
  return r.ok ? r.value : null;
}

/** Hiragana to katakana, so that やまだ finds ヤマダ. */
function toKatakana(s: string): string {
  return s.replace(/[\u3041-\u3096\u309D\u309E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0x60));
}

/** Collapses runs of ASCII and full-width spaces into one ASCII space, and trims. */
export function normalizeSpaces(s: string): string {
  return s.replace(/[\s\u3000]+/g, " ").trim();
}

/**
 * Reading (フリガナ) as stored and searched: NFKC (half-width ｶﾅ become full-width),
 * hiragana become katakana, spaces collapsed. `やまだ　たろう` → `ヤマダ タロウ`.
 */
export function normalizeKana(raw: string): string {
  return normalizeSpaces(toKatakana(raw.normalize("NFKC")));
}

/** Whether a normalized reading holds only katakana, the long-vowel mark, ・ and spaces. */
export function isKatakana(kana: string): boolean {
  return /^[\p{Script=Katakana}\u30FC\u30FB ]*$/u.test(kana);
}
