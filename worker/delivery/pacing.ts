import { smsSegments } from "../templates/render";
import { reserveSlot, setSendAt } from "./data";

/**
 * SMS pacing per sender (Twilio: 1 segment/s per long code). Each delivery has a
 * slot reserved in D1 (`sms_pacing`, one row per sender, so every consumer shares
 * it); a message whose slot is more than a second away goes back on the queue with a
 * delay instead of holding the consumer. The slot is kept on the delivery, so a
 * redelivered message does not reserve a second one.
 *
 * A batch reserves the slots of all its SMS of one sender at once: one reservation
 * of their summed intervals, split in order, which is what reserving them one after
 * the other would have given (each starts where the previous one ends).
 */
export async function smsSlots(
  db: D1Database,
  sms: { id: number; sendAt: number | null; text: string }[],
  pacing: { sender: string; perSecond: number },
  now: number,
): Promise<Map<number, number>> {
  const slots = new Map<number, number>();
  const fresh: { id: number; intervalMs: number }[] = [];
  for (const d of sms) {
    if (d.sendAt !== null) slots.set(d.id, d.sendAt);
    else fresh.push({ id: d.id, intervalMs: Math.ceil((smsSegments(d.text).segments * 1000) / pacing.perSecond) });
  }
  if (fresh.length === 0) return slots;
  let at = await reserveSlot(
    db,
    pacing.sender,
    now,
    fresh.reduce((n, d) => n + d.intervalMs, 0),
  );
  const kept: { id: number; at: number }[] = [];
  for (const d of fresh) {
    slots.set(d.id, at);
    kept.push({ id: d.id, at });
    at += d.intervalMs;
  }
  await setSendAt(db, kept);
  return slots;
}

/** Waits up to this long in the consumer; longer waits go back to the queue. */
export const MAX_INLINE_WAIT_MS = 1_000;
