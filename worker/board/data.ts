/** All SQL of the board domain (reads over the roll-call, reply and delivery tables). Times are UTC ms. */
import type { Audience, Channel } from "../delivery/types";
import { recipientReplyOf, type RecipientReplyRow } from "../rollcall/data";
import type { Answers } from "../rollcall/schemas";

/** First replies per time bucket since `start` (bucket = floor((replied_at - start) / bucketMs)). */
export async function replyBuckets(db: D1Database, rollcallId: number, start: number, bucketMs: number): Promise<{ bucket: number; n: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT MAX(0, (replied_at - ?2) / ?3) AS bucket, COUNT(*) AS n FROM rollcall_recipients
       WHERE rollcall_id = ?1 AND replied_at IS NOT NULL GROUP BY bucket ORDER BY bucket`,
    )
    .bind(rollcallId, start, bucketMs)
    .all<{ bucket: number; n: number }>();
  return results;
}

export interface PhoneCheckRow {
  facilityId: number;
  facility: string;
  facilityPhone: string | null;
  unreplied: number;
  personId: number | null;
  name: string | null;
  role: "admin" | "delegate" | null;
  mobile: string | null;
}

/**
 * Facilities with non-responders (within `facilityIds` when given), each with its
 * admins and delegates and their first mobile number: whom to phone for a check.
 */
export function phoneCheck(db: D1Database, rollcallId: number, facilityIds: number[] | null): Promise<PhoneCheckRow[]> {
  // The paged query over every page (SQLite: LIMIT -1 is no limit).
  return phoneCheckPage(db, rollcallId, facilityIds, { offset: 0, limit: -1 });
}

export interface FacilityInfo {
  id: number;
  name: string;
  type: string;
  phone: string | null;
}

export async function facility(db: D1Database, id: number): Promise<FacilityInfo | null> {
  return db.prepare("SELECT id, name, type, phone FROM facilities WHERE id = ?1").bind(id).first<FacilityInfo>();
}

export interface RecipientRow {
  personId: number;
  name: string;
  kana: string;
  job: string;
  isFacilityAdmin: boolean;
  repliedAt: number | null;
  replyId: number | null;
  answers: Answers | null;
  comment: string;
  via: string | null;
  answeredAt: number | null;
  mobile: string | null;
  email: string | null;
}

/** A facility's recipients with their latest answer; contacts only when asked for. */
export async function facilityRecipients(db: D1Database, rollcallId: number, facilityId: number, withContacts: boolean): Promise<RecipientRow[]> {
  const contacts = withContacts
    ? `(SELECT value FROM contacts c WHERE c.person_id = x.person_id AND c.kind = 'mobile' AND c.removed_at IS NULL ORDER BY c.verified_at IS NULL, c.id LIMIT 1) AS mobile,
       (SELECT value FROM contacts c WHERE c.person_id = x.person_id AND c.kind = 'email' AND c.removed_at IS NULL ORDER BY c.verified_at IS NULL, c.id LIMIT 1) AS email`
    : "NULL AS mobile, NULL AS email";
  const { results } = await db
    .prepare(
      `SELECT x.person_id, p.name, p.kana, p.job, x.is_facility_admin, x.replied_at, x.last_reply_id, r.answers, r.comment, r.comment_removed_at, r.via,
         r.created_at AS answered_at, ${contacts}
       FROM rollcall_recipients x JOIN people p ON p.id = x.person_id LEFT JOIN replies r ON r.id = x.last_reply_id
       WHERE x.rollcall_id = ?1 AND x.facility_id = ?2
       ORDER BY x.replied_at IS NOT NULL, p.kana, x.person_id`,
    )
    .bind(rollcallId, facilityId)
    .all<RecipientReplyRow & { last_reply_id: number | null; mobile: string | null; email: string | null }>();
  return results.map((r) => ({
    ...recipientReplyOf(r),
    replyId: r.last_reply_id,
    mobile: r.mobile,
    email: r.email,
  }));
}

export interface Profile {
  id: number;
  name: string;
  kana: string;
  job: string;
  photoKey: string | null;
}

export async function profile(db: D1Database, personId: number): Promise<Profile | null> {
  const r = await db
    .prepare("SELECT id, name, kana, job, photo_key FROM people WHERE id = ?1")
    .bind(personId)
    .first<{ id: number; name: string; kana: string; job: string; photo_key: string | null }>();
  return r ? { id: r.id, name: r.name, kana: r.kana, job: r.job, photoKey: r.photo_key } : null;
}

export interface ReplyVersion {
  id: number;
  answers: Answers;
  comment: string;
  commentRemoved: boolean;
  via: string;
  proxyBy: { personId: number; name: string } | null;
  at: number;
}

/** Every version of a person's reply, oldest first, with who recorded a proxy reply. */
export async function replyVersions(db: D1Database, rollcallId: number, personId: number): Promise<ReplyVersion[]> {
  const { results } = await db
    .prepare(
      `SELECT r.id, r.answers, r.comment, r.comment_removed_at, r.via, r.proxy_by, pb.name AS proxy_name, r.created_at
       FROM replies r LEFT JOIN people pb ON pb.id = r.proxy_by WHERE r.rollcall_id = ?1 AND r.person_id = ?2 ORDER BY r.id`,
    )
    .bind(rollcallId, personId)
    .all<{
      id: number;
      answers: string;
      comment: string;
      comment_removed_at: number | null;
      via: string;
      proxy_by: number | null;
      proxy_name: string | null;
      created_at: number;
    }>();
  return results.map((r) => ({
    id: r.id,
    answers: JSON.parse(r.answers) as Answers,
    comment: r.comment_removed_at ? "" : r.comment,
    commentRemoved: r.comment_removed_at !== null,
    via: r.via,
    proxyBy: r.proxy_by === null ? null : { personId: r.proxy_by, name: r.proxy_name ?? "" },
    at: r.created_at,
  }));
}

export interface DeliveryRow {
  id: number;
  channel: Channel;
  wave: number;
  audience: Audience;
  state: string;
  error: string | null;
  attempts: number;
  deviceName: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Every delivery to a person in a roll-call: which channel reached them, when, or why not. */
export async function personDeliveries(db: D1Database, rollcallId: number, personId: number): Promise<DeliveryRow[]> {
  const { results } = await db
    .prepare(
      `SELECT d.id, d.channel, d.wave, d.audience, d.state, d.error, d.attempts, d.created_at, d.updated_at,
         CASE WHEN d.channel = 'push' THEN (SELECT ps.device_name FROM push_subscriptions ps WHERE ps.id = d.address_id) END AS device_name
       FROM deliveries d WHERE d.rollcall_id = ?1 AND d.person_id = ?2 ORDER BY d.wave, d.id`,
    )
    .bind(rollcallId, personId)
    // The one-word columns as the row has them, the rest by their column names.
    .all<
      Pick<DeliveryRow, "id" | "channel" | "wave" | "audience" | "state" | "error" | "attempts"> & {
        created_at: number;
        updated_at: number;
        device_name: string | null;
      }
    >();
  return results.map((r) => ({
    id: r.id,
    channel: r.channel,
    wave: r.wave,
    audience: r.audience,
    state: r.state,
    error: r.error,
    attempts: r.attempts,
    deviceName: r.device_name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

/** A person's active contacts, verified first: email, mobile, and any home or office phone (to call, never texted). */
export async function contactsOf(db: D1Database, personId: number): Promise<{ kind: "email" | "mobile" | "phone"; value: string; verified: boolean }[]> {
  const { results } = await db
    .prepare("SELECT kind, value, verified_at FROM contacts WHERE person_id = ?1 AND removed_at IS NULL ORDER BY kind, verified_at IS NULL, id")
    .bind(personId)
    .all<{ kind: "email" | "mobile" | "phone"; value: string; verified_at: number | null }>();
  return results.map((r) => ({ kind: r.kind, value: r.value, verified: r.verified_at !== null }));
}

/** Recipients among these people with their facility, whether they replied, and whether they left the directory. */
export async function recipientsAmong(
  db: D1Database,
  rollcallId: number,
  personIds: number[],
): Promise<{ personId: number; facilityId: number | null; replied: boolean; removed: boolean }[]> {
  const { results } = await db
    .prepare(
      `SELECT x.person_id, x.facility_id, x.replied_at, p.removed_at FROM rollcall_recipients x JOIN people p ON p.id = x.person_id
       WHERE x.rollcall_id = ?1 AND x.person_id IN (SELECT value FROM json_each(?2)) ORDER BY x.person_id`,
    )
    .bind(rollcallId, JSON.stringify(personIds))
    .all<{ person_id: number; facility_id: number | null; replied_at: number | null; removed_at: number | null }>();
  return results.map((r) => ({ personId: r.person_id, facilityId: r.facility_id, replied: r.replied_at !== null, removed: r.removed_at !== null }));
}

/** Everyone of a facility who has not replied (and is still in the directory). */
export async function unrepliedOfFacility(db: D1Database, rollcallId: number, facilityId: number): Promise<number[]> {
  const { results } = await db
    .prepare(
      `SELECT x.person_id FROM rollcall_recipients x JOIN people p ON p.id = x.person_id
       WHERE x.rollcall_id = ?1 AND x.facility_id = ?2 AND x.replied_at IS NULL AND p.removed_at IS NULL ORDER BY x.person_id`,
    )
    .bind(rollcallId, facilityId)
    .all<{ person_id: number }>();
  return results.map((r) => r.person_id);
}

/** The highest wave any delivery of the roll-call used. */
export async function maxWave(db: D1Database, rollcallId: number): Promise<number> {
  const r = await db.prepare("SELECT COALESCE(MAX(wave), 0) AS w FROM deliveries WHERE rollcall_id = ?1").bind(rollcallId).first<{ w: number }>();
  return r!.w;
}

/** Whether the person's reading of contact details on this roll-call's board was audited since `since`. */
export async function contactsReadSince(db: D1Database, actorId: number, rollcallId: number, since: number): Promise<boolean> {
  const r = await db
    .prepare(
      "SELECT 1 AS x FROM audit_log WHERE actor_id = ?1 AND at >= ?3 AND action = 'board.contacts_read' AND object_type = 'rollcall' AND object_id = ?2 LIMIT 1",
    )
    .bind(actorId, String(rollcallId), since)
    .first<{ x: number }>();
  return r !== null;
}

// ---------------------------------------------------------------- the board's counts (read once, then kept by the object)

export interface FacilityCountRow {
  facilityId: number | null;
  name: string | null;
  type: string | null;
  district: string | null;
  kana: string | null;
  recipients: number;
  replied: number;
}

export interface CountsSnapshot {
  /** The highest reply id of the roll-call this read holds: a later note with a higher id is not in it yet. */
  watermark: number;
  facilities: FacilityCountRow[];
  /** Latest answers' safety per facility. */
  safety: { facilityId: number | null; safety: string | null; n: number }[];
  /** Latest answers by availability, ack and whether a proxy recorded them. */
  answers: { availability: string | null; ack: string | null; proxy: number; n: number }[];
  /** Facility admins' latest answers that carry a facility report. */
  reports: { personId: number; facilityId: number | null; replyId: number; answers: Answers; answeredAt: number }[];
  /** First replies per minute since `start`. */
  minutes: { bucket: number; n: number }[];
  delivery: { channel: string; state: string; n: number }[];
  /** Everyone whose latest answer is 要救助 (severe), with when they answered so. */
  severe: { personId: number; name: string; job: string; facilityId: number | null; at: number }[];
  /**
   * Latest answers of who can come (出勤可能, 条件付き) per facility, 職種, and arrival
   * text; `minute` (the answer's, Unix minutes) only where there is a text to read it against.
   */
  staff: { facilityId: number | null; job: string; availability: string; arrival: string | null; minute: number | null; n: number }[];
}

/**
 * Everything the board counts, in one batch (one transaction, so the parts agree
 * with each other and with the watermark). Aggregated in SQL: at 100,000 recipients
 * this is a few thousand rows, not one per person.
 */
export async function countsSnapshot(db: D1Database, rollcallId: number, start: number | null): Promise<CountsSnapshot> {
  const [mark, facilities, safety, answers, reports, minutes, delivery, severe, staff] = await db.batch<Record<string, unknown>>([
    db.prepare("SELECT COALESCE(MAX(id), 0) AS m FROM replies WHERE rollcall_id = ?1").bind(rollcallId),
    db
      .prepare(
        `SELECT x.facility_id, f.name, f.type, f.district, f.kana, COUNT(*) AS recipients, COUNT(x.replied_at) AS replied
         FROM rollcall_recipients x LEFT JOIN facilities f ON f.id = x.facility_id
         WHERE x.rollcall_id = ?1 GROUP BY x.facility_id ORDER BY f.type, f.kana, x.facility_id`,
      )
      .bind(rollcallId),
    db
      .prepare(
        `SELECT x.facility_id, json_extract(r.answers, '$.safety') AS safety, COUNT(*) AS n
         FROM rollcall_recipients x JOIN replies r ON r.id = x.last_reply_id WHERE x.rollcall_id = ?1 GROUP BY 1, 2`,
      )
      .bind(rollcallId),
    db
      .prepare(
        `SELECT json_extract(r.answers, '$.availability') AS availability, json_extract(r.answers, '$.ack') AS ack, r.via = 'proxy' AS proxy, COUNT(*) AS n
         FROM rollcall_recipients x JOIN replies r ON r.id = x.last_reply_id WHERE x.rollcall_id = ?1 GROUP BY 1, 2, 3`,
      )
      .bind(rollcallId),
    db
      .prepare(
        `SELECT x.person_id, x.facility_id, r.id AS reply_id, r.answers, r.created_at
         FROM rollcall_recipients x JOIN replies r ON r.id = x.last_reply_id
         WHERE x.rollcall_id = ?1 AND x.is_facility_admin = 1 AND json_extract(r.answers, '$.facility') IS NOT NULL`,
      )
      .bind(rollcallId),
    db
      .prepare(
        `SELECT MAX(0, (replied_at - ?2) / 60000) AS bucket, COUNT(*) AS n FROM rollcall_recipients
         WHERE rollcall_id = ?1 AND replied_at IS NOT NULL AND ?2 IS NOT NULL GROUP BY bucket ORDER BY bucket`,
      )
      .bind(rollcallId, start),
    db.prepare("SELECT channel, state, COUNT(*) AS n FROM deliveries WHERE rollcall_id = ?1 GROUP BY channel, state").bind(rollcallId),
    db
      .prepare(
        `SELECT x.person_id, p.name, p.job, x.facility_id, r.created_at
         FROM rollcall_recipients x JOIN replies r ON r.id = x.last_reply_id JOIN people p ON p.id = x.person_id
         WHERE x.rollcall_id = ?1 AND json_extract(r.answers, '$.safety') = 'severe'`,
      )
      .bind(rollcallId),
    db
      .prepare(
        `SELECT x.facility_id, p.job, json_extract(r.answers, '$.availability') AS availability, json_extract(r.answers, '$.arrival') AS arrival,
           CASE WHEN json_extract(r.answers, '$.arrival') IS NULL THEN NULL ELSE r.created_at / 60000 END AS minute, COUNT(*) AS n
         FROM rollcall_recipients x JOIN replies r ON r.id = x.last_reply_id JOIN people p ON p.id = x.person_id
         WHERE x.rollcall_id = ?1 AND json_extract(r.answers, '$.availability') IN ('yes', 'conditional')
         GROUP BY 1, 2, 3, 4, 5`,
      )
      .bind(rollcallId),
  ]);
  type R<T> = { results: T[] };
  const rows = <T>(r: unknown) => (r as R<T>).results;
  return {
    watermark: rows<{ m: number }>(mark)[0]?.m ?? 0,
    // The one-word columns as the row has them.
    facilities: rows<Omit<FacilityCountRow, "facilityId"> & { facility_id: number | null }>(facilities).map((r) => ({
      facilityId: r.facility_id,
      name: r.name,
      type: r.type,
      district: r.district,
      kana: r.kana,
      recipients: r.recipients,
      replied: r.replied,
    })),
    safety: rows<{ facility_id: number | null; safety: string | null; n: number }>(safety).map((r) => ({
      facilityId: r.facility_id,
      safety: r.safety,
      n: r.n,
    })),
    answers: rows<{ availability: string | null; ack: string | null; proxy: number; n: number }>(answers),
    reports: rows<{ person_id: number; facility_id: number | null; reply_id: number; answers: string; created_at: number }>(reports).map((r) => ({
      personId: r.person_id,
      facilityId: r.facility_id,
      replyId: r.reply_id,
      answers: JSON.parse(r.answers) as Answers,
      answeredAt: r.created_at,
    })),
    minutes: rows<{ bucket: number; n: number }>(minutes),
    delivery: rows<{ channel: string; state: string; n: number }>(delivery),
    severe: rows<{ person_id: number; name: string; job: string; facility_id: number | null; created_at: number }>(severe).map((r) => ({
      personId: r.person_id,
      name: r.name,
      job: r.job,
      facilityId: r.facility_id,
      at: r.created_at,
    })),
    staff: rows<{ facility_id: number | null; job: string; availability: string; arrival: string | null; minute: number | null; n: number }>(staff).map(
      (r) => ({
        facilityId: r.facility_id,
        job: r.job,
        availability: r.availability,
        arrival: r.arrival,
        minute: r.minute,
        n: r.n,
      }),
    ),
  };
}

/** Facility admins' latest answers with a facility report, for one facility (its report is decided again when one of them changes). */
export async function facilityReportAnswers(
  db: D1Database,
  rollcallId: number,
  facilityId: number,
): Promise<{ personId: number; replyId: number; answers: Answers; answeredAt: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT x.person_id, r.id AS reply_id, r.answers, r.created_at FROM rollcall_recipients x JOIN replies r ON r.id = x.last_reply_id
       WHERE x.rollcall_id = ?1 AND x.facility_id = ?2 AND x.is_facility_admin = 1 AND json_extract(r.answers, '$.facility') IS NOT NULL`,
    )
    .bind(rollcallId, facilityId)
    .all<{ person_id: number; reply_id: number; answers: string; created_at: number }>();
  return results.map((r) => ({ personId: r.person_id, replyId: r.reply_id, answers: JSON.parse(r.answers) as Answers, answeredAt: r.created_at }));
}

/**
 * Facilities with non-responders, a page at a time (`offset`, `limit` facilities, in
 * the board's order), with their admins and delegates: the paged phone check.
 */
export async function phoneCheckPage(
  db: D1Database,
  rollcallId: number,
  facilityIds: number[] | null,
  page: { offset: number; limit: number },
): Promise<PhoneCheckRow[]> {
  const { results } = await db
    .prepare(
      `WITH u AS (
         SELECT x.facility_id, COUNT(*) AS n FROM rollcall_recipients x JOIN facilities f ON f.id = x.facility_id
         WHERE x.rollcall_id = ?1 AND x.replied_at IS NULL AND x.facility_id IS NOT NULL
           AND (?2 IS NULL OR x.facility_id IN (SELECT value FROM json_each(?2)))
         GROUP BY x.facility_id ORDER BY f.type, f.kana, f.id LIMIT ?4 OFFSET ?3)
       SELECT f.id AS facility_id, f.name AS facility, f.phone AS facility_phone, u.n AS unreplied,
         p.id AS person_id, p.name, m.role,
         (SELECT c.value FROM contacts c WHERE c.person_id = p.id AND c.kind = 'mobile' AND c.removed_at IS NULL
          ORDER BY c.verified_at IS NULL, c.id LIMIT 1) AS mobile
       FROM u JOIN facilities f ON f.id = u.facility_id
       LEFT JOIN memberships m ON m.facility_id = f.id AND m.role IN ('admin', 'delegate') AND m.removed_at IS NULL
       LEFT JOIN people p ON p.id = m.person_id AND p.removed_at IS NULL
       ORDER BY f.type, f.kana, f.id, m.role, p.kana, p.id`,
    )
    .bind(rollcallId, facilityIds ? JSON.stringify(facilityIds) : null, page.offset, page.limit)
    .all<{
      facility_id: number;
      facility: string;
      facility_phone: string | null;
      unreplied: number;
      person_id: number | null;
      name: string | null;
      role: "admin" | "delegate" | null;
      mobile: string | null;
    }>();
  return results.map((r) => ({
    facilityId: r.facility_id,
    facility: r.facility,
    facilityPhone: r.facility_phone,
    unreplied: r.unreplied,
    personId: r.person_id,
    name: r.name,
    role: r.person_id === null ? null : r.role,
    mobile: r.person_id === null ? null : r.mobile,
  }));
}

/** The first mobile number of each of these people (verified first): the 要救助 list's phone action, on boards with contacts. */
export async function mobilesOf(db: D1Database, personIds: number[]): Promise<Map<number, string>> {
  if (personIds.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT p.value AS person_id,
         (SELECT c.value FROM contacts c WHERE c.person_id = p.value AND c.kind = 'mobile' AND c.removed_at IS NULL
          ORDER BY c.verified_at IS NULL, c.id LIMIT 1) AS mobile
       FROM json_each(?1) p`,
    )
    .bind(JSON.stringify(personIds))
    .all<{ person_id: number; mobile: string | null }>();
  return new Map(results.filter((r) => r.mobile !== null).map((r) => [r.person_id, r.mobile!]));
}
