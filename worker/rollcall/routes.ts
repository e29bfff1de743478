import { z } from "@hono/zod-openapi";
import { auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import { ADMINS, READERS } from "../auth/roles";
import { canManageFacility, isNetworkAdmin, isViewer, managedFacilityIds } from "../auth/scope";
import { rollcallObject } from "../board/stub";
import { readableRollcall } from "../board/service";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { conflict, forbidden, notFound } from "../lib/errors";
import { errorResponses, IdParam, jsonBody, jsonOk, pathId } from "../lib/schemas";
import { recordReply } from "../reply/service";
import * as data from "./data";
import { toCsv } from "./export";
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
import { aggregates, buildPreview, closeRollcall, confirmRollcall, createDraft, readableFacilities, toApi } from "./service";

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

const proxyReply = route({
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

async function readable(c: { env: Env }, auth: Parameters<typeof readableFacilities>[1], id: number) {
  const rc = await data.getRollcall(c.env.DB, id);
  if (!rc) throw notFound("roll-call");
  const scope = await readableFacilities(c.env.DB, auth, rc);
  if (scope === null) throw forbidden("You may not see this roll-call.");
  return { rc, facilityIds: scope === "all" ? null : scope };
}

/** Roll-calls: draft with preview, confirm (確定操作), state and aggregates, close, export, proxy replies. */
export const rollcallRoutes = domainApp()
  .openapi(create, async (c) => {
    const { rollcall, preview } = await createDraft(c.env, authOf(c), c.req.valid("json"));
    return c.json({ rollcall: toApi(rollcall), preview }, 201);
  })
  .openapi(list, async (c) => {
    const auth = authOf(c);
    const q = c.req.valid("query");
    const all = isNetworkAdmin(auth) || isViewer(auth);
    const items = await data.listRollcalls(c.env.DB, {
      drill: q.drill === undefined ? undefined : q.drill === "true",
      state: q.state,
      before: q.before,
      limit: q.limit,
      facilityIds: all ? null : managedFacilityIds(auth),
      tests: q.tests,
    });
    // Facility admins see the drafts of their own facility only; others' drafts are not theirs to see.
    const visible = all
      ? items
      : items.filter((r) => r.state !== "draft" || (r.ownerFacilityId !== null && managedFacilityIds(auth).includes(r.ownerFacilityId)));
    return c.json(
      {
        items: visible.map((r) => ({ ...toApi(r), recipients: r.recipients, replied: r.replied })),
        nextBefore: items.length === q.limit ? items[items.length - 1]!.id : null,
      },
      200,
    );
  })
  .openapi(detail, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    const { rc, facilityIds } = await readable(c, auth, id);
    if (rc.state === "draft" || rc.state === "withdrawn") {
      return c.json({ rollcall: toApi(rc), aggregates: null, preview: rc.state === "draft" ? await buildPreview(c.env, rc) : null, escalation: null }, 200);
    }
    const [agg, escalation] = await Promise.all([
      aggregates(c.env, rc, { ...q, facilityIds }),
      rollcallObject(c.env, rc.id)
        .status()
        .catch(() => null),
    ]);
    return c.json({ rollcall: toApi(rc), aggregates: agg, preview: null, escalation }, 200);
  })
  .openapi(confirm, async (c) => {
    const rc = await confirmRollcall(c.env, authOf(c), c.req.valid("param").id);
    return c.json(toApi(rc), 200);
  })
  .openapi(close, async (c) => {
    const rc = await closeRollcall(c.env, authOf(c), c.req.valid("param").id);
    return c.json(toApi(rc), 200);
  })
  .openapi(exportCsv, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    // The board's one decision: whether, which facilities, and with contacts (never the city viewer's).
    const { rc, audience } = await readableRollcall(c.env, auth, id);
    const { facilityIds, contacts: withContacts } = audience;
    const rows = await data.exportRows(c.env.DB, rc.id, { facilityIds, withContacts });
    await auditStatement(c.env.DB, {
      actorId: auth.personId,
      action: "rollcall.exported",
      objectType: "rollcall",
      objectId: rc.id,
      detail: { rows: rows.length, contacts: withContacts },
    }).run();
    const body = toCsv(rows, rc, withContacts);
    const name = `rollcall-${rc.id}${rc.drill ? "-drill" : ""}.csv`;
    return c.body(body, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name}"`,
      "cache-control": "no-store",
    });
  })
  .openapi(proxyReply, async (c) => {
    const auth = authOf(c);
    const { id, personId } = c.req.valid("param");
    const body = c.req.valid("json");
    const rc = await data.getRollcall(c.env.DB, id);
    if (!rc) throw notFound("roll-call");
    const recipient = await data.recipientOf(c.env.DB, id, personId);
    if (!recipient) throw notFound("recipient");
    const facilities = await data.facilitiesOfPerson(c.env.DB, personId);
    const mayAct =
      isNetworkAdmin(auth) ||
      facilities.some((f) => canManageFacility(auth, f)) ||
      (recipient.facilityId !== null && canManageFacility(auth, recipient.facilityId));
    if (!mayAct) throw forbidden("Only the person's facility admin (or a network admin) may reply for them.");
    const reply = await recordReply(c.env, { rollcallId: id, personId, answers: body.answers, comment: body.comment, via: "proxy", proxyBy: auth.personId });
    return c.json(
      {
        replyId: reply.id,
        personId: reply.personId,
        answers: reply.answers,
        comment: reply.comment,
        via: reply.via,
        proxyBy: reply.proxyBy,
        at: new Date(reply.createdAt).toISOString(),
      },
      201,
    );
  })
  .openapi(removeCommentRoute, async (c) => {
    const auth = authOf(c);
    const { id, replyId } = c.req.valid("param");
    const db = c.env.DB;
    const owner = await data.replyOwner(db, id, replyId);
    if (!owner) throw notFound("reply");
    const facilities = await data.facilitiesOfPerson(db, owner.personId);
    if (!isNetworkAdmin(auth) && !facilities.some((f) => canManageFacility(auth, f)))
      throw forbidden("Only the person's facility admin (or a network admin) may remove their comment.");
    if (owner.commentRemoved) throw conflict(undefined, "This comment was already removed.");
    await db.batch([
      data.removeComment(db, replyId, auth.personId, clock.now()),
      auditStatement(db, {
        actorId: auth.personId,
        action: "reply.comment_removed",
        objectType: "reply",
        objectId: replyId,
        detail: { rollcallId: id, personId: owner.personId },
      }),
    ]);
    return c.json({ replyId, removed: true as const }, 200);
  });
