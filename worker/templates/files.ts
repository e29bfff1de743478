import type { Channel } from "../delivery/types";
import { TEMPLATE_FILES } from "./files.generated";
import { FALLBACK_LANG, LANGS, type Lang } from "./languages";
import { rubyPlain } from "./ruby";
import { QUESTIONS, TemplateBodySchema, type FacilityField, type MessageSet, type Question, type TemplateBody, type Wave } from "./schemas";

/** `key = value` lines; `#` comments; `\n` is a line break; a value in double quotes keeps its spaces. Repeated keys collect. */
export function parseSettings(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) throw new Error(`template settings: no "=" in ${JSON.stringify(line)}`);
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    value = value.replace(/\\n/g, "\n");
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

function file(path: string): string {
  const text = TEMPLATE_FILES[path];
  if (text === undefined) throw new Error(`template file missing: templates/${path}`);
  return text;
}

export const PARTS: Record<keyof MessageSet, string> = {
  sms: "sms.txt",
  emailSubject: "email-subject.txt",
  emailText: "email.txt",
  emailHtml: "email.html",
  pushTitle: "push-title.txt",
  pushBody: "push-body.txt",
};

/**
 * One message part in one language. The fallback rule: a part with no file for the
 * language comes from the Japanese file (FALLBACK_LANG), so a new language can ship
 * with some parts translated; `from` says which file it came from.
 */
export function messagePart(
  kind: string,
  lang: Lang,
  part: keyof MessageSet,
  files: Readonly<Record<string, string>> = TEMPLATE_FILES,
): { text: string; from: Lang } {
  for (const l of lang === FALLBACK_LANG ? [lang] : ([lang, FALLBACK_LANG] as const)) {
    const text = files[`messages/${kind}.${l}.${PARTS[part]}`];
    // A trailing newline in a file is the editor's, not the message's.
    if (text !== undefined) return { text: text.replace(/\r\n/g, "\n").replace(/\n+$/, ""), from: l };
  }
  throw new Error(`template file missing: templates/messages/${kind}.${FALLBACK_LANG}.${PARTS[part]}`);
}

function messageSet(kind: string, lang: Lang): MessageSet {
  const set = {} as MessageSet;
  for (const part of Object.keys(PARTS) as (keyof MessageSet)[]) set[part] = messagePart(kind, lang, part).text;
  return set;
}

const allLangs = (kind: string) => Object.fromEntries(LANGS.map((l) => [l, messageSet(kind, l)])) as Record<Lang, MessageSet>;

/**
 * A template's messages in one language. Admin copies and roll-call snapshots made
 * before a language existed lack it: those people get the Japanese messages.
 */
export function messagesFor(sets: { ja: MessageSet } & Partial<Record<Lang, MessageSet>>, lang: Lang): MessageSet {
  return sets[lang] ?? sets[FALLBACK_LANG];
}

/** `wave = <minutes> <channel,channel> [fallback] [unreplied] [admins]` */
function parseWave(spec: string): Wave {
  const [minutes, channels, ...flags] = spec.split(/\s+/);
  const known = new Set(["fallback", "unreplied", "admins"]);
  for (const f of flags) if (!known.has(f)) throw new Error(`template wave: unknown flag ${f}`);
  return {
    delayMinutes: Number(minutes),
    channels: (channels ?? "").split(",").filter(Boolean) as Channel[],
    fallback: flags.includes("fallback"),
    onlyUnreplied: flags.includes("unreplied"),
    audience: flags.includes("admins") ? "facility_admins" : "recipients",
  };
}

function one(s: Map<string, string[]>, key: string, kind: string): string {
  const v = s.get(key);
  if (v?.length !== 1) throw new Error(`templates/kinds/${kind}.txt: "${key}" must appear once`);
  return v[0]!;
}

/**
 * `facilityFields = <fields>` (every facility type) and `facilityFields.<type> = <fields>`
 * (one type), space-separated; none of them: each type's default. The names are
 * checked by the template schema (an unknown field or type is named in the error).
 */
function facilityFieldsOf(s: Map<string, string[]>, kind: string): TemplateBody["facilityFields"] {
  const list = (key: string) => one(s, key, kind).split(/\s+/).filter(Boolean) as FacilityField[];
  const byType: Record<string, FacilityField[]> = {};
  for (const key of s.keys()) if (key.startsWith("facilityFields.")) byType[key.slice("facilityFields.".length)] = list(key);
  const all = s.has("facilityFields") ? list("facilityFields") : undefined;
  if (!all && !Object.keys(byType).length) return undefined;
  return { ...(all ? { all } : {}), ...(Object.keys(byType).length ? { byType } : {}) };
}

/** The path of a schema issue in the settings' words (facilityFields.byType.home_care.2 → facilityFields.home_care). */
const settingPath = (path: PropertyKey[]) => {
  const p = path.map(String);
  if (p[0] === "facilityFields") return ["facilityFields", ...(p[1] === "byType" && p[2] ? [p[2]] : [])].join(".");
  return p.join(".");
};

/** A kind's settings file (templates/kinds/<kind>.txt) as a template; an error names the file and the setting. */
export function parseKind(kind: string, text: string): TemplateBody {
  const s = parseSettings(text);
  const body = {
    name: { ja: one(s, "name.ja", kind), en: one(s, "name.en", kind) },
    kind: one(s, "kind", kind),
    questions: one(s, "questions", kind).split(/\s+/) as Question[],
    facilityQuestions: one(s, "facilityQuestions", kind) === "yes",
    facilityFields: facilityFieldsOf(s, kind),
    commentMax: Number(one(s, "commentMax", kind)),
    ...(s.has("patientChecks") ? { patientChecks: one(s, "patientChecks", kind) === "yes" } : {}),
    ...(s.has("patientCheckMinutes") ? { patientCheckMinutes: Number(one(s, "patientCheckMinutes", kind)) } : {}),
    waves: (s.get("wave") ?? []).map(parseWave),
    messages: allLangs(kind),
    digest: allLangs("digest"),
  };
  const parsed = TemplateBodySchema.safeParse(body);
  if (!parsed.success) throw new Error(`templates/kinds/${kind}.txt: ${parsed.error.issues.map((i) => `${settingPath(i.path)}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

const loadKind = (kind: string): TemplateBody => parseKind(kind, file(`kinds/${kind}.txt`));

let kinds: Map<string, TemplateBody> | undefined;

/** The file templates by key ("safety", "notice"), parsed once per isolate. */
export function fileTemplates(): Map<string, TemplateBody> {
  if (!kinds) {
    kinds = new Map();
    for (const path of Object.keys(TEMPLATE_FILES).sort()) {
      const m = /^kinds\/([a-z][a-z0-9_-]*)\.txt$/.exec(path);
      if (m) kinds.set(m[1]!, loadKind(m[1]!));
    }
  }
  return kinds;
}

export type Wording = Readonly<Record<string, string>>;

/** The last value of each key in a `key = value` file. */
const keyValues = (text: string): Record<string, string> => Object.fromEntries([...parseSettings(text)].map(([k, v]) => [k, v[v.length - 1]!]));

/** Files of strings per language: the reply page (`page/<lang>.txt`) and everything else the staff see (`i18n/<lang>.txt`). */
export type StringDir = "page" | "i18n";

/**
 * The strings of one language over the Japanese ones. The fallback rule: a key
 * missing from a language's file (or the whole file missing) takes the Japanese
 * value, so a person never sees a raw key because a translation lags behind.
 */
export function stringsFrom(files: Readonly<Record<string, string>>, dir: StringDir, lang: Lang): Wording {
  const base = files[`${dir}/${FALLBACK_LANG}.txt`];
  if (base === undefined) throw new Error(`template file missing: templates/${dir}/${FALLBACK_LANG}.txt`);
  const own = lang === FALLBACK_LANG ? undefined : files[`${dir}/${lang}.txt`];
  return Object.freeze({ ...keyValues(base), ...(own === undefined ? {} : keyValues(own)) });
}

/** Keys of the Japanese file that a language's own file lacks (what a translator still has to add). */
export function missingKeys(dir: StringDir, lang: Lang, files: Readonly<Record<string, string>> = TEMPLATE_FILES): string[] {
  const own = files[`${dir}/${lang}.txt`];
  const have = own === undefined ? new Set<string>() : new Set(parseSettings(own).keys());
  const base = files[`${dir}/${FALLBACK_LANG}.txt`];
  if (base === undefined) throw new Error(`template file missing: templates/${dir}/${FALLBACK_LANG}.txt`);
  return [...parseSettings(base).keys()].filter((k) => !have.has(k));
}

const cache = new Map<string, Wording>();
const cached = (dir: StringDir, lang: Lang): Wording => {
  const key = `${dir}/${lang}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const w = stringsFrom(TEMPLATE_FILES, dir, lang);
  cache.set(key, w);
  return w;
};

/** The reply page's wording and question labels in one language (Japanese for any key it lacks). */
export const wording = (lang: Lang): Wording => cached("page", lang);

/** Invitation, verification, push actions, SMS replies and staff app strings in one language (Japanese for any key it lacks). */
export const strings = (lang: Lang): Wording => cached("i18n", lang);

/**
 * A label as plain text, with a visible marker when even the Japanese file lacks it (never
 * a crash on a reply page). やさしい日本語's furigana (`{来|く}る`) reads as its kana here
 * (SMS, push, titles); the pages that can show <ruby> render the wording themselves (templates/ruby.ts).
 */
export const label = (w: Wording, key: string, vars: Record<string, string | number> = {}): string =>
  rubyPlain(w[key] ?? `[${key}]`).replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));

/** One of the staff strings (templates/i18n) in a language, placeholders filled. */
export const phrase = (lang: Lang, key: string, vars: Record<string, string | number> = {}): string => label(strings(lang), key, vars);

// ---------------------------------------------------------------- review by a native speaker

export interface ReviewItem {
  /** Path under templates/. */
  path: string;
  /** "all": every string of the file; else the keys marked `# needs-review`. */
  keys: "all" | string[];
}

/**
 * What still needs a native speaker's review (see templates/README.md): a
 * `# review: needed` header marks a whole strings file, a `# needs-review` line
 * marks the key below it, and templates/messages/review.txt lists message files
 * by kind and language.
 */
export function reviewNeeded(files: Readonly<Record<string, string>> = TEMPLATE_FILES): ReviewItem[] {
  const out: ReviewItem[] = [];
  for (const [path, text] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    if (/^(page|i18n)\/[^/]+\.txt$/.test(path)) {
      const state = reviewState(text);
      if (state.file === "needed") out.push({ path, keys: "all" });
      else if (state.keys.length) out.push({ path, keys: state.keys });
    }
  }
  for (const [kindLang, [state]] of parseSettings(files["messages/review.txt"] ?? "")) {
    if (state?.startsWith("needed")) out.push({ path: `messages/${kindLang}.*`, keys: "all" });
  }
  return out;
}

/** The `# review: needed|done` header of a strings file and the keys marked `# needs-review`. */
export function reviewState(text: string): { file: "needed" | "done" | null; keys: string[] } {
  let fileState: "needed" | "done" | null = null;
  const keys: string[] = [];
  let markNext = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^#\s*review:\s*(needed|done)\b/.exec(line);
    if (header) fileState = header[1] as "needed" | "done";
    else if (/^#\s*needs-review\b/.test(line)) markNext = true;
    else if (line && !line.startsWith("#")) {
      if (markNext && line.includes("=")) keys.push(line.slice(0, line.indexOf("=")).trim());
      markNext = false;
    }
  }
  return { file: fileState, keys };
}

export { LANGS, QUESTIONS };
