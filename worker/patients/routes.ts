import { z } from "@hono/zod-openapi";
import { authOf, route } from "../auth/access";
import { probeSource } from "../auth/ratelimit";
import { InvitationCreatedSchema } from "../invitations/schemas";
import { domainApp } from "../lib/app";
import { ApiError, badRequest, errorLang, jaEn } from "../lib/errors";
import { errorResponse, errorResponses, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { claimCheck, listChecks, myLiveChecks, recordCheck } from "./check-service";
import { readConsent, storeConsent } from "./consent";
import { invite, removeMember, updateMember } from "./member-service";
import { removePost, writePost } from "./post-service";
import {
  CandidateListSchema,
  CheckClaimSchema,
  CheckItemSchema,
  CheckListSchema,
  CheckParams,
  CheckPreviewSchema,
  CheckRecordedSchema,
  CheckRecordSchema,
  MyChecksSchema,
  CONSENT_MAX_BYTES,
  CONSENT_TYPES,
  ConsentStoredSchema,
  MemberRemovalQuery,
  PatientCreateSchema,
  PatientInvitationCreateSchema,
  PatientListSchema,
  PatientMemberParams,
  PatientMemberUpdateSchema,
  PatientOpenedSchema,
  PatientParams,
  PatientPostParams,
  PatientSchema,
  PatientSummarySchema,
  PatientUpdateSchema,
  PeopleQuerySchema,
  PostCreateSchema,
  PostPreviewSchema,
  PostRemovalQuery,
  PostStoredSchema,
  type ConsentType,
} from "./schemas";
import { closeGroup, findPeople, listMyPatients, openGroup, readPatient, summary, updatePatient } from "./service";

/**
 * Patient groups (患者グループ, §3–§5). Every route is open to any signed-in person at
 * the gate; the service decides for the one group: its members read it (404 for
 * everyone else, so that a patient's existence does not leak), its managers manage it.
 */

const TAG = "patients";
const state = { 409: errorResponse("Not possible in the group's state (the physician, the last manager, already removed)") };

const open = route({
  method: "post",
  path: "/api/patients",
  summary: "Open a patient group (§3): the patient, their disaster needs, the written consent and the responsible physician",
  description:
    "Only a doctor of a clinic or hospital, a care manager (居宅介護支援事業所, 地域包括支援センター) or a nurse of a visiting-nurse station opens one (403 otherwise). The opener is its first manager; a physician other than the opener is invited and joins when they accept.",
  tags: [TAG],
  access: "signed_in",
  request: { body: jsonBody(PatientCreateSchema) },
  responses: { 201: jsonOk(PatientOpenedSchema, "Opened"), ...errorResponses },
});

const list = route({
  method: "get",
  path: "/api/patients",
  summary: "The caller's open patient groups, high needs first (audited: it names patients)",
  tags: [TAG],
  access: "signed_in",
  responses: { 200: jsonOk(PatientListSchema), ...errorResponses },
});

// ---------------------------------------------------------------- patient checks of a roll-call

const checks = route({
  method: "get",
  path: "/api/rollcalls/{id}/patients",
  summary: "The caller's patient checks in this roll-call (患者さんの確認): those of their groups only, unchecked high-need first; audited",
  description: "An empty list for anyone who is a member of no group the roll-call checks (the board has the counts, without names).",
  tags: [TAG],
  access: "signed_in",
  request: { params: PatientParams },
  responses: { 200: jsonOk(CheckListSchema), ...errorResponses },
});

const mine = route({
  method: "get",
  path: "/api/patients/checks",
  summary: "The open roll-calls with patient checks of the caller's groups, with how many are unchecked: counts, no patient (not audited)",
  tags: [TAG],
  access: "signed_in",
  responses: { 200: jsonOk(MyChecksSchema), ...errorResponses },
});

const claim = route({
  method: "post",
  path: "/api/rollcalls/{id}/patients/{patientId}/claim",
  summary: "担当します: claim the check (members who may write), or let it go with release: true (its holder, a manager)",
  description: "409 `conflict` (field claim) once another member holds it; the message names them.",
  tags: [TAG],
  access: "signed_in",
  request: { params: CheckParams, body: { ...jsonBody(CheckClaimSchema), required: false } },
  responses: { 200: jsonOk(CheckItemSchema), ...errorResponses, 409: errorResponse("Another member holds the check, or the roll-call is not open") },
});

const check = route({
  method: "post",
  path: "/api/rollcalls/{id}/patients/{patientId}/check",
  summary: "Record the check: without confirm the answer is a preview and nothing is recorded; with confirm: true it is recorded (確定操作)",
  description: "power is asked of patients who depend on power (batteryHours with power battery). 409 once another member holds the check.",
  tags: [TAG],
  access: "signed_in",
  request: { params: CheckParams, body: jsonBody(CheckRecordSchema) },
  responses: {
    200: jsonOk(CheckPreviewSchema, "The preview: nothing recorded"),
    201: jsonOk(CheckRecordedSchema, "Recorded"),
    ...errorResponses,
    409: errorResponse("Another member holds the check, or the roll-call is not open"),
  },
});

const counts = route({
  method: "get",
  path: "/api/patients/summary",
  summary: "Open patient groups counted by district, need and 要介護度: no names, no addresses (network admins and the city viewer)",
  tags: [TAG],
  access: ["network_admin", "viewer"],
  responses: { 200: jsonOk(PatientSummarySchema), ...errorResponses },
});

const people = route({
  method: "get",
  path: "/api/patients/people",
  summary: "People of the network by name, to name the responsible physician or invite a member: names, jobs and facilities, never contacts",
  description: "For those who may open a patient group and the managers of one (403 for others).",
  tags: [TAG],
  access: "signed_in",
  request: { query: PeopleQuerySchema },
  responses: { 200: jsonOk(CandidateListSchema), ...errorResponses },
});

const read = route({
  method: "get",
  path: "/api/patients/{id}",
  summary: "The patient with needs, consent, members and posts: members only (404 to everyone else); every read audited",
  tags: [TAG],
  access: "signed_in",
  request: { params: PatientParams },
  responses: { 200: jsonOk(PatientSchema), ...errorResponses },
});

const update = route({
  method: "patch",
  path: "/api/patients/{id}",
  summary: "Change the patient's details, needs or serving facilities (managers)",
  tags: [TAG],
  access: "signed_in",
  request: { params: PatientParams, body: jsonBody(PatientUpdateSchema) },
  responses: { 200: jsonOk(PatientSchema), ...errorResponses },
});

const close = route({
  method: "post",
  path: "/api/patients/{id}/close",
  summary: "Close the group when it is no longer used (§3): access ends at once for every member, pending invitations are withdrawn, the history stays",
  tags: [TAG],
  access: "signed_in",
  request: { params: PatientParams },
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

const inviteRoute = route({
  method: "post",
  path: "/api/patients/{id}/invitations",
  summary: "Invite a member (managers): someone registered by personId, or someone outside the network by name and email or mobile (§4)",
  description:
    "The invitee accepts or declines on /join/{token} and judges whether joining is right (§5). The message and the join page name the group by its physician, never the patient. 502 `send_failed` when the channel refused the message.",
  tags: [TAG],
  access: "signed_in",
  request: { params: PatientParams, body: jsonBody(PatientInvitationCreateSchema) },
  responses: {
    201: jsonOk(InvitationCreatedSchema, "Created and sent"),
    ...errorResponses,
    409: errorResponse("Already a member, or already invited"),
    502: errorResponse("The message could not be sent"),
  },
});

const changeMember = route({
  method: "patch",
  path: "/api/patients/{id}/members/{personId}",
  summary: "Make a member read-only (or not), or change their role (managers)",
  tags: [TAG],
  access: "signed_in",
  request: { params: PatientMemberParams, body: jsonBody(PatientMemberUpdateSchema) },
  responses: { 200: jsonOk(OkSchema), ...errorResponses, ...state },
});

const dropMember = route({
  method: "delete",
  path: "/api/patients/{id}/members/{personId}",
  summary: "Remove a member (managers; reason=misuse for misuse), or leave (one's own personId): access ends at once, the history stays",
  tags: [TAG],
  access: "signed_in",
  request: { params: PatientMemberParams, query: MemberRemovalQuery },
  responses: { 200: jsonOk(OkSchema), ...errorResponses, ...state },
});

const post = route({
  method: "post",
  path: "/api/patients/{id}/posts",
  summary: "Write about this patient (§5): without confirm the answer is a preview and nothing is stored; with confirm: true the post is stored (確定操作)",
  tags: [TAG],
  access: "signed_in",
  request: { params: PatientParams, body: jsonBody(PostCreateSchema) },
  responses: { 200: jsonOk(PostPreviewSchema, "The preview: nothing stored"), 201: jsonOk(PostStoredSchema, "Stored"), ...errorResponses },
});

const dropPost = route({
  method: "delete",
  path: "/api/patients/{id}/posts/{postId}",
  summary: "Remove an inappropriate post (managers, network admins): members no longer see it; the text is kept and the removal audited",
  tags: [TAG],
  access: "signed_in",
  request: { params: PatientPostParams, query: PostRemovalQuery },
  responses: { 200: jsonOk(OkSchema), ...errorResponses, ...state },
});

const putConsent = route({
  method: "put",
  path: "/api/patients/{id}/consent",
  summary: "Upload the scanned 同意書 (managers): PDF, JPEG or PNG bytes with their Content-Type, at most 5 MB; it replaces the one before",
  tags: [TAG],
  access: "signed_in",
  request: {
    params: PatientParams,
    body: { required: true, content: Object.fromEntries(CONSENT_TYPES.map((t) => [t, { schema: z.string().openapi({ format: "binary" }) }])) },
  },
  responses: { 200: jsonOk(ConsentStoredSchema), ...errorResponses, 413: errorResponse("Over 5 MB (`field` is consent)") },
});

const getConsent = route({
  method: "get",
  path: "/api/patients/{id}/consent",
  summary: "The scanned 同意書: members only (404 to everyone else), every read audited, never cached",
  tags: [TAG],
  access: "signed_in",
  request: { params: PatientParams },
  responses: {
    200: { description: "The document", content: Object.fromEntries(CONSENT_TYPES.map((t) => [t, { schema: z.string().openapi({ format: "binary" }) }])) },
    ...errorResponses,
  },
});

/** The uploaded bytes, refused before reading when the declared length is already too much. */
async function consentBytes(req: Request): Promise<Uint8Array> {
  const tooBig = () =>
    new ApiError(
      "too_large",
      jaEn(`同意書は${CONSENT_MAX_BYTES / 1024 / 1024}MBまでです。`, `consent: at most ${CONSENT_MAX_BYTES / 1024 / 1024} MB.`),
      "consent",
    );
  if (Number(req.headers.get("content-length") ?? "0") > CONSENT_MAX_BYTES) throw tooBig();
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > CONSENT_MAX_BYTES) throw tooBig();
  if (bytes.length === 0) throw badRequest("consent", jaEn("同意書のファイルが空です。", "consent: the file is empty."));
  return bytes;
}

export const patientRoutes = domainApp()
  // The fixed paths before /api/patients/{id}.
  .openapi(counts, async (c) => c.json(await summary(c.env.DB, authOf(c)), 200))
  .openapi(people, async (c) => c.json(await findPeople(c.env.DB, authOf(c), c.req.valid("query")), 200))
  .openapi(open, async (c) => {
    const auth = authOf(c);
    const r = await openGroup(c.env, auth, c.req.valid("json"), probeSource(c, auth.personId));
    return c.json({ ...r.patient, physicianInvitation: r.physicianInvitation }, 201);
  })
  .openapi(mine, async (c) => c.json(await myLiveChecks(c.env.DB, authOf(c)), 200))
  .openapi(list, async (c) => c.json(await listMyPatients(c.env.DB, authOf(c)), 200))
  .openapi(checks, async (c) => c.json(await listChecks(c.env.DB, authOf(c), c.req.valid("param").id), 200))
  .openapi(claim, async (c) => {
    const { id, patientId } = c.req.valid("param");
    const body = c.req.header("content-length") === "0" || !c.req.header("content-type") ? { release: false } : c.req.valid("json");
    return c.json(await claimCheck(c.env, authOf(c), id, patientId, body.release), 200);
  })
  .openapi(check, async (c) => {
    const { id, patientId } = c.req.valid("param");
    const r = await recordCheck(c.env, authOf(c), id, patientId, c.req.valid("json"), errorLang(c.req.header("Accept-Language")));
    return r.recorded ? c.json(r, 201) : c.json(r, 200);
  })
  .openapi(read, async (c) => c.json(await readPatient(c.env.DB, authOf(c), c.req.valid("param").id), 200))
  .openapi(update, async (c) => c.json(await updatePatient(c.env.DB, authOf(c), c.req.valid("param").id, c.req.valid("json")), 200))
  .openapi(close, async (c) => {
    await closeGroup(c.env.DB, authOf(c), c.req.valid("param").id);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(inviteRoute, async (c) => {
    const auth = authOf(c);
    const r = await invite(c.env, auth, c.req.valid("param").id, c.req.valid("json"), probeSource(c, auth.personId));
    return c.json({ ...r.invitation, sent: r.sent, sandbox: r.sandbox }, 201);
  })
  .openapi(changeMember, async (c) => {
    const { id, personId } = c.req.valid("param");
    await updateMember(c.env.DB, authOf(c), id, personId, c.req.valid("json"));
    return c.json({ ok: true as const }, 200);
  })
  .openapi(dropMember, async (c) => {
    const { id, personId } = c.req.valid("param");
    await removeMember(c.env.DB, authOf(c), id, personId, c.req.valid("query").reason);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(post, async (c) => {
    const r = await writePost(c.env.DB, authOf(c), c.req.valid("param").id, c.req.valid("json"));
    return r.stored ? c.json(r, 201) : c.json(r, 200);
  })
  .openapi(dropPost, async (c) => {
    const { id, postId } = c.req.valid("param");
    await removePost(c.env.DB, authOf(c), id, postId, c.req.valid("query").reason);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(putConsent, async (c) => {
    const declared = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!(CONSENT_TYPES as readonly string[]).includes(declared))
      throw badRequest("consent", jaEn("同意書はPDF・JPEG・PNGのファイルを送ってください。", "consent: send a PDF, JPEG or PNG with its Content-Type."));
    const bytes = await consentBytes(c.req.raw);
    return c.json(await storeConsent(c.env, authOf(c), c.req.valid("param").id, declared as ConsentType, bytes), 200);
  })
  .openapi(getConsent, async (c) => {
    const doc = await readConsent(c.env, authOf(c), c.req.valid("param").id);
    return c.body(doc.body, 200, { "content-type": doc.type, "cache-control": "private, no-store", "content-disposition": "inline" });
  });
