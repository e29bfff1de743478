import { JMA_AREA_NAMES, JMA_CITY_NAMES } from "./jma/areas.generated";
import { validationError } from "../lib/validation";
import { audit, auditIfChangedStatement, auditInsertedStatement, auditStatement } from "../audit/log";
import type { Auth } from "../auth/scope";
import { alertAdminsToConfirm } from "./alert";
import { clock } from "../lib/clock";
import { randomToken, sha256Hex } from "../lib/crypto";
import { badRequest, conflict, notFound, jaEn } from "../lib/errors";
import { listRollcalls } from "../rollcall/data";
import type { Preview, Scope } from "../rollcall/schemas";
import { wasSent } from "../rollcall/state";
import { resolveTemplate } from "../templates/service";
import { capAtomFeed } from "./cap/feed";
import { keyFromHeader, SIGNATURE_HEADERS, verifySignedRequest } from "./cap/verify";
import { decideCap } from "./cap/decide";
import { capKey, parseCapAlert } from "./cap/parse";
import * as data from "./data";
import type { StoredApiKey, StoredReport } from "./data";
import type { Decision } from "./decide";
import { decideJma } from "./jma/decide";
import { fetchJmaDocument, fetchJmaFeed } from "./jma/feed";
import { parseJmaReport } from "./jma/parse";
import { confirmTriggered, createTriggeredDraft, noteOnRollcall, rollcallOfEvent, withdrawDraft, type TriggerSource } from "./rollcalls";
import {
  ApiTriggerSchema,
  type ApiKey,
  type ApiKeyCreate,
  type ApiTrigger,
  type DecisionKind,
  type Reason,
  type ReportListQueryInput,
  type TriggerOutcome,
  type TriggerReport,
  type TriggerRules,
} from "./schemas";

/** What a trigger decided (../decide.ts), with what the roll-call side needs to carry it out. */
/** The JMA areas and cities the screens name (from the JMA XML samples; a code outside them shows as its code). */
export const jmaPlaces = () => ({ areas: JMA_AREA_NAMES, cities: JMA_CITY_NAMES });

export interface ActRequest extends Decision {
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

/** Why a draft confirmed at once (auto-send) stays a draft: for any source, the admin then confirms by hand. */
const autoSendFailed = (why: string): Reason => ({
  ja: `自動送信に失敗したため、確定待ちです: ${why}`,
  en: `Auto-send failed, so it awaits confirmation: ${why}`,
});

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
        alsoAudit:
          a.decision === "prepare" ? [{ actorId: null, action: "trigger.awaiting_confirm", detail: { ...a.detail, title: a.title, drill: a.drill } }] : [],
      });
      if (!draft.ok && draft.reason === "exists")
        return {
          decision: "no_trigger",
          reason: withReason(a.reason, `（安否確認 #${draft.id} は開始済み）`, `(roll-call #${draft.id} already exists)`),
          rollcallId: draft.id,
          state: null,
        };
      if (!draft.ok)
        return {
          decision: "error",
          reason: withReason(a.reason, `開始できません: ${draft.message}`, `Could not start: ${draft.message}`),
          rollcallId: null,
          state: null,
        };
      if (a.decision === "prepare") {
        const alerted = await alertAdminsToConfirm(env, { id: draft.id, title: a.title, drill: a.drill });
        // Messages sent, no change in D1 to batch with (each message is recorded by the messages domain).
        await audit(env.DB, { actorId: null, action: "trigger.admins_alerted", objectType: "rollcall", objectId: draft.id, detail: { alerted } });
        return { decision: "prepare", reason: a.reason, rollcallId: draft.id, state: "draft" };
      }
      try {
        return { decision: "trigger", reason: a.reason, rollcallId: draft.id, state: await confirmTriggered(env, draft.id) };
      } catch (err) {
        // The draft stays for an admin to confirm by hand.
        const why = err instanceof Error ? err.message : String(err);
        // A failure: the confirm changed nothing, so there is no change to batch with.
        await audit(env.DB, { actorId: null, action: "trigger.auto_send_failed", objectType: "rollcall", objectId: draft.id, detail: { error: why } });
        const failed = autoSendFailed(why);
        return { decision: "prepare", reason: withReason(a.reason, failed.ja, failed.en), rollcallId: draft.id, state: "draft" };
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

/** A replay's "trigger.replayed" entry, for the batch that records the new report's outcome. */
const replayAudit = (
  db: D1Database,
  input: { replayOf?: StoredReport; actorId?: number | null },
  r: { decision: DecisionKind; rollcallId: number | null },
  newReportId: number | null,
): D1PreparedStatement[] =>
  input.replayOf
    ? [
        auditStatement(db, {
          actorId: input.actorId ?? null,
          action: "trigger.replayed",
          objectType: "trigger_report",
          objectId: input.replayOf.id,
          detail: { decision: r.decision, rollcallId: r.rollcallId, newReportId },
        }),
      ]
    : [];

const outcome = (r: ActResult, duplicate = false): TriggerOutcome => ({
  decision: r.decision,
  reason: r.reason,
  rollcallId: r.rollcallId,
  state: r.state,
  duplicate,
});

// ---------------------------------------------------------------- a feed's report, whatever its source

/** One report of a feed (JMA or CAP), read and decided by its source's handler. */
interface DecidedReport {
  claim: data.ReportClaim;
  decision: Decision;
  rules: TriggerRules;
  /** The roll-call an earlier report of the same event started (none on a replay). */
  existing: { id: number } | null;
  replay: { replayOf?: StoredReport; actorId?: number | null };
  /** The audit detail of what is done, naming the report's row. */
  detail: (reportId: number) => Record<string, unknown>;
  /** The reason answered for a report already claimed whose record is gone. */
  alreadySeen: Reason;
  /** Writes for the batch that records the outcome. */
  alsoWrites?: D1PreparedStatement[];
}

/**
 * The one path from a decided report to its outcome: claims the report (the same
 * report twice is answered from its record and changes nothing), acts on the
 * decision, and records the outcome with its reason. `inProgress` (only on a
 * duplicate): claimed by a run that has not finished, or died (the claim then goes
 * stale and is taken up again).
 */
async function actOnReport(env: Env, r: DecidedReport): Promise<{ outcome: TriggerOutcome & { reportId: number | null }; inProgress: boolean | null }> {
  const replay = r.replay.replayOf !== undefined;
  const reportId = await data.claimReport(env.DB, r.claim);
  if (reportId === null) {
    // (Never a replay: its external id is fresh, so its claim always succeeds.)
    const seen = await data.reportByExternalId(env.DB, r.claim.source, r.claim.externalId);
    return {
      outcome: {
        decision: !seen || seen.decision === "pending" ? "no_trigger" : seen.decision,
        reason: seen ? { ja: seen.reasonJa, en: seen.reasonEn } : r.alreadySeen,
        rollcallId: seen?.rollcallId ?? null,
        state: null,
        duplicate: true,
        reportId: seen?.id ?? null,
      },
      inProgress: seen?.decision === "pending",
    };
  }
  let result: ActResult;
  try {
    result = await act(env, {
      ...r.decision,
      templateRef: r.rules.templateRef,
      scope: r.rules.scope,
      source: r.claim.source,
      sourceRef: replay ? null : r.claim.eventId,
      existingRollcallId: r.existing?.id ?? null,
      createdBy: r.replay.actorId ?? null,
      detail: { ...r.detail(reportId), ...(replay ? { replayOf: r.replay.replayOf!.id } : {}) },
    });
  } catch (err) {
    // Recorded as an error; the next run takes it up again (a few times at most).
    const why = err instanceof Error ? err.message : String(err);
    result = { decision: "error", reason: { ja: `処理に失敗しました: ${why}`, en: `Processing failed: ${why}` }, rollcallId: null, state: null };
  }
  await env.DB.batch([
    data.finishReport(env.DB, reportId, { decision: result.decision, reasonJa: result.reason.ja, reasonEn: result.reason.en, rollcallId: result.rollcallId }),
    ...(r.alsoWrites ?? []),
    ...replayAudit(env.DB, r.replay, result, reportId),
  ]);
  return { outcome: { ...outcome(result), reportId }, inProgress: null };
}

// ---------------------------------------------------------------- JMA

/**
 * Reads, decides and acts on one JMA report document, and records it with the
 * decision and reason. A report already handled changes nothing.
 */
export async function handleJmaDocument(
  env: Env,
  doc: { externalId: string; xml: string; replayOf?: StoredReport; actorId?: number | null },
): Promise<TriggerOutcome & { reportId: number | null; inProgress?: boolean }> {
  const now = clock.now();
  const parsed = parseJmaReport(doc.xml);
  if (!parsed.ok) {
    const reason = { ja: `読めない報です: ${parsed.error.message}`, en: `Unreadable report: ${parsed.error.message}` };
    await env.DB.batch([
      data.insertUnreadable(env.DB, { source: "jma", externalId: doc.externalId, kind: "unknown", receivedAt: now, reasonJa: reason.ja, reasonEn: reason.en }),
      ...replayAudit(env.DB, doc, { decision: "error", rollcallId: null }, null),
    ]);
    return { decision: "error", reason, rollcallId: null, state: null, duplicate: false, reportId: null };
  }
  const report = parsed.value;
  const rules = await data.loadRules(env);
  const replay = doc.replayOf !== undefined;
  const existing = replay ? null : await rollcallOfEvent(env, "jma", report.eventId);
  const noted = replay ? null : await data.notedIntensity(env.DB, "jma", report.eventId);
  const decision = decideJma(report, rules, { rollcall: existing, noted }, { now, replayAsDrill: replay });
  const { outcome: out, inProgress } = await actOnReport(env, {
    claim: {
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
    },
    decision,
    rules,
    existing,
    replay: doc,
    detail: (reportId) => ({ eventId: report.eventId, kind: report.kind, reportId }),
    alreadySeen: { ja: "処理済みです。", en: "Already handled." },
  });
  return inProgress === null ? out : { ...out, inProgress };
}

export interface PollSummary {
  status: "ok" | "not_modified" | "error" | "disabled";
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
  const rules = await data.loadRules(env);
  // Switched off means not polled at all: nothing is fetched from JMA.
  if (!rules.enabled) return { status: "disabled", handled: 0, deferred: 0 };
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
  const done = await data.handledExternalIds(
    env.DB,
    "jma",
    res.entries.map((e) => e.id),
  );
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
    if ((r.decision === "error" && r.reportId !== null) || r.inProgress) {
      deferred++;
      continue;
    }
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

// ---------------------------------------------------------------- CAP in

/**
 * Validates, decides and acts on a CAP 1.2 alert from an authorised system. Bad XML
 * or a missing element is a 400 naming it, and changes nothing. The same alert
 * (sender and identifier) twice is answered from the record, and changes nothing.
 */
export async function handleCapAlert(
  env: Env,
  input: { xml: string; apiKeyId: number | null; replayOf?: StoredReport; actorId?: number | null; externalId?: string },
): Promise<TriggerOutcome & { reportId: number | null }> {
  const parsed = parseCapAlert(input.xml);
  if (!parsed.ok)
    throw badRequest(parsed.error.field ?? "body", jaEn(`CAPを読めません: ${parsed.error.message}`, `CAP: ${parsed.error.message}`), "invalid_cap");
  const alert = parsed.value;
  const now = clock.now();
  const replay = input.replayOf !== undefined;
  const externalId = input.externalId ?? capKey(alert.sender, alert.identifier);
  // The thread an Update or Cancel belongs to is the one of the alert it references.
  let eventKey = capKey(alert.sender, alert.identifier);
  const ref = alert.references[0];
  if (ref) {
    const referenced = await data.reportByExternalId(env.DB, "cap", capKey(ref.sender, ref.identifier));
    eventKey = referenced?.eventId ?? capKey(ref.sender, ref.identifier);
  }
  const rules = await data.loadRules(env);
  const existing = replay ? null : await rollcallOfEvent(env, "cap", eventKey);
  const decision = decideCap(alert, rules, { rollcall: existing }, { replayAsDrill: replay });
  const lead = alert.infos[0];
  const { outcome: out } = await actOnReport(env, {
    claim: {
      source: "cap",
      externalId,
      kind: `CAP ${alert.msgType}`,
      eventId: eventKey,
      status: alert.status,
      infoType: alert.msgType,
      title: `${alert.sender}: ${lead?.headline || lead?.event || alert.msgType}`.slice(0, 200),
      reportAt: alert.sent,
      receivedAt: now,
      watchedMax: lead?.severity ?? null,
      drill: decision.drill,
      apiKeyId: input.apiKeyId,
      body: input.xml,
    },
    decision,
    rules,
    existing,
    replay: input,
    detail: (reportId) => ({ cap: externalId, msgType: alert.msgType, status: alert.status, reportId, apiKeyId: input.apiKeyId }),
    alreadySeen: { ja: "受信済みです。", en: "Already received." },
    alsoWrites: input.apiKeyId !== null ? [data.touchApiKey(env.DB, input.apiKeyId, now)] : [],
  });
  return out;
}

// ---------------------------------------------------------------- API trigger

/**
 * A roll-call started by an integration's key. The same preview and confirm rules
 * as a person's: a draft for an admin to confirm, unless the key may auto-send.
 * A retry with the same `ref` starts nothing new.
 */
export async function handleApiTrigger(
  env: Env,
  key: StoredApiKey,
  input: ApiTrigger,
  nonce: string,
): Promise<TriggerOutcome & { reportId: number | null; preview: Preview | null }> {
  const now = clock.now();
  const externalId = `${key.id}|${input.ref ?? `nonce:${nonce}`}`;
  const sourceRef = input.ref ? `${key.id}|${input.ref}` : null;
  const seen = await data.reportByExternalId(env.DB, "api", externalId);
  if (seen)
    return {
      decision: seen.decision === "pending" ? "no_trigger" : seen.decision,
      reason: { ja: seen.reasonJa, en: seen.reasonEn },
      rollcallId: seen.rollcallId,
      state: null,
      duplicate: true,
      reportId: seen.id,
      preview: null,
    };

  const draft = await createTriggeredDraft(env, {
    title: input.title,
    message: "",
    templateRef: input.templateRef,
    scope: input.scope,
    drill: input.drill,
    source: "api",
    sourceRef,
    createdBy: null,
    detail: { apiKeyId: key.id, apiKey: key.name, ref: input.ref ?? null, awaitingConfirm: !key.autoSend },
    alsoAudit: key.autoSend
      ? []
      : [{ actorId: null, action: "trigger.awaiting_confirm", detail: { apiKeyId: key.id, title: input.title, drill: input.drill } }],
  });
  if (!draft.ok && draft.reason === "exists") {
    return {
      decision: "no_trigger",
      reason: { ja: `安否確認 #${draft.id} は開始済みです。`, en: `Roll-call #${draft.id} already exists for this ref.` },
      rollcallId: draft.id,
      state: null,
      duplicate: true,
      reportId: null,
      preview: null,
    };
  }
  if (!draft.ok) throw draft.reason === "template" ? badRequest("templateRef", draft.message) : badRequest("scope", draft.message);

  let decision: DecisionKind = "prepare";
  let state = "draft";
  let reason: Reason = {
    ja: `APIキー「${key.name}」からの安否確認を準備しました。管理者の確定を待ちます。`,
    en: `Prepared from API key "${key.name}"; awaiting an admin's confirmation.`,
  };
  if (key.autoSend) {
    try {
      state = await confirmTriggered(env, draft.id);
      decision = "trigger";
      reason = { ja: `APIキー「${key.name}」（自動送信可）から送信しました。`, en: `Sent from API key "${key.name}" (allowed to auto-send).` };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      reason = autoSendFailed(why);
    }
  }
  const reportId = await data.claimReport(env.DB, {
    source: "api",
    externalId,
    kind: "api",
    eventId: sourceRef,
    status: input.drill ? "Exercise" : "Actual",
    infoType: "Alert",
    title: `${key.name}: ${input.title}`.slice(0, 200),
    reportAt: now,
    receivedAt: now,
    watchedMax: null,
    drill: input.drill,
    apiKeyId: key.id,
    body: null,
  });
  const writes = [data.touchApiKey(env.DB, key.id, now)];
  if (reportId !== null) writes.push(data.finishReport(env.DB, reportId, { decision, reasonJa: reason.ja, reasonEn: reason.en, rollcallId: draft.id }));
  await env.DB.batch(writes);
  return { decision, reason, rollcallId: draft.id, state, duplicate: false, reportId, preview: draft.preview };
}

// ---------------------------------------------------------------- replay

/** Replays a stored JMA report or CAP alert as a drill: a drill roll-call awaiting the admin's confirmation. */
export async function replayReport(env: Env, actorId: number, id: number): Promise<TriggerOutcome & { reportId: number | null }> {
  const report = await data.getReport(env.DB, id);
  if (!report) throw notFound(jaEn("報告", "report"));
  if (!report.body || report.source === "api")
    throw conflict("id", jaEn("この報告には再実行できる元データがありません。", "This report has no stored document to replay."));
  const externalId = `replay:${report.id}:${clock.now()}:${randomToken(6)}`;
  const result =
    report.source === "jma"
      ? await handleJmaDocument(env, { externalId, xml: report.body, replayOf: report, actorId })
      : await handleCapAlert(env, { xml: report.body, apiKeyId: null, replayOf: report, actorId, externalId });
  return result;
}

// ---------------------------------------------------------------- settings, reports, API keys, signed requests (REST)

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const toApiKey = (k: StoredApiKey): ApiKey => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  permissions: k.permissions,
  autoSend: k.autoSend,
  createdAt: new Date(k.createdAt).toISOString(),
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
});

const toReport = (r: StoredReport): TriggerReport => ({
  id: r.id,
  source: r.source,
  kind: r.kind,
  externalId: r.externalId,
  eventId: r.eventId,
  status: r.status,
  infoType: r.infoType,
  title: r.title,
  reportAt: iso(r.reportAt),
  receivedAt: new Date(r.receivedAt).toISOString(),
  watchedMax: r.watchedMax,
  // A report still 'pending' is being handled right now (or its run died: it is retried).
  decision: r.decision === "pending" ? "error" : r.decision,
  reason: r.decision === "pending" ? { ja: "処理中です。", en: "Being processed." } : { ja: r.reasonJa, en: r.reasonEn },
  rollcallId: r.rollcallId,
  drill: r.drill,
  replayable: r.hasBody && r.source !== "api",
});

/** The API keys of outside systems (never the keys themselves). */
export async function listApiKeys(db: D1Database): Promise<{ keys: ApiKey[] }> {
  return { keys: (await data.listApiKeys(db)).map(toApiKey) };
}

/** Changes the trigger rules (their template must exist); the change and the rules before it are audited. */
export async function changeRules(env: Env, auth: Auth, rules: TriggerRules): Promise<TriggerRules> {
  if (!(await resolveTemplate(env.DB, rules.templateRef)))
    throw badRequest("templateRef", jaEn(`テンプレート「${rules.templateRef}」がありません。`, `templateRef: no template "${rules.templateRef}".`));
  const before = await data.loadRules(env);
  await env.DB.batch([
    data.rulesWrite(env.DB, rules, auth.personId, clock.now()),
    auditStatement(env.DB, {
      actorId: auth.personId,
      action: "triggers.rules_changed",
      objectType: "trigger_rules",
      objectId: 1,
      detail: { before, after: rules },
    }),
  ]);
  return data.loadRules(env);
}

/** The reports received, newest first, and the state of the JMA feed. */
export async function reportsAndFeed(db: D1Database, q: ReportListQueryInput) {
  const [reports, feed] = await Promise.all([data.listReports(db, q), data.loadFeedState(db)]);
  return {
    reports: reports.map(toReport),
    feed: { lastPolledAt: iso(feed?.lastPolledAt ?? null), lastOkAt: iso(feed?.lastOkAt ?? null), lastError: feed?.lastError ?? null },
  };
}

/** Issues an API key: only its hash is stored, the key itself is shown once (in the answer). */
export async function createApiKey(db: D1Database, auth: Auth, input: ApiKeyCreate): Promise<ApiKey & { key: string }> {
  const key = `anpi_${randomToken(32)}`;
  const permissions = [...new Set(input.permissions)];
  const keyHash = await sha256Hex(key);
  const [row] = await db.batch([
    data.insertApiKey(db, {
      name: input.name,
      prefix: key.slice(0, 12),
      keyHash,
      permissions,
      autoSend: input.autoSend,
      createdBy: auth.personId,
      now: clock.now(),
    }),
    auditInsertedStatement(
      db,
      { actorId: auth.personId, action: "triggers.key_created", objectType: "api_key", detail: { name: input.name, permissions, autoSend: input.autoSend } },
      data.apiKeyIdByHash(keyHash),
    ),
  ]);
  const created = data.apiKeyFromRow(row!.results[0]);
  return { ...toApiKey(created), key };
}

/** Revokes an API key; revoking a revoked key changes (and audits) nothing. */
export async function revokeApiKey(db: D1Database, auth: Auth, id: number): Promise<void> {
  const key = await data.getApiKey(db, id);
  if (!key) throw notFound(jaEn("APIキー", "API key"));
  if (key.revokedAt === null)
    await db.batch([
      data.revokeApiKey(db, id, auth.personId, clock.now()),
      auditIfChangedStatement(db, {
        actorId: auth.personId,
        action: "triggers.key_revoked",
        objectType: "api_key",
        objectId: id,
        detail: { name: key.name },
      }),
    ]);
}

/** A signed request as received: its headers (lower-case names, as the route reads them) and the raw body. */
export interface SignedRequest {
  headers: Record<string, string>;
  rawBody: string;
}

const signed = (req: SignedRequest) => ({ header: (name: string) => req.headers[name.toLowerCase()], rawBody: req.rawBody });

/** A CAP alert posted by an integration, its signature checked ("cap" permission). */
export async function receiveCapAlert(env: Env, req: SignedRequest): Promise<TriggerOutcome & { reportId: number | null }> {
  const key = await verifySignedRequest(env.DB, signed(req), "cap", clock.now());
  return handleCapAlert(env, { xml: req.rawBody, apiKeyId: key.id });
}

/** A roll-call requested by an integration in JSON, its signature checked ("trigger" permission), the body validated. */
export async function receiveApiTrigger(env: Env, req: SignedRequest) {
  const key = await verifySignedRequest(env.DB, signed(req), "trigger", clock.now());
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody);
  } catch {
    throw badRequest("body", jaEn("JSONではありません。", "body: not JSON."));
  }
  const parsed = ApiTriggerSchema.safeParse(json);
  if (!parsed.success) {
    throw validationError(parsed.error);
  }
  return handleApiTrigger(env, key, parsed.data, signed(req).header(SIGNATURE_HEADERS.nonce)!);
}

/** The CAP Atom feed of the roll-calls sent, for a key with the "feed" permission. */
export async function capFeedFor(env: Env, authorization: string | undefined): Promise<string> {
  await keyFromHeader(env.DB, authorization, "feed");
  const items = await listRollcalls(env.DB, { limit: 50, facilityIds: null });
  const sent = items.filter((r) => wasSent(r.state));
  return capAtomFeed(sent, env.PUBLIC_URL, clock.now());
}
