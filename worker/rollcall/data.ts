import { deepFreeze } from "../lib/freeze";
import type { Channel } from "../delivery/types";
import { TemplateBodySchema, type TemplateBody } from "../templates/schemas";
import type { Answers, PatientCheckScope, Scope } from "./schemas";
import { LIVE_STATES, TRANSITIONS, type RollcallState, type Transition } from "./state";

/**
 * All SQL of the roll-call domain, and the only writer of its tables (rollcalls,
 * rollcall_recipients). Other domains read a roll-call through the functions and
 * SQL fragments exported here. Times are UTC ms.
 */

export interface Rollcall {
  id: number;
  title: string;
  message: string;
  templateRef: string;
  template: TemplateBody;
  scope: Scope;
  drill: boolean;
  state: RollcallState;
  ownerFacilityId: number | null;
  source: string;
  /** The patient checks (issue 15): null for none; {} the groups with a member among the recipients; `districts` narrows them. */
  patientChecks: PatientCheckScope | null;
  /** Notes added while it runs (e.g. a later JMA report raising the intensity). */
  notes: { at: number; text: string }[];
  salt: string;
  createdBy: number | null;
  createdAt: number;
  confirmedAt: number | null;
  closedAt: number | null;
}

interface RollcallRow {
  id: number;
  title: string;
  message: string;
  template_ref: string;
  template: string;
  scope: string;
  drill: number;
  state: RollcallState;
  owner_facility_id: number | null;
  source: string;
  patient_checks: string | null;
  notes: string;
  salt: string;
  created_by: number | null;
  created_at: number;
  confirmed_at: number | null;
  closed_at: number | null;
}

/**
 * Parsed template bodies by their stored text: a roll-call's template never changes
 * once drafted, and the reply path reads it on every request.
 */
const templates = new Map<string, TemplateBody>();
function templateOf(text: string): TemplateBody {
  let t = templates.get(text);
  if (!t) {
    t = deepFreeze(TemplateBodySchema.parse(JSON.parse(text)));
    if (templates.size >= 64) templates.delete(templates.keys().next().value!);
    templates.set(text, t);
  }
  return t;
}

const toRollcall = (r: RollcallRow): Rollcall => ({
  id: r.id,
  title: r.title,
  message: r.message,
  templateRef: r.template_ref,
  template: templateOf(r.template),
  scope: JSON.parse(r.scope) as Scope,
  drill: r.drill === 1,
  state: r.state,
  ownerFacilityId: r.owner_facility_id,
  source: r.source,
  patientChecks: r.patient_checks === null ? null : (JSON.parse(r.patient_checks) as PatientCheckScope),
  notes: JSON.parse(r.notes) as { at: number; text: string }[],
  salt: r.salt,
  createdBy: r.created_by,
  createdAt: r.created_at,
  confirmedAt: r.confirmed_at,
  closedAt: r.closed_at,
});

const ROLLCALL_COLUMNS =
  "r.id, r.title, r.message, r.template_ref, r.template, r.scope, r.drill, r.state, r.owner_facility_id, r.source, r.patient_checks, r.notes, r.salt, r.created_by, r.created_at, r.confirmed_at, r.closed_at";

/** `('open')`: the live states (state.ts) as an SQL list. The states are constants of ours, not input. */
const LIVE_IN = `(${LIVE_STATES.map((s) => `'${s}'`).join(", ")})`;

/** Where a roll-call came from: a person, a trigger (JMA, CAP, an API key), or a readiness test. */
export type RollcallSource = "manual" | "jma" | "cap" | "api" | "test";

/**
 * Inserts a draft; RETURNING id. The unique (source, source_ref) index keeps one
 * roll-call per event: no row comes back when another report already created it
 * (a NULL source_ref never collides). Batch it with its audit entries, found by
 * `draftIdBySalt` (no entry when nothing was inserted).
 */
export function insertDraftStatement(
  db: D1Database,
  d: Pick<Rollcall, "title" | "message" | "templateRef" | "template" | "scope" | "drill" | "ownerFacilityId" | "salt" | "createdBy" | "patientChecks"> & {
    source: RollcallSource;
    sourceRef: string | null;
    now: number;
  },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO rollcalls (title, message, template_ref, template, scope, drill, state, owner_facility_id, source, source_ref, salt, created_by, created_at, patient_checks)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'draft', ?7, ?8, ?9, ?10, ?11, ?12, ?13)
       ON CONFLICT DO NOTHING RETURNING id`,
    )
    .bind(
      d.title,
      d.message,
      d.templateRef,
      JSON.stringify(d.template),
      JSON.stringify(d.scope),
      d.drill ? 1 : 0,
      d.ownerFacilityId,
      d.source,
      d.sourceRef,
      d.salt,
      d.createdBy,
      d.now,
      d.patientChecks === null ? null : JSON.stringify(d.patientChecks),
    );
}

/** Finds, for an audit entry in the same batch, the roll-call just inserted with this (random) salt. */
export const draftIdBySalt = (salt: string) => ({ sql: "SELECT id FROM rollcalls WHERE salt = ?", params: [salt] as unknown[] });

export async function getRollcall(db: D1Database, id: number): Promise<Rollcall | null> {
  const r = await db.prepare(`SELECT ${ROLLCALL_COLUMNS} FROM rollcalls r WHERE r.id = ?1`).bind(id).first<RollcallRow>();
  return r ? toRollcall(r) : null;
}

export async function listRollcalls(
  db: D1Database,
  q: { drill?: boolean; state?: RollcallState; before?: number; limit: number; facilityIds: number[] | null; tests?: "exclude" | "only" | "include" },
): Promise<(Rollcall & { recipients: number; replied: number })[]> {
  const { results } = await db
    .prepare(
      `SELECT ${ROLLCALL_COLUMNS},
         (SELECT COUNT(*) FROM rollcall_recipients x WHERE x.rollcall_id = r.id) AS recipients,
         (SELECT COUNT(*) FROM rollcall_recipients x WHERE x.rollcall_id = r.id AND x.replied_at IS NOT NULL) AS replied
       FROM rollcalls r
       WHERE (?1 IS NULL OR r.drill = ?1) AND (?2 IS NULL OR r.state = ?2) AND (?3 IS NULL OR r.id < ?3)
         AND (?4 IS NULL OR r.owner_facility_id IN (SELECT value FROM json_each(?4))
              OR EXISTS (SELECT 1 FROM rollcall_recipients x WHERE x.rollcall_id = r.id AND x.facility_id IN (SELECT value FROM json_each(?4))))
         AND (?6 = 'include' OR (?6 = 'only') = (r.source = 'test'))
       ORDER BY r.id DESC LIMIT ?5`,
    )
    .bind(
      q.drill === undefined ? null : q.drill ? 1 : 0,
      q.state ?? null,
      q.before ?? null,
      q.facilityIds ? JSON.stringify(q.facilityIds) : null,
      q.limit,
      q.tests ?? "include",
    )
    .all<RollcallRow & { recipients: number; replied: number }>();
  return results.map((r) => ({ ...toRollcall(r), recipients: r.recipients, replied: r.replied }));
}

/** The one way a roll-call's state changes: a move of TRANSITIONS, only from its `from` state (changes = 0 otherwise). */
export function transitionStatement(db: D1Database, id: number, move: Transition, actorId: number | null, now: number): D1PreparedStatement {
  const { from, to } = TRANSITIONS[move];
  const who =
    to === "closed"
      ? ", closed_by = ?4, closed_at = ?5"
      : to === "open"
        ? ", confirmed_by = COALESCE(confirmed_by, ?4), confirmed_at = COALESCE(confirmed_at, ?5)"
        : "";
  const stmt = db.prepare(`UPDATE rollcalls SET state = ?2${who} WHERE id = ?1 AND state = ?3`);
  return who ? stmt.bind(id, to, from, actorId, now) : stmt.bind(id, to, from);
}

/** Adds a note (時刻つきの記録) to a roll-call: a later report, a cancellation. */
export async function appendNote(db: D1Database, id: number, at: number, text: string): Promise<void> {
  await db.prepare("UPDATE rollcalls SET notes = json_insert(notes, '$[#]', json_object('at', ?2, 'text', ?3)) WHERE id = ?1").bind(id, at, text).run();
}

/** Marks a fresh draft as a readiness test message (createDraft writes 'manual'; source 'test'); false when it is no longer a draft. */
export async function markAsTest(db: D1Database, id: number): Promise<boolean> {
  const r = await db.prepare("UPDATE rollcalls SET source = 'test' WHERE id = ?1 AND state = 'draft'").bind(id).run();
  return r.meta.changes === 1;
}

/** A roll-call's state and close time, without its template (the escalation alarm, the planner). */
export async function rollcallStateOf(db: D1Database, id: number): Promise<{ state: RollcallState; closedAt: number | null } | null> {
  const r = await db.prepare("SELECT state, closed_at FROM rollcalls WHERE id = ?1").bind(id).first<{ state: RollcallState; closed_at: number | null }>();
  return r ? { state: r.state, closedAt: r.closed_at } : null;
}

/** The roll-call an event started (source and source_ref are unique together). */
export async function rollcallBySource(db: D1Database, source: RollcallSource, sourceRef: string): Promise<{ id: number; state: RollcallState } | null> {
  return db
    .prepare("SELECT id, state FROM rollcalls WHERE source = ?1 AND source_ref = ?2")
    .bind(source, sourceRef)
    .first<{ id: number; state: RollcallState }>();
}

/** The latest live roll-call a person was asked in (where an inbound SMS answers). */
export async function latestLiveRollcallOf(db: D1Database, personId: number): Promise<number | null> {
  const r = await db
    .prepare(
      `SELECT c.id FROM rollcall_recipients r JOIN rollcalls c ON c.id = r.rollcall_id
       WHERE r.person_id = ?1 AND c.state IN ${LIVE_IN}
       ORDER BY COALESCE(c.confirmed_at, c.created_at) DESC, c.id DESC LIMIT 1`,
    )
    .bind(personId)
    .first<{ id: number }>();
  return r?.id ?? null;
}

/** Live roll-calls with their template (its JSON text, as stored) and confirm time: what the delivery sweeper looks over. */
export async function confirmedLiveRollcalls(db: D1Database): Promise<{ id: number; template: string; confirmedAt: number }[]> {
  const { results } = await db
    .prepare(`SELECT id, template, confirmed_at FROM rollcalls WHERE state IN ${LIVE_IN} AND confirmed_at IS NOT NULL ORDER BY id`)
    .all<{ id: number; template: string; confirmed_at: number }>();
  return results.map((r) => ({ id: r.id, template: r.template, confirmedAt: r.confirmed_at }));
}

// ---------------------------------------------------------------- SQL for other domains' queries

/**
 * SQL condition: the roll-call whose id is `idSql` (a column or a parameter such as
 * `?1`) is live. For other domains' statements that must check it in the same query
 * (a reply racing a close, the sweeper's deliveries).
 */
export const liveRollcallSql = (idSql: string): string => `${idSql} IN (SELECT id FROM rollcalls WHERE state IN ${LIVE_IN})`;

/** SQL expression: the state of the roll-call whose id is `idSql`. */
export const rollcallStateSql = (idSql: string): string => `(SELECT state FROM rollcalls WHERE id = ${idSql})`;

// ---------------------------------------------------------------- scope

const ACTIVE_MEMBER = "m.removed_at IS NULL AND f.removed_at IS NULL AND p.removed_at IS NULL";

/**
 * The people a scope reaches, one row each, with the facility they answer for
 * (the lowest-numbered of their facilities in scope). Lists travel as one JSON
 * parameter (json_each), so no scope size runs into D1's 100 bound parameters.
 */
function scopeSql(scope: Scope): { sql: string; param: string | null } {
  const base = (cond: string) =>
    `SELECT m.person_id, MIN(m.facility_id) AS facility_id FROM memberships m
     JOIN facilities f ON f.id = m.facility_id JOIN people p ON p.id = m.person_id
     WHERE ${ACTIVE_MEMBER} ${cond} GROUP BY m.person_id`;
  if (scope.all) return { sql: base(""), param: null };
  if (scope.facilityTypes) return { sql: base("AND f.type IN (SELECT value FROM json_each(?1))"), param: JSON.stringify(scope.facilityTypes) };
  if (scope.facilityIds) return { sql: base("AND f.id IN (SELECT value FROM json_each(?1))"), param: JSON.stringify(scope.facilityIds) };
  // Groups: custom groups by their members; a facility's group by the facility's people; the network group is everyone.
  return {
    sql: `SELECT u.person_id,
            (SELECT MIN(m.facility_id) FROM memberships m JOIN facilities f ON f.id = m.facility_id JOIN people p ON p.id = m.person_id
             WHERE m.person_id = u.person_id AND ${ACTIVE_MEMBER}) AS facility_id
          FROM (
            SELECT gm.person_id FROM group_members gm JOIN groups g ON g.id = gm.group_id JOIN people p ON p.id = gm.person_id
            WHERE gm.removed_at IS NULL AND g.closed_at IS NULL AND p.removed_at IS NULL AND g.id IN (SELECT value FROM json_each(?1))
            UNION
            SELECT m.person_id FROM groups g JOIN memberships m ON m.facility_id = g.facility_id
            JOIN facilities f ON f.id = m.facility_id JOIN people p ON p.id = m.person_id
            WHERE g.kind = 'facility' AND g.closed_at IS NULL AND ${ACTIVE_MEMBER} AND g.id IN (SELECT value FROM json_each(?1))
            UNION
            SELECT m.person_id FROM groups g JOIN memberships m JOIN facilities f ON f.id = m.facility_id JOIN people p ON p.id = m.person_id
            WHERE g.kind = 'network' AND g.closed_at IS NULL AND ${ACTIVE_MEMBER} AND g.id IN (SELECT value FROM json_each(?1))
          ) u`,
    param: JSON.stringify(scope.groupIds ?? []),
  };
}

const HAS_PUSH = "EXISTS (SELECT 1 FROM push_subscriptions ps WHERE ps.person_id = s.person_id AND ps.revoked_at IS NULL)";
const HAS_EMAIL = "EXISTS (SELECT 1 FROM contacts c WHERE c.person_id = s.person_id AND c.kind = 'email' AND c.removed_at IS NULL)";
const HAS_MOBILE = "EXISTS (SELECT 1 FROM contacts c WHERE c.person_id = s.person_id AND c.kind = 'mobile' AND c.removed_at IS NULL)";
const HAS: Record<Channel, string> = { push: HAS_PUSH, email: HAS_EMAIL, sms: HAS_MOBILE };

export interface Reach {
  total: number;
  byChannel: Record<Channel, number>;
  firstWave: Record<Channel, number>;
  unreachable: number;
  byLang: Record<string, number>;
}

/** Recipient counts for the preview: per channel, the first wave (with its fallback), and nobody-reachable. */
export async function reachOf(db: D1Database, scope: Scope, firstWave: { channels: Channel[]; fallback: boolean }): Promise<Reach> {
  const { sql, param } = scopeSql(scope);
  const onWave = firstWave.channels.map((ch) => HAS[ch]).join(" OR ");
  const fallbackTo = (ch: Channel) => (firstWave.channels.includes(ch) ? `${HAS[ch]}` : firstWave.fallback ? `(NOT (${onWave}) AND ${HAS[ch]})` : "0");
  const [counts, langs] = await db.batch<Record<string, number | string>>([
    db
      .prepare(
        `WITH s AS (${sql}) SELECT COUNT(*) AS total,
           COALESCE(SUM(${HAS_PUSH}), 0) AS push, COALESCE(SUM(${HAS_EMAIL}), 0) AS email, COALESCE(SUM(${HAS_MOBILE}), 0) AS sms,
           COALESCE(SUM(${fallbackTo("push")}), 0) AS w_push, COALESCE(SUM(${fallbackTo("email")}), 0) AS w_email, COALESCE(SUM(${fallbackTo("sms")}), 0) AS w_sms,
           COALESCE(SUM(NOT (${HAS_PUSH} OR ${HAS_EMAIL} OR ${HAS_MOBILE})), 0) AS unreachable
         FROM s`,
      )
      .bind(...(param === null ? [] : [param])),
    db
      .prepare(`WITH s AS (${sql}) SELECT p.lang AS lang, COUNT(*) AS n FROM s JOIN people p ON p.id = s.person_id GROUP BY p.lang`)
      .bind(...(param === null ? [] : [param])),
  ]);
  const c = counts!.results[0] as Record<string, number>;
  return {
    total: c.total!,
    byChannel: { push: c.push!, email: c.email!, sms: c.sms! },
    firstWave: { push: c.w_push!, email: c.w_email!, sms: c.w_sms! },
    unreachable: c.unreachable!,
    byLang: Object.fromEntries((langs!.results as { lang: string; n: number }[]).map((r) => [r.lang, r.n])),
  };
}

/** Up to `limit` people in scope with no channel at all (names only: the preview shows them to fix their contacts). */
export async function unreachablePeople(db: D1Database, scope: Scope, limit: number): Promise<{ personId: number; name: string; facility: string | null }[]> {
  const { sql, param } = scopeSql(scope);
  const { results } = await db
    .prepare(
      `WITH s AS (${sql}) SELECT s.person_id, p.name, f.name AS facility FROM s JOIN people p ON p.id = s.person_id LEFT JOIN facilities f ON f.id = s.facility_id
       WHERE NOT (${HAS_PUSH} OR ${HAS_EMAIL} OR ${HAS_MOBILE}) ORDER BY s.person_id LIMIT ${Math.trunc(limit)}`,
    )
    .bind(...(param === null ? [] : [param]))
    .all<{ person_id: number; name: string; facility: string | null }>();
  return results.map((r) => ({ personId: r.person_id, name: r.name, facility: r.facility }));
}

/** A sample recipient per language for the preview (the first in scope). */
export async function samplePeople(db: D1Database, scope: Scope): Promise<{ personId: number; name: string; lang: string; facility: string | null }[]> {
  const { sql, param } = scopeSql(scope);
  const { results } = await db
    .prepare(`WITH s AS (${sql}) SELECT MIN(s.person_id) AS person_id, p.lang FROM s JOIN people p ON p.id = s.person_id GROUP BY p.lang`)
    .bind(...(param === null ? [] : [param]))
    .all<{ person_id: number; lang: string }>();
  const out = [];
  for (const r of results) {
    const who = await db
      .prepare(`SELECT p.name, ${firstFacilityNameSql("p.id")} AS facility FROM people p WHERE p.id = ?1`)
      .bind(r.person_id)
      .first<{ name: string; facility: string | null }>();
    out.push({ personId: r.person_id, name: who!.name, lang: r.lang, facility: who!.facility });
  }
  return out;
}

/** How many people a scope reaches now (the confirm refuses an empty scope). */
export async function scopeCount(db: D1Database, scope: Scope): Promise<number> {
  const { sql, param } = scopeSql(scope);
  const r = await db
    .prepare(`WITH s AS (${sql}) SELECT COUNT(*) AS n FROM s`)
    .bind(...(param === null ? [] : [param]))
    .first<{ n: number }>();
  return r!.n;
}

/**
 * The confirm snapshot as ONE statement, whatever the scope's size: everyone in
 * scope with their facility and whether they administer it. token_hash stays NULL
 * here (it is per-person HMAC work): `tokenHashStatements` fills it page by page
 * where the links are produced. The roll-call id is an integer we own, written into the SQL.
 */
export function recipientSnapshot(db: D1Database, rollcallId: number, scope: Scope): D1PreparedStatement {
  const { sql, param } = scopeSql(scope);
  return db
    .prepare(
      `WITH s AS (${sql})
       INSERT INTO rollcall_recipients (rollcall_id, person_id, facility_id, is_facility_admin)
       SELECT ${Math.trunc(rollcallId)}, s.person_id, s.facility_id,
         EXISTS (SELECT 1 FROM memberships a WHERE a.person_id = s.person_id AND a.facility_id = s.facility_id AND a.role = 'admin' AND a.removed_at IS NULL)
       FROM s`,
    )
    .bind(...(param === null ? [] : [param]));
}

/** The roll-call's salt (what the reply tokens are derived with), or null when there is no such roll-call. */
export async function rollcallSalt(db: D1Database, rollcallId: number): Promise<string | null> {
  const r = await db.prepare("SELECT salt FROM rollcalls WHERE id = ?1").bind(rollcallId).first<{ salt: string }>();
  return r?.salt ?? null;
}

/** Which of these recipients have no token hash yet. */
export async function recipientsWithoutTokenHash(db: D1Database, rollcallId: number, personIds: number[]): Promise<number[]> {
  const { results } = await db
    .prepare("SELECT person_id FROM rollcall_recipients WHERE rollcall_id = ?1 AND token_hash IS NULL AND person_id IN (SELECT value FROM json_each(?2))")
    .bind(rollcallId, JSON.stringify(personIds))
    .all<{ person_id: number }>();
  return results.map((r) => r.person_id);
}

/** Rows per token-hash UPDATE: 2 bound values a row stays under D1's 100 bound parameters per statement. */
export const TOKEN_HASH_ROWS_PER_STATEMENT = 50;

/**
 * Fills missing token hashes as multi-row UPDATE ... FROM (VALUES ...). Only a NULL is
 * written: the hash of a person in a roll-call is deterministic, so a second filler
 * racing this one would write the same value anyway.
 */
export function tokenHashStatements(db: D1Database, rollcallId: number, rows: { personId: number; tokenHash: string }[]): D1PreparedStatement[] {
  const id = Math.trunc(rollcallId);
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += TOKEN_HASH_ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + TOKEN_HASH_ROWS_PER_STATEMENT);
    const values = chunk.map((_, j) => `(?${j * 2 + 1}, ?${j * 2 + 2})`).join(", ");
    out.push(
      db
        .prepare(
          `UPDATE rollcall_recipients SET token_hash = v.column2 FROM (VALUES ${values}) AS v
           WHERE rollcall_recipients.rollcall_id = ${id} AND rollcall_recipients.person_id = v.column1 AND rollcall_recipients.token_hash IS NULL`,
        )
        .bind(...chunk.flatMap((r) => [r.personId, r.tokenHash])),
    );
  }
  return out;
}

// ---------------------------------------------------------------- recipients

export interface Recipient {
  rollcallId: number;
  personId: number;
  facilityId: number | null;
  isFacilityAdmin: boolean;
  lastReplyId: number | null;
  repliedAt: number | null;
  name: string;
  /** 職種 as the directory has it. */
  job: string;
  lang: string;
  facilityName: string | null;
  /** The facility's type (its report's fields depend on it). */
  facilityType: string | null;
  /** The facility's phone in the directory (E.164), if it has one: the reply page's 要救助 advice links it. */
  facilityPhone: string | null;
}

interface RecipientRow {
  rollcall_id: number;
  person_id: number;
  facility_id: number | null;
  is_facility_admin: number;
  last_reply_id: number | null;
  replied_at: number | null;
  name: string;
  job: string;
  lang: string;
  facility_name: string | null;
  facility_type: string | null;
  facility_phone: string | null;
}

const toRecipient = (r: RecipientRow): Recipient => ({
  rollcallId: r.rollcall_id,
  personId: r.person_id,
  facilityId: r.facility_id,
  isFacilityAdmin: r.is_facility_admin === 1,
  lastReplyId: r.last_reply_id,
  repliedAt: r.replied_at,
  name: r.name,
  job: r.job,
  lang: r.lang,
  facilityName: r.facility_name,
  facilityType: r.facility_type,
  facilityPhone: r.facility_phone,
});

const RECIPIENT_SELECT = `SELECT x.rollcall_id, x.person_id, x.facility_id, x.is_facility_admin, x.last_reply_id, x.replied_at, p.name, p.job, p.lang, f.name AS facility_name, f.type AS facility_type,
  f.phone AS facility_phone
  FROM rollcall_recipients x JOIN people p ON p.id = x.person_id LEFT JOIN facilities f ON f.id = x.facility_id`;

export async function recipientByTokenHash(db: D1Database, hash: string): Promise<Recipient | null> {
  const r = await db.prepare(`${RECIPIENT_SELECT} WHERE x.token_hash IS NOT NULL AND x.token_hash = ?1`).bind(hash).first<RecipientRow>();
  return r ? toRecipient(r) : null;
}

/** A recipient's latest reply as stored (the reply domain maps it). */
export interface LastReplyRow {
  id: number;
  rollcall_id: number;
  person_id: number;
  answers: string;
  comment: string;
  comment_removed_at: number | null;
  via: "link" | "sms" | "push" | "proxy";
  proxy_by: number | null;
  created_at: number;
}

/** A recipient with their roll-call and their latest reply, read in one statement. */
export interface RecipientContext {
  recipient: Recipient;
  rollcall: Rollcall;
  lastReply: LastReplyRow | null;
}

const CONTEXT_SELECT = `SELECT ${ROLLCALL_COLUMNS},
    x.person_id AS x_person_id, x.facility_id AS x_facility_id, x.is_facility_admin AS x_is_facility_admin, x.last_reply_id AS x_last_reply_id,
    x.replied_at AS x_replied_at, p.name AS x_name, p.job AS x_job, p.lang AS x_lang, f.name AS x_facility_name, f.type AS x_facility_type,
    f.phone AS x_facility_phone, lr.answers AS lr_answers, lr.comment AS lr_comment, lr.comment_removed_at AS lr_comment_removed_at, lr.via AS lr_via, lr.proxy_by AS lr_proxy_by,
    lr.created_at AS lr_created_at
  FROM rollcall_recipients x JOIN rollcalls r ON r.id = x.rollcall_id JOIN people p ON p.id = x.person_id
  LEFT JOIN facilities f ON f.id = x.facility_id LEFT JOIN replies lr ON lr.id = x.last_reply_id`;

type ContextRow = RollcallRow & {
  x_person_id: number;
  x_facility_id: number | null;
  x_is_facility_admin: number;
  x_last_reply_id: number | null;
  x_replied_at: number | null;
  x_name: string;
  x_job: string;
  x_lang: string;
  x_facility_name: string | null;
  x_facility_type: string | null;
  x_facility_phone: string | null;
  lr_answers: string | null;
  lr_comment: string | null;
  lr_comment_removed_at: number | null;
  lr_via: LastReplyRow["via"] | null;
  lr_proxy_by: number | null;
  lr_created_at: number | null;
};

const toContext = (r: ContextRow): RecipientContext => ({
  rollcall: toRollcall(r),
  recipient: toRecipient({
    rollcall_id: r.id,
    person_id: r.x_person_id,
    facility_id: r.x_facility_id,
    is_facility_admin: r.x_is_facility_admin,
    last_reply_id: r.x_last_reply_id,
    replied_at: r.x_replied_at,
    name: r.x_name,
    job: r.x_job,
    lang: r.x_lang,
    facility_name: r.x_facility_name,
    facility_type: r.x_facility_type,
    facility_phone: r.x_facility_phone,
  }),
  lastReply:
    r.x_last_reply_id !== null && r.lr_answers !== null
      ? {
          id: r.x_last_reply_id,
          rollcall_id: r.id,
          person_id: r.x_person_id,
          answers: r.lr_answers,
          comment: r.lr_comment ?? "",
          comment_removed_at: r.lr_comment_removed_at,
          via: r.lr_via ?? "link",
          proxy_by: r.lr_proxy_by,
          created_at: r.lr_created_at ?? 0,
        }
      : null,
});

/** The reply link's owner, their roll-call and latest reply: one read for a reply. */
export async function recipientContextByTokenHash(db: D1Database, hash: string): Promise<RecipientContext | null> {
  return recipientContextFromRow(await recipientContextByTokenHashStatement(db, hash).first());
}

/** The same read as a statement, for a caller that batches it (the reply page); `recipientContextFromRow` reads its row. */
export const recipientContextByTokenHashStatement = (db: D1Database, hash: string): D1PreparedStatement =>
  db.prepare(`${CONTEXT_SELECT} WHERE x.token_hash IS NOT NULL AND x.token_hash = ?1`).bind(hash);

export const recipientContextFromRow = (row: unknown): RecipientContext | null => (row ? toContext(row as ContextRow) : null);

/** A recipient of a roll-call with the roll-call and their latest reply (SMS, push, proxy replies): one read. */
export async function recipientContextOf(db: D1Database, rollcallId: number, personId: number): Promise<RecipientContext | null> {
  const r = await db.prepare(`${CONTEXT_SELECT} WHERE x.rollcall_id = ?1 AND x.person_id = ?2`).bind(rollcallId, personId).first<ContextRow>();
  return r ? toContext(r) : null;
}

export async function recipientOf(db: D1Database, rollcallId: number, personId: number): Promise<Recipient | null> {
  const r = await db.prepare(`${RECIPIENT_SELECT} WHERE x.rollcall_id = ?1 AND x.person_id = ?2`).bind(rollcallId, personId).first<RecipientRow>();
  return r ? toRecipient(r) : null;
}

/** A person's first active facility, by name: the facility a message names for someone outside the snapshot. */
export const firstFacilityNameSql = (personId: string) =>
  `(SELECT f.name FROM memberships m JOIN facilities f ON f.id = m.facility_id WHERE m.person_id = ${personId} AND m.removed_at IS NULL ORDER BY m.facility_id LIMIT 1)`;

/** The facility a roll-call's message names for a person: theirs in the snapshot, else their first active one. */
export const messageFacilityNameSql = (rollcallId: string, personId: string) =>
  `COALESCE((SELECT f.name FROM rollcall_recipients x JOIN facilities f ON f.id = x.facility_id WHERE x.rollcall_id = ${rollcallId} AND x.person_id = ${personId}), ${firstFacilityNameSql(personId)})`;

/** A person as a message addresses them, whether or not they are a recipient (facility admins get the digest). */
export async function addressee(db: D1Database, rollcallId: number, personId: number): Promise<{ name: string; lang: string; facility: string | null } | null> {
  return db
    .prepare(`SELECT p.name, p.lang, ${messageFacilityNameSql("?1", "p.id")} AS facility FROM people p WHERE p.id = ?2`)
    .bind(rollcallId, personId)
    .first<{ name: string; lang: string; facility: string | null }>();
}

/** Active facilities of a person (for the proxy-reply check). */
export async function facilitiesOfPerson(db: D1Database, personId: number): Promise<number[]> {
  const { results } = await db
    .prepare("SELECT facility_id FROM memberships WHERE person_id = ?1 AND removed_at IS NULL")
    .bind(personId)
    .all<{ facility_id: number }>();
  return results.map((r) => r.facility_id);
}

/** Non-responders in the facilities the given admin runs (the digest), grouped by facility. */
export async function unrepliedForAdmin(db: D1Database, rollcallId: number, adminId: number): Promise<{ facility: string; names: string[] }[]> {
  const { results } = await db
    .prepare(
      `SELECT f.name AS facility, p.name FROM rollcall_recipients x
       JOIN facilities f ON f.id = x.facility_id JOIN people p ON p.id = x.person_id
       WHERE x.rollcall_id = ?1 AND x.replied_at IS NULL
         AND x.facility_id IN (SELECT facility_id FROM memberships WHERE person_id = ?2 AND role IN ('admin', 'delegate') AND removed_at IS NULL)
       ORDER BY f.id, p.kana, p.id`,
    )
    .bind(rollcallId, adminId)
    .all<{ facility: string; name: string }>();
  const byFacility = new Map<string, string[]>();
  for (const r of results) byFacility.set(r.facility, [...(byFacility.get(r.facility) ?? []), r.name]);
  return [...byFacility].map(([facility, names]) => ({ facility, names }));
}

// ---------------------------------------------------------------- aggregates

export interface LatestAnswer {
  personId: number;
  facilityId: number | null;
  isFacilityAdmin: boolean;
  answers: Answers;
  via: string;
  replyId: number;
  answeredAt: number;
}

/** Counts per facility (type) over the snapshot; a facility filter limits it to those facilities. */
export async function facilityCounts(
  db: D1Database,
  rollcallId: number,
): Promise<{ facilityId: number | null; name: string | null; type: string | null; recipients: number; replied: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT x.facility_id, f.name, f.type, COUNT(*) AS recipients, COUNT(x.replied_at) AS replied
       FROM rollcall_recipients x LEFT JOIN facilities f ON f.id = x.facility_id
       WHERE x.rollcall_id = ?1 GROUP BY x.facility_id ORDER BY f.type, f.kana, x.facility_id`,
    )
    .bind(rollcallId)
    .all<{ facility_id: number | null; name: string | null; type: string | null; recipients: number; replied: number }>();
  return results.map((r) => ({ facilityId: r.facility_id, name: r.name, type: r.type, recipients: r.recipients, replied: r.replied }));
}

/** The latest answer of everyone who replied. */
export async function latestAnswers(db: D1Database, rollcallId: number): Promise<LatestAnswer[]> {
  const { results } = await db
    .prepare(
      `SELECT x.person_id, x.facility_id, x.is_facility_admin, r.id AS reply_id, r.answers, r.via, r.created_at AS answered_at FROM rollcall_recipients x
       JOIN replies r ON r.id = x.last_reply_id WHERE x.rollcall_id = ?1`,
    )
    .bind(rollcallId)
    .all<{ person_id: number; facility_id: number | null; is_facility_admin: number; reply_id: number; answers: string; via: string; answered_at: number }>();
  return results.map((r) => ({
    personId: r.person_id,
    facilityId: r.facility_id,
    isFacilityAdmin: r.is_facility_admin === 1,
    answers: JSON.parse(r.answers) as Answers,
    via: r.via,
    replyId: r.reply_id,
    answeredAt: r.answered_at,
  }));
}

/** Non-responders in person-id order, paged by `after`; `facilityIds` limits them to those facilities. */
export async function nonResponders(
  db: D1Database,
  rollcallId: number,
  q: { after: number; limit: number; facilityIds: number[] | null },
): Promise<{ personId: number; name: string; facilityId: number | null; facility: string | null }[]> {
  const { results } = await db
    .prepare(
      `SELECT x.person_id, p.name, x.facility_id, f.name AS facility FROM rollcall_recipients x
       JOIN people p ON p.id = x.person_id LEFT JOIN facilities f ON f.id = x.facility_id
       WHERE x.rollcall_id = ?1 AND x.replied_at IS NULL AND x.person_id > ?2
         AND (?3 IS NULL OR x.facility_id IN (SELECT value FROM json_each(?3)))
       ORDER BY x.person_id LIMIT ?4`,
    )
    .bind(rollcallId, q.after, q.facilityIds ? JSON.stringify(q.facilityIds) : null, q.limit)
    .all<{ person_id: number; name: string; facility_id: number | null; facility: string | null }>();
  return results.map((r) => ({ personId: r.person_id, name: r.name, facilityId: r.facility_id, facility: r.facility }));
}

/** Deliveries per channel and state (the delivery domain writes them; we only count). */
export async function deliveryProgress(db: D1Database, rollcallId: number): Promise<{ channel: string; state: string; n: number }[]> {
  const { results } = await db
    .prepare("SELECT channel, state, COUNT(*) AS n FROM deliveries WHERE rollcall_id = ?1 GROUP BY channel, state")
    .bind(rollcallId)
    .all<{ channel: string; state: string; n: number }>();
  return results;
}

/** The columns of a recipient's latest reply (LEFT JOIN replies r ON r.id = x.last_reply_id: all null when not replied), `r.created_at AS answered_at`. */
interface LatestReplyRow {
  answers: string | null;
  comment: string | null;
  comment_removed_at: number | null;
  via: string | null;
  answered_at: number | null;
}

/** A recipient's latest reply as read back (none: not replied): answers parsed, a removed comment (§5) as "". */
const latestReplyOf = (r: LatestReplyRow) => ({
  answers: r.answers ? (JSON.parse(r.answers) as Answers) : null,
  comment: r.comment_removed_at ? "" : (r.comment ?? ""),
  via: r.via,
  answeredAt: r.answered_at,
});

/** A recipient (x: rollcall_recipients, p: people) with their latest reply: the columns the export and the board's facility page both read. */
export interface RecipientReplyRow extends LatestReplyRow {
  person_id: number;
  name: string;
  kana: string;
  job: string;
  is_facility_admin: number;
  replied_at: number | null;
}

/** A recipient with their latest reply as read back; the export and the facility page map it so. */
export const recipientReplyOf = (r: RecipientReplyRow) => ({
  personId: r.person_id,
  name: r.name,
  kana: r.kana,
  job: r.job,
  isFacilityAdmin: r.is_facility_admin === 1,
  repliedAt: r.replied_at,
  ...latestReplyOf(r),
});

export interface ExportRow {
  personId: number;
  name: string;
  kana: string;
  job: string;
  facility: string | null;
  facilityType: string | null;
  facilityId: number | null;
  isFacilityAdmin: boolean;
  repliedAt: number | null;
  answers: Answers | null;
  comment: string;
  via: string | null;
  proxyBy: string | null;
  proxyReached: string | null;
  answeredAt: number | null;
  mobile: string | null;
  email: string | null;
}

/** Everyone asked, with their latest answer; contacts only when `withContacts`. */
export async function exportRows(db: D1Database, rollcallId: number, q: { facilityIds: number[] | null; withContacts: boolean }): Promise<ExportRow[]> {
  const contacts = q.withContacts
    ? `(SELECT value FROM contacts c WHERE c.person_id = x.person_id AND c.kind = 'mobile' AND c.removed_at IS NULL ORDER BY c.id LIMIT 1) AS mobile,
       (SELECT value FROM contacts c WHERE c.person_id = x.person_id AND c.kind = 'email' AND c.removed_at IS NULL ORDER BY c.id LIMIT 1) AS email`
    : "NULL AS mobile, NULL AS email";
  const { results } = await db
    .prepare(
      `SELECT x.person_id, p.name, p.kana, p.job, f.name AS facility, f.type AS facility_type, x.facility_id, x.is_facility_admin, x.replied_at,
         r.answers, r.comment, r.comment_removed_at, r.via, r.proxy_reached, r.created_at AS answered_at, pb.name AS proxy_by, ${contacts}
       FROM rollcall_recipients x JOIN people p ON p.id = x.person_id
       LEFT JOIN facilities f ON f.id = x.facility_id
       LEFT JOIN replies r ON r.id = x.last_reply_id
       LEFT JOIN people pb ON pb.id = r.proxy_by
       WHERE x.rollcall_id = ?1 AND (?2 IS NULL OR x.facility_id IN (SELECT value FROM json_each(?2)))
       ORDER BY f.type, f.kana, x.facility_id, p.kana, x.person_id`,
    )
    .bind(rollcallId, q.facilityIds ? JSON.stringify(q.facilityIds) : null)
    .all<
      RecipientReplyRow & {
        facility: string | null;
        facility_type: string | null;
        facility_id: number | null;
        proxy_by: string | null;
        proxy_reached: string | null;
        mobile: string | null;
        email: string | null;
      }
    >();
  return results.map((r) => ({
    ...recipientReplyOf(r),
    facility: r.facility,
    facilityType: r.facility_type,
    facilityId: r.facility_id,
    proxyBy: r.proxy_by,
    proxyReached: r.proxy_reached,
    mobile: r.mobile,
    email: r.email,
  }));
}

/** A facility of the roll-call for the facility sheet (facilities.csv): its counts, and its admins' latest answers with a facility report. */
export interface FacilityExportRow {
  facilityId: number;
  name: string;
  type: string;
  district: string;
  /** Null unless asked with contacts. */
  phone: string | null;
  recipients: number;
  replied: number;
  reports: { personId: number; name: string; replyId: number; answers: Answers; answeredAt: number }[];
}

/** The facilities asked in a roll-call (in the board's order), limited to `facilityIds` when given. Two statements, one batch. */
export async function facilityExportRows(
  db: D1Database,
  rollcallId: number,
  q: { facilityIds: number[] | null; withContacts: boolean },
): Promise<FacilityExportRow[]> {
  const ids = q.facilityIds ? JSON.stringify(q.facilityIds) : null;
  const [facilities, reports] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT f.id, f.name, f.type, f.district, ${q.withContacts ? "f.phone" : "NULL AS phone"}, COUNT(*) AS recipients, COUNT(x.replied_at) AS replied
         FROM rollcall_recipients x JOIN facilities f ON f.id = x.facility_id
         WHERE x.rollcall_id = ?1 AND (?2 IS NULL OR x.facility_id IN (SELECT value FROM json_each(?2)))
         GROUP BY f.id ORDER BY f.type, f.kana, f.id`,
      )
      .bind(rollcallId, ids),
    db
      .prepare(
        `SELECT x.facility_id, x.person_id, p.name, r.id AS reply_id, r.answers, r.created_at
         FROM rollcall_recipients x JOIN replies r ON r.id = x.last_reply_id JOIN people p ON p.id = x.person_id
         WHERE x.rollcall_id = ?1 AND x.is_facility_admin = 1 AND json_extract(r.answers, '$.facility') IS NOT NULL
           AND (?2 IS NULL OR x.facility_id IN (SELECT value FROM json_each(?2)))`,
      )
      .bind(rollcallId, ids),
  ]);
  const byFacility = new Map<number, FacilityExportRow["reports"]>();
  for (const r of (reports?.results ?? []) as { facility_id: number; person_id: number; name: string; reply_id: number; answers: string; created_at: number }[])
    byFacility.set(r.facility_id, [
      ...(byFacility.get(r.facility_id) ?? []),
      { personId: r.person_id, name: r.name, replyId: r.reply_id, answers: JSON.parse(r.answers) as Answers, answeredAt: r.created_at },
    ]);
  return (
    (facilities?.results ?? []) as { id: number; name: string; type: string; district: string; phone: string | null; recipients: number; replied: number }[]
  ).map((f) => ({
    facilityId: f.id,
    name: f.name,
    type: f.type,
    district: f.district,
    phone: f.phone,
    recipients: f.recipients,
    replied: f.replied,
    reports: byFacility.get(f.id) ?? [],
  }));
}

/** Which of the given ids exist in an active row of a table (facilities or groups). */
export async function existingIds(
  db: D1Database,
  table: "facilities WHERE removed_at IS NULL" | "groups WHERE closed_at IS NULL",
  ids: number[],
): Promise<number[]> {
  const { results } = await db.prepare(`SELECT id FROM ${table} AND id IN (SELECT value FROM json_each(?1))`).bind(JSON.stringify(ids)).all<{ id: number }>();
  return results.map((r) => r.id);
}

/** The person a reply of this roll-call belongs to, or null. */
export async function replyOwner(db: D1Database, rollcallId: number, replyId: number): Promise<{ personId: number; commentRemoved: boolean } | null> {
  const r = await db
    .prepare("SELECT person_id, comment_removed_at FROM replies WHERE id = ?1 AND rollcall_id = ?2")
    .bind(replyId, rollcallId)
    .first<{ person_id: number; comment_removed_at: number | null }>();
  return r ? { personId: r.person_id, commentRemoved: r.comment_removed_at !== null } : null;
}

/** Hides a reply's comment (§5: admins remove inappropriate comments); the text stays in history. */
export const removeComment = (db: D1Database, replyId: number, by: number, at: number) =>
  db.prepare("UPDATE replies SET comment_removed_by = ?2, comment_removed_at = ?3 WHERE id = ?1 AND comment_removed_at IS NULL").bind(replyId, by, at);
