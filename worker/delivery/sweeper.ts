import { z } from "zod";
import { clock } from "../lib/clock";
import { confirmedLiveRollcalls } from "../rollcall/data";
import { WaveSchema } from "../templates/schemas";
import * as data from "./data";
import { channelsFor, PAGE_SIZE } from "./plan";
import { planMessage, type DeliveryMessage, type PlanMessage } from "./types";

/**
 * The delivery sweeper, run by the cron every minute. Queues are at-least-once while
 * they run, but a message can still be lost: local `wrangler dev` keeps its queues in
 * memory (a restart drops everything in flight), and a dead-letter message can be lost
 * the same way. D1 is the record, so the sweeper reads it and queues again:
 *
 * - a send for every delivery nobody is working on (queued past any wait the consumer
 *   sets, or 'sending' with a lease that ran out); the claim in send.ts makes an extra
 *   message harmless. One that has had its retries is failed as a dead letter instead.
 * - the next plan page of every wave overdue by the same margin whose planning stopped before its last
 *   reachable recipient (pages run in person order, so what is planned is a prefix).
 */

declare global {
  interface Env {
    /** Seconds before a never-tried delivery or an overdue wave counts as lost (default 120, at least 10). */
    DELIVERY_SWEEP_AFTER_SECONDS?: string;
  }
}

/** A never-tried delivery is expected to be claimed within this. */
export const STALE_FRESH_MS = 2 * 60_000;
/** A retried one waits at most the backoff cap (10 min); a longer Retry-After is cut short. */
export const STALE_RETRIED_MS = 12 * 60_000;
/** Claims a delivery may use before it counts as dead-lettered (1 + max_retries of wrangler.toml). */
export const MAX_ATTEMPTS = 7;
const SWEEP_LIMIT = 1_000;
const SEND_BATCH = 100;
/** Pages looked at past the last planned person before deciding a wave is done. */
const LOOKAHEAD_PAGES = 5;

const WavesSchema = z.object({ waves: z.array(WaveSchema) });

export interface SweepResult {
  requeued: number;
  deadLettered: number;
  plans: number;
}

const sweepAfterMs = (env: Env): number => {
  const s = Number(env.DELIVERY_SWEEP_AFTER_SECONDS);
  return env.DELIVERY_SWEEP_AFTER_SECONDS && Number.isFinite(s) && s >= 10 ? s * 1000 : STALE_FRESH_MS;
};

export async function sweepDeliveries(env: Env, now = clock.now()): Promise<SweepResult> {
  const db = env.DB;
  const after = sweepAfterMs(env);
  const stale = await data.staleDeliveries(db, now, { freshMs: after, retriedMs: STALE_RETRIED_MS, limit: SWEEP_LIMIT });
  const spent = stale.filter((d) => d.attempts >= MAX_ATTEMPTS).map((d) => d.id);
  const again = stale.filter((d) => d.attempts < MAX_ATTEMPTS).map((d) => d.id);
  await data.failDeadLettered(db, spent, now);
  await data.touchQueued(db, again, now);
  for (let i = 0; i < again.length; i += SEND_BATCH)
    await env.DELIVERY_QUEUE.sendBatch(again.slice(i, i + SEND_BATCH).map((deliveryId) => ({ body: { type: "send", deliveryId } satisfies DeliveryMessage })));

  let plans = 0;
  for (const rc of await confirmedLiveRollcalls(db)) {
    const parsed = WavesSchema.safeParse(JSON.parse(rc.template));
    if (!parsed.success) continue;
    for (const [i, w] of parsed.data.waves.entries()) {
      if (rc.confirmedAt + w.delayMinutes * 60_000 + after > now) continue;
      const m = planMessage(rc.id, i + 1, w, await data.lastPlannedPerson(db, rc.id, i + 1, w.audience));
      if (await someoneLeft(db, m)) {
        await env.DELIVERY_QUEUE.send(m);
        plans++;
      }
    }
  }
  return { requeued: again.length, deadLettered: spent.length, plans };
}

/** Whether a reachable person is left after `afterPersonId` for this wave (looks a few pages ahead). */
async function someoneLeft(db: D1Database, m: PlanMessage): Promise<boolean> {
  let after = m.afterPersonId;
  for (let page = 0; page < LOOKAHEAD_PAGES; page++) {
    const people =
      m.audience === "facility_admins"
        ? await data.facilityAdminPage(db, m.rollcallId, after, PAGE_SIZE)
        : await data.recipientPage(db, m.rollcallId, after, m.onlyUnreplied, PAGE_SIZE);
    if (people.length === 0) return false;
    const reach = await data.reachOf(db, people);
    if (people.some((p) => channelsFor(reach.get(p)!, m.channels, m.fallback).length > 0)) return true;
    if (people.length < PAGE_SIZE) return false;
    after = people[people.length - 1]!;
  }
  return true;
}
