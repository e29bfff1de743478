/** What the SMS webhook answers (TwiML text), in the person's language. Kept short: one or two segments. */
import { label, wording } from "../templates/files";
import { langOf } from "../templates/schemas";
import type { Answers } from "../rollcall/schemas";

const TEXT = {
  ja: {
    recorded: "回答を記録しました：{answer}。変更は同じ形式で再送信してください。",
    howTo: "返信は「安否 出勤」の数字で。安否 1無事 2軽傷 3重傷、出勤 1可能 2条件付き 3不可。例「1 1」",
    howToAck: "確認の返信は「OK」と送ってください。",
    noRollcall: "回答を受け付けている安否確認はありません。",
    unknown: "この番号は登録されていません。/ This number is not registered.",
  },
  en: {
    recorded: "Recorded: {answer}. To change it, send a new reply.",
    howTo: "Reply with two numbers: safety 1 safe 2 minor 3 severe, work 1 yes 2 conditional 3 no. E.g. \"1 1\"",
    howToAck: "To acknowledge, reply \"OK\".",
    noRollcall: "No roll-call is open for replies.",
    unknown: "This number is not registered. / この番号は登録されていません。",
  },
} as const;

type Key = keyof (typeof TEXT)["ja"];

export function smsText(lang: string, key: Key): string {
  return TEXT[langOf(lang)][key];
}

/** "無事／出勤：可能" from the recorded answers, with the reply page's own labels. */
export function recordedText(lang: string, answers: Answers): string {
  const l = langOf(lang);
  const w = wording(l);
  const parts: string[] = [];
  if (answers.ack) parts.push(label(w, "ack.yes"));
  if (answers.safety) parts.push(`${label(w, "safety.label")}: ${label(w, `safety.${answers.safety}`)}`);
  if (answers.availability) parts.push(`${label(w, "availability.label")}: ${label(w, `availability.${answers.availability}`)}`);
  return TEXT[l].recorded.replace("{answer}", parts.join(l === "ja" ? "／" : ", "));
}
