import { auditStatement } from "../audit/log";
import { clock } from "../lib/clock";
import type { Scope } from "../rollcall/schemas";
import * as data from "./data";
import type { StoredReport } from "./data";
import { decideJma, type Decision } from "./jma/decide";
import { fetchJmaDocument, fetchJmaFeed } from "./jma/feed";
import { parseJmaReport } from "./jma/parse";
import { confirmTriggered, createTriggeredDraft, noteOnRollcall, withdrawDraft, type TriggerSource } from "./rollcalls";
import type { DecisionKind, Reason, TriggerOutcome } from "./schemas";

/** What a trigger decided, as the roll-call side needs it. */
export interface ActRequest {
  decision: Exclude<DecisionKind, "error">;
  reason: Reason;
  drill: boolean;
  title: string;
  message: string;
  note: string | null;
  templateRef: string;
  scope: Scope;
  source: TriggerSource;
  /** The event the roll-call belongs to: one roll-call per (source, sourceRef). null: no such limit (drill replays). */
  sourceRef: string | null;
  /** The roll-call an earlier report of the same event started. */
  existingRollcallId: number | null;
  createdBy: number | null;
  detail: Record<string, unknown>;
}

export interface ActResult {
  decision: DecisionKind;
  reason: Reason;
  rollcallId: number | null;
  state: string | null;
}

const withReason = (r: Reason, ja: string, en: string): Reason => ({ ja: `${r.ja} ${ja}`, en: `${r.en} ${en}` });

/**
 * Carries a decision out: a draft (prepare), a draft confirmed at once (trigger),
 * a note, a withdrawal. Races end safely: a second report of the same event finds
 * the unique index taken; a draft confirmed meanwhile gets a note, not a withdrawal.
 */
export async function act(env: Env, a: ActRequest): Promise<ActResult> {
  switch (a.decision) {
    case "no_trigger":
      return { decision: "no_trigger", reason: a.reason, rollcallId: a.existingRollcallId, state: null };
    case "trigger":
    case "prepare": {
      const draft = await createTriggeredDraft(env, {
        title: a.title,
        message: a.message,
        templateRef: a.templateRef,
        scope: a.scope,
        drill: a.drill,
        source: a.source,
        sourceRef: a.sourceRef,
        createdBy: a.createdBy,
        detail: { ...a.detail, decision: a.decision, awaitingConfirm: a.decision === "prepare" },
      });
      if (!draft.ok && draft.reason === "exists")
        return { decision: "no_trigger", reason: withReason(a.reason, `（安否確認 #${draft.id} は開始済み）`, `(roll-call #${draft.id} already exists)`), rollcallId: draft.id, state: null };
      if (!draft.ok) return { decision: "error", reason: withReason(a.reason, `開始できません: ${draft.message}`, `Could not start: ${draft.message}`), rollcallId: null, state: null };
      if (a.decision === "prepare") {
        // TODO(delivery): also notify the network admins by push/email once the delivery domain offers an admin notice.
        await auditStatement(env.DB, { actorId: null, action: "trigger.awaiting_confirm", objectType: "rollcall", objectId: draft.id, detail: { ...a.detail, title: a.title, drill: a.drill } }).run();
        return { decision: "prepare", reason: a.reason, rollcallId: draft.id, state: "draft" };
      }
      try {
        return { decision: "trigger", reason: a.reason, rollcallId: draft.id, state: await confirmTriggered(env, draft.id) };
      } catch (err) {
        // The draft stays for an admin to confirm by hand.
        const why = err instanceof Error ? err.message : String(err);
        await auditStatement(env.DB, { actorId: null, action: "trigger.auto_send_failed", objectType: "rollcall", objectId: draft.id, detail: { error: why } }).run();
        return { decision: "prepare", reason: withReason(a.reason, `自動送信に失敗したため、確定待ちです: ${why}`, `Auto-send failed, so it awaits confirmation: ${why}`), rollcallId: draft.id, state: "draft" };
      }
    }
    case "note":
    case "note_cancel":
      if (a.existingRollcallId === null) return { decision: "no_trigger", reason: a.reason, rollcallId: null, state: null };
      await noteOnRollcall(env, a.existingRollcallId, a.note ?? a.reason.ja);
      return { decision: a.decision, reason: a.reason, rollcallId: a.existingRollcallId, state: null };
    case "withdraw": {
      if (a.existingRollcallId === null) return { decision: "no_trigger", reason: a.reason, rollcallId: null, state: null };
      if (await withdrawDraft(env, a.existingRollcallId, { ...a.detail, reason: a.reason.en })) {
        if (a.note) await noteOnRollcall(env, a.existingRollcallId, a.note);
        return { decision: "withdraw", reason: a.reason, rollcallId: a.existingRollcallId, state: "withdrawn" };
      }
      // Confirmed between the decision and now: it was sent, so the cancellation is noted instead.
      await noteOnRollcall(env, a.existingRollcallId, a.note ?? a.reason.ja);
      return {
        decision: "note_cancel",
        reason: withReason(a.reason, "（確定済みのため記録のみ）", "(already confirmed, so only noted)"),
        rollcallId: a.existingRollcallId,
        state: null,
      };
    }
  }
}

const outcome = (r: ActResult, duplicate = false): TriggerOutcome => ({ decision: r.decision, reason: r.reason, rollcallId: r.rollcallId, state: r.state, duplicate });

// ---------------------------------------------------------------- JMA

/**
 * Reads, decides and acts on one JMA report document, and records it with the
 * decision and reason. A report already handled changes nothing.
 */
export async function handleJmaDocument(env: Env, doc: { externalId: string; xml: string; replayOf?: StoredReport; actorId?: number | null }): Promise<TriggerOutcome & { reportId: number | null }> {
  const now = clock.now();
  const parsed = parseJmaReport(doc.xml);
  if (!parsed.ok) {
    const reason = { ja: `読めない報です: ${parsed.error.message}`, en: `Unreadable report: ${parsed.error.message}` };
    await data.insertUnreadable(env.DB, { source: "jma", externalId: doc.externalId, kind: "unknown", receivedAt: now, reasonJa: reason.ja, reasonEn: reason.en }).run();
    return { decision: "error", reason, rollcallId: null, state: null, duplicate: false, reportId: null };
  }
  const report = parsed.value;
  const rules = await data.loadRules(env.DB);
  const replay = doc.replayOf !== undefined;
  const existing = replay ? null : await data.rollcallBySource(env.DB, "jma", report.eventId);
  const noted = replay ? null : await data.notedIntensity(env.DB, "jma", report.eventId);
  const decision: Decision = decideJma(report, rules, { rollcall: existing, noted }, { now, replayAsDrill: replay });

  const reportId = await data.claimReport(env.DB, {
    source: "jma",
    externalId: doc.externalId,
    kind: report.kind,
    eventId: report.eventId,
    status: report.status,
    infoType: report.infoType,
    title: `${report.title}${report.hypocenter ? ` ${report.hypocenter}` : ""}${report.maxInt ? ` 最大${report.maxInt}` : ""}`,
    reportAt: report.reportAt,
    receivedAt: now,
    watchedMax: decision.watchedMax,
    drill: decision.drill,
    apiKeyId: null,
    // Kept for replay as a drill; D1 rows stay under its 2 MB limit.
    body: doc.xml.length <= 1_500_000 ? doc.xml : null,
  });
  if (reportId === null) {
    const seen = await data.reportByExternalId(env.DB, "jma", doc.externalId);
    return {
      decision: seen?.decision === "pending" || !seen ? "no_trigger" : seen.decision,
      reason: seen ? { ja: seen.reasonJa, en: seen.reasonEn } : { ja: "処理済みです。", en: "Already handled." },
      rollcallId: seen?.rollcallId ?? null,
      state: null,
      duplicate: true,
      reportId: seen?.id ?? null,
    };
  }
  let result: ActResult;
  try {
    result = await act(env, {
      decision: decision.decision,
      reason: decision.reason,
      drill: decision.drill,
      title: decision.title,
      message: decision.reason.ja,
      note: decision.note,
      templateRef: rules.templateRef,
      scope: rules.scope as Scope,
      source: "jma",
      sourceRef: replay ? null : report.eventId,
      existingRollcallId: existing?.id ?? null,
      createdBy: doc.actorId ?? null,
      detail: { eventId: report.eventId, kind: report.kind, reportId, ...(replay ? { replayOf: doc.replayOf!.id } : {}) },
    });
  } catch (err) {
    // Recorded as an error; the next run takes it up again (a few times at most).
    const why = err instanceof Error ? err.message : String(err);
    result = { decision: "error", reason: { ja: `処理に失敗しました: ${why}`, en: `Processing failed: ${why}` }, rollcallId: null, state: null };
  }
  await data.finishReport(env.DB, reportId, { decision: result.decision, reasonJa: result.reason.ja, reasonEn: result.reason.en, rollcallId: result.rollcallId }).run();
  return { ...outcome(result), reportId };
}

export interface PollSummary {
  status: "ok" | "not_modified" | "error";
  error?: string;
  handled: number;
  /** Entries left for the next run (over the per-run limit, or their document failed to load). */
  deferred: number;
}

/** Per run: a few documents at most, each with its own timeout, so a run ends well inside a minute. */
export const MAX_DOCUMENTS_PER_RUN = 10;
export const FETCH_TIMEOUT_MS = 10_000;

/**
 * One poll of the JMA feed (every minute, from the cron trigger). Conditional GET;
 * new VXSE51/VXSE53 entries are fetched oldest first and handled. The validators
 * are kept only when every entry was handled, so anything deferred is seen again
 * next minute rather than hidden behind a 304. Never throws.
 */
export async function pollJmaFeed(env: Env, opts: { timeoutMs?: number } = {}): Promise<PollSummary> {
  const timeoutMs = opts.timeoutMs ?? FETCH_TIMEOUT_MS;
  const rules = await data.loadRules(env.DB);
  const state = await data.loadFeedState(env.DB);
  const same = state?.feedUrl === rules.feedUrl;
  const validators = { etag: same ? (state?.etag ?? null) : null, lastModified: same ? (state?.lastModified ?? null) : null };
  const res = await fetchJmaFeed(rules.feedUrl, validators, timeoutMs);
  const at = clock.now();
  if (res.status === "error") {
    await data.saveFeedState(env.DB, { feedUrl: rules.feedUrl, at, ok: false, error: res.message });
    return { status: "error", error: res.message, handled: 0, deferred: 0 };
  }
  if (res.status === "not_modified") {
    await data.saveFeedState(env.DB, { feedUrl: rules.feedUrl, at, ok: true, etag: validators.etag, lastModified: validators.lastModified });
    return { status: "not_modified", handled: 0, deferred: 0 };
  }
  const done = await data.handledExternalIds(env.DB, "jma", res.entries.map((e) => e.id));
  const todo = res.entries.filter((e) => !done.has(e.id));
  let handled = 0;
  let deferred = Math.max(0, todo.length - MAX_DOCUMENTS_PER_RUN);
  let lastError: string | null = null;
  for (const entry of todo.slice(0, MAX_DOCUMENTS_PER_RUN)) {
    const doc = await fetchJmaDocument(entry.url, timeoutMs);
    if (!doc.ok) {
      deferred++;
      lastError = `${entry.kind} ${entry.id}: ${doc.message}`;
      continue;
    }
    const r = await handleJmaDocument(env, { externalId: entry.id, xml: doc.text });
    if (r.decision === "error" && r.reportId !== null) deferred++;
    handled++;
  }
  const complete = deferred === 0;
  await data.saveFeedState(env.DB, {
    feedUrl: rules.feedUrl,
    at,
    ok: true,
    etag: complete ? res.etag : validators.etag,
    lastModified: complete ? res.lastModified : validators.lastModified,
    error: lastError,
  });
  return { status: "ok", handled, deferred };
}
