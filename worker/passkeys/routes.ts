import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { audit, auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import * as authData from "../auth/data";
import { MeSchema } from "../auth/schemas";
import { completeSignIn, meOf } from "../auth/session";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { sha256Hex } from "../lib/crypto";
import { ApiError, badRequest, conflict, notFound } from "../lib/errors";
import { errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import * as data from "./data";
import { CHALLENGE_TTL_MS, PasskeyCreateSchema, PasskeyListSchema, PasskeySchema, PasskeySignInSchema, WebAuthnOptionsSchema } from "./schemas";

const TAG = "auth: passkeys";

/** The relying party is the public origin: RP ID its host name, the expected origin itself. */
function relyingParty(env: Pick<Env, "PUBLIC_URL">) {
  const u = new URL(env.PUBLIC_URL);
  return { rpID: u.hostname, origin: u.origin, rpName: "安否確認" };
}

const INVALID = () => new ApiError(401, "invalid_credentials", "This passkey could not sign you in.");

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

/** The challenge the browser signed, checked and used up once (expectedChallenge as a callback). */
const takesChallenge = (db: D1Database, purpose: "register" | "authenticate", personId: number | null) => async (challenge: string) =>
  data.consumeChallenge(db, await sha256Hex(challenge), purpose, personId, clock.now());

export const passkeyRoutes = domainApp()
  .openapi(registerOptions, async (c) => {
    const auth = authOf(c);
    const db = c.env.DB;
    const rp = relyingParty(c.env);
    const existing = await data.passkeysOf(db, auth.personId);
    const options = await generateRegistrationOptions({
      rpName: rp.rpName,
      rpID: rp.rpID,
      userName: auth.name,
      userDisplayName: auth.name,
      // The user handle is the person id: no email or phone number on the authenticator.
      userID: new Uint8Array(new TextEncoder().encode(`person:${auth.personId}`)),
      attestationType: "none",
      excludeCredentials: existing.map((k) => ({ id: k.credentialId, transports: k.transports })),
      authenticatorSelection: { residentKey: "required", userVerification: "required" },
    });
    const now = clock.now();
    await db.batch([data.dropExpiredChallenges(db, now), data.insertChallenge(db, await sha256Hex(options.challenge), "register", auth.personId, now + CHALLENGE_TTL_MS)]);
    return c.json(options, 200);
  })
  .openapi(register, async (c) => {
    const auth = authOf(c);
    const { response, name } = c.req.valid("json");
    const db = c.env.DB;
    const rp = relyingParty(c.env);
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response: response as unknown as RegistrationResponseJSON,
        expectedChallenge: takesChallenge(db, "register", auth.personId),
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpID,
        requireUserVerification: true,
      });
    } catch (err) {
      throw badRequest("response", `response: ${err instanceof Error ? err.message : "not a valid passkey registration"}`.slice(0, 300));
    }
    if (!verified.verified) throw badRequest("response", "response: the passkey registration could not be verified.");
    const info = verified.registrationInfo;
    if (await data.credentialTaken(db, info.credential.id)) throw conflict("response", "This passkey is registered already.");
    const [inserted] = await db.batch([
      data.insertPasskey(db, {
        credentialId: info.credential.id,
        personId: auth.personId,
        publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
        counter: info.credential.counter,
        transports: info.credential.transports ?? response.response.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        name,
        at: clock.now(),
      }),
      auditStatement(db, { actorId: auth.personId, action: "auth.passkey_added", objectType: "person", objectId: auth.personId, detail: { deviceType: info.credentialDeviceType } }),
    ]);
    const id = inserted!.meta.last_row_id;
    const row = (await data.passkeysOf(db, auth.personId)).find((k) => k.id === id)!;
    return c.json(present(row), 201);
  })
  .openapi(list, async (c) => c.json({ items: (await data.passkeysOf(c.env.DB, authOf(c).personId)).map(present) }, 200))
  .openapi(remove, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const db = c.env.DB;
    const [done] = await db.batch([
      data.revokePasskey(db, id, auth.personId, clock.now()),
      auditStatement(db, { actorId: auth.personId, action: "auth.passkey_removed", objectType: "passkey", objectId: id }),
    ]);
    if (done!.meta.changes !== 1) throw notFound("passkey");
    return c.json({ ok: true as const }, 200);
  })
  .openapi(signInOptions, async (c) => {
    const db = c.env.DB;
    const rp = relyingParty(c.env);
    const options = await generateAuthenticationOptions({ rpID: rp.rpID, userVerification: "required" });
    const now = clock.now();
    await db.batch([data.dropExpiredChallenges(db, now), data.insertChallenge(db, await sha256Hex(options.challenge), "authenticate", null, now + CHALLENGE_TTL_MS)]);
    return c.json(options, 200);
  })
  .openapi(signIn, async (c) => {
    const { response } = c.req.valid("json");
    const db = c.env.DB;
    const rp = relyingParty(c.env);
    const key = await data.byCredentialId(db, response.id);
    const fail = async (reason: string) => {
      await audit(db, { actorId: key?.personId ?? null, action: "auth.sign_in_failed", detail: { reason, method: "passkey" } });
      return INVALID();
    };
    if (!key) throw await fail("unknown_passkey");
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response: response as unknown as AuthenticationResponseJSON,
        expectedChallenge: takesChallenge(db, "authenticate", null),
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpID,
        credential: { id: key.credentialId, publicKey: isoBase64URL.toBuffer(key.publicKey), counter: key.counter, transports: key.transports },
        requireUserVerification: true,
      });
    } catch {
      throw await fail("passkey");
    }
    if (!verified.verified) throw await fail("passkey");
    const account = await authData.findAccount(db, key.personId);
    if (!account) throw await fail("account");
    await data.usePasskey(db, key.id, verified.authenticationInfo.newCounter, clock.now()).run();
    return c.json(meOf(await completeSignIn(c, account, "passkey")), 200);
  });
