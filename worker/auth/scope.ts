/**
 * Who the signed-in person is and what they may reach. Every route states its
 * roles (see `access.ts`); handlers then check the object with these helpers.
 */
export type FacilityRole = "admin" | "delegate" | "staff";
export type GlobalRole = "network_admin" | "viewer";
/** Roles as routes name them. facility_admin = 管理者, delegate = 管理者の代行 (§2). */
export type Role = "network_admin" | "facility_admin" | "delegate" | "staff" | "viewer";
export const ROLES: readonly Role[] = ["network_admin", "facility_admin", "delegate", "staff", "viewer"];

export interface Auth {
  personId: number;
  name: string;
  sessionHash: string;
  globalRole: GlobalRole | null;
  facilities: { facilityId: number; role: FacilityRole }[];
  totpEnabled: boolean;
  /** Set when the session may only change the password. */
  passwordExpired: boolean;
  /** Set when an admin must enrol TOTP before anything else. */
  mustEnrolMfa: boolean;
  /** The person's language (worker/templates/languages.ts): the staff screens start in it. */
  lang?: string;
}

export function rolesOf(auth: Auth): Set<Role> {
  const roles = new Set<Role>();
  if (auth.globalRole) roles.add(auth.globalRole);
  for (const f of auth.facilities) roles.add(f.role === "admin" ? "facility_admin" : f.role);
  if (roles.size === 0) roles.add("staff");
  return roles;
}

export const isNetworkAdmin = (auth: Auth) => auth.globalRole === "network_admin";
export const isViewer = (auth: Auth) => auth.globalRole === "viewer";

/** Facilities the person administers, as admin or as a delegate acting under the admin. */
export function managedFacilityIds(auth: Auth): number[] {
  return auth.facilities.filter((f) => f.role === "admin" || f.role === "delegate").map((f) => f.facilityId);
}

export function canManageFacility(auth: Auth, facilityId: number): boolean {
  return isNetworkAdmin(auth) || managedFacilityIds(auth).includes(facilityId);
}

export function isMemberOf(auth: Auth, facilityId: number): boolean {
  return auth.facilities.some((f) => f.facilityId === facilityId);
}

/** Whether an admin role requires multi-factor under the settings. */
export function holdsAdminRole(globalRole: GlobalRole | null, facilities: { role: FacilityRole }[]): boolean {
  return globalRole === "network_admin" || facilities.some((f) => f.role === "admin" || f.role === "delegate");
}
