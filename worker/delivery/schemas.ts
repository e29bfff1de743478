import { refineText } from "../lib/validation";
import { z } from "@hono/zod-openapi";
import { DELIVERY_STATES } from "./types";

export const OutboxQuery = z.object({
  rollcall: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "rollcall", in: "query" }, example: 1 }),
  after: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .openapi({ param: { name: "after", in: "query" }, description: "Delivery id to continue after" }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(200)
    .openapi({ param: { name: "limit", in: "query" } }),
});

export const OutboxItemSchema = z
  .object({
    deliveryId: z.number().int(),
    personId: z.number().int(),
    channel: z.enum(["push", "sms", "email"]),
    wave: z.number().int(),
    audience: z.enum(["recipients", "facility_admins"]),
    state: z.enum(DELIVERY_STATES),
    /** Name and a masked address. */
    recipient: z.string(),
    subject: z.string(),
    text: z.string(),
    replyUrl: z.string(),
    /** True when the reader may not read this recipient's reply link: text and replyUrl are then empty. */
    withheld: z.boolean(),
    createdAt: z.string(),
  })
  .openapi("OutboxItem");
export type OutboxItemDto = z.infer<typeof OutboxItemSchema>;

export const OutboxSchema = z.object({ rollcallId: z.number().int(), items: z.array(OutboxItemSchema), next: z.number().int().nullable() }).openapi("Outbox");

/** Twilio's status callback fields we read (the rest is ignored). */
export const TwilioStatusSchema = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-f]{32}$/),
  MessageStatus: z.enum([
    "accepted",
    "scheduled",
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "read",
    "canceled",
    "receiving",
    "received",
    "partially_delivered",
  ]),
  ErrorCode: z.string().max(10).optional(),
});

/** Twilio's inbound message fields we read. */
export const TwilioInboundSchema = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-f]{32}$/),
  From: z.string().max(32),
  Body: z.string().max(1600).default(""),
});

/** A queue message as the consumer accepts it (anything else is dropped, logged by id only). */
export const DeliveryMessageSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("plan"),
    rollcallId: z.number().int().positive(),
    wave: z.number().int().min(0),
    channels: z.array(z.enum(["push", "sms", "email"])).max(3),
    onlyUnreplied: z.boolean(),
    fallback: z.boolean(),
    audience: z.enum(["recipients", "facility_admins"]),
    afterPersonId: z.number().int().min(0),
  }),
  z.object({ type: z.literal("send"), deliveryId: z.number().int().positive() }),
]);

const id = z.number().int().positive();
const count = z.number().int();

/** The sandbox's "answer as this recipient by SMS" box (POST /api/outbox/sms-reply). */
export const SmsReplySchema = z
  .object({
    deliveryId: id.optional(),
    personId: id.optional(),
    rollcallId: id.optional(),
    body: z.string().max(1600),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.deliveryId === undefined && (b.personId === undefined || b.rollcallId === undefined))
      ctx.addIssue({
        code: "custom",
        ...refineText("deliveryId か、personId と rollcallId を指定してください。", "Give deliveryId, or personId and rollcallId.", [
          b.personId === undefined ? "personId" : "rollcallId",
        ]),
      });
  })
  .openapi("SandboxSmsReply");

export const SmsReplyResultSchema = z
  .object({
    /** The webhook's HTTP status (200 when the signature and form were accepted). */
    status: count,
    /** The text the webhook answered with (TwiML <Message>), as the phone would show it. */
    reply: z.string(),
    outcome: z.string().nullable(),
    rollcallId: count.nullable(),
  })
  .openapi("SandboxSmsReplyResult");
