import { route } from "../auth/access";
import { domainApp } from "../lib/app";
import { errorResponses, jsonOk } from "../lib/schemas";
import { AuditPageSchema, AuditQuery } from "./schemas";
import { auditPage } from "./service";

const list = route({
  method: "get",
  path: "/api/audit",
  summary: "The audit log, newest first (append-only: there is no route to change it)",
  tags: ["audit"],
  access: ["network_admin"],
  request: { query: AuditQuery },
  responses: { 200: jsonOk(AuditPageSchema), ...errorResponses },
});

export const auditRoutes = domainApp().openapi(list, async (c) => c.json(await auditPage(c.env.DB, c.req.valid("query")), 200));
