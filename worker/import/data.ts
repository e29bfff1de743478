import type { FacilityRole } from "../auth/scope";
import { personIdentityOf, type PersonIdentity, type PersonRow } from "../directory/data";

/**
 * All SQL of the import. D1 allows 100 bound parameters a statement, so lookups
 * and writes go in chunks of multi-row VALUES; the writes are returned as
 * statements for one `db.batch` (one transaction: all rows or none).
 */
const MAX_PARAMS = 100;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** "(?2, ?3, ?4), (?5, ?6, ?7)" for `rows` tuples of `width`, numbered after `offset` fixed parameters. */
function tuples(rows: number, width: number, offset: number): string {
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const ps: string[] = [];
    for (let c = 0; c < width; c++) ps.push(`?${offset + r * width + c + 1}`);
    out.push(`(${ps.join(", ")})`);
  }
  return out.join(", ");
}

/** Splits `rows` into statements of at most 100 parameters: `fixed` first (?1..), then each row's tuple. */
function multiRow<R>(
  db: D1Database,
  rows: readonly R[],
  fixed: unknown[],
  width: number,
  sql: (values: string) => string,
  params: (r: R) => unknown[],
): D1PreparedStatement[] {
  const perStatement = Math.floor((MAX_PARAMS - fixed.length) / width);
  return chunk(rows, perStatement).map((part) => db.prepare(sql(tuples(part.length, width, fixed.length))).bind(...fixed, ...part.flatMap(params)));
}

const list = (n: number, offset: number) => Array.from({ length: n }, (_, i) => `?${offset + i + 1}`).join(", ");

export interface FacilityRef {
  id: number;
  name: string;
}

export async function activeFacilities(db: D1Database): Promise<FacilityRef[]> {
  const { results } = await db.prepare("SELECT id, name FROM facilities WHERE removed_at IS NULL ORDER BY id").all<FacilityRef>();
  return results;
}

export interface ContactOwner {
  value: string;
  personId: number;
  personRemoved: boolean;
}

/** Who holds each of these active email addresses or mobile numbers. */
export async function contactOwners(db: D1Database, kind: "email" | "mobile", values: string[]): Promise<Map<string, ContactOwner>> {
  const owners = new Map<string, ContactOwner>();
  for (const part of chunk(values, MAX_PARAMS - 1)) {
    const { results } = await db
      .prepare(
        `SELECT c.value, c.person_id, p.removed_at FROM contacts c JOIN people p ON p.id = c.person_id
         WHERE c.kind = ?1 AND c.removed_at IS NULL AND c.value IN (${list(part.length, 1)})`,
      )
      .bind(kind, ...part)
      .all<{ value: string; person_id: number; removed_at: number | null }>();
    for (const r of results) owners.set(r.value, { value: r.value, personId: r.person_id, personRemoved: r.removed_at !== null });
  }
  return owners;
}

/** Active people with one of these names and an active membership, with the facility of each membership. */
export async function peopleNamed(db: D1Database, names: string[]): Promise<{ personId: number; name: string; facilityId: number }[]> {
  const out: { personId: number; name: string; facilityId: number }[] = [];
  for (const part of chunk(names, MAX_PARAMS)) {
    const { results } = await db
      .prepare(
        `SELECT p.id, p.name, m.facility_id FROM people p JOIN memberships m ON m.person_id = p.id AND m.removed_at IS NULL
         WHERE p.removed_at IS NULL AND p.name IN (${list(part.length, 0)})`,
      )
      .bind(...part)
      .all<{ id: number; name: string; facility_id: number }>();
    for (const r of results) out.push({ personId: r.id, name: r.name, facilityId: r.facility_id });
  }
  return out;
}

export interface ExistingPerson extends PersonIdentity {
  removed: boolean;
  contacts: { id: number; kind: "email" | "mobile" | "phone"; value: string }[];
  memberships: { id: number; facilityId: number; role: FacilityRole }[];
}

/** The people the file matched, with their active contacts and memberships. */
export async function existingPeople(db: D1Database, ids: number[]): Promise<Map<number, ExistingPerson>> {
  const people = new Map<number, ExistingPerson>();
  for (const part of chunk(ids, MAX_PARAMS)) {
    const ps = list(part.length, 0);
    const [p, c, m] = await db.batch<Record<string, unknown>>([
      db.prepare(`SELECT id, name, kana, job, lang, global_role, removed_at FROM people WHERE id IN (${ps})`).bind(...part),
      db.prepare(`SELECT id, person_id, kind, value FROM contacts WHERE removed_at IS NULL AND person_id IN (${ps}) ORDER BY id`).bind(...part),
      db
        .prepare(
          `SELECT m.id, m.person_id, m.facility_id, m.role FROM memberships m JOIN facilities f ON f.id = m.facility_id
           WHERE m.removed_at IS NULL AND f.removed_at IS NULL AND m.person_id IN (${ps}) ORDER BY m.id`,
        )
        .bind(...part),
    ]);
    for (const r of p!.results as Pick<PersonRow, "id" | "name" | "kana" | "job" | "lang" | "global_role" | "removed_at">[])
      people.set(r.id, {
        ...personIdentityOf(r),
        removed: r.removed_at !== null,
        contacts: [],
        memberships: [],
      });
    for (const r of c!.results as { id: number; person_id: number; kind: "email" | "mobile" | "phone"; value: string }[])
      people.get(r.person_id)?.contacts.push({ id: r.id, kind: r.kind, value: r.value });
    for (const r of m!.results as { id: number; person_id: number; facility_id: number; role: FacilityRole }[])
      people.get(r.person_id)?.memberships.push({ id: r.id, facilityId: r.facility_id, role: r.role });
  }
  return people;
}

/**
 * The first id new people get. The batch inserts them with explicit ids so their
 * contacts and memberships can refer to them in the same transaction; if anyone
 * inserts a person in between, the primary key refuses the whole batch.
 */
export async function nextPersonId(db: D1Database): Promise<number> {
  const r = await db.prepare("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM people").first<{ next: number }>();
  return r?.next ?? 1;
}

export interface NewPerson {
  id: number;
  name: string;
  kana: string;
  job: string;
  lang: string;
}

export const insertPeople = (db: D1Database, rows: NewPerson[], now: number) =>
  multiRow(
    db,
    rows,
    [now],
    5,
    (v) =>
      `INSERT INTO people (id, name, kana, job, lang, created_at, updated_at) SELECT column1, column2, column3, column4, column5, ?1, ?1 FROM (VALUES ${v})`,
    (r) => [r.id, r.name, r.kana, r.job, r.lang],
  );

export interface PersonUpdate {
  id: number;
  name: string;
  kana: string;
  job: string;
  lang: string;
}

export const updatePeople = (db: D1Database, rows: PersonUpdate[], now: number) =>
  multiRow(
    db,
    rows,
    [now],
    5,
    (v) =>
      `UPDATE people SET name = v.column2, kana = v.column3, job = v.column4, lang = v.column5, updated_at = ?1 FROM (VALUES ${v}) AS v WHERE people.id = v.column1`,
    (r) => [r.id, r.name, r.kana, r.job, r.lang],
  );

export interface NewContact {
  personId: number;
  /** `phone`: a home or office number for phone checks, never texted. */
  kind: "email" | "mobile" | "phone";
  value: string;
}

export const insertContacts = (db: D1Database, rows: NewContact[], now: number) =>
  multiRow(
    db,
    rows,
    [now],
    3,
    (v) => `INSERT INTO contacts (person_id, kind, value, created_at) SELECT column1, column2, column3, ?1 FROM (VALUES ${v})`,
    (r) => [r.personId, r.kind, r.value],
  );

export const removeContacts = (db: D1Database, ids: number[], now: number) =>
  chunk(ids, MAX_PARAMS - 1).map((part) => db.prepare(`UPDATE contacts SET removed_at = ?1 WHERE id IN (${list(part.length, 1)})`).bind(now, ...part));

export interface NewMembership {
  personId: number;
  facilityId: number;
  role: FacilityRole;
}

export const insertMemberships = (db: D1Database, rows: NewMembership[], actorId: number, now: number) =>
  multiRow(
    db,
    rows,
    [now, actorId],
    3,
    (v) =>
      `INSERT INTO memberships (person_id, facility_id, role, appointed_by, created_at)
       SELECT column1, column2, column3, CASE WHEN column3 = 'staff' THEN NULL ELSE ?2 END, ?1 FROM (VALUES ${v})`,
    (r) => [r.personId, r.facilityId, r.role],
  );

export const updateMembershipRoles = (db: D1Database, rows: { id: number; role: FacilityRole }[], actorId: number) =>
  multiRow(
    db,
    rows,
    [actorId],
    2,
    (v) =>
      `UPDATE memberships SET role = v.column2, appointed_by = CASE WHEN v.column2 = 'staff' THEN NULL ELSE ?1 END FROM (VALUES ${v}) AS v WHERE memberships.id = v.column1`,
    (r) => [r.id, r.role],
  );

/** New members join their facility's group; new people join the network group (the network admin's 全体グループ). */
export const joinFacilityGroups = (db: D1Database, rows: { personId: number; facilityId: number }[], actorId: number, now: number) =>
  multiRow(
    db,
    rows,
    [now, actorId],
    2,
    (v) =>
      `INSERT OR IGNORE INTO group_members (group_id, person_id, role, added_by, created_at)
       SELECT g.id, v.column1, 'member', ?2, ?1 FROM (VALUES ${v}) AS v
       JOIN groups g ON g.kind = 'facility' AND g.facility_id = v.column2 AND g.closed_at IS NULL`,
    (r) => [r.personId, r.facilityId],
  );

export const joinNetworkGroup = (db: D1Database, personIds: number[], actorId: number, now: number) =>
  multiRow(
    db,
    personIds,
    [now, actorId],
    1,
    (v) =>
      `INSERT OR IGNORE INTO group_members (group_id, person_id, role, added_by, created_at)
       SELECT g.id, v.column1, 'member', ?2, ?1 FROM (VALUES ${v}) AS v JOIN groups g ON g.kind = 'network' AND g.closed_at IS NULL`,
    (id) => [id],
  );
