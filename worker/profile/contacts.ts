import { authOf, route } from "../auth/access";
import { domainApp } from "../lib/app";
import { probeSource } from "../auth/ratelimit";
import { errorResponse, errorResponses, ErrorSchema, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { ContactAddedSchema, ContactAddSchema } from "./schemas";
import { addMyContact, removeMyContact } from "./service";

const TAG = "profile";
const conflictResponse = {
  409: errorResponse("The address belongs to an account already (`field` is value)"),
  429: {
    description: "Too many answers that an address belongs to another account, from this person or client address in the last hour",
    content: { "application/json": { schema: ErrorSchema } },
  },
};

const add = route({
  method: "post",
  path: "/api/me/contacts",
  summary: "Add one's own email or mobile (unverified until confirmed: POST /api/me/contacts/{id}/verify); one per kind, a new one replaces the old",
  description:
    "One address belongs to one account: an address held by anyone (oneself included) is refused with 409 naming `value`. " +
    "Mobiles must be Japanese (+81) unless the setting mobileExtraCountryCodes allows the country. " +
    "Answers that an address belongs to another account are limited per person and per client address (429).",
  tags: [TAG],
  access: "signed_in",
  request: { body: jsonBody(ContactAddSchema) },
  responses: { 201: jsonOk(ContactAddedSchema, "Added"), ...errorResponses, ...conflictResponse },
});

const remove = route({
  method: "delete",
  path: "/api/me/contacts/{id}",
  summary: "Remove one of one's own contacts; the last one stays (a roll-call must be able to reach the person)",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

/** One's own contacts; the rules are in service.ts. */
export const myContactRoutes = domainApp()
  .openapi(add, async (c) => {
    const auth = authOf(c);
    return c.json(await addMyContact(c.env, auth, probeSource(c, auth.personId), c.req.valid("json")), 201);
  })
  .openapi(remove, async (c) => {
    await removeMyContact(c.env.DB, authOf(c), c.req.valid("param").id);
    return c.json({ ok: true as const }, 200);
  });
