import { z } from "zod";
import { audit } from "../audit/log";
import { isViewer, type Auth } from "../auth/scope";
import { seesContactsIn } from "../directory/scope";
import { forbidden, notFound } from "../lib/errors";
import { clock } from "../lib/clock";
import { getRollcall, type Rollcall } from "../rollcall/data";
import { aggregates, readableFacilities, toApi } from "../rollcall/service";
import * as data from "./data";
import type { Board, PhoneCheck, Timeline } from "./messages";

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
});
export type Audience = z.infer<typeof AudienceSchema>;

function audienceFor(auth: Auth, facilityIds: number[] | null): Audience {
  const viewer = isViewer(auth);
  // Contacts by the directory's rule (seesContactsOf), for every person of these facilities.
  return { personId: auth.personId, sessionHash: auth.sessionHash, viewer, contacts: seesContactsIn(auth, facilityIds), facilityIds };
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
  return audienceFor(auth, scope === "all" ? null : scope);
}

/** {@link boardAudience} for a route: 404 for an unknown or never-sent roll-call, 403 when refused. */
export async function readableRollcall(env: Env, auth: Auth, id: number): Promise<{ rc: Rollcall; audience: Audience }> {
  const rc = await getRollcall(env.DB, id);
  if (!rc) throw notFound("roll-call");
  const audience = await boardAudience(env.DB, auth, rc);
  if (audience === "forbidden") throw forbidden("この安否確認を見る権限がありません。");
  if (audience === "unsent") throw notFound("board (the roll-call was never sent)");
  return { rc, audience };
}

/** Whether two audiences show the same board. */
export const sameAudience = (a: Audience, b: Audience) => a.viewer === b.viewer && audienceKey(a) === audienceKey(b);

/** Boards that show the same thing share one build. */
export const audienceKey = (a: Pick<Audience, "contacts" | "facilityIds">) => `${a.contacts ? "c" : "n"}:${a.facilityIds ? a.facilityIds.join(",") : "all"}`;

/** At most this many points in the timeline: the bucket widens past 1,500 minutes. */
const MAX_POINTS = 1_500;
const MINUTE = 60_000;

export async function buildTimeline(db: D1Database, rc: Rollcall, recipients: number): Promise<Timeline> {
  const start = rc.confirmedAt;
  if (start === null) return { start: null, bucketSeconds: 60, recipients, t: [], replies: [], cumulative: [] };
  const end = rc.closedAt ?? clock.now();
  const minutes = Math.max(1, Math.ceil((end - start) / MINUTE));
  const bucketMs = Math.ceil(minutes / MAX_POINTS) * MINUTE;
  const rows = await data.replyBuckets(db, rc.id, start, bucketMs);
  const t = [start / 1000];
  const replies = [0];
  const cumulative = [0];
  let total = 0;
  for (const r of rows) {
    total += r.n;
    t.push((start + r.bucket * bucketMs) / 1000 + bucketMs / 1000);
    replies.push(r.n);
    cumulative.push(total);
  }
  return { start, bucketSeconds: bucketMs / 1000, recipients, t, replies, cumulative };
}

async function phoneCheckOf(db: D1Database, rollcallId: number, facilityIds: number[] | null): Promise<PhoneCheck[]> {
  const byFacility = new Map<number, PhoneCheck>();
  for (const r of await data.phoneCheck(db, rollcallId, facilityIds)) {
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

/** Non-responders shown on a board; the rest page through `GET /api/rollcalls/{id}?after=`. */
export const BOARD_NON_RESPONDERS = 100;

/** The whole board for one audience, from D1 (the source of truth). */
export async function buildBoard(env: Env, rc: Rollcall, audience: Pick<Audience, "viewer" | "contacts" | "facilityIds">): Promise<Board> {
  const [agg, phone] = await Promise.all([
    aggregates(env, rc, { after: 0, limit: BOARD_NON_RESPONDERS, facilityIds: audience.facilityIds }),
    audience.contacts ? phoneCheckOf(env.DB, rc.id, audience.facilityIds) : Promise.resolve(null),
  ]);
  return {
    rollcall: toApi(rc),
    aggregates: agg,
    progress: agg.delivery,
    timeline: await buildTimeline(env.DB, rc, agg.recipients),
    phoneCheck: phone,
    audience: { viewer: audience.viewer, contacts: audience.contacts, facilityIds: audience.facilityIds },
  };
}

/** A board's reading of contact details goes to the audit log once an hour per person and roll-call. */
const CONTACT_AUDIT_EVERY_MS = 3_600_000;

export async function auditContactsRead(db: D1Database, actorId: number, rollcallId: number, detail: Record<string, unknown>): Promise<void> {
  if (await data.contactsReadSince(db, actorId, rollcallId, clock.now() - CONTACT_AUDIT_EVERY_MS)) return;
  await audit(db, { actorId, action: "board.contacts_read", objectType: "rollcall", objectId: rollcallId, detail });
}
