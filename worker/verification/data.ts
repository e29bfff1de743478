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
    .prepare("SELECT c.id, c.person_id, c.kind, c.value, c.verified_at FROM contacts c JOIN people p ON p.id = c.person_id WHERE c.id = ?1 AND c.removed_at IS NULL AND p.removed_at IS NULL")
    .bind(id)
    .first<{ id: number; person_id: number; kind: "email" | "mobile"; value: string; verified_at: number | null }>();
  return r ? { id: r.id, personId: r.person_id, kind: r.kind, value: r.value, verifiedAt: r.verified_at } : null;
}

export async function requestsSince(db: D1Database, contactId: number, since: number): Promise<number> {
  const r = await db.prepare("SELECT COUNT(*) AS n FROM contact_verifications WHERE contact_id = ?1 AND created_at > ?2").bind(contactId, since).first<{ n: number }>();
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
      .prepare("INSERT INTO contact_verifications (contact_id, person_id, method, secret_hash, salt, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
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
  const r = await db.prepare(`SELECT ${COLUMNS} FROM contact_verifications WHERE contact_id = ?1 AND method = 'code' ORDER BY id DESC LIMIT 1`).bind(contactId).first<Row>();
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
      .prepare("UPDATE contacts SET verified_at = ?2 WHERE id = ?1 AND removed_at IS NULL AND EXISTS (SELECT 1 FROM contact_verifications WHERE id = ?3 AND used_at = ?2)")
      .bind(v.contactId, at, v.id),
  ];
}

export async function personLang(db: D1Database, personId: number): Promise<string | null> {
  const r = await db.prepare("SELECT lang FROM people WHERE id = ?1").bind(personId).first<{ lang: string }>();
  return r?.lang ?? null;
}
