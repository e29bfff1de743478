/**
 * Calling the worker from a test: the one HTTP caller (`api`), sign-in, and the
 * readers of a response (cookie, JSON body, error).
 */
import { createExecutionContext, env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { app } from "../../worker/app";

export const ORIGIN = "https://anpi.example.org";
export const PASSWORD = "Koganei2026x";

export interface ApiOptions {
  cookie?: string;
  /** JSON bodies are serialised; strings and bytes are sent as is. */
  body?: unknown;
  /** A form, sent url-encoded as a browser posts it (instead of `body`). */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Env overrides, e.g. `smtpFake.env()`: the route then sends through that fake. */
  env?: Partial<Env>;
}

/**
 * Calls the worker as a browser would. Without `opts.env` the request goes through the
 * worker's own fetch handler; with it, through the app with the test env plus `opts.env`.
 */
export async function api(method: string, path: string, opts: ApiOptions = {}): Promise<Response> {
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
  const req = new Request(ORIGIN + path, { method, headers, body });
  if (opts.env) return app.fetch(req, { ...env, ...opts.env } as Env, createExecutionContext());
  return exports.default.fetch(req);
}

/** Posts a form (the reply page's) as a browser would. */
export function postForm(path: string, fields: Record<string, string>): Promise<Response> {
  return api("POST", path, { form: fields });
}

/** The session cookie a response set, as a request header value. */
export function cookieOf(res: Response): string | null {
  const m = /anpi_sid=([^;]+)/.exec(res.headers.get("set-cookie") ?? "");
  return m ? `anpi_sid=${m[1]}` : null;
}

/** Signs in and returns the cookie header to send on later calls. */
export async function signIn(email: string, password = PASSWORD, code?: string): Promise<string> {
  const res = await api("POST", "/api/session", { body: { email, password, ...(code ? { code } : {}) } });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const cookie = cookieOf(res);
  if (!cookie) throw new Error("no session cookie");
  return cookie;
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** The JSON body of a response that must have this status (the body names what went wrong when it has not). */
export async function expectJson<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** GETs `path` as `cookie`, which must answer 200, and answers its JSON. */
export async function getJson<T>(path: string, cookie: string): Promise<T> {
  const res = await api("GET", path, { cookie });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

export async function errorOf(res: Response): Promise<{ code: string; message: string; field?: string }> {
  return ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;
}
