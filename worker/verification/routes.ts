import { html } from "hono/html";
import { authOf, route } from "../auth/access";
import { domainApp } from "../lib/app";
import { errorResponse, errorResponses, htmlPage, IdParam, jsonBody, jsonOk, TokenParam } from "../lib/schemas";
import { noStore, noticePage, staffPage, unknownLinkPage } from "../messages/page";
import { type langOfPerson, say } from "../messages/wording";
import { ConfirmCodeSchema, VerifiedSchema, VerifyStartSchema } from "./schemas";
import * as service from "./service";

const TAG = "contact verification";

const start = route({
  method: "post",
  path: "/api/me/contacts/{id}/verify",
  summary: "Send a verification to one's own contact: a 6-digit code by SMS (mobile, 10 minutes) or a link by email (24 hours)",
  description:
    "A new request replaces the previous code or link. At most 5 requests per contact per hour (429). " +
    "SMS codes also: at most verificationCodesPerAccountPerDay per account and verificationCodesPerNumberPerDay per number over 24 hours, " +
    "and the network sends at most verificationSmsDailyCeiling a day (429; the network admins are alerted). " +
    "A mobile of a country no longer allowed gets no code (400 country_not_allowed).",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam },
  responses: {
    200: jsonOk(VerifyStartSchema),
    ...errorResponses,
    409: errorResponse("Already verified"),
    429: errorResponse("Too many requests"),
    502: errorResponse("The message could not be sent"),
  },
});

const confirm = route({
  method: "post",
  path: "/api/me/contacts/{id}/confirm",
  summary: "Enter the SMS code: 5 wrong tries kill it (ask for a new one)",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam, body: jsonBody(ConfirmCodeSchema) },
  responses: { 200: jsonOk(VerifiedSchema), ...errorResponses, 410: errorResponse("The code expired, was replaced or had 5 wrong tries") },
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

type Lang = ReturnType<typeof langOfPerson>;
const gone = (lang: Lang) => noticePage(lang, say(lang, "verify.gone.heading"), say(lang, "verify.gone.body"));

export const verificationRoutes = domainApp()
  .openapi(start, async (c) => {
    const started = await service.startVerification(c.env, authOf(c).personId, c.req.valid("param").id);
    return c.json({ method: started.method, expiresAt: new Date(started.expiresAt).toISOString(), sandbox: started.sandbox }, 200);
  })
  .openapi(confirm, async (c) => {
    const { id } = c.req.valid("param");
    const verifiedAt = await service.confirmCode(c.env, authOf(c).personId, id, c.req.valid("json").code);
    return c.json({ contactId: id, verifiedAt: new Date(verifiedAt).toISOString() }, 200);
  })
  .openapi(showLink, async (c) => {
    noStore(c);
    const st = await service.linkState(c.env.DB, c.req.valid("param").token);
    if (st.kind === "notfound") return c.html(unknownLinkPage(), 404);
    if (st.kind === "gone") return c.html(gone(st.lang), 410);
    const l = st.lang;
    return c.html(
      staffPage(
        l,
        say(l, "verify.title"),
        html`<h1>${say(l, "verify.title")}</h1><p>${say(l, "verify.body")}</p><form method="post"><button>${say(l, "verify.button")}</button></form>`,
      ),
      200,
    );
  })
  .openapi(useLink, async (c) => {
    noStore(c);
    const st = await service.linkState(c.env.DB, c.req.valid("param").token);
    if (st.kind === "notfound") return c.html(unknownLinkPage(), 404);
    if (st.kind === "gone") return c.html(gone(st.lang), 410);
    if (!(await service.useLink(c.env.DB, st.v))) return c.html(gone(st.lang), 410);
    return c.html(noticePage(st.lang, say(st.lang, "verify.done.heading"), say(st.lang, "verify.done.body")), 200);
  });
