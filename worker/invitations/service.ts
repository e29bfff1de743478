import { auditStatement } from "../audit/log";
import * as authData from "../auth/data";
import { hashPassword, passwordProblem } from "../auth/password";
import type { Auth } from "../auth/scope";
import { isKatakana, normalizeEmail, normalizeKana, normalizeSpaces, requireMobile } from "../directory/contact";
import { assertContactProbeAllowed, countContactProbe, type ProbeSource } from "../auth/ratelimit";
import * as dir from "../directory/data";
import { withFreshIds } from "../directory/ids";
import { canManageGroup } from "../directory/scope";
import { membershipRefusal, refusalError } from "../directory/service";
import { clock } from "../lib/clock";
import { randomToken, sha256Hex } from "../lib/crypto";
import { ApiError, badRequest, conflict, forbidden, notFound, jaEn, type Bilingual } from "../lib/errors";
import { maskAddress } from "../delivery/channels/sandbox";
import { sendDirect } from "../messages/send";
import { langOfPerson, say } from "../messages/wording";
import { loadSettings } from "../system/settings";
import * as patientData from "../patients/data";
import type { PersonLang } from "../directory/schemas";
import * as data from "./data";
import { INVITATION_DAYS, type Invitation, type InvitationCreate, type JoinForm } from "./schemas";

const DAY_MS = 86_400_000;
/** 32 random bytes = 256 bits, 43 base64url characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export const joinUrl = (env: Pick<Env, "PUBLIC_URL">, token: string) => `${env.PUBLIC_URL.replace(/\/+$/, "")}/join/${token}`;

/** The API view of an invitation (the address masked, never the token). */
export function present(i: data.InvitationRecord, now: number): Invitation {
  return {
    id: i.id,
    facilityId: i.facilityId,
    groupId: i.groupId,
    patientId: i.patientId,
    place: i.place,
    role: i.facilityId !== null ? i.role : null,
    name: i.name,
    channel: i.contactKind === "email" ? "email" : "sms",
    recipient: maskAddress(i.contactKind === "email" ? "email" : "sms", i.contactValue),
    message: i.message,
    lang: i.lang,
    invitedBy: i.invitedBy,
    state: data.stateOf(i, now),
    acceptedPersonId: i.acceptedPersonId,
    createdAt: new Date(i.createdAt).toISOString(),
    expiresAt: new Date(i.expiresAt).toISOString(),
  };
}

/** Where the invitation leads, checked against what the inviter may do. */
async function target(db: D1Database, auth: Auth, body: InvitationCreate): Promise<{ facilityId: number | null; groupId: number | null }> {
  if ((body.facilityId === undefined) === (body.groupId === undefined))
    throw badRequest("facilityId", jaEn("招待先は事業所かグループのどちらか1つです。", "Invite to one facility or one group: give facilityId or groupId."));
  if (body.facilityId !== undefined) {
    const f = await dir.findFacility(db, body.facilityId);
    if (!f || f.removedAt) throw badRequest("facilityId", jaEn("事業所が見つかりません。", "No such facility."));
    const refusal = membershipRefusal(auth, body.facilityId, { from: null, to: body.role });
    if (refusal) throw refusalError(refusal);
    return { facilityId: body.facilityId, groupId: null };
  }
  const group = await dir.findGroup(db, body.groupId!);
  if (!group || group.closedAt) throw badRequest("groupId", jaEn("開いているグループが見つかりません。", "No such open group."));
  if (group.kind !== "custom")
    throw badRequest(
      "groupId",
      group.kind === "facility"
        ? jaEn("事業所に加えるには、事業所に招待してください。", "To add someone to a facility, invite them to the facility (facilityId).")
        : jaEn("登録した人は全員ネットワークのグループにいます。", "Everyone registered is in the network group."),
    );
  if (!canManageGroup(auth, group, await dir.groupMembership(db, group.id, auth.personId)))
    throw forbidden(jaEn("このグループの管理者ではありません。", "You do not manage this group."));
  return { facilityId: null, groupId: group.id };
}

/** The invitee's address in its stored form. */
function addressOf(body: Pick<InvitationCreate, "email" | "mobile">, extraCountryCodes: readonly string[]): { kind: "email" | "mobile"; value: string } {
  if (body.email !== undefined && body.mobile !== undefined)
    throw badRequest(
      "mobile",
      jaEn("招待の送り先はメールか携帯電話のどちらか1つです。", "Send the invitation to one address: an email or a mobile number, not both."),
    );
  if (body.email !== undefined) return { kind: "email", value: normalizeEmail(body.email)! };
  if (body.mobile !== undefined) return { kind: "mobile", value: requireMobile(body.mobile, "mobile", { extraCountryCodes }) };
  throw badRequest(
    "email",
    jaEn("招待を送るメールアドレスか携帯電話番号を入れてください。", "Give the email address or the mobile number to send the invitation to."),
  );
}

/**
 * Creates an invitation and sends its link (email or SMS; the sandbox outbox locally).
 * When the channel refuses the message the invitation is withdrawn at once and the
 * caller gets 502: an invitation nobody received must not wait around.
 */
export async function createInvitation(
  env: Env,
  auth: Auth,
  body: InvitationCreate,
  probe: ProbeSource,
): Promise<{ invitation: Invitation; sent: boolean; sandbox: boolean }> {
  const db = env.DB;
  const place = await target(db, auth, body);
  const address = addressOf(body, (await loadSettings(env)).mobileExtraCountryCodes);
  // "Already a member" tells whose the address is: such answers are counted and limited.
  await assertContactProbeAllowed(db, probe, address.kind);
  const holder = await dir.contactHolder(db, address.kind, address.value);
  if (holder !== null) {
    const already =
      (place.facilityId !== null &&
        (await dir.activeMembership(db, holder, place.facilityId)) &&
        jaEn("この人はすでにこの事業所の職員です。", "This person already works at this facility.")) ||
      (place.groupId !== null &&
        (await dir.groupMembership(db, place.groupId, holder)) &&
        jaEn("この人はすでにこのグループのメンバーです。", "This person is already in this group."));
    if (already) {
      await countContactProbe(db, probe);
      throw conflict(address.kind, already);
    }
  }
  return issue(env, auth, {
    ...place,
    patientId: null,
    role: place.facilityId !== null ? body.role : "staff",
    personId: holder,
    name: normalizeSpaces(body.name),
    address,
    message: body.message,
    lang: body.lang,
  });
}

/** Who a patient group's invitation goes to: someone registered (by id), or someone outside the network (§4) by their address. */
export type PatientInvitee = { personId: number } | { name: string; email?: string; mobile?: string };

/**
 * Invites someone into a patient group (§4, §5). Who may invite is the patients
 * domain's rule (`mayManageGroup`), which its caller has applied; this sends the
 * invitation, which the invitee accepts or declines on /join/{token}. A registered
 * person is reached at their own address, never shown to the inviter; someone outside
 * the network registers themselves on accepting, as nobody's employee.
 */
export async function createPatientInvitation(
  env: Env,
  auth: Auth,
  patientId: number,
  invitee: PatientInvitee,
  opts: { message: string; lang?: PersonLang },
  probe: ProbeSource,
): Promise<{ invitation: Invitation; sent: boolean; sandbox: boolean }> {
  const db = env.DB;
  const now = clock.now();
  let personId: number | null;
  let name: string;
  let address: { kind: "email" | "mobile"; value: string };
  let lang: PersonLang = opts.lang ?? "ja";
  if ("personId" in invitee) {
    const person = await dir.findPerson(db, invitee.personId);
    if (!person || person.removedAt) throw badRequest("personId", jaEn("招待する人が見つかりません。", "No such person."));
    const found = await data.addressOfPerson(db, person.id);
    if (!found)
      throw badRequest(
        "personId",
        jaEn("この人には招待を送れるメールも携帯電話もありません。", "This person has no email or mobile to send the invitation to."),
      );
    if (await patientData.activeMember(db, patientId, person.id))
      throw conflict("personId", jaEn("この人はすでにこの患者グループのメンバーです。", "This person is already in this patient group."));
    personId = person.id;
    name = person.name;
    address = found;
    lang = opts.lang ?? langOfPerson(person.lang);
  } else {
    address = addressOf({ email: invitee.email, mobile: invitee.mobile }, (await loadSettings(env)).mobileExtraCountryCodes);
    await assertContactProbeAllowed(db, probe, address.kind);
    personId = await dir.contactHolder(db, address.kind, address.value);
    if (personId !== null && (await patientData.activeMember(db, patientId, personId))) {
      await countContactProbe(db, probe);
      throw conflict(address.kind, jaEn("この人はすでにこの患者グループのメンバーです。", "This person is already in this patient group."));
    }
    name = normalizeSpaces(invitee.name);
  }
  if (personId !== null && (await data.pendingPatientInvitationFor(db, patientId, personId, now)))
    throw conflict(
      "personId" in invitee ? "personId" : address.kind,
      jaEn("この人にはもう招待を送ってあります。承諾を待ってください。", "An invitation to this person is pending already."),
    );
  return issue(env, auth, { facilityId: null, groupId: null, patientId, role: "staff", personId, name, address, message: opts.message, lang });
}

/** Records an invitation (one batch with its audit entry) and sends its link. */
async function issue(
  env: Env,
  auth: Auth,
  i: {
    facilityId: number | null;
    groupId: number | null;
    patientId: number | null;
    role: data.InvitationRecord["role"];
    personId: number | null;
    name: string;
    address: { kind: "email" | "mobile"; value: string };
    message: string;
    lang: PersonLang;
  },
): Promise<{ invitation: Invitation; sent: boolean; sandbox: boolean }> {
  const db = env.DB;
  const address = i.address;
  const token = randomToken(32);
  const now = clock.now();
  const record: Omit<data.NewInvitation, "id"> = {
    tokenHash: await sha256Hex(token),
    facilityId: i.facilityId,
    groupId: i.groupId,
    patientId: i.patientId,
    role: i.role,
    personId: i.personId,
    name: i.name,
    contactKind: address.kind,
    contactValue: address.value,
    message: i.message.trim(),
    lang: i.lang,
    invitedBy: auth.personId,
    createdAt: now,
    expiresAt: now + INVITATION_DAYS * DAY_MS,
  };
  let id = 0;
  for (let attempt = 0; ; attempt++) {
    id = await data.nextInvitationId(db);
    try {
      await db.batch([
        data.insertInvitation(db, { ...record, id }),
        auditStatement(db, {
          actorId: auth.personId,
          action: "invitation.created",
          objectType: "invitation",
          objectId: id,
          detail: {
            facilityId: i.facilityId,
            groupId: i.groupId,
            ...(i.patientId !== null ? { patientId: i.patientId } : {}),
            role: record.role,
            channel: address.kind,
            existingPerson: i.personId,
          },
        }),
      ]);
      break;
    } catch (err) {
      if (attempt < 4 && data.isUniqueViolation(err, "invitations.id")) continue;
      throw err;
    }
  }
  const inv = (await data.findInvitation(db, id))!;
  const link = joinUrl(env, token);
  const vars = { place: inv.place, inviter: inv.inviterName, name: inv.name, message: inv.message, link, days: INVITATION_DAYS };
  const sent = await sendDirect(env, {
    kind: "invitation",
    channel: address.kind === "email" ? "email" : "sms",
    to: address.value,
    personId: i.personId,
    senderId: auth.personId,
    facilityId: i.facilityId,
    subject: say(inv.lang, "invite.subject", vars),
    text: say(inv.lang, address.kind === "email" ? "invite.email" : "invite.sms", vars),
    link,
  });
  if (!sent.ok) {
    const at = clock.now();
    await db.batch([
      data.claimOutcome(db, id, "revoked", at),
      data.markRevoked(db, id, at),
      auditStatement(db, {
        actorId: auth.personId,
        action: "invitation.send_failed",
        objectType: "invitation",
        objectId: id,
        detail: { error: sent.error.slice(0, 100) },
      }),
    ]);
    throw new ApiError(
      "send_failed",
      jaEn(
        `招待を送れなかったため取り消しました（${sent.error}）。宛先を確かめてもう一度お試しください。`,
        `The invitation could not be sent (${sent.error}); it was withdrawn. Check the address and try again.`,
      ),
      address.kind,
    );
  }
  return { invitation: present(inv, now), sent: true, sandbox: sent.sandbox };
}

/** Withdraws a pending invitation (its inviter, or an admin of its facility, or a network admin). */
export async function revokeInvitation(env: Env, auth: Auth, id: number, mayManage: (i: data.InvitationRecord) => boolean): Promise<Invitation> {
  const db = env.DB;
  const inv = await data.findInvitation(db, id);
  if (!inv || !mayManage(inv)) throw notFound(jaEn("招待", "invitation"));
  const now = clock.now();
  const state = data.stateOf(inv, now);
  if (state !== "pending")
    throw new ApiError(
      "conflict",
      jaEn(
        `この招待はすでに${({ accepted: "承諾", declined: "辞退", revoked: "取り消し", expired: "期限切れ" } as Record<string, string>)[state] ?? state}です。`,
        `This invitation is ${state} already.`,
      ),
      "id",
    );
  try {
    await db.batch([
      data.claimOutcome(db, id, "revoked", now),
      data.markRevoked(db, id, now),
      auditStatement(db, { actorId: auth.personId, action: "invitation.revoked", objectType: "invitation", objectId: id }),
    ]);
  } catch (err) {
    if (data.isUniqueViolation(err, "invitation_outcomes"))
      throw new ApiError("conflict", jaEn("この招待はその間に回答されました。", "This invitation was answered in the meantime."), "id");
    throw err;
  }
  return present((await data.findInvitation(db, id))!, now);
}

// ---------------------------------------------------------------- the invitee's side

export type JoinView =
  | { kind: "notfound" }
  | { kind: "gone"; invitation: data.InvitationRecord; reason: "expired" | "accepted" | "declined" | "revoked" }
  /** The invited address changed hands after the invitation was sent: refused, nothing changes. */
  | { kind: "moved"; invitation: data.InvitationRecord }
  | { kind: "open"; invitation: data.InvitationRecord; existingPersonId: number | null };

/**
 * What /join/{token} shows: not found, no longer usable (and why), or open.
 *
 * Who the invitation is for is decided here, once, for the page and the answer: the
 * holder of the invited address, who must be the one it was sent to (`personId`,
 * recorded at creation; null = nobody held it, so a new account). If the address has
 * moved to another account, or been taken or given up since, the invitation is
 * refused rather than bound to someone the inviter never chose: they send a new one.
 * The person signed in on the browser plays no part (the join routes never read the
 * session to decide).
 */
export async function openInvitation(env: Env, token: string): Promise<JoinView> {
  if (!TOKEN_SHAPE.test(token)) return { kind: "notfound" };
  const inv = await data.findByTokenHash(env.DB, await sha256Hex(token));
  if (!inv) return { kind: "notfound" };
  const state = data.stateOf(inv, clock.now());
  if (state !== "pending") return { kind: "gone", invitation: inv, reason: state };
  // A closed patient group takes nobody in (closing withdraws its invitations too).
  if (inv.patientId !== null && inv.patientClosedAt !== null) return { kind: "gone", invitation: inv, reason: "revoked" };
  const holder = await dir.contactHolder(env.DB, inv.contactKind, inv.contactValue);
  if (holder !== inv.personId) return { kind: "moved", invitation: inv };
  return { kind: "open", invitation: inv, existingPersonId: holder };
}

/** A problem with the join form: the page shows it next to the field. */
export class JoinProblem extends Error {
  constructor(
    readonly field: string,
    /** A wording key of the join page ("join.error.name"), or words of their own (a password rule). */
    readonly words: string | Bilingual,
  ) {
    super(typeof words === "string" ? words : words.en);
  }
}

export type JoinOutcome =
  | { kind: "accepted"; personId: number; newPerson: boolean; admin: boolean }
  | { kind: "declined" }
  /** Used, revoked or expired between showing the form and posting it. */
  | { kind: "gone" };

/**
 * Accepts or declines. A new invitee registers themselves here (name, reading and a
 * password under the policy); their address is verified by the invitation itself.
 * An existing account gains the membership or group and signs in as usual. A group
 * invitation never makes anyone a facility's employee (§4). Everything lands in one
 * batch with the invitation's single outcome, so a reused link changes nothing.
 */
/** The audit entry of an accepted invitation, in the same batch as the joining. */
const acceptedAudit = (db: D1Database, inv: data.InvitationRecord, personId: number, newPerson: boolean) =>
  auditStatement(db, {
    actorId: personId,
    action: "invitation.accepted",
    objectType: "invitation",
    objectId: inv.id,
    detail: {
      facilityId: inv.facilityId,
      groupId: inv.groupId,
      ...(inv.patientId !== null ? { patientId: inv.patientId } : {}),
      role: inv.facilityId !== null ? inv.role : null,
      newPerson,
    },
  });

export async function answerInvitation(env: Env, view: Extract<JoinView, { kind: "open" }>, form: JoinForm): Promise<JoinOutcome> {
  const db = env.DB;
  const inv = view.invitation;
  const now = clock.now();
  if (inv.expiresAt <= now) return { kind: "gone" };
  if (form.decision === "decline") {
    return guarded(async () => {
      await db.batch([
        data.claimOutcome(db, inv.id, "declined", now),
        data.markDeclined(db, inv.id, now),
        auditStatement(db, { actorId: view.existingPersonId, action: "invitation.declined", objectType: "invitation", objectId: inv.id }),
      ]);
      return { kind: "declined" };
    });
  }
  const admin = inv.facilityId !== null && (inv.role === "admin" || inv.role === "delegate");
  if (view.existingPersonId !== null) {
    const personId = view.existingPersonId;
    const joins: D1PreparedStatement[] = [];
    if (inv.facilityId !== null) {
      if (!(await dir.activeMembership(db, personId, inv.facilityId)))
        joins.push(...dir.addMembershipStatements(db, personId, inv.facilityId, inv.role, inv.invitedBy, now));
    } else if (inv.groupId !== null && !(await dir.groupMembership(db, inv.groupId, personId))) {
      joins.push(dir.addGroupMember(db, inv.groupId, personId, inv.invitedBy, now));
    } else if (inv.patientId !== null) {
      // The responsible physician joins as a manager (§3); anyone else as a member.
      const patient = await patientData.findPatient(db, inv.patientId);
      const role = patient?.physicianId === personId ? "manager" : "member";
      joins.push(patientData.addMember(db, { patientId: inv.patientId, personId, role, addedBy: inv.invitedBy, invitationId: inv.id, now }));
    }
    return guarded(async () => {
      await db.batch([
        data.claimOutcome(db, inv.id, "accepted", now),
        data.markAccepted(db, inv.id, personId, now),
        data.verifyContact(db, personId, inv.contactKind, inv.contactValue, now),
        ...joins,
        acceptedAudit(db, inv, personId, false),
      ]);
      return { kind: "accepted", personId, newPerson: false, admin };
    });
  }

  const name = normalizeSpaces(form.name || inv.name);
  if (!name.replace(/\s/g, "")) throw new JoinProblem("name", "join.error.name");
  const kana = normalizeKana(form.kana);
  if (!isKatakana(kana)) throw new JoinProblem("kana", "join.error.kana");
  const problem = passwordProblem(form.password, await loadSettings(env), [name, inv.contactValue]);
  if (problem) throw new JoinProblem("password", problem);
  if (form.password !== form.password2) throw new JoinProblem("password2", "join.error.mismatch");
  const hash = await hashPassword(form.password);
  return guarded(() =>
    withFreshIds(db, ["people"], async ([id]) => {
      const personId = id!;
      const joins =
        inv.facilityId !== null
          ? [...dir.addMembershipStatements(db, personId, inv.facilityId, inv.role, inv.invitedBy, now), dir.joinNetworkGroup(db, personId, inv.invitedBy, now)]
          : inv.patientId !== null
            ? [patientData.addMember(db, { patientId: inv.patientId, personId, role: "member", addedBy: inv.invitedBy, invitationId: inv.id, now })]
            : [dir.addGroupMember(db, inv.groupId!, personId, inv.invitedBy, now)];
      await db.batch([
        data.claimOutcome(db, inv.id, "accepted", now),
        dir.insertPerson(db, personId, { name, kana, job: "", lang: inv.lang, globalRole: null }, now),
        authData.setPassword(db, personId, hash, now),
        data.insertVerifiedContact(db, personId, inv.contactKind, inv.contactValue, now),
        data.markAccepted(db, inv.id, personId, now),
        ...joins,
        acceptedAudit(db, inv, personId, true),
      ]);
      return { kind: "accepted" as const, personId, newPerson: true, admin };
    }),
  );
}

/** A second outcome (reuse, double submit) or an address taken meanwhile fails the batch: nothing was written. */
async function guarded(write: () => Promise<JoinOutcome>): Promise<JoinOutcome> {
  try {
    return await write();
  } catch (err) {
    if (data.isUniqueViolation(err, "invitation_outcomes")) return { kind: "gone" };
    if (data.isUniqueViolation(err, "contacts.")) throw new JoinProblem("address", "join.error.address");
    throw err;
  }
}

/** The wording key of a join problem, or the policy's own sentence. */
export const problemText = (lang: Parameters<typeof say>[0], p: JoinProblem) =>
  typeof p.words === "string" ? say(lang, p.words) : lang === "ja" || lang === "ja-easy" ? p.words.ja : p.words.en;
