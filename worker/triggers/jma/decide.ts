import { isFinal, type RollcallState } from "../../rollcall/state";
import type { DecisionKind, Reason, TriggerRules } from "../schemas";
import { atLeast, intensityEn, intensityJa, intensityRank, maxIntensity, type Intensity } from "./intensity";
import { reportedPlaces, type JmaReport, type ReportedPlace } from "./parse";


/** What is already known about the event (EventID) when a new report arrives. */
export interface EventHistory {
  /** The roll-call this event started, if any (at most one per source and source_ref), in the state it is in now. */
  rollcall: { id: number; state: RollcallState } | null;
  /** The highest watched intensity already acted on for this event (triggered, prepared or noted). */
  noted: Intensity | null;
}

export interface Decision {
  decision: Exclude<DecisionKind, "error">;
  reason: Reason;
  /** Whether the roll-call it starts is a drill (訓練). */
  drill: boolean;
  /** The highest intensity among the watched areas and cities. */
  watchedMax: Intensity | null;
  /** Watched places at or above the threshold. */
  matched: ReportedPlace[];
  /** Title for a new roll-call. The engine adds the drill mark (【訓練】) itself. */
  title: string;
  /** The facts, as recipients read them in the message ({message}). */
  message: string;
  note: string | null;
}

export interface DecideOptions {
  now: number;
  /** Replaying a stored report as a drill: prepare a drill roll-call whatever the report's age, status or event history. */
  replayAsDrill?: boolean;
}

const reason = (ja: string, en: string): Reason => ({ ja, en });

/**
 * Decides what one JMA report means for the network. Pure: the caller supplies the
 * rules, what happened before for the same event, and the time.
 * - 訓練/試験 reports never start a real roll-call.
 * - One EventID starts at most one roll-call; later reports that raise the watched
 *   intensity add a note to it, others change nothing.
 * - 取消 withdraws a roll-call still awaiting confirmation and is noted on one already sent.
 */
export function decideJma(report: JmaReport, rules: TriggerRules, history: EventHistory, opts: DecideOptions): Decision {
  const places = reportedPlaces(report);
  // Strongest first; among equals, in the order the admin listed them (the network's own city first), cities before areas.
  const priority = (p: ReportedPlace) => (p.level === "city" ? rules.cityCodes.indexOf(p.code) : rules.cityCodes.length + rules.areaCodes.indexOf(p.code));
  const watched = places
    .filter((p) => (p.level === "area" ? rules.areaCodes : rules.cityCodes).includes(p.code))
    .sort((a, b) => intensityRank(b.maxInt) - intensityRank(a.maxInt) || priority(a) - priority(b));
  const watchedMax = maxIntensity(watched.map((p) => p.maxInt));
  const matched = watched.filter((p) => atLeast(p.maxInt, rules.threshold));
  const base = { watchedMax, matched, drill: false, title: titleFor(report, matched), message: matched.length ? `気象庁 ${report.title}: ${placesJa(matched)}` : "", note: null };
  const out = (decision: Decision["decision"], why: Reason, extra: Partial<Decision> = {}): Decision => ({ ...base, decision, reason: why, ...extra });

  if (opts.replayAsDrill) {
    if (report.infoType === "取消") return out("no_trigger", reason("取消報は訓練として再生できません。", "A cancellation cannot be replayed as a drill."));
    if (matched.length === 0)
      return out("no_trigger", reason(`対象地域が${intensityJa(rules.threshold)}に達していないため、訓練でも開始しません。`, `The watched places do not reach ${intensityEn(rules.threshold)}, so even a drill does not start.`));
    // Always a draft: the admin who asked for the replay sees the preview and confirms (確定操作).
    return out("prepare", reason(`保存済みの報を訓練として再生: ${placesJa(matched)}。確定待ちです。`, `Stored report replayed as a drill: ${placesEn(matched)}. Awaiting confirmation.`), { drill: true });
  }

  if (report.status !== "通常")
    return out("no_trigger", reason(`${report.status}報のため、実際の安否確認は開始しません。`, `A ${report.status === "訓練" ? "drill" : "test"} report (${report.status}) never starts a real roll-call.`));
  if (!rules.enabled) return out("no_trigger", reason("自動起動は停止中です。", "Automatic triggers are switched off."));

  const rc = history.rollcall;
  if (report.infoType === "取消") {
    if (!rc) return out("no_trigger", reason("取消報: この地震で開始した安否確認はありません。", "Cancellation: no roll-call was started for this earthquake."));
    if (rc.state === "draft")
      return out("withdraw", reason(`取消報: 確定待ちの安否確認 #${rc.id} を取り下げます。`, `Cancellation: roll-call #${rc.id}, awaiting confirmation, is withdrawn.`), {
        note: "気象庁が地震情報を取り消しました。/ JMA cancelled the earthquake report.",
      });
    if (rc.state === "withdrawn") return out("no_trigger", reason(`取消報: 安否確認 #${rc.id} は取り下げ済みです。`, `Cancellation: roll-call #${rc.id} is already withdrawn.`));
    return out("note_cancel", reason(`取消報: 送信済みの安否確認 #${rc.id} に記録します。`, `Cancellation: noted on roll-call #${rc.id}, already sent.`), {
      note: "気象庁が地震情報を取り消しました（送信済み）。/ JMA cancelled the earthquake report (already sent).",
    });
  }

  const ageMinutes = (opts.now - report.reportAt) / 60_000;
  if (ageMinutes > rules.maxReportAgeMinutes)
    return out("no_trigger", reason(`古い報です（${Math.floor(ageMinutes)}分前）。`, `The report is stale (${Math.floor(ageMinutes)} minutes old).`));

  if (rc) {
    const raised = watchedMax !== null && (history.noted === null || intensityRank(watchedMax) > intensityRank(history.noted));
    const corrected = report.infoType === "訂正" && watchedMax !== history.noted;
    if ((raised || corrected) && !isFinal(rc.state) && watchedMax) {
      const what = raised ? "震度が上がりました" : "訂正報";
      return out("note", reason(`${what}: ${placesJa(watched)}。安否確認 #${rc.id} に記録します。`, `${raised ? "Intensity raised" : "Correction"}: ${placesEn(watched)}. Noted on roll-call #${rc.id}.`), {
        note: `${report.title}（${report.infoType}）: ${placesJa(watched)} / ${placesEn(watched)}`,
      });
    }
    return out("no_trigger", reason(`この地震の安否確認 #${rc.id} は開始済みです（重複）。`, `Roll-call #${rc.id} already exists for this earthquake (duplicate).`));
  }

  if (matched.length === 0) {
    if (!watchedMax) return out("no_trigger", reason("対象の地域・市町村の震度はこの報にありません。", "No watched area or city appears in this report."));
    return out("no_trigger", reason(`対象地域の最大は${intensityJa(watchedMax)}で、基準の${intensityJa(rules.threshold)}未満です。`, `The watched places reach ${intensityEn(watchedMax)}, below the threshold of ${intensityEn(rules.threshold)}.`));
  }
  return rules.mode === "auto"
    ? out("trigger", reason(`${placesJa(matched)}。安否確認を自動送信します。`, `${placesEn(matched)}. The roll-call is sent at once.`))
    : out("prepare", reason(`${placesJa(matched)}。安否確認を準備し、管理者の確定を待ちます。`, `${placesEn(matched)}. The roll-call is prepared for an admin to confirm.`));
}

function placesJa(places: ReportedPlace[]): string {
  const list = places.slice(0, 3);
  return list.map((p) => `${p.name} ${intensityJa(p.maxInt)}${p.unreported ? "（５弱以上未入電）" : ""}`).join("、") + (places.length > 3 ? ` ほか${places.length - 3}` : "");
}

function placesEn(places: ReportedPlace[]): string {
  const list = places.slice(0, 3);
  return list.map((p) => `${p.name} (${p.code}) ${intensityEn(p.maxInt)}${p.unreported ? " (5 lower or more, not yet reported)" : ""}`).join(", ") + (places.length > 3 ? ` and ${places.length - 3} more` : "");
}

/** Places come sorted strongest first. 「地震 小金井市 震度5弱 3/11 14:46」: short, so the SMS stays in one segment. */
function titleFor(report: JmaReport, matched: ReportedPlace[]): string {
  const top = matched[0];
  const jst = new Date(report.reportAt + 9 * 3_600_000);
  const when = `${jst.getUTCMonth() + 1}/${jst.getUTCDate()} ${String(jst.getUTCHours()).padStart(2, "0")}:${String(jst.getUTCMinutes()).padStart(2, "0")}`;
  return top ? `地震 ${top.name} ${intensityJa(top.maxInt)} ${when}` : `地震 ${when}`;
}
