import { z } from "@hono/zod-openapi";
import { domainApp } from "../lib/app";
import { errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { authOf, route } from "./access";
import { ADMINS } from "./roles";
import { MeSchema, SignInSchema } from "./schemas";
import {
  changeOwnPassword,
  checkPasswordSignIn,
  disableTotp,
  enableTotp,
  endMyOtherSessions,
  endPersonSessions,
  setUpTotp,
  SignInLocked,
  signOutSession,
} from "./service";
import { clearSessionCookie, completeSignIn, meOf } from "./session";
import { clientAddress } from "./throttle";

const signIn = route({
  method: "post",
  path: "/api/session",
  summary: "Sign in with email and password (and a one-time code where required)",
  tags: ["auth"],
  access: "public",
  request: { body: jsonBody(SignInSchema) },
  responses: {
    200: jsonOk(MeSchema, "Signed in; sets the session cookie"),
    ...errorResponses,
    429: { description: "Too many failures from this address, or for this account from this address (Retry-After says when to try again)" },
  },
});

const whoAmI = route({
  method: "get",
  path: "/api/session",
  summary: "The signed-in person and their roles",
  tags: ["auth"],
  access: "signed_in",
  responses: { 200: jsonOk(MeSchema), ...errorResponses },
});

const signOut = route({
  method: "delete",
  path: "/api/session",
  summary: "Sign out",
  tags: ["auth"],
  access: "signed_in",
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

const changePassword = route({
  method: "post",
  path: "/api/me/password",
  summary: "Change one's own password; every other session of the person ends",
  tags: ["auth"],
  access: "signed_in",
  request: { body: jsonBody(z.object({ current: z.string().min(1).max(200), next: z.string().min(1).max(200) })) },
  responses: {
    200: jsonOk(z.object({ ok: z.literal(true), sessionsEnded: z.number() }), "Changed; every other session of the person ended"),
    ...errorResponses,
  },
});

const totpSetup = route({
  method: "post",
  path: "/api/me/totp/setup",
  summary: "Start TOTP enrolment: returns a new secret to put into an authenticator app",
  tags: ["auth"],
  access: "signed_in",
  responses: { 200: jsonOk(z.object({ secret: z.string(), uri: z.string() })), ...errorResponses },
});

const totpEnable = route({
  method: "post",
  path: "/api/me/totp/enable",
  summary: "Finish TOTP enrolment with a code from the app",
  tags: ["auth"],
  access: "signed_in",
  request: { body: jsonBody(z.object({ code: z.string().max(10) })) },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

const totpDisable = route({
  method: "delete",
  path: "/api/me/totp",
  summary: "Turn TOTP off (not allowed for admins while it is required)",
  tags: ["auth"],
  access: "signed_in",
  request: { body: jsonBody(z.object({ code: z.string().max(10) })) },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

const endSessions = route({
  method: "post",
  path: "/api/people/{id}/end-sessions",
  summary: "End every session, push subscription and passkey of a person (lost phone, §7 remote wipe)",
  tags: ["auth"],
  access: ADMINS,
  request: { params: IdParam },
  responses: { 200: jsonOk(z.object({ sessions: z.number(), pushSubscriptions: z.number(), passkeys: z.number() })), ...errorResponses },
});

const endMySessions = route({
  method: "delete",
  path: "/api/me/sessions",
  summary: "End every session of one's own but this one (a lost or shared device, §5)",
  tags: ["auth"],
  access: "signed_in",
  responses: { 200: jsonOk(z.object({ sessions: z.number() }), "How many sessions ended"), ...errorResponses },
});

export const authRoutes = domainApp()
  .openapi(signIn, async (c) => {
    const { email, password, code } = c.req.valid("json");
    let waiter: { waitUntil(p: Promise<unknown>): void } | null = null;
    try {
      waiter = c.executionCtx;
    } catch {
      waiter = null;
    }
    try {
      const account = await checkPasswordSignIn(c.env, waiter, { email, password, code, address: clientAddress(c.req.header("cf-connecting-ip")) });
      return c.json(meOf(await completeSignIn(c, account, "password")), 200);
    } catch (err) {
      if (err instanceof SignInLocked) c.header("Retry-After", String(err.retryAfter));
      throw err;
    }
  })
  .openapi(whoAmI, (c) => c.json(meOf(authOf(c)), 200))
  .openapi(signOut, async (c) => {
    await signOutSession(c.env.DB, authOf(c));
    clearSessionCookie(c);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(changePassword, async (c) => {
    const { current, next } = c.req.valid("json");
    const { sessionsEnded } = await changeOwnPassword(c.env, authOf(c), current, next);
    return c.json({ ok: true as const, sessionsEnded }, 200);
  })
  .openapi(totpSetup, async (c) => c.json(await setUpTotp(c.env.DB, authOf(c)), 200))
  .openapi(totpEnable, async (c) => {
    await enableTotp(c.env.DB, authOf(c), c.req.valid("json").code);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(totpDisable, async (c) => {
    await disableTotp(c.env, authOf(c), c.req.valid("json").code);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(endSessions, async (c) => c.json(await endPersonSessions(c.env.DB, authOf(c), c.req.valid("param").id), 200))
  .openapi(endMySessions, async (c) => c.json(await endMyOtherSessions(c.env.DB, authOf(c)), 200));
