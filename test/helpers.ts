import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { hashPassword } from "../worker/auth/password";
import { clock } from "../worker/lib/clock";

export const ORIGIN = "https://anpi.example.org";
export const PASSWORD = "Koganei2026x";

/** Password hashes are slow on purpose; tests share one per password. */
const hashes = new Map<string, Promise<string>>();
const hashOf = (pw: string) => {
  if (!hashes.has(pw)) hashes.set(pw, hashPassword(pw));
  return hashes.get(pw)!;
};

let seq = 0;
const next = () => ++seq;

export type FacilityType =
  | "clinic" | "hospital" | "dental" | "pharmacy" | "visiting_nurse" | "visiting_rehab"
  | "care_manager" | "home_care" | "community_support" | "city_division";

export async function makeFacility(over: Partial<{ name: string; kana: string; type: FacilityType; district: string }> = {}): Promise<number> {
  const n = next();
  const now = clock.now();
  const r = await env.DB.prepare(
    "INSERT INTO facilities (type, name, kana, address, district, created_at, updated_at) VALUES (?1, ?2, ?3, '', ?4, ?5, ?5) RETURNING id",
  )
    .bind(over.type ?? "clinic", over.name ?? `テスト診療所${n}`, over.kana ?? `テストシンリョウジョ${n}`, over.district ?? "本町", now)
    .first<{ id: number }>();
  await env.DB.prepare("INSERT INTO groups (kind, name, facility_id, created_at) VALUES ('facility', ?1, ?2, ?3)").bind(over.name ?? `テスト診療所${n}`, r!.id, now).run();
  return r!.id;
}

export interface PersonSpec {
  name?: string;
  kana?: string;
  globalRole?: "network_admin" | "viewer";
  facilityId?: number;
  role?: "admin" | "delegate" | "staff";
  email?: string | null;
  mobile?: string | null;
  password?: string | null;
  lang?: string;
}

export interface TestPerson {
  id: number;
  email: string | null;
  mobile: string | null;
  password: string | null;
}

/** Inserts a person with memberships and contacts straight into D1. */
export async function makePerson(spec: PersonSpec = {}): Promise<TestPerson> {
  const n = next();
  const now = clock.now();
  const password = spec.password === undefined ? PASSWORD : spec.password;
  const email = spec.email === undefined ? `person${n}@example.org` : spec.email;
  const mobile = spec.mobile === undefined ? `+8190${String(10_000_000 + n).padStart(8, "0")}` : spec.mobile;
  const p = await env.DB.prepare(
    `INSERT INTO people (name, kana, lang, global_role, password_hash, password_changed_at, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6) RETURNING id`,
  )
    .bind(spec.name ?? `試験 太郎${n}`, spec.kana ?? `シケン タロウ${n}`, spec.lang ?? "ja", spec.globalRole ?? null, password ? await hashOf(password) : null, now)
    .first<{ id: number }>();
  const id = p!.id;
  const stmts: D1PreparedStatement[] = [];
  if (spec.facilityId)
    stmts.push(env.DB.prepare("INSERT INTO memberships (person_id, facility_id, role, created_at) VALUES (?1, ?2, ?3, ?4)").bind(id, spec.facilityId, spec.role ?? "staff", now));
  if (email) stmts.push(env.DB.prepare("INSERT INTO contacts (person_id, kind, value, verified_at, created_at) VALUES (?1, 'email', ?2, ?3, ?3)").bind(id, email, now));
  if (mobile) stmts.push(env.DB.prepare("INSERT INTO contacts (person_id, kind, value, verified_at, created_at) VALUES (?1, 'mobile', ?2, ?3, ?3)").bind(id, mobile, now));
  if (stmts.length) await env.DB.batch(stmts);
  return { id, email, mobile, password };
}

export interface ApiOptions {
  cookie?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls the worker as a browser would. JSON bodies are serialised; strings and bytes sent as is. */
export async function api(method: string, path: string, opts: ApiOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.cookie) headers.cookie = opts.cookie;
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    if (typeof opts.body === "string" || opts.body instanceof Uint8Array || opts.body instanceof ArrayBuffer) body = opts.body as BodyInit;
    else {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
  }
  return exports.default.fetch(new Request(ORIGIN + path, { method, headers, body }));
}

/** Signs in and returns the cookie header to send on later calls. */
export async function signIn(email: string, password = PASSWORD, code?: string): Promise<string> {
  const res = await api("POST", "/api/session", { body: { email, password, ...(code ? { code } : {}) } });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const set = res.headers.get("set-cookie") ?? "";
  const m = /anpi_sid=([^;]+)/.exec(set);
  if (!m) throw new Error("no session cookie");
  return `anpi_sid=${m[1]}`;
}

/** A person of the given role, signed in. */
export async function signedIn(spec: PersonSpec): Promise<TestPerson & { cookie: string }> {
  const person = await makePerson(spec);
  return { ...person, cookie: await signIn(person.email!, person.password ?? PASSWORD) };
}
