import { z } from "@hono/zod-openapi";
import { AUDIT_ACTION_LIST, type AuditAction } from "./actions";

/** The audit log as the API shows it (append-only: there is no route to change it). */

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

export const AuditQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** One action (its words are in audit/actions.ts). */
  action: z.enum(AUDIT_ACTION_LIST as [AuditAction, ...AuditAction[]]).optional(),
  actorId: z.coerce.number().int().positive().optional(),
});

export const AuditPageSchema = z.object({ entries: z.array(AuditEntrySchema), nextBefore: z.number().nullable() });
