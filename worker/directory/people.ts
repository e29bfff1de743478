import { authOf, route } from "../auth/access";
import { probeSource } from "../auth/ratelimit";
import { ADMINS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { errorResponse, errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { changePerson, deregisterPerson, listPeopleFor, readPerson, registerPerson } from "./people-service";
import { PersonCreateSchema, PersonListQuerySchema, PersonListSchema, PersonQuerySchema, PersonSchema, PersonUpdateSchema } from "./schemas";

const TAG = "directory: people";
const conflictResponse = {
  409: errorResponse("The email or mobile belongs to another account (`field` names which)"),
};

const list = route({
  method: "get",
  path: "/api/people",
  summary: "List and search people you may see (name or reading, ひらがな works), by facility, role or job; contacts only where in scope, audited",
  tags: [TAG],
  access: "signed_in",
  request: { query: PersonListQuerySchema },
  responses: { 200: jsonOk(PersonListSchema), ...errorResponses },
});

const create = route({
  method: "post",
  path: "/api/people",
  summary: "Register a person with their facility, role, email and mobile (admins and delegates for their own facility)",
  tags: [TAG],
  access: ADMINS,
  request: { body: jsonBody(PersonCreateSchema) },
  responses: { 201: jsonOk(PersonSchema, "Created"), ...errorResponses, ...conflictResponse },
});

const read = route({
  method: "get",
  path: "/api/people/{id}",
  summary: "One person: the profile to anyone in reach, email and mobile to themselves and their admins (audited)",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam, query: PersonQuerySchema },
  responses: { 200: jsonOk(PersonSchema), ...errorResponses },
});

const update = route({
  method: "patch",
  path: "/api/people/{id}",
  summary: "Change a profile or contact channels (oneself, or one's facility admin or delegate)",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam, body: jsonBody(PersonUpdateSchema) },
  responses: { 200: jsonOk(PersonSchema), ...errorResponses, ...conflictResponse },
});

const remove = route({
  method: "delete",
  path: "/api/people/{id}",
  summary: "Deregister (§5): sessions, push subscriptions, memberships and groups end; addresses are released; history stays",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

export const peopleRoutes = domainApp()
  .openapi(list, async (c) => c.json(await listPeopleFor(c.env.DB, authOf(c), c.req.valid("query")), 200))
  .openapi(create, async (c) => {
    const auth = authOf(c);
    return c.json(await registerPerson(c.env, auth, c.req.valid("json"), probeSource(c, auth.personId)), 201);
  })
  .openapi(read, async (c) => c.json(await readPerson(c.env.DB, authOf(c), c.req.valid("param").id, c.req.valid("query").contacts !== "false"), 200))
  .openapi(update, async (c) => {
    const auth = authOf(c);
    return c.json(await changePerson(c.env, auth, c.req.valid("param").id, c.req.valid("json"), probeSource(c, auth.personId)), 200);
  })
  .openapi(remove, async (c) => {
    await deregisterPerson(c.env.DB, authOf(c), c.req.valid("param").id);
    return c.json({ ok: true as const }, 200);
  });
