import type { FacilityRole, GlobalRole } from "./scope";

/** All SQL of the auth domain. */

export interface AccountRow {
  id: number;
  name: string;
  /** The person's language (messages to them). */
  lang: string;
  globalRole: GlobalRole | null;
  passwordHash: string | null;
  passwordChangedAt: number | null;
  totpSecret: string | null;
  totpEnabled: boolean;
  totpLastStep: number | null;
}

interface PeopleRow {
  id: number;
  name: string;
  lang: string;
  global_role: GlobalRole | null;
  password_hash: string | null;
  password_changed_at: number | null;
  totp_secret: string | null;
  totp_enabled_at: number | null;
  totp_last_step: number | null;
}

const toAccount = (r: PeopleRow): AccountRow => ({
  id: r.id,
  name: r.name,
  lang: r.lang,
  globalRole: r.global_role,
  passwordHash: r.password_hash,
  passwordChangedAt: r.password_changed_at,
  totpSecret: r.totp_secret,
  totpEnabled: r.totp_enabled_at !== null,
  totpLastStep: r.totp_last_step,
});

const ACCOUNT_COLUMNS = "p.id, p.name, p.lang, p.global_role, p.password_hash, p.password_changed_at, p.totp_secret, p.totp_enabled_at, p.totp_last_step";

export async function findAccountByEmail(db: D1Database, email: string): Promise<AccountRow | null> {
  const row = await db
    .prepare(
      `SELECT ${ACCOUNT_COLUMNS} FROM contacts c JOIN people p ON p.id = c.person_id
       WHERE c.kind = 'email' AND c.value = ?1 AND c.removed_at IS NULL AND p.removed_at IS NULL`,
    )
    .bind(email)
    .first<PeopleRow>();
  return row ? toAccount(row) : null;
}

export async function findAccount(db: D1Database, personId: number): Promise<AccountRow | null> {
  const row = await db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM people p WHERE p.id = ?1 AND p.removed_at IS NULL`).bind(personId).first<PeopleRow>();
  return row ? toAccount(row) : null;
}

export async function facilityRolesOf(db: D1Database, personId: number): Promise<{ facilityId: number; role: FacilityRole }[]> {
  const { results } = await db
    .prepare(
      `SELECT m.facility_id, m.role FROM memberships m JOIN facilities f ON f.id = m.facility_id
       WHERE m.person_id = ?1 AND m.removed_at IS NULL AND f.removed_at IS NULL ORDER BY m.id`,
    )
    .bind(personId)
    .all<{ facility_id: number; role: FacilityRole }>();
  return results.map((r) => ({ facilityId: r.facility_id, role: r.role }));
}

export interface SessionRow {
  personId: number;
  createdAt: number;
  lastSeenAt: number;
}

export async function findSession(db: D1Database, idHash: string): Promise<SessionRow | null> {
  const r = await db
    .prepare("SELECT person_id, created_at, last_seen_at FROM sessions WHERE id_hash = ?1 AND revoked_at IS NULL")
    .bind(idHash)
    .first<{ person_id: number; created_at: number; last_seen_at: number }>();
  return r ? { personId: r.person_id, createdAt: r.created_at, lastSeenAt: r.last_seen_at } : null;
}

export const insertSession = (db: D1Database, idHash: string, personId: number, at: number, userAgent: string) =>
  db
    .prepare("INSERT INTO sessions (id_hash, person_id, created_at, last_seen_at, user_agent) VALUES (?1, ?2, ?3, ?3, ?4)")
    .bind(idHash, personId, at, userAgent.slice(0, 200));

export const touchSession = (db: D1Database, idHash: string, at: number) =>
  db.prepare("UPDATE sessions SET last_seen_at = ?2 WHERE id_hash = ?1").bind(idHash, at);

export const revokeSession = (db: D1Database, idHash: string, at: number) =>
  db.prepare("UPDATE sessions SET revoked_at = ?2 WHERE id_hash = ?1 AND revoked_at IS NULL").bind(idHash, at);

export const revokeAllSessions = (db: D1Database, personId: number, at: number) =>
  db.prepare("UPDATE sessions SET revoked_at = ?2 WHERE person_id = ?1 AND revoked_at IS NULL").bind(personId, at);

/** Every session of the person but `keepHash` (the caller's own): a password change, "sign out my other devices". */
export const revokeOtherSessions = (db: D1Database, personId: number, keepHash: string, at: number) =>
  db.prepare("UPDATE sessions SET revoked_at = ?3 WHERE person_id = ?1 AND id_hash <> ?2 AND revoked_at IS NULL").bind(personId, keepHash, at);

export const revokeAllPushSubscriptions = (db: D1Database, personId: number, at: number) =>
  db.prepare("UPDATE push_subscriptions SET revoked_at = ?2 WHERE person_id = ?1 AND revoked_at IS NULL").bind(personId, at);

/** A lost phone may hold a passkey: ending sessions revokes them too (§7 remote wipe). */
export const revokeAllPasskeys = (db: D1Database, personId: number, at: number) =>
  db.prepare("UPDATE passkeys SET revoked_at = ?2 WHERE person_id = ?1 AND revoked_at IS NULL").bind(personId, at);

export const setPassword = (db: D1Database, personId: number, hash: string, at: number) =>
  db.prepare("UPDATE people SET password_hash = ?2, password_changed_at = ?3, updated_at = ?3 WHERE id = ?1").bind(personId, hash, at);

export const setTotpSecret = (db: D1Database, personId: number, secret: string | null, at: number) =>
  db.prepare("UPDATE people SET totp_secret = ?2, totp_enabled_at = NULL, totp_last_step = NULL, updated_at = ?3 WHERE id = ?1").bind(personId, secret, at);

export const enableTotp = (db: D1Database, personId: number, step: number, at: number) =>
  db.prepare("UPDATE people SET totp_enabled_at = ?3, totp_last_step = ?2, updated_at = ?3 WHERE id = ?1").bind(personId, step, at);

/** Records the step of an accepted code; fails (0 changes) if that step or a later one was already used. */
export const useTotpStep = (db: D1Database, personId: number, step: number) =>
  db.prepare("UPDATE people SET totp_last_step = ?2 WHERE id = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)").bind(personId, step);

export interface ThrottleRow {
  failures: number;
  windowStart: number;
  lockedUntil: number | null;
  lastFailureAt: number | null;
  notifiedAt: number | null;
}

export async function readThrottle(db: D1Database, keys: string[]): Promise<Map<string, ThrottleRow>> {
  const { results } = await db
    .prepare(
      `SELECT key, failures, window_start, locked_until, last_failure_at, notified_at FROM login_throttle WHERE key IN (${keys.map((_, i) => `?${i + 1}`).join(",")})`,
    )
    .bind(...keys)
    .all<{ key: string; failures: number; window_start: number; locked_until: number | null; last_failure_at: number | null; notified_at: number | null }>();
  return new Map(
    results.map((r) => [
      r.key,
      { failures: r.failures, windowStart: r.window_start, lockedUntil: r.locked_until, lastFailureAt: r.last_failure_at, notifiedAt: r.notified_at },
    ]),
  );
}

/**
 * Counts one failure against a key that locks: failures within `windowMs` of the
 * first; on reaching `limit` the key is locked for `windowMs` and the count starts
 * over. One statement, so concurrent failures all count (SQLite evaluates the SET
 * expressions on the old row).
 */
export function countLockingFailure(db: D1Database, key: string, now: number, windowMs: number, limit: number) {
  const next = "(CASE WHEN ?2 - window_start > ?3 THEN 1 ELSE failures + 1 END)";
  return db
    .prepare(
      `INSERT INTO login_throttle (key, failures, window_start, locked_until, last_failure_at)
       VALUES (?1, CASE WHEN 1 >= ?4 THEN 0 ELSE 1 END, ?2, CASE WHEN 1 >= ?4 THEN ?2 + ?3 END, ?2)
       ON CONFLICT(key) DO UPDATE SET
         failures = CASE WHEN ${next} >= ?4 THEN 0 ELSE ${next} END,
         window_start = CASE WHEN ${next} >= ?4 OR ?2 - window_start > ?3 THEN ?2 ELSE window_start END,
         locked_until = CASE WHEN ${next} >= ?4 THEN ?2 + ?3 ELSE locked_until END,
         last_failure_at = ?2`,
    )
    .bind(key, now, windowMs, limit);
}

/**
 * Counts one failure against the whole account: it never locks. The count goes on
 * while failures keep coming and starts over after `windowMs` without one. Returns
 * the row (`failures`, `notified_at`).
 */
export function countAccountFailure(db: D1Database, key: string, now: number, windowMs: number) {
  return db
    .prepare(
      `INSERT INTO login_throttle (key, failures, window_start, locked_until, last_failure_at) VALUES (?1, 1, ?2, NULL, ?2)
       ON CONFLICT(key) DO UPDATE SET
         failures = CASE WHEN ?2 - COALESCE(last_failure_at, window_start) > ?3 THEN 1 ELSE failures + 1 END,
         window_start = CASE WHEN ?2 - COALESCE(last_failure_at, window_start) > ?3 THEN ?2 ELSE window_start END,
         locked_until = NULL,
         last_failure_at = ?2
       RETURNING failures, notified_at`,
    )
    .bind(key, now, windowMs);
}

/** Claims the one notice of a window: 1 change when no notice went out within `windowMs`. */
export const claimFailureNotice = (db: D1Database, key: string, now: number, windowMs: number) =>
  db.prepare("UPDATE login_throttle SET notified_at = ?2 WHERE key = ?1 AND (notified_at IS NULL OR ?2 - notified_at >= ?3)").bind(key, now, windowMs);

export const clearThrottle = (db: D1Database, key: string) => db.prepare("DELETE FROM login_throttle WHERE key = ?1").bind(key);

/** Events of the rate limiter (auth/ratelimit.ts): how many each key has had since its window began. */
export async function rateLimitCounts(db: D1Database, windows: readonly { key: string; since: number }[]): Promise<number[]> {
  const results = await db.batch<{ n: number }>(
    windows.map((w) => db.prepare("SELECT COUNT(*) AS n FROM rate_limit_events WHERE key = ?1 AND at > ?2").bind(w.key, w.since)),
  );
  return results.map((r) => r.results[0]?.n ?? 0);
}

/** One event under each key, after forgetting events older than `forgetBefore`. */
export function rateLimitEventStatements(db: D1Database, keys: readonly string[], at: number, forgetBefore: number): D1PreparedStatement[] {
  return [
    db.prepare("DELETE FROM rate_limit_events WHERE at < ?1").bind(forgetBefore),
    ...keys.map((key) => db.prepare("INSERT INTO rate_limit_events (key, at) VALUES (?1, ?2)").bind(key, at)),
  ];
}

// ---------------------------------------------------------------- password resets (「パスワードを忘れた方」)

/**
 * The account a reset link may be sent for: an active person holding this email,
 * verified (the person showed the address is theirs: an invitation or the link of
 * the staff app). An address an admin typed in is never sent a reset.
 */
export async function findResetAccount(db: D1Database, email: string): Promise<AccountRow | null> {
  const row = await db
    .prepare(
      `SELECT ${ACCOUNT_COLUMNS} FROM contacts c JOIN people p ON p.id = c.person_id
       WHERE c.kind = 'email' AND c.value = ?1 AND c.removed_at IS NULL AND c.verified_at IS NOT NULL AND p.removed_at IS NULL`,
    )
    .bind(email)
    .first<PeopleRow>();
  return row ? toAccount(row) : null;
}

/**
 * A new reset link for the person, in the caller's batch: the live one (if any) is
 * replaced, then the new one stored by its hash. Links of more than a day ago are
 * forgotten on the way (the audit log keeps who asked when).
 */
export function newResetStatements(db: D1Database, r: { personId: number; tokenHash: string; at: number; expiresAt: number }): D1PreparedStatement[] {
  return [
    db.prepare("DELETE FROM password_resets WHERE expires_at < ?1").bind(r.at - 86_400_000),
    db.prepare("UPDATE password_resets SET replaced_at = ?2 WHERE person_id = ?1 AND used_at IS NULL AND replaced_at IS NULL").bind(r.personId, r.at),
    db
      .prepare("INSERT INTO password_resets (person_id, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)")
      .bind(r.personId, r.tokenHash, r.at, r.expiresAt),
  ];
}

export interface ResetRecord {
  id: number;
  personId: number;
  /** The person's name and language (the page speaks it). */
  name: string;
  lang: string;
  expiresAt: number;
  usedAt: number | null;
  replacedAt: number | null;
}

/** The link of this token hash, with its person (null when unknown or the person is deregistered). */
export async function findReset(db: D1Database, tokenHash: string): Promise<ResetRecord | null> {
  const r = await db
    .prepare(
      `SELECT r.id, r.person_id, p.name, p.lang, r.expires_at, r.used_at, r.replaced_at FROM password_resets r JOIN people p ON p.id = r.person_id
       WHERE r.token_hash = ?1 AND p.removed_at IS NULL`,
    )
    .bind(tokenHash)
    .first<{ id: number; person_id: number; name: string; lang: string; expires_at: number; used_at: number | null; replaced_at: number | null }>();
  return r ? { id: r.id, personId: r.person_id, name: r.name, lang: r.lang, expiresAt: r.expires_at, usedAt: r.used_at, replacedAt: r.replaced_at } : null;
}

/**
 * Uses the link, first in the batch that sets the password: a link still live at `at`
 * goes to uses = 1; a used, replaced or expired one breaks the table's CHECK
 * (uses <= 1), which fails the whole batch, so nothing else of it is written.
 */
export const useReset = (db: D1Database, id: number, at: number) =>
  db
    .prepare(
      `UPDATE password_resets SET uses = uses + CASE WHEN used_at IS NULL AND replaced_at IS NULL AND expires_at > ?2 THEN 1 ELSE 2 END,
         used_at = COALESCE(used_at, ?2) WHERE id = ?1`,
    )
    .bind(id, at);

/** Whether an error is the CHECK of `useReset` (the link was used, replaced or expired meanwhile). */
export const isResetSpent = (err: unknown): boolean => /CHECK constraint failed/i.test(String(err instanceof Error ? err.message : err));
