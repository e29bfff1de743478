/**
 * Straight to D1: the settings the tests share, and the rows several tests insert or
 * read directly (counts, the audit log, contacts, replies, push subscriptions).
 */
import { env } from "cloudflare:test";
import { clock } from "../../worker/lib/clock";
import { replyToken } from "../../worker/reply/token";
import { fillTokenHashes } from "../../worker/rollcall/tokens";

/** Admins sign in without TOTP (the auth tests cover the MFA rule). */
export async function adminsWithoutMfa(): Promise<void> {
  await env.DB.prepare("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES ('mfaRequiredForAdmins', 'false', 0)").run();
}

/** Counts rows (storage is shared by the tests of a file: compare before and after). */
export async function count(sql: string, ...binds: unknown[]): Promise<number> {
  const r = await env.DB.prepare(`SELECT COUNT(*) AS n FROM (${sql})`)
    .bind(...binds)
    .first<{ n: number }>();
  return r!.n;
}

export async function lastAuditId(): Promise<number> {
  const r = await env.DB.prepare("SELECT COALESCE(MAX(id), 0) AS id FROM audit_log").first<{ id: number }>();
  return r!.id;
}

export async function auditActions(sinceId: number): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT action FROM audit_log WHERE id > ?1 ORDER BY id").bind(sinceId).all<{ action: string }>();
  return results.map((r) => r.action);
}

export interface AuditRow {
  actor_id: number | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  detail: string;
}

export async function auditSince(id: number): Promise<AuditRow[]> {
  const { results } = await env.DB.prepare("SELECT actor_id, action, object_type, object_id, detail FROM audit_log WHERE id > ?1 ORDER BY id")
    .bind(id)
    .all<AuditRow>();
  return results;
}

/** People holding this address now (active contacts). */
export async function holdersOf(kind: "email" | "mobile", value: string): Promise<number[]> {
  const { results } = await env.DB.prepare("SELECT person_id FROM contacts WHERE kind = ?1 AND value = ?2 AND removed_at IS NULL")
    .bind(kind, value)
    .all<{ person_id: number }>();
  return results.map((r) => r.person_id);
}

/**
 * The person's reply link path, derived as the delivery domain derives it; like the
 * delivery plan, it first stores the link's hash if no wave has produced it yet.
 */
export async function replyPath(rollcallId: number, personId: number): Promise<string> {
  const rc = await env.DB.prepare("SELECT salt FROM rollcalls WHERE id = ?1").bind(rollcallId).first<{ salt: string }>();
  await fillTokenHashes(env, rollcallId, [personId], rc!.salt);
  return `/r/${await replyToken(env, rollcallId, rc!.salt, personId)}`;
}

export async function replyCount(rollcallId: number, personId?: number): Promise<number> {
  const r = await env.DB.prepare("SELECT COUNT(*) AS n FROM replies WHERE rollcall_id = ?1 AND (?2 IS NULL OR person_id = ?2)")
    .bind(rollcallId, personId ?? null)
    .first<{ n: number }>();
  return r!.n;
}

export async function addPush(personId: number): Promise<void> {
  await env.DB.prepare("INSERT INTO push_subscriptions (person_id, endpoint, p256dh, auth, created_at) VALUES (?1, ?2, 'p', 'a', ?3)")
    .bind(personId, `https://push.example.org/${personId}-${crypto.randomUUID()}`, clock.now())
    .run();
}
