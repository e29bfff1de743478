import { z } from "@hono/zod-openapi";

/** Push devices (Web Push subscriptions), their tests, and one-tap answers from notification actions. */

const b64url = (len: number, what: string) => z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${len}}={0,2}$`), `${what} (base64url)`);

/** `PushSubscription.toJSON()` as the browser gives it. */
export const PushSubscriptionSchema = z
  .object({
    endpoint: z.string().url().max(2048),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({
      p256dh: b64url(87, "a P-256 public key, 65 bytes"),
      auth: b64url(22, "an auth secret, 16 bytes"),
    }),
  })
  .openapi("PushSubscriptionJSON");

const deviceName = z.string().trim().min(1, "Name the device.").max(60);

export const DeviceCreateSchema = z
  .object({
    subscription: PushSubscriptionSchema,
    name: deviceName.openapi({ example: "iPhone（私用）" }),
  })
  .openapi("DeviceCreate");

export const DeviceRenameSchema = z.object({ name: deviceName }).openapi("DeviceRename");

export const DeviceSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    createdAt: z.string(),
    lastOkAt: z.string().nullable().openapi({ description: "Last time the push service took a message for it" }),
    lastTestSentAt: z.string().nullable(),
    lastTestAt: z.string().nullable().openapi({ description: "Last time a test message arrived on the device (acknowledged by the service worker)" }),
  })
  .openapi("Device");
export type Device = z.infer<typeof DeviceSchema>;

export const DeviceListSchema = z.object({ items: z.array(DeviceSchema) }).openapi("DeviceList");

export const DeviceTestSchema = z
  .object({
    sent: z.literal(true),
    sandbox: z.boolean().openapi({ description: "Went to the sandbox outbox (no VAPID keys set): no device will acknowledge it" }),
    testId: z.number(),
  })
  .openapi("DeviceTest");

export const AckQuery = z.object({ token: z.string().max(100).optional().openapi({ description: "The test's token (or in the body)" }) });
export const AckBody = z.object({ token: z.string().max(100) }).openapi("PushAck");
export const AckSchema = z.object({ ok: z.literal(true), deviceId: z.number(), arrivedAt: z.string() }).openapi("PushAckResult");

export const VapidKeySchema = z
  .object({
    publicKey: z.string().nullable().openapi({ description: "applicationServerKey for pushManager.subscribe; null when push goes to the sandbox" }),
    mode: z.enum(["provider", "sandbox", "unavailable"]),
  })
  .openapi("VapidKey");

/** One-tap answers from a roll-call notification (the action is the explicit choice). */
export const ONE_TAP = {
  safe_yes: { safety: "safe", availability: "yes" },
  safe_no: { safety: "safe", availability: "no" },
  need_help: { safety: "severe" },
} as const;
export type OneTapAction = keyof typeof ONE_TAP;
export const ONE_TAP_ACTIONS = Object.keys(ONE_TAP) as OneTapAction[];

export const OneTapSchema = z.object({ action: z.enum(ONE_TAP_ACTIONS as [OneTapAction, ...OneTapAction[]]) }).openapi("OneTapAnswer");

export const OneTapResultSchema = z
  .object({
    ok: z.literal(true),
    action: z.enum(ONE_TAP_ACTIONS as [OneTapAction, ...OneTapAction[]]),
    answers: z.object({ safety: z.string().optional(), availability: z.string().optional() }),
    replyUrl: z.string().openapi({ description: "The reply page, for a comment or a change" }),
  })
  .openapi("OneTapResult");
