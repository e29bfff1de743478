/**
 * The answers a reply may give (the one list of each): the reply page, the SMS
 * parser, the zod schemas, the aggregates and the admin UI all take them from here.
 * No zod and no worker runtime here, so the admin UI bundles it as it is; the
 * schemas re-export it (worker/templates/schemas.ts).
 */
export const SAFETY = ["safe", "minor", "severe"] as const;
export const AVAILABILITY = ["yes", "conditional", "no"] as const;
export const DAMAGE = ["none", "partial", "unusable"] as const;
export const YES_NO = ["yes", "no"] as const;

/** What facility admins answer for their facility (施設の状況). */
export const FACILITY_FIELDS = ["damage", "electricity", "water", "patients"] as const;
export type FacilityField = (typeof FACILITY_FIELDS)[number];
export const FACILITY_OPTIONS: Record<FacilityField, readonly string[]> = { damage: DAMAGE, electricity: YES_NO, water: YES_NO, patients: YES_NO };

/** How a facility admin reached the person they answer for (代理回答): 電話, 対面, 家族から, その他. */
export const PROXY_REACHED = ["phone", "in_person", "family", "other"] as const;
export type ProxyReached = (typeof PROXY_REACHED)[number];
