import type { FacilityType } from "../directory/schemas";
import { CARE_LEVELS, NEED_FLAGS, type CareLevel, type NeedFlag, type Needs } from "./needs";
import type { ConsentType, PatientRole } from "./schemas";

/** All SQL of patient groups (tables of migration 0015: patients, patient_facilities, patient_members, patient_posts). */

const NEED_COLUMNS: Readonly<Record<NeedFlag, string>> = {
  ventilator: "ventilator",
  oxygen: "oxygen",
  suction: "suction",
  poweredDevice: "powered_device",
  dialysis: "dialysis",
  insulin: "insulin",
  bedridden: "bedridden",
  livesAlone: "lives_alone",
  evacuationList: "evacuation_list",
};

export interface PatientRecord {
  id: number;
  name: string;
  kana: string;
  birthDate: string | null;
  address: string;
  district: string;
  phone: string | null;
  needs: Needs;
  consent: {
    givenOn: string;
    toId: number;
    toName: string;
    recordedById: number;
    recordedByName: string;
    recordedAt: number;
    key: string | null;
    type: ConsentType | null;
    bytes: number | null;
    uploadedAt: number | null;
  };
  physicianId: number;
  physicianName: string;
  openedBy: number;
  openedByName: string;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
}

type Row = Record<string, string | number | null>;

const num = (v: string | number | null) => (v === null ? null : Number(v));
const str = (v: string | number | null) => (v === null ? "" : String(v));

function needsOf(r: Row): Needs {
  const flags = Object.fromEntries(NEED_FLAGS.map((k) => [k, r[NEED_COLUMNS[k]] === 1])) as Record<NeedFlag, boolean>;
  return {
    ...flags,
    batteryHours: num(r.battery_hours ?? null),
    careLevel: (r.care_level as CareLevel | null) ?? null,
    evacuationPlace: str(r.evacuation_place ?? null),
  };
}

const toPatient = (r: Row): PatientRecord => ({
  id: Number(r.id),
  name: str(r.name!),
  kana: str(r.kana!),
  birthDate: (r.birth_date as string | null) ?? null,
  address: str(r.address!),
  district: str(r.district!),
  phone: (r.phone as string | null) ?? null,
  needs: needsOf(r),
  consent: {
    givenOn: str(r.consent_given_on!),
    toId: Number(r.consent_to),
    toName: str(r.consent_to_name ?? null),
    recordedById: Number(r.consent_recorded_by),
    recordedByName: str(r.consent_recorded_by_name ?? null),
    recordedAt: Number(r.consent_recorded_at),
    key: (r.consent_key as string | null) ?? null,
    type: (r.consent_type as ConsentType | null) ?? null,
    bytes: num(r.consent_bytes ?? null),
    uploadedAt: num(r.consent_uploaded_at ?? null),
  },
  physicianId: Number(r.physician_id),
  physicianName: str(r.physician_name ?? null),
  openedBy: Number(r.opened_by),
  openedByName: str(r.opened_by_name ?? null),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  closedAt: num(r.closed_at ?? null),
});

const SELECT_PATIENT = `SELECT pt.*, ph.name AS physician_name, ob.name AS opened_by_name, ct.name AS consent_to_name, cr.name AS consent_recorded_by_name
  FROM patients pt JOIN people ph ON ph.id = pt.physician_id JOIN people ob ON ob.id = pt.opened_by
  JOIN people ct ON ct.id = pt.consent_to JOIN people cr ON cr.id = pt.consent_recorded_by`;

/** One patient group, open or closed (the rules decide who learns of it). */
export async function findPatient(db: D1Database, id: number): Promise<PatientRecord | null> {
  const r = await db.prepare(`${SELECT_PATIENT} WHERE pt.id = ?1`).bind(id).first<Row>();
  return r ? toPatient(r) : null;
}

export async function nextPatientId(db: D1Database): Promise<number> {
  const r = await db.prepare("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM patients").first<{ id: number }>();
  return r!.id;
}

export async function nextPostId(db: D1Database): Promise<number> {
  const r = await db.prepare("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM patient_posts").first<{ id: number }>();
  return r!.id;
}

export const isIdRace = (err: unknown, table: "patients" | "patient_posts"): boolean =>
  err instanceof Error && err.message.includes("UNIQUE constraint failed") && err.message.includes(`${table}.id`);

export const isUniqueViolation = (err: unknown, what: string): boolean =>
  err instanceof Error && err.message.includes("UNIQUE constraint failed") && err.message.includes(what);

export interface PatientFields {
  name: string;
  kana: string;
  birthDate: string | null;
  address: string;
  district: string;
  phone: string | null;
  needs: Needs;
}

const needValues = (n: Needs) => [...NEED_FLAGS.map((k) => (n[k] ? 1 : 0)), n.batteryHours, n.careLevel, n.evacuationPlace];
const NEED_SQL = [...NEED_FLAGS.map((k) => NEED_COLUMNS[k]), "battery_hours", "care_level", "evacuation_place"];

export interface NewPatient extends PatientFields {
  id: number;
  consentGivenOn: string;
  consentTo: number;
  physicianId: number;
  openedBy: number;
  now: number;
}

export function insertPatient(db: D1Database, p: NewPatient): D1PreparedStatement {
  const cols = [
    "id",
    "name",
    "kana",
    "birth_date",
    "address",
    "district",
    "phone",
    ...NEED_SQL,
    "consent_given_on",
    "consent_to",
    "consent_recorded_by",
    "consent_recorded_at",
    "physician_id",
    "opened_by",
    "created_at",
    "updated_at",
  ];
  const values = [
    p.id,
    p.name,
    p.kana,
    p.birthDate,
    p.address,
    p.district,
    p.phone,
    ...needValues(p.needs),
    p.consentGivenOn,
    p.consentTo,
    p.openedBy,
    p.now,
    p.physicianId,
    p.openedBy,
    p.now,
    p.now,
  ];
  return db.prepare(`INSERT INTO patients (${cols.join(", ")}) VALUES (${cols.map((_, i) => `?${i + 1}`).join(", ")})`).bind(...values);
}

/** Changes the patient's own fields and needs (never the consent, the physician or the state). Only while open. */
export function updatePatientRow(db: D1Database, id: number, p: PatientFields, now: number): D1PreparedStatement {
  const cols = ["name", "kana", "birth_date", "address", "district", "phone", ...NEED_SQL];
  const values = [p.name, p.kana, p.birthDate, p.address, p.district, p.phone, ...needValues(p.needs)];
  return db
    .prepare(`UPDATE patients SET ${cols.map((c, i) => `${c} = ?${i + 3}`).join(", ")}, updated_at = ?2 WHERE id = ?1 AND closed_at IS NULL`)
    .bind(id, now, ...values);
}

/** Closes the group: access ends for every member at once; the rows stay. */
export const closePatient = (db: D1Database, id: number, by: number, now: number) =>
  db.prepare("UPDATE patients SET closed_at = ?3, closed_by = ?2, updated_at = ?3 WHERE id = ?1 AND closed_at IS NULL").bind(id, by, now);

export const setConsentDocument = (db: D1Database, id: number, d: { key: string; type: ConsentType; bytes: number }, now: number) =>
  db
    .prepare(
      "UPDATE patients SET consent_key = ?2, consent_type = ?3, consent_bytes = ?4, consent_uploaded_at = ?5, updated_at = ?5 WHERE id = ?1 AND closed_at IS NULL",
    )
    .bind(id, d.key, d.type, d.bytes, now);

/** Where the scanned 同意書 is kept, for serving it to a member. */
export async function consentRecord(db: D1Database, id: number): Promise<{ key: string; type: ConsentType } | null> {
  const r = await db.prepare("SELECT consent_key, consent_type FROM patients WHERE id = ?1 AND consent_key IS NOT NULL").bind(id).first<Row>();
  return r ? { key: String(r.consent_key), type: r.consent_type as ConsentType } : null;
}

// ---------------------------------------------------------------- facilities serving the patient

export interface PatientFacility {
  id: number;
  name: string;
  type: FacilityType;
}

export async function facilitiesOf(db: D1Database, patientId: number): Promise<PatientFacility[]> {
  const { results } = await db
    .prepare("SELECT f.id, f.name, f.type FROM patient_facilities pf JOIN facilities f ON f.id = pf.facility_id WHERE pf.patient_id = ?1 ORDER BY f.kana, f.id")
    .bind(patientId)
    .all<PatientFacility>();
  return results;
}

/** Which of these facilities exist and are active. */
export async function activeFacilityIds(db: D1Database, ids: readonly number[]): Promise<number[]> {
  if (!ids.length) return [];
  const { results } = await db
    .prepare("SELECT id FROM facilities WHERE id IN (SELECT value FROM json_each(?1)) AND removed_at IS NULL")
    .bind(JSON.stringify(ids))
    .all<{ id: number }>();
  return results.map((r) => r.id);
}

export function replaceFacilitiesStatements(db: D1Database, patientId: number, facilityIds: readonly number[]): D1PreparedStatement[] {
  return [
    db.prepare("DELETE FROM patient_facilities WHERE patient_id = ?1").bind(patientId),
    ...facilityIds.map((f) => db.prepare("INSERT OR IGNORE INTO patient_facilities (patient_id, facility_id) VALUES (?1, ?2)").bind(patientId, f)),
  ];
}

// ---------------------------------------------------------------- members

export interface MemberRecord {
  id: number;
  role: PatientRole;
  readOnly: boolean;
}

/** The person's active place in the group, whether the group is open or not (the rules read both). */
export async function activeMember(db: D1Database, patientId: number, personId: number): Promise<MemberRecord | null> {
  const r = await db
    .prepare("SELECT id, role, read_only FROM patient_members WHERE patient_id = ?1 AND person_id = ?2 AND removed_at IS NULL")
    .bind(patientId, personId)
    .first<{ id: number; role: PatientRole; read_only: number }>();
  return r ? { id: r.id, role: r.role, readOnly: r.read_only === 1 } : null;
}

/**
 * Adds a member while the group is open and they are not in it yet (an invitation
 * accepted, the opener). Does nothing otherwise, so a closed group gains nobody.
 */
export const addMember = (
  db: D1Database,
  m: { patientId: number; personId: number; role: PatientRole; addedBy: number | null; invitationId: number | null; now: number },
) =>
  db
    .prepare(
      `INSERT INTO patient_members (patient_id, person_id, role, added_by, invitation_id, created_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM patients WHERE id = ?1 AND closed_at IS NULL)
         AND NOT EXISTS (SELECT 1 FROM patient_members WHERE patient_id = ?1 AND person_id = ?2 AND removed_at IS NULL)`,
    )
    .bind(m.patientId, m.personId, m.role, m.addedBy, m.invitationId, m.now);

export const endMember = (db: D1Database, patientId: number, personId: number, by: number, removal: "left" | "removed" | "misuse", now: number) =>
  db
    .prepare("UPDATE patient_members SET removed_at = ?5, removed_by = ?3, removal = ?4 WHERE patient_id = ?1 AND person_id = ?2 AND removed_at IS NULL")
    .bind(patientId, personId, by, removal, now);

export const setMemberRole = (db: D1Database, patientId: number, personId: number, m: { role: PatientRole; readOnly: boolean }) =>
  db
    .prepare("UPDATE patient_members SET role = ?3, read_only = ?4 WHERE patient_id = ?1 AND person_id = ?2 AND removed_at IS NULL")
    .bind(patientId, personId, m.role, m.readOnly ? 1 : 0);

export interface MemberRow {
  personId: number;
  name: string;
  kana: string;
  job: string;
  role: PatientRole;
  readOnly: boolean;
  joinedAt: number;
}

/** The active members, managers first, then in reading order. */
export async function patientMembers(db: D1Database, patientId: number): Promise<MemberRow[]> {
  const { results } = await db
    .prepare(
      `SELECT pm.person_id, p.name, p.kana, p.job, pm.role, pm.read_only, pm.created_at FROM patient_members pm JOIN people p ON p.id = pm.person_id
       WHERE pm.patient_id = ?1 AND pm.removed_at IS NULL ORDER BY pm.role = 'manager' DESC, p.kana, p.id`,
    )
    .bind(patientId)
    .all<{ person_id: number; name: string; kana: string; job: string; role: PatientRole; read_only: number; created_at: number }>();
  return results.map((r) => ({
    personId: r.person_id,
    name: r.name,
    kana: r.kana,
    job: r.job,
    role: r.role,
    readOnly: r.read_only === 1,
    joinedAt: r.created_at,
  }));
}

export async function managerCount(db: D1Database, patientId: number): Promise<number> {
  const r = await db
    .prepare("SELECT COUNT(*) AS n FROM patient_members WHERE patient_id = ?1 AND removed_at IS NULL AND role = 'manager'")
    .bind(patientId)
    .first<{ n: number }>();
  return r!.n;
}

export interface MyPatientRow {
  patient: PatientRecord;
  role: PatientRole;
  readOnly: boolean;
  members: number;
}

/** The open groups the person is an active member of. */
export async function myPatients(db: D1Database, personId: number): Promise<MyPatientRow[]> {
  const { results } = await db
    .prepare(
      `${SELECT_PATIENT} JOIN patient_members me ON me.patient_id = pt.id AND me.person_id = ?1 AND me.removed_at IS NULL
       WHERE pt.closed_at IS NULL ORDER BY pt.id`,
    )
    .bind(personId)
    .all<Row>();
  if (!results.length) return [];
  const ids = results.map((r) => Number(r.id));
  const { results: mine } = await db
    .prepare(
      `SELECT patient_id, role, read_only, (SELECT COUNT(*) FROM patient_members x WHERE x.patient_id = pm.patient_id AND x.removed_at IS NULL) AS members
       FROM patient_members pm WHERE pm.person_id = ?1 AND pm.removed_at IS NULL AND pm.patient_id IN (SELECT value FROM json_each(?2))`,
    )
    .bind(personId, JSON.stringify(ids))
    .all<{ patient_id: number; role: PatientRole; read_only: number; members: number }>();
  const byId = new Map(mine.map((m) => [m.patient_id, m]));
  return results.map((r) => {
    const m = byId.get(Number(r.id))!;
    return { patient: toPatient(r), role: m.role, readOnly: m.read_only === 1, members: m.members };
  });
}

// ---------------------------------------------------------------- posts

export interface PostRecord {
  id: number;
  patientId: number;
  authorId: number;
  authorName: string;
  authorJob: string;
  text: string;
  createdAt: number;
  removedAt: number | null;
}

const SELECT_POST = `SELECT po.id, po.patient_id, po.author_id, p.name AS author_name, p.job AS author_job, po.text, po.created_at, po.removed_at
  FROM patient_posts po JOIN people p ON p.id = po.author_id`;

type PostRow = {
  id: number;
  patient_id: number;
  author_id: number;
  author_name: string;
  author_job: string;
  text: string;
  created_at: number;
  removed_at: number | null;
};

const toPost = (r: PostRow): PostRecord => ({
  id: r.id,
  patientId: r.patient_id,
  authorId: r.author_id,
  authorName: r.author_name,
  authorJob: r.author_job,
  text: r.text,
  createdAt: r.created_at,
  removedAt: r.removed_at,
});

/** The posts members see: newest first, removed ones left out (their text stays in the table for the audit). */
export async function patientPosts(db: D1Database, patientId: number, limit = 200): Promise<PostRecord[]> {
  const { results } = await db
    .prepare(`${SELECT_POST} WHERE po.patient_id = ?1 AND po.removed_at IS NULL ORDER BY po.id DESC LIMIT ?2`)
    .bind(patientId, limit)
    .all<PostRow>();
  return results.map(toPost);
}

export async function findPost(db: D1Database, patientId: number, postId: number): Promise<PostRecord | null> {
  const r = await db.prepare(`${SELECT_POST} WHERE po.id = ?1 AND po.patient_id = ?2`).bind(postId, patientId).first<PostRow>();
  return r ? toPost(r) : null;
}

/** Stores a confirmed post, while the group is open. */
export const insertPost = (db: D1Database, p: { id: number; patientId: number; authorId: number; text: string; now: number }) =>
  db
    .prepare(
      "INSERT INTO patient_posts (id, patient_id, author_id, text, created_at) SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM patients WHERE id = ?2 AND closed_at IS NULL)",
    )
    .bind(p.id, p.patientId, p.authorId, p.text, p.now);

/** Takes a post out of the members' sight; its text stays (the table refuses to change it). */
export const hidePost = (db: D1Database, postId: number, by: number, reason: string, now: number) =>
  db
    .prepare("UPDATE patient_posts SET removed_at = ?4, removed_by = ?2, removal_reason = ?3 WHERE id = ?1 AND removed_at IS NULL")
    .bind(postId, by, reason, now);

// ---------------------------------------------------------------- counts (no names)

export interface DistrictCounts {
  district: string;
  total: number;
  needs: Record<NeedFlag, number>;
  careLevels: Record<CareLevel, number>;
}

/** The open groups counted by district, need and 要介護度. */
export async function countsByDistrict(db: D1Database): Promise<DistrictCounts[]> {
  const sums = NEED_FLAGS.map((k) => `SUM(${NEED_COLUMNS[k]}) AS ${NEED_COLUMNS[k]}`).join(", ");
  const levels = CARE_LEVELS.map((l) => `SUM(care_level = '${l}') AS cl_${l}`).join(", ");
  const { results } = await db
    .prepare(`SELECT district, COUNT(*) AS total, ${sums}, ${levels} FROM patients WHERE closed_at IS NULL GROUP BY district ORDER BY district`)
    .all<Row>();
  return results.map((r) => ({
    district: str(r.district ?? null),
    total: Number(r.total),
    needs: Object.fromEntries(NEED_FLAGS.map((k) => [k, Number(r[NEED_COLUMNS[k]] ?? 0)])) as Record<NeedFlag, number>,
    careLevels: Object.fromEntries(CARE_LEVELS.map((l) => [l, Number(r[`cl_${l}`] ?? 0)])) as Record<CareLevel, number>,
  }));
}
