/**
 * The languages the staff see (invitation, reply page, notifications, SMS, email):
 * Japanese, English, the languages of Japan's foreign care workforce, and easy
 * Japanese (やさしい日本語). The one list: a language picker shows `name`, files in
 * templates/ are named by `code`, and a string missing from a language falls back
 * to FALLBACK_LANG (see worker/templates/files.ts).
 *
 * `english` and `japanese` gloss the name beside it in a picker (「Tiếng Việt（ベトナム語）」).
 * `htmlLang` is the BCP 47 tag for `<html lang>` (やさしい日本語 is Japanese to a
 * browser or screen reader); `locale` formats dates and times.
 */
export const LANGUAGES = [
  { code: "ja", name: "日本語", english: "Japanese", japanese: "日本語", htmlLang: "ja", locale: "ja-JP" },
  { code: "en", name: "English", english: "English", japanese: "英語", htmlLang: "en", locale: "en-GB" },
  { code: "vi", name: "Tiếng Việt", english: "Vietnamese", japanese: "ベトナム語", htmlLang: "vi", locale: "vi-VN" },
  { code: "id", name: "Bahasa Indonesia", english: "Indonesian", japanese: "インドネシア語", htmlLang: "id", locale: "id-ID" },
  { code: "tl", name: "Tagalog", english: "Tagalog", japanese: "タガログ語", htmlLang: "tl", locale: "fil-PH" },
  { code: "ne", name: "नेपाली", english: "Nepali", japanese: "ネパール語", htmlLang: "ne", locale: "ne-NP" },
  { code: "my", name: "မြန်မာ", english: "Burmese", japanese: "ミャンマー語", htmlLang: "my", locale: "my-MM" },
  { code: "zh", name: "中文", english: "Chinese (simplified)", japanese: "中国語（簡体字）", htmlLang: "zh-Hans", locale: "zh-CN" },
  { code: "ja-easy", name: "やさしい にほんご", english: "Easy Japanese", japanese: "やさしい日本語", htmlLang: "ja", locale: "ja-JP" },
] as const;

export type Language = (typeof LANGUAGES)[number];
export type Lang = Language["code"];

/** Every language code, in picker order. */
export const LANGS: readonly Lang[] = LANGUAGES.map((l) => l.code);

/** Where a missing string, message part or wording key comes from. */
export const FALLBACK_LANG = "ja" satisfies Lang;

const byCode = new Map<string, Language>(LANGUAGES.map((l) => [l.code, l]));

export const isLang = (code: unknown): code is Lang => typeof code === "string" && byCode.has(code);

/** A stored or requested code as a supported language; anything else is Japanese. */
export const langOf = (code: string | null | undefined): Lang => (isLang(code) ? code : FALLBACK_LANG);

export const languageOf = (code: string | null | undefined): Language => byCode.get(langOf(code))!;
