import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Person } from "../worker/directory/schemas";
import { adminsWithoutMfa, auditSince, lastAuditId } from "./support/db";
import { createPerson, freshMobile, makeFacility, makePerson, signedIn, type TestPerson, uniq } from "./support/factories";
import { api, json } from "./support/http";

type List = { items: Person[]; total: number; nextCursor: string | null };
type Signed = TestPerson & { cookie: string };

let A: number;
let B: number;
let adminA: Signed;
let delegateA: Signed;
let staffA: Signed;
let staffA2: TestPerson;
let staffB: TestPerson;
let adminB: Signed;
let viewer: Signed;
let net: Signed;

beforeAll(async () => {
  await adminsWithoutMfa();
  A = await makeFacility();
  B = await makeFacility();
  adminA = await signedIn({ facilityId: A, role: "admin" });
  delegateA = await signedIn({ facilityId: A, role: "delegate" });
  staffA = await signedIn({ facilityId: A, role: "staff" });
  staffA2 = await makePerson({ facilityId: A, role: "staff" });
  staffB = await makePerson({ facilityId: B, role: "staff" });
  adminB = await signedIn({ facilityId: B, role: "admin" });
  viewer = await signedIn({ globalRole: "viewer" });
  net = await signedIn({ globalRole: "network_admin" });
});

const contactFree = (p: Person) => !("email" in p) && !("mobile" in p);

describe("facility admin scope", () => {
  it("reads their own facility's people with contacts, audited", async () => {
    const since = await lastAuditId();
    const res = await api("GET", `/api/people/${staffA2.id}`, { cookie: adminA.cookie });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ id: staffA2.id, email: staffA2.email, mobile: staffA2.mobile });
    const audit = await auditSince(since);
    expect(audit).toMatchObject([{ action: "contacts.read", actor_id: adminA.id, object_id: String(staffA2.id) }]);
    expect(JSON.parse(audit[0]!.detail)).toEqual({ count: 1 });
  });

  it("cannot read, change or remove people of another facility", async () => {
    expect((await api("GET", `/api/people/${staffB.id}`, { cookie: adminA.cookie })).status).toBe(404);
    expect((await api("PATCH", `/api/people/${staffB.id}`, { cookie: adminA.cookie, body: { job: "x" } })).status).toBe(404);
    expect((await api("DELETE", `/api/people/${staffB.id}`, { cookie: adminA.cookie })).status).toBe(404);
    expect((await api("GET", `/api/people?facilityId=${B}`, { cookie: adminA.cookie })).status).toBe(403);
    const row = await env.DB.prepare("SELECT job, removed_at FROM people WHERE id = ?1").bind(staffB.id).first();
    expect(row).toEqual({ job: "", removed_at: null });
  });

  it("lists only people in reach, even when searching everyone", async () => {
    const all = await json<List>(await api("GET", "/api/people?limit=200&contacts=true", { cookie: adminA.cookie }));
    const ids = all.items.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining([adminA.id, delegateA.id, staffA.id, staffA2.id]));
    expect(ids).not.toContain(staffB.id);
    expect(ids).not.toContain(adminB.id);
  });

  it("registers staff and appoints a delegate in their facility, but not an admin, and not elsewhere", async () => {
    const staff = await createPerson(adminA.cookie, { name: "新人", facilityId: A, email: `n${uniq()}@example.org` });
    expect(staff.status).toBe(201);
    const delegate = await createPerson(adminA.cookie, { name: "代行", facilityId: A, role: "delegate", email: `d${uniq()}@example.org` });
    expect(delegate.status).toBe(201);
    const d = await json<Person>(delegate);
    const m = await env.DB.prepare("SELECT role, appointed_by FROM memberships WHERE person_id = ?1 AND removed_at IS NULL").bind(d.id).first();
    expect(m).toEqual({ role: "delegate", appointed_by: adminA.id });
    const asAdmin = await createPerson(adminA.cookie, { name: "管理者", facilityId: A, role: "admin", email: `a${uniq()}@example.org` });
    expect(asAdmin.status).toBe(403);
    expect(await json(asAdmin)).toMatchObject({ error: { field: "role" } });
    expect((await createPerson(adminA.cookie, { name: "よそ", facilityId: B, email: `b${uniq()}@example.org` })).status).toBe(403);
    expect((await createPerson(adminA.cookie, { name: "市", globalRole: "viewer", email: `v${uniq()}@example.org` })).status).toBe(403);
  });

  it("promotes staff to delegate through the membership route, with appointed_by and audit", async () => {
    const p = await makePerson({ facilityId: A });
    const since = await lastAuditId();
    const res = await api("PUT", `/api/facilities/${A}/members/${p.id}`, { cookie: adminA.cookie, body: { role: "delegate" } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ personId: p.id, facilityId: A, role: "delegate", appointedBy: adminA.id });
    expect(await auditSince(since)).toMatchObject([{ action: "membership.role_changed" }]);
    // history: the staff row ended, the delegate row is new
    const rows = await env.DB.prepare("SELECT role, removed_at FROM memberships WHERE person_id = ?1 ORDER BY id")
      .bind(p.id)
      .all<{ role: string; removed_at: number | null }>();
    expect(rows.results.map((r) => [r.role, r.removed_at === null])).toEqual([
      ["staff", false],
      ["delegate", true],
    ]);
  });

  it("cannot pull a person of another facility in (that is an invitation)", async () => {
    const res = await api("PUT", `/api/facilities/${A}/members/${staffB.id}`, { cookie: adminA.cookie, body: { role: "staff" } });
    expect(res.status).toBe(403);
    expect(await env.DB.prepare("SELECT 1 FROM memberships WHERE person_id = ?1 AND facility_id = ?2").bind(staffB.id, A).first()).toBeNull();
  });

  it("takes a person out of the facility; access to it ends", async () => {
    const p = await signedIn({ facilityId: A });
    expect((await api("DELETE", `/api/facilities/${A}/members/${p.id}`, { cookie: adminA.cookie })).status).toBe(200);
    expect(await json(await api("GET", "/api/session", { cookie: p.cookie }))).toMatchObject({ facilities: [] });
    expect((await api("GET", `/api/people?facilityId=${A}`, { cookie: p.cookie })).status).toBe(403);
  });
});

describe("delegate scope", () => {
  it("registers staff but may not appoint delegates or admins, nor change an admin", async () => {
    expect((await createPerson(delegateA.cookie, { name: "一般", facilityId: A, mobile: freshMobile() })).status).toBe(201);
    const d = await createPerson(delegateA.cookie, { name: "代行2", facilityId: A, role: "delegate", mobile: freshMobile() });
    expect(d.status).toBe(403);
    const a = await createPerson(delegateA.cookie, { name: "管理2", facilityId: A, role: "admin", mobile: freshMobile() });
    expect(a.status).toBe(403);
    const p = await makePerson({ facilityId: A });
    expect((await api("PUT", `/api/facilities/${A}/members/${p.id}`, { cookie: delegateA.cookie, body: { role: "delegate" } })).status).toBe(403);
    expect((await api("PATCH", `/api/people/${adminA.id}`, { cookie: delegateA.cookie, body: { job: "x" } })).status).toBe(403);
    expect((await api("DELETE", `/api/people/${adminA.id}`, { cookie: delegateA.cookie })).status).toBe(403);
    expect((await api("DELETE", `/api/facilities/${A}/members/${adminA.id}`, { cookie: delegateA.cookie })).status).toBe(403);
    expect((await api("GET", "/api/session", { cookie: adminA.cookie })).status).toBe(200);
  });

  it("reads the contacts of their facility's people", async () => {
    const res = await json<Person>(await api("GET", `/api/people/${staffA2.id}`, { cookie: delegateA.cookie }));
    expect(res.mobile).toBe(staffA2.mobile);
  });
});

describe("staff scope", () => {
  it("reads their own record with contacts, unaudited", async () => {
    const since = await lastAuditId();
    const me = await json<Person>(await api("GET", `/api/people/${staffA.id}`, { cookie: staffA.cookie }));
    expect(me).toMatchObject({ email: staffA.email, mobile: staffA.mobile });
    expect(await auditSince(since)).toEqual([]);
  });

  it("sees colleagues' names and jobs, never their contacts, even when asking", async () => {
    const colleague = await api("GET", `/api/people/${staffA2.id}`, { cookie: staffA.cookie });
    expect(colleague.status).toBe(200);
    const body = await json<Person>(colleague);
    expect(body.name).toBeTruthy();
    expect(contactFree(body)).toBe(true);
    const list = await json<List>(await api("GET", `/api/people?facilityId=${A}&contacts=true&limit=200`, { cookie: staffA.cookie }));
    const others = list.items.filter((p) => p.id !== staffA.id);
    expect(others.length).toBeGreaterThan(2);
    expect(others.every(contactFree)).toBe(true);
    expect(list.items.find((p) => p.id === staffA.id)?.email).toBe(staffA.email);
    expect(JSON.stringify(list)).not.toContain(staffA2.mobile!);
  });

  it("cannot see people of other facilities, nor change colleagues", async () => {
    expect((await api("GET", `/api/people/${staffB.id}`, { cookie: staffA.cookie })).status).toBe(404);
    expect((await api("PATCH", `/api/people/${staffA2.id}`, { cookie: staffA.cookie, body: { job: "x" } })).status).toBe(403);
    expect((await api("DELETE", `/api/people/${staffA2.id}`, { cookie: staffA.cookie })).status).toBe(403);
    expect((await createPerson(staffA.cookie, { name: "x", facilityId: A, mobile: freshMobile() })).status).toBe(403);
  });
});

describe("city viewer", () => {
  it("lists people's names across the network, never contact details", async () => {
    const since = await lastAuditId();
    const list = await json<List>(await api("GET", `/api/people?facilityId=${A}&contacts=true&limit=200`, { cookie: viewer.cookie }));
    expect(list.items.map((p) => p.id)).toContain(staffA2.id);
    expect(list.items.every(contactFree)).toBe(true);
    const one = await json<Person>(await api("GET", `/api/people/${staffB.id}`, { cookie: viewer.cookie }));
    expect(one.name).toBeTruthy();
    expect(contactFree(one)).toBe(true);
    const text = JSON.stringify(list) + JSON.stringify(one);
    expect(text).not.toContain("@example.org");
    expect(text).not.toMatch(/\+81\d+/);
    expect((await auditSince(since)).filter((a) => a.action === "contacts.read")).toEqual([]);
  });

  it("may not change anyone or register people", async () => {
    expect((await api("PATCH", `/api/people/${staffB.id}`, { cookie: viewer.cookie, body: { job: "x" } })).status).toBe(403);
    expect((await createPerson(viewer.cookie, { name: "x", facilityId: A, mobile: freshMobile() })).status).toBe(403);
    expect((await api("GET", "/api/groups", { cookie: viewer.cookie })).status).toBe(403);
  });
});

describe("network admin", () => {
  it("reads anyone's contacts, audited", async () => {
    const since = await lastAuditId();
    const res = await json<Person>(await api("GET", `/api/people/${staffB.id}`, { cookie: net.cookie }));
    expect(res.email).toBe(staffB.email);
    expect(await auditSince(since)).toMatchObject([{ action: "contacts.read", object_id: String(staffB.id) }]);
  });

  it("appoints a facility admin", async () => {
    const p = await makePerson({ facilityId: B });
    const res = await api("PUT", `/api/facilities/${B}/members/${p.id}`, { cookie: net.cookie, body: { role: "admin" } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ role: "admin", appointedBy: net.id });
  });
});
