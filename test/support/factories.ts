/**
 * Making the things a test needs: facilities and people straight in D1, people signed
 * in, a network (a facility, its admin and staff), roll-calls drafted and opened through
 * the API, and unique names and numbers (storage is shared by the tests of a file).
 */
import { env } from "cloudflare:test";
import { hashPassword } from "../../worker/auth/password";
import { clock } from "../../worker/lib/clock";
import { adminsWithoutMfa } from "./db";
import { api, PASSWORD, signIn } from "./http";

/** Password hashes are slow on purpose; tests share one per password. */
const hashes = new Map<string, Promise<string>>();
const hashOf = (pw: string) => {
  if (!hashes.has(pw)) hashes.set(pw, hashPassword(pw));
  return hashes.get(pw)!;
};

let seq = 0;
const next = () => ++seq;

let n = 0;
/** A name part no other test of the file uses (storage is shared within a file). */
export const uniq = () => `${Date.now().toString(36)}${++n}`;

/** A fresh valid Japanese mobile number in the 080 range, in the notation a person would type. */
const block = 2000 + Math.floor(Math.random() * 8000);
let m = 0;
export const freshMobile = () => `080-${block}-${String(++m).padStart(4, "0")}`;

export type FacilityType =
  | "clinic"
  | "hospital"
  | "dental"
  | "pharmacy"
  | "visiting_nurse"
  | "visiting_rehab"
  | "care_manager"
  | "home_care"
  | "community_support"
  | "city_division";

export async function makeFacility(over: Partial<{ name: string; kana: string; type: FacilityType; district: string }> = {}): Promise<number> {
  const n = next();
  const now = clock.now();
  const r = await env.DB.prepare(
    "INSERT INTO facilities (type, name, kana, address, district, created_at, updated_at) VALUES (?1, ?2, ?3, '', ?4, ?5, ?5) RETURNING id",
  )
    .bind(over.type ?? "clinic", over.name ?? `テスト診療所${n}`, over.kana ?? `テストシンリョウジョ${n}`, over.district ?? "本町", now)
    .first<{ id: number }>();
  await env.DB.prepare("INSERT INTO groups (kind, name, facility_id, created_at) VALUES ('facility', ?1, ?2, ?3)")
    .bind(over.name ?? `テスト診療所${n}`, r!.id, now)
    .run();
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
  /** 職種 (医師, 看護師, …). */
  job?: string;
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
    `INSERT INTO people (name, kana, lang, global_role, password_hash, password_changed_at, created_at, updated_at, job)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6, ?7) RETURNING id`,
  )
    .bind(
      spec.name ?? `試験 太郎${n}`,
      spec.kana ?? `シケン タロウ${n}`,
      spec.lang ?? "ja",
      spec.globalRole ?? null,
      password ? await hashOf(password) : null,
      now,
      spec.job ?? "",
    )
    .first<{ id: number }>();
  const id = p!.id;
  const stmts: D1PreparedStatement[] = [];
  if (spec.facilityId)
    stmts.push(
      env.DB.prepare("INSERT INTO memberships (person_id, facility_id, role, created_at) VALUES (?1, ?2, ?3, ?4)").bind(
        id,
        spec.facilityId,
        spec.role ?? "staff",
        now,
      ),
    );
  if (email)
    stmts.push(env.DB.prepare("INSERT INTO contacts (person_id, kind, value, verified_at, created_at) VALUES (?1, 'email', ?2, ?3, ?3)").bind(id, email, now));
  if (mobile)
    stmts.push(
      env.DB.prepare("INSERT INTO contacts (person_id, kind, value, verified_at, created_at) VALUES (?1, 'mobile', ?2, ?3, ?3)").bind(id, mobile, now),
    );
  if (stmts.length) await env.DB.batch(stmts);
  return { id, email, mobile, password };
}

/** A person of the given role, signed in. */
export async function signedIn(spec: PersonSpec): Promise<TestPerson & { cookie: string }> {
  const person = await makePerson(spec);
  return { ...person, cookie: await signIn(person.email!, person.password ?? PASSWORD) };
}

export type SignedIn = TestPerson & { cookie: string };

/** A network admin and a viewer (the city), signed in, admins without TOTP: whom most files sign in before their tests. */
export async function signInReaders(): Promise<{ networkAdmin: SignedIn; viewer: SignedIn }> {
  await adminsWithoutMfa();
  return { networkAdmin: await signedIn({ globalRole: "network_admin" }), viewer: await signedIn({ globalRole: "viewer" }) };
}

/** Creates a person through the API, as an admin would. */
export async function createPerson(cookie: string, body: Record<string, unknown>): Promise<Response> {
  return api("POST", "/api/people", { cookie, body });
}

export interface Network {
  facilityId: number;
  admin: TestPerson & { cookie: string };
  staff: TestPerson[];
}

/** A facility with a signed-in admin and `n` staff (email + mobile unless told otherwise). */
export async function makeNetwork(staff: PersonSpec[] = [{}, {}]): Promise<Network> {
  const facilityId = await makeFacility();
  const admin = await signedIn({ facilityId, role: "admin" });
  const people = [];
  for (const s of staff) people.push(await makePerson({ facilityId, role: "staff", password: null, ...s }));
  return { facilityId, admin, staff: people };
}

export interface Draft {
  rollcall: { id: number; state: string; drill: boolean };
  preview: {
    recipients: number;
    byChannel: Record<string, number>;
    firstWave: Record<string, number>;
    unreachable: number;
    unreachablePeople: { personId: number; name: string }[];
    byLang: Record<string, number>;
    messages: {
      channel: string;
      lang: string;
      audience: string;
      subject?: string;
      text: string;
      html?: string;
      sms?: { segments: number; encoding: string };
    }[];
  };
}

export async function draft(cookie: string, body: Record<string, unknown>): Promise<Draft> {
  const res = await api("POST", "/api/rollcalls", { cookie, body: { title: "地震 安否確認", template: "safety", drill: true, ...body } });
  if (res.status !== 201) throw new Error(`draft failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Draft;
}

/** Drafts and confirms a roll-call; answers its id. */
export async function openRollcall(cookie: string, body: Record<string, unknown>): Promise<number> {
  const d = await draft(cookie, body);
  const res = await api("POST", `/api/rollcalls/${d.rollcall.id}/confirm`, { cookie });
  if (res.status !== 200) throw new Error(`confirm failed: ${res.status} ${await res.text()}`);
  return d.rollcall.id;
}
