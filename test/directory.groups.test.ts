import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Group } from "../worker/directory/schemas";
import { adminsWithoutMfa, auditSince, lastAuditId } from "./support/db";
import { createPerson, makeFacility, makePerson, signedIn, type TestPerson, uniq } from "./support/factories";
import { api, json } from "./support/http";

type Members = { items: { personId: number; name: string; role: string }[]; total: number; nextCursor: string | null };
type Signed = TestPerson & { cookie: string };

let A: number;
let B: number;
let net: Signed;
let adminA: Signed;
let staffA: Signed;
let staffA2: Signed;
let staffB: Signed;

beforeAll(async () => {
  await adminsWithoutMfa();
  A = await makeFacility();
  B = await makeFacility();
  net = await signedIn({ globalRole: "network_admin" });
  adminA = await signedIn({ facilityId: A, role: "admin" });
  staffA = await signedIn({ facilityId: A });
  staffA2 = await signedIn({ facilityId: A });
  staffB = await signedIn({ facilityId: B });
});

const members = async (cookie: string, groupId: number) => json<Members>(await api("GET", `/api/groups/${groupId}/members?limit=200`, { cookie }));

describe("the network group", () => {
  it("exists exactly once, and people registered through the API join it", async () => {
    const { results } = await env.DB.prepare("SELECT id FROM groups WHERE kind = 'network'").all<{ id: number }>();
    expect(results).toHaveLength(1);
    const p = await json<{ id: number }>(await createPerson(net.cookie, { name: "全体 参加", facilityId: A, email: `g${uniq()}@example.org` }));
    const list = await json<{ items: Group[] }>(await api("GET", "/api/groups?kind=network", { cookie: net.cookie }));
    expect(list.items).toHaveLength(1);
    const all = await members(net.cookie, list.items[0]!.id);
    expect(all.items.map((m) => m.personId)).toContain(p.id);
  });

  it("cannot be left: one deregisters instead", async () => {
    const self = await signedIn({ facilityId: A });
    const networkId = (await env.DB.prepare("SELECT id FROM groups WHERE kind = 'network'").first<{ id: number }>())!.id;
    await env.DB.prepare("INSERT INTO group_members (group_id, person_id, created_at) VALUES (?1, ?2, 0)").bind(networkId, self.id).run();
    const res = await api("POST", `/api/groups/${networkId}/leave`, { cookie: self.cookie });
    expect(res.status).toBe(409);
  });
});

describe("custom groups", () => {
  let groupId: number;

  it("a facility admin creates one and owns it", async () => {
    const since = await lastAuditId();
    const res = await api("POST", "/api/groups", { cookie: adminA.cookie, body: { name: "在宅療養チーム" } });
    expect(res.status).toBe(201);
    const g = await json<Group>(res);
    expect(g).toMatchObject({ kind: "custom", name: "在宅療養チーム", ownerId: adminA.id, closedAt: null });
    groupId = g.id;
    expect((await auditSince(since)).map((a) => a.action)).toEqual(["group.created"]);
    expect((await members(adminA.cookie, groupId)).items).toMatchObject([{ personId: adminA.id, role: "owner" }]);
  });

  it("staff may not create groups", async () => {
    expect((await api("POST", "/api/groups", { cookie: staffA.cookie, body: { name: "x" } })).status).toBe(403);
  });

  it("the owner adds their facility's people, not people of other facilities", async () => {
    const since = await lastAuditId();
    expect((await api("POST", `/api/groups/${groupId}/members`, { cookie: adminA.cookie, body: { personId: staffA.id } })).status).toBe(200);
    expect((await api("POST", `/api/groups/${groupId}/members`, { cookie: adminA.cookie, body: { personId: staffA2.id } })).status).toBe(200);
    const dup = await api("POST", `/api/groups/${groupId}/members`, { cookie: adminA.cookie, body: { personId: staffA.id } });
    expect(dup.status).toBe(409);
    expect(await json(dup)).toMatchObject({ error: { field: "personId" } });
    const outsider = await api("POST", `/api/groups/${groupId}/members`, { cookie: adminA.cookie, body: { personId: staffB.id } });
    expect(outsider.status).toBe(403);
    const missing = await api("POST", `/api/groups/${groupId}/members`, { cookie: adminA.cookie, body: { personId: 99999999 } });
    expect(missing.status).toBe(400);
    expect(await json(missing)).toMatchObject({ error: { field: "personId" } });
    expect((await auditSince(since)).map((a) => a.action)).toEqual(["group.member_added", "group.member_added"]);
  });

  it("members see the group and its members; others do not", async () => {
    const list = await json<{ items: Group[] }>(await api("GET", "/api/groups", { cookie: staffA.cookie }));
    expect(list.items.map((g) => g.id)).toContain(groupId);
    expect((await members(staffA.cookie, groupId)).total).toBe(3);
    expect((await api("GET", `/api/groups/${groupId}`, { cookie: staffB.cookie })).status).toBe(404);
    expect((await api("GET", `/api/groups/${groupId}/members`, { cookie: staffB.cookie })).status).toBe(404);
    const theirs = await json<{ items: Group[] }>(await api("GET", "/api/groups", { cookie: staffB.cookie }));
    expect(theirs.items.map((g) => g.id)).not.toContain(groupId);
  });

  it("a member leaves when no longer in charge (§5)", async () => {
    const since = await lastAuditId();
    expect((await api("POST", `/api/groups/${groupId}/leave`, { cookie: staffA2.cookie })).status).toBe(200);
    expect((await auditSince(since)).map((a) => a.action)).toEqual(["group.left"]);
    expect((await members(adminA.cookie, groupId)).items.map((m) => m.personId)).not.toContain(staffA2.id);
    expect((await api("POST", `/api/groups/${groupId}/leave`, { cookie: staffA2.cookie })).status).toBe(404);
    // the owner cannot walk away from the group
    expect((await api("POST", `/api/groups/${groupId}/leave`, { cookie: adminA.cookie })).status).toBe(409);
  });

  it("the owner renames it and removes a member; staff cannot", async () => {
    expect((await api("PATCH", `/api/groups/${groupId}`, { cookie: adminA.cookie, body: { name: "在宅チーム" } })).status).toBe(200);
    expect((await api("DELETE", `/api/groups/${groupId}/members/${adminA.id}`, { cookie: staffA.cookie })).status).toBe(403);
    expect((await api("DELETE", `/api/groups/${groupId}/members/${staffA.id}`, { cookie: adminA.cookie })).status).toBe(200);
    expect((await members(adminA.cookie, groupId)).total).toBe(1);
  });

  it("closing keeps the history and ends access", async () => {
    await api("POST", `/api/groups/${groupId}/members`, { cookie: adminA.cookie, body: { personId: staffA.id } });
    expect((await api("DELETE", `/api/groups/${groupId}`, { cookie: staffA.cookie })).status).toBe(403);
    const since = await lastAuditId();
    expect((await api("DELETE", `/api/groups/${groupId}`, { cookie: adminA.cookie })).status).toBe(200);
    expect((await auditSince(since)).map((a) => a.action)).toEqual(["group.closed"]);
    expect((await api("GET", `/api/groups/${groupId}`, { cookie: staffA.cookie })).status).toBe(404);
    expect((await api("GET", `/api/groups/${groupId}`, { cookie: net.cookie })).status).toBe(200);
    expect((await api("POST", `/api/groups/${groupId}/members`, { cookie: adminA.cookie, body: { personId: staffA.id } })).status).toBe(404);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n, SUM(removed_at IS NULL) AS active FROM group_members WHERE group_id = ?1")
      .bind(groupId)
      .first<{ n: number; active: number }>();
    expect(rows).toEqual({ n: 4, active: 0 });
  });
});

describe("facility groups", () => {
  it("hold the facility's members; a member cannot be taken out while in the facility", async () => {
    const f = await json<{ id: number; groupId: number }>(
      await api("POST", "/api/facilities", { cookie: net.cookie, body: { type: "visiting_nurse", name: `訪看${uniq()}` } }),
    );
    const p = await json<{ id: number }>(await createPerson(net.cookie, { name: "訪問 看護", facilityId: f.id, email: `vn${uniq()}@example.org` }));
    expect((await members(net.cookie, f.groupId)).items.map((m) => m.personId)).toEqual([p.id]);
    expect((await api("DELETE", `/api/groups/${f.groupId}/members/${p.id}`, { cookie: net.cookie })).status).toBe(409);
    expect((await api("DELETE", `/api/groups/${f.groupId}`, { cookie: net.cookie })).status).toBe(409);
    // ending the facility membership takes them out of the group too
    expect((await api("DELETE", `/api/facilities/${f.id}/members/${p.id}`, { cookie: net.cookie })).status).toBe(200);
    expect((await members(net.cookie, f.groupId)).total).toBe(0);
  });

  it("staff see their own facility's group, not another's", async () => {
    const groupOf = async (facilityId: number) =>
      (await env.DB.prepare("SELECT id FROM groups WHERE facility_id = ?1 AND kind = 'facility'").bind(facilityId).first<{ id: number }>())!.id;
    expect((await api("GET", `/api/groups/${await groupOf(A)}`, { cookie: staffA.cookie })).status).toBe(200);
    expect((await api("GET", `/api/groups/${await groupOf(B)}`, { cookie: staffA.cookie })).status).toBe(404);
  });
});

describe("deregistration ends group memberships", () => {
  it("removes the person from every group", async () => {
    const g = await json<Group>(await api("POST", "/api/groups", { cookie: adminA.cookie, body: { name: "退職予定" } }));
    const p = await makePerson({ facilityId: A });
    await api("POST", `/api/groups/${g.id}/members`, { cookie: adminA.cookie, body: { personId: p.id } });
    expect((await api("DELETE", `/api/people/${p.id}`, { cookie: adminA.cookie })).status).toBe(200);
    expect((await members(adminA.cookie, g.id)).items.map((m) => m.personId)).not.toContain(p.id);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM group_members WHERE person_id = ?1 AND removed_at IS NULL").bind(p.id).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });
});
