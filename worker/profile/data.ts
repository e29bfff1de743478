/** All SQL of the profile domain (people rows themselves are written with the directory's statements). */

export interface ChannelRow {
  id: number;
  kind: "email" | "mobile";
  value: string;
  verifiedAt: number | null;
  lastOkAt: number | null;
}

export async function channelsOf(db: D1Database, personId: number): Promise<ChannelRow[]> {
  const { results } = await db
    .prepare("SELECT id, kind, value, verified_at, last_ok_at FROM contacts WHERE person_id = ?1 AND removed_at IS NULL ORDER BY kind, id")
    .bind(personId)
    .all<{ id: number; kind: "email" | "mobile"; value: string; verified_at: number | null; last_ok_at: number | null }>();
  return results.map((r) => ({ id: r.id, kind: r.kind, value: r.value, verifiedAt: r.verified_at, lastOkAt: r.last_ok_at }));
}

export async function securityCounts(db: D1Database, personId: number): Promise<{ devices: number; passkeys: number }> {
  const r = await db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM push_subscriptions WHERE person_id = ?1 AND revoked_at IS NULL) AS devices,
              (SELECT COUNT(*) FROM passkeys WHERE person_id = ?1 AND revoked_at IS NULL) AS passkeys`,
    )
    .bind(personId)
    .first<{ devices: number; passkeys: number }>();
  return r ?? { devices: 0, passkeys: 0 };
}

export const setPhotoKey = (db: D1Database, personId: number, key: string | null, at: number) =>
  db.prepare("UPDATE people SET photo_key = ?2, updated_at = ?3 WHERE id = ?1 AND removed_at IS NULL").bind(personId, key, at);
