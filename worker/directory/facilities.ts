import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { ErrorSchema, errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { changeFacility, listFacilitiesFor, readFacility, registerFacility, removeFacility } from "./facility-service";
import { FacilityCreateSchema, FacilityListQuerySchema, FacilityListSchema, FacilitySchema, FacilityUpdateSchema } from "./schemas";

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

export const facilityRoutes = domainApp()
  .openapi(list, async (c) => c.json(await listFacilitiesFor(c.env.DB, authOf(c), c.req.valid("query")), 200))
  .openapi(create, async (c) => c.json(await registerFacility(c.env.DB, authOf(c), c.req.valid("json")), 201))
  .openapi(read, async (c) => c.json(await readFacility(c.env.DB, authOf(c), c.req.valid("param").id), 200))
  .openapi(update, async (c) => c.json(await changeFacility(c.env.DB, authOf(c), c.req.valid("param").id, c.req.valid("json")), 200))
  .openapi(remove, async (c) => {
    await removeFacility(c.env.DB, authOf(c), c.req.valid("param").id);
    return c.json({ ok: true as const }, 200);
  });
