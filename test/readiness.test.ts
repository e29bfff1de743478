import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { clock } from "../worker/lib/clock";
import type { Readiness } from "../worker/readiness/schemas";
import { recordReply } from "../worker/reply/service";
import { addPush } from "./support/db";
import { makeFacility, makePerson, type SignedIn, signedIn, signInReaders } from "./support/factories";
import { api, expectJson } from "./support/http";

let networkAdmin: SignedIn;
let viewer: string;
beforeAll(async () => {
  const readers = await signInReaders();
  networkAdmin = readers.networkAdmin;
  viewer = readers.viewer.cookie;
});

async function addContact(personId: number, kind: "email" | "mobile", value: string, o: { verified?: boolean; lastOk?: boolean } = {}) {
  const now = clock.now();
  await env.DB.prepare("INSERT INTO contacts (person_id, kind, value, verified_at, last_ok_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
    .bind(personId, kind, value, o.verified ? now : null, o.lastOk ? now : null, now)
    .run();
}

let seq = 0;
/**
 * A facility whose admin has a verified email and mobile, and four staff:
 * an unconfirmed email only, nothing at all, a push subscription only, and a mobile that once took a message.
 */
async function facilityOfFive() {
  const n = ++seq;
  const facilityId = await makeFacility({ name: `備え診療所${n}` });
  const admin = await signedIn({ facilityId, role: "admin" });
  const unconfirmed = await makePerson({ facilityId, name: `未確認 ${n}`, email: null, mobile: null, password: null });
  await addContact(unconfirmed.id, "email", `unconfirmed${n}@example.org`);
  const none = await makePerson({ facilityId, name: `連絡先なし ${n}`, email: null, mobile: null, password: null });
  const pushOnly = await makePerson({ facilityId, name: `プッシュ ${n}`, email: null, mobile: null, password: null });
  await addPush(pushOnly.id);
  const worked = await makePerson({ facilityId, name: `実績あり ${n}`, email: null, mobile: null, password: null });
  await addContact(worked.id, "mobile", `+8180${String(70_000_000 + n).padStart(8, "0")}`, { lastOk: true });
  return { facilityId, admin, unconfirmed, none, pushOnly, worked };
}

const row = (r: Readiness, facilityId: number) => r.facilities!.find((f) => f.facilityId === facilityId)!;

describe("GET /api/readiness", () => {
  it("counts per facility the staff with a working channel, each channel, unconfirmed contacts and staff with none", async () => {
    const f = await facilityOfFive();
    const r = await expectJson<Readiness>(await api("GET", "/api/readiness", { cookie: networkAdmin.cookie }));
    expect(r.view).toBe("network");
    expect(row(r, f.facilityId)).toMatchObject({
      staff: 5,
      reachable: 3, // the admin, push only, the mobile that worked
      push: 1,
      mobile: 2,
      email: 1,
      unverified: 1,
      unverifiedByKind: { mobile: 0, email: 1 },
      noChannel: 1,
      tested: 0,
      lastTestAt: null,
    });
    expect(
      r
        .unreachable!.filter((u) => u.facilityId === f.facilityId)
        .map((u) => u.personId)
        .sort(),
    ).toEqual([f.unconfirmed.id, f.none.id].sort());
  });

  it("gives facility admins their own facilities (people in two count once in the totals), no contacts anywhere", async () => {
    const a = await facilityOfFive();
    const b = await makeFacility();
    await env.DB.prepare("INSERT INTO memberships (person_id, facility_id, role, created_at) VALUES (?1, ?2, 'admin', ?3), (?4, ?2, 'staff', ?3)")
      .bind(a.admin.id, b, clock.now(), a.worked.id)
      .run();
    const res = await api("GET", "/api/readiness", { cookie: a.admin.cookie });
    const text = await res.text();
    const r = JSON.parse(text) as Readiness;
    expect(r.view).toBe("facilities");
    expect(r.facilities!.map((f) => f.facilityId).sort()).toEqual([a.facilityId, b].sort());
    expect(row(r, b)).toMatchObject({ staff: 2, reachable: 2 });
    expect(r.totals).toMatchObject({ staff: 5, reachable: 3, noChannel: 1, unverified: 1 });
    expect(text).not.toContain("@example.org");
    expect(text).not.toMatch(/\+81\d{9,10}/);
  });

  it("gives the city viewer the network's numbers only: no facility rows, no names", async () => {
    const f = await facilityOfFive();
    const res = await api("GET", "/api/readiness", { cookie: viewer });
    const text = await res.text();
    const r = JSON.parse(text) as Readiness;
    expect(res.status).toBe(200);
    expect(r.view).toBe("aggregate");
    expect(r.facilities).toBeNull();
    expect(r.unreachable).toBeNull();
    expect(r.totals.staff).toBeGreaterThanOrEqual(5);
    expect(r.byFacilityType.find((t) => t.type === "clinic")!.staff).toBeGreaterThanOrEqual(5);
    expect(text).not.toContain(`未確認 ${seq}`);
    expect(text).not.toContain(f.admin.email!);
  });
});

type Sent = {
  rollcall: { id: number; source: string; drill: boolean; kind: string; state: string; scope: unknown };
  people: number;
  byChannel: Record<string, number>;
  unreachable: number;
};

describe("POST /api/readiness/test", () => {
  it("sends a notice roll-call marked test through the real fan-out; successes date the test and make contacts count as working", async () => {
    const f = await facilityOfFive();
    const sent = await expectJson<Sent>(await api("POST", "/api/readiness/test", { cookie: f.admin.cookie, body: { facilityId: f.facilityId } }), 201);
    expect(sent.rollcall).toMatchObject({ source: "test", drill: true, kind: "notice", state: "open", scope: { facilityIds: [f.facilityId] } });
    expect(sent).toMatchObject({ people: 5, unreachable: 1, byChannel: { push: 1, email: 2, sms: 1 } });

    // The queue sends them (to the sandbox outbox here); every message says it is not real.
    await vi.waitFor(
      async () => {
        const { results } = await env.DB.prepare("SELECT o.body FROM outbox o WHERE o.rollcall_id = ?1").bind(sent.rollcall.id).all<{ body: string }>();
        expect(results).toHaveLength(4);
        for (const m of results) expect(m.body).toContain("訓練");
      },
      { timeout: 15_000, interval: 200 },
    );
    await recordReply(env, { rollcallId: sent.rollcall.id, personId: f.pushOnly.id, answers: { ack: "yes" }, via: "link" });

    const r = await expectJson<Readiness>(await api("GET", "/api/readiness", { cookie: f.admin.cookie }));
    // The unconfirmed email took the test message: it now works.
    expect(row(r, f.facilityId)).toMatchObject({ staff: 5, reachable: 4, email: 2, unverified: 0, tested: 4, noChannel: 1 });
    expect(Date.parse(row(r, f.facilityId).lastTestAt!)).toBeGreaterThan(clock.now() - 60_000);
    expect(r.tests[0]).toMatchObject({ rollcallId: sent.rollcall.id, facilityId: f.facilityId, recipients: 5, reached: 4, acknowledged: 1 });
    const entry = await env.DB.prepare("SELECT actor_id FROM audit_log WHERE action = 'readiness.test_sent' AND object_id = ?1")
      .bind(String(sent.rollcall.id))
      .first<{ actor_id: number }>();
    expect(entry!.actor_id).toBe(f.admin.id);
  });

  it("keeps test messages out of the roll-call history unless asked for", async () => {
    const f = await facilityOfFive();
    const sent = await expectJson<Sent>(await api("POST", "/api/readiness/test", { cookie: networkAdmin.cookie, body: { facilityId: f.facilityId } }), 201);
    const ids = async (q: string) =>
      (await expectJson<{ items: { id: number }[] }>(await api("GET", `/api/rollcalls${q}`, { cookie: networkAdmin.cookie }))).items.map((i) => i.id);
    expect(await ids("")).not.toContain(sent.rollcall.id);
    expect(await ids("?drill=true&state=open")).not.toContain(sent.rollcall.id);
    expect(await ids("?tests=only")).toContain(sent.rollcall.id);
    expect(await ids("?tests=include")).toContain(sent.rollcall.id);
  });

  it("refuses a second test of the same scope within 10 minutes, not after", async () => {
    const f = await facilityOfFive();
    await expectJson<Sent>(await api("POST", "/api/readiness/test", { cookie: f.admin.cookie, body: { facilityId: f.facilityId } }), 201);
    const again = await expectJson<{ error: { code: string; field: string } }>(
      await api("POST", "/api/readiness/test", { cookie: f.admin.cookie, body: { facilityId: f.facilityId } }),
      409,
    );
    expect(again.error).toMatchObject({ code: "too_soon", field: "facilityId" });
    clock.advance(11 * 60_000);
    await expectJson<Sent>(await api("POST", "/api/readiness/test", { cookie: f.admin.cookie, body: { facilityId: f.facilityId } }), 201);
  });

  it("lets only the network admin test the whole network", async () => {
    const f = await facilityOfFive();
    const refused = await expectJson<{ error: { code: string; field: string } }>(
      await api("POST", "/api/readiness/test", { cookie: f.admin.cookie, body: { all: true } }),
      403,
    );
    expect(refused.error).toMatchObject({ code: "forbidden", field: "all" });
    const sent = await expectJson<Sent>(await api("POST", "/api/readiness/test", { cookie: networkAdmin.cookie, body: { all: true } }), 201);
    expect(sent.rollcall).toMatchObject({ source: "test", scope: { all: true } });
    expect(sent.people).toBeGreaterThanOrEqual(5);
  });

  it("refuses bad input naming the field and other facilities, creating no roll-call", async () => {
    const f = await facilityOfFive();
    const other = await makeFacility();
    const before = (await env.DB.prepare("SELECT COUNT(*) AS n FROM rollcalls").first<{ n: number }>())!.n;
    const post = async (cookie: string, body: unknown, status: number) =>
      (await expectJson<{ error: { code: string; field?: string } }>(await api("POST", "/api/readiness/test", { cookie, body }), status)).error;
    expect(await post(networkAdmin.cookie, {}, 400)).toMatchObject({ code: "invalid", field: "facilityId" });
    expect(await post(networkAdmin.cookie, { all: true, facilityId: f.facilityId }, 400)).toMatchObject({ field: "all" });
    expect(await post(networkAdmin.cookie, { facilityId: f.facilityId, template: "safety" }, 400)).toMatchObject({ field: "template" });
    expect(await post(networkAdmin.cookie, { facilityId: f.facilityId, template: "nope" }, 400)).toMatchObject({ field: "template" });
    expect(await post(networkAdmin.cookie, { facilityId: 999_999 }, 400)).toMatchObject({ field: "facilityId" });
    expect(await post(networkAdmin.cookie, { facilityId: other }, 400)).toMatchObject({ field: "facilityId" }); // nobody there
    expect(await post(f.admin.cookie, { facilityId: other }, 403)).toMatchObject({ code: "forbidden", field: "facilityId" });
    expect(await post(viewer, { facilityId: f.facilityId }, 403)).toMatchObject({ code: "role_forbidden" });
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM rollcalls").first<{ n: number }>())!.n).toBe(before);
  });
});
