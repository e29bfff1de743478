import { z } from "@hono/zod-openapi";
import { authOf, route } from "../auth/access";
import { ADMINS, READERS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { errorResponses, IdParam, jsonBody, jsonOk, pathId } from "../lib/schemas";
import { exportFacilities, exportRollcall } from "./export";
import {
  CreateRollcallSchema,
  DetailQuery,
  DetailSchema,
  DraftSchema,
  ListItemSchema,
  ListQuery,
  ProxyReplySchema,
  ReplyRecordSchema,
  RollcallSchema,
} from "./schemas";
import { closeRollcall, confirmRollcall, createDraft, listRollcallsFor, proxyReply, removeReplyComment, rollcallDetail, toApi } from "./service";

const conflictResponse = {
  409: { description: "Not in a state that allows this", content: { "application/json": { schema: errorResponses[400].content["application/json"].schema } } },
};

const create = route({
  method: "post",
  path: "/api/rollcalls",
  summary: "Draft a roll-call and preview it (nothing is sent before confirm)",
  tags: ["rollcalls"],
  access: ADMINS,
  request: { body: jsonBody(CreateRollcallSchema) },
  responses: { 201: jsonOk(DraftSchema, "Draft with its preview"), ...errorResponses },
});

const list = route({
  method: "get",
  path: "/api/rollcalls",
  summary: "Roll-calls, newest first (history); drills flagged and filterable",
  tags: ["rollcalls"],
  access: READERS,
  request: { query: ListQuery },
  responses: { 200: jsonOk(z.object({ items: z.array(ListItemSchema), nextBefore: z.number().nullable() })), ...errorResponses },
});

const detail = route({
  method: "get",
  path: "/api/rollcalls/{id}",
  summary: "State and aggregates; non-responders paged by `after`",
  tags: ["rollcalls"],
  access: READERS,
  request: { params: IdParam, query: DetailQuery },
  responses: { 200: jsonOk(DetailSchema), ...errorResponses },
});

const confirm = route({
  method: "post",
  path: "/api/rollcalls/{id}/confirm",
  summary: "確定操作: snapshot the recipients and start sending",
  tags: ["rollcalls"],
  access: ADMINS,
  request: { params: IdParam },
  responses: { 200: jsonOk(RollcallSchema), ...errorResponses, ...conflictResponse, 503: { description: "REPLY_TOKEN_KEY missing" } },
});

const close = route({
  method: "post",
  path: "/api/rollcalls/{id}/close",
  summary: "Close a roll-call (stops escalation and replies); a draft is withdrawn",
  tags: ["rollcalls"],
  access: ADMINS,
  request: { params: IdParam },
  responses: { 200: jsonOk(RollcallSchema), ...errorResponses, ...conflictResponse },
});

const exportCsv = route({
  method: "get",
  path: "/api/rollcalls/{id}/export.csv",
  summary: "Everyone asked and their latest answer, as CSV (UTF-8 with BOM); audited",
  tags: ["rollcalls"],
  access: READERS,
  request: { params: IdParam },
  responses: { 200: { description: "CSV", content: { "text/csv": { schema: z.string() } } }, ...errorResponses },
});

const facilitiesCsv = route({
  method: "get",
  path: "/api/rollcalls/{id}/facilities.csv",
  summary:
    "The facility sheet as CSV (UTF-8 with BOM): one row per facility in the reader's part, its report in the EMIS order (倒壊, 電気, 水, 医療ガス …), the reporter and time, 回答/対象; the phone only where contacts are shown; audited",
  tags: ["rollcalls"],
  access: READERS,
  request: { params: IdParam },
  responses: { 200: { description: "CSV", content: { "text/csv": { schema: z.string() } } }, ...errorResponses },
});

const proxyReplyRoute = route({
  method: "post",
  path: "/api/rollcalls/{id}/replies/{personId}",
  summary: "代理回答: record a reply for a person reached by phone; audited",
  tags: ["rollcalls"],
  access: ADMINS,
  request: {
    params: IdParam.extend({ personId: pathId("personId") }),
    body: jsonBody(ProxyReplySchema),
  },
  responses: { 201: jsonOk(ReplyRecordSchema, "Recorded"), ...errorResponses, ...conflictResponse },
});

const removeCommentRoute = route({
  method: "delete",
  path: "/api/rollcalls/{id}/replies/{replyId}/comment",
  summary: "Remove an inappropriate comment from a reply (§5); the removal is audited and the answers stay",
  tags: ["rollcalls"],
  access: ADMINS,
  request: {
    params: IdParam.extend({ replyId: pathId("replyId") }),
  },
  responses: { 200: jsonOk(z.object({ replyId: z.number(), removed: z.literal(true) })), ...errorResponses, ...conflictResponse },
});

/** Roll-calls: draft with preview, confirm (確定操作), state and aggregates, close, export, proxy replies. */
export const rollcallRoutes = domainApp()
  .openapi(create, async (c) => {
    const { rollcall, preview } = await createDraft(c.env, authOf(c), c.req.valid("json"));
    return c.json({ rollcall: toApi(rollcall), preview }, 201);
  })
  .openapi(list, async (c) => c.json(await listRollcallsFor(c.env.DB, authOf(c), c.req.valid("query")), 200))
  .openapi(detail, async (c) => c.json(await rollcallDetail(c.env, authOf(c), c.req.valid("param").id, c.req.valid("query")), 200))
  .openapi(confirm, async (c) => {
    const rc = await confirmRollcall(c.env, authOf(c), c.req.valid("param").id);
    return c.json(toApi(rc), 200);
  })
  .openapi(close, async (c) => {
    const rc = await closeRollcall(c.env, authOf(c), c.req.valid("param").id);
    return c.json(toApi(rc), 200);
  })
  .openapi(exportCsv, async (c) => {
    const { csv, filename } = await exportRollcall(c.env, authOf(c), c.req.valid("param").id);
    return c.body(csv, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    });
  })
  .openapi(facilitiesCsv, async (c) => {
    const { csv, filename } = await exportFacilities(c.env, authOf(c), c.req.valid("param").id);
    return c.body(csv, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    });
  })
  .openapi(proxyReplyRoute, async (c) => {
    const { id, personId } = c.req.valid("param");
    return c.json(await proxyReply(c.env, authOf(c), id, personId, c.req.valid("json")), 201);
  })
  .openapi(removeCommentRoute, async (c) => {
    const { id, replyId } = c.req.valid("param");
    await removeReplyComment(c.env.DB, authOf(c), id, replyId);
    return c.json({ replyId, removed: true as const }, 200);
  });
