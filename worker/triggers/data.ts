import { TriggerRulesSchema, DEFAULT_RULES, API_PERMISSIONS, type ApiPermission, type DecisionKind, type TriggerRules } from "./schemas";
import { isIntensity, maxIntensity, type Intensity } from "./jma/intensity";

/** All SQL of the triggers domain. Times are UTC ms. */

// ---------------------------------------------------------------- rules

interface RulesRow {
  enabled: number;
  area_codes: string;
  city_codes: string;
  threshold: string;
  template_ref: string;
  scope: string;
  mode: string;
  feed_url: string;
  max_report_age_minutes: number;
  cap_geocodes: string;
  cap_min_severity: string;
}

/**
 * The stored rules, or the defaults until an admin saves them. In the local demo the
 * defaults are switched off, so `npm start` never calls out to JMA. A row that no
 * longer validates falls back to the defaults, switched off.
 */
export async function loadRules(env: Pick<Env, "DB" | "APP_ENV">): Promise<TriggerRules> {
  const r = await env.DB.prepare("SELECT * FROM trigger_rules WHERE id = 1").first<RulesRow>();
  if (!r) return env.APP_ENV === "local" ? { ...DEFAULT_RULES, enabled: false } : DEFAULT_RULES;
  const parsed = TriggerRulesSchema.safeParse({
    enabled: r.enabled === 1,
    areaCodes: JSON.parse(r.area_codes),
    cityCodes: JSON.parse(r.city_codes),
    threshold: r.threshold,
    templateRef: r.template_ref,
    scope: JSON.parse(r.scope),
    mode: r.mode,
    feedUrl: r.feed_url,
    maxReportAgeMinutes: r.max_report_age_minutes,
    capGeocodes: JSON.parse(r.cap_geocodes),
    capMinSeverity: r.cap_min_severity,
  });
  return parsed.success ? parsed.data : { ...DEFAULT_RULES, enabled: false };
}

export function rulesWrite(db: D1Database, rules: TriggerRules, actorId: number, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO trigger_rules (id, enabled, area_codes, city_codes, threshold, template_ref, scope, mode, feed_url, max_report_age_minutes, cap_geocodes, cap_min_severity, updated_at, updated_by)
       VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
       ON CONFLICT(id) DO UPDATE SET enabled = ?1, area_codes = ?2, city_codes = ?3, threshold = ?4, template_ref = ?5, scope = ?6, mode = ?7,
         feed_url = ?8, max_report_age_minutes = ?9, cap_geocodes = ?10, cap_min_severity = ?11, updated_at = ?12, updated_by = ?13`,
    )
    .bind(
      rules.enabled ? 1 : 0,
      JSON.stringify(rules.areaCodes),
      JSON.stringify(rules.cityCodes),
      rules.threshold,
      rules.templateRef,
      JSON.stringify(rules.scope),
      rules.mode,
      rules.feedUrl,
      rules.maxReportAgeMinutes,
      JSON.stringify(rules.capGeocodes),
      rules.capMinSeverity,
      now,
      actorId,
    );
}

// ---------------------------------------------------------------- feed state

export interface FeedState {
  feedUrl: string;
  etag: string | null;
  lastModified: string | null;
  lastPolledAt: number | null;
  lastOkAt: number | null;
  lastError: string | null;
}

export async function loadFeedState(db: D1Database): Promise<FeedState | null> {
  const r = await db.prepare("SELECT feed_url, etag, last_modified, last_polled_at, last_ok_at, last_error FROM jma_feed_state WHERE id = 1").first<{
    feed_url: string;
    etag: string | null;
    last_modified: string | null;
    last_polled_at: number | null;
    last_ok_at: number | null;
    last_error: string | null;
  }>();
  return r
    ? { feedUrl: r.feed_url, etag: r.etag, lastModified: r.last_modified, lastPolledAt: r.last_polled_at, lastOkAt: r.last_ok_at, lastError: r.last_error }
    : null;
}

/** Records a poll. Validators are kept only from a good answer, and only for the URL they came from. */
export async function saveFeedState(
  db: D1Database,
  s: { feedUrl: string; at: number; ok: boolean; etag?: string | null; lastModified?: string | null; error?: string | null },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO jma_feed_state (id, feed_url, etag, last_modified, last_polled_at, last_ok_at, last_error)
       VALUES (1, ?1, ?2, ?3, ?4, CASE WHEN ?5 THEN ?4 END, ?6)
       ON CONFLICT(id) DO UPDATE SET
         etag = CASE WHEN ?5 THEN ?2 WHEN feed_url = ?1 THEN etag END,
         last_modified = CASE WHEN ?5 THEN ?3 WHEN feed_url = ?1 THEN last_modified END,
         feed_url = ?1, last_polled_at = ?4, last_ok_at = CASE WHEN ?5 THEN ?4 ELSE last_ok_at END, last_error = ?6`,
    )
    .bind(s.feedUrl, s.etag ?? null, s.lastModified ?? null, s.at, s.ok ? 1 : 0, s.error ?? null)
    .run();
}

// ---------------------------------------------------------------- reports seen

export type ReportSource = "jma" | "cap" | "api";

/** A report fetched again after a failure: at most this many tries. */
export const MAX_REPORT_ATTEMPTS = 3;
/** A claim older than this whose run never finished (the Worker died) is taken up again. */
const STALE_CLAIM_MS = 5 * 60_000;

export interface ReportClaim {
  source: ReportSource;
  externalId: string;
  kind: string;
  eventId: string | null;
  status: string;
  infoType: string;
  title: string;
  reportAt: number | null;
  receivedAt: number;
  /** JMA: the highest watched intensity; CAP: the first info's severity. */
  watchedMax: string | null;
  drill: boolean;
  apiKeyId: number | null;
  body: string | null;
}

/**
 * Claims a report for processing: inserts it as 'pending', or takes back one whose
 * processing failed earlier or never finished (fewer than MAX_REPORT_ATTEMPTS).
 * Answers the row id, or null when it was already handled (or is being handled by
 * a concurrent run).
 */
export async function claimReport(db: D1Database, c: ReportClaim): Promise<number | null> {
  const row = await db
    .prepare(
      `INSERT INTO trigger_reports (source, external_id, kind, event_id, status, info_type, title, report_at, received_at, watched_max, decision, drill, api_key_id, body)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', ?11, ?12, ?13)
       ON CONFLICT(source, external_id) DO UPDATE SET attempts = attempts + 1, decision = 'pending', received_at = ?9, watched_max = ?10, body = ?13
         WHERE attempts < ${MAX_REPORT_ATTEMPTS} AND (decision = 'error' OR (decision = 'pending' AND received_at < ?9 - ${STALE_CLAIM_MS}))
       RETURNING id`,
    )
    .bind(c.source, c.externalId, c.kind, c.eventId, c.status, c.infoType, c.title, c.reportAt, c.receivedAt, c.watchedMax, c.drill ? 1 : 0, c.apiKeyId, c.body)
    .first<{ id: number }>();
  return row?.id ?? null;
}

/** A report that could not be read at all: recorded with its reason, never retried. */
export function insertUnreadable(
  db: D1Database,
  c: { source: ReportSource; externalId: string; kind: string; receivedAt: number; reasonJa: string; reasonEn: string },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO trigger_reports (source, external_id, kind, received_at, decision, reason_ja, reason_en, attempts) VALUES (?1, ?2, ?3, ?4, 'error', ?5, ?6, ${MAX_REPORT_ATTEMPTS})
       ON CONFLICT(source, external_id) DO UPDATE SET attempts = ${MAX_REPORT_ATTEMPTS}, decision = 'error', reason_ja = ?5, reason_en = ?6`,
    )
    .bind(c.source, c.externalId, c.kind, c.receivedAt, c.reasonJa, c.reasonEn);
}

export function finishReport(
  db: D1Database,
  id: number,
  f: { decision: DecisionKind; reasonJa: string; reasonEn: string; rollcallId: number | null },
): D1PreparedStatement {
  return db
    .prepare("UPDATE trigger_reports SET decision = ?2, reason_ja = ?3, reason_en = ?4, rollcall_id = ?5 WHERE id = ?1")
    .bind(id, f.decision, f.reasonJa, f.reasonEn, f.rollcallId);
}

/** Which of these entries need no more work (handled, or failed too often). */
export async function handledExternalIds(db: D1Database, source: ReportSource, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { results } = await db
    .prepare(
      `SELECT external_id FROM trigger_reports WHERE source = ?1 AND external_id IN (SELECT value FROM json_each(?2))
         AND (decision NOT IN ('error','pending') OR attempts >= ${MAX_REPORT_ATTEMPTS})`,
    )
    .bind(source, JSON.stringify(ids))
    .all<{ external_id: string }>();
  return new Set(results.map((r) => r.external_id));
}

/** The highest watched intensity already acted on for an event (triggered, prepared or noted). */
export async function notedIntensity(db: D1Database, source: ReportSource, eventId: string): Promise<Intensity | null> {
  const { results } = await db
    .prepare(
      "SELECT watched_max FROM trigger_reports WHERE source = ?1 AND event_id = ?2 AND drill = 0 AND decision IN ('trigger','prepare','note') AND watched_max IS NOT NULL",
    )
    .bind(source, eventId)
    .all<{ watched_max: string }>();
  return maxIntensity(results.map((r) => r.watched_max).filter(isIntensity));
}

export interface StoredReport
  extends Pick<
    ReportClaim,
    "source" | "kind" | "externalId" | "eventId" | "status" | "infoType" | "title" | "reportAt" | "receivedAt" | "watchedMax" | "drill"
  > {
  id: number;
  decision: DecisionKind | "pending";
  reasonJa: string;
  reasonEn: string;
  rollcallId: number | null;
  hasBody: boolean;
}

interface ReportRow {
  id: number;
  source: ReportSource;
  kind: string;
  external_id: string;
  event_id: string | null;
  status: string;
  info_type: string;
  title: string;
  report_at: number | null;
  received_at: number;
  watched_max: string | null;
  decision: DecisionKind | "pending";
  reason_ja: string;
  reason_en: string;
  rollcall_id: number | null;
  drill: number;
  has_body: number;
}

const REPORT_COLUMNS =
  "id, source, kind, external_id, event_id, status, info_type, title, report_at, received_at, watched_max, decision, reason_ja, reason_en, rollcall_id, drill, body IS NOT NULL AS has_body";

const toReport = (r: ReportRow): StoredReport => ({
  id: r.id,
  source: r.source,
  kind: r.kind,
  externalId: r.external_id,
  eventId: r.event_id,
  status: r.status,
  infoType: r.info_type,
  title: r.title,
  reportAt: r.report_at,
  receivedAt: r.received_at,
  watchedMax: r.watched_max,
  decision: r.decision,
  reasonJa: r.reason_ja,
  reasonEn: r.reason_en,
  rollcallId: r.rollcall_id,
  drill: r.drill === 1,
  hasBody: r.has_body === 1,
});

export async function listReports(db: D1Database, q: { limit: number; before?: number }): Promise<StoredReport[]> {
  const { results } = await db
    .prepare(`SELECT ${REPORT_COLUMNS} FROM trigger_reports WHERE (?1 IS NULL OR id < ?1) ORDER BY id DESC LIMIT ?2`)
    .bind(q.before ?? null, q.limit)
    .all<ReportRow>();
  return results.map(toReport);
}

export async function getReport(db: D1Database, id: number): Promise<(StoredReport & { body: string | null }) | null> {
  const r = await db.prepare(`SELECT ${REPORT_COLUMNS}, body FROM trigger_reports WHERE id = ?1`).bind(id).first<ReportRow & { body: string | null }>();
  return r ? { ...toReport(r), body: r.body } : null;
}

export async function reportByExternalId(db: D1Database, source: ReportSource, externalId: string): Promise<StoredReport | null> {
  const r = await db
    .prepare(`SELECT ${REPORT_COLUMNS} FROM trigger_reports WHERE source = ?1 AND external_id = ?2`)
    .bind(source, externalId)
    .first<ReportRow>();
  return r ? toReport(r) : null;
}

// ---------------------------------------------------------------- API keys

export interface StoredApiKey {
  id: number;
  name: string;
  prefix: string;
  permissions: ApiPermission[];
  autoSend: boolean;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface ApiKeyRow {
  id: number;
  name: string;
  prefix: string;
  permissions: string;
  auto_send: number;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const toApiKey = (r: ApiKeyRow): StoredApiKey => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  permissions: (JSON.parse(r.permissions) as string[]).filter((p): p is ApiPermission => (API_PERMISSIONS as readonly string[]).includes(p)),
  autoSend: r.auto_send === 1,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

const API_KEY_COLUMNS = "id, name, prefix, permissions, auto_send, created_at, last_used_at, revoked_at";

export function insertApiKey(
  db: D1Database,
  k: { name: string; prefix: string; keyHash: string; permissions: ApiPermission[]; autoSend: boolean; createdBy: number; now: number },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO api_keys (name, prefix, key_hash, permissions, auto_send, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING ${API_KEY_COLUMNS}`,
    )
    .bind(k.name, k.prefix, k.keyHash, JSON.stringify(k.permissions), k.autoSend ? 1 : 0, k.createdBy, k.now);
}

/** Finds, for an audit entry in the same batch, the key `insertApiKey` just inserted. */
export const apiKeyIdByHash = (keyHash: string) => ({ sql: "SELECT id FROM api_keys WHERE key_hash = ?", params: [keyHash] as unknown[] });

export const apiKeyFromRow = (row: unknown): StoredApiKey => toApiKey(row as ApiKeyRow);

export async function listApiKeys(db: D1Database): Promise<StoredApiKey[]> {
  const { results } = await db.prepare(`SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY id DESC`).all<ApiKeyRow>();
  return results.map(toApiKey);
}

export async function getApiKey(db: D1Database, id: number): Promise<StoredApiKey | null> {
  const r = await db.prepare(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = ?1`).bind(id).first<ApiKeyRow>();
  return r ? toApiKey(r) : null;
}

/** A key still in force, by the hash of the presented key. */
export async function activeApiKeyByHash(db: D1Database, keyHash: string): Promise<StoredApiKey | null> {
  const r = await db.prepare(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL`).bind(keyHash).first<ApiKeyRow>();
  return r ? toApiKey(r) : null;
}

export function revokeApiKey(db: D1Database, id: number, actorId: number, now: number): D1PreparedStatement {
  return db.prepare("UPDATE api_keys SET revoked_at = ?2, revoked_by = ?3 WHERE id = ?1 AND revoked_at IS NULL").bind(id, now, actorId);
}

export function touchApiKey(db: D1Database, id: number, now: number): D1PreparedStatement {
  return db.prepare("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1").bind(id, now);
}

// ---------------------------------------------------------------- nonces

/** Records a nonce; answers false when the key already used it inside the window. Expired nonces are dropped first. */
export async function useNonce(db: D1Database, apiKeyId: number, nonce: string, now: number, expiresAt: number): Promise<boolean> {
  const [, inserted] = await db.batch([
    db.prepare("DELETE FROM cap_nonces WHERE expires_at < ?1").bind(now),
    db.prepare("INSERT INTO cap_nonces (api_key_id, nonce, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING").bind(apiKeyId, nonce, expiresAt),
  ]);
  return (inserted?.meta.changes ?? 0) === 1;
}
