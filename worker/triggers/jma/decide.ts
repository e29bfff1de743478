import { decide, reason, type Decision as TriggerDecision, type DecideOptions as TriggerDecideOptions, type EventHistory as TriggerHistory } from "../decide";
import type { TriggerRules } from "../schemas";
import { atLeast, intensityEn, intensityJa, intensityRank, maxIntensity, type Intensity } from "./intensity";
import { reportedPlaces, type JmaReport, type ReportedPlace } from "./parse";

/** What is already known about the event (EventID) when a new report arrives. */
export interface EventHistory extends TriggerHistory {
  /** The highest watched intensity already acted on for this event (triggered, prepared or noted). */
  noted: Intensity | null;
}

export interface Decision extends TriggerDecision {
  /** The highest intensity among the watched areas and cities. */
  watchedMax: Intensity | null;
  /** Watched places at or above the threshold. */
  matched: ReportedPlace[];
}

export interface DecideOptions extends TriggerDecideOptions {
  now: number;
}

/**
 * What one JMA report means for the network: the adapter of the shared rules
 * (../decide.ts) to JMA's words. Pure.
 * - 訓練/試験 reports never start a real roll-call (they may be replayed as a drill).
 * - One EventID starts at most one roll-call; later reports that raise the watched
 *   intensity, or correct it (訂正), add a note to it, others change nothing.
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
  const raised = watchedMax !== null && (history.noted === null || intensityRank(watchedMax) > intensityRank(history.noted));
  const corrected = report.infoType === "訂正" && watchedMax !== history.noted;
  const decision = decide(
    {
      words: {
        cancel: reason("取消報", "Cancellation"),
        event: reason("地震", "earthquake"),
        cancelledBy: reason("気象庁が地震情報", "JMA cancelled the earthquake report"),
      },
      refused:
        report.status === "通常"
          ? null
          : {
              reason: reason(
                `${report.status}報のため、実際の安否確認は開始しません。`,
                `A ${report.status === "訓練" ? "drill" : "test"} report (${report.status}) never starts a real roll-call.`,
              ),
              asDrill: true,
            },
      cancelled: report.infoType === "取消",
      drill: false,
      ageMinutes: (opts.now - report.reportAt) / 60_000,
      matched: matched.length > 0,
      unmatched: watchedMax
        ? reason(
            `対象地域の最大は${intensityJa(watchedMax)}で、基準の${intensityJa(rules.threshold)}未満です。`,
            `The watched places reach ${intensityEn(watchedMax)}, below the threshold of ${intensityEn(rules.threshold)}.`,
          )
        : reason("対象の地域・市町村の震度はこの報にありません。", "No watched area or city appears in this report."),
      summary: () => reason(placesJa(matched), placesEn(matched)),
      followUp:
        (raised || corrected) && watchedMax
          ? (id) => ({
              reason: reason(
                `${raised ? "震度が上がりました" : "訂正報"}: ${placesJa(watched)}。安否確認 #${id} に記録します。`,
                `${raised ? "Intensity raised" : "Correction"}: ${placesEn(watched)}. Noted on roll-call #${id}.`,
              ),
              note: `${report.title}（${report.infoType}）: ${placesJa(watched)} / ${placesEn(watched)}`,
            })
          : null,
      replay: {
        cancelled: reason("取消報は訓練として再生できません。", "A cancellation cannot be replayed as a drill."),
        unmatched: reason(
          `対象地域が${intensityJa(rules.threshold)}に達していないため、訓練でも開始しません。`,
          `The watched places do not reach ${intensityEn(rules.threshold)}, so even a drill does not start.`,
        ),
        // Always a draft: the admin who asked for the replay sees the preview and confirms (確定操作).
        prepared: reason(
          `保存済みの報を訓練として再生: ${placesJa(matched)}。確定待ちです。`,
          `Stored report replayed as a drill: ${placesEn(matched)}. Awaiting confirmation.`,
        ),
      },
      title: titleFor(report, matched),
      message: matched.length ? `気象庁 ${report.title}: ${placesJa(matched)}` : "",
    },
    rules,
    history,
    opts,
  );
  return { ...decision, watchedMax, matched };
}

function placesJa(places: ReportedPlace[]): string {
  const list = places.slice(0, 3);
  return (
    list.map((p) => `${p.name} ${intensityJa(p.maxInt)}${p.unreported ? "（５弱以上未入電）" : ""}`).join("、") +
    (places.length > 3 ? ` ほか${places.length - 3}` : "")
  );
}

function placesEn(places: ReportedPlace[]): string {
  const list = places.slice(0, 3);
  return (
    list.map((p) => `${p.name} (${p.code}) ${intensityEn(p.maxInt)}${p.unreported ? " (5 lower or more, not yet reported)" : ""}`).join(", ") +
    (places.length > 3 ? ` and ${places.length - 3} more` : "")
  );
}

/** Places come sorted strongest first. 「地震 小金井市 震度5弱 3/11 14:46」: short, so the SMS stays in one segment. */
function titleFor(report: JmaReport, matched: ReportedPlace[]): string {
  const top = matched[0];
  const jst = new Date(report.reportAt + 9 * 3_600_000);
  const when = `${jst.getUTCMonth() + 1}/${jst.getUTCDate()} ${String(jst.getUTCHours()).padStart(2, "0")}:${String(jst.getUTCMinutes()).padStart(2, "0")}`;
  return top ? `地震 ${top.name} ${intensityJa(top.maxInt)} ${when}` : `地震 ${when}`;
}
