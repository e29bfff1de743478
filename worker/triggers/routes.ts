import { z } from "@hono/zod-openapi";
import { authOf, route } from "../auth/access";
import { domainApp } from "../lib/app";
import { errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { PreviewSchema } from "../rollcall/schemas";
import { SIGNATURE_HEADERS } from "./cap/verify";
import * as data from "./data";
import {
  ApiKeyCreatedSchema,
  ApiKeyCreateSchema,
  ApiKeySchema,
  ApiTriggerSchema,
  JmaPlacesSchema,
  ReportListQuery,
  ReportListSchema,
  TriggerOutcomeSchema,
  TriggerRulesSchema,
} from "./schemas";
import {
  capFeedFor,
  changeRules,
  createApiKey,
  jmaPlaces,
  listApiKeys,
  receiveApiTrigger,
  receiveCapAlert,
  replayReport,
  reportsAndFeed,
  revokeApiKey,
} from "./service";

const ADMIN = ["network_admin"] as const;
const conflictResponse = {
  409: { description: "Not in a state that allows this", content: { "application/json": { schema: errorResponses[400].content["application/json"].schema } } },
};

const signedHeaders = z.object({
  authorization: z.string().optional().openapi({ description: "Bearer <API key>" }),
  [SIGNATURE_HEADERS.timestamp]: z.string().optional().openapi({ description: "Unix seconds; within 5 minutes of the server's time" }),
  [SIGNATURE_HEADERS.nonce]: z.string().optional().openapi({ description: "16-128 characters [A-Za-z0-9_-], never reused" }),
  [SIGNATURE_HEADERS.signature]: z.string().optional().openapi({ description: 'sha256=<hex HMAC-SHA256(API key, "<timestamp>.<nonce>.<raw body>")>' }),
});
const keyResponses = {
  401: {
    description: "No API key, an unknown or revoked key, or an unsigned request",
    content: { "application/json": { schema: errorResponses[401].content["application/json"].schema } },
  },
  403: {
    description: "Bad signature, stale timestamp, replayed nonce, or a key without the permission",
    content: { "application/json": { schema: errorResponses[403].content["application/json"].schema } },
  },
};

// ---------------------------------------------------------------- admin: rules, reports, keys

const getRules = route({
  method: "get",
  path: "/api/triggers/rules",
  summary: "The automatic-trigger rules (areas, cities, threshold, template, auto-send or prepare)",
  tags: ["triggers"],
  access: ADMIN,
  responses: { 200: jsonOk(TriggerRulesSchema), ...errorResponses },
});

const getPlaces = route({
  method: "get",
  path: "/api/triggers/places",
  summary: "The names of the JMA areas (3 digits) and cities (7 digits) by code, for the rules form",
  tags: ["triggers"],
  access: ADMIN,
  responses: { 200: jsonOk(JmaPlacesSchema), ...errorResponses },
});

const putRules = route({
  method: "put",
  path: "/api/triggers/rules",
  summary: "Replace the automatic-trigger rules; audited",
  tags: ["triggers"],
  access: ADMIN,
  request: { body: jsonBody(TriggerRulesSchema) },
  responses: { 200: jsonOk(TriggerRulesSchema), ...errorResponses },
});

const listReports = route({
  method: "get",
  path: "/api/triggers/reports",
  summary: "Reports and alerts seen, newest first, each with its decision and why; and how the JMA feed poll went",
  tags: ["triggers"],
  access: ADMIN,
  request: { query: ReportListQuery },
  responses: { 200: jsonOk(ReportListSchema), ...errorResponses },
});

const replay = route({
  method: "post",
  path: "/api/triggers/reports/{id}/replay",
  summary: "Replay a stored report as a drill: prepares a drill roll-call for confirmation; audited",
  tags: ["triggers"],
  access: ADMIN,
  request: { params: IdParam },
  responses: { 200: jsonOk(TriggerOutcomeSchema.extend({ reportId: z.number().int().nullable() })), ...errorResponses, ...conflictResponse },
});

const listKeys = route({
  method: "get",
  path: "/api/triggers/keys",
  summary: "API keys of outside systems (never the keys themselves)",
  tags: ["triggers"],
  access: ADMIN,
  responses: { 200: jsonOk(z.object({ keys: z.array(ApiKeySchema) })), ...errorResponses },
});

const createKey = route({
  method: "post",
  path: "/api/triggers/keys",
  summary: "Create an API key; the key is shown once, only its hash is kept; audited",
  tags: ["triggers"],
  access: ADMIN,
  request: { body: jsonBody(ApiKeyCreateSchema) },
  responses: { 201: jsonOk(ApiKeyCreatedSchema, "Created: keep the key now"), ...errorResponses },
});

const revokeKey = route({
  method: "delete",
  path: "/api/triggers/keys/{id}",
  summary: "Revoke an API key at once; audited",
  tags: ["triggers"],
  access: ADMIN,
  request: { params: IdParam },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

// ---------------------------------------------------------------- outside systems (API key)

const capIn = route({
  method: "post",
  path: "/api/triggers/cap",
  summary: "Receive a CAP 1.2 alert from an authorised system (API key with the cap permission, HMAC-signed body)",
  description:
    "The body is the CAP XML itself. Exercise alerts start drills; Test alerts are recorded only; Cancel withdraws a roll-call still awaiting confirmation.",
  tags: ["triggers"],
  access: "public",
  request: {
    headers: signedHeaders,
    body: { required: true, content: { "application/cap+xml": { schema: z.string() }, "application/xml": { schema: z.string() } } },
  },
  responses: { 200: jsonOk(TriggerOutcomeSchema.extend({ reportId: z.number().int().nullable() })), 400: errorResponses[400], ...keyResponses },
});

const apiTrigger = route({
  method: "post",
  path: "/api/triggers/rollcalls",
  summary: "Start a roll-call from a template (API key with the trigger permission, HMAC-signed body)",
  description:
    "Body: ApiTrigger as JSON. A draft awaiting an admin's confirmation, with its preview, unless the key may auto-send. A retry with the same `ref` starts nothing new.",
  tags: ["triggers"],
  access: "public",
  request: { headers: signedHeaders, body: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/ApiTrigger" } } } } },
  responses: {
    200: jsonOk(TriggerOutcomeSchema.extend({ reportId: z.number().int().nullable(), preview: PreviewSchema.nullable() })),
    400: errorResponses[400],
    ...keyResponses,
  },
});

const capFeed = route({
  method: "get",
  path: "/api/triggers/cap.atom",
  summary: "The network's roll-calls as an Atom feed of CAP 1.2 alerts (drills as Exercise); API key with the feed permission",
  description: "Key-protected rather than public: titles may name facilities. Entries hold counts only, never names or contact details.",
  tags: ["triggers"],
  access: "public",
  request: { headers: z.object({ authorization: z.string().optional().openapi({ description: "Bearer <API key>" }) }) },
  responses: { 200: { description: "Atom feed", content: { "application/atom+xml": { schema: z.string() } } }, ...keyResponses },
});

/** Automatic triggers: JMA earthquake rules and reports, CAP in and out, API keys. */
export const triggerRoutes = domainApp()
  .openapi(getRules, async (c) => c.json(await data.loadRules(c.env), 200))
  .openapi(getPlaces, (c) => c.json(jmaPlaces(), 200))
  .openapi(putRules, async (c) => c.json(await changeRules(c.env, authOf(c), c.req.valid("json")), 200))
  .openapi(listReports, async (c) => c.json(await reportsAndFeed(c.env.DB, c.req.valid("query")), 200))
  .openapi(replay, async (c) => {
    const result = await replayReport(c.env, authOf(c).personId, c.req.valid("param").id);
    return c.json(result, 200);
  })
  .openapi(listKeys, async (c) => c.json(await listApiKeys(c.env.DB), 200))
  .openapi(createKey, async (c) => c.json(await createApiKey(c.env.DB, authOf(c), c.req.valid("json")), 201))
  .openapi(revokeKey, async (c) => {
    await revokeApiKey(c.env.DB, authOf(c), c.req.valid("param").id);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(capIn, async (c) => c.json(await receiveCapAlert(c.env, { headers: c.req.header(), rawBody: await c.req.text() }), 200))
  .openapi(apiTrigger, async (c) => c.json(await receiveApiTrigger(c.env, { headers: c.req.header(), rawBody: await c.req.text() }), 200))
  .openapi(capFeed, async (c) => {
    const xml = await capFeedFor(c.env, c.req.header("authorization"));
    return c.body(xml, 200, { "content-type": "application/atom+xml; charset=utf-8", "cache-control": "no-store" });
  });

triggerRoutes.openAPIRegistry.register("ApiTrigger", ApiTriggerSchema);
