/** All SQL of readiness. Times are UTC ms. Test messages are roll-calls with source 'test'. */

/** A success state of a delivery: the provider took it (sent) or confirmed it (delivered). */
const OK_STATES = "('sent','delivered')";
const WORKING = "(c.verified_at IS NOT NULL OR c.last_ok_at IS NOT NULL)";

/**
 * Staff in view (active memberships of active people in active facilities; ?1 = JSON list
 * of facility ids, or NULL for all), and per person: which channels work, unconfirmed
 * contacts, and their last successful test (a test roll-call's delivery or a push device test).
 */
const PEOPLE_CTE = `
  staff AS (
    SELECT m.facility_id, m.person_id FROM memberships m
    JOIN people p ON p.id = m.person_id JOIN facilities f ON f.id = m.facility_id
    WHERE m.removed_at IS NULL AND p.removed_at IS NULL AND f.removed_at IS NULL
      AND (?1 IS NULL OR m.facility_id IN (SELECT value FROM json_each(?1)))),
  who AS (SELECT DISTINCT person_id FROM staff),
  tests AS (
    SELECT d.person_id, MAX(d.updated_at) AS at FROM deliveries d
    WHERE d.rollcall_id IN (SELECT id FROM rollcalls WHERE source = 'test') AND d.audience = 'recipients' AND d.state IN ${OK_STATES}
      AND d.person_id IN (SELECT person_id FROM who)
    GROUP BY d.person_id
    UNION ALL
    SELECT ps.person_id, MAX(ps.last_test_at) FROM push_subscriptions ps
    WHERE ps.last_test_at IS NOT NULL AND ps.person_id IN (SELECT person_id FROM who) GROUP BY ps.person_id),
  per AS (
    SELECT w.person_id,
      EXISTS (SELECT 1 FROM push_subscriptions ps WHERE ps.person_id = w.person_id AND ps.revoked_at IS NULL) AS push,
      EXISTS (SELECT 1 FROM contacts c WHERE c.person_id = w.person_id AND c.kind = 'mobile' AND c.removed_at IS NULL AND ${WORKING}) AS mobile,
      EXISTS (SELECT 1 FROM contacts c WHERE c.person_id = w.person_id AND c.kind = 'email' AND c.removed_at IS NULL AND ${WORKING}) AS email,
      (SELECT COUNT(*) FROM contacts c WHERE c.person_id = w.person_id AND c.kind = 'mobile' AND c.removed_at IS NULL AND NOT ${WORKING}) AS unverified_mobile,
      (SELECT COUNT(*) FROM contacts c WHERE c.person_id = w.person_id AND c.kind = 'email' AND c.removed_at IS NULL AND NOT ${WORKING}) AS unverified_email,
      NOT EXISTS (SELECT 1 FROM contacts c WHERE c.person_id = w.person_id AND c.kind IN ('email', 'mobile') AND c.removed_at IS NULL)
        AND NOT EXISTS (SELECT 1 FROM push_subscriptions ps WHERE ps.person_id = w.person_id AND ps.revoked_at IS NULL) AS no_channel,
      (SELECT MAX(t.at) FROM tests t WHERE t.person_id = w.person_id) AS last_test
    FROM who w)`;

const SUMS = `COUNT(per.person_id) AS staff,
  COALESCE(SUM(per.push OR per.mobile OR per.email), 0) AS reachable,
  COALESCE(SUM(per.push), 0) AS push, COALESCE(SUM(per.mobile), 0) AS mobile, COALESCE(SUM(per.email), 0) AS email,
  COALESCE(SUM(per.unverified_mobile), 0) AS unverified_mobile, COALESCE(SUM(per.unverified_email), 0) AS unverified_email,
  COALESCE(SUM(per.no_channel), 0) AS no_channel, COALESCE(SUM(per.last_test IS NOT NULL), 0) AS tested, MAX(per.last_test) AS last_test_at`;

export interface Counts {
  staff: number;
  reachable: number;
  push: number;
  mobile: number;
  email: number;
  unverifiedMobile: number;
  unverifiedEmail: number;
  noChannel: number;
  tested: number;
  lastTestAt: number | null;
}

interface CountsRow {
  staff: number;
  reachable: number;
  push: number;
  mobile: number;
  email: number;
  unverified_mobile: number;
  unverified_email: number;
  no_channel: number;
  tested: number;
  last_test_at: number | null;
}

const toCounts = (r: CountsRow): Counts => ({
  staff: r.staff,
  reachable: r.reachable,
  push: r.push,
  mobile: r.mobile,
  email: r.email,
  unverifiedMobile: r.unverified_mobile,
  unverifiedEmail: r.unverified_email,
  noChannel: r.no_channel,
  tested: r.tested,
  lastTestAt: r.last_test_at,
});

export interface FacilityCounts extends Counts {
  facilityId: number;
  name: string;
  type: string;
}

/**
 * Readiness per facility (every active facility in view, staff or not) and for the
 * distinct people in view, in one batch (one snapshot of the data).
 */
export async function readiness(db: D1Database, facilityIds: number[] | null): Promise<{ facilities: FacilityCounts[]; totals: Counts }> {
  const scope = facilityIds ? JSON.stringify(facilityIds) : null;
  const [perFacility, totals] = await db.batch<CountsRow & { facility_id: number; name: string; type: string }>([
    db
      .prepare(
        `WITH ${PEOPLE_CTE}
         SELECT f.id AS facility_id, f.name, f.type, ${SUMS}
         FROM facilities f LEFT JOIN staff s ON s.facility_id = f.id LEFT JOIN per ON per.person_id = s.person_id
         WHERE f.removed_at IS NULL AND (?1 IS NULL OR f.id IN (SELECT value FROM json_each(?1)))
         GROUP BY f.id ORDER BY f.type, f.kana, f.id`,
      )
      .bind(scope),
    db.prepare(`WITH ${PEOPLE_CTE} SELECT ${SUMS} FROM per`).bind(scope),
  ]);
  return {
    facilities: perFacility!.results.map((r) => ({ facilityId: r.facility_id, name: r.name, type: r.type, ...toCounts(r) })),
    totals: toCounts(totals!.results[0]!),
  };
}

/** Staff in view with no working channel (names only), to fix first. */
export async function unreachable(
  db: D1Database,
  facilityIds: number[] | null,
  limit: number,
): Promise<{ personId: number; name: string; facilityId: number; facility: string }[]> {
  const { results } = await db
    .prepare(
      `WITH ${PEOPLE_CTE}
       SELECT s.person_id, p.name, s.facility_id, f.name AS facility FROM staff s
       JOIN per ON per.person_id = s.person_id JOIN people p ON p.id = s.person_id JOIN facilities f ON f.id = s.facility_id
       WHERE NOT (per.push OR per.mobile OR per.email)
       ORDER BY f.type, f.kana, f.id, p.kana, p.id LIMIT ?2`,
    )
    .bind(facilityIds ? JSON.stringify(facilityIds) : null, limit)
    .all<{ person_id: number; name: string; facility_id: number; facility: string }>();
  return results.map((r) => ({ personId: r.person_id, name: r.name, facilityId: r.facility_id, facility: r.facility }));
}

export interface TestSummary {
  rollcallId: number;
  facilityId: number | null;
  state: string;
  sentAt: number | null;
  recipients: number;
  reached: number;
  acknowledged: number;
}

/** The latest test messages, newest first: all (facilityIds null) or those owned by these facilities. */
export async function recentTests(db: D1Database, facilityIds: number[] | null, limit: number): Promise<TestSummary[]> {
  const { results } = await db
    .prepare(
      `SELECT r.id, r.owner_facility_id, r.state, r.confirmed_at,
         (SELECT COUNT(*) FROM rollcall_recipients x WHERE x.rollcall_id = r.id) AS recipients,
         (SELECT COUNT(DISTINCT d.person_id) FROM deliveries d WHERE d.rollcall_id = r.id AND d.audience = 'recipients' AND d.state IN ${OK_STATES}) AS reached,
         (SELECT COUNT(*) FROM rollcall_recipients x WHERE x.rollcall_id = r.id AND x.replied_at IS NOT NULL) AS acknowledged
       FROM rollcalls r
       WHERE r.source = 'test' AND r.state NOT IN ('draft', 'withdrawn')
         AND (?1 IS NULL OR r.owner_facility_id IN (SELECT value FROM json_each(?1)))
       ORDER BY r.id DESC LIMIT ?2`,
    )
    .bind(facilityIds ? JSON.stringify(facilityIds) : null, limit)
    .all<{
      id: number;
      owner_facility_id: number | null;
      state: string;
      confirmed_at: number | null;
      recipients: number;
      reached: number;
      acknowledged: number;
    }>();
  return results.map((r) => ({
    rollcallId: r.id,
    facilityId: r.owner_facility_id,
    state: r.state,
    sentAt: r.confirmed_at,
    recipients: r.recipients,
    reached: r.reached,
    acknowledged: r.acknowledged,
  }));
}

/** When a test of this scope (a facility, or the network: null) last went out. */
export async function lastTestSent(db: D1Database, facilityId: number | null): Promise<number | null> {
  const r = await db
    .prepare(
      `SELECT MAX(confirmed_at) AS at FROM rollcalls WHERE source = 'test' AND confirmed_at IS NOT NULL
         AND CASE WHEN ?1 IS NULL THEN json_extract(scope, '$.all') = 1
                  ELSE json_array_length(scope, '$.facilityIds') = 1 AND json_extract(scope, '$.facilityIds[0]') = ?1 END`,
    )
    .bind(facilityId)
    .first<{ at: number | null }>();
  return r?.at ?? null;
}
