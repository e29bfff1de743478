/** All SQL of push devices and their tests. */

export interface DeviceRow {
  id: number;
  personId: number;
  name: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  createdAt: number;
  lastOkAt: number | null;
  lastTestAt: number | null;
  lastTestSentAt: number | null;
}

interface Row {
  id: number;
  person_id: number;
  device_name: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: number;
  last_ok_at: number | null;
  last_test_at: number | null;
  last_test_sent_at: number | null;
}

const toDevice = (r: Row): DeviceRow => ({
  id: r.id,
  personId: r.person_id,
  name: r.device_name,
  endpoint: r.endpoint,
  p256dh: r.p256dh,
  auth: r.auth,
  createdAt: r.created_at,
  lastOkAt: r.last_ok_at,
  lastTestAt: r.last_test_at,
  lastTestSentAt: r.last_test_sent_at,
});

const SELECT = `SELECT s.id, s.person_id, s.device_name, s.endpoint, s.p256dh, s.auth, s.created_at, s.last_ok_at, s.last_test_at,
  (SELECT MAX(t.sent_at) FROM push_tests t WHERE t.subscription_id = s.id) AS last_test_sent_at
  FROM push_subscriptions s`;

export async function devicesOf(db: D1Database, personId: number): Promise<DeviceRow[]> {
  const { results } = await db.prepare(`${SELECT} WHERE s.person_id = ?1 AND s.revoked_at IS NULL ORDER BY s.id`).bind(personId).all<Row>();
  return results.map(toDevice);
}

/** An active device of this person, or null. */
export async function deviceOf(db: D1Database, personId: number, id: number): Promise<DeviceRow | null> {
  const r = await db.prepare(`${SELECT} WHERE s.id = ?1 AND s.person_id = ?2 AND s.revoked_at IS NULL`).bind(id, personId).first<Row>();
  return r ? toDevice(r) : null;
}

export async function activeByEndpoint(db: D1Database, endpoint: string): Promise<DeviceRow | null> {
  const r = await db.prepare(`${SELECT} WHERE s.endpoint = ?1 AND s.revoked_at IS NULL`).bind(endpoint).first<Row>();
  return r ? toDevice(r) : null;
}

export const insertDevice = (db: D1Database, personId: number, sub: { endpoint: string; p256dh: string; auth: string }, name: string, at: number) =>
  db
    .prepare("INSERT INTO push_subscriptions (person_id, endpoint, p256dh, auth, device_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id")
    .bind(personId, sub.endpoint, sub.p256dh, sub.auth, name, at);

export const refreshDevice = (db: D1Database, id: number, sub: { p256dh: string; auth: string }, name: string) =>
  db
    .prepare("UPDATE push_subscriptions SET p256dh = ?2, auth = ?3, device_name = ?4 WHERE id = ?1 AND revoked_at IS NULL")
    .bind(id, sub.p256dh, sub.auth, name);

export const renameDevice = (db: D1Database, id: number, name: string) =>
  db.prepare("UPDATE push_subscriptions SET device_name = ?2 WHERE id = ?1 AND revoked_at IS NULL").bind(id, name);

export const revokeDevice = (db: D1Database, id: number, at: number) =>
  db.prepare("UPDATE push_subscriptions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL").bind(id, at);

export async function countDevices(db: D1Database, personId: number): Promise<number> {
  const r = await db.prepare("SELECT COUNT(*) AS n FROM push_subscriptions WHERE person_id = ?1 AND revoked_at IS NULL").bind(personId).first<{ n: number }>();
  return r!.n;
}

export async function insertTest(db: D1Database, subscriptionId: number, tokenHash: string, at: number): Promise<number> {
  const r = await db
    .prepare("INSERT INTO push_tests (subscription_id, token_hash, sent_at) VALUES (?1, ?2, ?3) RETURNING id")
    .bind(subscriptionId, tokenHash, at)
    .first<{ id: number }>();
  return r!.id;
}

export interface TestRow {
  id: number;
  subscriptionId: number;
  sentAt: number;
  arrivedAt: number | null;
  revoked: boolean;
}

export async function testByTokenHash(db: D1Database, tokenHash: string): Promise<TestRow | null> {
  const r = await db
    .prepare(
      "SELECT t.id, t.subscription_id, t.sent_at, t.arrived_at, s.revoked_at FROM push_tests t JOIN push_subscriptions s ON s.id = t.subscription_id WHERE t.token_hash = ?1",
    )
    .bind(tokenHash)
    .first<{ id: number; subscription_id: number; sent_at: number; arrived_at: number | null; revoked_at: number | null }>();
  return r ? { id: r.id, subscriptionId: r.subscription_id, sentAt: r.sent_at, arrivedAt: r.arrived_at, revoked: r.revoked_at !== null } : null;
}

/** The test arrived: on the test (once) and on the device, which the readiness view reads. */
export function arrivalStatements(db: D1Database, test: TestRow, at: number): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE push_tests SET arrived_at = ?2 WHERE id = ?1 AND arrived_at IS NULL").bind(test.id, at),
    db
      .prepare("UPDATE push_subscriptions SET last_test_at = ?2, last_ok_at = MAX(COALESCE(last_ok_at, 0), ?2) WHERE id = ?1 AND revoked_at IS NULL")
      .bind(test.subscriptionId, at),
  ];
}
