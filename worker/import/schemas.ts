import { z } from "@hono/zod-openapi";

/** Row problems the preview reports; the UI keys its Japanese labels on these codes. */
export const PROBLEM_CODES = [
  "missing_name",
  "missing_facility",
  "unknown_facility",
  "facility_out_of_scope",
  "bad_phone",
  "bad_email",
  "duplicate_email",
  "duplicate_mobile",
  "email_taken",
  "mobile_taken",
  "duplicate_person",
  "ambiguous_person",
  "unknown_role",
  "role_not_allowed",
  "not_editable",
  "ambiguous_facility",
  "unknown_lang",
  "too_long",
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/**
 * What the preview tells the admin about a row that is still imported: a landline in the
 * mobile column (kept as the phone for phone checks) and a row no roll-call can reach.
 */
export const WARNING_CODES = ["landline_in_mobile", "no_contact"] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export const ImportQuerySchema = z.object({
  facilityId: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ param: { name: "facilityId", in: "query" }, description: "Import into this facility; rows must name it or leave 事業所名 blank." }),
});

export const ImportProblemSchema = z
  .object({
    code: z.enum(PROBLEM_CODES),
    field: z.string().openapi({ description: "The column: name, kana, facility, job, mobile, phone, email, role or lang" }),
    message: z.string().openapi({ description: "In Japanese" }),
  })
  .openapi("ImportProblem");

export const ImportWarningSchema = z
  .object({
    code: z.enum(WARNING_CODES),
    field: z.string(),
    message: z.string().openapi({ description: "In Japanese" }),
  })
  .openapi("ImportWarning");

export const ImportActionSchema = z.enum(["create", "update", "unchanged"]);

export const ImportRowSchema = z
  .object({
    row: z.number().int().openapi({ description: "1-based data row (the header is not counted)" }),
    line: z.number().int().openapi({ description: "Line in the file where the row starts (the header is line 1)" }),
    name: z.string(),
    facility: z.string().openapi({ description: "The facility the row goes to, as named in the directory" }),
    role: z.enum(["admin", "delegate", "staff"]).nullable(),
    mobile: z.string().nullable().openapi({ description: "The mobile as it will be stored, written as people do (090-1234-5678)", example: "090-1234-5678" }),
    phones: z.array(z.string()).openapi({ description: "Home or office numbers kept for phone checks (never texted), written as people do" }),
    email: z.string().nullable().openapi({ description: "The email as it will be stored" }),
    action: ImportActionSchema.nullable().openapi({ description: "What commit does with the row; null while it has problems" }),
    changes: z.array(z.string()).openapi({ description: "Fields an update changes (never their values)" }),
    problems: z.array(ImportProblemSchema).openapi({ description: "While any row has one, commit writes nothing" }),
    warnings: z.array(ImportWarningSchema).openapi({ description: "The row is imported; the admin should know" }),
  })
  .openapi("ImportRow");

export const ImportCountsSchema = z
  .object({
    rows: z.number().int(),
    create: z.number().int(),
    update: z.number().int(),
    unchanged: z.number().int(),
    invalid: z.number().int(),
    warned: z.number().int().openapi({ description: "Rows with a warning" }),
  })
  .openapi("ImportCounts");

export const ImportReportSchema = z
  .object({
    ok: z.boolean().openapi({ description: "True when no row has a problem (commit would write)" }),
    committed: z.boolean(),
    encoding: z.enum(["UTF-8", "UTF-8 (BOM)", "Shift_JIS", "UTF-16"]),
    columns: z.array(z.string()).openapi({ description: "Recognised columns" }),
    ignoredColumns: z.array(z.string()),
    counts: ImportCountsSchema,
    rows: z.array(ImportRowSchema),
  })
  .openapi("ImportReport");

export const ImportRejectedSchema = ImportReportSchema.extend({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
}).openapi("ImportRejected");

export type ImportProblem = z.infer<typeof ImportProblemSchema>;
export type ImportWarning = z.infer<typeof ImportWarningSchema>;
export type ImportRow = z.infer<typeof ImportRowSchema>;
export type ImportReport = z.infer<typeof ImportReportSchema>;
