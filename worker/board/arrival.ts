/**
 * When someone who can come will arrive, read from their answer (出勤可否 and the
 * free 到着の見込み text: 「30分後」「1時間半」「14時ごろ」「14:30」「すぐ」), counted by
 * the board per 職種 in a few groups: すぐ, 30分以内, 1時間以内, それ以降, 未定.
 * No zod and no worker runtime here: the admin UI takes the group names from it.
 */

export const ARRIVAL_GROUPS = ["now", "m30", "m60", "later", "unknown"] as const;
export type ArrivalGroup = (typeof ARRIVAL_GROUPS)[number];

const JST_MS = 9 * 3_600_000;
const DAY_MIN = 24 * 60;

/** Minutes from `at` until the arrival the text names; null when it names none. */
export function arrivalMinutes(text: string, at: number): number | null {
  const s = text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ");
  if (/すぐ|直ち|ただちに|至急|今から|いまから|now|asap|immediately|right away/.test(s)) return 0;
  // Relative hours first (「時間」 is not a clock time): 1時間, 1時間半, 1.5時間, 1時間30分, 2 hours.
  const hours = /(\d+(?:\.\d+)?) ?(?:時間|hours?|hrs?\b|h\b)(半)?(?: ?(\d+) ?分)?/.exec(s);
  if (hours) return Math.round(Number(hours[1]) * 60 + (hours[2] ? 30 : 0) + (hours[3] ? Number(hours[3]) : 0));
  // A clock time in JST: 14時, 14時半, 14時30分, 午後2時, 14:30.
  const clock = /(午前|午後)? ?(\d{1,2}) ?(?:時(?!間)(半)?(?: ?(\d{1,2}) ?分)?|:(\d{2}))/.exec(s);
  if (clock) {
    let h = Number(clock[2]);
    if (clock[1] === "午後" && h < 12) h += 12;
    const m = clock[3] ? 30 : Number(clock[4] ?? clock[5] ?? 0);
    if (h > 24 || m > 59) return null;
    const now = new Date(at + JST_MS);
    let d = h * 60 + m - (now.getUTCHours() * 60 + now.getUTCMinutes());
    // A time just past reads as "arriving now"; one long past is tomorrow's.
    if (d < -60) d += DAY_MIN;
    return Math.max(0, d);
  }
  const minutes = /(\d+) ?(?:分|min(?:ute)?s?\b)/.exec(s);
  if (minutes) return Number(minutes[1]);
  return null;
}

/**
 * The group of one answer: null when the person cannot come (or did not say).
 * 出勤可能 with no time is すぐ; 条件付き with no time we can read is 未定.
 * `at` is the answer's time in ms (the board takes it to the minute, as its D1 read does).
 */
export function arrivalGroup(availability: string | null | undefined, arrival: string | null | undefined, at: number): ArrivalGroup | null {
  if (availability !== "yes" && availability !== "conditional") return null;
  const text = arrival?.trim();
  if (!text) return availability === "yes" ? "now" : "unknown";
  const d = arrivalMinutes(text, Math.floor(at / 60_000) * 60_000);
  if (d === null) return "unknown";
  return d <= 10 ? "now" : d <= 30 ? "m30" : d <= 60 ? "m60" : "later";
}
