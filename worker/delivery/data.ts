/**
 * All SQL of the delivery domain. Raw SQL with ?N parameters and explicit row mappers.
 * A roll-call's state is read through rollcall/data.ts's SQL fragments, never its table.
 */
import { liveRollcallSql, messageFacilityNameSql, rollcallStateSql } from "../rollcall/data";
import type { Audience, Channel, DeliveryState, PushTarget } from "./types";

export type { DeliveryState } from "./types";

/** One page of recipients (person id > after), optionally only those who have not replied. */
export async function recipientPage(db: D1Database, rollcallId: number, after: number, onlyUnreplied: boolean, limit: number): Promise<number[]> {
  const { results } = await db
    .prepare(
      `SELECT r.person_id FROM rollcall_recipients r JOIN people p ON p.id = r.person_id
       WHERE r.rollcall_id = ?1 AND r.person_id > ?2 AND (?3 = 0 OR r.replied_at IS NULL) AND p.removed_at IS NULL
       ORDER BY r.person_id LIMIT ?4`,
    )
    .bind(rollcallId, after, onlyUnreplied ? 1 : 0, limit)
    .all<{ person_id: number }>();
  return results.map((r) => r.person_id);
}

/** One page of facility admins and delegates whose facility has recipients who have not replied. */
export async function facilityAdminPage(db: D1Database, rollcallId: number, after: number, limit: number): Promise<number[]> {
  const { results } = await db
    .prepare(
      `SELECT DISTINCT m.person_id FROM memberships m JOIN people p ON p.id = m.person_id
       WHERE m.role IN ('admin','delegate') AND m.removed_at IS NULL AND p.removed_at IS NULL AND m.person_id > ?2
         AND m.facility_id IN (SELECT facility_id FROM rollcall_recipients WHERE rollcall_id = ?1 AND replied_at IS NULL AND facility_id IS NOT NULL)
       ORDER BY m.person_id LIMIT ?3`,
    )
    .bind(rollcallId, after, limit)
    .all<{ person_id: number }>();
  return results.map((r) => r.person_id);
}

export interface Reach {
  push: number[];
  sms: number | null;
  email: number | null;
}

/**
 * The addresses of each person: every active push subscription, and the best mobile
 * and email (verified first, then the one that last worked). Unverified contacts are
 * used too: in a disaster an unconfirmed address beats none.
 */
export async function reachOf(db: D1Database, personIds: number[]): Promise<Map<number, Reach>> {
  const ids = JSON.stringify(personIds);
  const [contacts, subs] = await db.batch<{ person_id: number; id: number; kind?: string }>([
    db
      .prepare(
        `SELECT person_id, id, kind FROM contacts
         WHERE person_id IN (SELECT value FROM json_each(?1)) AND removed_at IS NULL
         ORDER BY person_id, kind, verified_at IS NULL, last_ok_at IS NULL, last_ok_at DESC, id`,
      )
      .bind(ids),
    db
      .prepare(
        "SELECT person_id, id FROM push_subscriptions WHERE person_id IN (SELECT value FROM json_each(?1)) AND revoked_at IS NULL ORDER BY person_id, id",
      )
      .bind(ids),
  ]);
  const reach = new Map<number, Reach>(personIds.map((id) => [id, { push: [], sms: null, email: null }]));
  for (const c of contacts!.results) {
    const r = reach.get(c.person_id)!;
    if (c.kind === "mobile") r.sms ??= c.id;
    else if (c.kind === "email") r.email ??= c.id;
  }
  for (const s of subs!.results) reach.get(s.person_id)!.push.push(s.id);
  return reach;
}

export interface NewDelivery {
  idemKey: string;
  personId: number;
  channel: Channel;
  addressId: number;
}

/** Inserts the deliveries of one page in one statement; existing idempotency keys are left alone. */
export async function insertDeliveries(db: D1Database, rollcallId: number, wave: number, audience: Audience, rows: NewDelivery[], now: number): Promise<void> {
  if (rows.length === 0) return;
  await db
    .prepare(
      `INSERT INTO deliveries (idem_key, rollcall_id, person_id, channel, wave, audience, address_id, state, created_at, updated_at)
       SELECT json_extract(value, '$.k'), ?1, json_extract(value, '$.p'), json_extract(value, '$.c'), ?2, ?3, json_extract(value, '$.a'), 'queued', ?4, ?4
       FROM json_each(?5) WHERE true
       ON CONFLICT(idem_key) DO NOTHING`,
    )
    .bind(rollcallId, wave, audience, now, JSON.stringify(rows.map((r) => ({ k: r.idemKey, p: r.personId, c: r.channel, a: r.addressId }))))
    .run();
}

/** The still-queued deliveries of a page: sent again after a redelivered plan, harmless thanks to the claim. */
export async function queuedOfPage(db: D1Database, rollcallId: number, wave: number, audience: Audience, personIds: number[]): Promise<number[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM deliveries WHERE rollcall_id = ?1 AND wave = ?2 AND audience = ?3 AND state = 'queued'
         AND person_id IN (SELECT value FROM json_each(?4)) ORDER BY id`,
    )
    .bind(rollcallId, wave, audience, JSON.stringify(personIds))
    .all<{ id: number }>();
  return results.map((r) => r.id);
}

export interface SendRow {
  id: number;
  rollcallId: number;
  personId: number;
  channel: Channel;
  wave: number;
  audience: Audience;
  addressId: number;
  state: DeliveryState;
  leaseUntil: number | null;
  sendAt: number | null;
  /** null only if the roll-call is gone. */
  rollcallState: string | null;
  personName: string;
  personLang: string;
  /** The facility a message names: the recipient's in the snapshot, else the person's first (as rollcall/data.ts's addressee). */
  facility: string | null;
  /** E.164 or email; null when the contact was removed. Never logged. */
  address: string | null;
  push: (PushTarget & { deviceName: string }) | null;
}

interface SendDbRow {
  id: number;
  rollcall_id: number;
  person_id: number;
  channel: Channel;
  wave: number;
  audience: Audience;
  address_id: number;
  state: DeliveryState;
  lease_until: number | null;
  send_at: number | null;
  rollcall_state: string | null;
  person_name: string;
  person_lang: string;
  facility: string | null;
  contact_value: string | null;
  endpoint: string | null;
  p256dh: string | null;
  auth: string | null;
  device_name: string | null;
}

/** What sending needs of these deliveries, in one statement: the delivery, its roll-call's state, the addressee and the address. */
export async function loadForSend(db: D1Database, ids: number[]): Promise<SendRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT d.id, d.rollcall_id, d.person_id, d.channel, d.wave, d.audience, d.address_id, d.state, d.lease_until, d.send_at,
              ${rollcallStateSql("d.rollcall_id")} AS rollcall_state, p.name AS person_name, p.lang AS person_lang,
              ${messageFacilityNameSql("d.rollcall_id", "d.person_id")} AS facility,
              ct.value AS contact_value, ps.endpoint, ps.p256dh, ps.auth, ps.device_name
       FROM deliveries d
       JOIN people p ON p.id = d.person_id
       LEFT JOIN contacts ct ON d.channel IN ('sms','email') AND ct.id = d.address_id AND ct.removed_at IS NULL
       LEFT JOIN push_subscriptions ps ON d.channel = 'push' AND ps.id = d.address_id AND ps.revoked_at IS NULL
       WHERE d.id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(ids))
    .all<SendDbRow>();
  return results.map((r) => ({
    id: r.id,
    rollcallId: r.rollcall_id,
    personId: r.person_id,
    channel: r.channel,
    wave: r.wave,
    audience: r.audience,
    addressId: r.address_id,
    state: r.state,
    leaseUntil: r.lease_until,
    sendAt: r.send_at,
    rollcallState: r.rollcall_state,
    personName: r.person_name,
    personLang: r.person_lang,
    facility: r.facility,
    address: r.contact_value,
    push: r.endpoint && r.p256dh && r.auth ? { endpoint: r.endpoint, keys: { p256dh: r.p256dh, auth: r.auth }, deviceName: r.device_name ?? "" } : null,
  }));
}

/**
 * Claims deliveries for sending, in one statement: only queued ones, or ones whose
 * sender's lease ran out. At most one sender holds a delivery at a time, so a
 * redelivered message never sends twice. Answers the ids this sender now holds.
 */
export async function claim(db: D1Database, ids: number[], now: number, leaseMs: number): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const { results } = await db
    .prepare(
      `UPDATE deliveries SET state = 'sending', lease_until = ?2, attempts = attempts + 1, updated_at = ?3
       WHERE id IN (SELECT value FROM json_each(?1)) AND (state = 'queued' OR (state = 'sending' AND lease_until < ?3))
       RETURNING id`,
    )
    .bind(JSON.stringify(ids), now + leaseMs, now)
    .all<{ id: number }>();
  return new Set(results.map((r) => r.id));
}

/** Reserves the next free time of an SMS sender: `interval` ms after the previous reservation, never in the past. Answers its start. */
export async function reserveSlot(db: D1Database, sender: string, now: number, intervalMs: number): Promise<number> {
  const r = await db
    .prepare(
      `INSERT INTO sms_pacing (sender, next_at) VALUES (?1, ?2 + ?3)
       ON CONFLICT(sender) DO UPDATE SET next_at = MAX(next_at, ?2) + ?3
       RETURNING next_at - ?3 AS slot`,
    )
    .bind(sender, now, intervalMs)
    .first<{ slot: number }>();
  return r!.slot;
}

/** Keeps each delivery's SMS slot (where none is kept yet), so a redelivered message does not reserve another. */
export async function setSendAt(db: D1Database, slots: { id: number; at: number }[]): Promise<void> {
  if (slots.length === 0) return;
  await db
    .prepare(
      `UPDATE deliveries SET send_at = j.at
       FROM (SELECT json_extract(value, '$.i') AS id, json_extract(value, '$.a') AS at FROM json_each(?1)) AS j
       WHERE deliveries.id = j.id AND deliveries.send_at IS NULL`,
    )
    .bind(JSON.stringify(slots.map((s) => ({ i: s.id, a: s.at }))))
    .run();
}

/**
 * How a send ended, as stored: accepted ("sent"/"delivered", with the provider's id),
 * back to "queued" for a retry (a transient failure), or a final "failed"/"cancelled".
 */
export type SendResultRow =
  | { id: number; state: "sent" | "delivered"; providerId: string | null; channel: Channel; addressId: number }
  | { id: number; state: "queued"; error: string }
  | { id: number; state: "failed" | "cancelled"; error: string };

/**
 * The outcomes of sends, in one statement. An accepted or released delivery must still
 * be 'sending' (this sender's claim); a final one may also be 'queued'; nothing moves a
 * delivery out of a final state.
 */
export function outcomesStatement(db: D1Database, rows: SendResultRow[], now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deliveries SET state = j.state,
         provider_id = CASE WHEN j.state IN ('sent','delivered') THEN j.provider ELSE deliveries.provider_id END,
         error = j.error, lease_until = NULL,
         send_at = CASE WHEN j.state = 'queued' THEN NULL ELSE deliveries.send_at END,
         updated_at = ?2
       FROM (SELECT json_extract(value, '$.i') AS id, json_extract(value, '$.s') AS state, json_extract(value, '$.p') AS provider,
                    json_extract(value, '$.e') AS error FROM json_each(?1)) AS j
       WHERE deliveries.id = j.id AND (deliveries.state = 'sending' OR (j.state IN ('failed','cancelled') AND deliveries.state = 'queued'))`,
    )
    .bind(
      JSON.stringify(rows.map((r) => ("providerId" in r ? { i: r.id, s: r.state, p: r.providerId, e: null } : { i: r.id, s: r.state, p: null, e: r.error }))),
      now,
    );
}

/** The addresses that worked (feeds readiness) and the push subscriptions that are gone, at most one statement each. */
export function addressStatements(db: D1Database, worked: { channel: Channel; addressId: number }[], gone: number[], now: number): D1PreparedStatement[] {
  const contacts = worked.filter((w) => w.channel !== "push").map((w) => w.addressId);
  const push = worked.filter((w) => w.channel === "push").map((w) => w.addressId);
  const stmts: D1PreparedStatement[] = [];
  if (contacts.length > 0)
    stmts.push(db.prepare("UPDATE contacts SET last_ok_at = ?2 WHERE id IN (SELECT value FROM json_each(?1))").bind(JSON.stringify(contacts), now));
  if (push.length > 0)
    stmts.push(db.prepare("UPDATE push_subscriptions SET last_ok_at = ?2 WHERE id IN (SELECT value FROM json_each(?1))").bind(JSON.stringify(push), now));
  if (gone.length > 0)
    stmts.push(
      db
        .prepare("UPDATE push_subscriptions SET revoked_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND revoked_at IS NULL")
        .bind(JSON.stringify(gone), now),
    );
  return stmts;
}

/** The dead-letter queue's verdict: whatever is still open of these deliveries failed. */
export async function failDeadLettered(db: D1Database, ids: number[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare(
      `UPDATE deliveries SET state = 'failed', error = 'dead-letter', lease_until = NULL, updated_at = ?2
       WHERE id IN (SELECT value FROM json_each(?1)) AND state IN ('queued','sending')`,
    )
    .bind(JSON.stringify(ids), now)
    .run();
}

/**
 * A provider status callback, forward only: 'delivered' or 'failed' land on a sending
 * or sent delivery; nothing moves a delivery out of a final state.
 * Returns whether the delivery changed.
 */
/** Moves a delivery forward on a provider's report; answers its roll-call when it changed, else null. */
export async function applyProviderStatus(
  db: D1Database,
  channel: Channel,
  providerId: string,
  state: "delivered" | "failed",
  error: string | null,
  now: number,
): Promise<number | null> {
  const stmts = [
    db
      .prepare(
        `UPDATE deliveries SET state = ?3, error = ?4, lease_until = NULL, updated_at = ?5
         WHERE provider_id = ?1 AND channel = ?2 AND state IN ('sending','sent') RETURNING rollcall_id`,
      )
      .bind(providerId, channel, state, error, now),
  ];
  if (state === "delivered")
    stmts.push(
      db
        .prepare("UPDATE contacts SET last_ok_at = ?3 WHERE id = (SELECT address_id FROM deliveries WHERE provider_id = ?1 AND channel = ?2)")
        .bind(providerId, channel, now),
    );
  const [r] = await db.batch<{ rollcall_id: number }>(stmts);
  return r!.results[0]?.rollcall_id ?? null;
}

// Inbound SMS.

export interface SmsSender {
  personId: number;
  lang: string;
}

/** The account an inbound number belongs to (one account per number, §5). */
export async function personByMobile(db: D1Database, e164: string): Promise<SmsSender | null> {
  const r = await db
    .prepare(
      `SELECT p.id, p.lang FROM contacts c JOIN people p ON p.id = c.person_id
       WHERE c.kind = 'mobile' AND c.value = ?1 AND c.removed_at IS NULL AND p.removed_at IS NULL LIMIT 1`,
    )
    .bind(e164)
    .first<{ id: number; lang: string }>();
  return r ? { personId: r.id, lang: r.lang } : null;
}

/** Claims an inbound MessageSid; false when it was handled before (a replay). */
export async function claimInbound(db: D1Database, messageSid: string, now: number): Promise<boolean> {
  const r = await db
    .prepare("INSERT INTO inbound_sms (message_sid, outcome, created_at) VALUES (?1, 'pending', ?2) ON CONFLICT(message_sid) DO NOTHING")
    .bind(messageSid, now)
    .run();
  return r.meta.changes === 1;
}

export async function finishInbound(
  db: D1Database,
  messageSid: string,
  o: { rollcallId: number | null; personId: number | null; outcome: string; reply: string; waiting?: string | null },
): Promise<void> {
  await db
    .prepare("UPDATE inbound_sms SET rollcall_id = ?2, person_id = ?3, outcome = ?4, reply = ?5, waiting = ?6 WHERE message_sid = ?1")
    .bind(messageSid, o.rollcallId, o.personId, o.outcome, o.reply, o.waiting ?? null)
    .run();
}

/**
 * What the person's previous SMS to this roll-call left waiting (its JSON), when that message is
 * their latest and came after `since` (their latest reply): null otherwise.
 */
export async function waitingInbound(db: D1Database, rollcallId: number, personId: number, since: number): Promise<string | null> {
  const r = await db
    .prepare(
      `SELECT waiting, created_at FROM inbound_sms WHERE rollcall_id = ?1 AND person_id = ?2 AND outcome != 'pending'
       ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    )
    .bind(rollcallId, personId)
    .first<{ waiting: string | null; created_at: number }>();
  return r && r.created_at > since ? r.waiting : null;
}

export async function inboundReply(db: D1Database, messageSid: string): Promise<{ outcome: string; reply: string } | null> {
  return db.prepare("SELECT outcome, reply FROM inbound_sms WHERE message_sid = ?1").bind(messageSid).first<{ outcome: string; reply: string }>();
}

/** Lets a retry of a request that failed half-way be handled again. */
export async function dropInbound(db: D1Database, messageSid: string): Promise<void> {
  await db.prepare("DELETE FROM inbound_sms WHERE message_sid = ?1 AND outcome = 'pending'").bind(messageSid).run();
}

// The sandbox outbox.

/** A person's first active mobile number (for the sandbox's simulated inbound SMS). */
export async function mobileOf(db: D1Database, personId: number): Promise<string | null> {
  const r = await db
    .prepare("SELECT value FROM contacts WHERE person_id = ?1 AND kind = 'mobile' AND removed_at IS NULL ORDER BY verified_at IS NULL, id LIMIT 1")
    .bind(personId)
    .first<{ value: string }>();
  return r?.value ?? null;
}

/** The person and roll-call a delivery is for. */
export async function deliveryOwner(db: D1Database, deliveryId: number): Promise<{ rollcallId: number; personId: number } | null> {
  const r = await db
    .prepare("SELECT rollcall_id, person_id FROM deliveries WHERE id = ?1")
    .bind(deliveryId)
    .first<{ rollcall_id: number; person_id: number }>();
  return r ? { rollcallId: r.rollcall_id, personId: r.person_id } : null;
}

/** The roll-call an inbound SMS was recorded for (by its MessageSid). */
export async function inboundRollcall(db: D1Database, messageSid: string): Promise<number | null> {
  const r = await db.prepare("SELECT rollcall_id FROM inbound_sms WHERE message_sid = ?1").bind(messageSid).first<{ rollcall_id: number | null }>();
  return r?.rollcall_id ?? null;
}

export async function insertOutbox(
  db: D1Database,
  o: {
    deliveryId: number;
    rollcallId: number;
    personId: number;
    channel: Channel;
    recipient: string;
    subject: string;
    body: string;
    replyUrl: string;
    createdAt: number;
  },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO outbox (delivery_id, rollcall_id, person_id, channel, recipient, subject, body, reply_url, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(delivery_id) DO NOTHING`,
    )
    .bind(o.deliveryId, o.rollcallId, o.personId, o.channel, o.recipient, o.subject, o.body, o.replyUrl, o.createdAt)
    .run();
}

export interface OutboxItem {
  deliveryId: number;
  personId: number;
  channel: Channel;
  wave: number;
  audience: Audience;
  state: DeliveryState;
  recipient: string;
  subject: string;
  text: string;
  replyUrl: string;
  createdAt: string;
}

/**
 * The outbox of a roll-call. `facilityIds` null = everything (network admin); else
 * only people who are recipients from, or members of, those facilities.
 */
export async function listOutbox(db: D1Database, rollcallId: number, facilityIds: number[] | null, after: number, limit: number): Promise<OutboxItem[]> {
  const { results } = await db
    .prepare(
      `SELECT o.delivery_id, o.person_id, o.channel, d.wave, d.audience, d.state, o.recipient, o.subject, o.body, o.reply_url, o.created_at
       FROM outbox o JOIN deliveries d ON d.id = o.delivery_id
       WHERE o.rollcall_id = ?1 AND o.delivery_id > ?3
         AND (?2 IS NULL
              OR EXISTS (SELECT 1 FROM rollcall_recipients r WHERE r.rollcall_id = o.rollcall_id AND r.person_id = o.person_id
                         AND r.facility_id IN (SELECT value FROM json_each(?2)))
              OR EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = o.person_id AND m.removed_at IS NULL
                         AND m.facility_id IN (SELECT value FROM json_each(?2))))
       ORDER BY o.delivery_id LIMIT ?4`,
    )
    .bind(rollcallId, facilityIds ? JSON.stringify(facilityIds) : null, after, limit)
    // The one-word columns as the item has them, the rest by their column names.
    .all<
      Pick<OutboxItem, "channel" | "wave" | "audience" | "state" | "recipient" | "subject"> & {
        delivery_id: number;
        person_id: number;
        body: string;
        reply_url: string;
        created_at: number;
      }
    >();
  return results.map((r) => ({
    deliveryId: r.delivery_id,
    personId: r.person_id,
    channel: r.channel,
    wave: r.wave,
    audience: r.audience,
    state: r.state,
    recipient: r.recipient,
    subject: r.subject,
    text: r.body,
    replyUrl: r.reply_url,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

// The sweeper (sweeper.ts): deliveries and plan pages whose queue message was lost.

/** The last person a wave's plan pages reached (pages run in person order), 0 when none. */
export async function lastPlannedPerson(db: D1Database, rollcallId: number, wave: number, audience: Audience): Promise<number> {
  const r = await db
    .prepare("SELECT MAX(person_id) AS last FROM deliveries WHERE rollcall_id = ?1 AND wave = ?2 AND audience = ?3")
    .bind(rollcallId, wave, audience)
    .first<{ last: number | null }>();
  return r?.last ?? 0;
}

/**
 * Deliveries of live roll-calls that nobody is working on: queued and untouched for
 * longer than any wait the consumer sets (never tried: `freshMs`, after a retry:
 * `retriedMs`, past their SMS slot), or 'sending' with a lease that ran out.
 */
export async function staleDeliveries(
  db: D1Database,
  now: number,
  o: { freshMs: number; retriedMs: number; limit: number },
): Promise<{ id: number; attempts: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT d.id, d.attempts FROM deliveries d
       WHERE ${liveRollcallSql("d.rollcall_id")} AND (
         (d.state = 'queued' AND d.updated_at < ?1 - (CASE WHEN d.attempts = 0 THEN ?2 ELSE ?3 END) AND (d.send_at IS NULL OR d.send_at < ?1 - ?2))
         OR (d.state = 'sending' AND d.lease_until < ?1))
       ORDER BY d.id LIMIT ?4`,
    )
    .bind(now, o.freshMs, o.retriedMs, o.limit)
    .all<{ id: number; attempts: number }>();
  return results;
}

/** Marks queued deliveries as just requeued, so the next sweep leaves them alone for a while. */
export async function touchQueued(db: D1Database, ids: number[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare("UPDATE deliveries SET updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND state = 'queued'")
    .bind(JSON.stringify(ids), now)
    .run();
}
