import type { Context } from "hono";
import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import type { AppEnv } from "../env";
import { domainApp } from "../lib/app";
import { ApiError, badRequest, errorBody, jaEn, errorLang } from "../lib/errors";
import { errorResponse, errorResponses, jsonOk } from "../lib/schemas";
import { ImportQuerySchema, ImportRejectedSchema, ImportReportSchema } from "./schemas";
import { loadSettings } from "../system/settings";
import { commitPlan, MAX_BYTES, parseFile, planImport, report } from "./service";

const fileBody = {
  required: true,
  description: "The CSV file's bytes as saved by Excel: UTF-8 (with or without BOM) or Shift_JIS/CP932. Header row first.",
  content: {
    "text/csv": { schema: { type: "string" as const, format: "binary" } },
    "application/octet-stream": { schema: { type: "string" as const, format: "binary" } },
  },
};

const tooLarge = { 413: errorResponse(`File over ${MAX_BYTES / 1024 / 1024} MB or too many rows`) };

const preview = route({
  method: "post",
  path: "/api/import/people/preview",
  summary: "Check a contact-list CSV: every row's problems and what commit would do",
  description: "Writes nothing. Rows are matched to people by email, else mobile, else name within the facility.",
  tags: ["import"],
  access: ADMINS,
  request: { query: ImportQuerySchema, body: fileBody },
  responses: { 200: jsonOk(ImportReportSchema, "The rows, their problems and actions"), ...errorResponses, ...tooLarge },
});

const commit = route({
  method: "post",
  path: "/api/import/people/commit",
  summary: "Import a contact-list CSV: all rows in one transaction, or nothing",
  tags: ["import"],
  access: ADMINS,
  request: { query: ImportQuerySchema, body: fileBody },
  responses: {
    200: jsonOk(ImportReportSchema, "Written"),
    ...errorResponses,
    409: errorResponse("The directory changed meanwhile; nothing written"),
    ...tooLarge,
    422: { description: "Some rows have problems; nothing written", content: { "application/json": { schema: ImportRejectedSchema } } },
  },
});

/** Reads the body up to MAX_BYTES without buffering a larger one. */
async function fileBytes(c: Context<AppEnv>): Promise<Uint8Array> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type && !["text/csv", "application/octet-stream", "text/plain", "application/vnd.ms-excel"].includes(type))
    throw badRequest(
      "file",
      jaEn("CSVファイルをそのまま送ってください（Content-Type: text/csv）。", "Send the CSV file's bytes as the body (Content-Type: text/csv)."),
      "unsupported_type",
    );
  const tooBig = () =>
    new ApiError("too_large", jaEn(`ファイルは${MAX_BYTES / 1024 / 1024}MBまでです。`, `The file is over ${MAX_BYTES / 1024 / 1024} MB.`), "file");
  if (Number(c.req.header("content-length") ?? 0) > MAX_BYTES) throw tooBig();
  const body = c.req.raw.body;
  if (!body) throw badRequest("file", jaEn("ファイルが空です。", "The file is empty."));
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BYTES) {
      await reader.cancel();
      throw tooBig();
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return bytes;
}

/** CSV import of the contact list (連絡網): preview, then commit. */
export const importRoutes = domainApp()
  .openapi(preview, async (c) => {
    const auth = authOf(c);
    const { facilityId } = c.req.valid("query");
    const mobile = { extraCountryCodes: (await loadSettings(c.env)).mobileExtraCountryCodes };
    const plan = await planImport(c.env.DB, auth, parseFile(await fileBytes(c)), facilityId, mobile);
    return c.json(report(plan, false), 200);
  })
  .openapi(commit, async (c) => {
    const auth = authOf(c);
    const { facilityId } = c.req.valid("query");
    const mobile = { extraCountryCodes: (await loadSettings(c.env)).mobileExtraCountryCodes };
    const plan = await planImport(c.env.DB, auth, parseFile(await fileBytes(c)), facilityId, mobile);
    const before = report(plan, false);
    if (!before.ok) {
      const message = jaEn(
        `${before.counts.rows}行のうち${before.counts.invalid}行に問題があるため、何も取り込んでいません。`,
        `${before.counts.invalid} of ${before.counts.rows} rows have problems; nothing was imported.`,
      );
      return c.json({ ...errorBody("import_invalid", message, "file", errorLang(c.req.header("Accept-Language"))), ...before }, 422);
    }
    await commitPlan(c.env.DB, auth, plan, facilityId);
    return c.json(report(plan, true), 200);
  });
