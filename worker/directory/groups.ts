import { auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import { isNetworkAdmin, type Auth } from "../auth/scope";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { badRequest, conflict, forbidden, notFound } from "../lib/errors";
import { errorResponse, errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { normalizeSpaces } from "./contact";
import * as data from "./data";
import { withFreshIds } from "./ids";
import { canManageGroup, canSeeGroup, managesPerson, reachOf } from "./scope";
import {
  GroupCreateSchema,
  GroupListQuerySchema,
  GroupListSchema,
  GroupMemberAddSchema,
  GroupMemberListSchema,
  GroupMemberParams,
  GroupMemberQuerySchema,
  GroupSchema,
  GroupUpdateSchema,
  type Group,
} from "./schemas";

const TAG = "directory: groups";
const MEMBERS = ["network_admin", "facility_admin", "delegate", "staff"] as const;
const conflictResponse = { 409: errorResponse("Not possible in the group's state") };

const list = route({
  method: "get",
  path: "/api/groups",
  summary: "Groups you belong to (the network group, your facility groups, custom groups); all of them for a network admin",
  tags: [TAG],
  access: MEMBERS,
  request: { query: GroupListQuerySchema },
  responses: { 200: jsonOk(GroupListSchema), ...errorResponses },
});

const create = route({
  method: "post",
  path: "/api/groups",
  summary: "Create a custom group; the creator owns it",
  tags: [TAG],
  access: ["network_admin", "facility_admin"],
  request: { body: jsonBody(GroupCreateSchema) },
  responses: { 201: jsonOk(GroupSchema, "Created"), ...errorResponses },
});

const read = route({
  method: "get",
  path: "/api/groups/{id}",
  summary: "One group",
  tags: [TAG],
  access: MEMBERS,
  request: { params: IdParam },
  responses: { 200: jsonOk(GroupSchema), ...errorResponses },
});

const rename = route({
  method: "patch",
  path: "/api/groups/{id}",
  summary: "Rename a custom group (its owner) or the network group (a network admin); a facility group follows its facility's name",
  tags: [TAG],
  access: ["network_admin", "facility_admin"],
  request: { params: IdParam, body: jsonBody(GroupUpdateSchema) },
  responses: { 200: jsonOk(GroupSchema), ...errorResponses, ...conflictResponse },
});

const close = route({
  method: "delete",
  path: "/api/groups/{id}",
  summary: "Close a custom group: access ends for every member, the history stays",
  tags: [TAG],
  access: ["network_admin", "facility_admin"],
  request: { params: IdParam },
  responses: { 200: jsonOk(OkSchema), ...errorResponses, ...conflictResponse },
});

const members = route({
  method: "get",
  path: "/api/groups/{id}/members",
  summary: "Members of a group (names, jobs and photos; never contact details), in reading order",
  tags: [TAG],
  access: MEMBERS,
  request: { params: IdParam, query: GroupMemberQuerySchema },
  responses: { 200: jsonOk(GroupMemberListSchema), ...errorResponses },
});

const addMember = route({
  method: "post",
  path: "/api/groups/{id}/members",
  summary: "Add one of your facility's people to a group you manage (people of other facilities join by invitation)",
  tags: [TAG],
  access: ADMINS,
  request: { params: IdParam, body: jsonBody(GroupMemberAddSchema) },
  responses: { 200: jsonOk(OkSchema), ...errorResponses, ...conflictResponse },
});

const removeMember = route({
  method: "delete",
  path: "/api/groups/{id}/members/{personId}",
  summary: "Remove a member (the group's manager, or the member's facility admin); §5",
  tags: [TAG],
  access: ADMINS,
  request: { params: GroupMemberParams },
  responses: { 200: jsonOk(OkSchema), ...errorResponses, ...conflictResponse },
});

const leave = route({
  method: "post",
  path: "/api/groups/{id}/leave",
  summary: "Leave a group when no longer in charge (§5)",
  tags: [TAG],
  access: MEMBERS,
  request: { params: IdParam },
  responses: { 200: jsonOk(OkSchema), ...errorResponses, ...conflictResponse },
});

/** The group and the caller's place in it; 404 when the caller may not see it. */
async function visibleGroup(db: D1Database, auth: Auth, id: number): Promise<{ group: Group; myRole: "owner" | "member" | null }> {
  const group = await data.findGroup(db, id);
  const myRole = group ? await data.groupMembership(db, id, auth.personId) : null;
  if (!group || !canSeeGroup(auth, group, myRole)) throw notFound("group");
  return { group, myRole };
}

async function managedGroup(db: D1Database, auth: Auth, id: number) {
  const g = await visibleGroup(db, auth, id);
  if (!canManageGroup(auth, g.group, g.myRole)) throw forbidden("You do not manage this group.");
  if (g.group.closedAt) throw conflict(undefined, "This group is closed.");
  return g;
}

/**
 * Why a member cannot simply be taken out of a group, or null. Facility and network
 * groups follow the facility membership and the registration.
 */
async function removalBlock(db: D1Database, group: Group, personId: number, role: "owner" | "member"): Promise<string | null> {
  if (group.kind === "network") return "Everyone registered is in the network group; deregister instead.";
  if (group.kind === "facility" && group.facilityId !== null && (await data.activeMembership(db, personId, group.facilityId)))
    return "Facility members belong to the facility group; end the facility membership instead.";
  if (role === "owner") return "The owner cannot leave; close the group instead.";
  return null;
}

export const groupRoutes = domainApp()
  .openapi(list, async (c) => {
    const auth = authOf(c);
    const q = c.req.valid("query");
    const db = c.env.DB;
    const includeClosed = q.includeClosed === "true";
    const network = await data.networkGroup(db, clock.now());
    if (isNetworkAdmin(auth)) return c.json({ items: await data.listGroups(db, { kind: q.kind, includeClosed }) }, 200);
    if (includeClosed) throw forbidden("Only a network admin sees closed groups.");
    const mine = await data.groupsOfPerson(db, auth.personId);
    const facilityGroups = await data.listGroups(db, { kind: "facility", includeClosed: false, facilityIds: auth.facilities.map((f) => f.facilityId) });
    const ids = new Set([network.id, ...mine.map((m) => m.group.id), ...facilityGroups.map((g) => g.id)]);
    return c.json({ items: await data.listGroups(db, { kind: q.kind, includeClosed: false, ids: [...ids] }) }, 200);
  })
  .openapi(create, async (c) => {
    const auth = authOf(c);
    const name = normalizeSpaces(c.req.valid("json").name);
    const db = c.env.DB;
    const now = clock.now();
    const id = await withFreshIds(db, ["groups"], async ([groupId]) => {
      await db.batch([
        ...data.insertCustomGroupStatements(db, groupId!, name, auth.personId, now),
        auditStatement(db, { actorId: auth.personId, action: "group.created", objectType: "group", objectId: groupId!, detail: { name } }),
      ]);
      return groupId!;
    });
    return c.json((await data.findGroup(db, id))!, 201);
  })
  .openapi(read, async (c) => {
    const auth = authOf(c);
    const { group } = await visibleGroup(c.env.DB, auth, c.req.valid("param").id);
    return c.json(group, 200);
  })
  .openapi(rename, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const name = normalizeSpaces(c.req.valid("json").name);
    const db = c.env.DB;
    const { group } = await managedGroup(db, auth, id);
    if (group.kind === "facility") throw conflict("name", "A facility group has its facility's name; rename the facility.");
    if (name !== group.name)
      await db.batch([
        data.renameGroup(db, id, name),
        auditStatement(db, { actorId: auth.personId, action: "group.renamed", objectType: "group", objectId: id, detail: { from: group.name, to: name } }),
      ]);
    return c.json((await data.findGroup(db, id))!, 200);
  })
  .openapi(close, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const db = c.env.DB;
    const { group } = await managedGroup(db, auth, id);
    if (group.kind !== "custom") throw conflict(undefined, "Only custom groups are closed by hand; a facility group closes with its facility.");
    await db.batch([
      ...data.closeGroupStatements(db, id, clock.now()),
      auditStatement(db, { actorId: auth.personId, action: "group.closed", objectType: "group", objectId: id, detail: { name: group.name } }),
    ]);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(members, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    const db = c.env.DB;
    await visibleGroup(db, auth, id);
    const page = await data.listGroupMembers(db, id, await reachOf(db, auth), q.limit, data.decodeCursor(q.cursor));
    return c.json(
      {
        items: page.items.map((m) => ({ ...m, joinedAt: new Date(m.joinedAt).toISOString() })),
        total: page.total,
        nextCursor: page.nextCursor && data.encodeCursor(page.nextCursor),
      },
      200,
    );
  })
  .openapi(addMember, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const { personId } = c.req.valid("json");
    const db = c.env.DB;
    await managedGroup(db, auth, id);
    const person = await data.findPerson(db, personId);
    if (!person || person.removedAt) throw badRequest("personId", "No such person.");
    const theirs = (await data.membershipsOf(db, [personId])).get(personId) ?? [];
    if (!managesPerson(auth, theirs)) throw forbidden("Invite people from other facilities instead; they accept the invitation themselves.", "personId");
    if (await data.groupMembership(db, id, personId)) throw conflict("personId", "Already a member.");
    await db.batch([
      data.addGroupMember(db, id, personId, auth.personId, clock.now()),
      auditStatement(db, { actorId: auth.personId, action: "group.member_added", objectType: "group", objectId: id, detail: { personId } }),
    ]);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(removeMember, async (c) => {
    const auth = authOf(c);
    const { id, personId } = c.req.valid("param");
    const db = c.env.DB;
    const { group, myRole } = await visibleGroup(db, auth, id);
    const role = await data.groupMembership(db, id, personId);
    if (!role) throw notFound("member");
    const theirs = (await data.membershipsOf(db, [personId])).get(personId) ?? [];
    if (!canManageGroup(auth, group, myRole) && !managesPerson(auth, theirs)) throw forbidden("You do not manage this group or this person.");
    const block = await removalBlock(db, group, personId, role);
    if (block) throw conflict(undefined, block);
    await db.batch([
      data.removeGroupMember(db, id, personId, clock.now()),
      auditStatement(db, { actorId: auth.personId, action: "group.member_removed", objectType: "group", objectId: id, detail: { personId } }),
    ]);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(leave, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const db = c.env.DB;
    const { group, myRole } = await visibleGroup(db, auth, id);
    if (!myRole) throw notFound("membership");
    const block = await removalBlock(db, group, auth.personId, myRole);
    if (block) throw conflict(undefined, block);
    await db.batch([
      data.removeGroupMember(db, id, auth.personId, clock.now()),
      auditStatement(db, { actorId: auth.personId, action: "group.left", objectType: "group", objectId: id }),
    ]);
    return c.json({ ok: true as const }, 200);
  });
