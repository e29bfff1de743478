import { z } from "@hono/zod-openapi";

export const DIRECT_KINDS = [
  "invitation",
  "contact_code",
  "contact_link",
  "report",
  "push_test",
  "trigger_alert",
  "admin_alert",
  "security_notice",
  "password_reset",
  "patient_alert",
] as const;

export const DirectMessageSchema = z
  .object({
    id: z.number(),
    kind: z.enum(DIRECT_KINDS),
    channel: z.enum(["push", "sms", "email"]),
    personId: z.number().nullable(),
    facilityId: z.number().nullable(),
    recipient: z.string().openapi({ description: "Name or device and a masked address" }),
    subject: z.string(),
    text: z.string(),
    link: z.string().openapi({ description: "The invitation or verification link the message carries (empty when withheld)" }),
    withheld: z.boolean().openapi({ description: "True when the message carries a secret the reader may not read: text and link are then empty" }),
    state: z.enum(["sent", "delivered", "failed"]),
    createdAt: z.string(),
  })
  .openapi("DirectMessage");

export const DirectMessageListSchema = z
  .object({ items: z.array(DirectMessageSchema), next: z.number().nullable().openapi({ description: "Pass as `before` for the next (older) page" }) })
  .openapi("DirectMessageList");

export const DirectMessageQuery = z.object({
  kind: z.enum(DIRECT_KINDS).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
