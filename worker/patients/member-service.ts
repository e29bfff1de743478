import { auditStatement } from "../audit/log";
import type { ProbeSource } from "../auth/ratelimit";
import type { Auth } from "../auth/scope";
import { createPatientInvitation, type PatientInvitee } from "../invitations/service";
import type { Invitation } from "../invitations/schemas";
import { clock } from "../lib/clock";
import { badRequest, conflict, notFound, jaEn } from "../lib/errors";
import * as data from "./data";
import type { PatientInvitationCreate, PatientMemberUpdate } from "./schemas";
import { mayManageGroup, mayRemoveMember, NOT_MANAGER, placeOf, refuse } from "./service";

/**
 * A patient group's members (§3–§5): invited by a manager, joining by accepting the
 * invitation themselves (worker/invitations), made read-only or removed by a manager,
 * leaving on their own. Leaving and removal end access at once; the row stays.
 */

/** Invites someone into the group (`mayManageGroup`): a registered person by id, or someone outside the network by address (§4). */
export async function invite(
  env: Env,
  auth: Auth,
  id: number,
  body: PatientInvitationCreate,
  probe: ProbeSource,
): Promise<{ invitation: Invitation; sent: boolean; sandbox: boolean }> {
  const place = await placeOf(env.DB, auth, id);
  refuse(place, mayManageGroup(place), NOT_MANAGER);
  const byAddress = body.email !== undefined || body.mobile !== undefined;
  if (body.personId !== undefined && (byAddress || body.name !== undefined))
    throw badRequest(
      "personId",
      jaEn("登録済みの人を選ぶか、名前と連絡先を入れるか、どちらか1つにしてください。", "Give personId, or a name with an email or mobile: not both."),
    );
  let invitee: PatientInvitee;
  if (body.personId !== undefined) invitee = { personId: body.personId };
  else {
    if (body.name === undefined)
      throw badRequest(
        "name",
        jaEn("招待する人を選ぶか、名前と連絡先を入れてください。", "Give personId, or the invitee's name with an email or mobile."),
        "required",
      );
    invitee = { name: body.name, email: body.email, mobile: body.mobile };
  }
  return createPatientInvitation(env, auth, id, invitee, { message: body.message, lang: body.lang }, probe);
}

/** Makes a member read-only (or not), or changes their role (`mayManageGroup`). */
export async function updateMember(db: D1Database, auth: Auth, id: number, personId: number, body: PatientMemberUpdate): Promise<void> {
  const place = await placeOf(db, auth, id);
  refuse(place, mayManageGroup(place), NOT_MANAGER);
  const target = await data.activeMember(db, id, personId);
  if (!target) throw notFound(jaEn("メンバー", "member"));
  const role = body.role ?? target.role;
  const readOnly = body.readOnly ?? (role === "manager" ? false : target.readOnly);
  if (personId === place!.patient.physicianId && (role !== "manager" || readOnly))
    throw conflict("role", jaEn("主治医は責任者として管理者のままです。", "The responsible physician stays a manager."));
  if (role === "manager" && readOnly)
    throw conflict("readOnly", jaEn("管理者は読むだけにできません。先にメンバーにしてください。", "A manager cannot be read-only; make them a member first."));
  if (target.role === "manager" && role !== "manager" && (await data.managerCount(db, id)) <= 1)
    throw conflict(
      "role",
      jaEn("管理者がいなくなります。先にほかの人を管理者にしてください。", "The group would have no manager; make someone else a manager first."),
    );
  if (role === target.role && readOnly === target.readOnly) return;
  await db.batch([
    data.setMemberRole(db, id, personId, { role, readOnly }),
    auditStatement(db, {
      actorId: auth.personId,
      action: "patient.member_changed",
      objectType: "patient",
      objectId: id,
      detail: { personId, role, readOnly },
    }),
  ]);
}

/**
 * Takes a member out (`mayRemoveMember`): a manager removes someone (for misuse too,
 * §3), or a member leaves (§5). Access ends at once; the membership stays in the
 * history. The responsible physician stays while the group is open (close it instead),
 * and the last manager cannot go without handing over.
 */
export async function removeMember(db: D1Database, auth: Auth, id: number, personId: number, reason: "removed" | "misuse"): Promise<void> {
  const place = await placeOf(db, auth, id);
  refuse(place, mayRemoveMember(auth, place, personId), NOT_MANAGER);
  const target = await data.activeMember(db, id, personId);
  if (!target) throw notFound(jaEn("メンバー", "member"));
  const self = personId === auth.personId;
  if (personId === place!.patient.physicianId)
    throw conflict(
      "personId",
      jaEn(
        "主治医は責任者なので外せません。使わなくなった患者グループは閉じてください。",
        "The responsible physician stays with the group; close the group when it is no longer used.",
      ),
    );
  if (target.role === "manager" && (await data.managerCount(db, id)) <= 1)
    throw conflict(
      "personId",
      jaEn("最後の管理者です。ほかの人を管理者にするか、患者グループを閉じてください。", "This is the last manager: hand over first, or close the group."),
    );
  const removal = self ? "left" : reason;
  await db.batch([
    data.endMember(db, id, personId, auth.personId, removal, clock.now()),
    auditStatement(db, {
      actorId: auth.personId,
      action: self ? "patient.left" : "patient.member_removed",
      objectType: "patient",
      objectId: id,
      detail: { personId, ...(self ? {} : { reason }) },
    }),
  ]);
}
