import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every error code the API answers, each with its one HTTP status. The admin UI maps
 * the codes (and `field`) to words; `message` is for a person too, in short plain text.
 * The OpenAPI error schema lists these codes (lib/schemas.ts ErrorSchema).
 */
export const ERROR_CODES = {
  // 400: bad input; `field` names it.
  invalid: 400,
  bad_request: 400,
  required: 400,
  too_long: 400,
  weak_password: 400,
  not_csv: 400,
  unsupported_type: 400,
  invalid_cap: 400,
  country_not_allowed: 400,
  last_contact: 400,
  /** A wrong SMS verification code, tries left. */
  wrong_code: 400,
  /** The wrong SMS code that used up the last try. */
  code_dead: 400,
  /** A wrong one-time code (TOTP) while setting the app up or turning it off. */
  wrong_totp: 400,
  // 401: not signed in, or the sign-in failed.
  unauthorized: 401,
  invalid_credentials: 401,
  code_required: 401,
  invalid_code: 401,
  invalid_key: 401,
  unsigned: 401,
  // 403: not allowed for this role or object.
  forbidden: 403,
  role_forbidden: 403,
  password_expired: 403,
  mfa_enrolment_required: 403,
  /** An integration's request (triggers API): the key's permission or the request's signature. */
  bad_signature: 403,
  stale_request: 403,
  replayed: 403,
  // 404
  not_found: 404,
  // 409: the state does not allow it now.
  conflict: 409,
  closed: 409,
  too_soon: 409,
  // 410: gone for good.
  gone: 410,
  expired: 410,
  no_code: 410,
  code_expired: 410,
  /** An SMS code that no longer works (used up, or a newer one was sent). */
  code_spent: 410,
  // 413, 422, 426, 429
  too_large: 413,
  import_invalid: 422,
  upgrade_required: 426,
  too_many_requests: 429,
  too_many_attempts: 429,
  account_daily_limit: 429,
  number_daily_limit: 429,
  network_daily_ceiling: 429,
  // 5xx
  internal: 500,
  send_failed: 502,
  unavailable: 503,
  not_configured: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/**
 * A message for a person, in Japanese and in English: the API answers `message` in the
 * language of `Accept-Language` (Japanese by default). Written where the error is
 * raised, so the two say the same thing and stay beside the rule they explain.
 */
export type Bilingual = { readonly ja: string; readonly en: string };
export const jaEn = (ja: string, en: string): Bilingual => ({ ja, en });
export type ErrorLang = keyof Bilingual;

/**
 * The language of the error messages for an `Accept-Language` header: the first
 * listed (by weight) of Japanese and English, Japanese when neither is asked for.
 * やさしい日本語 (ja-easy) reads the Japanese.
 */
export function errorLang(acceptLanguage: string | undefined | null): ErrorLang {
  if (!acceptLanguage) return "ja";
  const ranked = acceptLanguage
    .split(",")
    .map((part, i) => {
      const [tag = "", ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((x) => x.trim()).find((x) => x.startsWith("q="));
      return { tag: tag.trim(), q: q ? Number(q.slice(2)) || 0 : 1, i };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag === "ja" || tag.startsWith("ja-")) return "ja";
    if (tag === "en" || tag.startsWith("en-")) return "en";
  }
  return "ja";
}

/** The one error type of the API. `onError` and the validation hook shape it into `{ error: {...} }`. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: ErrorCode,
    readonly text: Bilingual,
    readonly field?: string,
  ) {
    super(text.en);
    this.status = ERROR_CODES[code];
  }

  /** The body in `lang` (Japanese unless told). */
  toJSON(lang: ErrorLang = "ja") {
    return { error: { code: this.code, message: this.text[lang], ...(this.field ? { field: this.field } : {}) } };
  }
}

/** The error body for a code, for the few places that answer without throwing. */
export const errorBody = (code: ErrorCode, text: Bilingual, field?: string, lang: ErrorLang = "ja") => new ApiError(code, text, field).toJSON(lang);

export const badRequest = (field: string, text: Bilingual, code: ErrorCode = "invalid") => new ApiError(code, text, field);
export const unauthorized = (text = jaEn("サインインしてください。", "Sign in first.")) => new ApiError("unauthorized", text);
export const forbidden = (text = jaEn("この操作をする権限がありません。", "You may not do this."), field?: string) => new ApiError("forbidden", text, field);
/** Not found: `what` names the thing, in both languages (「事業所」, "facility"). */
export const notFound = (what: Bilingual = jaEn("データ", "resource")) =>
  new ApiError("not_found", jaEn(`${what.ja}が見つかりません。`, `No such ${what.en}.`));
export const conflict = (field: string | undefined, text: Bilingual) => new ApiError("conflict", text, field);
export const closed = (text: Bilingual, field?: string) => new ApiError("closed", text, field);
export const tooLarge = (text: Bilingual, field?: string) => new ApiError("too_large", text, field);
