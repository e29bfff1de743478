/** Helpers for the staff-app tests: calls with an env override (a channel pointed at a fake), forms, cookies. */
import { createExecutionContext, env } from "cloudflare:test";
import { app } from "../worker/app";
import { ORIGIN } from "./helpers";

export interface CallOptions {
  cookie?: string;
  body?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Env overrides, e.g. `smtpFake.env()`: the route then sends through that fake. */
  env?: Partial<Env>;
}

/** Calls the app as a browser would, with the test env plus `opts.env`. */
export async function call(method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.cookie) headers.cookie = opts.cookie;
  let body: BodyInit | undefined;
  if (opts.form) {
    body = new URLSearchParams(opts.form).toString();
    headers["content-type"] = "application/x-www-form-urlencoded";
  } else if (opts.body !== undefined) {
    if (typeof opts.body === "string" || opts.body instanceof Uint8Array || opts.body instanceof ArrayBuffer) body = opts.body as BodyInit;
    else {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
  }
  return app.fetch(new Request(ORIGIN + path, { method, headers, body }), { ...env, ...(opts.env ?? {}) } as Env, createExecutionContext());
}

/** The session cookie a response set, as a request header value. */
export function cookieOf(res: Response): string | null {
  const m = /anpi_sid=([^;]+)/.exec(res.headers.get("set-cookie") ?? "");
  return m ? `anpi_sid=${m[1]}` : null;
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export async function errorOf(res: Response): Promise<{ code: string; message: string; field?: string }> {
  return ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;
}

/** Counts rows (storage is shared by the tests of a file: compare before and after). */
export async function count(sql: string, ...binds: unknown[]): Promise<number> {
  const r = await env.DB.prepare(`SELECT COUNT(*) AS n FROM (${sql})`).bind(...binds).first<{ n: number }>();
  return r!.n;
}

export async function auditActions(sinceId: number): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT action FROM audit_log WHERE id > ?1 ORDER BY id").bind(sinceId).all<{ action: string }>();
  return results.map((r) => r.action);
}

export async function lastAuditId(): Promise<number> {
  const r = await env.DB.prepare("SELECT COALESCE(MAX(id), 0) AS id FROM audit_log").first<{ id: number }>();
  return r!.id;
}

export async function adminsWithoutMfa(): Promise<void> {
  await env.DB.prepare("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES ('mfaRequiredForAdmins', 'false', 0)").run();
}
