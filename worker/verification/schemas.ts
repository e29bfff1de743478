import { z } from "@hono/zod-openapi";

/** Contact verification: mobile by a 6-digit SMS code, email by a link. */

export const CODE_TTL_MS = 10 * 60_000;
export const LINK_TTL_MS = 24 * 3_600_000;
export const MAX_ATTEMPTS = 5;
/** Requests per contact per hour: SMS costs money and a flood annoys. */
export const MAX_REQUESTS_PER_HOUR = 5;

export const VerifyStartSchema = z
  .object({
    method: z.enum(["code", "link"]).openapi({ description: "code: an SMS with 6 digits (mobile); link: an email with a link (email)" }),
    expiresAt: z.string(),
    sandbox: z.boolean().openapi({ description: "Went to the sandbox outbox (GET /api/outbox/messages)" }),
  })
  .openapi("VerifyStart");

export const ConfirmCodeSchema = z
  .object({
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, "six digits")
      .openapi({ example: "123456" }),
  })
  .openapi("ConfirmCode");

export const VerifiedSchema = z.object({ contactId: z.number(), verifiedAt: z.string() }).openapi("Verified");
