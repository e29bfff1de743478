import { z } from "@hono/zod-openapi";

/** Reports to one's facility admins (§5, §7): a lost device, a system fault, suspected unauthorised access. */

export const REPORT_KINDS = ["lost_device", "system_fault", "unauthorised_access"] as const;
export const ReportKindSchema = z.enum(REPORT_KINDS).openapi("ReportKind");
export type ReportKind = z.infer<typeof ReportKindSchema>;

/** Open reports one person may file in an hour (a stuck button must not flood the admins). */
export const MAX_REPORTS_PER_HOUR = 5;

export const ReportCreateSchema = z
  .object({
    kind: ReportKindSchema,
    note: z.string().max(1000).default("").openapi({ description: "What happened (no passwords)" }),
  })
  .openapi("ReportCreate");

export const ReportSchema = z
  .object({
    id: z.number(),
    kind: ReportKindSchema,
    note: z.string(),
    personId: z.number(),
    personName: z.string(),
    facilityIds: z.array(z.number()),
    createdAt: z.string(),
    handledAt: z.string().nullable(),
    handledBy: z.number().nullable(),
    handledByName: z.string().nullable(),
    handlingNote: z.string(),
    notified: z.number().optional().openapi({ description: "Admins a notice went to (on create)" }),
  })
  .openapi("Report");
export type Report = z.infer<typeof ReportSchema>;

export const ReportListSchema = z.object({ items: z.array(ReportSchema), next: z.number().nullable() }).openapi("ReportList");

export const ReportListQuery = z.object({
  state: z.enum(["open", "handled", "all"]).default("open"),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ReportHandleSchema = z.object({ note: z.string().max(1000).default("") }).openapi("ReportHandle");
