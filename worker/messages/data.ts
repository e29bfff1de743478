import type { Channel } from "../delivery/types";

/** All SQL of direct messages (messages outside roll-calls). */

export type DirectKind =
  | "invitation"
  | "contact_code"
  | "contact_link"
  | "report"
  | "push_test"
  | "trigger_alert"
  | "admin_alert"
  | "security_notice"
  | "password_reset"
  | "patient_alert";

export interface NewDirectMessage {
  kind: DirectKind;
  channel: Channel;
  personId: number | null;
  senderId: number | null;
  facilityId: number | null;
  recipient: string;
  sandbox: boolean;
  subject: string;
  body: string;
  link: string;
  state: "sent" | "delivered" | "failed";
  providerId: string | null;
  error: string | null;
  createdAt: number;
}

export async function insertDirectMessage(db: D1Database, m: NewDirectMessage): Promise<number> {
  const r = await db
    .prepare(
      `INSERT INTO direct_messages (kind, channel, person_id, sender_id, facility_id, recipient, sandbox, subject, body, link, state, provider_id, error, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) RETURNING id`,
    )
    .bind(
      m.kind,
      m.channel,
      m.personId,
      m.senderId,
      m.facilityId,
      m.recipient,
      m.sandbox ? 1 : 0,
      m.subject,
      m.body,
      m.link,
      m.state,
      m.providerId,
      m.error,
      m.createdAt,
    )
    .first<{ id: number }>();
  return r!.id;
}

export interface DirectMessage {
  id: number;
  kind: DirectKind;
  channel: Channel;
  personId: number | null;
  facilityId: number | null;
  recipient: string;
  subject: string;
  text: string;
  link: string;
  state: "sent" | "delivered" | "failed";
  createdAt: string;
}

interface Row {
  id: number;
  kind: DirectKind;
  channel: Channel;
  person_id: number | null;
  facility_id: number | null;
  recipient: string;
  subject: string;
  body: string;
  link: string;
  state: DirectMessage["state"];
  created_at: number;
}

const toMessage = (r: Row): DirectMessage => ({
  id: r.id,
  kind: r.kind,
  channel: r.channel,
  personId: r.person_id,
  facilityId: r.facility_id,
  recipient: r.recipient,
  subject: r.subject,
  text: r.body,
  link: r.link,
  state: r.state,
  createdAt: new Date(r.created_at).toISOString(),
});

/**
 * Sandbox messages the reader may see, newest first: everything (`facilityIds` null),
 * or those addressed to them, sent by them, or for the facilities they administer.
 */
export async function listSandboxMessages(
  db: D1Database,
  q: { readerId: number; facilityIds: number[] | null; kind?: DirectKind; before?: number; limit: number },
): Promise<DirectMessage[]> {
  const { results } = await db
    .prepare(
      `SELECT id, kind, channel, person_id, facility_id, recipient, subject, body, link, state, created_at FROM direct_messages
       WHERE sandbox = 1 AND (?1 IS NULL OR id < ?1) AND (?2 IS NULL OR kind = ?2)
         AND (?3 IS NULL OR person_id = ?4 OR sender_id = ?4 OR facility_id IN (SELECT value FROM json_each(?3)))
       ORDER BY id DESC LIMIT ?5`,
    )
    .bind(q.before ?? null, q.kind ?? null, q.facilityIds ? JSON.stringify(q.facilityIds) : null, q.readerId, q.limit)
    .all<Row>();
  return results.map(toMessage);
}

export interface AdminAddress {
  personId: number;
  kind: "email" | "mobile";
  value: string;
}

/** Every active email and mobile of the network admins: a prepared roll-call wakes them on each (never a phone: it is not texted). */
/** The mobiles and emails of these people (at most 200 people), for an alert that names nobody else. */
export async function addressesOf(db: D1Database, personIds: readonly number[]): Promise<AdminAddress[]> {
  if (personIds.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT p.id AS person_id, c.kind, c.value FROM people p
       JOIN contacts c ON c.person_id = p.id AND c.kind IN ('email', 'mobile') AND c.removed_at IS NULL
       WHERE p.id IN (SELECT value FROM json_each(?1)) AND p.removed_at IS NULL ORDER BY p.id, c.kind LIMIT 400`,
    )
    .bind(JSON.stringify(personIds.slice(0, 200)))
    .all<{ person_id: number; kind: "email" | "mobile"; value: string }>();
  return results.map((r) => ({ personId: r.person_id, kind: r.kind, value: r.value }));
}

export async function networkAdminAddresses(db: D1Database): Promise<AdminAddress[]> {
  const { results } = await db
    .prepare(
      `SELECT p.id AS person_id, c.kind, c.value FROM people p
       JOIN contacts c ON c.person_id = p.id AND c.kind IN ('email', 'mobile') AND c.removed_at IS NULL
       WHERE p.global_role = 'network_admin' AND p.removed_at IS NULL ORDER BY p.id, c.kind LIMIT 100`,
    )
    .all<{ person_id: number; kind: "email" | "mobile"; value: string }>();
  return results.map((r) => ({ personId: r.person_id, kind: r.kind, value: r.value }));
}
