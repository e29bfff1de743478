import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { errorResponse, errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import {
  addGroupMember,
  closeGroup,
  createGroup,
  groupMembersFor,
  leaveGroup,
  listGroupsFor,
  readGroup,
  removeGroupMember,
  renameGroup,
} from "./group-service";
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

export const groupRoutes = domainApp()
  .openapi(list, async (c) => c.json(await listGroupsFor(c.env.DB, authOf(c), c.req.valid("query")), 200))
  .openapi(create, async (c) => c.json(await createGroup(c.env.DB, authOf(c), c.req.valid("json").name), 201))
  .openapi(read, async (c) => c.json(await readGroup(c.env.DB, authOf(c), c.req.valid("param").id), 200))
  .openapi(rename, async (c) => c.json(await renameGroup(c.env.DB, authOf(c), c.req.valid("param").id, c.req.valid("json").name), 200))
  .openapi(close, async (c) => {
    await closeGroup(c.env.DB, authOf(c), c.req.valid("param").id);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(members, async (c) => c.json(await groupMembersFor(c.env.DB, authOf(c), c.req.valid("param").id, c.req.valid("query")), 200))
  .openapi(addMember, async (c) => {
    await addGroupMember(c.env.DB, authOf(c), c.req.valid("param").id, c.req.valid("json").personId);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(removeMember, async (c) => {
    const { id, personId } = c.req.valid("param");
    await removeGroupMember(c.env.DB, authOf(c), id, personId);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(leave, async (c) => {
    await leaveGroup(c.env.DB, authOf(c), c.req.valid("param").id);
    return c.json({ ok: true as const }, 200);
  });
