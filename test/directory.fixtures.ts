import { env } from "cloudflare:test";
import { api } from "./helpers";

/** Admins sign in without TOTP in these tests (the auth tests cover the MFA rule). */
export async function noAdminMfa() {
  await env.DB.prepare("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES ('mfaRequiredForAdmins', 'false', 0)").run();
}

export async function lastAuditId(): Promise<number> {
  return (await env.DB.prepare("SELECT COALESCE(MAX(id), 0) AS m FROM audit_log").first<{ m: number }>())!.m;
}

export interface AuditRowT {
  actor_id: number | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  detail: string;
}

export async function auditSince(id: number): Promise<AuditRowT[]> {
  const { results } = await env.DB.prepare("SELECT actor_id, action, object_type, object_id, detail FROM audit_log WHERE id > ?1 ORDER BY id").bind(id).all<AuditRowT>();
  return results;
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** A unique suffix so tests sharing one D1 do not collide on names and addresses. */
let n = 0;
export const uniq = () => `${Date.now().toString(36)}${++n}`;

/** A fresh valid Japanese mobile number in the 090 range, in the notation a person would type. */
const block = 2000 + Math.floor(Math.random() * 8000);
let m = 0;
export const freshMobile = () => `080-${block}-${String(++m).padStart(4, "0")}`;

export async function createPerson(cookie: string, body: Record<string, unknown>) {
  return api("POST", "/api/people", { cookie, body });
}
