/**
 * The facility types of the network, in the order of DESIGN.md: the one list. No zod
 * here, so the admin UI bundles it as it is; directory/schemas.ts re-exports it.
 */
export const FACILITY_TYPES = [
  "clinic",
  "hospital",
  "dental",
  "pharmacy",
  "visiting_nurse",
  "visiting_rehab",
  "care_manager",
  "home_care",
  "community_support",
  "city_division",
] as const;
