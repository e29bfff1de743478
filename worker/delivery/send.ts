import { boardChanged } from "../board/notify";
import { clock } from "../lib/clock";
import { renderFor } from "../rollcall/render";
import { isLive } from "../rollcall/state";
import { retryDelaySeconds, MAX_DELAY_SECONDS } from "./backoff";
import { channelRoute } from "./channels";
import { maskAddress, sandboxAdapter } from "./channels/sandbox";
import * as data from "./data";
import { MAX_INLINE_WAIT_MS, smsSlot } from "./pacing";
import type { ChannelAdapter, OutgoingMessage, SendResult } from "./types";

/** How long a sender holds a claimed delivery; a crashed sender's claim runs out after this. */
export const LEASE_MS = 60_000;

/** What the consumer does with the queue message of one send. */
export type SendOutcome =
  | { kind: "done"; result: "sent" | "delivered" | "failed" | "cancelled" | "already" | "missing" }
  | { kind: "retry"; delaySeconds: number; error: string }
  /** Paced: a new message was queued for the reserved slot; ack this one. */
  | { kind: "deferred"; delaySeconds: number };

export const statusCallbackUrl = (env: Pick<Env, "PUBLIC_URL">) => `${env.PUBLIC_URL.replace(/\/+$/, "")}/webhooks/twilio/status`;

const FINAL = new Set<data.DeliveryState>(["sent", "delivered", "failed", "cancelled"]);

/**
 * Sends one delivery at most once: claims it (queued → sending, with a lease), renders
 * it, hands it to its channel's adapter and stores the outcome. A message for a
 * delivery that is already done is a no-op; one for a closed roll-call cancels it.
 * `attempt` is the queue message's attempt count (for the backoff).
 */
export async function sendDelivery(env: Env, deliveryId: number, attempt: number): Promise<SendOutcome> {
  const db = env.DB;
  const d = await data.loadForSend(db, deliveryId);
  if (!d) return { kind: "done", result: "missing" };
  if (FINAL.has(d.state)) return { kind: "done", result: "already" };
  const now = clock.now();
  if (!isLive(d.rollcallState)) {
    await data.markFinal(db, d.id, "cancelled", `rollcall ${d.rollcallState}`, now);
    await boardChanged(env, d.rollcallId, "delivery");
    return { kind: "done", result: "cancelled" };
  }
  if (d.state === "sending" && d.leaseUntil !== null && d.leaseUntil >= now) return heldElsewhere(d.leaseUntil, now);

  const route = channelRoute(env, d.channel);
  if (route.kind === "unavailable") {
    await data.markFinal(db, d.id, "failed", route.error, now);
    await boardChanged(env, d.rollcallId, "delivery");
    return { kind: "done", result: "failed" };
  }
  const to = d.channel === "push" ? d.push : d.address;
  if (!to) {
    await data.markFinal(db, d.id, "failed", "address removed", now);
    await boardChanged(env, d.rollcallId, "delivery");
    return { kind: "done", result: "failed" };
  }

  const rendered = await renderFor(env, d.rollcallId, d.personId, d.channel, d.wave, d.audience);

  if (route.kind === "provider" && route.pacing) {
    const slot = await smsSlot(db, d, route.pacing, rendered.text, now);
    const wait = slot - clock.now();
    if (wait > MAX_INLINE_WAIT_MS) {
      const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.ceil(wait / 1000));
      await env.DELIVERY_QUEUE.send({ type: "send", deliveryId: d.id }, { delaySeconds });
      return { kind: "deferred", delaySeconds };
    }
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  if (!(await data.claim(db, d.id, clock.now(), LEASE_MS))) {
    const again = await data.loadForSend(db, d.id);
    if (again?.state === "sending" && again.leaseUntil !== null) return heldElsewhere(again.leaseUntil, clock.now());
    return { kind: "done", result: "already" };
  }

  const adapter: ChannelAdapter =
    route.kind === "provider"
      ? route.adapter
      : sandboxAdapter(db, d.channel, {
          deliveryId: d.id,
          rollcallId: d.rollcallId,
          personId: d.personId,
          recipient: `${d.personName} · ${d.channel === "push" ? d.push?.deviceName || "device" : maskAddress(d.channel, d.address ?? "")}`,
        });
  const msg: OutgoingMessage = {
    channel: d.channel,
    to: d.channel === "push" ? { endpoint: d.push!.endpoint, keys: d.push!.keys } : d.address!,
    ...rendered,
    ...(d.channel === "sms" ? { statusCallbackUrl: statusCallbackUrl(env) } : {}),
  };

  let result: SendResult;
  try {
    result = await adapter.send(msg);
  } catch (e) {
    // An adapter bug or an unexpected throw: treat as transient, the dead-letter queue ends it.
    result = { ok: false as const, error: `${d.channel}: ${e instanceof Error ? e.name : "error"}`, retryable: true };
  }
  const done = clock.now();
  if (result.ok) {
    await data.markAccepted(db, d, result.providerId, result.state, done);
    await boardChanged(env, d.rollcallId, "delivery");
    return { kind: "done", result: result.state };
  }
  if (result.gone && d.channel === "push") await data.revokePushSubscription(db, d.addressId, done);
  if (result.retryable) {
    await data.release(db, d.id, result.error, done);
    return { kind: "retry", delaySeconds: retryDelaySeconds(attempt, result.retryAfterMs), error: result.error };
  }
  await data.markFinal(db, d.id, "failed", result.error, done);
  await boardChanged(env, d.rollcallId, "delivery");
  return { kind: "done", result: "failed" };
}

/** Another sender holds the lease (or crashed holding it): look again when it runs out. */
function heldElsewhere(leaseUntil: number, now: number): SendOutcome {
  return { kind: "retry", delaySeconds: Math.max(1, Math.ceil((leaseUntil - now) / 1000) + 1), error: "held by another sender" };
}
