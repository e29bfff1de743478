import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { html } from "hono/html";
import { auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import type { AppEnv } from "../env";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { randomToken, sha256Hex, timingSafeEqual } from "../lib/crypto";
import { ApiError, conflict, notFound } from "../lib/errors";
import { ErrorSchema, errorResponses, IdParam, jsonBody, jsonOk } from "../lib/schemas";
import { noticePage, staffPage } from "../messages/page";
import { sendDirect } from "../messages/send";
import { langOfPerson, say } from "../messages/wording";
import * as data from "./data";
import { CODE_TTL_MS, ConfirmCodeSchema, LINK_TTL_MS, MAX_ATTEMPTS, MAX_REQUESTS_PER_HOUR, VerifiedSchema, VerifyStartSchema } from "./schemas";

const TAG = "contact verification";
/** 32 random bytes, 43 base64url characters. */
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const TokenParam = z.object({ token: z.string().max(200).openapi({ param: { name: "token", in: "path" } }) });
const htmlPage = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });
const err = (description: string) => ({ description, content: { "application/json": { schema: ErrorSchema } } });

const start = route({
  method: "post",
  path: "/api/me/contacts/{id}/verify",
  summary: "Send a verification to one's own contact: a 6-digit code by SMS (mobile, 10 minutes) or a link by email (24 hours)",
  description: "A new request replaces the previous code or link. At most 5 requests per contact per hour (429).",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam },
  responses: { 200: jsonOk(VerifyStartSchema), ...errorResponses, 409: err("Already verified"), 429: err("Too many requests"), 502: err("The message could not be sent") },
});

const confirm = route({
  method: "post",
  path: "/api/me/contacts/{id}/confirm",
  summary: "Enter the SMS code: 5 wrong tries kill it (ask for a new one)",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam, body: jsonBody(ConfirmCodeSchema) },
  responses: { 200: jsonOk(VerifiedSchema), ...errorResponses, 410: err("The code expired, was replaced or had 5 wrong tries") },
});

const showLink = route({
  method: "get",
  path: "/verify/{token}",
  summary: "Email verification page: a button that confirms (a GET alone changes nothing, so mail scanners do not verify)",
  tags: [TAG],
  access: "public", // the token is the proof
  request: { params: TokenParam },
  responses: { 200: htmlPage("The confirm button"), 404: htmlPage("Unknown link"), 410: htmlPage("Expired, used or replaced") },
});

const useLink = route({
  method: "post",
  path: "/verify/{token}",
  summary: "Confirm the email address of the link",
  tags: [TAG],
  access: "public",
  request: { params: TokenParam },
  responses: { 200: htmlPage("Confirmed"), 404: htmlPage("Unknown link"), 410: htmlPage("Expired, used or replaced") },
});

/** A uniform 6-digit code (rejection sampling: no modulo bias). */
function sixDigits(): string {
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0]! < 4_294_000_000) return String(buf[0]! % 1_000_000).padStart(6, "0");
  }
}

const hex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((h) => parseInt(h, 16)));
const codeHash = (salt: string, code: string) => sha256Hex(`${salt}:${code}`);

async function ownContact(c: Context<AppEnv>, id: number): Promise<data.ContactRow> {
  const auth = authOf(c);
  const contact = await data.activeContact(c.env.DB, id);
  if (!contact || contact.personId !== auth.personId) throw notFound("contact");
  return contact;
}

function noStore(c: Context<AppEnv>) {
  c.header("cache-control", "no-store");
  c.header("x-robots-tag", "noindex");
}

type LinkState = { kind: "notfound" } | { kind: "gone"; lang: ReturnType<typeof langOfPerson> } | { kind: "open"; v: data.VerificationRow; lang: ReturnType<typeof langOfPerson> };

async function linkState(c: Context<AppEnv>, token: string): Promise<LinkState> {
  if (!LINK_TOKEN.test(token)) return { kind: "notfound" };
  const v = await data.linkByHash(c.env.DB, await sha256Hex(token));
  if (!v) return { kind: "notfound" };
  const lang = langOfPerson(await data.personLang(c.env.DB, v.personId));
  const contact = await data.activeContact(c.env.DB, v.contactId);
  if (v.usedAt !== null || v.deadAt !== null || v.expiresAt <= clock.now() || !contact) return { kind: "gone", lang };
  return { kind: "open", v, lang };
}

const gone = (lang: ReturnType<typeof langOfPerson>) => noticePage(lang, say(lang, "verify.gone.heading"), say(lang, "verify.gone.body"));
const notFoundPage = () => noticePage("ja", say("ja", "join.notfound.heading"), `${say("ja", "join.notfound.body")} / ${say("en", "join.notfound.body")}`);

export const verificationRoutes = domainApp()
  .openapi(start, async (c) => {
    const auth = authOf(c);
    const contact = await ownContact(c, c.req.valid("param").id);
    if (contact.verifiedAt !== null) throw conflict("id", "This contact is verified already.");
    const db = c.env.DB;
    const now = clock.now();
    if ((await data.requestsSince(db, contact.id, now - 3_600_000)) >= MAX_REQUESTS_PER_HOUR)
      throw new ApiError(429, "too_many_requests", "Too many verification messages for this contact. Try again in an hour.", "id");
    const lang = langOfPerson(await data.personLang(db, auth.personId));
    const salt = randomToken(16);
    const mobile = contact.kind === "mobile";
    const secret = mobile ? sixDigits() : randomToken(32);
    const expiresAt = now + (mobile ? CODE_TTL_MS : LINK_TTL_MS);
    await db.batch([
      ...data.startStatements(db, { contactId: contact.id, personId: auth.personId, method: mobile ? "code" : "link", secretHash: mobile ? await codeHash(salt, secret) : await sha256Hex(secret), salt: mobile ? salt : "", createdAt: now, expiresAt }),
      auditStatement(db, { actorId: auth.personId, action: "contact.verification_sent", objectType: "contact", objectId: contact.id, detail: { kind: contact.kind } }),
    ]);
    const link = mobile ? "" : `${c.env.PUBLIC_URL.replace(/\/+$/, "")}/verify/${secret}`;
    const sent = await sendDirect(c.env, {
      kind: mobile ? "contact_code" : "contact_link",
      channel: mobile ? "sms" : "email",
      to: contact.value,
      personId: auth.personId,
      senderId: null,
      facilityId: null,
      subject: mobile ? undefined : say(lang, "link.subject"),
      text: mobile ? say(lang, "code.sms", { code: secret }) : say(lang, "link.email", { link }),
      link,
    });
    if (!sent.ok) throw new ApiError(502, "send_failed", `The ${mobile ? "SMS" : "email"} could not be sent (${sent.error}). Check the ${contact.kind} and try again.`, "id");
    return c.json({ method: mobile ? ("code" as const) : ("link" as const), expiresAt: new Date(expiresAt).toISOString(), sandbox: sent.sandbox }, 200);
  })
  .openapi(confirm, async (c) => {
    const auth = authOf(c);
    const contact = await ownContact(c, c.req.valid("param").id);
    if (contact.kind !== "mobile") throw new ApiError(400, "invalid", "Email addresses are verified by the link in the email.", "id");
    const db = c.env.DB;
    const now = clock.now();
    const v = await data.latestCode(db, contact.id);
    if (!v || v.usedAt !== null) throw new ApiError(410, "no_code", "There is no open code for this number: ask for a new one.", "code");
    if (v.deadAt !== null)
      throw new ApiError(410, "code_dead", v.attempts >= MAX_ATTEMPTS ? "Too many wrong codes: this code no longer works. Ask for a new one." : "A newer code was sent: use that one.", "code");
    if (v.expiresAt <= now) throw new ApiError(410, "code_expired", "This code has expired (10 minutes). Ask for a new one.", "code");
    const given = await codeHash(v.salt, c.req.valid("json").code);
    if (!timingSafeEqual(hex(given), hex(v.secretHash))) {
      const attempts = await data.countWrong(db, v.id, MAX_ATTEMPTS, now);
      if (attempts === null) throw new ApiError(410, "code_dead", "This code no longer works. Ask for a new one.", "code");
      const left = MAX_ATTEMPTS - attempts;
      if (left <= 0) throw new ApiError(400, "code_dead", "Wrong code, 5 times: this code no longer works. Ask for a new one.", "code");
      throw new ApiError(400, "wrong_code", `Wrong code. ${left} ${left === 1 ? "try" : "tries"} left.`, "code");
    }
    const [used] = await db.batch([
      ...data.useStatements(db, v, now),
      auditStatement(db, { actorId: auth.personId, action: "contact.verified", objectType: "contact", objectId: contact.id, detail: { kind: "mobile", method: "code" } }),
    ]);
    if (used!.meta.changes !== 1) throw new ApiError(410, "code_dead", "This code no longer works. Ask for a new one.", "code");
    return c.json({ contactId: contact.id, verifiedAt: new Date(now).toISOString() }, 200);
  })
  .openapi(showLink, async (c) => {
    noStore(c);
    const st = await linkState(c, c.req.valid("param").token);
    if (st.kind === "notfound") return c.html(notFoundPage(), 404);
    if (st.kind === "gone") return c.html(gone(st.lang), 410);
    const l = st.lang;
    return c.html(staffPage(l, say(l, "verify.title"), html`<h1>${say(l, "verify.title")}</h1><p>${say(l, "verify.body")}</p><form method="post"><button>${say(l, "verify.button")}</button></form>`), 200);
  })
  .openapi(useLink, async (c) => {
    noStore(c);
    const st = await linkState(c, c.req.valid("param").token);
    if (st.kind === "notfound") return c.html(notFoundPage(), 404);
    if (st.kind === "gone") return c.html(gone(st.lang), 410);
    const db = c.env.DB;
    const now = clock.now();
    const [used] = await db.batch([
      ...data.useStatements(db, st.v, now),
      auditStatement(db, { actorId: st.v.personId, action: "contact.verified", objectType: "contact", objectId: st.v.contactId, detail: { kind: "email", method: "link" } }),
    ]);
    if (used!.meta.changes !== 1) return c.html(gone(st.lang), 410);
    return c.html(noticePage(st.lang, say(st.lang, "verify.done.heading"), say(st.lang, "verify.done.body")), 200);
  });
