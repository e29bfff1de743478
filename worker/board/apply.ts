/**
 * A board client's side of the update protocol (messages.ts), shared by the admin
 * UI, the tests and anyone else holding a board: merges an update's changes into the
 * board shown. Types only from the schemas, so the admin UI bundle stays zod-free.
 */
import type { Board, BoardChanges } from "./messages";
import { BOARD_SEVERE, compareFacilities, sortStaff } from "./priority";

type FacilityRow = Board["aggregates"]["byFacility"][number];

/**
 * The facility rows held, with the changed ones merged in and kept in the board's
 * order (priority.ts). A changed row not held joins when it ranks before the last row
 * held (a facility that now needs a look comes to the top), or when every row is held.
 */
function mergeFacilities(held: FacilityRow[], changed: Map<number | null, FacilityRow>, complete: boolean): FacilityRow[] {
  const rows = held.map((f) => changed.get(f.facilityId) ?? f);
  const ids = new Set(held.map((f) => f.facilityId));
  const last = rows.length ? rows.reduce((a, b) => (compareFacilities(a, b) >= 0 ? a : b)) : null;
  for (const f of changed.values()) if (!ids.has(f.facilityId) && (complete || (last !== null && compareFacilities(f, last) < 0))) rows.push(f);
  return rows.sort(compareFacilities);
}

/** The 要救助 list after its changes: those who left dropped, the rest upserted, the newest {@link BOARD_SEVERE} kept. */
function mergeSevere(held: Board["severe"], c: NonNullable<BoardChanges["severe"]>): Board["severe"] {
  const gone = new Set([...c.removed, ...c.added.map((p) => p.personId)]);
  const items = [...held.items.filter((p) => !gone.has(p.personId)), ...c.added].sort((a, b) => b.at - a.at || b.personId - a.personId).slice(0, BOARD_SEVERE);
  return { items, total: c.total };
}

type StaffRows = Board["staff"]["all"];
/** Staff rows with the moved ones upserted by job (a row of zeros leaves), in the board's order. */
const mergeStaff = (held: StaffRows, moved: StaffRows): StaffRows => {
  const byJob = new Map(held.map((r) => [r.job, r]));
  for (const r of moved) byJob.set(r.job, r);
  return sortStaff([...byJob.values()]);
};

/** The board after an update: counts replaced, changed rows merged into the rows held, people who answered dropped from the non-responders. */
export function applyChanges(board: Board, c: BoardChanges): Board {
  const byId = new Map(c.facilities.map((f) => [f.facilityId, f]));
  const replied = new Set(c.replied);
  const phone = c.phoneCheck ? new Map(c.phoneCheck.map((p) => [p.facilityId, p.unreplied])) : null;
  const a = board.aggregates;
  const timeline = c.timeline
    ? {
        start: c.timeline.start,
        bucketSeconds: c.timeline.bucketSeconds,
        recipients: c.timeline.recipients,
        t: [...board.timeline.t.slice(0, c.timeline.from), ...c.timeline.t],
        replies: [...board.timeline.replies.slice(0, c.timeline.from), ...c.timeline.replies],
        cumulative: [...board.timeline.cumulative.slice(0, c.timeline.from), ...c.timeline.cumulative],
      }
    : { ...board.timeline, recipients: c.counts.recipients };
  const phoneCheck =
    board.phoneCheck && phone
      ? board.phoneCheck.flatMap((p) => {
          const unreplied = phone.get(p.facilityId);
          if (unreplied === undefined) return [p];
          return unreplied > 0 ? [{ ...p, unreplied }] : [];
        })
      : board.phoneCheck;
  return {
    ...board,
    rollcall: c.rollcall,
    aggregates: {
      ...a,
      ...c.counts,
      byFacility: mergeFacilities(a.byFacility, byId, board.lists.facilities.next === null),
      nonResponders: replied.size ? { ...a.nonResponders, items: a.nonResponders.items.filter((p) => !replied.has(p.personId)) } : a.nonResponders,
    },
    progress: c.counts.delivery,
    timeline,
    phoneCheck,
    severe: c.severe ? mergeSevere(board.severe, c.severe) : board.severe,
    summary: c.summary,
    staff: c.staff
      ? { all: mergeStaff(board.staff.all, c.staff.all), own: board.staff.own && c.staff.own ? mergeStaff(board.staff.own, c.staff.own) : board.staff.own }
      : board.staff,
    own: board.own ? board.own.map((f) => byId.get(f.facilityId) ?? f) : null,
    patients: c.patients !== undefined ? c.patients : board.patients,
    lists: {
      facilities: { ...board.lists.facilities, total: c.totals.facilities },
      phoneCheck: board.lists.phoneCheck && c.totals.phoneCheck !== null ? { ...board.lists.phoneCheck, total: c.totals.phoneCheck } : board.lists.phoneCheck,
    },
  };
}
