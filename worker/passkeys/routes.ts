import { authOf, route } from "../auth/access";
import { MeSchema } from "../auth/schemas";
import { completeSignIn, meOf } from "../auth/session";
import { domainApp } from "../lib/app";
import { errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import type * as data from "./data";
import { PasskeyCreateSchema, PasskeyListSchema, PasskeySchema, PasskeySignInSchema, WebAuthnOptionsSchema } from "./schemas";
import * as service from "./service";

const TAG = "auth: passkeys";
const registerOptions = route({
  method: "post",
  path: "/api/me/passkeys/options",
  summary: "Start adding a passkey: options for navigator.credentials.create() (resident key, user verification required)",
  tags: [TAG],
  access: "signed_in",
  responses: { 200: jsonOk(WebAuthnOptionsSchema), ...errorResponses },
});

const register = route({
  method: "post",
  path: "/api/me/passkeys",
  summary: "Finish adding a passkey with the browser's response",
  tags: [TAG],
  access: "signed_in",
  request: { body: jsonBody(PasskeyCreateSchema) },
  responses: { 201: jsonOk(PasskeySchema, "Added"), ...errorResponses },
});

const list = route({
  method: "get",
  path: "/api/me/passkeys",
  summary: "One's passkeys",
  tags: [TAG],
  access: "signed_in",
  responses: { 200: jsonOk(PasskeyListSchema), ...errorResponses },
});

const remove = route({
  method: "delete",
  path: "/api/me/passkeys/{id}",
  summary: "Remove one of one's passkeys",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

const signInOptions = route({
  method: "post",
  path: "/api/passkeys/options",
  summary: "Start a passkey sign-in: options for navigator.credentials.get() (discoverable credentials)",
  tags: [TAG],
  access: "public",
  responses: { 200: jsonOk(WebAuthnOptionsSchema) },
});

const signIn = route({
  method: "post",
  path: "/api/passkeys/session",
  summary: "Sign in with a passkey: verifies the assertion and starts a session (sets the cookie)",
  tags: [TAG],
  access: "public",
  request: { body: jsonBody(PasskeySignInSchema) },
  responses: { 200: jsonOk(MeSchema, "Signed in"), ...errorResponses },
});

const present = (k: data.PasskeyRow) => ({
  id: k.id,
  name: k.name,
  deviceType: k.deviceType,
  backedUp: k.backedUp,
  createdAt: new Date(k.createdAt).toISOString(),
  lastUsedAt: k.lastUsedAt === null ? null : new Date(k.lastUsedAt).toISOString(),
});

export const passkeyRoutes = domainApp()
  .openapi(registerOptions, async (c) => c.json(await service.registrationOptions(c.env, authOf(c)), 200))
  .openapi(register, async (c) => c.json(present(await service.registerPasskey(c.env, authOf(c), c.req.valid("json"))), 201))
  .openapi(list, async (c) => c.json({ items: (await service.passkeysOf(c.env.DB, authOf(c))).map(present) }, 200))
  .openapi(remove, async (c) => {
    await service.removePasskey(c.env.DB, authOf(c), c.req.valid("param").id);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(signInOptions, async (c) => c.json(await service.signInOptions(c.env), 200))
  .openapi(signIn, async (c) => {
    const account = await service.checkPasskeySignIn(c.env, c.req.valid("json"));
    return c.json(meOf(await completeSignIn(c, account, "passkey")), 200);
  });
