import { z } from "@hono/zod-openapi";
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
  })
  .openapi("Me");
