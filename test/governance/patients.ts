/**
 * The patient groups' governed operations (§3–§5), for the table test: the answer
 * depends on the caller's place in the group, not their network role. Each run opens
 * a fresh group (a doctor of a clinic, its physician), puts the actor in one place
 * (not a member, member, read-only, manager, left, removed for misuse, member of a
 * closed group), runs the path and checks what changed.
 */
import { env } from "cloudflare:test";
import type { Role } from "../../worker/auth/scope";
import { makePerson, uniq } from "../support/factories";
import { api, json } from "../support/http";
import { makeDoctor, memberRow, type Opener, openPatient, type PlaceKind, placeIn } from "../support/patients";
import type { Operation, Outcome, Path, World } from "./operations";

const A: Outcome = "allowed";
const R: Outcome = "refused";
const ROLES: Role[] = ["network_admin", "facility_admin", "delegate", "staff", "viewer"];
export const PLACES: readonly PlaceKind[] = ["stranger", "member", "readOnly", "manager", "left", "removed", "closed"];

function outcomeOf(res: Response): Outcome {
  if (res.status >= 200 && res.status < 300) return A;
  if ([401, 403, 404, 409, 422].includes(res.status)) return R;
  throw new Error(`unexpected ${res.status}`);
}

/** The same answer for every role: the place decides. */
function byPlace(answers: Record<PlaceKind, Outcome>): Record<Role, Record<string, Outcome>> {
  const out = {} as Record<Role, Record<string, Outcome>>;
  for (const r of ROLES) out[r] = { ...answers };
  return out;
}

const READERS: Record<PlaceKind, Outcome> = { stranger: R, member: A, readOnly: A, manager: A, left: R, removed: R, closed: R };
const WRITERS: Record<PlaceKind, Outcome> = { ...READERS, readOnly: R };
const MANAGERS: Record<PlaceKind, Outcome> = { stranger: R, member: R, readOnly: R, manager: A, left: R, removed: R, closed: R };

let doctor: Promise<Opener> | null = null;
const opener = () => {
  doctor ??= makeDoctor();
  return doctor;
};

const PDF = new TextEncoder().encode("%PDF-1.4\n% governance\n");

/** A fresh group with a scanned consent and one other member, and the actor put in `place`. */
async function groupFor(w: World, role: Role, place: string): Promise<{ id: number; other: number }> {
  const doc = await opener();
  const p = await openPatient(doc.cookie);
  const up = await api("PUT", `/api/patients/${p.id}/consent`, { cookie: doc.cookie, body: PDF, headers: { "content-type": "application/pdf" } });
  if (up.status !== 200) throw new Error(`consent upload ${up.status}`);
  const other = await makePerson({ password: null });
  await placeIn(p.id, other.id, "member", doc.id);
  await placeIn(p.id, w.actors[role].id, place as PlaceKind, doc.id);
  return { id: p.id, other: other.id };
}

const path = (route: string, file: string, run: Path["run"]): Path => ({ route, file, run });

const patientRead: Operation = {
  sinks: ["patientPosts", "patientMembers", "myPatients", "consentRecord"],
  objects: PLACES,
  expected: byPlace(READERS),
  paths: [
    path("GET /api/patients/:id", "worker/patients/service.ts", async (w, role, place) => {
      const g = await groupFor(w, role, place);
      return outcomeOf(await api("GET", `/api/patients/${g.id}`, { cookie: w.actors[role].cookie }));
    }),
    path("GET /api/patients", "worker/patients/service.ts", async (w, role, place) => {
      const g = await groupFor(w, role, place);
      const res = await api("GET", "/api/patients", { cookie: w.actors[role].cookie });
      if (res.status !== 200) return outcomeOf(res);
      return (await json<{ items: { id: number }[] }>(res)).items.some((i) => i.id === g.id) ? A : R;
    }),
    path("GET /api/patients/:id/consent", "worker/patients/consent.ts", async (w, role, place) => {
      const g = await groupFor(w, role, place);
      return outcomeOf(await api("GET", `/api/patients/${g.id}/consent`, { cookie: w.actors[role].cookie }));
    }),
  ],
};

const postCount = async (id: number) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM patient_posts WHERE patient_id = ?1").bind(id).first<{ n: number }>())!.n;

const patientPost: Operation = {
  sinks: ["insertPost"],
  objects: PLACES,
  expected: byPlace(WRITERS),
  paths: [
    path("POST /api/patients/:id/posts", "worker/patients/post-service.ts", async (w, role, place) => {
      const g = await groupFor(w, role, place);
      const outcome = outcomeOf(
        await api("POST", `/api/patients/${g.id}/posts`, { cookie: w.actors[role].cookie, body: { text: "訪問しました", confirm: true } }),
      );
      if ((await postCount(g.id)) !== (outcome === A ? 1 : 0)) throw new Error(`posts after ${outcome}`);
      return outcome;
    }),
  ],
};

const patientManage: Operation = {
  sinks: ["updatePatientRow", "setMemberRole", "endMember", "closePatient", "setConsentDocument", "createPatientInvitation"],
  objects: PLACES,
  expected: byPlace(MANAGERS),
  paths: [
    path("PATCH /api/patients/:id", "worker/patients/service.ts", async (w, role, place) => {
      const g = await groupFor(w, role, place);
      const address = `小金井市東町${uniq()}`;
      const outcome = outcomeOf(await api("PATCH", `/api/patients/${g.id}`, { cookie: w.actors[role].cookie, body: { address } }));
      const r = await env.DB.prepare("SELECT address FROM patients WHERE id = ?1").bind(g.id).first<{ address: string }>();
      if ((r!.address === address) !== (outcome === A)) throw new Error(`address after ${outcome}`);
      return outcome;
    }),
    path("POST /api/patients/:id/close", "worker/patients/service.ts", async (w, role, place) => {
      const g = await groupFor(w, role, place);
      const before = await env.DB.prepare("SELECT closed_at FROM patients WHERE id = ?1").bind(g.id).first<{ closed_at: number | null }>();
      const outcome = outcomeOf(await api("POST", `/api/patients/${g.id}/close`, { cookie: w.actors[role].cookie }));
      const after = await env.DB.prepare("SELECT closed_at FROM patients WHERE id = ?1").bind(g.id).first<{ closed_at: number | null }>();
      if ((outcome === A) !== (before!.closed_at === null && after!.closed_at !== null)) throw new Error(`closed after ${outcome}`);
      return outcome;
    }),
    path("POST /api/patients/:id/invitations", "worker/patients/member-service.ts", async (w, role, place) => {
      const g = await groupFor(w, role, place);
      const invitee = await makePerson({ password: null });
      const outcome = outcomeOf(await api("POST", `/api/patients/${g.id}/invitations`, { cookie: w.actors[role].cookie, body: { personId: invitee.id } }));
      const n = (await env.DB.prepare("SELECT COUNT(*) AS n FROM invitations WHERE patient_id = ?1 AND person_id = ?2")
        .bind(g.id, invitee.id)
        .first<{ n: number }>())!.n;
      if (n !== (outcome === A ? 1 : 0)) throw new Error(`invitations after ${outcome}`);
      return outcome;
    }),
    path("PATCH /api/patients/:id/members/:personId", "worker/patients/member-service.ts", async (w, role, place) => {
      const g = await groupFor(w, role, place);
      const outcome = outcomeOf(await api("PATCH", `/api/patients/${g.id}/members/${g.other}`, { cookie: w.actors[role].cookie, body: { readOnly: true } }));
      if (((await memberRow(g.id, g.other))?.read_only === 1) !== (outcome === A)) throw new Error(`read-only after ${outcome}`);
      return outcome;
    }),
    path("DELETE /api/patients/:id/members/:personId", "worker/patients/member-service.ts", async (w, role, place) => {
      const g = await groupFor(w, role, place);
      const outcome = outcomeOf(await api("DELETE", `/api/patients/${g.id}/members/${g.other}?reason=misuse`, { cookie: w.actors[role].cookie }));
      if (((await memberRow(g.id, g.other)) === null) !== (outcome === A)) throw new Error(`membership after ${outcome}`);
      return outcome;
    }),
    path("PUT /api/patients/:id/consent", "worker/patients/consent.ts", async (w, role, place) => {
      const g = await groupFor(w, role, place);
      const key = async () => (await env.DB.prepare("SELECT consent_key FROM patients WHERE id = ?1").bind(g.id).first<{ consent_key: string }>())!.consent_key;
      const before = await key();
      const outcome = outcomeOf(
        await api("PUT", `/api/patients/${g.id}/consent`, { cookie: w.actors[role].cookie, body: PDF, headers: { "content-type": "application/pdf" } }),
      );
      if ((before !== (await key())) !== (outcome === A)) throw new Error(`consent after ${outcome}`);
      return outcome;
    }),
  ],
};

/** Managers remove posts; so do the network admins, who watch over them without being members (§5); nobody once closed. */
const postRemove: Operation = {
  sinks: ["hidePost"],
  objects: PLACES,
  expected: { ...byPlace(MANAGERS), network_admin: { stranger: A, member: A, readOnly: A, manager: A, left: A, removed: A, closed: R } },
  paths: [
    path("DELETE /api/patients/:id/posts/:postId", "worker/patients/post-service.ts", async (w, role, place) => {
      const doc = await opener();
      const p = await openPatient(doc.cookie);
      const res = await api("POST", `/api/patients/${p.id}/posts`, { cookie: doc.cookie, body: { text: "不適切かもしれない書き込み", confirm: true } });
      const { post } = await json<{ post: { id: number } }>(res);
      await placeIn(p.id, w.actors[role].id, place as PlaceKind, doc.id);
      const outcome = outcomeOf(await api("DELETE", `/api/patients/${p.id}/posts/${post.id}`, { cookie: w.actors[role].cookie }));
      const r = await env.DB.prepare("SELECT removed_at FROM patient_posts WHERE id = ?1").bind(post.id).first<{ removed_at: number | null }>();
      if ((r!.removed_at !== null) !== (outcome === A)) throw new Error(`post removed=${r!.removed_at !== null} after ${outcome}`);
      return outcome;
    }),
  ],
};

/** A check of the fresh group's patient in the world's live roll-call (fixed at a confirm in life; straight in D1 here). */
async function checkFor(w: World, role: Role, place: string): Promise<{ rc: number; id: number }> {
  const g = await groupFor(w, role, place);
  await env.DB.prepare("INSERT INTO patient_checks (rollcall_id, patient_id) VALUES (?1, ?2)").bind(w.rollcalls.both, g.id).run();
  return { rc: w.rollcalls.both, id: g.id };
}

const checkRow = (rc: number, id: number) =>
  env.DB.prepare("SELECT claimed_by, checked_by FROM patient_checks WHERE rollcall_id = ?1 AND patient_id = ?2")
    .bind(rc, id)
    .first<{ claimed_by: number | null; checked_by: number | null }>();

/** A roll-call's patient checks, with names: members only (the board has counts). */
const checkRead: Operation = {
  sinks: ["myChecks"],
  objects: PLACES,
  expected: byPlace(READERS),
  paths: [
    path("GET /api/rollcalls/:id/patients", "worker/patients/check-service.ts", async (w, role, place) => {
      const k = await checkFor(w, role, place);
      const res = await api("GET", `/api/rollcalls/${k.rc}/patients`, { cookie: w.actors[role].cookie });
      if (res.status !== 200) return outcomeOf(res);
      return (await json<{ items: { patientId: number }[] }>(res)).items.some((i) => i.patientId === k.id) ? A : R;
    }),
  ],
};

/** Claiming and recording a check: members who may write (not read-only), of an open group. */
const checkWrite: Operation = {
  sinks: ["holdCheck", "writeCheck", "dropClaim"],
  objects: PLACES,
  expected: byPlace(WRITERS),
  paths: [
    path("POST /api/rollcalls/:id/patients/:patientId/claim", "worker/patients/check-service.ts", async (w, role, place) => {
      const k = await checkFor(w, role, place);
      const outcome = outcomeOf(await api("POST", `/api/rollcalls/${k.rc}/patients/${k.id}/claim`, { cookie: w.actors[role].cookie, body: {} }));
      if (((await checkRow(k.rc, k.id))!.claimed_by === w.actors[role].id) !== (outcome === A)) throw new Error(`claim after ${outcome}`);
      return outcome;
    }),
    path("POST /api/rollcalls/:id/patients/:patientId/check", "worker/patients/check-service.ts", async (w, role, place) => {
      const k = await checkFor(w, role, place);
      const body = { result: "safe", power: "secured", confirm: true };
      const outcome = outcomeOf(await api("POST", `/api/rollcalls/${k.rc}/patients/${k.id}/check`, { cookie: w.actors[role].cookie, body }));
      if (((await checkRow(k.rc, k.id))!.checked_by === w.actors[role].id) !== (outcome === A)) throw new Error(`check after ${outcome}`);
      return outcome;
    }),
  ],
};

export const patientOperations: Record<string, Operation> = {
  "patient.check_read": checkRead,
  "patient.check": checkWrite,
  "patient.read": patientRead,
  "patient.post": patientPost,
  "patient.manage": patientManage,
  "patient.remove_post": postRemove,
};
