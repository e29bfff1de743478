import { smsSegments } from "../templates/render";
import { reserveSlot, setSendAt } from "./data";

/**
 * SMS pacing per sender (Twilio: 1 segment/s per long code). Each delivery reserves a
 * slot in D1 (`sms_pacing`, one row per sender, so every consumer shares it); a message
 * whose slot is more than a second away goes back on the queue with a delay instead of
 * holding the consumer. The slot is kept on the delivery, so a redelivered message does
 * not reserve a second one.
 */
export async function smsSlot(
  db: D1Database,
  d: { id: number; sendAt: number | null },
  pacing: { sender: string; perSecond: number },
  text: string,
  now: number,
): Promise<number> {
  if (d.sendAt !== null) return d.sendAt;
  const intervalMs = Math.ceil((smsSegments(text).segments * 1000) / pacing.perSecond);
  const slot = await reserveSlot(db, pacing.sender, now, intervalMs);
  await setSendAt(db, d.id, slot);
  return slot;
}

/** Waits up to this long in the consumer; longer waits go back to the queue. */
export const MAX_INLINE_WAIT_MS = 1_000;
