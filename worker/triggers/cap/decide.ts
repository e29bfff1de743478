import { decide, reason, type Decision, type DecideOptions, type EventHistory } from "../decide";
import { CAP_SEVERITIES, type CapSeverity, type TriggerRules } from "../schemas";
import type { CapAlert, CapInfo } from "./parse";

export interface CapDecision extends Decision {
  /** The watched areas the alert names. */
  matchedAreas: string[];
}

/** Extreme is the highest. */
const severityRank = (s: CapSeverity) => (s === "Unknown" ? 0 : CAP_SEVERITIES.length - 1 - CAP_SEVERITIES.indexOf(s));

/**
 * What a CAP alert means for the network: the adapter of the shared rules
 * (../decide.ts) to CAP. Watched areas by geocode, a severity threshold, one
 * roll-call per alert thread (an Update is noted on it), Exercise = a drill,
 * Test = never acted on, Cancel withdraws a roll-call awaiting confirmation or is
 * noted on one already sent. CAP alerts carry no age limit. Pure.
 */
export function decideCap(alert: CapAlert, rules: TriggerRules, history: EventHistory, opts: DecideOptions = {}): CapDecision {
  // A replayed alert is recorded as a drill whatever comes of it.
  const drill = alert.status === "Exercise" || opts.replayAsDrill === true;
  const watched = (info: CapInfo) =>
    info.areas.filter((a) => a.geocodes.some((g) => rules.capGeocodes.some((w) => w.valueName === g.valueName && w.value === g.value))).map((a) => a.areaDesc);
  const matchedInfos = alert.infos.filter((i) => watched(i).length > 0 && severityRank(i.severity) >= severityRank(rules.capMinSeverity));
  const matchedAreas = [...new Set(alert.infos.flatMap(watched))];
  const lead = alert.infos.find((i) => i.language.toLowerCase().startsWith("ja")) ?? alert.infos[0];
  const title = (lead?.headline || lead?.event || "警報").slice(0, 100);
  const decision = decide(
    {
      words: {
        cancel: reason("Cancel", "Cancel"),
        event: reason("警報", "alert"),
        cancelledBy: reason(`${alert.sender} が警報`, `${alert.sender} cancelled the alert`),
      },
      refused: alert.status === "Test" ? { reason: reason("CAPのTest電文は処理しません。", "A CAP Test message is never acted on."), asDrill: false } : null,
      cancelled: alert.msgType === "Cancel",
      drill,
      ageMinutes: null,
      matched: matchedInfos.length > 0,
      unmatched:
        matchedAreas.length === 0
          ? reason("対象地域（ジオコード）が警報にありません。", "The alert names no watched area (geocode).")
          : reason(`深刻度が基準（${rules.capMinSeverity}）未満です。`, `The severity is below the threshold (${rules.capMinSeverity}).`),
      summary: (d) =>
        reason(`${matchedAreas.join("、")}: ${title}（${d ? "訓練" : "実動"}）`, `${matchedAreas.join(", ")}: ${title} (${d ? "exercise" : "actual"})`),
      followUp:
        alert.msgType === "Update"
          ? (id) => ({ reason: reason(`Update: 安否確認 #${id} に記録します。`, `Update: noted on roll-call #${id}.`), note: `${alert.sender}: ${title}` })
          : null,
      title,
      message: lead ? `${lead.event}: ${matchedAreas.join("、")}`.slice(0, 500) : "",
    },
    rules,
    history,
    opts,
  );
  return { ...decision, matchedAreas };
}
