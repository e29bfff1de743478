import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { audit, auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import { channelRoute } from "../delivery/channels";
import { pushProvider } from "../delivery/channels/push";
import type { OutgoingMessage } from "../delivery/types";
import type { AppEnv } from "../env";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { randomToken, sha256Hex } from "../lib/crypto";
import { ApiError, badRequest, conflict, notFound } from "../lib/errors";
import { ErrorSchema, errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { sendDirect } from "../messages/send";
import { langOfPerson, say } from "../messages/wording";
import { findPerson } from "../directory/data";
import { closedPage, donePage, notFoundPage } from "../reply/page";
import { findRecipientByToken, isOpen, recordReply } from "../reply/service";
import { replyUrl } from "../reply/token";
import * as data from "./data";
import {
  AckBody,
  AckQuery,
  AckSchema,
  DeviceCreateSchema,
  DeviceListSchema,
  DeviceRenameSchema,
  DeviceSchema,
  DeviceTestSchema,
  ONE_TAP,
  OneTapResultSchema,
  OneTapSchema,
  VapidKeySchema,
  type Device,
} from "./schemas";

const TAG = "push devices";
/** More than this many devices for one person is a sign of something wrong (a loop re-subscribing). */
const MAX_DEVICES = 10;
/** A test's acknowledgement counts within a day. */
const TEST_ACK_MS = 86_400_000;
/** 16 bytes = 128 bits, 22 base64url characters. */
const ACK_TOKEN = /^[A-Za-z0-9_-]{22}$/;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const present = (d: data.DeviceRow): Device => ({
  id: d.id,
  name: d.name,
  createdAt: new Date(d.createdAt).toISOString(),
  lastOkAt: iso(d.lastOkAt),
  lastTestSentAt: iso(d.lastTestSentAt),
  lastTestAt: iso(d.lastTestAt),
});

const vapidKey = route({
  method: "get",
  path: "/api/push/vapid-public-key",
  summary: "The VAPID public key (applicationServerKey) the browser subscribes with",
  tags: [TAG],
  access: "public", // a public key
  responses: { 200: jsonOk(VapidKeySchema) },
});

const list = route({
  method: "get",
  path: "/api/me/devices",
  summary: "One's push devices, with when each last received a message and a test",
  tags: [TAG],
  access: "signed_in",
  responses: { 200: jsonOk(DeviceListSchema), ...errorResponses },
});

const add = route({
  method: "post",
  path: "/api/me/devices",
  summary: "Store this browser's push subscription (PushSubscription.toJSON()) with a device name; the same endpoint again refreshes it",
  tags: [TAG],
  access: "signed_in",
  request: { body: jsonBody(DeviceCreateSchema) },
  responses: { 200: jsonOk(DeviceSchema, "Refreshed"), 201: jsonOk(DeviceSchema, "Added"), ...errorResponses, 409: { description: "Too many devices", content: { "application/json": { schema: ErrorSchema } } } },
});

const rename = route({
  method: "patch",
  path: "/api/me/devices/{id}",
  summary: "Rename one's device",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam, body: jsonBody(DeviceRenameSchema) },
  responses: { 200: jsonOk(DeviceSchema), ...errorResponses },
});

const remove = route({
  method: "delete",
  path: "/api/me/devices/{id}",
  summary: "Remove one's device: it receives no more notifications",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

const test = route({
  method: "post",
  path: "/api/me/devices/{id}/test",
  summary: "Send a test notification to one's device; the service worker acknowledges its arrival at POST /api/push/ack",
  description:
    'Payload: `{type:"test", title, body, url, tag, ackUrl}` (no personal data). 410 `gone` when the push service says the subscription no longer exists (the device is removed); 502 `send_failed` otherwise.',
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam },
  responses: {
    200: jsonOk(DeviceTestSchema),
    ...errorResponses,
    410: { description: "Subscription gone", content: { "application/json": { schema: ErrorSchema } } },
    502: { description: "The push service refused", content: { "application/json": { schema: ErrorSchema } } },
  },
});

const ack = route({
  method: "post",
  path: "/api/push/ack",
  summary: "A test notification arrived (called by the service worker with the test's token, from ackUrl or in the body)",
  tags: [TAG],
  access: "public", // the per-message token is the proof: 128 bits, stored hashed, one device, a day
  request: { query: AckQuery },
  responses: { 200: jsonOk(AckSchema), ...errorResponses, 410: { description: "Too late", content: { "application/json": { schema: ErrorSchema } } } },
});

const TokenParam = z.object({ token: z.string().max(200).openapi({ param: { name: "token", in: "path" } }) });

const oneTap = route({
  method: "post",
  path: "/r/{token}/action",
  summary: "One-tap answer from a roll-call notification action (action=safe_yes|safe_no|need_help, JSON or form); the action is the explicit choice",
  description: "Records a reply via push. JSON answer, or a small HTML page when the client asks for text/html. 409 when the roll-call has closed; 400 naming `action` when it is unknown or the roll-call does not ask that.",
  tags: ["replies"],
  access: "public", // the reply token is the proof
  request: { params: TokenParam },
  responses: {
    200: { description: "Recorded", content: { "application/json": { schema: OneTapResultSchema }, "text/html": { schema: z.string() } } },
    400: { description: "Bad action", content: { "application/json": { schema: ErrorSchema } } },
    404: { description: "Unknown link", content: { "application/json": { schema: ErrorSchema } } },
    409: { description: "Closed", content: { "application/json": { schema: ErrorSchema } } },
  },
});

/** http endpoints only where the push fake runs (tests, local); a real push service speaks https. */
function checkEndpoint(env: Env, endpoint: string) {
  const u = new URL(endpoint);
  if (u.protocol === "https:") return;
  if (u.protocol === "http:" && (env.APP_ENV === "test" || env.APP_ENV === "local")) return;
  throw badRequest("subscription.endpoint", "A push endpoint is an https URL.");
}

async function ackToken(c: Context<AppEnv>, fromQuery: string | undefined): Promise<string> {
  if (fromQuery) return fromQuery;
  const body = (await c.req.json().catch(() => null)) as unknown;
  const parsed = AckBody.safeParse(body);
  if (!parsed.success) throw badRequest("token", "token: the test's token is missing.");
  return parsed.data.token;
}

async function oneTapAction(c: Context<AppEnv>): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (type.includes("application/json")) return ((await c.req.json().catch(() => ({}))) as Record<string, unknown>).action;
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  return (form as Record<string, unknown>).action;
}

const wantsHtml = (c: Context<AppEnv>) => {
  const accept = c.req.header("accept") ?? "";
  return accept.includes("text/html") && !accept.includes("application/json");
};

export const pushRoutes = domainApp();
pushRoutes.use("/r/:token/action", bodyLimit({ maxSize: 4 * 1024 }));
pushRoutes.use("/api/push/ack", bodyLimit({ maxSize: 1024 }));
pushRoutes
  .openapi(vapidKey, (c) => {
    const st = pushProvider(c.env);
    const r = channelRoute(c.env, "push");
    return c.json({ publicKey: st.kind === "ready" ? st.settings.VAPID_PUBLIC_KEY : null, mode: r.kind }, 200);
  })
  .openapi(list, async (c) => {
    const auth = authOf(c);
    return c.json({ items: (await data.devicesOf(c.env.DB, auth.personId)).map(present) }, 200);
  })
  .openapi(add, async (c) => {
    const auth = authOf(c);
    const { subscription, name } = c.req.valid("json");
    checkEndpoint(c.env, subscription.endpoint);
    const db = c.env.DB;
    const sub = { endpoint: subscription.endpoint, p256dh: subscription.keys.p256dh, auth: subscription.keys.auth };
    const now = clock.now();
    const existing = await data.activeByEndpoint(db, sub.endpoint);
    if (existing && existing.personId === auth.personId) {
      await db.batch([data.refreshDevice(db, existing.id, sub, name), auditStatement(db, { actorId: auth.personId, action: "push.device_refreshed", objectType: "push_subscription", objectId: existing.id })]);
      return c.json(present((await data.deviceOf(db, auth.personId, existing.id))!), 200);
    }
    if ((await data.countDevices(db, auth.personId)) >= MAX_DEVICES) throw conflict("subscription", `At most ${MAX_DEVICES} devices; remove one first.`);
    // The browser (endpoint) now belongs to whoever signed in on it: the previous holder stops getting its notifications.
    const results = await db.batch<{ id: number }>([
      ...(existing ? [data.revokeDevice(db, existing.id, now)] : []),
      data.insertDevice(db, auth.personId, sub, name, now),
      auditStatement(db, { actorId: auth.personId, action: "push.device_added", objectType: "person", objectId: auth.personId, detail: { movedFrom: existing?.personId ?? null } }),
    ]);
    const id = results[existing ? 1 : 0]!.results[0]!.id;
    return c.json(present((await data.deviceOf(db, auth.personId, id))!), 201);
  })
  .openapi(rename, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const db = c.env.DB;
    if (!(await data.deviceOf(db, auth.personId, id))) throw notFound("device");
    await data.renameDevice(db, id, c.req.valid("json").name).run();
    return c.json(present((await data.deviceOf(db, auth.personId, id))!), 200);
  })
  .openapi(remove, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const db = c.env.DB;
    if (!(await data.deviceOf(db, auth.personId, id))) throw notFound("device");
    await db.batch([data.revokeDevice(db, id, clock.now()), auditStatement(db, { actorId: auth.personId, action: "push.device_removed", objectType: "push_subscription", objectId: id })]);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(test, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const db = c.env.DB;
    const device = await data.deviceOf(db, auth.personId, id);
    if (!device) throw notFound("device");
    const person = await findPerson(db, auth.personId);
    const lang = langOfPerson(person?.lang);
    const token = randomToken(16);
    const testId = await data.insertTest(db, id, await sha256Hex(token), clock.now());
    const base = c.env.PUBLIC_URL.replace(/\/+$/, "");
    // The payload names nobody: a title, a line, where a tap leads and where to acknowledge.
    const payload = { type: "test" as const, title: say(lang, "push.test.title"), body: say(lang, "push.test.body"), url: `${base}/me/devices`, tag: `push-test-${testId}`, ackUrl: `${base}/api/push/ack?token=${token}` };
    const push: NonNullable<OutgoingMessage["push"]> = payload;
    const r = await sendDirect(c.env, {
      kind: "push_test",
      channel: "push",
      to: { endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } },
      deviceName: device.name,
      personId: auth.personId,
      senderId: auth.personId,
      facilityId: null,
      text: `${payload.title}\n${payload.body}`,
      push,
      link: payload.url,
    });
    if (!r.ok) {
      if (r.gone) {
        await db.batch([data.revokeDevice(db, id, clock.now()), auditStatement(db, { actorId: auth.personId, action: "push.device_gone", objectType: "push_subscription", objectId: id })]);
        throw new ApiError(410, "gone", "This device no longer accepts notifications; it was removed. Turn notifications on again on the device.", "id");
      }
      throw new ApiError(502, "send_failed", `The push service did not take the test (${r.error}).`, "id");
    }
    await audit(db, { actorId: auth.personId, action: "push.test_sent", objectType: "push_subscription", objectId: id });
    return c.json({ sent: true as const, sandbox: r.sandbox, testId }, 200);
  })
  .openapi(ack, async (c) => {
    const token = await ackToken(c, c.req.valid("query").token);
    if (!ACK_TOKEN.test(token)) throw notFound("test");
    const db = c.env.DB;
    const t = await data.testByTokenHash(db, await sha256Hex(token));
    if (!t || t.revoked) throw notFound("test");
    const now = clock.now();
    if (t.arrivedAt !== null) return c.json({ ok: true as const, deviceId: t.subscriptionId, arrivedAt: new Date(t.arrivedAt).toISOString() }, 200);
    if (now - t.sentAt > TEST_ACK_MS) throw new ApiError(410, "expired", "This test is too old; send a new one.", "token");
    await db.batch(data.arrivalStatements(db, t, now));
    return c.json({ ok: true as const, deviceId: t.subscriptionId, arrivedAt: new Date(now).toISOString() }, 200);
  })
  .openapi(oneTap, async (c) => {
    c.header("cache-control", "no-store");
    const html = wantsHtml(c);
    const found = await findRecipientByToken(c.env, c.req.valid("param").token);
    if (!found) {
      if (html) return c.html(notFoundPage(), 404);
      throw notFound("reply link");
    }
    const parsed = OneTapSchema.safeParse({ action: await oneTapAction(c) });
    if (!parsed.success) throw badRequest("action", "action: one of safe_yes, safe_no, need_help.");
    const { action } = parsed.data;
    if (!isOpen(found.rollcall)) {
      if (html) return c.html(closedPage(found, null), 409);
      throw new ApiError(409, "closed", "This roll-call has closed; replies are no longer accepted.", "rollcall");
    }
    let reply;
    try {
      reply = await recordReply(c.env, { rollcallId: found.rollcall.id, personId: found.recipient.personId, answers: ONE_TAP[action], via: "push" });
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) throw badRequest("action", `action: this roll-call does not take "${action}" as an answer; open the reply page.`);
      if (err instanceof ApiError && err.code === "closed" && html) return c.html(closedPage(found, null), 409);
      throw err;
    }
    if (html) return c.html(donePage(found, reply), 200);
    const answers = { safety: reply.answers.safety, availability: reply.answers.availability };
    return c.json({ ok: true as const, action, answers, replyUrl: replyUrl(c.env, c.req.valid("param").token) }, 200);
  });
