/** All SQL of contact verification. */

export interface ContactRow {
  id: number;
  personId: number;
  kind: "email" | "mobile";
  value: string;
  verifiedAt: number | null;
}

export async function activeContact(db: D1Database, id: number): Promise<ContactRow | null> {
  const r = await db
    .prepare(
      "SELECT c.id, c.person_id, c.kind, c.value, c.verified_at FROM contacts c JOIN people p ON p.id = c.person_id WHERE c.id = ?1 AND c.kind IN ('email', 'mobile') AND c.removed_at IS NULL AND p.removed_at IS NULL",
    )
    .bind(id)
    .first<{ id: number; person_id: number; kind: "email" | "mobile"; value: string; verified_at: number | null }>();
  return r ? { id: r.id, personId: r.person_id, kind: r.kind, value: r.value, verifiedAt: r.verified_at } : null;
}

export async function requestsSince(db: D1Database, contactId: number, since: number): Promise<number> {
  const r = await db
    .prepare("SELECT COUNT(*) AS n FROM contact_verifications WHERE contact_id = ?1 AND created_at > ?2")
    .bind(contactId, since)
    .first<{ n: number }>();
  return r!.n;
}

/** A new code or link; earlier open ones of the contact die with it (only the newest works). */
export function startStatements(
  db: D1Database,
  v: { contactId: number; personId: number; method: "code" | "link"; secretHash: string; salt: string; createdAt: number; expiresAt: number },
): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE contact_verifications SET dead_at = ?2 WHERE contact_id = ?1 AND used_at IS NULL AND dead_at IS NULL").bind(v.contactId, v.createdAt),
    db
      .prepare(
        "INSERT INTO contact_verifications (contact_id, person_id, method, secret_hash, salt, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      )
      .bind(v.contactId, v.personId, v.method, v.secretHash, v.salt, v.createdAt, v.expiresAt),
  ];
}

export interface VerificationRow {
  id: number;
  contactId: number;
  personId: number;
  method: "code" | "link";
  secretHash: string;
  salt: string;
  attempts: number;
  expiresAt: number;
  usedAt: number | null;
  deadAt: number | null;
}

interface Row {
  id: number;
  contact_id: number;
  person_id: number;
  method: "code" | "link";
  secret_hash: string;
  salt: string;
  attempts: number;
  expires_at: number;
  used_at: number | null;
  dead_at: number | null;
}

const toRow = (r: Row): VerificationRow => ({
  id: r.id,
  contactId: r.contact_id,
  personId: r.person_id,
  method: r.method,
  secretHash: r.secret_hash,
  salt: r.salt,
  attempts: r.attempts,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  deadAt: r.dead_at,
});

const COLUMNS = "id, contact_id, person_id, method, secret_hash, salt, attempts, expires_at, used_at, dead_at";

/** The newest code sent to the contact (whatever its state). */
export async function latestCode(db: D1Database, contactId: number): Promise<VerificationRow | null> {
  const r = await db
    .prepare(`SELECT ${COLUMNS} FROM contact_verifications WHERE contact_id = ?1 AND method = 'code' ORDER BY id DESC LIMIT 1`)
    .bind(contactId)
    .first<Row>();
  return r ? toRow(r) : null;
}

export async function linkByHash(db: D1Database, secretHash: string): Promise<VerificationRow | null> {
  const r = await db.prepare(`SELECT ${COLUMNS} FROM contact_verifications WHERE secret_hash = ?1 AND method = 'link'`).bind(secretHash).first<Row>();
  return r ? toRow(r) : null;
}

/**
 * Counts a wrong code; the fifth kills it. Returns the attempts now made, or null
 * when the code was no longer open (used, dead) by the time of the write.
 */
export async function countWrong(db: D1Database, id: number, max: number, at: number): Promise<number | null> {
  const r = await db
    .prepare(
      `UPDATE contact_verifications SET attempts = attempts + 1, dead_at = CASE WHEN attempts + 1 >= ?2 THEN ?3 ELSE NULL END
       WHERE id = ?1 AND used_at IS NULL AND dead_at IS NULL RETURNING attempts`,
    )
    .bind(id, max, at)
    .first<{ attempts: number }>();
  return r?.attempts ?? null;
}

/** Uses the verification and marks the contact verified, only while both are still open. */
export function useStatements(db: D1Database, v: VerificationRow, at: number): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE contact_verifications SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL AND dead_at IS NULL").bind(v.id, at),
    db
      .prepare(
        "UPDATE contacts SET verified_at = ?2 WHERE id = ?1 AND removed_at IS NULL AND EXISTS (SELECT 1 FROM contact_verifications WHERE id = ?3 AND used_at = ?2)",
      )
      .bind(v.contactId, at, v.id),
  ];
}

export async function personLang(db: D1Database, personId: number): Promise<string | null> {
  const r = await db.prepare("SELECT lang FROM people WHERE id = ?1").bind(personId).first<{ lang: string }>();
  return r?.lang ?? null;
}

// ---------------------------------------------------------------- limits on verification SMS

export interface SmsWindow {
  personId: number;
  /** SHA-256 of the destination number (never the number itself). */
  numberHash: string;
  contactId: number;
  now: number;
  /** Start of the hourly window (per contact) and of the daily one (per account, per number, network). */
  hourAgo: number;
  dayAgo: number;
}

export interface SmsLimits {
  perContactPerHour: number;
  perAccountPerDay: number;
  perNumberPerDay: number;
  networkPerDay: number;
}

/**
 * Counts one verification SMS only while every limit holds. The counts and the insert
 * are one statement, so requests racing each other cannot all pass the same check.
 * Returns the new row's id, or null when a limit was reached.
 */
export async function reserveSms(db: D1Database, w: SmsWindow, l: SmsLimits): Promise<number | null> {
  const r = await db
    .prepare(
      `INSERT INTO verification_sms (person_id, number_hash, created_at)
       SELECT ?1, ?2, ?3
       WHERE (SELECT COUNT(*) FROM contact_verifications WHERE contact_id = ?4 AND created_at > ?5) < ?6
         AND (SELECT COUNT(*) FROM verification_sms WHERE person_id = ?1 AND created_at > ?7) < ?8
         AND (SELECT COUNT(*) FROM verification_sms WHERE number_hash = ?2 AND created_at > ?7) < ?9
         AND (SELECT COUNT(*) FROM verification_sms WHERE created_at > ?7) < ?10
       RETURNING id`,
    )
    .bind(w.personId, w.numberHash, w.now, w.contactId, w.hourAgo, l.perContactPerHour, w.dayAgo, l.perAccountPerDay, l.perNumberPerDay, l.networkPerDay)
    .first<{ id: number }>();
  return r?.id ?? null;
}

export interface SmsCounts {
  contactHour: number;
  accountDay: number;
  numberDay: number;
  networkDay: number;
}

/** The counts `reserveSms` checks, to say which limit was reached. */
export async function smsCounts(db: D1Database, w: SmsWindow): Promise<SmsCounts> {
  const r = await db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM contact_verifications WHERE contact_id = ?3 AND created_at > ?4) AS contact_hour,
              (SELECT COUNT(*) FROM verification_sms WHERE person_id = ?1 AND created_at > ?5) AS account_day,
              (SELECT COUNT(*) FROM verification_sms WHERE number_hash = ?2 AND created_at > ?5) AS number_day,
              (SELECT COUNT(*) FROM verification_sms WHERE created_at > ?5) AS network_day`,
    )
    .bind(w.personId, w.numberHash, w.contactId, w.hourAgo, w.dayAgo)
    .first<{ contact_hour: number; account_day: number; number_day: number; network_day: number }>();
  return { contactHour: r!.contact_hour, accountDay: r!.account_day, numberDay: r!.number_day, networkDay: r!.network_day };
}

/** Verification SMS counted over the last day, network-wide. */
export async function networkSmsSince(db: D1Database, since: number): Promise<number> {
  const r = await db.prepare("SELECT COUNT(*) AS n FROM verification_sms WHERE created_at > ?1").bind(since).first<{ n: number }>();
  return r!.n;
}

/** Counted SMS older than any window: nothing reads them any more. */
export const forgetOldSms = (db: D1Database, before: number) => db.prepare("DELETE FROM verification_sms WHERE created_at < ?1").bind(before);

/** Claims the day's ceiling alert; true for the one caller that claimed it first. */
export async function claimCeilingAlert(db: D1Database, day: string, at: number): Promise<boolean> {
  const r = await db
    .prepare("INSERT INTO verification_sms_alerts (day, claimed_at) VALUES (?1, ?2) ON CONFLICT(day) DO NOTHING RETURNING day")
    .bind(day, at)
    .first<{ day: string }>();
  return r !== null;
}

export const recordCeilingAlert = (db: D1Database, day: string, accepted: number) =>
  db.prepare("UPDATE verification_sms_alerts SET alerts_accepted = ?2 WHERE day = ?1").bind(day, accepted);
