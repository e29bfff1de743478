import { z } from "@hono/zod-openapi";
import { authOf, route } from "../auth/access";
import { domainApp } from "../lib/app";
import { errorResponses, jsonBody, jsonOk } from "../lib/schemas";
import { SettingsSchema } from "./schemas";
import { changeSettings, health as checkHealth } from "./service";
import { loadSettings } from "./settings";

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
    const h = await checkHealth(c.env.DB);
    return c.json(h, h.db ? 200 : 503);
  })
  .openapi(getSettings, async (c) => c.json(await loadSettings(c.env), 200))
  .openapi(patchSettings, async (c) => c.json(await changeSettings(c.env, authOf(c), c.req.valid("json")), 200));
