import { z } from "@hono/zod-openapi";
import { route } from "../auth/access";
import { domainApp } from "../lib/app";
import { errorResponses, jsonOk } from "../lib/schemas";
import { listAudit } from "./log";

export const AuditEntrySchema = z
  .object({
    id: z.number(),
    at: z.string(),
    actorId: z.number().nullable(),
    actorName: z.string().nullable(),
    action: z.string(),
    objectType: z.string().nullable(),
    objectId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi("AuditEntry");

const list = route({
  method: "get",
  path: "/api/audit",
  summary: "The audit log, newest first (append-only: there is no route to change it)",
  tags: ["audit"],
  access: ["network_admin"],
  request: {
    query: z.object({
      before: z.coerce.number().int().positive().optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      action: z.string().max(64).optional(),
      actorId: z.coerce.number().int().positive().optional(),
    }),
  },
  responses: { 200: jsonOk(z.object({ entries: z.array(AuditEntrySchema), nextBefore: z.number().nullable() })), ...errorResponses },
});

export const auditRoutes = domainApp().openapi(list, async (c) => {
  const q = c.req.valid("query");
  const entries = await listAudit(c.env.DB, q);
  return c.json({ entries, nextBefore: entries.length === q.limit ? entries[entries.length - 1]!.id : null }, 200);
});
