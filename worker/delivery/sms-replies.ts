/**
 * What the SMS webhook answers (TwiML text), in the person's language. Kept short: one or two segments.
 * The texts are `sms.*` in templates/i18n/<lang>.txt (Japanese for any the language lacks).
 */
import { label, phrase, strings, wording } from "../templates/files";
import { langOf, type Lang } from "../templates/schemas";
import type { Answers } from "../rollcall/schemas";

type Key = "recorded" | "howTo" | "howToAck" | "noRollcall" | "unknown";

export function smsText(lang: string, key: Key): string {
  return phrase(langOf(lang), `sms.${key}`);
}

/** "無事／出勤：可能": the answers with the reply page's own labels. */
function answerText(l: Lang, answers: Answers): string {
  const w = wording(l);
  const parts: string[] = [];
  if (answers.ack) parts.push(label(w, "ack.yes"));
  if (answers.safety) parts.push(`${label(w, "safety.label")}: ${label(w, `safety.${answers.safety}`)}`);
  if (answers.availability) parts.push(`${label(w, "availability.label")}: ${label(w, `availability.${answers.availability}`)}`);
  return parts.join(strings(l)["sms.joiner"] ?? "／");
}

/** The recorded answers echoed back. */
export function recordedText(lang: string, answers: Answers): string {
  const l = langOf(lang);
  return phrase(l, "sms.recorded", { answer: answerText(l, answers) });
}

/**
 * What was read, and only the other question asked back: `availability` after a recorded safety
 * (「記録しました：あなたの安否: 無事。出勤できますか。…」), `safety` after an availability that
 * waits for it (nothing is recorded without the safety).
 */
export function askBackText(lang: string, answers: Answers, ask: "safety" | "availability"): string {
  const l = langOf(lang);
  return phrase(l, ask === "safety" ? "sms.askSafety" : "sms.askAvailability", { answer: answerText(l, answers) });
}
