import { auditIfChangedStatement, auditStatement } from "../audit/log";
import { endPatientAccessStatement } from "../patients/data";
import { isNetworkAdmin, type Auth, type FacilityRole, type GlobalRole } from "../auth/scope";
import { clock } from "../lib/clock";
import { conflict, forbidden, notFound, jaEn, type Bilingual } from "../lib/errors";
import * as data from "./data";
import type { Membership, MembershipRole } from "./schemas";
import { appointableRoles, canDeregister, canEditPerson, managesPerson } from "./scope";

/**
 * The directory's governed decisions (§2, §5): who may give, change or take away a
 * facility role, and who may change a person's profile and contacts. Every path
 * that does one of these (the REST routes, the CSV import, invitations, the
 * self-service contact routes) asks here, row by row, and presents the refusal
 * its own way: a 403 for a route, a row problem for the import.
 */

/** Why a membership change is refused. Codes are machine words; the messages are read by people. */
export type MembershipRefusal =
  | { code: "not_your_facility"; message: Bilingual }
  | { code: "role_not_appointable"; message: Bilingual; field: "role" }
  | { code: "role_not_changeable"; message: Bilingual; field: "role" }
  | { code: "person_elsewhere"; message: Bilingual };

/** A refused membership change as a route answers it: 403 naming the field. */
export const refusalError = (r: MembershipRefusal) => forbidden(r.message, "field" in r ? r.field : undefined);

const ROLE_WORDS: Record<FacilityRole, string> = { admin: "管理者", delegate: "管理者の代行", staff: "一般" };

/**
 * May the caller move this person's role in the facility from `from` to `to`?
 * `from` null: the person joins the facility; `to` null: they leave it. A no-op
 * (`from === to`) in one's own facility is no change and is not refused.
 * - A network admin gives any role (facility admins are registered by them, §2).
 * - A facility admin gives and takes away delegates and staff; a delegate, staff
 *   only (delegates act under the admin who appointed them, §2).
 * - Nobody changes or removes a holder of a role they could not have given.
 * - An existing person who works elsewhere joins by an invitation they accept (§4, §5).
 */
export function membershipRefusal(
  auth: Auth,
  facilityId: number,
  change: {
    from: FacilityRole | null;
    to: FacilityRole | null;
    /** The person, when they already have an account (absent: registered by this change). */
    person?: { memberships: readonly { facilityId: number }[] };
  },
): MembershipRefusal | null {
  const roles = appointableRoles(auth, facilityId);
  if (!roles.size)
    return { code: "not_your_facility", message: jaEn("自分の事業所の職員だけを変更できます。", "You may change only the people of your own facilities.") };
  if (change.from === change.to) return null;
  if (change.to !== null && !roles.has(change.to))
    return {
      code: "role_not_appointable",
      field: "role",
      message: jaEn(`「${ROLE_WORDS[change.to]}」の役割は付けられません。`, `You may not give the role "${change.to}".`),
    };
  if (change.from !== null && !roles.has(change.from))
    return {
      code: "role_not_changeable",
      field: "role",
      message: jaEn(`「${ROLE_WORDS[change.from]}」の役割は変更できません。`, `You may not change the role "${change.from}".`),
    };
  if (change.from === null && change.person && !isNetworkAdmin(auth) && !managesPerson(auth, change.person.memberships))
    return {
      code: "person_elsewhere",
      message: jaEn(
        "ほかの事業所の人は招待してください。本人が招待を受けて参加します。",
        "Invite people from other facilities; they accept the invitation themselves.",
      ),
    };
  return null;
}

/** The person as the edit rule needs them. */
export interface EditablePerson {
  id: number;
  globalRole: GlobalRole | null;
}

/**
 * May the caller change this person's profile and contacts (name, reading, job,
 * language, email, mobile)? Themselves, a network admin, or someone who could
 * have appointed them in one of their facilities. Also the rule for ending their
 * sessions (remote wipe, §7).
 */
export function mayEditPerson(auth: Auth, person: EditablePerson, memberships: readonly { facilityId: number; role: FacilityRole }[]): boolean {
  return canEditPerson(auth, person, memberships);
}

/** May the caller deregister this person entirely (§5)? */
export function mayDeregister(auth: Auth, person: EditablePerson, memberships: readonly { facilityId: number; role: FacilityRole }[]): boolean {
  return canDeregister(auth, person, memberships);
}

/**
 * The form under which facility names must be unique, and under which the CSV
 * import matches them: NFKC (half-width ｸﾘﾆｯｸ is クリニック, full-width Ａ is A), no spaces.
 */
export const facilityNameKey = (name: string) => name.normalize("NFKC").replace(/\s+/g, "");

/**
 * Refuses (409, naming the other facility) a name that another active facility
 * already has under `facilityNameKey`, so no look-alike can stand beside it.
 */
export async function assertFacilityNameFree(db: D1Database, name: string, exceptId: number | null): Promise<void> {
  const key = facilityNameKey(name);
  const other = (await data.activeFacilityNames(db)).find((f) => f.id !== exceptId && facilityNameKey(f.name) === key);
  if (other)
    throw conflict(
      "name",
      jaEn(
        `「${other.name}」と同じ名前です（全角・半角や空白の違いは同じ名前とみなします）。別の名前にしてください。`,
        `This is the name of 「${other.name}」 (width and spaces do not count). Choose another name.`,
      ),
    );
}

// ---------------------------------------------------------------- facility memberships (REST)

const membershipOf = (m: data.MembershipRecord): Membership => ({
  personId: m.personId,
  facilityId: m.facilityId,
  role: m.role,
  appointedBy: m.appointedBy,
  createdAt: new Date(m.createdAt).toISOString(),
});

/** Gives a person a role in a facility, or changes it (membershipRefusal); the same role again changes nothing. */
export async function setMembership(db: D1Database, auth: Auth, facilityId: number, personId: number, role: MembershipRole): Promise<Membership> {
  const facility = await data.findFacility(db, facilityId);
  if (!facility || facility.removedAt) throw notFound(jaEn("事業所", "facility"));
  const person = await data.findPerson(db, personId);
  if (!person || person.removedAt) throw notFound(jaEn("職員", "person"));
  const existing = await data.activeMembership(db, personId, facilityId);
  const memberships = (await data.membershipsOf(db, [personId])).get(personId) ?? [];
  const refusal = membershipRefusal(auth, facilityId, { from: existing?.role ?? null, to: role, person: { memberships } });
  if (refusal) throw refusalError(refusal);
  const now = clock.now();
  if (existing) {
    if (existing.role === role) return membershipOf(existing);
    await db.batch([
      ...data.changeRoleStatements(db, existing, role, auth.personId, now),
      auditStatement(db, {
        actorId: auth.personId,
        action: "membership.role_changed",
        objectType: "person",
        objectId: personId,
        detail: { facilityId, from: existing.role, to: role },
      }),
    ]);
  } else {
    await db.batch([
      ...data.addMembershipStatements(db, personId, facilityId, role, auth.personId, now),
      auditStatement(db, { actorId: auth.personId, action: "membership.added", objectType: "person", objectId: personId, detail: { facilityId, role } }),
    ]);
  }
  return membershipOf((await data.activeMembership(db, personId, facilityId))!);
}

/** Takes a person out of a facility and its group (membershipRefusal); 403 outside one's facilities before 404. */
export async function endMembership(db: D1Database, auth: Auth, facilityId: number, personId: number): Promise<void> {
  const existing = await data.activeMembership(db, personId, facilityId);
  const refusal = membershipRefusal(auth, facilityId, { from: existing?.role ?? "staff", to: null });
  if (refusal?.code === "not_your_facility") throw refusalError(refusal);
  if (!existing) throw notFound(jaEn("所属", "membership"));
  if (refusal) throw refusalError(refusal);
  const now = clock.now();
  await db.batch([
    ...data.endMembershipStatements(db, personId, facilityId, now),
    auditStatement(db, {
      actorId: auth.personId,
      action: "membership.ended",
      objectType: "person",
      objectId: personId,
      detail: { facilityId, role: existing.role },
    }),
    // Their last facility: out of every patient group too (the patients domain's statement).
    endPatientAccessStatement(db, personId, auth.personId, now, true),
    auditIfChangedStatement(db, { actorId: auth.personId, action: "patient.access_ended", objectType: "person", objectId: personId, detail: { facilityId } }),
  ]);
}
