import { type LastReplyRow, liveRollcallSql } from "../rollcall/data";
import type { Answers } from "../rollcall/schemas";
import type { ProxyReached } from "../templates/answers";

/** All SQL of replies. Every version is kept; rollcall_recipients points at the latest. */

export interface Reply {
  id: number;
  rollcallId: number;
  personId: number;
  answers: Answers;
  comment: string;
  via: "link" | "sms" | "push" | "proxy";
  proxyBy: number | null;
  /** A proxy reply: how the person was reached (null: not said, or not a proxy reply). */
  proxyReached: ProxyReached | null;
  createdAt: number;
}

/** A stored reply: the row of a recipient's latest reply, and how a proxy reached the person. */
type ReplyRow = LastReplyRow & {
  /** Left out where only the answer matters (the reply page's last reply). */
  proxy_reached?: ProxyReached | null;
};

export const toReply = (r: ReplyRow): Reply => ({
  id: r.id,
  rollcallId: r.rollcall_id,
  personId: r.person_id,
  answers: JSON.parse(r.answers) as Answers,
  comment: r.comment_removed_at ? "" : r.comment,
  via: r.via,
  proxyBy: r.proxy_by,
  proxyReached: r.proxy_reached ?? null,
  createdAt: r.created_at,
});

/** What a recipient's reply was just before a write: read in the write's batch, so it is exactly the state the write replaced. */
export interface PreviousReply {
  repliedAt: number | null;
  answers: Answers | null;
  via: Reply["via"] | null;
  answeredAt: number | null;
  replyId: number | null;
}

export function previousReplyStatement(db: D1Database, rollcallId: number, personId: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT x.replied_at, x.last_reply_id, r.answers, r.via, r.created_at FROM rollcall_recipients x LEFT JOIN replies r ON r.id = x.last_reply_id
       WHERE x.rollcall_id = ?1 AND x.person_id = ?2`,
    )
    .bind(rollcallId, personId);
}

export function toPreviousReply(row: unknown): PreviousReply {
  const r = row as
    | { replied_at: number | null; last_reply_id: number | null; answers: string | null; via: Reply["via"] | null; created_at: number | null }
    | undefined;
  return {
    repliedAt: r?.replied_at ?? null,
    answers: r?.answers ? (JSON.parse(r.answers) as Answers) : null,
    via: r?.via ?? null,
    answeredAt: r?.created_at ?? null,
    replyId: r?.last_reply_id ?? null,
  };
}

/**
 * Appends a reply version and points the recipient at it, only while the roll-call
 * is open: both statements check the state, so a reply racing a close lands wholly or not at all.
 */
export function replyWrites(db: D1Database, r: Omit<Reply, "id">): D1PreparedStatement[] {
  const open = liveRollcallSql("?1");
  return [
    db
      .prepare(
        `INSERT INTO replies (rollcall_id, person_id, answers, comment, via, proxy_by, created_at, proxy_reached)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE ${open}
           AND EXISTS (SELECT 1 FROM rollcall_recipients WHERE rollcall_id = ?1 AND person_id = ?2)
         RETURNING id`,
      )
      .bind(r.rollcallId, r.personId, JSON.stringify(r.answers), r.comment, r.via, r.proxyBy, r.createdAt, r.proxyReached),
    db
      .prepare(
        `UPDATE rollcall_recipients SET last_reply_id = (SELECT MAX(id) FROM replies WHERE rollcall_id = ?1 AND person_id = ?2),
           replied_at = COALESCE(replied_at, ?3)
         WHERE rollcall_id = ?1 AND person_id = ?2 AND ${open}`,
      )
      .bind(r.rollcallId, r.personId, r.createdAt),
  ];
}

export async function getReply(db: D1Database, id: number): Promise<Reply | null> {
  const r = await db
    .prepare("SELECT id, rollcall_id, person_id, answers, comment, comment_removed_at, via, proxy_by, proxy_reached, created_at FROM replies WHERE id = ?1")
    .bind(id)
    .first<ReplyRow>();
  return r ? toReply(r) : null;
}

export async function replyVersions(db: D1Database, rollcallId: number, personId: number): Promise<Reply[]> {
  const { results } = await db
    .prepare(
      "SELECT id, rollcall_id, person_id, answers, comment, comment_removed_at, via, proxy_by, proxy_reached, created_at FROM replies WHERE rollcall_id = ?1 AND person_id = ?2 ORDER BY id",
    )
    .bind(rollcallId, personId)
    .all<ReplyRow>();
  return results.map(toReply);
}
