import { auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import { canManageFacility, isNetworkAdmin } from "../auth/scope";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { conflict, forbidden, notFound } from "../lib/errors";
import { ErrorSchema, errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { normalizeKana, normalizeSpaces, parsePhone } from "./contact";
import * as data from "./data";
import { withFreshIds } from "./ids";
import { assertFacilityNameFree } from "./service";
import {
  FacilityCreateSchema,
  FacilityListQuerySchema,
  FacilityListSchema,
  FacilitySchema,
  FacilityUpdateSchema,
  type Facility,
  type FacilityUpdate,
} from "./schemas";

const TAG = "directory: facilities";
const conflictResponse = {
  409: {
    description: "A facility of that name exists, also written in half-width or with other spaces (`field`: name; the message names it)",
    content: { "application/json": { schema: ErrorSchema } },
  },
};

const list = route({
  method: "get",
  path: "/api/facilities",
  summary: "List facilities, filtered by type, district or the start of the name / reading, in reading order",
  tags: [TAG],
  access: "signed_in",
  request: { query: FacilityListQuerySchema },
  responses: { 200: jsonOk(FacilityListSchema), ...errorResponses },
});

const create = route({
  method: "post",
  path: "/api/facilities",
  summary: "Register a facility (and its facility group)",
  tags: [TAG],
  access: ["network_admin"],
  request: { body: jsonBody(FacilityCreateSchema) },
  responses: { 201: jsonOk(FacilitySchema, "Created"), ...errorResponses, ...conflictResponse },
});

const read = route({
  method: "get",
  path: "/api/facilities/{id}",
  summary: "One facility",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam },
  responses: { 200: jsonOk(FacilitySchema), ...errorResponses },
});

const update = route({
  method: "patch",
  path: "/api/facilities/{id}",
  summary: "Change a facility's details (its own admins and delegates, or a network admin; only a network admin changes the type)",
  tags: [TAG],
  access: ADMINS,
  request: { params: IdParam, body: jsonBody(FacilityUpdateSchema) },
  responses: { 200: jsonOk(FacilitySchema), ...errorResponses, ...conflictResponse },
});

const remove = route({
  method: "delete",
  path: "/api/facilities/{id}",
  summary: "Remove a facility: its memberships and group end, the history stays",
  tags: [TAG],
  access: ["network_admin"],
  request: { params: IdParam },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

function applyUpdate(f: Facility, u: FacilityUpdate): data.NewFacility {
  return {
    type: u.type ?? f.type,
    name: u.name === undefined ? f.name : normalizeSpaces(u.name),
    kana: u.kana === undefined ? f.kana : normalizeKana(u.kana),
    address: u.address === undefined ? f.address : normalizeSpaces(u.address),
    district: u.district === undefined ? f.district : normalizeSpaces(u.district),
    phone: u.phone === undefined ? f.phone : u.phone === null ? null : parsePhone(u.phone),
    lat: u.lat === undefined ? f.lat : u.lat,
    lng: u.lng === undefined ? f.lng : u.lng,
  };
}

export const facilityRoutes = domainApp()
  .openapi(list, async (c) => {
    const auth = authOf(c);
    const q = c.req.valid("query");
    const includeRemoved = q.includeRemoved === "true";
    if (includeRemoved && !isNetworkAdmin(auth)) throw forbidden("Only a network admin sees removed facilities.");
    const text = q.q ? normalizeSpaces(q.q) : "";
    const page = await data.listFacilities(c.env.DB, {
      type: q.type,
      district: q.district ? normalizeSpaces(q.district) : undefined,
      q: text || undefined,
      qKana: text ? normalizeKana(text) : undefined,
      includeRemoved,
      limit: q.limit,
      cursor: data.decodeCursor(q.cursor),
    });
    return c.json({ items: page.items, total: page.total, nextCursor: page.nextCursor && data.encodeCursor(page.nextCursor) }, 200);
  })
  .openapi(create, async (c) => {
    const auth = authOf(c);
    const body = c.req.valid("json");
    const db = c.env.DB;
    const f: data.NewFacility = {
      type: body.type,
      name: normalizeSpaces(body.name),
      kana: normalizeKana(body.kana),
      address: normalizeSpaces(body.address),
      district: normalizeSpaces(body.district),
      phone: body.phone ? parsePhone(body.phone) : null,
      lat: body.lat ?? null,
      lng: body.lng ?? null,
    };
    await assertFacilityNameFree(db, f.name, null);
    const now = clock.now();
    const id = await withFreshIds(db, ["facilities", "groups"], async ([facilityId, groupId]) => {
      try {
        await db.batch([
          data.insertFacility(db, facilityId!, f, now),
          data.insertFacilityGroup(db, groupId!, facilityId!, f.name, now),
          auditStatement(db, {
            actorId: auth.personId,
            action: "facility.created",
            objectType: "facility",
            objectId: facilityId,
            detail: { type: f.type, name: f.name },
          }),
        ]);
      } catch (err) {
        if (data.isUniqueViolation(err, "facilities.name")) throw conflict("name", "A facility with this name is already registered.");
        throw err;
      }
      return facilityId!;
    });
    return c.json((await data.findFacility(db, id))!, 201);
  })
  .openapi(read, async (c) => {
    const auth = authOf(c);
    const f = await data.findFacility(c.env.DB, c.req.valid("param").id);
    if (!f || (f.removedAt && !isNetworkAdmin(auth))) throw notFound("facility");
    return c.json(f, 200);
  })
  .openapi(update, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = c.env.DB;
    const f = await data.findFacility(db, id);
    if (!f || f.removedAt) throw notFound("facility");
    if (!canManageFacility(auth, id)) throw forbidden("You may change only your own facility.");
    if (body.type !== undefined && body.type !== f.type && !isNetworkAdmin(auth)) throw forbidden("Only a network admin changes the facility type.", "type");
    const next = applyUpdate(f, body);
    if (next.name !== f.name) await assertFacilityNameFree(db, next.name, id);
    const changed = (Object.keys(next) as (keyof data.NewFacility)[]).filter((k) => next[k] !== f[k]);
    if (changed.length) {
      const now = clock.now();
      try {
        await db.batch([
          data.updateFacility(db, id, next, now),
          ...(changed.includes("name") ? [data.renameFacilityGroup(db, id, next.name)] : []),
          auditStatement(db, { actorId: auth.personId, action: "facility.updated", objectType: "facility", objectId: id, detail: { fields: changed } }),
        ]);
      } catch (err) {
        if (data.isUniqueViolation(err, "facilities.name")) throw conflict("name", "A facility with this name is already registered.");
        throw err;
      }
    }
    return c.json((await data.findFacility(db, id))!, 200);
  })
  .openapi(remove, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const db = c.env.DB;
    const f = await data.findFacility(db, id);
    if (!f || f.removedAt) throw notFound("facility");
    const now = clock.now();
    await db.batch([
      ...data.removeFacilityStatements(db, id, now),
      auditStatement(db, { actorId: auth.personId, action: "facility.removed", objectType: "facility", objectId: id, detail: { name: f.name } }),
    ]);
    return c.json({ ok: true as const }, 200);
  });
