import { z } from "@hono/zod-openapi";

/** Passkeys (WebAuthn): a sign-in option for everyone. Shapes follow the WebAuthn JSON of the browser. */

export const CHALLENGE_TTL_MS = 5 * 60_000;

const b64u = z
  .string()
  .regex(/^[A-Za-z0-9_-]*={0,2}$/, "base64url")
  .max(20_000);

/** `PublicKeyCredential.toJSON()` after `navigator.credentials.create()` (or @simplewebauthn/browser's startRegistration). */
export const RegistrationResponseSchema = z
  .object({
    id: b64u.min(1),
    rawId: b64u.min(1),
    type: z.literal("public-key"),
    response: z.looseObject({ clientDataJSON: b64u, attestationObject: b64u, transports: z.array(z.string().max(20)).max(10).optional() }),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  })
  .openapi("WebAuthnRegistrationResponse");

/** `PublicKeyCredential.toJSON()` after `navigator.credentials.get()` (or startAuthentication). */
export const AuthenticationResponseSchema = z
  .object({
    id: b64u.min(1),
    rawId: b64u.min(1),
    type: z.literal("public-key"),
    response: z.looseObject({ clientDataJSON: b64u, authenticatorData: b64u, signature: b64u, userHandle: b64u.optional() }),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  })
  .openapi("WebAuthnAuthenticationResponse");

export const PasskeyCreateSchema = z
  .object({ response: RegistrationResponseSchema, name: z.string().trim().min(1).max(60).default("パスキー") })
  .openapi("PasskeyCreate");

export const PasskeySignInSchema = z.object({ response: AuthenticationResponseSchema }).openapi("PasskeySignIn");

export const PasskeySchema = z
  .object({
    id: z.number(),
    name: z.string(),
    deviceType: z.enum(["singleDevice", "multiDevice"]),
    backedUp: z.boolean(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("Passkey");

export const PasskeyListSchema = z.object({ items: z.array(PasskeySchema) }).openapi("PasskeyList");

/** The options passed to navigator.credentials.create/get (PublicKeyCredential*OptionsJSON). */
export const WebAuthnOptionsSchema = z.looseObject({ challenge: z.string() }).openapi("WebAuthnOptions");
