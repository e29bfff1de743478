import type { Channel } from "../delivery/types";
import { TEMPLATE_FILES } from "./files.generated";
import { LANGS, QUESTIONS, TemplateBodySchema, type Lang, type MessageSet, type Question, type TemplateBody, type Wave } from "./schemas";

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

const PARTS: Record<keyof MessageSet, string> = {
  sms: "sms.txt",
  emailSubject: "email-subject.txt",
  emailText: "email.txt",
  emailHtml: "email.html",
  pushTitle: "push-title.txt",
  pushBody: "push-body.txt",
};

function messageSet(kind: string, lang: Lang): MessageSet {
  const set = {} as MessageSet;
  for (const [part, suffix] of Object.entries(PARTS) as [keyof MessageSet, string][]) {
    // A trailing newline in a file is the editor's, not the message's.
    set[part] = file(`messages/${kind}.${lang}.${suffix}`).replace(/\r\n/g, "\n").replace(/\n+$/, "");
  }
  return set;
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
  if (!v || v.length !== 1) throw new Error(`templates/kinds/${kind}.txt: "${key}" must appear once`);
  return v[0]!;
}

function loadKind(kind: string): TemplateBody {
  const s = parseSettings(file(`kinds/${kind}.txt`));
  const body = {
    name: { ja: one(s, "name.ja", kind), en: one(s, "name.en", kind) },
    kind: one(s, "kind", kind),
    questions: one(s, "questions", kind).split(/\s+/) as Question[],
    facilityQuestions: one(s, "facilityQuestions", kind) === "yes",
    commentMax: Number(one(s, "commentMax", kind)),
    waves: (s.get("wave") ?? []).map(parseWave),
    messages: { ja: messageSet(kind, "ja"), en: messageSet(kind, "en") },
    digest: { ja: messageSet("digest", "ja"), en: messageSet("digest", "en") },
  };
  const parsed = TemplateBodySchema.safeParse(body);
  if (!parsed.success) throw new Error(`templates/kinds/${kind}.txt: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

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
const wordings = new Map<Lang, Wording>();

/** The reply page's wording and question labels in one language. */
export function wording(lang: Lang): Wording {
  let w = wordings.get(lang);
  if (!w) {
    w = Object.fromEntries([...parseSettings(file(`page/${lang}.txt`))].map(([k, v]) => [k, v[v.length - 1]!]));
    wordings.set(lang, w);
  }
  return w;
}

/** A label, with a visible marker when the wording file lacks it (never a crash on a reply page). */
export const label = (w: Wording, key: string, vars: Record<string, string | number> = {}): string =>
  (w[key] ?? `[${key}]`).replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));

export { LANGS, QUESTIONS };
