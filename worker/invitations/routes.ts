import { issueText } from "../lib/validation";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { authOf, route } from "../auth/access";
import { ADMINS } from "../auth/roles";
import { isNetworkAdmin, managedFacilityIds, type Auth } from "../auth/scope";
import { findAccount } from "../auth/data";
import { completeSignIn, resolveSession } from "../auth/session";
import type { AppEnv } from "../env";
import { domainApp } from "../lib/app";
import { probeSource } from "../auth/ratelimit";
import { clock } from "../lib/clock";
import { forbidden, jaEn } from "../lib/errors";
import { errorResponse, errorResponses, htmlPage, IdParam, jsonBody, jsonOk, TokenParam } from "../lib/schemas";
import { audit } from "../audit/log";
import { loadSettings } from "../system/settings";
import * as data from "./data";
import { noStore, unknownLinkPage } from "../messages/page";
import { declinedPage, gonePage, joinedPage, joinPage, movedPage } from "./page";
import { InvitationCreatedSchema, InvitationCreateSchema, InvitationListQuery, InvitationListSchema, InvitationSchema, JoinFormSchema } from "./schemas";
import { answerInvitation, createInvitation, JoinProblem, openInvitation, present, problemText, revokeInvitation } from "./service";

const TAG = "invitations";

const create = route({
  method: "post",
  path: "/api/invitations",
  summary: "Invite someone by email or SMS to one's facility (with a role) or to a custom group one manages (§4, §5)",
  description:
    "The invitee accepts or declines on /join/{token} (a 256-bit token, stored hashed, valid 7 days). 502 `send_failed` when the channel refused the message; the invitation is then withdrawn.",
  tags: [TAG],
  access: ADMINS,
  request: { body: jsonBody(InvitationCreateSchema) },
  responses: {
    201: jsonOk(InvitationCreatedSchema, "Created and sent"),
    ...errorResponses,
    409: errorResponse("Already a member (`field` names the address)"),
    502: errorResponse("The message could not be sent"),
  },
});

const list = route({
  method: "get",
  path: "/api/invitations",
  summary: "Invitations of one's facilities and those one sent (network admins: all), newest first",
  tags: [TAG],
  access: ADMINS,
  request: { query: InvitationListQuery },
  responses: { 200: jsonOk(InvitationListSchema), ...errorResponses },
});

const revoke = route({
  method: "delete",
  path: "/api/invitations/{id}",
  summary: "Withdraw a pending invitation; its link then shows that it was withdrawn",
  tags: [TAG],
  access: ADMINS,
  request: { params: IdParam },
  responses: {
    200: jsonOk(InvitationSchema),
    ...errorResponses,
    409: errorResponse("Not pending any more"),
  },
});

const show = route({
  method: "get",
  path: "/join/{token}",
  summary: "Join page: who invites, to what and why, with accept (setting a password) and decline; server-rendered, no JavaScript",
  tags: [TAG],
  access: "public", // the token is the proof
  request: { params: TokenParam },
  responses: {
    200: htmlPage("The invitation (with a note when the browser is signed in as someone other than the invitee)"),
    404: htmlPage("Unknown link"),
    410: htmlPage("Expired, used, declined or withdrawn, or the invited address has changed hands since it was sent"),
  },
});

const answer = route({
  method: "post",
  path: "/join/{token}",
  summary: "Accept (decision=accept, name, kana, password, password2) or decline (decision=decline) an invitation",
  tags: [TAG],
  access: "public",
  request: { params: TokenParam },
  responses: {
    200: htmlPage("Joined (a new account is signed in) or declined"),
    400: htmlPage("A field is wrong; the form is shown again naming it"),
    404: htmlPage("Unknown link"),
    410: htmlPage("Expired, used, declined or withdrawn, or the invited address has changed hands: nothing changed"),
  },
});

/** Who may see and withdraw an invitation: its inviter, an admin of its facility, a network admin. */
const mayManage = (auth: Auth) => (i: data.InvitationRecord) =>
  isNetworkAdmin(auth) || i.invitedBy === auth.personId || (i.facilityId !== null && managedFacilityIds(auth).includes(i.facilityId));

/**
 * Whether the browser is signed in as someone other than the invitee (`invitee` null:
 * a new account). Only for the page's note: who the invitation is for is the
 * service's decision (`openInvitation`), never the session's.
 */
async function otherSignedIn(c: Context<AppEnv>, invitee: number | null): Promise<boolean> {
  const auth = await resolveSession(c);
  return auth !== null && auth.personId !== invitee;
}

async function joinForm(c: Context<AppEnv>) {
  const body = await c.req.parseBody();
  const pick = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : undefined);
  return JoinFormSchema.safeParse({
    decision: pick("decision"),
    name: pick("name"),
    kana: pick("kana"),
    password: pick("password"),
    password2: pick("password2"),
  });
}

export const invitationRoutes = domainApp();
invitationRoutes.use("/join/*", bodyLimit({ maxSize: 8 * 1024 }));
invitationRoutes
  .openapi(create, async (c) => {
    const auth = authOf(c);
    const r = await createInvitation(c.env, auth, c.req.valid("json"), probeSource(c, auth.personId));
    return c.json({ ...r.invitation, sent: r.sent, sandbox: r.sandbox }, 201);
  })
  .openapi(list, async (c) => {
    const auth = authOf(c);
    const q = c.req.valid("query");
    const facilityIds = isNetworkAdmin(auth) ? null : managedFacilityIds(auth);
    if (q.facilityId && facilityIds && !facilityIds.includes(q.facilityId))
      throw forbidden(jaEn("見られるのは自分の事業所の招待だけです。", "You may list only your own facilities' invitations."));
    const now = clock.now();
    const rows = await data.listInvitations(c.env.DB, { ...q, facilityIds, inviterId: auth.personId, now });
    // The list shows masked addresses only; reading it is still a read of contact data (audited).
    await audit(c.env.DB, { actorId: auth.personId, action: "invitations.read", detail: { items: rows.length } });
    return c.json({ items: rows.map((r) => present(r, now)), next: rows.length === q.limit ? rows[rows.length - 1]!.id : null }, 200);
  })
  .openapi(revoke, async (c) => {
    const auth = authOf(c);
    return c.json(await revokeInvitation(c.env, auth, c.req.valid("param").id, mayManage(auth)), 200);
  })
  .openapi(show, async (c) => {
    noStore(c);
    const view = await openInvitation(c.env, c.req.valid("param").token);
    if (view.kind === "notfound") return c.html(unknownLinkPage(), 404);
    if (view.kind === "gone") return c.html(gonePage(view.invitation, view.reason), 410);
    if (view.kind === "moved") return c.html(movedPage(view.invitation), 410);
    const settings = await loadSettings(c.env);
    const other = await otherSignedIn(c, view.existingPersonId);
    return c.html(joinPage(view.invitation, { existing: view.existingPersonId !== null, minLength: settings.passwordMinLength, otherSignedIn: other }), 200);
  })
  .openapi(answer, async (c) => {
    noStore(c);
    const view = await openInvitation(c.env, c.req.valid("param").token);
    if (view.kind === "notfound") return c.html(unknownLinkPage(), 404);
    if (view.kind === "gone") return c.html(gonePage(view.invitation, view.reason), 410);
    if (view.kind === "moved") return c.html(movedPage(view.invitation), 410);
    const inv = view.invitation;
    const minLength = (await loadSettings(c.env)).passwordMinLength;
    const existing = view.existingPersonId !== null;
    const other = await otherSignedIn(c, view.existingPersonId);
    const parsed = await joinForm(c);
    if (!parsed.success) {
      const field = String(parsed.error.issues[0]?.path[0] ?? "decision");
      const text =
        field === "decision"
          ? problemText(inv.lang, new JoinProblem("decision", "join.error.decision"))
          : problemText(inv.lang, new JoinProblem(field, issueText(parsed.error.issues[0]!, field)));
      return c.html(joinPage(inv, { existing, minLength, otherSignedIn: other, error: { field, text } }), 400);
    }
    const form = parsed.data;
    try {
      const outcome = await answerInvitation(c.env, view, form);
      if (outcome.kind === "gone") {
        const again = await openInvitation(c.env, c.req.valid("param").token);
        return c.html(gonePage(inv, again.kind === "gone" ? again.reason : "accepted"), 410);
      }
      if (outcome.kind === "declined") return c.html(declinedPage(inv), 200);
      const account = outcome.newPerson ? await findAccount(c.env.DB, outcome.personId) : null;
      if (account) await completeSignIn(c, account, "invitation");
      return c.html(joinedPage(inv, { newPerson: outcome.newPerson, admin: outcome.admin, appUrl: "/", otherSignedIn: other && !outcome.newPerson }), 200);
    } catch (err) {
      if (!(err instanceof JoinProblem)) throw err;
      return c.html(
        joinPage(inv, {
          existing,
          minLength,
          otherSignedIn: other,
          values: { name: form.name, kana: form.kana },
          error: { field: err.field, text: problemText(inv.lang, err) },
        }),
        400,
      );
    }
  });
