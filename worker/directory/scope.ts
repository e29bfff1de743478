import { canManageFacility, isMemberOf, isNetworkAdmin, isViewer, managedFacilityIds, type Auth } from "../auth/scope";
import * as data from "./data";
import type { Group } from "./schemas";

// The rules on roles alone live in rules.ts, which the admin UI bundles too.
export { appointableRoles, canDeregister, canEditPerson, managesPerson } from "./rules";

/**
 * Object checks of the directory (deny by default). Routes gate by role; these
 * decide, for one person, facility or group, what the caller may see and change.
 */

/**
 * Whom the caller may see at all. Network admins and the city viewer: everyone
 * (the viewer only names, see `seesContactsOf`). Others: themselves, the people of
 * their facilities and the members of their facility and custom groups. The
 * network group does not widen this: it holds everyone, and profiles are for the
 * people one works with.
 */
export async function reachOf(db: D1Database, auth: Auth): Promise<data.Reach> {
  if (isNetworkAdmin(auth) || isViewer(auth)) return { all: true };
  const groups = await data.groupsOfPerson(db, auth.personId);
  const facilityIds = new Set(auth.facilities.map((f) => f.facilityId));
  const groupIds: number[] = [];
  for (const { group } of groups) {
    if (group.kind === "network") continue;
    groupIds.push(group.id);
    if (group.kind === "facility" && group.facilityId) facilityIds.add(group.facilityId);
  }
  return { all: false, selfId: auth.personId, facilityIds: [...facilityIds], groupIds };
}

/**
 * Email and mobile: the person themselves, network admins, and the admins and
 * delegates of a facility the person belongs to. Never the viewer (§ city division
 * reads boards without contact details), never other staff.
 */
export function seesContactsOf(auth: Auth, personId: number, memberships: readonly { facilityId: number }[]): boolean {
  if (personId === auth.personId || isNetworkAdmin(auth)) return true;
  const managed = managedFacilityIds(auth);
  return memberships.some((m) => managed.includes(m.facilityId));
}

/**
 * The same rule for every person of a list scoped to `facilityIds` (null: the whole
 * network), such as a board: network admins, and the admins and delegates of each
 * of those facilities. Never the viewer.
 */
export function seesContactsIn(auth: Auth, facilityIds: readonly number[] | null): boolean {
  if (isNetworkAdmin(auth)) return true;
  if (facilityIds === null || facilityIds.length === 0) return false;
  const managed = managedFacilityIds(auth);
  return facilityIds.every((id) => managed.includes(id));
}

/** Change a group's members or name, or close it. */
export function canManageGroup(auth: Auth, group: Group, callerRole: "owner" | "member" | null): boolean {
  if (isNetworkAdmin(auth)) return true;
  if (group.closedAt) return false;
  if (group.kind === "custom") return callerRole === "owner";
  if (group.kind === "facility") return group.facilityId !== null && canManageFacility(auth, group.facilityId);
  return false;
}

/** See a group and its member list. */
export function canSeeGroup(auth: Auth, group: Group, callerRole: "owner" | "member" | null): boolean {
  if (isNetworkAdmin(auth)) return true;
  if (group.closedAt) return false;
  if (group.kind === "network" || callerRole) return true;
  return group.kind === "facility" && group.facilityId !== null && isMemberOf(auth, group.facilityId);
}
