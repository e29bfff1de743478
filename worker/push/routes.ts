import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { authOf, route } from "../auth/access";
import type { AppEnv } from "../env";
import { domainApp } from "../lib/app";
import { badRequest, notFound, jaEn } from "../lib/errors";
import { errorResponse, errorResponses, IdParam, jsonBody, jsonOk, OkSchema, TokenParam } from "../lib/schemas";
import { closedPage, donePage, notFoundPage } from "../reply/page";
import { findRecipientByToken } from "../reply/service";
import { loadSettings } from "../system/settings";
import { replyUrl } from "../reply/token";
import type * as data from "./data";
import * as service from "./service";
import {
  AckBody,
  AckQuery,
  AckSchema,
  DeviceCreateSchema,
  DeviceListSchema,
  DeviceRenameSchema,
  DeviceSchema,
  DeviceTestSchema,
  OneTapResultSchema,
  OneTapSchema,
  VapidKeySchema,
  type Device,
} from "./schemas";

const TAG = "push devices";

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
  responses: {
    200: jsonOk(DeviceSchema, "Refreshed"),
    201: jsonOk(DeviceSchema, "Added"),
    ...errorResponses,
    409: errorResponse("Too many devices"),
  },
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
    410: errorResponse("Subscription gone"),
    502: errorResponse("The push service refused"),
  },
});

const ack = route({
  method: "post",
  path: "/api/push/ack",
  summary: "A test notification arrived (called by the service worker with the test's token, from ackUrl or in the body)",
  tags: [TAG],
  access: "public", // the per-message token is the proof: 128 bits, stored hashed, one device, a day
  request: { query: AckQuery },
  responses: { 200: jsonOk(AckSchema), ...errorResponses, 410: errorResponse("Too late") },
});

const oneTap = route({
  method: "post",
  path: "/r/{token}/action",
  summary: "One-tap answer from a roll-call notification action (action=safe_yes|safe_no|need_help, JSON or form); the action is the explicit choice",
  description:
    "Records a reply via push. JSON answer, or a small HTML page when the client asks for text/html. 409 when the roll-call has closed; 400 naming `action` when it is unknown or the roll-call does not ask that.",
  tags: ["replies"],
  access: "public", // the reply token is the proof
  request: { params: TokenParam },
  responses: {
    200: { description: "Recorded", content: { "application/json": { schema: OneTapResultSchema }, "text/html": { schema: z.string() } } },
    400: errorResponse("Bad action"),
    404: errorResponse("Unknown link"),
    409: errorResponse("Closed"),
  },
});

async function ackToken(c: Context<AppEnv>, fromQuery: string | undefined): Promise<string> {
  if (fromQuery) return fromQuery;
  const body = (await c.req.json().catch(() => null)) as unknown;
  const parsed = AckBody.safeParse(body);
  if (!parsed.success) throw badRequest("token", jaEn("テストのトークンがありません。", "token: the test's token is missing."));
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
  .openapi(vapidKey, (c) => c.json(service.vapidKey(c.env), 200))
  .openapi(list, async (c) => c.json({ items: (await service.devicesOf(c.env.DB, authOf(c))).map(present) }, 200))
  .openapi(add, async (c) => {
    const { device, created } = await service.addDevice(c.env, authOf(c), c.req.valid("json"));
    return created ? c.json(present(device), 201) : c.json(present(device), 200);
  })
  .openapi(rename, async (c) => c.json(present(await service.renameDevice(c.env.DB, authOf(c), c.req.valid("param").id, c.req.valid("json").name)), 200))
  .openapi(remove, async (c) => {
    await service.removeDevice(c.env.DB, authOf(c), c.req.valid("param").id);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(test, async (c) => c.json({ sent: true as const, ...(await service.sendTestNotification(c.env, authOf(c), c.req.valid("param").id)) }, 200))
  .openapi(ack, async (c) => {
    const { deviceId, arrivedAt } = await service.acknowledgeTest(c.env.DB, await ackToken(c, c.req.valid("query").token));
    return c.json({ ok: true as const, deviceId, arrivedAt: new Date(arrivedAt).toISOString() }, 200);
  })
  .openapi(oneTap, async (c) => {
    c.header("cache-control", "no-store");
    const html = wantsHtml(c);
    const { token } = c.req.valid("param");
    const found = await findRecipientByToken(c.env, token);
    if (!found) {
      if (html) return c.html(notFoundPage(), 404);
      throw notFound(jaEn("回答のリンク", "reply link"));
    }
    const parsed = OneTapSchema.safeParse({ action: await oneTapAction(c) });
    if (!parsed.success)
      throw badRequest("action", jaEn("回答は「無事」「無事でない」「助けが必要」のどれかです。", "action: one of safe_yes, safe_no, need_help."));
    const { action } = parsed.data;
    const outcome = await service.answerOneTap(c.env, found, action);
    if (outcome.closed) {
      if (html) return c.html(closedPage({ ...found, networkName: (await loadSettings(c.env)).networkName }, null), 409);
      throw outcome.error;
    }
    const { reply } = outcome;
    if (html) return c.html(donePage({ ...found, networkName: (await loadSettings(c.env)).networkName }, reply), 200);
    const answers = { safety: reply.answers.safety, availability: reply.answers.availability };
    return c.json({ ok: true as const, action, answers, replyUrl: replyUrl(c.env, token) }, 200);
  });
