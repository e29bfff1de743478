/**
 * What needs doing first on the board, in one place for the worker (the order its
 * pages are cut in) and the admin UI (the order it keeps merged rows in): facilities
 * with someone 要救助 first, then those reporting a problem, then those where nobody
 * has answered, then by response rate, lowest first. No zod and no worker runtime here.
 */
import { facilityProblems } from "../templates/answers";
import type { Aggregates } from "../rollcall/schemas";
import { ARRIVAL_GROUPS, type ArrivalGroup } from "./arrival";

/** A facility row; `rank` (the board's rows have it) is its place in the directory's order, the last tie-break. */
type FacilityRow = Aggregates["byFacility"][number] & { rank?: number };

/** The 要救助 people a board carries (the newest first); `severe.total` says how many there are. */
export const BOARD_SEVERE = 50;

/** Whether nobody of a facility has answered yet (0 replies of more than 0 asked). */
export const isSilent = (f: Pick<FacilityRow, "recipients" | "replied">) => f.recipients > 0 && f.replied === 0;

/** The fields of the facility's report in trouble (倒壊, 電気・水が使えない, …); none without a report. */
export const problemsOf = (f: Pick<FacilityRow, "report">) => facilityProblems(f.report);

/** 0 someone 要救助, 1 a problem reported, 2 nobody has answered, 3 the rest. */
export function facilityTier(f: Pick<FacilityRow, "safety" | "report" | "recipients" | "replied">): number {
  if ((f.safety.severe ?? 0) > 0) return 0;
  if (problemsOf(f).length > 0) return 1;
  if (isSilent(f)) return 2;
  return 3;
}

const rate = (f: Pick<FacilityRow, "recipients" | "replied">) => (f.recipients > 0 ? f.replied / f.recipients : 1);

/** The board's order of two facilities: tier, response rate (lowest first), then the directory's order. */
export function compareFacilities(a: FacilityRow, b: FacilityRow): number {
  return facilityTier(a) - facilityTier(b) || rate(a) - rate(b) || (a.rank ?? 0) - (b.rank ?? 0);
}

/** What the board's facility list can be narrowed to (the paged list's `only`). */
export const FACILITY_ONLY = ["severe", "problems", "silent", "mine"] as const;
export type FacilityOnly = (typeof FACILITY_ONLY)[number];

/** Whether a facility row is of that kind (`mine` is decided by the audience, not here). */
export function isOnly(f: FacilityRow, only: Exclude<FacilityOnly, "mine">): boolean {
  if (only === "severe") return (f.safety.severe ?? 0) > 0;
  if (only === "problems") return problemsOf(f).length > 0;
  return isSilent(f);
}

type StaffRow = { job: string } & Record<ArrivalGroup, number>;

/** Who can come in a 職種 row, whenever they arrive. */
export const staffTotal = (r: Record<ArrivalGroup, number>) => ARRIVAL_GROUPS.reduce((n, g) => n + r[g], 0);

/** The staff rows in the board's order: most people first, then by the job's name; rows of nobody left out. */
export function sortStaff<T extends StaffRow>(rows: T[]): T[] {
  return rows.filter((r) => staffTotal(r) > 0).sort((a, b) => staffTotal(b) - staffTotal(a) || (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
}
