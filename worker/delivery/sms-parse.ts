/**
 * Reading a roll-call reply sent by SMS. People type on phones in a hurry, in
 * Japanese input mode or not, so the parser accepts: "1 1", "1,1", "11", full-width
 * "１　１", circled ①, kanji 一二三, and words (無事 / ぶじ / OK / 軽傷 / 重傷 …),
 * optionally followed by a comment. The first number is safety (1 safe, 2 minor,
 * 3 severe), the second availability (1 yes, 2 conditional, 3 no).
 */
import type { AVAILABILITY, SAFETY } from "../templates/schemas";

export type Safety = (typeof SAFETY)[number];
export type Availability = (typeof AVAILABILITY)[number];

export interface SmsReply {
  safety: Safety;
  availability?: Availability;
  comment: string;
}

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

function normalize(body: string): string {
  return body
    .normalize("NFKC") // full-width digits, letters, spaces and commas; ① → 1
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

/** The reply in an SMS body, or null when it cannot be read (the sender is told how to reply). */
export function parseSmsReply(body: string): SmsReply | null {
  let rest = normalize(body);
  if (!rest) return null;
  const safety = takeDigit(rest, SAFETY_BY_DIGIT) ?? takeWord(rest, SAFETY_WORDS);
  if (!safety) return null;
  rest = skipSeparators(safety[1]);
  const availability = takeDigit(rest, AVAILABILITY_BY_DIGIT) ?? takeWord(rest, AVAILABILITY_WORDS);
  if (availability) rest = availability[1];
  else if (/^[0-9]/.test(rest)) return null; // "1 4": a number out of range
  const comment = skipSeparators(rest).trim();
  // "1 1 1", "1 12": more numbers than questions is a typo, not a comment; refuse rather than guess.
  if (/^[0-9]/.test(rest) || /^[0-9\s,.、。，．・/\-_:;]+$/.test(comment)) return null;
  return { safety: safety[0], ...(availability ? { availability: availability[0] } : {}), comment: originalTail(body, comment) };
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

/** An acknowledgement (通常連絡): any readable positive reply, or 確認 / 了解 / はい. */
export function parseSmsAck(body: string): boolean {
  const s = normalize(body);
  if (/^(確認|かくにん|了解|りょうかい|承知|はい|ok|okay|yes|1)(?![0-9])/.test(s)) return true;
  return parseSmsReply(body)?.safety === "safe";
}
