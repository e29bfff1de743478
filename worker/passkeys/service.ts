import type { VerifiedAuthenticationResponse, VerifiedRegistrationResponse } from "@simplewebauthn/server";
import type { z } from "@hono/zod-openapi";
import { audit, auditStatement } from "../audit/log";
import * as authData from "../auth/data";
import type { Auth } from "../auth/scope";
import { clock } from "../lib/clock";
import { sha256Hex } from "../lib/crypto";
import { ApiError, badRequest, conflict, notFound, jaEn } from "../lib/errors";
import * as data from "./data";
import { CHALLENGE_TTL_MS, type PasskeyCreateSchema, type PasskeySignInSchema } from "./schemas";

/**
 * Passkeys (WebAuthn): a person adds and removes their own (every operation takes the
 * caller's person id), and anyone may sign in with one.
 */

/**
 * `@simplewebauthn/server`, loaded on first use: its attestation formats bring X.509
 * and ASN.1 libraries whose decorators and schemas would otherwise run at start-up.
 */
const webauthn = () => import("@simplewebauthn/server");
const webauthnHelpers = () => import("@simplewebauthn/server/helpers");

/** The relying party is the public origin: RP ID its host name, the expected origin itself. */
function relyingParty(env: Pick<Env, "PUBLIC_URL">) {
  const u = new URL(env.PUBLIC_URL);
  return { rpID: u.hostname, origin: u.origin, rpName: "安否確認" };
}

const INVALID = () => new ApiError("invalid_credentials", jaEn("このパスキーではサインインできませんでした。", "This passkey could not sign you in."));

/** The challenge the browser signed, checked and used up once (expectedChallenge as a callback). */
const takesChallenge = (db: D1Database, purpose: "register" | "authenticate", personId: number | null) => async (challenge: string) =>
  data.consumeChallenge(db, await sha256Hex(challenge), purpose, personId, clock.now());

export const passkeysOf = (db: D1Database, auth: Auth) => data.passkeysOf(db, auth.personId);

/** Options for navigator.credentials.create(); the challenge is kept (hashed) for five minutes. */
export async function registrationOptions(env: Env, auth: Auth) {
  const db = env.DB;
  const rp = relyingParty(env);
  const existing = await data.passkeysOf(db, auth.personId);
  const { generateRegistrationOptions } = await webauthn();
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
  await db.batch([
    data.dropExpiredChallenges(db, now),
    data.insertChallenge(db, await sha256Hex(options.challenge), "register", auth.personId, now + CHALLENGE_TTL_MS),
  ]);
  return options;
}

/** Adds the passkey the browser made against one of the caller's challenges. */
export async function registerPasskey(env: Env, auth: Auth, input: z.infer<typeof PasskeyCreateSchema>): Promise<data.PasskeyRow> {
  const { response, name } = input;
  const db = env.DB;
  const rp = relyingParty(env);
  const { verifyRegistrationResponse } = await webauthn();
  const { isoBase64URL } = await webauthnHelpers();
  let verified: VerifiedRegistrationResponse;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: takesChallenge(db, "register", auth.personId),
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      requireUserVerification: true,
    });
  } catch (err) {
    throw badRequest(
      "response",
      jaEn("パスキーの登録を確認できませんでした。", `The passkey registration is not valid: ${err instanceof Error ? err.message : "unknown"}`.slice(0, 300)),
    );
  }
  if (!verified.verified)
    throw badRequest("response", jaEn("パスキーの登録を確認できませんでした。", "response: the passkey registration could not be verified."));
  const info = verified.registrationInfo;
  if (await data.credentialTaken(db, info.credential.id))
    throw conflict("response", jaEn("このパスキーはもう登録されています。", "This passkey is registered already."));
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
    auditStatement(db, {
      actorId: auth.personId,
      action: "auth.passkey_added",
      objectType: "person",
      objectId: auth.personId,
      detail: { deviceType: info.credentialDeviceType },
    }),
  ]);
  const id = inserted!.meta.last_row_id;
  return (await data.passkeysOf(db, auth.personId)).find((k) => k.id === id)!;
}

/** Removes one of the caller's own passkeys; another's, or one gone already, is 404. */
export async function removePasskey(db: D1Database, auth: Auth, id: number): Promise<void> {
  const [done] = await db.batch([
    data.revokePasskey(db, id, auth.personId, clock.now()),
    auditStatement(db, { actorId: auth.personId, action: "auth.passkey_removed", objectType: "passkey", objectId: id }),
  ]);
  if (done!.meta.changes !== 1) throw notFound(jaEn("パスキー", "passkey"));
}

/** Options for navigator.credentials.get() with discoverable credentials; the challenge is nobody's yet. */
export async function signInOptions(env: Env) {
  const db = env.DB;
  const rp = relyingParty(env);
  const { generateAuthenticationOptions } = await webauthn();
  const options = await generateAuthenticationOptions({ rpID: rp.rpID, userVerification: "required" });
  const now = clock.now();
  await db.batch([
    data.dropExpiredChallenges(db, now),
    data.insertChallenge(db, await sha256Hex(options.challenge), "authenticate", null, now + CHALLENGE_TTL_MS),
  ]);
  return options;
}

/**
 * The account a passkey assertion signs in, its counter moved on; every failure is
 * audited and answers the same 401. The caller starts the session.
 */
export async function checkPasskeySignIn(env: Env, input: z.infer<typeof PasskeySignInSchema>): Promise<authData.AccountRow> {
  const { response } = input;
  const db = env.DB;
  const rp = relyingParty(env);
  const key = await data.byCredentialId(db, response.id);
  const fail = async (reason: string) => {
    await audit(db, { actorId: key?.personId ?? null, action: "auth.sign_in_failed", detail: { reason, method: "passkey" } });
    return INVALID();
  };
  if (!key) throw await fail("unknown_passkey");
  const { verifyAuthenticationResponse } = await webauthn();
  const { isoBase64URL } = await webauthnHelpers();
  let verified: VerifiedAuthenticationResponse;
  try {
    verified = await verifyAuthenticationResponse({
      response,
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
  return account;
}
