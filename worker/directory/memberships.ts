import { auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { notFound } from "../lib/errors";
import { errorResponses, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import * as data from "./data";
import { membershipRefusal, refusalError } from "./service";
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

const toJson = (m: data.MembershipRecord) => ({
  personId: m.personId,
  facilityId: m.facilityId,
  role: m.role,
  appointedBy: m.appointedBy,
  createdAt: new Date(m.createdAt).toISOString(),
});

export const membershipRoutes = domainApp()
  .openapi(set, async (c) => {
    const auth = authOf(c);
    const { id: facilityId, personId } = c.req.valid("param");
    const { role } = c.req.valid("json");
    const db = c.env.DB;
    const facility = await data.findFacility(db, facilityId);
    if (!facility || facility.removedAt) throw notFound("facility");
    const person = await data.findPerson(db, personId);
    if (!person || person.removedAt) throw notFound("person");
    const existing = await data.activeMembership(db, personId, facilityId);
    const memberships = (await data.membershipsOf(db, [personId])).get(personId) ?? [];
    const refusal = membershipRefusal(auth, facilityId, { from: existing?.role ?? null, to: role, person: { memberships } });
    if (refusal) throw refusalError(refusal);
    const now = clock.now();
    if (existing) {
      if (existing.role === role) return c.json(toJson(existing), 200);
      await db.batch([
        ...data.changeRoleStatements(db, existing, role, auth.personId, now),
        auditStatement(db, {
          actorId: auth.personId,
          action: "membership.role_changed",
          objectType: "person",
          objectId: personId,
          detail: { facilityId, from: existing.role, to: role },
        }),
      ]);
    } else {
      await db.batch([
        ...data.addMembershipStatements(db, personId, facilityId, role, auth.personId, now),
        auditStatement(db, { actorId: auth.personId, action: "membership.added", objectType: "person", objectId: personId, detail: { facilityId, role } }),
      ]);
    }
    return c.json(toJson((await data.activeMembership(db, personId, facilityId))!), 200);
  })
  .openapi(end, async (c) => {
    const auth = authOf(c);
    const { id: facilityId, personId } = c.req.valid("param");
    const db = c.env.DB;
    const existing = await data.activeMembership(db, personId, facilityId);
    const refusal = membershipRefusal(auth, facilityId, { from: existing?.role ?? "staff", to: null });
    if (refusal?.code === "not_your_facility") throw refusalError(refusal);
    if (!existing) throw notFound("membership");
    if (refusal) throw refusalError(refusal);
    await db.batch([
      ...data.endMembershipStatements(db, personId, facilityId, clock.now()),
      auditStatement(db, {
        actorId: auth.personId,
        action: "membership.ended",
        objectType: "person",
        objectId: personId,
        detail: { facilityId, role: existing.role },
      }),
    ]);
    return c.json({ ok: true as const }, 200);
  });
