import { z } from "@hono/zod-openapi";
import { auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import { domainApp } from "../lib/app";
import { errorResponses, jsonBody, jsonOk } from "../lib/schemas";
import { loadSettings, SettingsSchema, settingsWrites } from "./settings";

const health = route({
  method: "get",
  path: "/healthz",
  summary: "Liveness and database check",
  tags: ["system"],
  access: "public",
  responses: { 200: jsonOk(z.object({ ok: z.boolean(), db: z.boolean(), time: z.string() })), 503: { description: "Database unreachable" } },
});

const getSettings = route({
  method: "get",
  path: "/api/settings",
  summary: "Network-wide settings",
  tags: ["system"],
  access: ["network_admin"],
  responses: { 200: jsonOk(SettingsSchema.openapi("Settings")), ...errorResponses },
});

const patchSettings = route({
  method: "patch",
  path: "/api/settings",
  summary: "Change network-wide settings",
  tags: ["system"],
  access: ["network_admin"],
  request: { body: jsonBody(SettingsSchema.partial().strict()) },
  responses: { 200: jsonOk(SettingsSchema), ...errorResponses },
});

export const systemRoutes = domainApp()
  .openapi(health, async (c) => {
    const db = await c.env.DB.prepare("SELECT 1 AS one").first<{ one: number }>().then((r) => r?.one === 1, () => false);
    return c.json({ ok: db, db, time: new Date().toISOString() }, db ? 200 : 503);
  })
  .openapi(getSettings, async (c) => c.json(await loadSettings(c.env), 200))
  .openapi(patchSettings, async (c) => {
    const auth = authOf(c);
    const patch = c.req.valid("json");
    await c.env.DB.batch([
      ...settingsWrites(c.env, patch, auth.personId),
      auditStatement(c.env.DB, { actorId: auth.personId, action: "settings.changed", detail: patch }),
    ]);
    return c.json(await loadSettings(c.env), 200);
  });
