import { audit, auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import { isNetworkAdmin, managedFacilityIds, type Auth } from "../auth/scope";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { ApiError, notFound } from "../lib/errors";
import { ErrorSchema, errorResponses, IdParam, jsonBody, jsonOk } from "../lib/schemas";
import { sendDirect } from "../messages/send";
import { langOfPerson, say } from "../messages/wording";
import * as data from "./data";
import { MAX_REPORTS_PER_HOUR, ReportCreateSchema, ReportHandleSchema, ReportListQuery, ReportListSchema, ReportSchema, type Report } from "./schemas";

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
  description: "The admins get a notice (email, else SMS; the sandbox outbox locally) without the note; they read it in GET /api/reports and may end the person's sessions (POST /api/people/{id}/end-sessions).",
  tags: [TAG],
  access: "signed_in",
  request: { body: jsonBody(ReportCreateSchema) },
  responses: { 201: jsonOk(ReportSchema, "Filed"), ...errorResponses, 429: { description: "Too many reports", content: { "application/json": { schema: ErrorSchema } } } },
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
  responses: { 200: jsonOk(ReportSchema), ...errorResponses, 409: { description: "Handled already", content: { "application/json": { schema: ErrorSchema } } } },
});

/** Admin scope: null = every report (network admin), else the facilities they administer. */
const scopeOf = (auth: Auth): number[] | null => (isNetworkAdmin(auth) ? null : managedFacilityIds(auth));
const inScope = (auth: Auth, r: data.ReportRow) => {
  const scope = scopeOf(auth);
  return scope === null || r.facilityIds.some((f) => scope.includes(f));
};

const page = (rows: data.ReportRow[], limit: number) => ({ items: rows.map(present), next: rows.length === limit ? rows[rows.length - 1]!.id : null });

export const reportRoutes = domainApp()
  .openapi(create, async (c) => {
    const auth = authOf(c);
    const { kind, note } = c.req.valid("json");
    const db = c.env.DB;
    const now = clock.now();
    if ((await data.reportsSince(db, auth.personId, now - 3_600_000)) >= MAX_REPORTS_PER_HOUR)
      throw new ApiError(429, "too_many_requests", "Several reports were filed in the last hour; your admins have them. Call them if it is urgent.");
    const facilityIds = auth.facilities.map((f) => f.facilityId);
    let id = 0;
    for (let attempt = 0; ; attempt++) {
      id = await data.nextReportId(db);
      try {
        await db.batch([
          data.insertReport(db, { id, personId: auth.personId, kind, note: note.trim(), facilityIds, at: now }),
          auditStatement(db, { actorId: auth.personId, action: "report.filed", objectType: "report", objectId: id, detail: { kind, facilityIds } }),
        ]);
        break;
      } catch (err) {
        if (attempt < 4 && err instanceof Error && /UNIQUE constraint failed: incident_reports\.id/.test(err.message)) continue;
        throw err;
      }
    }
    // The notice names the reporter and the kind, never the note (it may say more than an SMS should carry).
    const link = `${c.env.PUBLIC_URL.replace(/\/+$/, "")}/reports`;
    let notified = 0;
    for (const admin of await data.reportRecipients(db, facilityIds, auth.personId)) {
      const lang = langOfPerson(admin.lang);
      const vars = { name: auth.name, kind: say(lang, `report.kind.${kind}`), link };
      const r = await sendDirect(c.env, {
        kind: "report",
        channel: admin.kind === "email" ? "email" : "sms",
        to: admin.value,
        personId: admin.personId,
        senderId: auth.personId,
        facilityId: admin.facilityId,
        subject: say(lang, "report.subject", vars),
        text: say(lang, "report.text", vars),
        link,
      });
      if (r.ok) notified++;
    }
    return c.json({ ...present((await data.findReport(db, id))!), notified }, 201);
  })
  .openapi(mine, async (c) => {
    const auth = authOf(c);
    const q = c.req.valid("query");
    return c.json(page(await data.listReports(c.env.DB, { facilityIds: null, personId: auth.personId, state: q.state, before: q.before, limit: q.limit }), q.limit), 200);
  })
  .openapi(list, async (c) => {
    const auth = authOf(c);
    const q = c.req.valid("query");
    const rows = await data.listReports(c.env.DB, { facilityIds: scopeOf(auth), state: q.state, before: q.before, limit: q.limit });
    await audit(c.env.DB, { actorId: auth.personId, action: "reports.read", detail: { items: rows.length } });
    return c.json(page(rows, q.limit), 200);
  })
  .openapi(handle, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const db = c.env.DB;
    const r = await data.findReport(db, id);
    if (!r || !inScope(auth, r)) throw notFound("report");
    if (r.handledAt !== null) throw new ApiError(409, "conflict", "This report was handled already.", "id");
    const [done] = await db.batch([
      data.markHandled(db, id, auth.personId, c.req.valid("json").note.trim(), clock.now()),
      auditStatement(db, { actorId: auth.personId, action: "report.handled", objectType: "report", objectId: id, detail: { personId: r.personId, kind: r.kind } }),
    ]);
    if (done!.meta.changes !== 1) throw new ApiError(409, "conflict", "This report was handled already.", "id");
    return c.json(present((await data.findReport(db, id))!), 200);
  });
