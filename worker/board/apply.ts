/**
 * A board client's side of the update protocol (messages.ts), shared by the admin
 * UI, the tests and anyone else holding a board: merges an update's changes into the
 * board shown. Types only from the schemas, so the admin UI bundle stays zod-free.
 */
import type { Board, BoardChanges } from "./messages";

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
      byFacility: a.byFacility.map((f) => byId.get(f.facilityId) ?? f),
      nonResponders: replied.size ? { ...a.nonResponders, items: a.nonResponders.items.filter((p) => !replied.has(p.personId)) } : a.nonResponders,
    },
    progress: c.counts.delivery,
    timeline,
    phoneCheck,
    lists: {
      facilities: { ...board.lists.facilities, total: c.totals.facilities },
      phoneCheck: board.lists.phoneCheck && c.totals.phoneCheck !== null ? { ...board.lists.phoneCheck, total: c.totals.phoneCheck } : board.lists.phoneCheck,
    },
  };
}
