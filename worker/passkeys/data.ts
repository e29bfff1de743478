/** All SQL of passkeys and their one-time challenges. */

export interface PasskeyRow {
  id: number;
  credentialId: string;
  personId: number;
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: "singleDevice" | "multiDevice";
  backedUp: boolean;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

interface Row {
  id: number;
  credential_id: string;
  person_id: number;
  public_key: string;
  counter: number;
  transports: string;
  device_type: "singleDevice" | "multiDevice";
  backed_up: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

const toRow = (r: Row): PasskeyRow => ({
  id: r.id,
  credentialId: r.credential_id,
  personId: r.person_id,
  publicKey: r.public_key,
  counter: r.counter,
  transports: JSON.parse(r.transports) as string[],
  deviceType: r.device_type,
  backedUp: r.backed_up === 1,
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

const COLUMNS = "k.id, k.credential_id, k.person_id, k.public_key, k.counter, k.transports, k.device_type, k.backed_up, k.name, k.created_at, k.last_used_at";

export async function passkeysOf(db: D1Database, personId: number): Promise<PasskeyRow[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM passkeys k WHERE k.person_id = ?1 AND k.revoked_at IS NULL ORDER BY k.id`)
    .bind(personId)
    .all<Row>();
  return results.map(toRow);
}

/** An active passkey of an active person. */
export async function byCredentialId(db: D1Database, credentialId: string): Promise<PasskeyRow | null> {
  const r = await db
    .prepare(
      `SELECT ${COLUMNS} FROM passkeys k JOIN people p ON p.id = k.person_id WHERE k.credential_id = ?1 AND k.revoked_at IS NULL AND p.removed_at IS NULL`,
    )
    .bind(credentialId)
    .first<Row>();
  return r ? toRow(r) : null;
}

export async function credentialTaken(db: D1Database, credentialId: string): Promise<boolean> {
  return !!(await db.prepare("SELECT 1 AS x FROM passkeys WHERE credential_id = ?1").bind(credentialId).first());
}

export const insertPasskey = (
  db: D1Database,
  p: {
    credentialId: string;
    personId: number;
    publicKey: string;
    counter: number;
    transports: string[];
    deviceType: string;
    backedUp: boolean;
    name: string;
    at: number;
  },
) =>
  db
    .prepare(
      "INSERT INTO passkeys (credential_id, person_id, public_key, counter, transports, device_type, backed_up, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .bind(p.credentialId, p.personId, p.publicKey, p.counter, JSON.stringify(p.transports), p.deviceType, p.backedUp ? 1 : 0, p.name, p.at);

export const usePasskey = (db: D1Database, id: number, counter: number, at: number) =>
  db.prepare("UPDATE passkeys SET counter = ?2, last_used_at = ?3 WHERE id = ?1").bind(id, counter, at);

export const revokePasskey = (db: D1Database, id: number, personId: number, at: number) =>
  db.prepare("UPDATE passkeys SET revoked_at = ?3 WHERE id = ?1 AND person_id = ?2 AND revoked_at IS NULL").bind(id, personId, at);

export const insertChallenge = (db: D1Database, hash: string, purpose: "register" | "authenticate", personId: number | null, expiresAt: number) =>
  db
    .prepare("INSERT INTO webauthn_challenges (challenge_hash, purpose, person_id, expires_at) VALUES (?1, ?2, ?3, ?4)")
    .bind(hash, purpose, personId, expiresAt);

/** Takes a challenge once: true when it was outstanding, for this purpose and person, and fresh. */
export async function consumeChallenge(
  db: D1Database,
  hash: string,
  purpose: "register" | "authenticate",
  personId: number | null,
  now: number,
): Promise<boolean> {
  const r = await db
    .prepare("DELETE FROM webauthn_challenges WHERE challenge_hash = ?1 AND purpose = ?2 AND person_id IS ?3 RETURNING expires_at")
    .bind(hash, purpose, personId)
    .first<{ expires_at: number }>();
  return !!r && r.expires_at > now;
}

export const dropExpiredChallenges = (db: D1Database, now: number) => db.prepare("DELETE FROM webauthn_challenges WHERE expires_at < ?1").bind(now);
