/**
 * The live board's wire protocol, shared with the admin UI (`import type`).
 *
 * ## Connecting
 * `GET /api/rollcalls/{id}/live` with `Upgrade: websocket` (same origin, the session
 * cookie travels with the handshake). The worker checks the session and the right to
 * read the roll-call (the scope of `GET /api/rollcalls/{id}`) before it hands the
 * socket to the roll-call's Durable Object; refused handshakes answer 401/403/404
 * JSON like any API call, 426 without the Upgrade header.
 *
 * ## Server → client (JSON text frames, {@link ServerMessage})
 * - `snapshot`: the whole board, right after connecting, after a `refresh`, and when
 *   what the socket may see changed.
 *   The long lists come as their first page: `aggregates.byFacility` (the first
 *   {@link BOARD_FACILITIES} facilities), `aggregates.nonResponders` (the first 100)
 *   and `phoneCheck` (the first {@link BOARD_PHONE_CHECKS} facilities); `lists` says
 *   how many there are and where the next page starts. Further pages come from
 *   `GET /api/rollcalls/{id}/board/facilities`, `.../board/non-responders` and
 *   `.../board/phone-checks` (same audience rules), loaded when the admin opens them.
 *   The facilities come in the board's order, what needs doing first (priority.ts):
 *   someone 要救助, then a problem reported (templates/answers.ts facilityProblems),
 *   then nobody answered, then the lowest response rate; the paged list narrows them
 *   by type, district, a part of the name and `only` ({@link FacilityPageQuery}).
 * - The top strip, "what needs me now": `severe` (who answered 要救助, the newest
 *   {@link BOARD_SEVERE} within the board's facilities, with the total; their mobile only
 *   on boards with contacts), `summary` (how many facilities have someone 要救助, report
 *   a problem, have no answer), and the 未回答 count (`aggregates`).
 * - `staff`: who can come per 職種, by when (すぐ, 30分以内, 1時間以内, それ以降, 未定;
 *   worker/board/arrival.ts), for every facility and for the board's own.
 * - `own`: a facility admin's own facilities' rows (their board opens on them); `may`:
 *   whether the reader may close the roll-call (the roll-call service's rule) and resend.
 * - `update`: what changed ({@link BoardChanges}) after replies, delivery progress, a
 *   resend or a state change; coalesced to at most one every {@link COALESCE_MS} ms,
 *   so a reply reaches every open board within a second. The counts are whole; the
 *   rows are the changed ones, to be merged into the rows the client holds
 *   (worker/board/apply.ts does it, keeping the facilities in the board's order). The
 *   要救助 list comes as its changes (`severe`: added or changed, removed, the total),
 *   `summary` whole, `staff` as the rows of the 職種 that moved. `seq` only grows
 *   (ignore a message with a lower `seq` than one already shown). `stale` names lists whose changes did not fit:
 *   reload the pages shown.
 *
 * ## Client → server
 * - the text `ping`: answered `pong` without waking the object (send one every
 *   {@link PING_EVERY_MS} ms; no pong within {@link PONG_TIMEOUT_MS} ms = reconnect).
 * - `{"type":"refresh"}`: answered with a `snapshot` to this socket only.
 *
 * ## Staying allowed
 * Before it sends anything, and every {@link RECHECK_EVERY_MS} ms while the socket is
 * open even when nothing changes, the object decides again with the routes' own rules:
 * the session (revoked, idle, absolute lifetime; the socket itself is not activity)
 * and the right to read the board as the person is now. A socket whose audience
 * changed (fewer facilities, no contacts any more) gets a `snapshot` of its new board.
 *
 * ## Close codes
 * - 4401: the session ended (signed out, revoked, idle or too old, the person removed,
 *   or the session may only change the password / set up MFA): do not reconnect; sign in.
 * - 4403: no longer allowed to read this roll-call: do not reconnect.
 * - anything else (1001 going away, 1006 dropped, 1011 error): reconnect.
 *
 * ## Reconnect and fallback (the client's part)
 * Reconnect after 1 s, doubling to at most 30 s, with ±20% jitter; reset after a
 * connection that lived 60 s. After {@link FALLBACK_AFTER_FAILURES} failed attempts
 * in a row, poll `GET /api/rollcalls/{id}/board` (the same {@link Board} as JSON)
 * every 5 s, and keep trying the socket every 60 s; stop polling once it is back.
 *
 * The city viewer's boards never carry phone numbers or emails: `phoneCheck` is null
 * for them, `severe` names people (as the non-responders do) with `mobile` null, and no
 * other part of the board holds contact details for anyone.
 */
import { z } from "@hono/zod-openapi";
import { FACILITY_TYPES } from "../directory/facility-types";
import { CheckCountsSchema } from "../patients/schemas";
import { AggregatesSchema, DeliveryProgressSchema, PageLimitQuery, RollcallSchema } from "../rollcall/schemas";
import { ARRIVAL_GROUPS } from "./arrival";
import { BOARD_SEVERE, FACILITY_ONLY } from "./priority";

export { BOARD_SEVERE };

export const COALESCE_MS = 500;
/** Facilities and phone-check facilities on a snapshot; the rest are paged. */
export const BOARD_FACILITIES = 50;
export const BOARD_PHONE_CHECKS = 20;
/** An update carries at most this many changed rows of a list; beyond it the list is named `stale`. */
export const MAX_CHANGED_ROWS = 100;
export const PING_EVERY_MS = 30_000;
export const PONG_TIMEOUT_MS = 10_000;
export const FALLBACK_AFTER_FAILURES = 3;
/** How often an open board's session and access are decided again when nothing changes. */
export const RECHECK_EVERY_MS = 5_000;
/** Close codes the client must not reconnect after. */
export const CLOSE_SESSION_ENDED = 4401;
export const CLOSE_FORBIDDEN = 4403;

const count = z.number().int();

/**
 * Response over time, ready for uPlot (`[t, cumulative]` is an `AlignedData`):
 * `t` in Unix seconds (bucket starts), `replies` the first replies in each bucket,
 * `cumulative` everyone who had replied by the end of it. The first point is the
 * confirm time with 0. Buckets are a minute, wider for long roll-calls (at most
 * about 1,500 points).
 */
export const TimelineSchema = z
  .object({
    start: z.number().int().nullable().openapi({ description: "Confirm time, Unix ms" }),
    bucketSeconds: count,
    recipients: count,
    t: z.array(z.number()),
    replies: z.array(count),
    cumulative: z.array(count),
  })
  .openapi("BoardTimeline");
export type Timeline = z.infer<typeof TimelineSchema>;

/** Whom to phone about a facility's non-responders: its admins and delegates. Admins' boards only. */
export const PhoneCheckSchema = z
  .object({
    facilityId: count,
    facility: z.string(),
    unreplied: count,
    /** The facility's own number (代表番号), when the directory has one. */
    facilityPhone: z.string().nullable(),
    admins: z.array(z.object({ personId: count, name: z.string(), role: z.enum(["admin", "delegate"]), mobile: z.string().nullable() })),
  })
  .openapi("BoardPhoneCheck");
export type PhoneCheck = z.infer<typeof PhoneCheckSchema>;

/** A facility row of the board: the aggregates' row and its place in the directory's order (type, reading), the board order's last tie-break. */
const FacilityRowSchema = AggregatesSchema.shape.byFacility.element.extend({ rank: count }).openapi("BoardFacilityRow");

/** Someone who answered 要救助 (severe): who, where, when; their mobile only on boards with contacts (null for the viewer). */
export const SevereSchema = z
  .object({
    personId: count,
    name: z.string(),
    job: z.string(),
    facilityId: count.nullable(),
    facility: z.string().nullable(),
    at: z.number().openapi({ description: "When they answered so, Unix ms" }),
    mobile: z.string().nullable(),
  })
  .openapi("BoardSevere");
export type Severe = z.infer<typeof SevereSchema>;

/**
 * Who can come, per 職種 (the directory's job as written, "" when none), by when:
 * `now` すぐ (出勤可能 with no time, or within 10 minutes), `m30` 30分以内, `m60` 1時間以内,
 * `later` それ以降, `unknown` 条件付き with no time the board can read (worker/board/arrival.ts).
 * Counted from the answer's time. Only jobs with someone who can come; most first.
 */
export const StaffRowSchema = z
  .object({ job: z.string(), ...(Object.fromEntries(ARRIVAL_GROUPS.map((g) => [g, count])) as Record<(typeof ARRIVAL_GROUPS)[number], typeof count>) })
  .openapi("BoardStaffRow");
export type StaffRow = z.infer<typeof StaffRowSchema>;
const StaffSchema = z.object({
  /** Every facility of the roll-call (the counts every board shows). */
  all: z.array(StaffRowSchema),
  /** Within the board's facilities (a facility admin's own view); null on boards of every facility. */
  own: z.array(StaffRowSchema).nullable(),
});

/** Facilities that need a look, over every facility of the roll-call. */
const SummarySchema = z.object({
  /** Facilities with someone 要救助. */
  severe: count,
  /** Facilities whose report has a field in trouble (templates/answers.ts facilityProblems). */
  problems: count,
  /** Facilities where nobody has answered (0 replies of more than 0 asked). */
  silent: count,
});

export const BoardSchema = z
  .object({
    rollcall: RollcallSchema,
    /** `byFacility` in the board's order (worker/board/priority.ts), its first {@link BOARD_FACILITIES}. */
    aggregates: AggregatesSchema.extend({ byFacility: z.array(FacilityRowSchema) }),
    /** Deliveries per channel and state (cancelled included: not sent because the roll-call closed); the aggregates' `delivery`. */
    progress: DeliveryProgressSchema,
    timeline: TimelineSchema,
    /** null on the city viewer's board (no contact details). */
    phoneCheck: z.array(PhoneCheckSchema).nullable(),
    /** What this board was built for. */
    audience: z.object({ viewer: z.boolean(), contacts: z.boolean(), facilityIds: z.array(count).nullable() }),
    /** What the reader may do here: close it (the roll-call service's rule; while it is live), resend to non-responders. */
    may: z.object({ close: z.boolean(), resend: z.boolean() }),
    /** 要救助: the newest {@link BOARD_SEVERE} within the board's facilities, and how many there are. */
    severe: z.object({ items: z.array(SevereSchema), total: count }),
    summary: SummarySchema,
    staff: StaffSchema,
    /** The rows of the board's own facilities (a facility admin's view); null on boards of every facility. */
    own: z.array(FacilityRowSchema).nullable(),
    /** The districts (地区) of the roll-call's facilities, for the filter. */
    districts: z.array(z.string()),
    /** The patient checks counted by result, need and district, no names (null: the roll-call checks no patients). */
    patients: CheckCountsSchema.nullable(),
    /** The long lists: how many rows each has, and the cursor of the page after the one on this board (null: none). */
    lists: z.object({
      facilities: z.object({ total: count, next: z.string().nullable() }),
      phoneCheck: z.object({ total: count, next: z.string().nullable() }).nullable(),
    }),
  })
  .openapi("Board");
export type Board = z.infer<typeof BoardSchema>;

/** What an update carries: the counts whole, the rows that changed. */
export const BoardChangesSchema = z
  .object({
    rollcall: RollcallSchema,
    counts: AggregatesSchema.pick({ recipients: true, replied: true, byAnswer: true, byFacilityType: true, delivery: true }),
    /** The timeline from point `from` on (the points before it are unchanged); absent when it did not change. */
    timeline: TimelineSchema.extend({ from: count }).optional(),
    /** Facility rows whose counts or report changed (merge by facilityId). */
    facilities: z.array(FacilityRowSchema),
    /** People who answered for the first time: they leave the non-responders (within this board's facilities). */
    replied: z.array(count),
    /**
     * 要救助 people who came or changed (upsert by personId), those who left (their answer
     * changed), within this board's facilities, and how many there are now: keep the newest
     * {@link BOARD_SEVERE}. When people left, the rows that moved up into the newest are
     * among `added`. Absent when nothing changed.
     */
    severe: z.object({ added: z.array(SevereSchema), removed: z.array(count), total: count }).optional(),
    summary: SummarySchema,
    /**
     * The rows of the 職種 whose counts moved: upsert by job, a row of zeros leaves
     * (`own` is [] when none of the board's own facilities moved). Absent when none did.
     */
    staff: StaffSchema.optional(),
    /** Phone-check facilities whose non-responders changed (0: drop the row). null on the viewer's board. */
    phoneCheck: z.array(z.object({ facilityId: count, unreplied: count })).nullable(),
    /** How many rows the long lists have now (the client keeps its own cursors). */
    totals: z.object({ facilities: count, phoneCheck: count.nullable() }),
    /** The patient checks' counts, whole, when they moved (reason `patients`); absent otherwise. */
    patients: CheckCountsSchema.nullable().optional(),
    /** Lists whose changes were too many to carry: reload the pages shown. */
    stale: z.array(z.enum(["facilities", "nonResponders", "phoneCheck"])),
  })
  .openapi("BoardChanges");
export type BoardChanges = z.infer<typeof BoardChangesSchema>;

/** A page of a long list; `next` is the cursor of the following page (null: the last). */
const page = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z.object({ items: z.array(item), next: z.string().nullable(), total: count.nullable() }).openapi(name);
export const FacilityPageSchema = page(FacilityRowSchema, "BoardFacilityPage");
export const NonResponderPageSchema = page(AggregatesSchema.shape.nonResponders.shape.items.element, "BoardNonResponderPage");
export const PhoneCheckPageSchema = page(PhoneCheckSchema, "BoardPhoneCheckPage");

export const PageQuery = z.object({
  cursor: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "The `next` of the previous page; absent for the first" }),
  limit: PageLimitQuery,
});

/** The facility list narrowed: by type, district (地区), a part of the name, or to one kind of row (`mine`: the board's own facilities). */
export const FacilityPageQuery = PageQuery.extend({
  type: z
    .enum(FACILITY_TYPES)
    .optional()
    .openapi({ param: { name: "type", in: "query" } }),
  district: z
    .string()
    .trim()
    .max(50)
    .optional()
    .openapi({ param: { name: "district", in: "query" } }),
  q: z
    .string()
    .trim()
    .max(50)
    .optional()
    .openapi({ param: { name: "q", in: "query" }, description: "A part of the facility's name or reading" }),
  only: z
    .enum(FACILITY_ONLY)
    .optional()
    .openapi({ param: { name: "only", in: "query" }, description: "severe, problems, silent, or mine (the reader's own facilities)" }),
});
export type FacilityFilter = Omit<z.infer<typeof FacilityPageQuery>, "cursor" | "limit">;

export const UPDATE_REASONS = ["reply", "delivery", "resend", "state", "patients"] as const;
export type UpdateReason = (typeof UPDATE_REASONS)[number];

export const ServerMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("snapshot"), seq: count, at: z.number(), board: BoardSchema }),
  z.object({ type: z.literal("update"), seq: count, at: z.number(), reasons: z.array(z.enum(UPDATE_REASONS)), changes: BoardChangesSchema }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

export const ClientMessageSchema = z.object({ type: z.literal("refresh") });
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
