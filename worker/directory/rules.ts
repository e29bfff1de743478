import type { FacilityRole, GlobalRole } from "../auth/scope";

/**
 * Who may change whom in the directory (§2, §5), on the caller's roles alone: no
 * SQL, no runtime, so the admin UI bundles the same rules and offers only what the
 * server allows (directory/scope.ts re-exports them for the services).
 */

/** The caller as these rules read them: the session (auth/scope.ts Auth) or the admin UI's Me. */
export interface Actor {
  personId: number;
  globalRole: GlobalRole | null;
  facilities: readonly { facilityId: number; role: FacilityRole }[];
}

type PersonRef = { id: number; globalRole: GlobalRole | null };
type RoleRef = { facilityId: number; role: FacilityRole };

// The same tests as auth/scope.ts isNetworkAdmin and canManageFacility, on the fields an Actor has.
const networkAdmin = (a: Actor) => a.globalRole === "network_admin";

/** A network admin, or the admin or delegate of the facility: may change its details and its people (not its type). */
export function managesFacility(a: Actor, facilityId: number): boolean {
  return networkAdmin(a) || a.facilities.some((f) => f.facilityId === facilityId && (f.role === "admin" || f.role === "delegate"));
}

/**
 * Roles the caller may give (or take away) in a facility. Facility admins are
 * registered by the network admin (§2: one per facility in principle); an admin
 * appoints delegates and staff; a delegate acts under the admin and registers staff.
 */
export function appointableRoles(a: Actor, facilityId: number): ReadonlySet<FacilityRole> {
  if (networkAdmin(a)) return new Set(["admin", "delegate", "staff"]);
  const mine = a.facilities.find((f) => f.facilityId === facilityId)?.role;
  if (mine === "admin") return new Set(["delegate", "staff"]);
  if (mine === "delegate") return new Set(["staff"]);
  return new Set();
}

/** Change a person's profile and contacts: themselves, or someone who could have appointed them. */
export function canEditPerson(a: Actor, person: PersonRef, memberships: readonly RoleRef[]): boolean {
  if (person.id === a.personId || networkAdmin(a)) return true;
  if (person.globalRole) return false;
  return memberships.some((m) => appointableRoles(a, m.facilityId).has(m.role));
}

/**
 * Deregister a person entirely. Themselves (§5), a network admin, or an admin who
 * could have appointed them in every facility they belong to; someone who also
 * works elsewhere is taken out of the one facility instead (end the membership).
 */
export function canDeregister(a: Actor, person: PersonRef, memberships: readonly RoleRef[]): boolean {
  if (networkAdmin(a)) return person.id !== a.personId;
  if (person.id === a.personId) return true;
  if (person.globalRole || memberships.length === 0) return false;
  return memberships.every((m) => appointableRoles(a, m.facilityId).has(m.role));
}

/** Whether the person belongs to a facility the caller administers (or the caller is a network admin). */
export function managesPerson(a: Actor, memberships: readonly { facilityId: number }[]): boolean {
  return networkAdmin(a) || memberships.some((m) => managesFacility(a, m.facilityId));
}
