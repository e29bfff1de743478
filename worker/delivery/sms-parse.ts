/**
 * Reading a roll-call reply sent by SMS. People type on phones in a hurry, in
 * Japanese input mode or not. Two shapes are read:
 *
 * - the code the message asks for: "1 1", "1,1", "11", full-width "１　１", circled ①,
 *   keycaps 1️⃣, kanji 一二三, or words (無事 / ぶじ / OK / 軽傷 / 重傷 …), optionally
 *   followed by a comment. The first number is safety (1 safe, 2 minor, 3 severe), the
 *   second availability (1 yes, 2 conditional, 3 no);
 * - short sentences: 「無事です、すぐ行けます」「けがはありません。出勤できません」
 *   「軽いけがです 午後から出られます」, read clause by clause against PHRASES and TIMES.
 *
 * Either answer may be missing (the webhook asks back for the other). Pure: no I/O.
 */
import type { AVAILABILITY, SAFETY } from "../templates/schemas";

export type Safety = (typeof SAFETY)[number];
export type Availability = (typeof AVAILABILITY)[number];

/** What an SMS says: at least one of safety and availability. */
export interface SmsReply {
  safety?: Safety;
  availability?: Availability;
  /** When they expect to arrive, as written (「午後から」「30分で」): only with availability yes or conditional. */
  arrival?: string;
  comment: string;
}

// ─── The code ("1 1", "無事 不可") ───────────────────────────────────────────

const SAFETY_BY_DIGIT: Record<string, Safety> = { "1": "safe", "2": "minor", "3": "severe" };
const AVAILABILITY_BY_DIGIT: Record<string, Availability> = { "1": "yes", "2": "conditional", "3": "no" };

/** Words for safety, compared after NFKC and lower-casing (so ＯＫ and ｏｋ match "ok"). */
const SAFETY_WORDS: [RegExp, Safety][] = [
  [/^(無事|ぶじ|ブジ|okay|ok|safe|大丈夫|だいじょうぶ|元気|げんき)/, "safe"],
  [/^(軽傷|けいしょう|ケイショウ|minor)/, "minor"],
  [/^(重傷|じゅうしょう|ジュウショウ|要救助|救助|助けて|たすけて|severe|help)/, "severe"],
];
const AVAILABILITY_WORDS: [RegExp, Availability][] = [
  [/^(出勤可能|出勤可|可能|かのう|出られる|でられる|yes)/, "yes"],
  [/^(条件付き|条件付|じょうけんつき|conditional)/, "conditional"],
  [/^(出勤不可|不可|ふか|無理|むり|出られない|でられない|no)(?![a-z])/, "no"],
];
const KANJI_DIGITS: Record<string, string> = { 一: "1", 二: "2", 三: "3", 壱: "1", 弐: "2", 参: "3" };
const SEPARATORS = /^[\s,.、。，．・/\-_:;]+/;
/** A number with a unit is a time or a count (「2時に」「12時」「30分で」「10:30」), not a code. */
const COUNT = /^[0-9]+\s*(時|分|秒|日|月|年|歳|才|人|名|回|階|号|番|じ|ふん|ぷん|h(?![a-z])|min|hr|:[0-9]{2})/;

function normalize(body: string): string {
  return body
    .normalize("NFKC") // full-width digits, letters, spaces and commas; ① → 1
    .replace(/[\uFE0F\u20E3]/g, "") // keycaps: 1️⃣ → 1
    .replace(/[一二三壱弐参]/g, (k) => KANJI_DIGITS[k]!)
    .toLowerCase()
    .trim();
}

function takeWord<T>(s: string, words: [RegExp, T][]): [T, string] | null {
  for (const [re, v] of words) {
    const m = re.exec(s);
    if (m) return [v, s.slice(m[0].length)];
  }
  return null;
}

function takeDigit<T>(s: string, table: Record<string, T>): [T, string] | null {
  const m = /^([0-9])(?![0-9])/.exec(s) ?? /^([0-9])(?=[0-9](?![0-9]))/.exec(s);
  if (!m) return null;
  const v = table[m[1]!];
  return v === undefined ? null : [v, s.slice(1)];
}

const skipSeparators = (s: string) => s.replace(SEPARATORS, "");

interface Code {
  safety: Safety;
  availability?: Availability;
  byDigit: boolean;
  /** The rest as typed. */
  tail: string;
}

/** The code at the start of the message, or null (none, or one that cannot be right: "1 4", "1 1 1"). */
function readCode(body: string): Code | null {
  let rest = normalize(body);
  if (!rest || COUNT.test(rest)) return null; // 「2時に行きます」「30分で」: a time, not a code
  const digit = takeDigit(rest, SAFETY_BY_DIGIT);
  const safety = digit ?? takeWord(rest, SAFETY_WORDS);
  if (!safety) return null;
  rest = skipSeparators(safety[1]);
  const timeNext = COUNT.test(rest); // 「1 1時間後に着きます」: the time is the comment's
  const availability = timeNext ? null : (takeDigit(rest, AVAILABILITY_BY_DIGIT) ?? takeWord(rest, AVAILABILITY_WORDS));
  if (availability) rest = availability[1];
  else if (/^[0-9]/.test(rest) && !timeNext) return null; // "1 4": a number out of range
  const comment = skipSeparators(rest).trim();
  // "1 1 1", "1 12": more numbers than questions is a typo, not a comment; refuse rather than guess.
  if ((/^[0-9]/.test(rest) && !timeNext) || /^[0-9\s,.、。，．・/\-_:;]+$/.test(comment)) return null;
  return { safety: safety[0], ...(availability ? { availability: availability[0] } : {}), byDigit: digit !== null, tail: originalTail(body, comment) };
}

/** The comment as typed (before lower-casing), found by its normalized length from the end. */
function originalTail(body: string, normalizedComment: string): string {
  if (!normalizedComment) return "";
  const chars = [...body.trim()];
  for (let i = 0; i < chars.length; i++) {
    const tail = chars.slice(i).join("");
    if (normalize(tail) === normalizedComment) return tail.trim();
  }
  return normalizedComment;
}

// ─── Sentences (「無事です、すぐ行けます」) ─────────────────────────────────

/** A list written as "a|b|c" (the tables below stay one line a row). */
const list = (...parts: string[]) => parts.flatMap((p) => p.split("|"));

/** Kanji spellings read as kana, so one phrase below matches both (出勤 / しゅっきん). Longest first. */
const KANA: [string, string][] = list(
  "怪我=けが|無傷=むきず|無事=ぶじ|大丈夫=だいじょうぶ|丈夫=じょうぶ|元気=げんき|問題=もんだい|軽傷=けいしょう|重傷=じゅうしょう",
  "骨折=こっせつ|出血=しゅっけつ|捻挫=ねんざ|火傷=やけど|打撲=だぼく|痛=いた|傷=きず|軽=かる",
  "救助=きゅうじょ|救急=きゅうきゅう|下敷=したじき|閉じ込=とじこ|意識=いしき|動け=うごけ|助け=たすけ|助か=たすか",
  "出勤=しゅっきん|出社=しゅっしゃ|欠勤=けっきん|出来=でき|行け=いけ|行き=いき|行く=いく|行か=いか",
  "来られ=こられ|来れ=これ|出られ=でられ|出れ=でれ|向か=むか|着き=つき|遅れ=おくれ|遅刻=ちこく",
  "休み=やすみ|休む=やすむ|休ま=やすま|無理=むり|難し=むずかし|可能=かのう|不可=ふか|条件付き=じょうけんつき|条件付=じょうけんつき",
  "無し=なし|無い=ない|有り=あり",
)
  .map((pair) => pair.split("=") as [string, string])
  .sort((a, b) => b[0].length - a[0].length);

/** Verb stems that say one can come (行け, 来られ, 出られ, 出勤でき …), with the endings that say yes and no. */
const ABLE = list("いけ|こられ|これ|でられ|でれ|しゅっきんでき|しゅっしゃでき");
const can = (stems: string[]) => stems.flatMap((s) => list("ます|る|そう").map((e) => s + e));
const cannot = (stems: string[]) => stems.flatMap((s) => list("ません|ない|なさそう|そうにない|そうもない|ず").map((e) => s + e));

type Row = { field: "safety"; says: Safety | null; phrases: string[] } | { field: "availability"; says: Availability; phrases: string[] };
const S = (says: Safety | null, ...phrases: string[]): Row => ({ field: "safety", says, phrases: list(...phrases) });
const A = (says: Availability, ...phrases: (string | string[])[]): Row => ({
  field: "availability",
  says,
  phrases: phrases.flatMap((p) => (typeof p === "string" ? list(p) : p)),
});

/**
 * What a phrase says, matched in a clause after `fold` (hiragana; the kanji spellings of KANA as kana).
 * Earlier rows win: a phrase a row has matched is not read again by a later one, so 「けがはありません」
 * is read as safe before 「けが」 is read as an injury, and 「行けません」 as no before anything else.
 * `null`: safety said to be not fine, without saying how (the clause stays in the comment).
 */
const PHRASES: Row[] = [
  S(
    null,
    "ぶじではない|ぶじではありません|ぶじでない|ぶじじゃない|だいじょうぶではない|だいじょうぶではありません|だいじょうぶでない|だいじょうぶじゃない",
    "not ok|not safe|not fine",
  ),
  S(
    "safe",
    "けがはありません|けがもありません|けがありません|けがはない|けがもない|けがない|けがはなし|けがもなし|けがなし",
    "けがはしていません|けがしていません|けがはしてない|けがしてない|むきず|no injury|not injured|not hurt|unhurt",
  ),
  S(
    "severe",
    "じゅうしょう|きゅうじょ|たすけて|うごけない|うごけません|したじき|とじこめ|とじこも|いしきがない|いしきなし|きゅうきゅう",
    "help|trapped|severe|can't move|cannot move",
  ),
  S("minor", "けいしょう|けが|こっせつ|しゅっけつ|いたい|いたみ|いたむ|ねんざ|やけど|だぼく|きず", "injured|injury|hurt|minor|bleeding"),
  A(
    "no",
    cannot(ABLE),
    cannot(["でき"]),
    "いきません|いかない|いかれない|いかれません|しゅっきんしません|しゅっきんしない|しゅっきんふか|しゅっしゃふか",
    "むり|むずかしい|むずかしそう|ふか|やすみます|やすむ|やすませて|やすまないと|けっきん",
    "can't come|cannot come|can not come|can't work|cannot work|not coming|unable",
  ),
  A("conditional", "じょうけんつき|おくれ|ちこく|てから|conditional|late"),
  A(
    "yes",
    can(ABLE),
    "いきます|むかいます|むかっています|むかってます|むかう|つきます",
    "しゅっきんします|しゅっきんする|しゅっきんかのう|しゅっきん可|しゅっしゃします|しゅっしゃかのう|かのう",
    "しゅっきんだいじょうぶ|しゅっきんok|can come|can work|coming|on my way|will come|yes",
  ),
  S("safe", "ぶじ|だいじょうぶ|げんき|もんだいない|もんだいありません|もんだいなし|たすかりました|おっけー|ok|okay|safe|fine"),
];

/** When they expect to arrive, matched before `fold` (kept as written, after NFKC). */
const TIMES: RegExp[] = [
  /\d+\s*(分|ふん|ぷん)\s*(後|ご|で|ほど|くらい|ぐらい|以内|いない)?/g,
  /\d+\s*時間\s*(半)?\s*(後|ご|で|ほど|くらい|ぐらい|以内|いない)?/g,
  /\d{1,2}\s*(時|じ)\s*(\d{1,2}\s*分|半)?\s*(ごろ|頃|に|から|まで|以降|すぎ|過ぎ)*/g,
  /\d{1,2}:\d{2}\s*(ごろ|頃|に|から|まで)*/g,
  /(午前|午後|ごぜん|ごご|夕方|ゆうがた|夜|よる|明日|あした|あす|明後日|あさって|後ほど|のちほど)\s*(中|から|に|ごろ|頃|まで|なら|には)*/g,
  /(in\s+)?\d+\s*(minutes|minute|mins|min|hours|hour|hrs|hr|h)(?![a-z])/g,
  /(tomorrow|tonight|this afternoon|later)/g,
];

/** Who else a clause may be about: their safety is not the person's (「家族が骨折しました」 stays a comment). */
const OTHERS = list("家族|かぞく|子供|子ども|こども|息子|むすこ|娘|むすめ|夫|妻|主人|しゅじん|母|父|両親|祖母|祖父");
const SELF = list("私|わたし|自分|じぶん|本人|僕|ぼく|俺|おれ|全員|ぜんいん|みんな|皆");

/** Words that say nothing on their own: a clause of only these (and what was read) is not kept as a comment. */
const FILLERS = list(
  "よろしくお願いします|お願いします|よろしく|ありがとうございます|しています|しました|します|でした|ました|ています|てます|います|いる|おります|です|ます",
  "いまは|いま|今日は|今日|きょうは|きょう|今は|今|私は|私も|私|わたし|自分|しゅっきん|しゅっしゃ|して",
  "すぐに|すぐ|すこし|少し|ちょっと|かるい|かるく|たぶん|なら|ので|から|けど|けれど|だけ|でも|は|が|も|を|に|で|の|と|ね|よ|な",
).sort((a, b) => b.length - a.length);
const ENGLISH_FILLERS = /(?<![a-z'])(i'm|im|i|am|is|and|but|will|be|can|in|the|a|to|now|so|it|i'll|me|all|right|soon|today|there|please)(?![a-z'])/g;
const NOISE = /[\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}\sー〜]|\uFE0F|\u20E3/gu;
const BLANK = "\u0000";

/**
 * Clauses: split at 、。！？ and line breaks, and at a space between Japanese words (「けがです 午後から」),
 * not between English words or a number and its unit ("can come", "30 分"); a "." only before a space
 * or the end, so "Dr.山田" stays whole.
 */
const CLAUSE_BREAK = /(\s*[、。，,!！?？…・/／\r\n]+\s*|(?<=[^\sA-Za-z0-9０-９Ａ-Ｚａ-ｚ])[ \t\u3000]+(?=[^\sA-Za-z0-9０-９Ａ-Ｚａ-ｚ])|\.(?=\s|$)\s*)/;

const widen = (s: string) => s.normalize("NFKC").toLowerCase().replace(/[’‘]/g, "'");

function fold(s: string): string {
  let out = s.replace(/[\u30a1-\u30f6]/g, (k) => String.fromCharCode(k.charCodeAt(0) - 0x60));
  for (const [kanji, kana] of KANA) out = out.replaceAll(kanji, kana);
  return out;
}

const isAscii = (s: string) => /[a-z]/.test(s);
/** Where a phrase occurs in a text; an English phrase only as whole words ("ok", not the ok in "token"). */
function occurrences(text: string, phrase: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(phrase); i >= 0; i = text.indexOf(phrase, i + phrase.length)) {
    const word = !isAscii(phrase) || (!/[a-z]/.test(text[i - 1] ?? "") && !/[a-z]/.test(text[i + phrase.length] ?? ""));
    if (word) at.push(i);
  }
  return at;
}
const blank = (text: string, i: number, n: number) => text.slice(0, i) + BLANK.repeat(n) + text.slice(i + n);

interface Clause {
  safety: (Safety | null)[];
  availability: Availability[];
  times: string[];
  /** Kept in the comment: it says more than what was read. */
  keep: boolean;
  /** Safety said to be not fine, without how (「無事ではありません」). */
  unsure: boolean;
}

function readClause(clause: string): Clause {
  let wide = widen(clause);
  const times: { at: number; text: string }[] = [];
  for (const re of TIMES)
    wide = wide.replace(re, (m: string, ...rest: unknown[]) => {
      times.push({ at: rest[rest.length - 2] as number, text: m.trim() });
      return BLANK.repeat(m.length);
    });
  let text = fold(wide);
  const aboutOthers = OTHERS.some((w) => text.includes(w)) && !SELF.some((w) => text.includes(w));
  const out: Clause = { safety: [], availability: [], times: times.sort((a, b) => a.at - b.at).map((t) => t.text), keep: false, unsure: false };
  for (const row of PHRASES)
    for (const phrase of row.phrases)
      for (const i of occurrences(text, phrase)) {
        text = blank(text, i, phrase.length);
        if (row.field === "availability") out.availability.push(row.says);
        else if (aboutOthers) out.keep = true;
        else if (row.says === null) out.keep = out.unsure = true;
        else out.safety.push(row.says);
      }
  if (saysMore(text)) out.keep = true;
  return out;
}

/** Whether a folded text has more than fillers, punctuation and emoji. */
function saysMore(folded: string): boolean {
  let text = folded;
  for (const f of FILLERS) text = text.replaceAll(f, "");
  return text.replace(ENGLISH_FILLERS, "").replace(NOISE, "") !== "";
}

const SEVERITY: Safety[] = ["severe", "minor", "safe"];

/** Safety and availability read from sentences (null: neither was), and whether safety was said to be not fine without how. */
function readSentences(body: string): { reply: SmsReply | null; unsure: boolean } {
  const pieces = body.split(CLAUSE_BREAK);
  const safety: (Safety | null)[] = [];
  const availability: Availability[] = [];
  const times: string[] = [];
  let comment = "";
  let unsure = false;
  for (let i = 0; i < pieces.length; i += 2) {
    const c = readClause(pieces[i]!);
    unsure ||= c.unsure;
    safety.push(...c.safety);
    availability.push(...c.availability);
    times.push(...c.times);
    if (c.keep) comment += pieces[i]! + (pieces[i + 1] ?? "");
  }
  // The worse of what was said: 「無事ですが足を骨折しました」 is minor.
  const s = SEVERITY.find((v) => safety.includes(v));
  const a = availabilityOf(availability, times.length > 0);
  if (!s && !a) return { reply: null, unsure };
  const arrival = a && a !== "no" && times.length ? times.join(" ").slice(0, 40) : "";
  const reply = { ...(s ? { safety: s } : {}), ...(a ? { availability: a } : {}), ...(arrival ? { arrival } : {}), comment: trimComment(comment) };
  return { reply, unsure };
}

/**
 * Yes, conditional or no from what the clauses said: a time or a condition with a yes is
 * conditional (「午後から出られます」), a no without any yes is no (「明日も行けません」),
 * a no and a yes is conditional (「今日は無理ですが明日なら行けます」), a time alone is conditional.
 */
function availabilityOf(said: Availability[], timed: boolean): Availability | undefined {
  const yes = said.includes("yes") || said.includes("conditional");
  const no = said.includes("no");
  if (no && !yes) return "no";
  if (yes && !no && !timed && !said.includes("conditional")) return "yes";
  return yes || timed ? "conditional" : undefined;
}

const trimComment = (s: string) => s.replace(/[\s、,，・/／]+$/, "").trim();

/** When they expect to arrive, from the text after a code ("1 2 14時ごろ着きます"). */
function arrivalIn(tail: string): string | undefined {
  return tail ? readSentences(tail).reply?.arrival : undefined;
}

// ─── The reply ───────────────────────────────────────────────────────────────

/** The reply in an SMS body, or null when it cannot be read (the sender is told how to reply). */
export function parseSmsReply(body: string): SmsReply | null {
  const code = readCode(body);
  if (code && (code.availability || !code.tail)) {
    // The code as asked: the rest is the comment, as typed (unless it is only 「です」).
    const arrival = code.availability && code.availability !== "no" ? arrivalIn(code.tail) : undefined;
    const comment = saysMore(fold(widen(code.tail))) ? code.tail : "";
    return { safety: code.safety, ...(code.availability ? { availability: code.availability } : {}), ...(arrival ? { arrival } : {}), comment };
  }
  if (code?.byDigit) {
    // "1 午後から行けます": the digit is the safety; the sentence after it says the rest.
    const rest = readSentences(code.tail).reply;
    const { availability, arrival } = rest ?? {};
    return { safety: code.safety, ...(availability ? { availability } : {}), ...(arrival ? { arrival } : {}), comment: rest ? rest.comment : code.tail };
  }
  const said = readSentences(body);
  if (said.reply || said.unsure) return said.reply;
  return code ? { safety: code.safety, comment: code.tail } : null; // a code word the sentences do not know ("okayyy")
}

/** An acknowledgement (通常連絡): any readable positive reply, or 確認 / 了解 / はい. */
export function parseSmsAck(body: string): boolean {
  const s = normalize(body);
  if (/^(確認|かくにん|了解|りょうかい|承知|はい|ok|okay|yes|1)(?![0-9])/.test(s)) return true;
  return parseSmsReply(body)?.safety === "safe";
}
