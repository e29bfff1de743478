/**
 * What the other domains tell a roll-call's board (its Durable Object), as plain
 * types: the reply and delivery services build them without importing the object.
 */
import type { Answers } from "../rollcall/schemas";

/** One recorded reply: who, where, and the answer it replaced (read in the write's own batch, so it is exact). */
export interface ReplyNote {
  personId: number;
  /** Their name and 職種 (the board's 要救助 list and who can come). */
  name: string;
  job: string;
  facilityId: number | null;
  isFacilityAdmin: boolean;
  /** The new reply's id: ids grow with every commit, so the board can tell what a D1 read already holds. */
  replyId: number;
  at: number;
  /** The person had not replied before (they count towards `replied` and the timeline now). */
  firstReply: boolean;
  answers: Answers;
  via: string;
  previous: { answers: Answers; via: string; replyId: number; at: number } | null;
}

/**
 * Deliveries that moved, counted per channel and state: +n for the state a delivery
 * entered, -n for the one it left (a new delivery only enters). The delivery domain
 * sends one per batch.
 */
export type DeliveryNote = { channel: string; state: string; n: number }[];
