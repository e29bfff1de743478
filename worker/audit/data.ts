import { clock } from "../lib/clock";
import type { AuditAction } from "./actions";

/** All SQL of the audit log: the entry statements every domain batches with its change, and the admins' listing. */

export interface AuditEntry {
  actorId: number | null;
  /** One of the actions named in audit/actions.ts, with its words. */
  action: AuditAction;
  objectType?: string;
  objectId?: string | number;
  detail?: Record<string, unknown>;
}

/**
 * The statement that appends one audit entry. Callers put it in the same
 * `db.batch` as the change it records, so both land or neither does.
 * Never put phone numbers or emails in `detail`.
 */
export function auditStatement(db: D1Database, e: AuditEntry): D1PreparedStatement {
  return db
    .prepare("INSERT INTO audit_log (at, actor_id, action, object_type, object_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
    .bind(clock.now(), e.actorId, e.action, e.objectType ?? null, e.objectId == null ? null : String(e.objectId), JSON.stringify(e.detail ?? {}));
}

/**
 * The audit entry of a row inserted earlier in the same `db.batch`, whose id the
 * caller does not know yet. `idQuery` finds that row (one column, `id`; plain `?`
 * parameters bound from `params`) by something the caller does know, e.g. its
 * random salt or key hash; when it finds nothing (the insert did nothing), no
 * entry is written.
 */
export function auditInsertedStatement(db: D1Database, e: Omit<AuditEntry, "objectId">, idQuery: { sql: string; params: unknown[] }): D1PreparedStatement {
  return db
    .prepare(`INSERT INTO audit_log (at, actor_id, action, object_type, object_id, detail) SELECT ?, ?, ?, ?, CAST(q.id AS TEXT), ? FROM (${idQuery.sql}) q`)
    .bind(clock.now(), e.actorId, e.action, e.objectType ?? null, JSON.stringify(e.detail ?? {}), ...idQuery.params);
}

/**
 * The audit entry of a guarded change (`... WHERE state = 'draft'`): put it right
 * after that change in the batch; it is written only when the change touched a
 * row (SQLite's changes() counts the statement just before it), so a change that
 * lost a race leaves no entry claiming it happened.
 */
export function auditIfChangedStatement(db: D1Database, e: AuditEntry): D1PreparedStatement {
  return db
    .prepare("INSERT INTO audit_log (at, actor_id, action, object_type, object_id, detail) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE changes() > 0")
    .bind(clock.now(), e.actorId, e.action, e.objectType ?? null, e.objectId == null ? null : String(e.objectId), JSON.stringify(e.detail ?? {}));
}

export interface AuditRow {
  id: number;
  at: string;
  actorId: number | null;
  actorName: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  detail: Record<string, unknown>;
}

export async function listAudit(db: D1Database, q: { before?: number; limit: number; action?: string; actorId?: number }): Promise<AuditRow[]> {
  const { results } = await db
    .prepare(
      `SELECT a.id, a.at, a.actor_id, p.name AS actor_name, a.action, a.object_type, a.object_id, a.detail
       FROM audit_log a LEFT JOIN people p ON p.id = a.actor_id
       WHERE (?1 IS NULL OR a.id < ?1) AND (?2 IS NULL OR a.action = ?2) AND (?3 IS NULL OR a.actor_id = ?3)
       ORDER BY a.id DESC LIMIT ?4`,
    )
    .bind(q.before ?? null, q.action ?? null, q.actorId ?? null, q.limit)
    .all<{
      id: number;
      at: number;
      actor_id: number | null;
      actor_name: string | null;
      action: string;
      object_type: string | null;
      object_id: string | null;
      detail: string;
    }>();
  return results.map((r) => ({
    id: r.id,
    at: new Date(r.at).toISOString(),
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    objectType: r.object_type,
    objectId: r.object_id,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  }));
}
