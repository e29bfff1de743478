import { z } from "@hono/zod-openapi";
import { authOf, route } from "../auth/access";
import { ADMINS, READERS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { ApiError, forbidden } from "../lib/errors";
import { errorResponses, IdParam, jsonBody, jsonOk } from "../lib/schemas";
import { facilityDetail, personDetail, personPhoto } from "./drilldown";
import { BoardSchema } from "./messages";
import { AUDIENCE_HEADER, rollcallObject } from "./object";
import { resend } from "./resend";
import { FacilityDetailSchema, FacilityParams, PersonDetailSchema, PersonParams, ResendResultSchema, ResendSchema } from "./schemas";
import { auditContactsRead, buildBoard, readableRollcall } from "./service";

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
  throw forbidden("Open the board from this site.");
}

/** The live board (WebSocket), its JSON twin for polling, drill-downs and resend. */
export const boardRoutes = domainApp()
  .openapi(live, async (c) => {
    const auth = authOf(c);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ApiError("upgrade_required", "Connect with a WebSocket (Upgrade: websocket).");
    checkOrigin(c.env, c.req.url, c.req.header("origin"));
    const { rc, audience } = await readableRollcall(c.env, auth, c.req.valid("param").id);
    if (audience.contacts) await auditContactsRead(c.env.DB, auth.personId, rc.id, { via: "live" });
    // A request of our own making: nothing of the client's reaches the object but the upgrade.
    const res = await rollcallObject(c.env, rc.id).fetch(
      new Request(`https://board.internal/live?rollcall=${rc.id}`, { headers: { upgrade: "websocket", [AUDIENCE_HEADER]: JSON.stringify(audience) } }),
    );
    if (res.status !== 101 || !res.webSocket) throw new ApiError("unavailable", "The live board is not available; poll GET /api/rollcalls/{id}/board.");
    return new Response(null, { status: 101, webSocket: res.webSocket });
  })
  .openapi(board, async (c) => {
    const auth = authOf(c);
    const { rc, audience } = await readableRollcall(c.env, auth, c.req.valid("param").id);
    if (audience.contacts) await auditContactsRead(c.env.DB, auth.personId, rc.id, { via: "poll" });
    return c.json(await buildBoard(c.env, rc, audience), 200);
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
