import { z } from "@hono/zod-openapi";
import { LANGS, type Lang } from "../templates/languages";
import { ROLES } from "./scope";

/** The auth domain's request and response shapes (the admin UI imports these types). */
export const SignInSchema = z
  .object({
    email: z.string().trim().toLowerCase().email().max(254),
    password: z.string().min(1).max(200),
    code: z.string().max(10).optional(),
  })
  .openapi("SignIn");

export const MeSchema = z
  .object({
    personId: z.number(),
    name: z.string(),
    roles: z.array(z.enum(ROLES as [string, ...string[]])),
    globalRole: z.enum(["network_admin", "viewer"]).nullable(),
    facilities: z.array(z.object({ facilityId: z.number(), role: z.enum(["admin", "delegate", "staff"]) })),
    totpEnabled: z.boolean(),
    passwordExpired: z.boolean(),
    mustEnrolMfa: z.boolean(),
    /** The person's language: the staff screens start in it (a choice on the device comes first). */
    lang: z.enum(LANGS as [Lang, ...Lang[]]),
  })
  .openapi("Me");

/** 「パスワードを忘れた方」: the address to send a reset link to, in its stored form (NFKC, lower case). */
export const PasswordResetRequestSchema = z
  .object({
    email: z.string().normalize("NFKC").trim().toLowerCase().email().max(254),
  })
  .openapi("PasswordResetRequest");

/** The one answer, whether or not the address has an account: `message` in the reader's language. */
export const PasswordResetAcceptedSchema = z
  .object({
    ok: z.literal(true),
    message: z.string(),
  })
  .openapi("PasswordResetAccepted");
