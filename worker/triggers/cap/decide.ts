import { isFinal } from "../../rollcall/state";
import type { EventHistory } from "../jma/decide";
import { CAP_SEVERITIES, type CapSeverity, type DecisionKind, type Reason, type TriggerRules } from "../schemas";
import type { CapAlert, CapInfo } from "./parse";

export interface CapDecision {
  decision: Exclude<DecisionKind, "error">;
  reason: Reason;
  drill: boolean;
  title: string;
  message: string;
  note: string | null;
  /** The watched areas the alert names. */
  matchedAreas: string[];
}

/** Extreme is the highest. */
const severityRank = (s: CapSeverity) => (s === "Unknown" ? 0 : CAP_SEVERITIES.length - 1 - CAP_SEVERITIES.indexOf(s));

const reason = (ja: string, en: string): Reason => ({ ja, en });

/**
 * Decides what a CAP alert means for the network, with the same rules as the JMA
 * reports: watched areas (by geocode), a severity threshold, one roll-call per
 * alert thread, Exercise = a drill, Test = never acted on, Cancel withdraws a
 * roll-call awaiting confirmation or is noted on one already sent. Pure.
 */
export function decideCap(alert: CapAlert, rules: TriggerRules, history: Pick<EventHistory, "rollcall">, opts: { replayAsDrill?: boolean } = {}): CapDecision {
  const drill = alert.status === "Exercise" || opts.replayAsDrill === true;
  const watched = (info: CapInfo) =>
    info.areas.filter((a) => a.geocodes.some((g) => rules.capGeocodes.some((w) => w.valueName === g.valueName && w.value === g.value))).map((a) => a.areaDesc);
  const matchedInfos = alert.infos.filter((i) => watched(i).length > 0 && severityRank(i.severity) >= severityRank(rules.capMinSeverity));
  const matchedAreas = [...new Set(alert.infos.flatMap(watched))];
  const lead = alert.infos.find((i) => i.language.toLowerCase().startsWith("ja")) ?? alert.infos[0];
  const title = (lead?.headline || lead?.event || "警報").slice(0, 100);
  const base = { drill, title, message: lead ? `${lead.event}: ${matchedAreas.join("、")}`.slice(0, 500) : "", note: null, matchedAreas };
  const out = (decision: CapDecision["decision"], why: Reason, extra: Partial<CapDecision> = {}): CapDecision => ({ ...base, decision, reason: why, ...extra });

  if (alert.status === "Test") return out("no_trigger", reason("CAPのTest電文は処理しません。", "A CAP Test message is never acted on."));
  if (!rules.enabled && !opts.replayAsDrill) return out("no_trigger", reason("自動起動は停止中です。", "Automatic triggers are switched off."));

  const rc = opts.replayAsDrill ? null : history.rollcall;
  if (alert.msgType === "Cancel") {
    if (!rc) return out("no_trigger", reason("Cancel: この警報で開始した安否確認はありません。", "Cancel: no roll-call was started for this alert."));
    if (rc.state === "draft")
      return out("withdraw", reason(`Cancel: 確定待ちの安否確認 #${rc.id} を取り下げます。`, `Cancel: roll-call #${rc.id}, awaiting confirmation, is withdrawn.`), { note: `${alert.sender} が警報を取り消しました。/ ${alert.sender} cancelled the alert.` });
    if (rc.state === "withdrawn") return out("no_trigger", reason(`Cancel: 安否確認 #${rc.id} は取り下げ済みです。`, `Cancel: roll-call #${rc.id} is already withdrawn.`));
    return out("note_cancel", reason(`Cancel: 送信済みの安否確認 #${rc.id} に記録します。`, `Cancel: noted on roll-call #${rc.id}, already sent.`), { note: `${alert.sender} が警報を取り消しました（送信済み）。/ ${alert.sender} cancelled the alert (already sent).` });
  }

  if (rc) {
    if (alert.msgType === "Update" && !isFinal(rc.state))
      return out("note", reason(`Update: 安否確認 #${rc.id} に記録します。`, `Update: noted on roll-call #${rc.id}.`), { note: `${alert.sender}: ${title}` });
    return out("no_trigger", reason(`この警報の安否確認 #${rc.id} は開始済みです（重複）。`, `Roll-call #${rc.id} already exists for this alert (duplicate).`));
  }

  if (matchedAreas.length === 0) return out("no_trigger", reason("対象地域（ジオコード）が警報にありません。", "The alert names no watched area (geocode)."));
  if (matchedInfos.length === 0)
    return out("no_trigger", reason(`深刻度が基準（${rules.capMinSeverity}）未満です。`, `The severity is below the threshold (${rules.capMinSeverity}).`));
  const what = `${matchedAreas.join("、")}: ${title}`;
  // A replay is always a draft: the admin who asked for it confirms (確定操作).
  const mode = opts.replayAsDrill ? "prepare" : rules.mode;
  const kind = drill ? "訓練" : "実動";
  return mode === "auto"
    ? out("trigger", reason(`${what}（${kind}）。安否確認を自動送信します。`, `${matchedAreas.join(", ")}: ${title} (${drill ? "exercise" : "actual"}). The roll-call is sent at once.`))
    : out("prepare", reason(`${what}（${kind}）。安否確認を準備し、管理者の確定を待ちます。`, `${matchedAreas.join(", ")}: ${title} (${drill ? "exercise" : "actual"}). The roll-call is prepared for an admin to confirm.`));
}
