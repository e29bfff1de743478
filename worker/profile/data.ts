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
    .prepare(
      "SELECT id, kind, value, verified_at, last_ok_at FROM contacts WHERE person_id = ?1 AND kind IN ('email', 'mobile') AND removed_at IS NULL ORDER BY kind, id",
    )
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

// ---------------------------------------------------------------- one's own contacts (POST/DELETE /api/me/contacts)

/** Who holds an address now (one account per address): the person and the contact row. */
export async function addressHolder(db: D1Database, kind: "email" | "mobile", value: string): Promise<{ contactId: number; personId: number } | null> {
  const r = await db
    .prepare("SELECT id, person_id FROM contacts WHERE kind = ?1 AND value = ?2 AND removed_at IS NULL")
    .bind(kind, value)
    .first<{ id: number; person_id: number }>();
  return r ? { contactId: r.id, personId: r.person_id } : null;
}

/** Ends the person's current address of a kind (one email and one mobile each); the row stays as history. */
export const releaseOwnKind = (db: D1Database, personId: number, kind: "email" | "mobile", at: number) =>
  db.prepare("UPDATE contacts SET removed_at = ?3 WHERE person_id = ?1 AND kind = ?2 AND removed_at IS NULL").bind(personId, kind, at);

/** A new, unverified address of a living person; RETURNING id (nothing when the person is gone). */
export const insertOwnContact = (db: D1Database, personId: number, kind: "email" | "mobile", value: string, at: number) =>
  db
    .prepare(
      "INSERT INTO contacts (person_id, kind, value, created_at) SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM people WHERE id = ?1 AND removed_at IS NULL) RETURNING id",
    )
    .bind(personId, kind, value, at);

/**
 * Removes one of the person's contacts only while another one stays: the check and
 * the write are one statement, so two removals racing cannot leave the person unreachable.
 */
export const removeOwnContact = (db: D1Database, personId: number, contactId: number, at: number) =>
  db
    .prepare(
      `UPDATE contacts SET removed_at = ?3 WHERE id = ?2 AND person_id = ?1 AND removed_at IS NULL
         AND (SELECT COUNT(*) FROM contacts WHERE person_id = ?1 AND kind IN ('email', 'mobile') AND removed_at IS NULL) > 1`,
    )
    .bind(personId, contactId, at);

export const isAddressTaken = (err: unknown): boolean => {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.includes("UNIQUE constraint failed") && msg.includes("contacts.");
};
