import { z } from "zod";
import { audit } from "../audit/log";
import { isViewer, type Auth } from "../auth/scope";
import { seesContactsIn } from "../directory/scope";
import { forbidden, notFound, jaEn } from "../lib/errors";
import { clock } from "../lib/clock";
import { getRollcall, type Rollcall } from "../rollcall/data";
import { nonResponders } from "../rollcall/data";
import { checkCounts } from "../patients/check-service";
import { canManageRollcall, readableFacilities, toApi } from "../rollcall/service";
import { BoardCounts, timelineOf, type Changes, type FacilityRow, type SevereEntry } from "./counts";
import * as data from "./data";
import {
  BOARD_FACILITIES,
  BOARD_PHONE_CHECKS,
  BOARD_SEVERE,
  MAX_CHANGED_ROWS,
  type Board,
  type BoardChanges,
  type FacilityFilter,
  type PhoneCheck,
  type Severe,
  type Timeline,
} from "./messages";

/**
 * What one board may show. Decided by {@link boardAudience}, kept on the socket with
 * `serializeAttachment` (so it survives hibernation) and decided again while the
 * socket is open. `contacts` is false for the city viewer: nothing with a phone
 * number or email is ever built for them.
 */
export const AudienceSchema = z.object({
  personId: z.number().int(),
  sessionHash: z.string().max(128),
  viewer: z.boolean(),
  contacts: z.boolean(),
  facilityIds: z.array(z.number().int()).max(200).nullable(),
  /** May close the roll-call (the roll-call service's canManageRollcall); the board shows 締め切る only then. */
  mayClose: z.boolean().default(false),
});
export type Audience = z.infer<typeof AudienceSchema>;

function audienceFor(auth: Auth, rc: Rollcall, facilityIds: number[] | null): Audience {
  const viewer = isViewer(auth);
  // Contacts by the directory's rule (seesContactsOf), for every person of these facilities.
  return {
    personId: auth.personId,
    sessionHash: auth.sessionHash,
    viewer,
    contacts: seesContactsIn(auth, facilityIds),
    facilityIds,
    mayClose: canManageRollcall(auth, rc),
  };
}

/** Why a board is refused: not this person's to read, or never sent (a draft or withdrawn). */
export type BoardRefusal = "forbidden" | "unsent";

/**
 * The one decision "may this person read this roll-call's board, and with what
 * audience": the read scope of `GET /api/rollcalls/{id}` (network admin and city
 * viewer everything, facility admins and delegates their facilities), contacts for
 * everyone but the viewer, and only once it was sent. The socket's connect and its
 * re-checks, the JSON board, the drill-downs, the resend and the CSV export all ask here.
 */
export async function boardAudience(db: D1Database, auth: Auth, rc: Rollcall): Promise<Audience | BoardRefusal> {
  const scope = await readableFacilities(db, auth, rc);
  if (scope === null) return "forbidden";
  if (rc.state === "draft" || rc.state === "withdrawn") return "unsent";
  return audienceFor(auth, rc, scope === "all" ? null : scope);
}

/** {@link boardAudience} for a route: 404 for an unknown or never-sent roll-call, 403 when refused. */
export async function readableRollcall(env: Env, auth: Auth, id: number): Promise<{ rc: Rollcall; audience: Audience }> {
  const rc = await getRollcall(env.DB, id);
  if (!rc) throw notFound(jaEn("安否確認", "roll-call"));
  const audience = await boardAudience(env.DB, auth, rc);
  if (audience === "forbidden") throw forbidden(jaEn("この安否確認を見る権限がありません。", "You may not see this roll-call."));
  if (audience === "unsent") throw notFound(jaEn("ボード（まだ送信していない安否確認です）", "board (the roll-call was never sent)"));
  return { rc, audience };
}

/** Whether two audiences show the same board. */
export const sameAudience = (a: Audience, b: Audience) => a.viewer === b.viewer && audienceKey(a) === audienceKey(b);

/** Boards that show the same thing share one build. */
export const audienceKey = (a: Pick<Audience, "contacts" | "facilityIds" | "mayClose">) =>
  `${a.contacts ? "c" : "n"}${a.mayClose ? "m" : ""}:${a.facilityIds ? a.facilityIds.join(",") : "all"}`;

function phoneChecksOf(rows: data.PhoneCheckRow[]): PhoneCheck[] {
  const byFacility = new Map<number, PhoneCheck>();
  for (const r of rows) {
    const f = byFacility.get(r.facilityId) ?? {
      facilityId: r.facilityId,
      facility: r.facility,
      unreplied: r.unreplied,
      facilityPhone: r.facilityPhone,
      admins: [],
    };
    if (r.personId !== null && r.name !== null && r.role !== null) f.admins.push({ personId: r.personId, name: r.name, role: r.role, mobile: r.mobile });
    byFacility.set(r.facilityId, f);
  }
  return [...byFacility.values()];
}

/** Non-responders shown on a board; the rest page through `GET /api/rollcalls/{id}/board/non-responders`. */
export const BOARD_NON_RESPONDERS = 100;

type BoardAudience = Pick<Audience, "viewer" | "contacts" | "facilityIds" | "mayClose">;

/** The counts of a roll-call's board as D1 holds them now (the object keeps them from there). */
export async function loadCounts(db: D1Database, rc: Pick<Rollcall, "id" | "confirmedAt">): Promise<BoardCounts> {
  return BoardCounts.fromSnapshot(rc.id, rc.confirmedAt, await data.countsSnapshot(db, rc.id, rc.confirmedAt));
}

const inScope = (audience: BoardAudience, facilityId: number | null) =>
  audience.facilityIds === null || (facilityId !== null && audience.facilityIds.includes(facilityId));

/** Facilities with non-responders within the audience's facilities: the phone check's rows. */
function phoneCheckTotal(counts: BoardCounts, audience: BoardAudience): number {
  let n = 0;
  for (const f of counts.facilities.values()) if (f.facilityId !== null && f.recipients > f.replied && inScope(audience, f.facilityId)) n++;
  return n;
}

const cursorAt = (offset: number, total: number) => (offset < total ? String(offset) : null);
/** Cursors are opaque to clients; today an offset (facilities, phone checks) or the last person id (non-responders). */
const offsetOf = (cursor: string | undefined) => {
  const n = Number(cursor ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
};

/** 要救助 rows as a board gets them: with their mobile on boards with contacts, never otherwise. */
const severeRows = (rows: SevereEntry[], audience: BoardAudience, mobiles: ReadonlyMap<number, string>): Severe[] =>
  rows.map((p) => ({ ...p, mobile: audience.contacts ? (mobiles.get(p.personId) ?? null) : null }));

function listsOf(counts: BoardCounts, audience: BoardAudience, shownFacilities: number, shownPhoneChecks: number): Board["lists"] {
  const phoneTotal = phoneCheckTotal(counts, audience);
  return {
    facilities: { total: counts.facilities.size, next: cursorAt(shownFacilities, counts.facilities.size) },
    phoneCheck: audience.contacts ? { total: phoneTotal, next: cursorAt(shownPhoneChecks, phoneTotal) } : null,
  };
}

/**
 * The board for one audience: the counts (kept by the object, or read from D1 for
 * the JSON board) and the first page of each long list.
 */
export async function buildBoard(env: Env, rc: Rollcall, audience: BoardAudience, kept?: BoardCounts): Promise<Board> {
  const [counts, nr, phone, patients] = await Promise.all([
    kept ?? loadCounts(env.DB, rc),
    nonResponders(env.DB, rc.id, { after: 0, limit: BOARD_NON_RESPONDERS + 1, facilityIds: audience.facilityIds }),
    audience.contacts ? data.phoneCheckPage(env.DB, rc.id, audience.facilityIds, { offset: 0, limit: BOARD_PHONE_CHECKS }) : Promise.resolve(null),
    checkCounts(env.DB, rc),
  ]);
  const severe = counts.severeOf(audience.facilityIds);
  const shown = severe.items.map((p) => p.personId);
  const mobiles = audience.contacts ? await data.mobilesOf(env.DB, shown) : new Map<number, string>();
  const items = nr.slice(0, BOARD_NON_RESPONDERS);
  const delivery = structuredClone(counts.delivery);
  const checks = phone ? phoneChecksOf(phone) : null;
  const facilities = counts.facilityPage(0, BOARD_FACILITIES).items;
  return {
    rollcall: toApi(rc),
    aggregates: {
      recipients: counts.recipients,
      replied: counts.replied,
      byAnswer: counts.byAnswer(),
      byFacilityType: counts.byFacilityType(),
      byFacility: facilities,
      nonResponders: { items, nextAfter: nr.length > BOARD_NON_RESPONDERS ? items[items.length - 1]!.personId : null },
      delivery,
    },
    progress: delivery,
    timeline: timelineOf(counts, counts.recipients, rc.closedAt ?? clock.now()),
    phoneCheck: checks,
    audience: { viewer: audience.viewer, contacts: audience.contacts, facilityIds: audience.facilityIds },
    may: { close: audience.mayClose, resend: !audience.viewer },
    severe: { items: severeRows(severe.items, audience, mobiles), total: severe.total },
    summary: counts.summary(),
    staff: staffOf(counts, audience),
    own: audience.facilityIds ? counts.facilityPage(0, audience.facilityIds.length, { only: "mine" }, audience.facilityIds).items : null,
    districts: counts.districts(),
    patients,
    lists: listsOf(counts, audience, facilities.length, checks?.length ?? 0),
  };
}

const staffOf = (counts: BoardCounts, audience: BoardAudience): Board["staff"] => ({
  all: counts.staffRows(null),
  own: audience.facilityIds ? counts.staffRows(audience.facilityIds) : null,
});

/**
 * The 要救助 people who changed for one audience: those who came or changed and those
 * who left, within its facilities. When people left and there are more than a board
 * holds, the last rows of the newest {@link BOARD_SEVERE} come too (they may have
 * moved up into it); the client upserts them. Undefined when nothing changed for it.
 */
export function severeChangesFor(counts: BoardCounts, changes: Changes, audience: BoardAudience, mobiles: ReadonlyMap<number, string>): BoardChanges["severe"] {
  const mine = (facilityId: number | null) => inScope(audience, facilityId);
  const removed = [...changes.severeRemoved].filter(([, f]) => mine(f)).map(([id]) => id);
  const changed = [...changes.severe].filter(([, f]) => mine(f)).map(([id]) => id);
  if (removed.length === 0 && changed.length === 0) return undefined;
  const { items, total } = counts.severeOf(audience.facilityIds);
  const added = new Map<number, SevereEntry>();
  for (const id of changed) {
    const p = counts.severe.get(id);
    // Only those that make the newest: the client keeps no more.
    if (p && items.includes(p)) added.set(id, p);
  }
  if (removed.length && total >= BOARD_SEVERE) for (const p of items.slice(-removed.length)) added.set(p.personId, p);
  return { added: severeRows([...added.values()], audience, mobiles), removed, total };
}

/** The staff rows of the 職種 that moved (upsert by job; a row of zeros leaves), for every facility and within the audience's own. */
function staffChangesFor(counts: BoardCounts, changes: Changes, audience: BoardAudience): BoardChanges["staff"] {
  if (changes.staffJobs.size === 0) return undefined;
  const own = audience.facilityIds;
  const ownMoved = own !== null && [...changes.staffFacilities].some((f) => inScope(audience, f));
  return { all: counts.staffRows(null, changes.staffJobs), own: own === null ? null : ownMoved ? counts.staffRows(own, changes.staffJobs) : [] };
}

/** Who of the 要救助 people an update may carry to any of these audiences (their mobiles are read once for all). */
export function severeToSend(counts: BoardCounts, changes: Changes): number[] {
  if (changes.severe.size === 0 && changes.severeRemoved.size === 0) return [];
  const ids = new Set(changes.severe.keys());
  // The rows that may move up into a board's newest: any board's tail is within the newest 2 × BOARD_SEVERE of all.
  if (changes.severeRemoved.size) for (const p of counts.severeOf(null, 2 * BOARD_SEVERE).items) ids.add(p.personId);
  return [...ids];
}

/**
 * What one audience's boards are sent after a change: the counts whole, the changed
 * facility rows (every board shows every facility's counts, as the aggregates do),
 * and, within the audience's facilities, who left the non-responders and the phone
 * check's changed counts (admins only). `timelineFrom`: the first point that changed.
 */
export function changesFor(
  counts: BoardCounts,
  changes: Changes,
  rc: Rollcall,
  audience: BoardAudience,
  timeline: (Timeline & { from: number }) | undefined,
  mobiles: ReadonlyMap<number, string> = new Map(),
): BoardChanges {
  const stale: BoardChanges["stale"] = [];
  let facilities: FacilityRow[] = [];
  if (changes.facilities.size > MAX_CHANGED_ROWS) stale.push("facilities");
  else facilities = [...changes.facilities].map((id) => counts.row(id)).filter((f): f is FacilityRow => f !== undefined);
  let replied = changes.replied.filter((r) => inScope(audience, r.facilityId)).map((r) => r.personId);
  if (replied.length > 10 * MAX_CHANGED_ROWS) {
    stale.push("nonResponders");
    replied = [];
  }
  let phoneCheck: BoardChanges["phoneCheck"] = null;
  if (audience.contacts) {
    const rows = facilities.filter((f) => f.facilityId !== null && inScope(audience, f.facilityId));
    if (stale.includes("facilities")) stale.push("phoneCheck");
    phoneCheck = rows.map((f) => ({ facilityId: f.facilityId!, unreplied: f.recipients - f.replied }));
  }
  const severe = severeChangesFor(counts, changes, audience, mobiles);
  const staff = staffChangesFor(counts, changes, audience);
  return {
    rollcall: toApi(rc),
    counts: {
      recipients: counts.recipients,
      replied: counts.replied,
      byAnswer: counts.byAnswer(),
      byFacilityType: counts.byFacilityType(),
      delivery: structuredClone(counts.delivery),
    },
    ...(timeline ? { timeline } : {}),
    facilities,
    replied,
    ...(severe ? { severe } : {}),
    summary: counts.summary(),
    ...(staff ? { staff } : {}),
    phoneCheck,
    totals: { facilities: counts.facilities.size, phoneCheck: audience.contacts ? phoneCheckTotal(counts, audience) : null },
    stale,
  };
}

/**
 * A page of the facilities in the board's order (priority.ts: 要救助, a problem reported,
 * nobody answered, then the lowest response rate), narrowed by the filter (every board
 * shows every facility; `mine` is the audience's own). The cursor is the offset in the
 * narrowed list.
 */
export function facilityPageOf(counts: BoardCounts, cursor: string | undefined, limit: number, filter: FacilityFilter = {}, own: number[] | null = null) {
  const offset = offsetOf(cursor);
  const { items, total } = counts.facilityPage(offset, limit, filter, own);
  return { items, next: cursorAt(offset + items.length, total), total };
}

/** A page of the non-responders within the audience's facilities, in person-id order. */
export async function nonResponderPage(env: Env, rc: Rollcall, audience: BoardAudience, cursor: string | undefined, limit: number) {
  const after = offsetOf(cursor);
  const rows = await nonResponders(env.DB, rc.id, { after, limit: limit + 1, facilityIds: audience.facilityIds });
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? String(items[items.length - 1]!.personId) : null, total: null };
}

/** A page of the phone check (admins' boards only: the caller refuses audiences without contacts). */
export async function phoneCheckPageOf(env: Env, rc: Rollcall, audience: BoardAudience, cursor: string | undefined, limit: number) {
  const offset = offsetOf(cursor);
  const rows = phoneChecksOf(await data.phoneCheckPage(env.DB, rc.id, audience.facilityIds, { offset, limit: limit + 1 }));
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? String(offset + limit) : null, total: null };
}

/** A board's reading of contact details goes to the audit log once an hour per person and roll-call. */
const CONTACT_AUDIT_EVERY_MS = 3_600_000;

export async function auditContactsRead(db: D1Database, actorId: number, rollcallId: number, detail: Record<string, unknown>): Promise<void> {
  if (await data.contactsReadSince(db, actorId, rollcallId, clock.now() - CONTACT_AUDIT_EVERY_MS)) return;
  await audit(db, { actorId, action: "board.contacts_read", objectType: "rollcall", objectId: rollcallId, detail });
}
