/**
 * API types, taken from the worker's zod schemas (type-only: nothing of zod or the
 * worker reaches the bundle). Add a line here when a domain publishes a schema.
 */
import type { z } from "zod";
import type { AuditEntrySchema } from "../../worker/audit/routes";
import type { MeSchema } from "../../worker/auth/routes";
import type { ErrorSchema } from "../../worker/lib/schemas";

export type Me = z.infer<typeof MeSchema>;
export type Role = Me["roles"][number];
export type Settings = import("../../worker/system/settings").Settings;
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export type ApiErrorBody = z.infer<typeof ErrorSchema>;
