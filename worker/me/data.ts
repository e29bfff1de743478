import { liveRollcallSql } from "../rollcall/data";
import type { Answers } from "../rollcall/schemas";
import type { LIVE_STATES } from "../rollcall/state";

/** All SQL of the "me" domain: what the signed-in person is asked and where they belong. */

export interface MyRollcallRow {
  id: number;
  title: string;
  drill: boolean;
  state: (typeof LIVE_STATES)[number];
  salt: string;
  confirmedAt: number | null;
  repliedAt: number | null;
  answers: Answers | null;
  answeredAt: number | null;
  /** The reply link's hash is not stored yet (no wave reached the person so far). */
  tokenMissing: boolean;
}

interface RollcallRow {
  id: number;
  title: string;
  drill: number;
  state: (typeof LIVE_STATES)[number];
  salt: string;
  confirmed_at: number | null;
  replied_at: number | null;
  answers: string | null;
  answered_at: number | null;
  token_missing: number;
}

/** Live roll-calls (rollcall/state.ts) where the person is a recipient, newest first, with their latest reply. */
export async function openRollcallsOf(db: D1Database, personId: number): Promise<MyRollcallRow[]> {
  const { results } = await db
    .prepare(
      `SELECT r.id, r.title, r.drill, r.state, r.salt, r.confirmed_at, rr.replied_at, rep.answers, rep.created_at AS answered_at, rr.token_hash IS NULL AS token_missing
       FROM rollcall_recipients rr
       JOIN rollcalls r ON r.id = rr.rollcall_id
       LEFT JOIN replies rep ON rep.id = rr.last_reply_id
       WHERE rr.person_id = ?1 AND ${liveRollcallSql("r.id")}
       ORDER BY COALESCE(r.confirmed_at, r.created_at) DESC, r.id DESC
       LIMIT 50`,
    )
    .bind(personId)
    .all<RollcallRow>();
  return results.map((r) => ({
    id: r.id,
    title: r.title,
    drill: r.drill === 1,
    state: r.state,
    salt: r.salt,
    confirmedAt: r.confirmed_at,
    repliedAt: r.replied_at,
    answers: r.answers === null ? null : (JSON.parse(r.answers) as Answers),
    answeredAt: r.answered_at,
    tokenMissing: r.token_missing === 1,
  }));
}

export interface MyGroupRow {
  id: number;
  name: string;
  kind: "network" | "facility" | "custom";
  facilityId: number | null;
  role: "owner" | "member";
  stillInFacility: boolean;
}

/**
 * The person's open groups as GET /api/groups counts them: the network group (everyone
 * registered), the groups of their facilities, and the groups they were added to;
 * network first, then facility groups, then custom groups by name.
 */
export async function groupsOf(db: D1Database, personId: number): Promise<MyGroupRow[]> {
  const { results } = await db
    .prepare(
      `SELECT g.id, g.name, g.kind, g.facility_id, COALESCE(gm.role, 'member') AS role,
              EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = ?1 AND m.facility_id = g.facility_id AND m.removed_at IS NULL) AS in_facility
       FROM groups g
       LEFT JOIN group_members gm ON gm.group_id = g.id AND gm.person_id = ?1 AND gm.removed_at IS NULL
       WHERE g.closed_at IS NULL
         AND (gm.id IS NOT NULL OR g.kind = 'network'
              OR (g.kind = 'facility' AND g.facility_id IN (SELECT facility_id FROM memberships WHERE person_id = ?1 AND removed_at IS NULL)))
       ORDER BY CASE g.kind WHEN 'network' THEN 0 WHEN 'facility' THEN 1 ELSE 2 END, g.name, g.id`,
    )
    .bind(personId)
    .all<{ id: number; name: string; kind: MyGroupRow["kind"]; facility_id: number | null; role: "owner" | "member"; in_facility: number }>();
  return results.map((r) => ({ id: r.id, name: r.name, kind: r.kind, facilityId: r.facility_id, role: r.role, stillInFacility: r.in_facility === 1 }));
}
