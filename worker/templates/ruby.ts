/**
 * Furigana (ruby) for やさしい日本語. A wording file writes a kanji it keeps with its
 * reading: `{来|く}る` is 来 with く above it. The reply page and the staff screens
 * render it as `<ruby>来<rt>く</rt></ruby>る`; where no markup is possible (a page
 * title, an SMS, an aria-label) the reading stands in for the kanji (くる).
 * Pure, no imports: the admin UI renders the same notation.
 */

/** `{base|reading}`: never a `{placeholder}` (those are `\w+` only, no `|`). */
const RUBY = /\{([^{}|]+)\|([^{}|]+)\}/g;

export type RubyPart = string | { base: string; reading: string };

/** The text in plain pieces and ruby pieces, in order. */
export function rubyParts(text: string): RubyPart[] {
  const out: RubyPart[] = [];
  let at = 0;
  for (const m of text.matchAll(RUBY)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push({ base: m[1]!, reading: m[2]! });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** The text without markup: each kanji with ruby as its reading (`{来|く}る` → くる). */
export const rubyPlain = (text: string): string => text.replace(RUBY, (_, _base: string, reading: string) => reading);

/** HTML-escaped text (as hono's html`` writes it). */
export const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** The text as HTML: every piece escaped, the ruby as `<ruby>`. */
export const rubyHtml = (text: string): string =>
  rubyParts(text)
    .map((p) => (typeof p === "string" ? escapeHtml(p) : `<ruby>${escapeHtml(p.base)}<rt>${escapeHtml(p.reading)}</rt></ruby>`))
    .join("");

/** Kanji written without a reading (outside `{…|…}`): what a やさしい日本語 string must not have. */
export const bareKanji = (text: string): string[] => text.replace(RUBY, "").match(/\p{Script=Han}+/gu) ?? [];
