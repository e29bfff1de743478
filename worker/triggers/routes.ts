import { z } from "@hono/zod-openapi";
import { auditIfChangedStatement, auditInsertedStatement, auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { randomToken, sha256Hex } from "../lib/crypto";
import { badRequest, notFound } from "../lib/errors";
import { errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { listRollcalls } from "../rollcall/data";
import { PreviewSchema } from "../rollcall/schemas";
import { wasSent } from "../rollcall/state";
import { resolveTemplate } from "../templates/service";
import { capAtomFeed } from "./cap/feed";
import { keyFromHeader, SIGNATURE_HEADERS, verifySignedRequest } from "./cap/verify";
import * as data from "./data";
import type { StoredApiKey, StoredReport } from "./data";
import {
  ApiKeyCreatedSchema,
  ApiKeyCreateSchema,
  ApiKeySchema,
  ApiTriggerSchema,
  ReportListQuery,
  ReportListSchema,
  TriggerOutcomeSchema,
  TriggerRulesSchema,
  type ApiKey,
  type TriggerReport,
} from "./schemas";
import { handleApiTrigger, handleCapAlert, replayReport } from "./service";

const ADMIN = ["network_admin"] as const;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const conflictResponse = {
  409: { description: "Not in a state that allows this", content: { "application/json": { schema: errorResponses[400].content["application/json"].schema } } },
};

const toApiKey = (k: StoredApiKey): ApiKey => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  permissions: k.permissions,
  autoSend: k.autoSend,
  createdAt: new Date(k.createdAt).toISOString(),
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
});

const toReport = (r: StoredReport): TriggerReport => ({
  id: r.id,
  source: r.source,
  kind: r.kind,
  externalId: r.externalId,
  eventId: r.eventId,
  status: r.status,
  infoType: r.infoType,
  title: r.title,
  reportAt: iso(r.reportAt),
  receivedAt: new Date(r.receivedAt).toISOString(),
  watchedMax: r.watchedMax,
  // A report still 'pending' is being handled right now (or its run died: it is retried).
  decision: r.decision === "pending" ? "error" : r.decision,
  reason: r.decision === "pending" ? { ja: "処理中です。", en: "Being processed." } : { ja: r.reasonJa, en: r.reasonEn },
  rollcallId: r.rollcallId,
  drill: r.drill,
  replayable: r.hasBody && r.source !== "api",
});

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
  .openapi(putRules, async (c) => {
    const auth = authOf(c);
    const rules = c.req.valid("json");
    if (!(await resolveTemplate(c.env.DB, rules.templateRef))) throw badRequest("templateRef", `templateRef: no template "${rules.templateRef}".`);
    const before = await data.loadRules(c.env);
    await c.env.DB.batch([
      data.rulesWrite(c.env.DB, rules, auth.personId, clock.now()),
      auditStatement(c.env.DB, {
        actorId: auth.personId,
        action: "triggers.rules_changed",
        objectType: "trigger_rules",
        objectId: 1,
        detail: { before, after: rules },
      }),
    ]);
    return c.json(await data.loadRules(c.env), 200);
  })
  .openapi(listReports, async (c) => {
    const q = c.req.valid("query");
    const [reports, feed] = await Promise.all([data.listReports(c.env.DB, q), data.loadFeedState(c.env.DB)]);
    return c.json(
      {
        reports: reports.map(toReport),
        feed: { lastPolledAt: iso(feed?.lastPolledAt ?? null), lastOkAt: iso(feed?.lastOkAt ?? null), lastError: feed?.lastError ?? null },
      },
      200,
    );
  })
  .openapi(replay, async (c) => {
    const result = await replayReport(c.env, authOf(c).personId, c.req.valid("param").id);
    return c.json(result, 200);
  })
  .openapi(listKeys, async (c) => c.json({ keys: (await data.listApiKeys(c.env.DB)).map(toApiKey) }, 200))
  .openapi(createKey, async (c) => {
    const auth = authOf(c);
    const input = c.req.valid("json");
    const key = `anpi_${randomToken(32)}`;
    const permissions = [...new Set(input.permissions)];
    const keyHash = await sha256Hex(key);
    const [row] = await c.env.DB.batch([
      data.insertApiKey(c.env.DB, {
        name: input.name,
        prefix: key.slice(0, 12),
        keyHash,
        permissions,
        autoSend: input.autoSend,
        createdBy: auth.personId,
        now: clock.now(),
      }),
      auditInsertedStatement(
        c.env.DB,
        { actorId: auth.personId, action: "triggers.key_created", objectType: "api_key", detail: { name: input.name, permissions, autoSend: input.autoSend } },
        data.apiKeyIdByHash(keyHash),
      ),
    ]);
    const created = data.apiKeyFromRow(row!.results[0]);
    return c.json({ ...toApiKey(created), key }, 201);
  })
  .openapi(revokeKey, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const key = await data.getApiKey(c.env.DB, id);
    if (!key) throw notFound("API key");
    if (key.revokedAt === null)
      await c.env.DB.batch([
        data.revokeApiKey(c.env.DB, id, auth.personId, clock.now()),
        auditIfChangedStatement(c.env.DB, {
          actorId: auth.personId,
          action: "triggers.key_revoked",
          objectType: "api_key",
          objectId: id,
          detail: { name: key.name },
        }),
      ]);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(capIn, async (c) => {
    const rawBody = await c.req.text();
    const key = await verifySignedRequest(c.env.DB, { header: (n) => c.req.header(n), rawBody }, "cap", clock.now());
    const result = await handleCapAlert(c.env, { xml: rawBody, apiKeyId: key.id });
    return c.json(result, 200);
  })
  .openapi(apiTrigger, async (c) => {
    const rawBody = await c.req.text();
    const key = await verifySignedRequest(c.env.DB, { header: (n) => c.req.header(n), rawBody }, "trigger", clock.now());
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw badRequest("body", "body: not JSON.");
    }
    const parsed = ApiTriggerSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join(".") || "body";
      throw badRequest(field, `${field}: ${issue?.message ?? "invalid"}`);
    }
    const result = await handleApiTrigger(c.env, key, parsed.data, c.req.header(SIGNATURE_HEADERS.nonce)!);
    return c.json(result, 200);
  })
  .openapi(capFeed, async (c) => {
    await keyFromHeader(c.env.DB, c.req.header("authorization"), "feed");
    const items = await listRollcalls(c.env.DB, { limit: 50, facilityIds: null });
    const sent = items.filter((r) => wasSent(r.state));
    const xml = capAtomFeed(sent, c.env.PUBLIC_URL, clock.now());
    return c.body(xml, 200, { "content-type": "application/atom+xml; charset=utf-8", "cache-control": "no-store" });
  });

triggerRoutes.openAPIRegistry.register("ApiTrigger", ApiTriggerSchema);
