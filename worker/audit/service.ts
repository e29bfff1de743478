import type { z } from "@hono/zod-openapi";
import * as data from "./data";
import type { AuditQuery } from "./schemas";

/** Reading the audit log (network admins; the route says who). Writing it is every domain's, in its change's batch. */

/** A page of entries, newest first; `nextBefore` continues it when the page is full. */
export async function auditPage(db: D1Database, q: z.infer<typeof AuditQuery>) {
  const entries = await data.listAudit(db, q);
  return { entries, nextBefore: entries.length === q.limit ? entries[entries.length - 1]!.id : null };
}
