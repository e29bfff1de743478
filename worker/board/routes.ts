import { z } from "@hono/zod-openapi";
import { authOf, route } from "../auth/access";
import { ADMINS, READERS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { ApiError, forbidden, jaEn } from "../lib/errors";
import { errorResponses, IdParam, jsonBody, jsonOk } from "../lib/schemas";
import { facilityDetail, personDetail, personPhoto } from "./drilldown";
import { BoardSchema, FacilityPageQuery, FacilityPageSchema, NonResponderPageSchema, PageQuery, PhoneCheckPageSchema } from "./messages";
import { AUDIENCE_HEADER, rollcallObject } from "./object";
import { resend } from "./resend";
import { FacilityDetailSchema, FacilityParams, PersonDetailSchema, PersonParams, ResendResultSchema, ResendSchema } from "./schemas";
import { auditContactsRead, buildBoard, nonResponderPage, phoneCheckPageOf, readableRollcall } from "./service";

const conflictResponse = {
  409: { description: "The roll-call is closed", content: { "application/json": { schema: errorResponses[400].content["application/json"].schema } } },
};

const live = route({
  method: "get",
  path: "/api/rollcalls/{id}/live",
  summary: "The live board over WebSocket (protocol: worker/board/messages.ts)",
  description:
    "Upgrade: websocket. Same access as GET /api/rollcalls/{id}. A snapshot on connect, then an update after every change (at most one every 500 ms). The viewer's board carries no contact details.",
  tags: ["board"],
  access: READERS,
  request: { params: IdParam },
  responses: { 101: { description: "Switching to the WebSocket protocol" }, 426: { description: "Not a WebSocket upgrade" }, ...errorResponses },
});

const board = route({
  method: "get",
  path: "/api/rollcalls/{id}/board",
  summary: "The board as one JSON document: the same as the socket's snapshot (for polling when the socket cannot connect)",
  tags: ["board"],
  access: READERS,
  request: { params: IdParam },
  responses: { 200: jsonOk(BoardSchema), ...errorResponses },
});

const facilitiesPage = route({
  method: "get",
  path: "/api/rollcalls/{id}/board/facilities",
  summary: "The board's facilities, a page at a time (the board carries the first page; updates carry the changed rows)",
  description:
    "In the board's order: someone 要救助 first, then a problem reported, then nobody answered, then the lowest response rate. Narrowed by type, district, a part of the name (q), or only=severe|problems|silent|mine.",
  tags: ["board"],
  access: READERS,
  request: { params: IdParam, query: FacilityPageQuery },
  responses: { 200: jsonOk(FacilityPageSchema), ...errorResponses },
});

const nonRespondersPage = route({
  method: "get",
  path: "/api/rollcalls/{id}/board/non-responders",
  summary: "The board's non-responders (within the reader's facilities), a page at a time",
  tags: ["board"],
  access: READERS,
  request: { params: IdParam, query: PageQuery },
  responses: { 200: jsonOk(NonResponderPageSchema), ...errorResponses },
});

const phoneChecksPage = route({
  method: "get",
  path: "/api/rollcalls/{id}/board/phone-checks",
  summary: "The board's phone check (facilities with non-responders and whom to phone), a page at a time; admins only, audited",
  description: "403 for the city viewer, whose board has no contact details.",
  tags: ["board"],
  access: READERS,
  request: { params: IdParam, query: PageQuery },
  responses: { 200: jsonOk(PhoneCheckPageSchema), ...errorResponses },
});

const facility = route({
  method: "get",
  path: "/api/rollcalls/{id}/facilities/{facilityId}",
  summary: "A facility on the board: its recipients and answers, damage report, who can come in; contacts for admins in scope (audited)",
  tags: ["board"],
  access: READERS,
  request: { params: FacilityParams },
  responses: { 200: jsonOk(FacilityDetailSchema), ...errorResponses },
});

const person = route({
  method: "get",
  path: "/api/rollcalls/{id}/people/{personId}",
  summary: "A person on the board: photo, every reply version, every delivery; contacts for admins in scope (audited)",
  tags: ["board"],
  access: READERS,
  request: { params: PersonParams },
  responses: { 200: jsonOk(PersonDetailSchema), ...errorResponses },
});

const photo = route({
  method: "get",
  path: "/api/rollcalls/{id}/people/{personId}/photo",
  summary: "A recipient's face photo (§5): the person's drill-down, then the photo rule of GET /api/people/{id}/photo (404 when it refuses)",
  tags: ["board"],
  access: READERS,
  request: { params: PersonParams },
  responses: { 200: { description: "The image", content: { "image/*": { schema: z.string() } } }, ...errorResponses },
});

const resendRoute = route({
  method: "post",
  path: "/api/rollcalls/{id}/resend",
  summary: "Ask non-responders again: chosen people, or everyone of a facility who has not replied; a new wave; audited",
  tags: ["board"],
  access: ADMINS,
  request: { params: IdParam, body: jsonBody(ResendSchema) },
  responses: { 200: jsonOk(ResendResultSchema), ...errorResponses, ...conflictResponse },
});

/** A cross-site page may not open a board with the visitor's cookie (the cookie is SameSite=Strict too). */
function checkOrigin(env: Env, requestUrl: string, origin: string | undefined): void {
  if (!origin) return;
  if (origin === new URL(env.PUBLIC_URL).origin || origin === new URL(requestUrl).origin) return;
  throw forbidden(jaEn("このサイトからボードを開いてください。", "Open the board from this site."));
}

/** The live board (WebSocket), its JSON twin for polling, drill-downs and resend. */
export const boardRoutes = domainApp()
  .openapi(live, async (c) => {
    const auth = authOf(c);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
      throw new ApiError("upgrade_required", jaEn("WebSocketで接続してください。", "Connect with a WebSocket (Upgrade: websocket)."));
    checkOrigin(c.env, c.req.url, c.req.header("origin"));
    const { rc, audience } = await readableRollcall(c.env, auth, c.req.valid("param").id);
    if (audience.contacts) await auditContactsRead(c.env.DB, auth.personId, rc.id, { via: "live" });
    // A request of our own making: nothing of the client's reaches the object but the upgrade.
    const res = await rollcallObject(c.env, rc.id).fetch(
      new Request(`https://board.internal/live?rollcall=${rc.id}`, { headers: { upgrade: "websocket", [AUDIENCE_HEADER]: JSON.stringify(audience) } }),
    );
    if (res.status !== 101 || !res.webSocket)
      throw new ApiError(
        "unavailable",
        jaEn("ライブ表示が使えません。再読み込みしてください。", "The live board is not available; poll GET /api/rollcalls/{id}/board."),
      );
    return new Response(null, { status: 101, webSocket: res.webSocket });
  })
  .openapi(board, async (c) => {
    const auth = authOf(c);
    const { rc, audience } = await readableRollcall(c.env, auth, c.req.valid("param").id);
    if (audience.contacts) await auditContactsRead(c.env.DB, auth.personId, rc.id, { via: "poll" });
    return c.json(await buildBoard(c.env, rc, audience), 200);
  })
  .openapi(facilitiesPage, async (c) => {
    const { rc, audience } = await readableRollcall(c.env, authOf(c), c.req.valid("param").id);
    const { cursor, limit, ...filter } = c.req.valid("query");
    // The object holds the counts; every board shows every facility's counts.
    return c.json(await rollcallObject(c.env, rc.id).facilityPage(rc.id, cursor, limit, filter, audience.facilityIds), 200);
  })
  .openapi(nonRespondersPage, async (c) => {
    const { rc, audience } = await readableRollcall(c.env, authOf(c), c.req.valid("param").id);
    const { cursor, limit } = c.req.valid("query");
    return c.json(await nonResponderPage(c.env, rc, audience, cursor, limit), 200);
  })
  .openapi(phoneChecksPage, async (c) => {
    const auth = authOf(c);
    const { rc, audience } = await readableRollcall(c.env, auth, c.req.valid("param").id);
    if (!audience.contacts) throw forbidden(jaEn("電話確認の連絡先を見る権限がありません。", "You may not see the phone-check contacts."));
    await auditContactsRead(c.env.DB, auth.personId, rc.id, { via: "phone-checks" });
    const { cursor, limit } = c.req.valid("query");
    return c.json(await phoneCheckPageOf(c.env, rc, audience, cursor, limit), 200);
  })
  .openapi(facility, async (c) => {
    const { id, facilityId } = c.req.valid("param");
    return c.json(await facilityDetail(c.env, authOf(c), id, facilityId), 200);
  })
  .openapi(person, async (c) => {
    const { id, personId } = c.req.valid("param");
    return c.json(await personDetail(c.env, authOf(c), id, personId), 200);
  })
  .openapi(photo, async (c) => {
    const { id, personId } = c.req.valid("param");
    const obj = await personPhoto(c.env, authOf(c), id, personId);
    return c.body(obj.body, 200, {
      "content-type": obj.httpMetadata?.contentType ?? "application/octet-stream",
      "cache-control": "private, max-age=300",
      "x-content-type-options": "nosniff",
    });
  })
  .openapi(resendRoute, async (c) => {
    return c.json(await resend(c.env, authOf(c), c.req.valid("param").id, c.req.valid("json")), 200);
  });
