/**
 * Issue 10, finding 7 (second half): accepting an invitation creates or confirms the
 * invitee's own account, never the signed-in person's; and an invitation whose
 * address changed hands after it was sent is refused, not bound to the new holder.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { clock } from "../../worker/lib/clock";
import { adminsWithoutMfa, count } from "../support/db";
import { makeFacility, makePerson, signedIn } from "../support/factories";
import { api, cookieOf, json } from "../support/http";

const GOOD = "Sakura2026ab";
const OTHER_NOTE = "いまサインインしている方とは別の宛先";

let facility: number;
let inviter: { id: number; cookie: string };
let network: string;
/** A, signed in on the browser the invitee's link is opened in. */
let a: { id: number; email: string | null; cookie: string };

beforeAll(async () => {
  await adminsWithoutMfa();
  facility = await makeFacility({ name: `受諾テスト診療所${Date.now()}` });
  inviter = await signedIn({ facilityId: facility, role: "admin" });
  network = (await signedIn({ globalRole: "network_admin" })).cookie;
  a = await signedIn({ facilityId: await makeFacility(), role: "staff", name: "サインイン中 A" });
});

/** Invites `address` to the facility and returns the join path, as the network admin reads it from the sandbox outbox. */
async function invite(address: string, role = "staff"): Promise<{ id: number; path: string }> {
  const res = await api("POST", "/api/invitations", { cookie: inviter.cookie, body: { facilityId: facility, role, name: "招待 花子", email: address } });
  expect(res.status, await res.clone().text()).toBe(201);
  const { id } = await json<{ id: number }>(res);
  const items = (
    await json<{ items: { kind: string; link: string; text: string }[] }>(
      await api("GET", "/api/outbox/messages?kind=invitation&limit=200", { cookie: network }),
    )
  ).items;
  const row = await env.DB.prepare("SELECT id FROM direct_messages WHERE kind = 'invitation' ORDER BY id DESC LIMIT 1").first<{ id: number }>();
  const link = items.find((m) => (m as unknown as { id: number }).id === row!.id)!.link;
  return { id, path: new URL(link).pathname };
}

const acceptForm = { decision: "accept", name: "招待 花子", kana: "ショウタイ ハナコ", password: GOOD, password2: GOOD };

async function facilitiesOf(personId: number): Promise<number[]> {
  const { results } = await env.DB.prepare("SELECT facility_id FROM memberships WHERE person_id = ?1 AND removed_at IS NULL ORDER BY facility_id")
    .bind(personId)
    .all<{ facility_id: number }>();
  return results.map((r) => r.facility_id);
}

const sessionOf = async (cookie: string) => json<{ personId: number }>(await api("GET", "/api/session", { cookie }));

describe("accepting while someone else is signed in", () => {
  it("the join page says, in plain Japanese and naming no address, that the invitation is for someone else", async () => {
    const address = `shown${Date.now()}@example.org`;
    const { path } = await invite(address);
    const signedInPage = await (await api("GET", path, { cookie: a.cookie })).text();
    expect(signedInPage).toContain(OTHER_NOTE);
    expect(signedInPage).not.toContain(address);
    expect(signedInPage).not.toContain(a.email!);
    const anonymous = await (await api("GET", path)).text();
    expect(anonymous).not.toContain(OTHER_NOTE);
  });

  it("an invitation to a new address creates a new account B; A gains nothing; the session answered is B's", async () => {
    const address = `newb${Date.now()}@example.org`;
    const { id, path } = await invite(address, "delegate");
    const aBefore = await facilitiesOf(a.id);
    const aContacts = await count("SELECT id FROM contacts WHERE person_id = ?1", a.id);
    const res = await api("POST", path, { cookie: a.cookie, form: acceptForm });
    expect(res.status, await res.clone().text()).toBe(200);
    const b = await env.DB.prepare("SELECT person_id FROM contacts WHERE kind = 'email' AND value = ?1 AND removed_at IS NULL")
      .bind(address)
      .first<{ person_id: number }>();
    expect(b).not.toBeNull();
    expect(b!.person_id).not.toBe(a.id);
    expect(await facilitiesOf(b!.person_id)).toEqual([facility]);
    expect(await facilitiesOf(a.id)).toEqual(aBefore);
    expect(await count("SELECT id FROM contacts WHERE person_id = ?1", a.id)).toBe(aContacts);
    const inv = await env.DB.prepare("SELECT accepted_person_id FROM invitations WHERE id = ?1").bind(id).first<{ accepted_person_id: number }>();
    expect(inv!.accepted_person_id).toBe(b!.person_id);
    const cookie = cookieOf(res);
    expect(cookie).not.toBeNull();
    expect((await sessionOf(cookie!)).personId).toBe(b!.person_id);
    // A's own session is untouched and still A's.
    expect((await sessionOf(a.cookie)).personId).toBe(a.id);
  });

  it("an invitation to an existing account C's address: C gains the membership, A nothing, and no session is handed out", async () => {
    const c = await makePerson({ facilityId: await makeFacility(), name: "既存 C" });
    const { id, path } = await invite(c.email!);
    const aBefore = await facilitiesOf(a.id);
    const res = await api("POST", path, { cookie: a.cookie, form: { decision: "accept" } });
    expect(res.status, await res.clone().text()).toBe(200);
    const page = await res.text();
    expect(page).toContain("いまサインインしているアカウントには何も加わっていません");
    expect(cookieOf(res)).toBeNull();
    expect(await facilitiesOf(c.id)).toContain(facility);
    expect(await facilitiesOf(a.id)).toEqual(aBefore);
    const inv = await env.DB.prepare("SELECT accepted_person_id FROM invitations WHERE id = ?1").bind(id).first<{ accepted_person_id: number }>();
    expect(inv!.accepted_person_id).toBe(c.id);
  });
});

describe("the invited address changed hands after the invitation was sent", () => {
  it("a new address someone then registered to their own account: refused, nobody gains anything", async () => {
    const address = `squat${Date.now()}@example.org`;
    const { id, path } = await invite(address, "delegate");
    // A adds the invited address to their own account before the invitee opens the link.
    await env.DB.prepare("INSERT INTO contacts (person_id, kind, value, verified_at, created_at) VALUES (?1, 'email', ?2, NULL, ?3)")
      .bind(a.id, address, clock.now())
      .run();
    const aBefore = await facilitiesOf(a.id);
    const page = await api("GET", path);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("宛先の登録が変わりました");
    const res = await api("POST", path, { form: { decision: "accept" } });
    expect(res.status).toBe(410);
    expect(await facilitiesOf(a.id)).toEqual(aBefore);
    const contact = await env.DB.prepare("SELECT verified_at FROM contacts WHERE person_id = ?1 AND value = ?2")
      .bind(a.id, address)
      .first<{ verified_at: number | null }>();
    expect(contact!.verified_at).toBeNull();
    const inv = await env.DB.prepare("SELECT accepted_at, declined_at FROM invitations WHERE id = ?1")
      .bind(id)
      .first<{ accepted_at: number | null; declined_at: number | null }>();
    expect(inv).toEqual({ accepted_at: null, declined_at: null });
  });

  it("an existing account's address that moved to another account: refused, neither gains the membership", async () => {
    const c = await makePerson({ facilityId: await makeFacility() });
    const { path } = await invite(c.email!);
    const d = await makePerson({ facilityId: await makeFacility(), email: null });
    const now = clock.now();
    await env.DB.batch([
      env.DB.prepare("UPDATE contacts SET removed_at = ?2 WHERE person_id = ?1 AND kind = 'email'").bind(c.id, now),
      env.DB.prepare("INSERT INTO contacts (person_id, kind, value, verified_at, created_at) VALUES (?1, 'email', ?2, ?3, ?3)").bind(d.id, c.email, now),
    ]);
    const res = await api("POST", path, { form: { decision: "accept" } });
    expect(res.status).toBe(410);
    expect(await facilitiesOf(c.id)).not.toContain(facility);
    expect(await facilitiesOf(d.id)).not.toContain(facility);
  });

  it("an existing account that gave the address up: refused, no new account is made from it", async () => {
    const c = await makePerson({ facilityId: await makeFacility() });
    const { path } = await invite(c.email!);
    await env.DB.prepare("UPDATE contacts SET removed_at = ?2 WHERE person_id = ?1 AND kind = 'email'").bind(c.id, clock.now()).run();
    const people = await count("SELECT id FROM people");
    const res = await api("POST", path, { form: acceptForm });
    expect(res.status).toBe(410);
    expect(await count("SELECT id FROM people")).toBe(people);
  });
});
