import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { errorResponses, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { endMembership, setMembership } from "./service";
import { FacilityMemberParams, MembershipSchema, MembershipSetSchema } from "./schemas";

const TAG = "directory: memberships";

const set = route({
  method: "put",
  path: "/api/facilities/{id}/members/{personId}",
  summary: "Give a person a role in a facility, or change it (admins appoint delegates and staff, delegates staff; §2)",
  tags: [TAG],
  access: ADMINS,
  request: { params: FacilityMemberParams, body: jsonBody(MembershipSetSchema) },
  responses: { 200: jsonOk(MembershipSchema), ...errorResponses },
});

const end = route({
  method: "delete",
  path: "/api/facilities/{id}/members/{personId}",
  summary: "Take a person out of a facility (and its group); the history stays",
  tags: [TAG],
  access: ADMINS,
  request: { params: FacilityMemberParams },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

export const membershipRoutes = domainApp()
  .openapi(set, async (c) => {
    const { id: facilityId, personId } = c.req.valid("param");
    return c.json(await setMembership(c.env.DB, authOf(c), facilityId, personId, c.req.valid("json").role), 200);
  })
  .openapi(end, async (c) => {
    const { id: facilityId, personId } = c.req.valid("param");
    await endMembership(c.env.DB, authOf(c), facilityId, personId);
    return c.json({ ok: true as const }, 200);
  });
