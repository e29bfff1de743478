import type { PersonLang } from "../directory/schemas";
import { phrase } from "../templates/files";
import { langOf, languageOf } from "../templates/languages";

/**
 * What the staff app says outside roll-calls (the join and verify pages, invitation,
 * code, link and report messages, the test notification). The strings live in
 * templates/i18n/<lang>.txt with the other staff strings; a key missing in a
 * language falls back to Japanese.
 */
export const langOfPerson = (code: string | null | undefined): PersonLang => langOf(code);

/** One string in `lang`, with `{name}` placeholders filled. */
export const say = (lang: PersonLang, key: string, vars: Record<string, string | number> = {}): string => phrase(lang, key, vars);

/** The `lang` attribute of a page (やさしい日本語 is Japanese to a browser). */
export const htmlLang = (lang: PersonLang): string => languageOf(lang).htmlLang;
