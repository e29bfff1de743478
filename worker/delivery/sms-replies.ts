/**
 * What the SMS webhook answers (TwiML text), in the person's language. Kept short: one or two segments.
 * The texts are `sms.*` in templates/i18n/<lang>.txt (Japanese for any the language lacks).
 */
import { label, phrase, strings, wording } from "../templates/files";
import { langOf } from "../templates/schemas";
import type { Answers } from "../rollcall/schemas";

type Key = "recorded" | "howTo" | "howToAck" | "noRollcall" | "unknown";

export function smsText(lang: string, key: Key): string {
  return phrase(langOf(lang), `sms.${key}`);
}

/** "無事／出勤：可能" from the recorded answers, with the reply page's own labels. */
export function recordedText(lang: string, answers: Answers): string {
  const l = langOf(lang);
  const w = wording(l);
  const parts: string[] = [];
  if (answers.ack) parts.push(label(w, "ack.yes"));
  if (answers.safety) parts.push(`${label(w, "safety.label")}: ${label(w, `safety.${answers.safety}`)}`);
  if (answers.availability) parts.push(`${label(w, "availability.label")}: ${label(w, `availability.${answers.availability}`)}`);
  return phrase(l, "sms.recorded", { answer: parts.join(strings(l)["sms.joiner"] ?? "／") });
}
