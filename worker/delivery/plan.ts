import { clock } from "../lib/clock";
import { rollcallStateOf } from "../rollcall/data";
import { isLive } from "../rollcall/state";
import { fillTokenHashes } from "../rollcall/tokens";
import * as data from "./data";
import { CHANNELS, type Channel, type DeliveryMessage, type PlanMessage } from "./types";

export type { PlanMessage } from "./types";

/** Recipients per plan message: keeps each invocation well under D1's query and time limits. */
export const PAGE_SIZE = 200;
/** Queues take at most 100 messages per sendBatch. */
const SEND_BATCH = 100;

/** The idempotency key: one delivery per roll-call, person, channel, wave (and push device; digest apart). */
export function idemKey(m: Pick<PlanMessage, "rollcallId" | "wave" | "audience">, personId: number, channel: Channel, subscriptionId?: number): string {
  const base = `${m.rollcallId}:${personId}:${channel}:${m.wave}`;
  return `${base}${subscriptionId !== undefined ? `:${subscriptionId}` : ""}${m.audience === "facility_admins" ? ":digest" : ""}`;
}

/** The channels a person gets in this wave: the wanted ones they have, else (fallback) the first they have. */
export function channelsFor(reach: data.Reach, wanted: readonly Channel[], fallback: boolean): Channel[] {
  const has = (c: Channel) => (c === "push" ? reach.push.length > 0 : reach[c] !== null);
  const chosen = wanted.filter(has);
  if (chosen.length === 0 && fallback) {
    const alt = CHANNELS.find(has);
    if (alt) chosen.push(alt);
  }
  return chosen;
}

export interface PlanResult {
  people: number;
  sends: number;
  nextAfter: number | null;
  skipped?: "rollcall not sendable";
}

/**
 * One page of a wave: queues the next page, creates this page's deliveries
 * (idempotently), then queues a send for each of them that is still queued. Safe to
 * run twice: the keys stop duplicates and the claim in send stops double sends.
 */
export async function planPage(env: Env, m: PlanMessage): Promise<PlanResult> {
  const db = env.DB;
  if (!isLive((await rollcallStateOf(db, m.rollcallId))?.state)) return { people: 0, sends: 0, nextAfter: null, skipped: "rollcall not sendable" };
  const people =
    m.audience === "facility_admins"
      ? await data.facilityAdminPage(db, m.rollcallId, m.afterPersonId, PAGE_SIZE)
      : await data.recipientPage(db, m.rollcallId, m.afterPersonId, m.onlyUnreplied, PAGE_SIZE);
  if (people.length === 0) return { people: 0, sends: 0, nextAfter: null };
  // The next page is queued first, so it is planned while this page's sends go out (a full
  // page means there may be more). Run twice, this queues the next page twice: the keys and
  // the claim make the second a no-op.
  const nextAfter = people.length === PAGE_SIZE ? people[people.length - 1]! : null;
  if (nextAfter !== null) await env.DELIVERY_QUEUE.send({ ...m, afterPersonId: nextAfter } satisfies DeliveryMessage);
  // The snapshot leaves token hashes NULL: store this page's before its links go out.
  if (m.audience === "recipients") await fillTokenHashes(env, m.rollcallId, people);

  const reach = await data.reachOf(db, people);
  const rows: data.NewDelivery[] = [];
  for (const personId of people) {
    const r = reach.get(personId)!;
    for (const channel of channelsFor(r, m.channels, m.fallback)) {
      if (channel === "push") for (const sub of r.push) rows.push({ idemKey: idemKey(m, personId, channel, sub), personId, channel, addressId: sub });
      else rows.push({ idemKey: idemKey(m, personId, channel), personId, channel, addressId: r[channel]! });
    }
  }
  await data.insertDeliveries(db, m.rollcallId, m.wave, m.audience, rows, clock.now());

  const ids = await data.queuedOfPage(db, m.rollcallId, m.wave, m.audience, people);
  for (let i = 0; i < ids.length; i += SEND_BATCH)
    await env.DELIVERY_QUEUE.sendBatch(ids.slice(i, i + SEND_BATCH).map((deliveryId) => ({ body: { type: "send", deliveryId } satisfies DeliveryMessage })));
  return { people: people.length, sends: ids.length, nextAfter };
}
