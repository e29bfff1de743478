import type { FacilityType } from "../directory/schemas";
import { CARE_LEVELS, HIGH_NEED_FLAGS, NEED_FLAGS, type CareLevel, type CheckPower, type CheckResult, type NeedFlag, type Needs } from "./needs";
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

/** A patient group as stored: the patient's fields, the consent, the physician, and when it opened and closed. */
export interface PatientRecord extends PatientFields {
  id: number;
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

export { isIdRace, isUniqueViolation } from "../lib/d1-errors";

/** What is written of the patient (opening and changing a group). */
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

// ---------------------------------------------------------------- patient checks of a roll-call (patient_checks, migration 0016)

/** SQL: the patient `pt` is high-need (needs.ts HIGH_NEED_FLAGS: depends on power, or lives alone). */
const HIGH_NEED_SQL = `(${HIGH_NEED_FLAGS.map((k) => `pt.${NEED_COLUMNS[k]} = 1`).join(" OR ")})`;

/**
 * At confirm, in the confirm's batch after the recipients' snapshot: one check per open
 * group with an active member among the recipients, of the patients living in
 * `districts` when given. The roll-call's scope (all, facilities, types, groups) so
 * decides whose patients are checked, and every check has a member who was asked.
 */
export const checkSnapshot = (db: D1Database, rollcallId: number, districts: readonly string[] | null) =>
  db
    .prepare(
      `INSERT INTO patient_checks (rollcall_id, patient_id)
       SELECT ?1, pt.id FROM patients pt
       WHERE pt.closed_at IS NULL AND (?2 IS NULL OR pt.district IN (SELECT value FROM json_each(?2)))
         AND EXISTS (SELECT 1 FROM patient_members m JOIN rollcall_recipients r ON r.rollcall_id = ?1 AND r.person_id = m.person_id
                     WHERE m.patient_id = pt.id AND m.removed_at IS NULL)`,
    )
    .bind(rollcallId, districts ? JSON.stringify(districts) : null);

export interface CheckRecord {
  rollcallId: number;
  patientId: number;
  claimedBy: number | null;
  claimedByName: string | null;
  claimedAt: number | null;
  result: CheckResult | null;
  power: CheckPower | null;
  batteryHours: number | null;
  location: string;
  comment: string;
  checkedBy: number | null;
  checkedByName: string | null;
  checkedAt: number | null;
  escalation: 0 | 1 | 2;
  escalatedAt: number | null;
}

const CHECK_COLUMNS = `c.rollcall_id, c.patient_id, c.claimed_by, cb.name AS claimed_by_name, c.claimed_at, c.result, c.power, c.battery_hours AS check_battery_hours,
  c.location, c.comment, c.checked_by, kb.name AS checked_by_name, c.checked_at, c.escalation, c.escalated_at`;
const CHECK_JOINS = "LEFT JOIN people cb ON cb.id = c.claimed_by LEFT JOIN people kb ON kb.id = c.checked_by";

const toCheck = (r: Row): CheckRecord => ({
  rollcallId: Number(r.rollcall_id),
  patientId: Number(r.patient_id),
  claimedBy: num(r.claimed_by ?? null),
  claimedByName: (r.claimed_by_name as string | null) ?? null,
  claimedAt: num(r.claimed_at ?? null),
  result: (r.result as CheckResult | null) ?? null,
  power: (r.power as CheckPower | null) ?? null,
  batteryHours: num(r.check_battery_hours ?? null),
  location: str(r.location ?? null),
  comment: str(r.comment ?? null),
  checkedBy: num(r.checked_by ?? null),
  checkedByName: (r.checked_by_name as string | null) ?? null,
  checkedAt: num(r.checked_at ?? null),
  escalation: Number(r.escalation ?? 0) as 0 | 1 | 2,
  escalatedAt: num(r.escalated_at ?? null),
});

export async function findCheck(db: D1Database, rollcallId: number, patientId: number): Promise<CheckRecord | null> {
  const r = await db
    .prepare(`SELECT ${CHECK_COLUMNS} FROM patient_checks c ${CHECK_JOINS} WHERE c.rollcall_id = ?1 AND c.patient_id = ?2`)
    .bind(rollcallId, patientId)
    .first<Row>();
  return r ? toCheck(r) : null;
}

export interface MyCheckRow {
  check: CheckRecord;
  patient: PatientRecord;
  member: MemberRecord;
}

/** The roll-call's checks of the open groups the person is an active member of, with the patient. */
export async function myChecks(db: D1Database, rollcallId: number, personId: number): Promise<MyCheckRow[]> {
  const { results } = await db
    .prepare(
      `SELECT ${CHECK_COLUMNS}, me.id AS my_member_id, me.role AS my_role, me.read_only AS my_read_only, pt.*, ph.name AS physician_name, ob.name AS opened_by_name,
         ct.name AS consent_to_name, cr.name AS consent_recorded_by_name
       FROM patient_checks c ${CHECK_JOINS}
       JOIN patients pt ON pt.id = c.patient_id AND pt.closed_at IS NULL
       JOIN patient_members me ON me.patient_id = pt.id AND me.person_id = ?2 AND me.removed_at IS NULL
       JOIN people ph ON ph.id = pt.physician_id JOIN people ob ON ob.id = pt.opened_by
       JOIN people ct ON ct.id = pt.consent_to JOIN people cr ON cr.id = pt.consent_recorded_by
       WHERE c.rollcall_id = ?1 ORDER BY pt.id`,
    )
    .bind(rollcallId, personId)
    .all<Row>();
  return results.map((r) => ({
    check: toCheck({ ...r, escalation: r.escalation ?? 0 }),
    patient: toPatient(r),
    member: { id: Number(r.my_member_id), role: r.my_role as PatientRole, readOnly: r.my_read_only === 1 },
  }));
}

/** Claims the check for `personId` unless another member holds it (0 changes then). */
export const holdCheck = (db: D1Database, rollcallId: number, patientId: number, personId: number, now: number) =>
  db
    .prepare(
      `UPDATE patient_checks SET claimed_by = ?3, claimed_at = CASE WHEN claimed_by = ?3 THEN claimed_at ELSE ?4 END
       WHERE rollcall_id = ?1 AND patient_id = ?2 AND (claimed_by IS NULL OR claimed_by = ?3)`,
    )
    .bind(rollcallId, patientId, personId, now);

/** Lets the check go, when `holder` still holds it (0 changes otherwise). */
export const dropClaim = (db: D1Database, rollcallId: number, patientId: number, holder: number) =>
  db
    .prepare("UPDATE patient_checks SET claimed_by = NULL, claimed_at = NULL WHERE rollcall_id = ?1 AND patient_id = ?2 AND claimed_by = ?3")
    .bind(rollcallId, patientId, holder);

/** Records the check by `personId`, claiming it when nobody held it; 0 changes when another member holds it. */
export const writeCheck = (
  db: D1Database,
  k: {
    rollcallId: number;
    patientId: number;
    personId: number;
    result: CheckResult;
    power: CheckPower | null;
    batteryHours: number | null;
    location: string;
    comment: string;
    now: number;
  },
) =>
  db
    .prepare(
      `UPDATE patient_checks SET result = ?4, power = ?5, battery_hours = ?6, location = ?7, comment = ?8, checked_by = ?3, checked_at = ?9,
         claimed_by = ?3, claimed_at = COALESCE(claimed_at, ?9)
       WHERE rollcall_id = ?1 AND patient_id = ?2 AND (claimed_by IS NULL OR claimed_by = ?3)`,
    )
    .bind(k.rollcallId, k.patientId, k.personId, k.result, k.power, k.batteryHours, k.location, k.comment, k.now);

export interface CheckCountRow {
  district: string;
  needs: Needs;
  result: CheckResult | null;
  claimed: boolean;
  escalation: number;
}

/** Every check of the roll-call as counts need them: district, needs and state, no names (at most 50,000). */
export async function checkCountRows(db: D1Database, rollcallId: number): Promise<CheckCountRow[]> {
  const { results } = await db
    .prepare(
      `SELECT pt.district, ${NEED_SQL.map((c) => `pt.${c}`).join(", ")}, c.result, c.claimed_by IS NOT NULL AS claimed, c.escalation
       FROM patient_checks c JOIN patients pt ON pt.id = c.patient_id WHERE c.rollcall_id = ?1 LIMIT 50000`,
    )
    .bind(rollcallId)
    .all<Row>();
  return results.map((r) => ({
    district: str(r.district ?? null),
    needs: needsOf(r),
    result: (r.result as CheckResult | null) ?? null,
    claimed: r.claimed === 1,
    escalation: Number(r.escalation ?? 0),
  }));
}

export interface DueCheck {
  rollcallId: number;
  patientId: number;
  escalation: number;
  title: string;
  drill: boolean;
  minutes: number;
}

/**
 * The unchecked high-need checks of live roll-calls due a raise at `now`: level 1 at
 * the template's patientCheckMinutes after the confirm, level 2 at twice that.
 * `live` is the roll-call domain's condition on c.rollcall_id (rollcall/data.ts liveRollcallSql).
 */
export async function dueChecks(db: D1Database, now: number, live: string, limit = 500): Promise<DueCheck[]> {
  const minutes = "COALESCE(json_extract(r.template, '$.patientCheckMinutes'), 60)";
  const { results } = await db
    .prepare(
      `SELECT c.rollcall_id, c.patient_id, c.escalation, r.title, r.drill, ${minutes} AS minutes
       FROM patient_checks c JOIN rollcalls r ON r.id = c.rollcall_id AND r.confirmed_at IS NOT NULL
       JOIN patients pt ON pt.id = c.patient_id AND pt.closed_at IS NULL
       WHERE ${live} AND c.checked_at IS NULL AND c.escalation < 2 AND ${HIGH_NEED_SQL}
         AND r.confirmed_at + ${minutes} * 60000 * (c.escalation + 1) <= ?1
       ORDER BY c.rollcall_id, c.patient_id LIMIT ?2`,
    )
    .bind(now, limit)
    .all<{ rollcall_id: number; patient_id: number; escalation: number; title: string; drill: number; minutes: number }>();
  return results.map((r) => ({
    rollcallId: r.rollcall_id,
    patientId: r.patient_id,
    escalation: r.escalation,
    title: r.title,
    drill: r.drill === 1,
    minutes: Number(r.minutes),
  }));
}

/** Raises a check from `from` to `from + 1`, unless another run did it first (0 changes), or it was checked meanwhile. */
export const raiseCheck = (db: D1Database, rollcallId: number, patientId: number, from: number, now: number) =>
  db
    .prepare(
      "UPDATE patient_checks SET escalation = ?3 + 1, escalated_at = ?4 WHERE rollcall_id = ?1 AND patient_id = ?2 AND escalation = ?3 AND checked_at IS NULL",
    )
    .bind(rollcallId, patientId, from, now);

/** Who a raise goes to: level 1 the group's active managers and its responsible physician; level 2 the facility admins of its active members. */
export async function raiseAddressees(db: D1Database, patientId: number, level: 1 | 2): Promise<number[]> {
  const sql =
    level === 1
      ? `SELECT person_id FROM patient_members WHERE patient_id = ?1 AND role = 'manager' AND removed_at IS NULL
         UNION SELECT physician_id FROM patients WHERE id = ?1`
      : `SELECT DISTINCT a.person_id FROM patient_members m
         JOIN memberships f ON f.person_id = m.person_id AND f.removed_at IS NULL
         JOIN memberships a ON a.facility_id = f.facility_id AND a.role = 'admin' AND a.removed_at IS NULL
         WHERE m.patient_id = ?1 AND m.removed_at IS NULL`;
  const { results } = await db.prepare(sql).bind(patientId).all<{ person_id: number }>();
  return results.map((r) => r.person_id);
}

/** The open roll-calls with checks that name this person among a group's active members: {rollcall, total, unchecked}. */
export async function myLiveCheckCounts(
  db: D1Database,
  personId: number,
  live: string,
): Promise<{ rollcallId: number; title: string; drill: boolean; total: number; unchecked: number; unclaimed: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT r.id, r.title, r.drill, COUNT(*) AS total, SUM(c.checked_at IS NULL) AS unchecked, SUM(c.claimed_by IS NULL AND c.checked_at IS NULL) AS unclaimed
       FROM patient_checks c JOIN rollcalls r ON r.id = c.rollcall_id
       JOIN patients pt ON pt.id = c.patient_id AND pt.closed_at IS NULL
       JOIN patient_members me ON me.patient_id = pt.id AND me.person_id = ?1 AND me.removed_at IS NULL
       WHERE ${live}
       GROUP BY r.id ORDER BY r.id DESC LIMIT 20`,
    )
    .bind(personId)
    .all<{ id: number; title: string; drill: number; total: number; unchecked: number; unclaimed: number }>();
  return results.map((r) => ({
    rollcallId: r.id,
    title: r.title,
    drill: r.drill === 1,
    total: Number(r.total),
    unchecked: Number(r.unchecked),
    unclaimed: Number(r.unclaimed),
  }));
}

/** The checks of this roll-call of the open groups the person is an active member of: how many, how many unchecked. */
/**
 * How many checks of a reply link's roll-call the link owner's open groups have, and how
 * many are unchecked (the reply page's section), as a statement for the page's batch.
 * Read from the person's memberships (their few groups), not from the roll-call's checks.
 */
export function linkCheckCountsStatement(db: D1Database, tokenHash: string): D1PreparedStatement {
  return db
    .prepare(
      `SELECT COUNT(*) AS total, COALESCE(SUM(c.checked_at IS NULL), 0) AS unchecked FROM rollcall_recipients x
       JOIN patient_members me ON me.person_id = x.person_id AND me.removed_at IS NULL
       JOIN patients pt ON pt.id = me.patient_id AND pt.closed_at IS NULL
       JOIN patient_checks c ON c.rollcall_id = x.rollcall_id AND c.patient_id = pt.id
       WHERE x.token_hash = ?1`,
    )
    .bind(tokenHash);
}

export function toCheckCounts(row: unknown): { total: number; unchecked: number } {
  const r = row as { total: number | null; unchecked: number | null } | undefined;
  return { total: Number(r?.total ?? 0), unchecked: Number(r?.unchecked ?? 0) };
}

/**
 * A person who leaves the network, or their last facility, leaves every patient group
 * at once (§3: only staff of the facilities that need access; the membership kept
 * right). For the directory's batch that ends their place (deregistration, the last
 * membership): `lastFacilityOnly` keeps members who still work at a facility of the
 * network. The rows stay, marked removed by the actor.
 */
export function endPatientAccessStatement(db: D1Database, personId: number, by: number, now: number, lastFacilityOnly: boolean): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE patient_members SET removed_at = ?3, removed_by = ?2, removal = 'removed'
       WHERE person_id = ?1 AND removed_at IS NULL
         AND (?4 = 0 OR NOT EXISTS (SELECT 1 FROM memberships WHERE person_id = ?1 AND removed_at IS NULL))`,
    )
    .bind(personId, by, now, lastFacilityOnly ? 1 : 0);
}
