import { isFinal, type RollcallState } from "../rollcall/state";
import type { DecisionKind, Reason, TriggerRules } from "./schemas";

/**
 * The rules every automatic trigger follows, written once. A feed's adapter
 * (jma/decide.ts, cap/decide.ts) reads its own document into a `TriggerReport`
 * (which watched places it names and whether they reach the threshold, whether it
 * is a cancellation, a drill, a test) and `decide` applies the rules, in this order:
 *
 * 1. a report the source never acts on (CAP Test; JMA 訓練/試験, except as a replayed drill);
 * 2. triggers switched off (a replay is asked for by an admin, so it still runs);
 * 3. a cancellation: withdraws the event's roll-call awaiting confirmation, is noted
 *    on one already sent, changes nothing otherwise;
 * 4. a stale report (sources whose reports carry an age);
 * 5. one event starts at most one roll-call: a later report notes what it adds
 *    (higher intensity, correction, update) on a roll-call still live, others are duplicates;
 * 6. the watched places and the threshold;
 * 7. auto mode sends at once, otherwise a draft awaits an admin's confirmation (確定操作).
 *
 * Pure: the caller supplies the rules, what happened before for the same event, and the report.
 */

/** What is already known about the event when a new report of it arrives. */
export interface EventHistory {
  /** The roll-call this event started, if any (at most one per source and source_ref), in the state it is in now. */
  rollcall: { id: number; state: RollcallState } | null;
}

export interface Decision {
  decision: Exclude<DecisionKind, "error">;
  reason: Reason;
  /** Whether the report (and the roll-call it starts) is a drill (訓練). */
  drill: boolean;
  /** Title for a new roll-call. The engine adds the drill mark (【訓練】) itself. */
  title: string;
  /** The facts, as recipients read them in the message ({message}). */
  message: string;
  note: string | null;
}

export interface DecideOptions {
  /** Replaying a stored report as a drill: no event history, no switch, no age limit; always a draft, always a drill. */
  replayAsDrill?: boolean;
}

/** One report of any source, as the rules read it. */
export interface TriggerReport {
  /** How the reasons name the source's words. */
  words: {
    /** The cancellation: 取消報 / Cancellation. */
    cancel: Reason;
    /** What one event is: 地震 / earthquake. */
    event: Reason;
    /** Who cancelled what, for the note: 「気象庁が地震情報」 / "JMA cancelled the earthquake report". */
    cancelledBy: Reason;
  };
  /** Why this report is never acted on, or null. `asDrill`: it may still be replayed as a drill. */
  refused: { reason: Reason; asDrill: boolean } | null;
  cancelled: boolean;
  /** The report's own drill status (CAP Exercise). */
  drill: boolean;
  /** Minutes since the report was issued, for the age limit; null: the source's reports are not aged. */
  ageMinutes: number | null;
  /** A watched place reaches the threshold. */
  matched: boolean;
  /** Why not, when not: no watched place appears, or none reaches the threshold. */
  unmatched: Reason;
  /** The matched places and what happened, as the trigger and prepare reasons start. */
  summary: (drill: boolean) => Reason;
  /** What this report adds to the roll-call its event already started (the note and its reason), or null. */
  followUp: ((rollcallId: number) => { reason: Reason; note: string }) | null;
  /** The source's own wording on a replay, where it has one. */
  replay?: { cancelled: Reason; unmatched: Reason; prepared: Reason };
  title: string;
  message: string;
}

export const reason = (ja: string, en: string): Reason => ({ ja, en });

export function decide(r: TriggerReport, rules: TriggerRules, history: EventHistory, opts: DecideOptions = {}): Decision {
  const replay = opts.replayAsDrill === true;
  const base = { drill: r.drill, title: r.title, message: r.message, note: null };
  const out = (decision: Decision["decision"], why: Reason, extra: Partial<Decision> = {}): Decision => ({ ...base, decision, reason: why, ...extra });
  const { cancel: c, event: ev, cancelledBy: by } = r.words;

  if (r.refused && !(replay && r.refused.asDrill)) return out("no_trigger", r.refused.reason);
  if (!rules.enabled && !replay) return out("no_trigger", reason("自動起動は停止中です。", "Automatic triggers are switched off."));

  const rc = replay ? null : history.rollcall;
  if (r.cancelled) {
    if (replay && r.replay) return out("no_trigger", r.replay.cancelled);
    if (!rc) return out("no_trigger", reason(`${c.ja}: この${ev.ja}で開始した安否確認はありません。`, `${c.en}: no roll-call was started for this ${ev.en}.`));
    if (rc.state === "draft")
      return out(
        "withdraw",
        reason(`${c.ja}: 確定待ちの安否確認 #${rc.id} を取り下げます。`, `${c.en}: roll-call #${rc.id}, awaiting confirmation, is withdrawn.`),
        {
          note: `${by.ja}を取り消しました。/ ${by.en}.`,
        },
      );
    if (rc.state === "withdrawn")
      return out("no_trigger", reason(`${c.ja}: 安否確認 #${rc.id} は取り下げ済みです。`, `${c.en}: roll-call #${rc.id} is already withdrawn.`));
    return out("note_cancel", reason(`${c.ja}: 送信済みの安否確認 #${rc.id} に記録します。`, `${c.en}: noted on roll-call #${rc.id}, already sent.`), {
      note: `${by.ja}を取り消しました（送信済み）。/ ${by.en} (already sent).`,
    });
  }

  if (!replay && r.ageMinutes !== null && r.ageMinutes > rules.maxReportAgeMinutes)
    return out("no_trigger", reason(`古い報です（${Math.floor(r.ageMinutes)}分前）。`, `The report is stale (${Math.floor(r.ageMinutes)} minutes old).`));

  if (rc) {
    if (r.followUp && !isFinal(rc.state)) {
      const f = r.followUp(rc.id);
      return out("note", f.reason, { note: f.note });
    }
    return out(
      "no_trigger",
      reason(`この${ev.ja}の安否確認 #${rc.id} は開始済みです（重複）。`, `Roll-call #${rc.id} already exists for this ${ev.en} (duplicate).`),
    );
  }

  if (!r.matched) return out("no_trigger", (replay && r.replay?.unmatched) || r.unmatched);

  if (replay) return out("prepare", r.replay?.prepared ?? prepared(r.summary(true)), { drill: true });
  const s = r.summary(r.drill);
  return rules.mode === "auto"
    ? out("trigger", reason(`${s.ja}。安否確認を自動送信します。`, `${s.en}. The roll-call is sent at once.`))
    : out("prepare", prepared(s));
}

const prepared = (s: Reason): Reason =>
  reason(`${s.ja}。安否確認を準備し、管理者の確定を待ちます。`, `${s.en}. The roll-call is prepared for an admin to confirm.`);
