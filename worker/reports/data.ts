import type { ReportKind } from "./schemas";

/** All SQL of incident reports. */

export interface ReportRow {
  id: number;
  kind: ReportKind;
  note: string;
  personId: number;
  personName: string;
  facilityIds: number[];
  createdAt: number;
  handledAt: number | null;
  handledBy: number | null;
  handledByName: string | null;
  handlingNote: string;
}

interface Row {
  id: number;
  kind: ReportKind;
  note: string;
  person_id: number;
  person_name: string;
  facility_ids: string;
  created_at: number;
  handled_at: number | null;
  handled_by: number | null;
  handled_by_name: string | null;
  handling_note: string;
}

const toReport = (r: Row): ReportRow => ({
  id: r.id,
  kind: r.kind,
  note: r.note,
  personId: r.person_id,
  personName: r.person_name,
  facilityIds: JSON.parse(r.facility_ids) as number[],
  createdAt: r.created_at,
  handledAt: r.handled_at,
  handledBy: r.handled_by,
  handledByName: r.handled_by_name,
  handlingNote: r.handling_note,
});

const SELECT = `SELECT r.id, r.kind, r.note, r.person_id, p.name AS person_name, r.facility_ids, r.created_at, r.handled_at, r.handled_by, h.name AS handled_by_name, r.handling_note
  FROM incident_reports r JOIN people p ON p.id = r.person_id LEFT JOIN people h ON h.id = r.handled_by`;

/** Another report took the id between reading the next one and inserting. */
export const isReportIdTaken = (err: unknown): boolean => err instanceof Error && /UNIQUE constraint failed: incident_reports\.id/.test(err.message);

export async function nextReportId(db: D1Database): Promise<number> {
  return (await db.prepare("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM incident_reports").first<{ id: number }>())!.id;
}

export const insertReport = (db: D1Database, r: { id: number; personId: number; kind: ReportKind; note: string; facilityIds: number[]; at: number }) =>
  db
    .prepare("INSERT INTO incident_reports (id, person_id, kind, note, facility_ids, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
    .bind(r.id, r.personId, r.kind, r.note, JSON.stringify(r.facilityIds), r.at);

export async function findReport(db: D1Database, id: number): Promise<ReportRow | null> {
  const r = await db.prepare(`${SELECT} WHERE r.id = ?1`).bind(id).first<Row>();
  return r ? toReport(r) : null;
}

export async function reportsSince(db: D1Database, personId: number, since: number): Promise<number> {
  return (await db.prepare("SELECT COUNT(*) AS n FROM incident_reports WHERE person_id = ?1 AND created_at > ?2").bind(personId, since).first<{ n: number }>())!
    .n;
}

export type ReportState = "open" | "handled" | "all";

/**
 * Reports for an admin: `facilityIds` null = all (network admin); else those filed by
 * people of these facilities (as they were when reporting). Newest first.
 */
export async function listReports(
  db: D1Database,
  q: { facilityIds: number[] | null; personId?: number; state: ReportState; before?: number; limit: number },
): Promise<ReportRow[]> {
  const state = { open: "r.handled_at IS NULL", handled: "r.handled_at IS NOT NULL", all: "1 = 1" }[q.state];
  const { results } = await db
    .prepare(
      `${SELECT}
       WHERE ${state} AND (?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(r.facility_ids) f WHERE f.value IN (SELECT value FROM json_each(?1))))
         AND (?2 IS NULL OR r.person_id = ?2) AND (?3 IS NULL OR r.id < ?3)
       ORDER BY r.id DESC LIMIT ?4`,
    )
    .bind(q.facilityIds ? JSON.stringify(q.facilityIds) : null, q.personId ?? null, q.before ?? null, q.limit)
    .all<Row>();
  return results.map(toReport);
}

export const markHandled = (db: D1Database, id: number, by: number, note: string, at: number) =>
  db.prepare("UPDATE incident_reports SET handled_at = ?3, handled_by = ?2, handling_note = ?4 WHERE id = ?1 AND handled_at IS NULL").bind(id, by, at, note);

export interface AdminAddress {
  personId: number;
  lang: string;
  facilityId: number | null;
  kind: "email" | "mobile";
  value: string;
}

/**
 * Whom a report notifies, one address each: the admins and delegates of the
 * reporter's facilities (network admins when the reporter has none), by email
 * where they have one, else by SMS. Never the reporter themselves.
 */
export async function reportRecipients(db: D1Database, facilityIds: number[], reporterId: number): Promise<AdminAddress[]> {
  const { results } = await db
    .prepare(
      `WITH admins AS (
         SELECT m.person_id, MIN(m.facility_id) AS facility_id FROM memberships m JOIN people p ON p.id = m.person_id
         WHERE ?1 != '[]' AND m.role IN ('admin','delegate') AND m.removed_at IS NULL AND p.removed_at IS NULL
           AND m.facility_id IN (SELECT value FROM json_each(?1)) GROUP BY m.person_id
         UNION ALL
         SELECT p.id, NULL FROM people p WHERE ?1 = '[]' AND p.global_role = 'network_admin' AND p.removed_at IS NULL
       )
       SELECT a.person_id, a.facility_id, p.lang, c.kind, c.value FROM admins a JOIN people p ON p.id = a.person_id
       JOIN contacts c ON c.id = (SELECT c2.id FROM contacts c2 WHERE c2.person_id = a.person_id AND c2.kind IN ('email', 'mobile') AND c2.removed_at IS NULL ORDER BY c2.kind = 'email' DESC, c2.verified_at IS NULL, c2.id LIMIT 1)
       WHERE a.person_id != ?2 ORDER BY a.person_id LIMIT 50`,
    )
    .bind(JSON.stringify(facilityIds), reporterId)
    .all<{ person_id: number; facility_id: number | null; lang: string; kind: "email" | "mobile"; value: string }>();
  return results.map((r) => ({ personId: r.person_id, facilityId: r.facility_id, lang: r.lang, kind: r.kind, value: r.value }));
}
