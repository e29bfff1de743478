import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../env";
import { domainApp } from "../lib/app";
import { errorLang } from "../lib/errors";
import { errorResponse, errorResponses, htmlPage, IdParam, jsonBody, jsonOk, OkSchema, TokenParam } from "../lib/schemas";
import { noStore } from "../messages/page";
import { say } from "../messages/wording";
import { loadSettings } from "../system/settings";
import { authOf, route } from "./access";
import { resetDonePage, resetGonePage, resetNotFoundPage, resetPage } from "./reset-page";
import { ADMINS } from "./roles";
import { MeSchema, PasswordResetAcceptedSchema, PasswordResetRequestSchema, SignInSchema } from "./schemas";
import {
  changeOwnPassword,
  checkPasswordSignIn,
  disableTotp,
  enableTotp,
  endMyOtherSessions,
  endPersonSessions,
  openPasswordReset,
  requestPasswordReset,
  RESET_REQUESTED,
  resetPassword,
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

const requestReset = route({
  method: "post",
  path: "/api/password-reset",
  summary: "「パスワードを忘れた方」: email a link to set a new password (one answer whether or not the address has an account)",
  description:
    "Always 202 with the same message (in the language of Accept-Language): the look-up and the email happen after the answer. " +
    "An active account with this verified email gets a link /reset/{token} (256 bits, stored hashed, single use, valid 30 minutes) in its language; " +
    "a new request replaces the live link. At most 3 requests per address per hour (past it the same answer, nothing sent) " +
    "and 20 per client address per hour (429).",
  tags: ["auth"],
  access: "public",
  request: { body: jsonBody(PasswordResetRequestSchema) },
  responses: {
    202: jsonOk(PasswordResetAcceptedSchema, "Accepted: a link is on its way if the address has an account"),
    ...errorResponses,
    429: errorResponse("Too many requests from this client address"),
  },
});

const showReset = route({
  method: "get",
  path: "/reset/{token}",
  summary: "Password reset page: the new password twice; server-rendered, no JavaScript; a GET changes nothing",
  tags: ["auth"],
  access: "public", // the token is the proof
  request: { params: TokenParam },
  responses: { 200: htmlPage("The form"), 404: htmlPage("Unknown link"), 410: htmlPage("Expired, used or replaced by a newer link") },
});

const useReset = route({
  method: "post",
  path: "/reset/{token}",
  summary: "Set the new password (password, password2): the link is used, every session of the account ends; the one-time code app stays",
  tags: ["auth"],
  access: "public",
  request: { params: TokenParam },
  responses: {
    200: htmlPage("Changed: sign in with the new password"),
    400: htmlPage("A field is wrong; the form is shown again naming it"),
    404: htmlPage("Unknown link"),
    410: htmlPage("Expired, used or replaced: nothing changed"),
  },
});

/** The execution context's waitUntil, where there is one (not under app.request in some tests). */
function waiterOf(c: Context<AppEnv>): { waitUntil(p: Promise<unknown>): void } | null {
  try {
    return c.executionCtx;
  } catch {
    return null;
  }
}

async function resetForm(c: Context<AppEnv>): Promise<{ password: string; password2: string }> {
  const body = await c.req.parseBody();
  const pick = (k: string) => (typeof body[k] === "string" ? (body[k] as string).slice(0, 200) : "");
  return { password: pick("password"), password2: pick("password2") };
}

export const authRoutes = domainApp();
authRoutes.use("/reset/*", bodyLimit({ maxSize: 8 * 1024 }));
authRoutes
  .openapi(signIn, async (c) => {
    const { email, password, code } = c.req.valid("json");
    const waiter = waiterOf(c);
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
  .openapi(endMySessions, async (c) => c.json(await endMyOtherSessions(c.env.DB, authOf(c)), 200))
  .openapi(requestReset, async (c) => {
    const { email } = c.req.valid("json");
    await requestPasswordReset(c.env, waiterOf(c), { email, address: clientAddress(c.req.header("cf-connecting-ip")) });
    return c.json({ ok: true as const, message: RESET_REQUESTED[errorLang(c.req.header("Accept-Language"))] }, 202);
  })
  .openapi(showReset, async (c) => {
    noStore(c);
    const view = await openPasswordReset(c.env.DB, c.req.valid("param").token);
    if (view.kind === "notfound") return c.html(resetNotFoundPage(), 404);
    if (view.kind === "gone") return c.html(resetGonePage(view.lang, view.reason), 410);
    return c.html(resetPage(view.lang, { minLength: (await loadSettings(c.env)).passwordMinLength }), 200);
  })
  .openapi(useReset, async (c) => {
    noStore(c);
    const view = await openPasswordReset(c.env.DB, c.req.valid("param").token);
    if (view.kind === "notfound") return c.html(resetNotFoundPage(), 404);
    if (view.kind === "gone") return c.html(resetGonePage(view.lang, view.reason), 410);
    const l = view.lang;
    const outcome = await resetPassword(c.env, view, await resetForm(c));
    if (outcome.kind === "gone") {
      const again = await openPasswordReset(c.env.DB, c.req.valid("param").token);
      return c.html(resetGonePage(l, again.kind === "gone" ? again.reason : "used"), 410);
    }
    if (outcome.kind === "problem") {
      const text = typeof outcome.words === "string" ? say(l, outcome.words) : l === "ja" || l === "ja-easy" ? outcome.words.ja : outcome.words.en;
      const minLength = (await loadSettings(c.env)).passwordMinLength;
      return c.html(resetPage(l, { minLength, error: { field: outcome.field, text } }), 400);
    }
    return c.html(resetDonePage(l, { totpEnabled: outcome.totpEnabled, signInUrl: "/" }), 200);
  });
