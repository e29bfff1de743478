import { badRequest, jaEn } from "../lib/errors";
import type { FacilityRole, GlobalRole } from "../auth/scope";
import { normalizeKana } from "./contact";
import { kanaKey, nameKey } from "./names";
import { FACILITY_TYPE_LABELS, type Facility, type FacilityType, type Group } from "./schemas";

/**
 * All SQL of the directory. Lists are ordered by reading (kana, id) and paged with a
 * cursor on that pair, so a page costs an index range, not an OFFSET walk.
 * List queries are built here as `{ sql, binds }` so a test can EXPLAIN them.
 */

export interface Query {
  sql: string;
  binds: unknown[];
}

/** Numbered `?n` parameters for a query assembled from optional parts. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `?${this.values.length}`;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms == null ? null : iso(ms));

/** The first string after every string that starts with `prefix` (UTF-8 byte order = code point order). */
function prefixEnd(prefix: string): string {
  const cps = [...prefix];
  const last = cps.pop()!;
  return cps.join("") + String.fromCodePoint(last.codePointAt(0)! + 1);
}

/** `name` starts with `q`, as an index range. */
function prefixRange(p: Params, column: string, q: string): string {
  return `(${column} >= ${p.add(q)} AND ${column} < ${p.add(prefixEnd(q))})`;
}

export interface Cursor {
  kana: string;
  id: number;
}

export function encodeCursor(c: Cursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify([c.kana, c.id]));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(raw: string | undefined): Cursor | null {
  if (!raw) return null;
  try {
    const bin = atob(raw.replace(/-/g, "+").replace(/_/g, "/"));
    const v: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0))));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && Number.isInteger(v[1])) return { kana: v[0], id: v[1] as number };
  } catch {
    // fall through to the 400 below
  }
  throw badRequest("cursor", jaEn("この続きの位置（cursor）は正しくありません。", "This cursor is not one the API gave out."));
}

/** Keyset: rows after the cursor in (kana, id) order. */
function afterCursor(p: Params, alias: string, c: Cursor | null): string | null {
  return c ? `(${alias}.kana, ${alias}.id) > (${p.add(c.kana)}, ${p.add(c.id)})` : null;
}

const where = (parts: (string | null)[]) => {
  const live = parts.filter((x): x is string => !!x);
  return live.length ? `WHERE ${live.join(" AND ")}` : "";
};

/**
 * Ids for new rows, chosen before the batch so that the row, its related rows and
 * its audit entry all go into one `db.batch`. Rows are never deleted, so MAX+1 is
 * never reused; two writers racing for one id fail the later batch as a whole,
 * which `isIdRace` recognises and the caller retries.
 */
export async function nextIds(db: D1Database, table: "facilities" | "people" | "groups"): Promise<number> {
  const r = await db.prepare(`SELECT COALESCE(MAX(id), 0) + 1 AS next FROM ${table}`).first<{ next: number }>();
  return r!.next;
}

export { isIdRace, isUniqueViolation } from "../lib/d1-errors";

// ---------------------------------------------------------------- facilities

/** A facility row: the new facility's columns (all one-word names), and the ones the database keeps. */
interface FacilityRow extends NewFacility {
  id: number;
  group_id: number | null;
  created_at: number;
  updated_at: number;
  removed_at: number | null;
}

const toFacility = (r: FacilityRow): Facility => ({
  id: r.id,
  type: r.type,
  typeLabel: FACILITY_TYPE_LABELS[r.type],
  name: r.name,
  kana: r.kana,
  address: r.address,
  district: r.district,
  phone: r.phone,
  lat: r.lat,
  lng: r.lng,
  groupId: r.group_id,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  removedAt: isoOrNull(r.removed_at),
});

const FACILITY_COLUMNS = `f.id, f.type, f.name, f.kana, f.address, f.district, f.phone, f.lat, f.lng, f.created_at, f.updated_at, f.removed_at,
  (SELECT g.id FROM groups g WHERE g.facility_id = f.id AND g.kind = 'facility') AS group_id`;

export async function findFacility(db: D1Database, id: number): Promise<Facility | null> {
  const r = await db.prepare(`SELECT ${FACILITY_COLUMNS} FROM facilities f WHERE f.id = ?1`).bind(id).first<FacilityRow>();
  return r ? toFacility(r) : null;
}

/** Every active facility's id and name (a city has a few thousand at most). */
export async function activeFacilityNames(db: D1Database): Promise<{ id: number; name: string }[]> {
  const { results } = await db.prepare("SELECT id, name FROM facilities WHERE removed_at IS NULL ORDER BY id").all<{ id: number; name: string }>();
  return results;
}

export interface FacilityFilter {
  type?: FacilityType;
  district?: string;
  /** Already normalized: spaces collapsed. */
  q?: string;
  /** `q` as a reading: katakana. */
  qKana?: string;
  includeRemoved: boolean;
  limit: number;
  cursor: Cursor | null;
}

function facilityConditions(p: Params, f: FacilityFilter): (string | null)[] {
  return [
    f.includeRemoved ? null : "f.removed_at IS NULL",
    f.type ? `f.type = ${p.add(f.type)}` : null,
    f.district ? `f.district = ${p.add(f.district)}` : null,
    f.q ? `(${prefixRange(p, "f.name", f.q)} OR ${prefixRange(p, "f.kana", f.qKana || f.q)})` : null,
  ];
}

/** A page of `table` (aliased `a`) in kana order after the cursor, one more row than the limit to tell if more follow. */
function kanaPageQuery(table: string, a: string, columns: string, conditions: (p: Params) => (string | null)[], cursor: Cursor | null, limit: number): Query {
  const p = new Params();
  const conds = [...conditions(p), afterCursor(p, a, cursor)];
  return { sql: `SELECT ${columns} FROM ${table} ${a} ${where(conds)} ORDER BY ${a}.kana, ${a}.id LIMIT ${p.add(limit + 1)}`, binds: p.values };
}

/** How many rows of `table` meet the same conditions as its pages. */
function countQuery(table: string, a: string, conditions: (p: Params) => (string | null)[]): Query {
  const p = new Params();
  return { sql: `SELECT COUNT(*) AS n FROM ${table} ${a} ${where(conditions(p))}`, binds: p.values };
}

export const facilityListQuery = (f: FacilityFilter): Query =>
  kanaPageQuery("facilities", "f", FACILITY_COLUMNS, (p) => facilityConditions(p, f), f.cursor, f.limit);
export const facilityCountQuery = (f: FacilityFilter): Query => countQuery("facilities", "f", (p) => facilityConditions(p, f));

/**
 * Runs a page query (LIMIT limit + 1) and its count in one batch; answers the page,
 * the total and the cursor after the page's last row (kana, id), if more follow.
 */
async function keysetPage<R, T>(
  db: D1Database,
  list: Query,
  count: Query,
  limit: number,
  map: (row: R) => T,
  key: (item: T) => Cursor,
): Promise<{ items: T[]; total: number; nextCursor: Cursor | null }> {
  const [rows, n] = await db.batch([db.prepare(list.sql).bind(...list.binds), db.prepare(count.sql).bind(...count.binds)]);
  const items = (rows!.results as R[]).map(map);
  const more = items.length > limit;
  if (more) items.pop();
  const last = items[items.length - 1];
  return { items, total: (n!.results[0] as { n: number }).n, nextCursor: more && last ? key(last) : null };
}

export async function listFacilities(db: D1Database, f: FacilityFilter): Promise<{ items: Facility[]; total: number; nextCursor: Cursor | null }> {
  return keysetPage(db, facilityListQuery(f), facilityCountQuery(f), f.limit, toFacility, (x: Facility) => ({ kana: x.kana, id: x.id }));
}

export interface NewFacility {
  type: FacilityType;
  name: string;
  kana: string;
  address: string;
  district: string;
  phone: string | null;
  lat: number | null;
  lng: number | null;
}

export const insertFacility = (db: D1Database, id: number, f: NewFacility, now: number) =>
  db
    .prepare(
      `INSERT INTO facilities (id, type, name, kana, address, district, phone, lat, lng, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)`,
    )
    .bind(id, f.type, f.name, f.kana, f.address, f.district, f.phone, f.lat, f.lng, now);

/** The facility's group (事業所グループ), created with the facility. */
export const insertFacilityGroup = (db: D1Database, groupId: number, facilityId: number, name: string, now: number) =>
  db.prepare("INSERT INTO groups (id, kind, name, facility_id, created_at) VALUES (?1, 'facility', ?2, ?3, ?4)").bind(groupId, name, facilityId, now);

export const updateFacility = (db: D1Database, id: number, f: NewFacility, now: number) =>
  db
    .prepare(
      `UPDATE facilities SET type = ?2, name = ?3, kana = ?4, address = ?5, district = ?6, phone = ?7, lat = ?8, lng = ?9, updated_at = ?10
       WHERE id = ?1 AND removed_at IS NULL`,
    )
    .bind(id, f.type, f.name, f.kana, f.address, f.district, f.phone, f.lat, f.lng, now);

/** The facility group keeps the facility's name. */
export const renameFacilityGroup = (db: D1Database, facilityId: number, name: string) =>
  db.prepare("UPDATE groups SET name = ?2 WHERE facility_id = ?1 AND kind = 'facility'").bind(facilityId, name);

/** Removing a facility: the row stays (history), its memberships and its group end. */
export function removeFacilityStatements(db: D1Database, id: number, now: number): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE facilities SET removed_at = ?2, updated_at = ?2 WHERE id = ?1 AND removed_at IS NULL").bind(id, now),
    db.prepare("UPDATE memberships SET removed_at = ?2 WHERE facility_id = ?1 AND removed_at IS NULL").bind(id, now),
    db
      .prepare(
        "UPDATE group_members SET removed_at = ?2 WHERE removed_at IS NULL AND group_id IN (SELECT id FROM groups WHERE facility_id = ?1 AND kind = 'facility')",
      )
      .bind(id, now),
    db.prepare("UPDATE groups SET closed_at = ?2 WHERE facility_id = ?1 AND kind = 'facility' AND closed_at IS NULL").bind(id, now),
  ];
}

// ---------------------------------------------------------------- people

export interface PersonRecord {
  id: number;
  name: string;
  kana: string;
  job: string;
  lang: string;
  globalRole: GlobalRole | null;
  photoKey: string | null;
  createdAt: number;
  updatedAt: number;
  removedAt: number | null;
}

export interface PersonRow {
  id: number;
  name: string;
  kana: string;
  job: string;
  lang: string;
  global_role: GlobalRole | null;
  photo_key: string | null;
  created_at: number;
  updated_at: number;
  removed_at: number | null;
}

/** Who a person is (name, reading, job, language, global role): what every read of a person maps alike, the import's included. */
export type PersonIdentity = Pick<PersonRecord, "id" | "name" | "kana" | "job" | "lang" | "globalRole">;

export const personIdentityOf = (r: Pick<PersonRow, "id" | "name" | "kana" | "job" | "lang" | "global_role">): PersonIdentity => ({
  id: r.id,
  name: r.name,
  kana: r.kana,
  job: r.job,
  lang: r.lang,
  globalRole: r.global_role,
});

const toPerson = (r: PersonRow): PersonRecord => ({
  ...personIdentityOf(r),
  photoKey: r.photo_key,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  removedAt: r.removed_at,
});

const PERSON_COLUMNS = "p.id, p.name, p.kana, p.job, p.lang, p.global_role, p.photo_key, p.created_at, p.updated_at, p.removed_at";

export async function findPerson(db: D1Database, id: number): Promise<PersonRecord | null> {
  const r = await db.prepare(`SELECT ${PERSON_COLUMNS} FROM people p WHERE p.id = ?1`).bind(id).first<PersonRow>();
  return r ? toPerson(r) : null;
}

export interface PersonMembership {
  facilityId: number;
  facilityName: string;
  facilityType: FacilityType;
  role: FacilityRole;
}

/** Active memberships in active facilities, for a page of people. */
export async function membershipsOf(db: D1Database, personIds: number[]): Promise<Map<number, PersonMembership[]>> {
  const out = new Map<number, PersonMembership[]>();
  if (!personIds.length) return out;
  const { results } = await db
    .prepare(
      `SELECT m.person_id, m.facility_id, f.name, f.type, m.role FROM memberships m JOIN facilities f ON f.id = m.facility_id
       WHERE m.person_id IN (SELECT value FROM json_each(?1)) AND m.removed_at IS NULL AND f.removed_at IS NULL ORDER BY m.id`,
    )
    .bind(JSON.stringify(personIds))
    .all<{ person_id: number; facility_id: number; name: string; type: FacilityType; role: FacilityRole }>();
  for (const r of results) {
    const list = out.get(r.person_id) ?? [];
    list.push({ facilityId: r.facility_id, facilityName: r.name, facilityType: r.type, role: r.role });
    out.set(r.person_id, list);
  }
  return out;
}

export interface Contacts {
  email: string | null;
  mobile: string | null;
  /** Home or office numbers for phone checks (E.164): called, never texted. */
  phones: string[];
}

export async function contactsOf(db: D1Database, personIds: number[]): Promise<Map<number, Contacts>> {
  const out = new Map<number, Contacts>();
  if (!personIds.length) return out;
  const { results } = await db
    .prepare("SELECT person_id, kind, value FROM contacts WHERE person_id IN (SELECT value FROM json_each(?1)) AND removed_at IS NULL ORDER BY id")
    .bind(JSON.stringify(personIds))
    .all<{ person_id: number; kind: "email" | "mobile" | "phone"; value: string }>();
  for (const id of personIds) out.set(id, { email: null, mobile: null, phones: [] });
  for (const r of results) {
    const c = out.get(r.person_id)!;
    if (r.kind === "phone") c.phones.push(r.value);
    else c[r.kind] = r.value;
  }
  return out;
}

/** Who holds an email or mobile now (one account per address, §5 §6). */
export async function contactHolder(db: D1Database, kind: "email" | "mobile", value: string): Promise<number | null> {
  const r = await db
    .prepare("SELECT person_id FROM contacts WHERE kind = ?1 AND value = ?2 AND removed_at IS NULL")
    .bind(kind, value)
    .first<{ person_id: number }>();
  return r?.person_id ?? null;
}

/**
 * What the caller may see of people. `all`: network admin and city viewer (names
 * only for the viewer). Otherwise themselves, members of their facilities, and
 * members of their facility and custom groups.
 */
export type Reach = { all: true } | { all: false; selfId: number; facilityIds: number[]; groupIds: number[] };

export interface PeopleFilter {
  reach: Reach;
  /** Spaces collapsed. */
  q?: string;
  qKana?: string;
  facilityId?: number;
  role?: FacilityRole;
  job?: string;
  includeRemoved: boolean;
  limit: number;
  cursor: Cursor | null;
}

function reachCondition(p: Params, reach: Reach, alias: string): string | null {
  if (reach.all) return null;
  return `${alias}.id IN (
    SELECT m.person_id FROM memberships m WHERE m.facility_id IN (SELECT value FROM json_each(${p.add(JSON.stringify(reach.facilityIds))})) AND m.removed_at IS NULL
    UNION SELECT gm.person_id FROM group_members gm WHERE gm.group_id IN (SELECT value FROM json_each(${p.add(JSON.stringify(reach.groupIds))})) AND gm.removed_at IS NULL
    UNION SELECT ${p.add(reach.selfId)})`;
}

function peopleConditions(p: Params, f: PeopleFilter): (string | null)[] {
  let membership: string | null = null;
  if (f.facilityId)
    membership = `p.id IN (SELECT m.person_id FROM memberships m WHERE m.facility_id = ${p.add(f.facilityId)} AND m.removed_at IS NULL${f.role ? ` AND m.role = ${p.add(f.role)}` : ""})`;
  else if (f.role) membership = `p.id IN (SELECT m.person_id FROM memberships m WHERE m.role = ${p.add(f.role)} AND m.removed_at IS NULL)`;
  return [
    f.includeRemoved ? null : "p.removed_at IS NULL",
    reachCondition(p, f.reach, "p"),
    membership,
    f.job ? `p.job = ${p.add(f.job)}` : null,
    f.q ? peopleSearch(p, f.q, f.qKana || f.q) : null,
  ];
}

/**
 * The start of the name or the reading, 異体字 and spaces folded (names.ts): index ranges on
 * people.name_key and kana_key (migration 0014). A name typed in ひらがな also finds one
 * written in katakana (グエン for ぐえん).
 */
function peopleSearch(p: Params, q: string, qKana: string): string {
  const names = [...new Set([nameKey(q), nameKey(normalizeKana(q))])].filter(Boolean);
  const ranges = names.map((k) => prefixRange(p, "p.name_key", k));
  const kana = kanaKey(qKana);
  if (kana) ranges.push(prefixRange(p, "p.kana_key", kana));
  return ranges.length ? `(${ranges.join(" OR ")})` : "0";
}

export const peopleListQuery = (f: PeopleFilter): Query => kanaPageQuery("people", "p", PERSON_COLUMNS, (p) => peopleConditions(p, f), f.cursor, f.limit);
export const peopleCountQuery = (f: PeopleFilter): Query => countQuery("people", "p", (p) => peopleConditions(p, f));

export async function listPeople(db: D1Database, f: PeopleFilter): Promise<{ items: PersonRecord[]; total: number; nextCursor: Cursor | null }> {
  return keysetPage(db, peopleListQuery(f), peopleCountQuery(f), f.limit, toPerson, (x: PersonRecord) => ({ kana: x.kana, id: x.id }));
}

/** Whether `personId` is within the caller's reach (one person, same rule as lists). */
export async function withinReach(db: D1Database, reach: Reach, personId: number): Promise<boolean> {
  if (reach.all) return true;
  const p = new Params();
  const sql = `SELECT 1 AS ok FROM people p WHERE p.id = ${p.add(personId)} AND ${reachCondition(p, reach, "p")!}`;
  return !!(await db
    .prepare(sql)
    .bind(...p.values)
    .first());
}

export interface NewPerson {
  name: string;
  kana: string;
  job: string;
  lang: string;
  globalRole: GlobalRole | null;
}

export const insertPerson = (db: D1Database, id: number, p: NewPerson, now: number) =>
  db
    .prepare("INSERT INTO people (id, name, kana, job, lang, global_role, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)")
    .bind(id, p.name, p.kana, p.job, p.lang, p.globalRole, now);

export const updatePerson = (db: D1Database, id: number, p: NewPerson, now: number) =>
  db
    .prepare("UPDATE people SET name = ?2, kana = ?3, job = ?4, lang = ?5, global_role = ?6, updated_at = ?7 WHERE id = ?1 AND removed_at IS NULL")
    .bind(id, p.name, p.kana, p.job, p.lang, p.globalRole, now);

export const insertContact = (db: D1Database, personId: number, kind: "email" | "mobile", value: string, now: number) =>
  db.prepare("INSERT INTO contacts (person_id, kind, value, created_at) VALUES (?1, ?2, ?3, ?4)").bind(personId, kind, value, now);

/** Ends the current address of a kind; the row stays as history and the address is free again. */
export const releaseContact = (db: D1Database, personId: number, kind: "email" | "mobile", now: number) =>
  db.prepare("UPDATE contacts SET removed_at = ?3 WHERE person_id = ?1 AND kind = ?2 AND removed_at IS NULL").bind(personId, kind, now);

/**
 * Deregistration (§5): the person row stays for history; access, memberships, group
 * memberships, sessions and push subscriptions end; addresses are released for reuse.
 */
export function removePersonStatements(db: D1Database, id: number, now: number): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE people SET removed_at = ?2, updated_at = ?2 WHERE id = ?1 AND removed_at IS NULL").bind(id, now),
    db.prepare("UPDATE memberships SET removed_at = ?2 WHERE person_id = ?1 AND removed_at IS NULL").bind(id, now),
    db.prepare("UPDATE group_members SET removed_at = ?2 WHERE person_id = ?1 AND removed_at IS NULL").bind(id, now),
    db.prepare("UPDATE contacts SET removed_at = ?2 WHERE person_id = ?1 AND removed_at IS NULL").bind(id, now),
    db.prepare("UPDATE sessions SET revoked_at = ?2 WHERE person_id = ?1 AND revoked_at IS NULL").bind(id, now),
    db.prepare("UPDATE push_subscriptions SET revoked_at = ?2 WHERE person_id = ?1 AND revoked_at IS NULL").bind(id, now),
  ];
}

// ---------------------------------------------------------------- memberships

export interface MembershipRecord {
  id: number;
  personId: number;
  facilityId: number;
  role: FacilityRole;
  appointedBy: number | null;
  createdAt: number;
}

export async function activeMembership(db: D1Database, personId: number, facilityId: number): Promise<MembershipRecord | null> {
  const r = await db
    .prepare(
      "SELECT id, person_id, facility_id, role, appointed_by, created_at FROM memberships WHERE person_id = ?1 AND facility_id = ?2 AND removed_at IS NULL",
    )
    .bind(personId, facilityId)
    .first<{ id: number; person_id: number; facility_id: number; role: FacilityRole; appointed_by: number | null; created_at: number }>();
  return r ? { id: r.id, personId: r.person_id, facilityId: r.facility_id, role: r.role, appointedBy: r.appointed_by, createdAt: r.created_at } : null;
}

/** A new membership; the person joins the facility's group with it. */
export function addMembershipStatements(
  db: D1Database,
  personId: number,
  facilityId: number,
  role: FacilityRole,
  appointedBy: number,
  now: number,
): D1PreparedStatement[] {
  return [
    db
      .prepare("INSERT INTO memberships (person_id, facility_id, role, appointed_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
      .bind(personId, facilityId, role, appointedBy, now),
    db
      .prepare(
        `INSERT OR IGNORE INTO group_members (group_id, person_id, role, added_by, created_at)
         SELECT g.id, ?1, 'member', ?3, ?4 FROM groups g WHERE g.facility_id = ?2 AND g.kind = 'facility' AND g.closed_at IS NULL`,
      )
      .bind(personId, facilityId, appointedBy, now),
  ];
}

/** A role change is recorded as a new membership row, so who appointed whom and when stays in the history. */
export function changeRoleStatements(db: D1Database, m: MembershipRecord, role: FacilityRole, appointedBy: number, now: number): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE memberships SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL").bind(m.id, now),
    db
      .prepare("INSERT INTO memberships (person_id, facility_id, role, appointed_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
      .bind(m.personId, m.facilityId, role, appointedBy, now),
  ];
}

/** Ending a membership also takes the person out of the facility's group. */
export function endMembershipStatements(db: D1Database, personId: number, facilityId: number, now: number): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE memberships SET removed_at = ?3 WHERE person_id = ?1 AND facility_id = ?2 AND removed_at IS NULL").bind(personId, facilityId, now),
    db
      .prepare(
        `UPDATE group_members SET removed_at = ?3 WHERE person_id = ?1 AND removed_at IS NULL
         AND group_id IN (SELECT id FROM groups WHERE facility_id = ?2 AND kind = 'facility')`,
      )
      .bind(personId, facilityId, now),
  ];
}

// ---------------------------------------------------------------- groups

interface GroupRow {
  id: number;
  kind: Group["kind"];
  name: string;
  facility_id: number | null;
  owner_id: number | null;
  created_at: number;
  closed_at: number | null;
}

const toGroup = (r: GroupRow): Group => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  facilityId: r.facility_id,
  ownerId: r.owner_id,
  createdAt: iso(r.created_at),
  closedAt: isoOrNull(r.closed_at),
});

const GROUP_COLUMNS = "g.id, g.kind, g.name, g.facility_id, g.owner_id, g.created_at, g.closed_at";

export async function findGroup(db: D1Database, id: number): Promise<Group | null> {
  const r = await db.prepare(`SELECT ${GROUP_COLUMNS} FROM groups g WHERE g.id = ?1`).bind(id).first<GroupRow>();
  return r ? toGroup(r) : null;
}

/**
 * The network group. Migration 0004 creates it; the insert here only matters for a
 * database that somehow lacks it (the unique index keeps it to one).
 */
export async function networkGroup(db: D1Database, now: number): Promise<Group> {
  const [, row] = await db.batch([
    db.prepare("INSERT OR IGNORE INTO groups (kind, name, created_at) VALUES ('network', '全体グループ', ?1)").bind(now),
    db.prepare(`SELECT ${GROUP_COLUMNS} FROM groups g WHERE g.kind = 'network'`),
  ]);
  return toGroup(row!.results[0] as GroupRow);
}

/** Joins a new person to the network group (全体グループ). */
export const joinNetworkGroup = (db: D1Database, personId: number, addedBy: number, now: number) =>
  db
    .prepare(
      `INSERT OR IGNORE INTO group_members (group_id, person_id, role, added_by, created_at)
       SELECT g.id, ?1, 'member', ?2, ?3 FROM groups g WHERE g.kind = 'network' AND g.closed_at IS NULL`,
    )
    .bind(personId, addedBy, now);

/** Open groups the person is an active member of, with their role there. */
export async function groupsOfPerson(db: D1Database, personId: number): Promise<{ group: Group; role: "owner" | "member" }[]> {
  const { results } = await db
    .prepare(
      `SELECT ${GROUP_COLUMNS}, gm.role AS member_role FROM group_members gm JOIN groups g ON g.id = gm.group_id
       WHERE gm.person_id = ?1 AND gm.removed_at IS NULL AND g.closed_at IS NULL ORDER BY g.id`,
    )
    .bind(personId)
    .all<GroupRow & { member_role: "owner" | "member" }>();
  return results.map((r) => ({ group: toGroup(r), role: r.member_role }));
}

export async function listGroups(
  db: D1Database,
  f: { kind?: Group["kind"]; includeClosed: boolean; ids?: number[]; facilityIds?: number[] },
): Promise<Group[]> {
  const p = new Params();
  const conds = [
    f.includeClosed ? null : "g.closed_at IS NULL",
    f.kind ? `g.kind = ${p.add(f.kind)}` : null,
    f.ids ? `g.id IN (SELECT value FROM json_each(${p.add(JSON.stringify(f.ids))}))` : null,
    f.facilityIds ? `g.facility_id IN (SELECT value FROM json_each(${p.add(JSON.stringify(f.facilityIds))}))` : null,
  ];
  const { results } = await db
    .prepare(`SELECT ${GROUP_COLUMNS} FROM groups g ${where(conds)} ORDER BY g.kind, g.name, g.id LIMIT 1000`)
    .bind(...p.values)
    .all<GroupRow>();
  return results.map(toGroup);
}

export async function groupMembership(db: D1Database, groupId: number, personId: number): Promise<"owner" | "member" | null> {
  const r = await db
    .prepare("SELECT role FROM group_members WHERE group_id = ?1 AND person_id = ?2 AND removed_at IS NULL")
    .bind(groupId, personId)
    .first<{ role: "owner" | "member" }>();
  return r?.role ?? null;
}

export function insertCustomGroupStatements(db: D1Database, id: number, name: string, ownerId: number, now: number): D1PreparedStatement[] {
  return [
    db.prepare("INSERT INTO groups (id, kind, name, owner_id, created_at) VALUES (?1, 'custom', ?2, ?3, ?4)").bind(id, name, ownerId, now),
    db.prepare("INSERT INTO group_members (group_id, person_id, role, added_by, created_at) VALUES (?1, ?2, 'owner', ?2, ?3)").bind(id, ownerId, now),
  ];
}

export const renameGroup = (db: D1Database, id: number, name: string) =>
  db.prepare("UPDATE groups SET name = ?2 WHERE id = ?1 AND closed_at IS NULL").bind(id, name);

/** Closing keeps the rows (history) and ends every membership. */
export function closeGroupStatements(db: D1Database, id: number, now: number): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE groups SET closed_at = ?2 WHERE id = ?1 AND closed_at IS NULL").bind(id, now),
    db.prepare("UPDATE group_members SET removed_at = ?2 WHERE group_id = ?1 AND removed_at IS NULL").bind(id, now),
  ];
}

export const addGroupMember = (db: D1Database, groupId: number, personId: number, addedBy: number, now: number) =>
  db
    .prepare("INSERT INTO group_members (group_id, person_id, role, added_by, created_at) VALUES (?1, ?2, 'member', ?3, ?4)")
    .bind(groupId, personId, addedBy, now);

export const removeGroupMember = (db: D1Database, groupId: number, personId: number, now: number) =>
  db.prepare("UPDATE group_members SET removed_at = ?3 WHERE group_id = ?1 AND person_id = ?2 AND removed_at IS NULL").bind(groupId, personId, now);

export interface GroupMemberRecord {
  personId: number;
  name: string;
  kana: string;
  job: string;
  photoKey: string | null;
  role: "owner" | "member";
  joinedAt: number;
}

export function groupMembersQuery(groupId: number, reach: Reach, limit: number, cursor: Cursor | null): Query {
  const p = new Params();
  const conds = [`gm.group_id = ${p.add(groupId)}`, "gm.removed_at IS NULL", "p.removed_at IS NULL", reachCondition(p, reach, "p")];
  const from = `FROM group_members gm JOIN people p ON p.id = gm.person_id ${where(conds)}`;
  const after = afterCursor(p, "p", cursor);
  return {
    sql: `SELECT p.id, p.name, p.kana, p.job, p.photo_key, gm.role, gm.created_at ${from}${after ? ` AND ${after}` : ""} ORDER BY p.kana, p.id LIMIT ${p.add(limit + 1)}`,
    binds: p.values,
  };
}

export async function listGroupMembers(
  db: D1Database,
  groupId: number,
  reach: Reach,
  limit: number,
  cursor: Cursor | null,
): Promise<{ items: GroupMemberRecord[]; total: number; nextCursor: Cursor | null }> {
  const list = groupMembersQuery(groupId, reach, limit, cursor);
  const countP = new Params();
  const countSql = `SELECT COUNT(*) AS n FROM group_members gm JOIN people p ON p.id = gm.person_id ${where([
    `gm.group_id = ${countP.add(groupId)}`,
    "gm.removed_at IS NULL",
    "p.removed_at IS NULL",
    reachCondition(countP, reach, "p"),
  ])}`;
  return keysetPage(
    db,
    list,
    { sql: countSql, binds: countP.values },
    limit,
    (r: { id: number; name: string; kana: string; job: string; photo_key: string | null; role: "owner" | "member"; created_at: number }) => ({
      personId: r.id,
      name: r.name,
      kana: r.kana,
      job: r.job,
      photoKey: r.photo_key,
      role: r.role,
      joinedAt: r.created_at,
    }),
    (x) => ({ kana: x.kana, id: x.personId }),
  );
}

/** Everyone now in any of these open groups (for roll-call scopes). */
export async function activeGroupMemberIds(db: D1Database, groupIds: number[]): Promise<number[]> {
  if (!groupIds.length) return [];
  const { results } = await db
    .prepare(
      `SELECT DISTINCT gm.person_id FROM group_members gm JOIN groups g ON g.id = gm.group_id JOIN people p ON p.id = gm.person_id
       WHERE gm.group_id IN (SELECT value FROM json_each(?1)) AND gm.removed_at IS NULL AND g.closed_at IS NULL AND p.removed_at IS NULL`,
    )
    .bind(JSON.stringify(groupIds))
    .all<{ person_id: number }>();
  return results.map((r) => r.person_id);
}
