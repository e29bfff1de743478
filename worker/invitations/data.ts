import type { FacilityRole } from "../auth/scope";
import type { PersonLang } from "../directory/schemas";
import type { InvitationState } from "./schemas";

/** All SQL of invitations. */

export interface InvitationRecord {
  id: number;
  facilityId: number | null;
  groupId: number | null;
  /** A patient group's invitation (worker/patients): the patient's id. */
  patientId: number | null;
  /** When that patient group was closed (its invitations then lead nowhere). */
  patientClosedAt: number | null;
  place: string;
  role: FacilityRole;
  /** Who held the invited address when the invitation was sent (null: nobody); the accepted person afterwards. */
  personId: number | null;
  name: string;
  contactKind: "email" | "mobile";
  contactValue: string;
  message: string;
  lang: PersonLang;
  invitedBy: number;
  inviterName: string;
  createdAt: number;
  expiresAt: number;
  acceptedAt: number | null;
  declinedAt: number | null;
  revokedAt: number | null;
  acceptedPersonId: number | null;
}

interface Row {
  id: number;
  facility_id: number | null;
  group_id: number | null;
  patient_id: number | null;
  patient_closed_at: number | null;
  place: string | null;
  role: FacilityRole;
  person_id: number | null;
  name: string;
  contact_kind: "email" | "mobile";
  contact_value: string;
  message: string;
  lang: PersonLang;
  invited_by: number;
  inviter_name: string | null;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  declined_at: number | null;
  revoked_at: number | null;
  accepted_person_id: number | null;
}

const toRecord = (r: Row): InvitationRecord => ({
  id: r.id,
  facilityId: r.facility_id,
  groupId: r.group_id,
  patientId: r.patient_id,
  patientClosedAt: r.patient_closed_at,
  place: r.place ?? "",
  role: r.role,
  personId: r.person_id,
  name: r.name,
  contactKind: r.contact_kind,
  contactValue: r.contact_value,
  message: r.message,
  lang: r.lang,
  invitedBy: r.invited_by,
  inviterName: r.inviter_name ?? "",
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  acceptedAt: r.accepted_at,
  declinedAt: r.declined_at,
  revokedAt: r.revoked_at,
  acceptedPersonId: r.accepted_person_id,
});

export function stateOf(r: Pick<InvitationRecord, "acceptedAt" | "declinedAt" | "revokedAt" | "expiresAt">, now: number): InvitationState {
  if (r.acceptedAt !== null) return "accepted";
  if (r.declinedAt !== null) return "declined";
  if (r.revokedAt !== null) return "revoked";
  return r.expiresAt <= now ? "expired" : "pending";
}

/**
 * A patient group is named by its responsible physician, never by the patient: the
 * invitation travels to an address that may be mistyped (§5: the invitee judges from
 * the inviter, the physician and the message whether joining is right).
 */
const SELECT = `SELECT i.id, i.facility_id, i.group_id, i.patient_id, pt.closed_at AS patient_closed_at,
  COALESCE(f.name, g.name, CASE WHEN i.patient_id IS NOT NULL THEN '患者グループ（主治医 ' || ph.name || '）' END) AS place,
  i.role, i.person_id, i.name, i.contact_kind, i.contact_value,
  i.message, i.lang, i.invited_by, p.name AS inviter_name, i.created_at, i.expires_at, i.accepted_at, i.declined_at, i.revoked_at, i.accepted_person_id
  FROM invitations i LEFT JOIN facilities f ON f.id = i.facility_id LEFT JOIN groups g ON g.id = i.group_id LEFT JOIN people p ON p.id = i.invited_by
  LEFT JOIN patients pt ON pt.id = i.patient_id LEFT JOIN people ph ON ph.id = pt.physician_id`;

export async function findByTokenHash(db: D1Database, tokenHash: string): Promise<InvitationRecord | null> {
  const r = await db.prepare(`${SELECT} WHERE i.token_hash = ?1`).bind(tokenHash).first<Row>();
  return r ? toRecord(r) : null;
}

export async function findInvitation(db: D1Database, id: number): Promise<InvitationRecord | null> {
  const r = await db.prepare(`${SELECT} WHERE i.id = ?1`).bind(id).first<Row>();
  return r ? toRecord(r) : null;
}

/**
 * Invitations visible to an admin: `facilityIds` null = all (network admin); else those
 * for their facilities or sent by them. Newest first.
 */
export async function listInvitations(
  db: D1Database,
  q: {
    facilityIds: number[] | null;
    inviterId: number;
    facilityId?: number;
    groupId?: number;
    state?: InvitationState;
    now: number;
    before?: number;
    limit: number;
  },
): Promise<InvitationRecord[]> {
  const stateSql: Record<InvitationState, string> = {
    accepted: "i.accepted_at IS NOT NULL",
    declined: "i.declined_at IS NOT NULL",
    revoked: "i.revoked_at IS NOT NULL",
    expired: "i.accepted_at IS NULL AND i.declined_at IS NULL AND i.revoked_at IS NULL AND i.expires_at <= ?5",
    pending: "i.accepted_at IS NULL AND i.declined_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?5",
  };
  const { results } = await db
    .prepare(
      `${SELECT}
       WHERE (?1 IS NULL OR i.invited_by = ?2 OR i.facility_id IN (SELECT value FROM json_each(?1)))
         AND (?3 IS NULL OR i.facility_id = ?3) AND (?4 IS NULL OR i.group_id = ?4) AND (?6 IS NULL OR i.id < ?6)
         AND ${q.state ? stateSql[q.state] : "?5 = ?5"}
       ORDER BY i.id DESC LIMIT ?7`,
    )
    .bind(q.facilityIds ? JSON.stringify(q.facilityIds) : null, q.inviterId, q.facilityId ?? null, q.groupId ?? null, q.now, q.before ?? null, q.limit)
    .all<Row>();
  return results.map(toRecord);
}

export async function nextInvitationId(db: D1Database): Promise<number> {
  const r = await db.prepare("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM invitations").first<{ id: number }>();
  return r!.id;
}

export interface NewInvitation
  extends Pick<
    InvitationRecord,
    | "id"
    | "facilityId"
    | "groupId"
    | "patientId"
    | "role"
    | "personId"
    | "name"
    | "contactKind"
    | "contactValue"
    | "message"
    | "lang"
    | "invitedBy"
    | "createdAt"
    | "expiresAt"
  > {
  tokenHash: string;
}

export const insertInvitation = (db: D1Database, i: NewInvitation) =>
  db
    .prepare(
      `INSERT INTO invitations (id, token_hash, facility_id, group_id, role, person_id, name, contact_kind, contact_value, message, lang, invited_by, created_at, expires_at, patient_id)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)`,
    )
    .bind(
      i.id,
      i.tokenHash,
      i.facilityId,
      i.groupId,
      i.role,
      i.personId,
      i.name,
      i.contactKind,
      i.contactValue,
      i.message,
      i.lang,
      i.invitedBy,
      i.createdAt,
      i.expiresAt,
      i.patientId,
    );

/** Claims the invitation's one outcome: fails the batch (unique key) if it already has one. */
export const claimOutcome = (db: D1Database, id: number, outcome: "accepted" | "declined" | "revoked", at: number) =>
  db.prepare("INSERT INTO invitation_outcomes (invitation_id, outcome, at) VALUES (?1, ?2, ?3)").bind(id, outcome, at);

export const markAccepted = (db: D1Database, id: number, personId: number, at: number) =>
  db.prepare("UPDATE invitations SET accepted_at = ?3, accepted_person_id = ?2, person_id = ?2 WHERE id = ?1").bind(id, personId, at);

export const markDeclined = (db: D1Database, id: number, at: number) => db.prepare("UPDATE invitations SET declined_at = ?2 WHERE id = ?1").bind(id, at);

export const markRevoked = (db: D1Database, id: number, at: number) => db.prepare("UPDATE invitations SET revoked_at = ?2 WHERE id = ?1").bind(id, at);

/** The invitee's address, verified by the invitation itself (the token reached it). */
export const insertVerifiedContact = (db: D1Database, personId: number, kind: "email" | "mobile", value: string, at: number) =>
  db.prepare("INSERT INTO contacts (person_id, kind, value, verified_at, created_at) VALUES (?1, ?2, ?3, ?4, ?4)").bind(personId, kind, value, at);

/** An existing account proves its address by accepting: mark it verified. */
export const verifyContact = (db: D1Database, personId: number, kind: "email" | "mobile", value: string, at: number) =>
  db
    .prepare("UPDATE contacts SET verified_at = COALESCE(verified_at, ?4) WHERE person_id = ?1 AND kind = ?2 AND value = ?3 AND removed_at IS NULL")
    .bind(personId, kind, value, at);

export { isUniqueViolation } from "../lib/d1-errors";

// ---------------------------------------------------------------- patient groups

/** The pending invitations into a patient group, newest first (its managers see them). */
export async function pendingForPatient(db: D1Database, patientId: number, now: number): Promise<InvitationRecord[]> {
  const { results } = await db
    .prepare(
      `${SELECT} WHERE i.patient_id = ?1 AND i.accepted_at IS NULL AND i.declined_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?2 ORDER BY i.id DESC`,
    )
    .bind(patientId, now)
    .all<Row>();
  return results.map(toRecord);
}

/** Whether a pending invitation into the patient group is already out to this person. */
export async function pendingPatientInvitationFor(db: D1Database, patientId: number, personId: number, now: number): Promise<boolean> {
  const r = await db
    .prepare(
      `SELECT 1 AS ok FROM invitations WHERE patient_id = ?1 AND person_id = ?2 AND accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL AND expires_at > ?3`,
    )
    .bind(patientId, personId, now)
    .first();
  return r !== null;
}

/** Closing a patient group withdraws its pending invitations, in the closing's batch (each gets its one outcome). */
export function revokePendingForPatientStatements(db: D1Database, patientId: number, at: number): D1PreparedStatement[] {
  const pending = "patient_id = ?1 AND accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL";
  return [
    db
      .prepare(`INSERT OR IGNORE INTO invitation_outcomes (invitation_id, outcome, at) SELECT id, 'revoked', ?2 FROM invitations WHERE ${pending}`)
      .bind(patientId, at),
    db.prepare(`UPDATE invitations SET revoked_at = ?2 WHERE ${pending}`).bind(patientId, at),
  ];
}

/**
 * Where to send an invitation to someone registered: their verified email, else their
 * verified mobile, else an unverified one (the invitation proves it). Never shown: the
 * API answers the masked address only.
 */
export async function addressOfPerson(db: D1Database, personId: number): Promise<{ kind: "email" | "mobile"; value: string } | null> {
  const r = await db
    .prepare(
      `SELECT kind, value FROM contacts WHERE person_id = ?1 AND kind IN ('email', 'mobile') AND removed_at IS NULL
       ORDER BY verified_at IS NULL, kind = 'mobile', id LIMIT 1`,
    )
    .bind(personId)
    .first<{ kind: "email" | "mobile"; value: string }>();
  return r ?? null;
}
