/** Helpers for the roll-call, reply and escalation tests. */
import { env } from "cloudflare:test";
import { clock } from "../worker/lib/clock";
import { replyToken } from "../worker/reply/token";
import { fillTokenHashes } from "../worker/rollcall/tokens";
import { api, makeFacility, makePerson, signedIn, type PersonSpec, type TestPerson } from "./helpers";

export async function adminsWithoutMfa(): Promise<void> {
  await env.DB.prepare("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES ('mfaRequiredForAdmins', 'false', 0)").run();
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
    messages: { channel: string; lang: string; audience: string; subject?: string; text: string; html?: string; sms?: { segments: number; encoding: string } }[];
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

/**
 * The person's reply link path, derived as the delivery domain derives it; like the
 * delivery plan, it first stores the link's hash if no wave has produced it yet.
 */
export async function replyPath(rollcallId: number, personId: number): Promise<string> {
  const rc = await env.DB.prepare("SELECT salt FROM rollcalls WHERE id = ?1").bind(rollcallId).first<{ salt: string }>();
  await fillTokenHashes(env, rollcallId, [personId], rc!.salt);
  return `/r/${await replyToken(env, rollcallId, rc!.salt, personId)}`;
}

/** Posts the reply form as a browser would. */
export function postForm(path: string, fields: Record<string, string>) {
  return api("POST", path, { body: new URLSearchParams(fields).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });
}

export async function replyCount(rollcallId: number, personId?: number): Promise<number> {
  const r = await env.DB.prepare("SELECT COUNT(*) AS n FROM replies WHERE rollcall_id = ?1 AND (?2 IS NULL OR person_id = ?2)").bind(rollcallId, personId ?? null).first<{ n: number }>();
  return r!.n;
}

export async function addPush(personId: number): Promise<void> {
  await env.DB.prepare("INSERT INTO push_subscriptions (person_id, endpoint, p256dh, auth, created_at) VALUES (?1, ?2, 'p', 'a', ?3)")
    .bind(personId, `https://push.example.org/${personId}-${crypto.randomUUID()}`, clock.now())
    .run();
}
