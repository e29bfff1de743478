/**
 * Authorization probes: random (role, object, route) triples across two facilities.
 * Everyone on facility A's side (its admin, delegate and staff, and the read-only city
 * viewer for writes) aims at facility B's people, roll-call, replies, export, outbox
 * and board. Every probe must be refused (401/403/404, never "no such route"), must
 * change nothing of B's, and no answer may carry B's phone numbers or emails.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { adminsWithoutMfa, replyPath } from "./support/db";
import { makeFacility, makePerson, openRollcall, signedIn, type TestPerson } from "./support/factories";
import { api, postForm } from "./support/http";

type Actor = "facility_admin" | "delegate" | "staff" | "viewer";
interface Probe {
  name: string;
  method: string;
  path: () => string;
  body?: () => unknown;
  /** Reads the viewer is allowed by design (the city watches every board, without contacts). */
  viewerMayRead?: boolean;
}

const cookies = {} as Record<Actor, string>;
let b: { facility: number; admin: TestPerson & { cookie: string }; staff: TestPerson[]; rollcall: number; group: number };
let aFacility = 0;
let network = "";

beforeAll(async () => {
  await adminsWithoutMfa();
  aFacility = await makeFacility({ name: "A診療所" });
  const bFacility = await makeFacility({ name: "B薬局", type: "pharmacy" });
  cookies.facility_admin = (await signedIn({ facilityId: aFacility, role: "admin" })).cookie;
  cookies.delegate = (await signedIn({ facilityId: aFacility, role: "delegate" })).cookie;
  cookies.staff = (await signedIn({ facilityId: aFacility, role: "staff" })).cookie;
  cookies.viewer = (await signedIn({ globalRole: "viewer" })).cookie;
  network = (await signedIn({ globalRole: "network_admin" })).cookie;
  await makePerson({ facilityId: aFacility, password: null });
  const admin = await signedIn({ facilityId: bFacility, role: "admin" });
  const staff = [await makePerson({ facilityId: bFacility, password: null }), await makePerson({ facilityId: bFacility, password: null })];
  const rollcall = await openRollcall(admin.cookie, { scope: { facilityIds: [bFacility] } });
  // One reply of B's staff, so there is a reply to read or overwrite.
  expect((await postForm(await replyPath(rollcall, staff[0]!.id), { safety: "safe", confirm: "1" })).status).toBe(200);
  // Let the confirm's fan-out (the real queue, sandbox outbox) settle before taking B's state.
  await vi.waitFor(
    async () => {
      const r = await env.DB.prepare("SELECT COUNT(*) AS n, SUM(state IN ('queued','sending')) AS open FROM deliveries WHERE rollcall_id = ?1")
        .bind(rollcall)
        .first<{ n: number; open: number }>();
      expect(r!.n).toBeGreaterThan(0);
      expect(r!.open).toBe(0);
    },
    { timeout: 15_000, interval: 200 },
  );
  const g = await env.DB.prepare("SELECT id FROM groups WHERE kind = 'facility' AND facility_id = ?1").bind(bFacility).first<{ id: number }>();
  b = { facility: bFacility, admin, staff, rollcall, group: g!.id };
});

const PROBES: Probe[] = [
  { name: "read a B person", method: "GET", path: () => `/api/people/${b.staff[1]!.id}`, viewerMayRead: true },
  { name: "change a B person", method: "PATCH", path: () => `/api/people/${b.staff[1]!.id}`, body: () => ({ name: "乗っ取り", email: "taken@example.org" }) },
  { name: "deregister a B person", method: "DELETE", path: () => `/api/people/${b.staff[1]!.id}` },
  {
    name: "register into B",
    method: "POST",
    path: () => "/api/people",
    body: () => ({ name: "潜入 者", facilityId: b.facility, email: `in${Date.now()}@example.org` }),
  },
  { name: "make someone B's admin", method: "PUT", path: () => `/api/facilities/${b.facility}/members/${b.staff[1]!.id}`, body: () => ({ role: "admin" }) },
  { name: "remove B's admin", method: "DELETE", path: () => `/api/facilities/${b.facility}/members/${b.admin.id}` },
  { name: "change facility B", method: "PATCH", path: () => `/api/facilities/${b.facility}`, body: () => ({ name: "乗っ取り薬局" }) },
  { name: "end a B person's sessions", method: "POST", path: () => `/api/people/${b.admin.id}/end-sessions` },
  { name: "add to B's group", method: "POST", path: () => `/api/groups/${b.group}/members`, body: () => ({ personId: b.staff[1]!.id }) },
  { name: "read B's roll-call", method: "GET", path: () => `/api/rollcalls/${b.rollcall}`, viewerMayRead: true },
  { name: "read B's board", method: "GET", path: () => `/api/rollcalls/${b.rollcall}/board`, viewerMayRead: true },
  { name: "drill into a B person", method: "GET", path: () => `/api/rollcalls/${b.rollcall}/people/${b.staff[0]!.id}`, viewerMayRead: true },
  { name: "export B's roll-call", method: "GET", path: () => `/api/rollcalls/${b.rollcall}/export.csv`, viewerMayRead: true },
  { name: "read B's outbox", method: "GET", path: () => `/api/outbox?rollcall=${b.rollcall}` },
  { name: "close B's roll-call", method: "POST", path: () => `/api/rollcalls/${b.rollcall}/close` },
  { name: "resend B's roll-call", method: "POST", path: () => `/api/rollcalls/${b.rollcall}/resend`, body: () => ({ personIds: [b.staff[1]!.id] }) },
  {
    name: "proxy-reply for B's staff",
    method: "POST",
    path: () => `/api/rollcalls/${b.rollcall}/replies/${b.staff[0]!.id}`,
    body: () => ({ answers: { safety: "severe" } }),
  },
  {
    name: "start a roll-call for B",
    method: "POST",
    path: () => "/api/rollcalls",
    body: () => ({ title: "乗っ取り", template: "safety", scope: { facilityIds: [b.facility] }, drill: true }),
  },
  {
    name: "confirm into B (network scope)",
    method: "POST",
    path: () => "/api/rollcalls",
    body: () => ({ title: "全体", template: "safety", scope: { all: true }, drill: true }),
  },
];

/** Everything of B's a probe could touch, as one comparable value. */
async function stateOfB() {
  const q = (sql: string, ...args: unknown[]) =>
    env.DB.prepare(sql)
      .bind(...args)
      .all()
      .then((r) => r.results);
  return JSON.stringify({
    people: await q(
      "SELECT id, name, removed_at, updated_at FROM people WHERE id IN (SELECT person_id FROM memberships WHERE facility_id = ?1) ORDER BY id",
      b.facility,
    ),
    contacts: await q(
      "SELECT id, value, removed_at FROM contacts WHERE person_id IN (SELECT person_id FROM memberships WHERE facility_id = ?1) ORDER BY id",
      b.facility,
    ),
    memberships: await q("SELECT person_id, role, removed_at FROM memberships WHERE facility_id = ?1 ORDER BY person_id", b.facility),
    facility: await q("SELECT name, updated_at, removed_at FROM facilities WHERE id = ?1", b.facility),
    sessions: await q("SELECT COUNT(*) AS n FROM sessions WHERE person_id = ?1 AND revoked_at IS NULL", b.admin.id),
    group: await q("SELECT person_id, removed_at FROM group_members WHERE group_id = ?1 ORDER BY person_id", b.group),
    rollcall: await q("SELECT state, closed_at FROM rollcalls WHERE id = ?1", b.rollcall),
    replies: await q("SELECT id, person_id, answers, via FROM replies WHERE rollcall_id = ?1 ORDER BY id", b.rollcall),
    deliveries: await q("SELECT id, state FROM deliveries WHERE rollcall_id = ?1 ORDER BY id", b.rollcall),
    rollcallsOfB: await q("SELECT COUNT(*) AS n FROM rollcalls WHERE scope LIKE ?1 OR scope = '{\"all\":true}'", `%${b.facility}%`),
  });
}

const contactsOfB = () => [b.admin, ...b.staff].flatMap((p) => [p.email, p.mobile]).filter((x): x is string => !!x);

describe("authorization probes across two facilities", () => {
  it("no role of facility A reads or writes facility B's people, roll-call, replies, export, outbox or board", async () => {
    const actors: Actor[] = ["facility_admin", "delegate", "staff", "viewer"];
    const before = await stateOfB();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...actors), fc.constantFrom(...PROBES), async (actor, probe) => {
        const body = probe.body?.();
        const res = await api(probe.method, probe.path(), { cookie: cookies[actor], ...(body === undefined ? {} : { body }) });
        const text = await res.text();
        for (const c of contactsOfB()) expect(text, `${actor} ${probe.name} leaked a contact`).not.toContain(c);
        if (actor === "viewer" && probe.viewerMayRead) {
          expect(res.status, `viewer ${probe.name}`).toBe(200);
        } else {
          expect([401, 403, 404], `${actor} ${probe.name}: ${res.status} ${text.slice(0, 200)}`).toContain(res.status);
          expect(text).not.toContain("No such route");
        }
        expect(await stateOfB(), `${actor} ${probe.name} changed B`).toBe(before);
      }),
      { numRuns: 80, seed: 20260901 },
    );
  });

  it("the same requests by the network admin reach the routes (the probes are real)", async () => {
    for (const probe of PROBES.filter((p) => p.method === "GET")) {
      const res = await api("GET", probe.path(), { cookie: network });
      expect(res.status, probe.name).toBe(200);
    }
    // And B's own admin sees B's roll-call; A's admin does not find it in the list.
    const mine = await api("GET", "/api/rollcalls", { cookie: b.admin.cookie });
    expect(await mine.text()).toContain(`"id":${b.rollcall}`);
    const theirs = await api("GET", "/api/rollcalls", { cookie: cookies.facility_admin });
    expect(theirs.status).toBe(200);
    expect(await theirs.text()).not.toContain(`"id":${b.rollcall},`);
  });
});
