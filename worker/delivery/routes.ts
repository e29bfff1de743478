import { z } from "@hono/zod-openapi";
import { audit } from "../audit/log";
import { authOf, route } from "../auth/access";
import { domainApp } from "../lib/app";
import { ApiError, forbidden, notFound, jaEn } from "../lib/errors";
import { errorResponses, jsonBody, jsonOk } from "../lib/schemas";
import { presentRollcallMessage, rollcallOutboxFacilities } from "../messages/service";
import { getRollcall } from "../rollcall/data";
import { sandboxInUse } from "./channels";
import { listOutbox } from "./data";
import { simulateInboundSms } from "./sandbox-sms";
import { OutboxQuery, OutboxSchema, SmsReplyResultSchema, SmsReplySchema } from "./schemas";
import { handleInboundSms, handleStatusCallback, MAX_WEBHOOK_BYTES, twiml, verifiedTwilioParams } from "./twilio-webhooks";

const outbox = route({
  method: "get",
  path: "/api/outbox",
  summary: "The sandbox outbox of a roll-call: each delivery with its channel, recipient, text and reply link",
  description:
    "Only while some channel has no provider secrets (the local default); 404 once every provider is configured. Facility admins see only their facilities' people, and of them only the records: a reply link answers as its recipient, so text and replyUrl are empty (`withheld`) except for the network admin and the recipient themselves.",
  tags: ["delivery"],
  access: ["network_admin", "facility_admin", "delegate"],
  request: { query: OutboxQuery },
  responses: { 200: jsonOk(OutboxSchema), ...errorResponses },
});

const smsReply = route({
  method: "post",
  path: "/api/outbox/sms-reply",
  summary: "Sandbox only: answer as a recipient by SMS (a signed, simulated inbound message through the Twilio webhook's signature check and handler)",
  description: "404 when every channel has a real provider (like GET /api/outbox). Answers the webhook's TwiML text.",
  tags: ["delivery"],
  access: ["network_admin"],
  request: { body: jsonBody(SmsReplySchema) },
  responses: { 200: jsonOk(SmsReplyResultSchema), ...errorResponses },
});

const twilioResponses = {
  200: { description: "TwiML", content: { "text/xml": { schema: z.string() } } },
  403: { description: "Missing or invalid X-Twilio-Signature" },
  413: { description: "Body too large" },
} as const;

const inboundSms = route({
  method: "post",
  path: "/webhooks/twilio/sms",
  summary: "Inbound SMS reply (Twilio webhook, application/x-www-form-urlencoded, signed)",
  description: "Parses replies such as `1 1`, `１　１`, 無事, OK and records them for the sender's latest open roll-call; answers TwiML.",
  tags: ["webhooks"],
  access: "public",
  responses: twilioResponses,
});

const smsStatus = route({
  method: "post",
  path: "/webhooks/twilio/status",
  summary: "SMS status callback (Twilio webhook, signed)",
  tags: ["webhooks"],
  access: "public",
  responses: twilioResponses,
});

const refused = () => forbidden(jaEn("Twilioの署名がないか、正しくありません。", "Invalid or missing Twilio signature."));

/** The body of a Twilio webhook, verified; throws 413/403 otherwise. */
async function twilioParams(c: { env: Env; req: { raw: Request; path: string; url: string } }): Promise<Record<string, string>> {
  const declared = Number(c.req.raw.headers.get("content-length") ?? "0");
  if (declared > MAX_WEBHOOK_BYTES) throw new ApiError("too_large", jaEn("送られたデータが大きすぎます。", "Body too large."));
  const body = await c.req.raw.text();
  if (body.length > MAX_WEBHOOK_BYTES) throw new ApiError("too_large", jaEn("送られたデータが大きすぎます。", "Body too large."));
  const params = verifiedTwilioParams(c.env, c.req.path, new URL(c.req.url).search, body, c.req.raw.headers);
  if (!params) throw refused();
  return params;
}

/** The sandbox outbox with its answer-by-SMS box, and the provider webhooks (Twilio inbound SMS and status callbacks). */
export const deliveryRoutes = domainApp()
  .openapi(outbox, async (c) => {
    const auth = authOf(c);
    if (!sandboxInUse(c.env)) throw notFound(jaEn("送信箱（すべての経路が本番の送信先です）", "outbox (every channel has a real provider)"));
    const q = c.req.valid("query");
    const rc = await getRollcall(c.env.DB, q.rollcall);
    if (!rc) throw notFound(jaEn("安否確認", "roll-call"));
    const rows = await listOutbox(c.env.DB, q.rollcall, rollcallOutboxFacilities(auth, rc), q.after, q.limit);
    const items = rows.map((m) => presentRollcallMessage(auth, m));
    await audit(c.env.DB, {
      actorId: auth.personId,
      action: "outbox.read",
      objectType: "rollcall",
      objectId: q.rollcall,
      detail: { items: items.length, withheld: items.filter((m) => m.withheld).length },
    });
    return c.json({ rollcallId: q.rollcall, items, next: rows.length === q.limit ? rows[rows.length - 1]!.deliveryId : null }, 200);
  })
  .openapi(smsReply, async (c) => {
    return c.json(await simulateInboundSms(c.env, authOf(c), c.req.valid("json")), 200);
  })
  .openapi(inboundSms, async (c) => {
    const params = await twilioParams(c);
    const text = await handleInboundSms(c.env, params);
    return c.body(twiml(text), 200, { "content-type": "text/xml; charset=utf-8" });
  })
  .openapi(smsStatus, async (c) => {
    const params = await twilioParams(c);
    await handleStatusCallback(c.env, params);
    return c.body(twiml(""), 200, { "content-type": "text/xml; charset=utf-8" });
  });
