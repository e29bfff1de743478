import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { errorResponse, errorResponses, IdParam, jsonBody, jsonOk } from "../lib/schemas";
import type * as data from "./data";
import { ReportCreateSchema, ReportHandleSchema, ReportListQuery, ReportListSchema, ReportSchema, type Report } from "./schemas";
import * as service from "./service";

const TAG = "reports";
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const present = (r: data.ReportRow): Report => ({
  id: r.id,
  kind: r.kind,
  note: r.note,
  personId: r.personId,
  personName: r.personName,
  facilityIds: r.facilityIds,
  createdAt: new Date(r.createdAt).toISOString(),
  handledAt: iso(r.handledAt),
  handledBy: r.handledBy,
  handledByName: r.handledByName,
  handlingNote: r.handlingNote,
});

const create = route({
  method: "post",
  path: "/api/me/reports",
  summary: "Report a lost device, a system fault or suspected unauthorised access to one's facility admins (network admins when one has no facility)",
  description:
    "The admins get a notice (email, else SMS; the sandbox outbox locally) without the note; they read it in GET /api/reports and may end the person's sessions (POST /api/people/{id}/end-sessions).",
  tags: [TAG],
  access: "signed_in",
  request: { body: jsonBody(ReportCreateSchema) },
  responses: {
    201: jsonOk(ReportSchema, "Filed"),
    ...errorResponses,
    429: errorResponse("Too many reports"),
  },
});

const mine = route({
  method: "get",
  path: "/api/me/reports",
  summary: "One's own reports and whether they were handled",
  tags: [TAG],
  access: "signed_in",
  request: { query: ReportListQuery },
  responses: { 200: jsonOk(ReportListSchema), ...errorResponses },
});

const list = route({
  method: "get",
  path: "/api/reports",
  summary: "Reports from the people of one's facilities (network admins: all), open ones by default, newest first",
  tags: [TAG],
  access: ADMINS,
  request: { query: ReportListQuery },
  responses: { 200: jsonOk(ReportListSchema), ...errorResponses },
});

const handle = route({
  method: "post",
  path: "/api/reports/{id}/handle",
  summary: "Mark a report handled, with a note (end the sessions first with POST /api/people/{personId}/end-sessions where needed)",
  tags: [TAG],
  access: ADMINS,
  request: { params: IdParam, body: jsonBody(ReportHandleSchema) },
  responses: {
    200: jsonOk(ReportSchema),
    ...errorResponses,
    409: errorResponse("Handled already"),
  },
});

const page = (rows: data.ReportRow[], limit: number) => ({ items: rows.map(present), next: rows.length === limit ? rows[rows.length - 1]!.id : null });

export const reportRoutes = domainApp()
  .openapi(create, async (c) => {
    const { report, notified } = await service.fileReport(c.env, authOf(c), c.req.valid("json"));
    return c.json({ ...present(report), notified }, 201);
  })
  .openapi(mine, async (c) => {
    const q = c.req.valid("query");
    return c.json(page(await service.myReports(c.env.DB, authOf(c), q), q.limit), 200);
  })
  .openapi(list, async (c) => {
    const q = c.req.valid("query");
    return c.json(page(await service.reportsFor(c.env.DB, authOf(c), q), q.limit), 200);
  })
  .openapi(handle, async (c) => c.json(present(await service.handleReport(c.env.DB, authOf(c), c.req.valid("param").id, c.req.valid("json").note)), 200));
