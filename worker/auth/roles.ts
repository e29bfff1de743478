import type { Role } from "./scope";

/**
 * The role sets routes name in their `access`. A role set only lets a caller in;
 * which facility, person or roll-call they may touch is the service's rule.
 */

/**
 * Those who administer (管理者): network admins, facility admins and their delegates
 * (管理者の代行, acting under the admin who appointed them, §2).
 */
export const ADMINS = ["network_admin", "facility_admin", "delegate"] as const satisfies readonly Role[];

/**
 * Those who may read the figures of roll-calls and boards: the admins and the city's
 * viewer (閲覧者), who sees the network's numbers but changes nothing.
 */
export const READERS = [...ADMINS, "viewer"] as const satisfies readonly Role[];
