import { boardChanged } from "../board/notify";
import { clock } from "../lib/clock";
import { errorText } from "../lib/redact";
import { getRollcall } from "../rollcall/data";
import { recipientRenderer, renderFor, type RenderedMessage } from "../rollcall/render";
import { isLive } from "../rollcall/state";
import { loadSettings } from "../system/settings";
import { backoffSeconds, MAX_DELAY_SECONDS, retryDelaySeconds } from "./backoff";
import { channelRoute, type ChannelRoute } from "./channels";
import { maskAddress, sandboxAdapter } from "./channels/sandbox";
import * as data from "./data";
import { MAX_INLINE_WAIT_MS, smsSlots } from "./pacing";
import type { Channel, ChannelAdapter, DeliveryMessage, OutgoingMessage, SendResult } from "./types";

/** How long a sender holds a claimed delivery; a crashed sender's claim runs out after this. */
export const LEASE_MS = 60_000;
/** A claimed delivery is only handed to its adapter while this much of the lease is left (the adapters time out within 15 s). */
const LEASE_MARGIN_MS = 20_000;
/** Sends at once: Workers allow 6 simultaneous open connections per invocation. */
export const CONCURRENCY = 6;
/**
 * Accepted sends written while the batch goes on, this many at a time: a sender that
 * dies mid-batch leaves at most these (and the six in flight) sent but unrecorded,
 * which go out again once their lease runs out.
 */
const FLUSH_EVERY = 24;
/** Queues take at most 100 messages per sendBatch. */
const SEND_BATCH = 100;

/** What the consumer does with the queue message of one send. */
export type SendOutcome =
  | { kind: "done"; result: "sent" | "delivered" | "failed" | "cancelled" | "already" | "missing" }
  | { kind: "retry"; delaySeconds: number; error: string }
  /** Paced: a new message was queued for the reserved slot; ack this one. */
  | { kind: "deferred"; delaySeconds: number };

/** One delivery to send, with the attempt count of its queue message (for the backoff). */
export interface SendItem {
  deliveryId: number;
  attempt: number;
}

export const statusCallbackUrl = (env: Pick<Env, "PUBLIC_URL">) => `${env.PUBLIC_URL.replace(/\/+$/, "")}/webhooks/twilio/status`;

const FINAL = new Set<data.DeliveryState>(["sent", "delivered", "failed", "cancelled"]);

type Provider = Exclude<ChannelRoute, { kind: "unavailable" }>;

interface Job {
  d: data.SendRow;
  attempt: number;
  route: Provider;
  msg?: RenderedMessage;
  slot?: number;
}

/** Sends one delivery at most once (a batch of one). */
export async function sendDelivery(env: Env, deliveryId: number, attempt: number): Promise<SendOutcome> {
  return (await sendDeliveries(env, [{ deliveryId, attempt }])).get(deliveryId)!;
}

/**
 * Sends a batch of deliveries, each at most once: reads them in one statement, renders
 * each roll-call's message once per language and channel, reserves the SMS slots,
 * claims the batch in one statement (queued → sending, with a lease), hands the
 * messages to their adapters six at a time, stores the outcomes in one statement per
 * 24 accepted sends (and the addresses that worked at the end) and tells each
 * roll-call's board once. A delivery that is already done is a no-op; one
 * of a closed roll-call is cancelled. Each delivery gets its own outcome: the
 * consumer retries (or acks) the queue message of each on its own schedule.
 */
export async function sendDeliveries(env: Env, items: SendItem[]): Promise<Map<number, SendOutcome>> {
  const db = env.DB;
  const out = new Map<number, SendOutcome>();
  const attempts = new Map<number, number>();
  for (const i of items) attempts.set(i.deliveryId, Math.max(i.attempt, attempts.get(i.deliveryId) ?? 0));
  const rows = new Map((await data.loadForSend(db, [...attempts.keys()])).map((d) => [d.id, d]));
  const results: data.SendResultRow[] = [];
  const gone: number[] = [];
  const worked: { channel: Channel; addressId: number }[] = [];
  const flushes: Promise<void>[] = [];
  let unwritten = 0;
  const flush = () => {
    const rows = results.splice(0);
    unwritten = 0;
    flushes.push(
      data
        .outcomesStatement(db, rows, clock.now())
        .run()
        .then(
          () => {},
          (e: unknown) => {
            // Written again with the rest at the end.
            console.error("delivery: writing outcomes failed, once more at the end", errorText(e));
            results.push(...rows);
          },
        ),
    );
  };
  const changed = new Set<number>();
  const final = (d: data.SendRow, state: "failed" | "cancelled", error: string) => {
    results.push({ id: d.id, state, error });
    changed.add(d.rollcallId);
    out.set(d.id, { kind: "done", result: state });
  };

  const routes = new Map<Channel, ChannelRoute>();
  const routeOf = (c: Channel) => {
    let r = routes.get(c);
    if (!r) {
      r = channelRoute(env, c);
      routes.set(c, r);
    }
    return r;
  };
  let now = clock.now();
  let jobs: Job[] = [];
  for (const [id, attempt] of attempts) {
    const d = rows.get(id);
    if (!d) out.set(id, { kind: "done", result: "missing" });
    else if (FINAL.has(d.state)) out.set(id, { kind: "done", result: "already" });
    else if (!isLive(d.rollcallState)) final(d, "cancelled", `rollcall ${d.rollcallState}`);
    else if (d.state === "sending" && d.leaseUntil !== null && d.leaseUntil >= now) out.set(id, heldElsewhere(d.leaseUntil, now));
    else {
      const route = routeOf(d.channel);
      if (route.kind === "unavailable") final(d, "failed", route.error);
      else if (!(d.channel === "push" ? d.push : d.address)) final(d, "failed", "address removed");
      else jobs.push({ d, attempt, route });
    }
  }

  await render(env, jobs, out);
  jobs = jobs.filter((j) => j.msg);
  jobs = await pace(env, jobs, out);

  const held = await data.claim(
    db,
    jobs.map((j) => j.d.id),
    clock.now(),
    LEASE_MS,
  );
  const claimedAt = clock.now();
  for (const j of jobs) if (!held.has(j.d.id)) out.set(j.d.id, heldElsewhere(claimedAt + LEASE_MS, claimedAt));
  // SMS in slot order, so the inline waits are short and in turn.
  const queue = jobs.filter((j) => held.has(j.d.id)).sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0));
  const worker = async () => {
    for (let j = queue.shift(); j; j = queue.shift()) {
      const wait = (j.slot ?? 0) - clock.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (clock.now() > claimedAt + LEASE_MS - LEASE_MARGIN_MS) {
        // Too late to start within this sender's lease: back to queued, soon again.
        results.push({ id: j.d.id, state: "queued", error: "lease running out" });
        out.set(j.d.id, { kind: "retry", delaySeconds: 1, error: "lease running out" });
        continue;
      }
      const result = await sendOne(env, j);
      if (result.ok) {
        results.push({ id: j.d.id, state: result.state, providerId: result.providerId, channel: j.d.channel, addressId: j.d.addressId });
        worked.push({ channel: j.d.channel, addressId: j.d.addressId });
        changed.add(j.d.rollcallId);
        out.set(j.d.id, { kind: "done", result: result.state });
        if (++unwritten >= FLUSH_EVERY && queue.length > 0) flush();
        continue;
      }
      if (result.gone && j.d.channel === "push") gone.push(j.d.addressId);
      if (result.retryable) {
        results.push({ id: j.d.id, state: "queued", error: result.error });
        out.set(j.d.id, { kind: "retry", delaySeconds: retryDelaySeconds(j.attempt, result.retryAfterMs), error: result.error });
      } else final(j.d, "failed", result.error);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));

  await Promise.all(flushes);
  now = clock.now();
  const last = [...(results.length > 0 ? [data.outcomesStatement(db, results, now)] : []), ...data.addressStatements(db, worked, gone, now)];
  if (last.length > 0) await db.batch(last);
  await Promise.all([...changed].map((rollcallId) => boardChanged(env, rollcallId, "delivery")));
  return out;
}

/** Renders each job's message: a roll-call's recipients from one compiled message per language and channel, digests one by one. */
async function render(env: Env, jobs: Job[], out: Map<number, SendOutcome>): Promise<void> {
  const renderers = new Map<number, Promise<ReturnType<typeof recipientRenderer> | null>>();
  // The sender's name (a setting) is read once per batch, with the first roll-call.
  let name: Promise<string> | null = null;
  const networkName = () => (name ??= loadSettings(env).then((s) => s.networkName));
  const rendererOf = (rollcallId: number) => {
    let r = renderers.get(rollcallId);
    if (!r) {
      r = Promise.all([getRollcall(env.DB, rollcallId), networkName()]).then(([rc, name]) => (rc ? recipientRenderer(env, rc, name) : null));
      renderers.set(rollcallId, r);
    }
    return r;
  };
  const one = async (j: Job) => {
    const d = j.d;
    try {
      if (d.audience === "facility_admins") j.msg = await renderFor(env, d.rollcallId, d.personId, d.channel, d.wave, d.audience);
      else {
        const r = await rendererOf(d.rollcallId);
        if (!r) throw new Error("roll-call not found");
        j.msg = await r({ personId: d.personId, name: d.personName, lang: d.personLang, facility: d.facility }, d.channel);
      }
    } catch (e) {
      // A render failure (D1 trouble, a broken template): transient until proven otherwise, like any other.
      console.error("delivery: render failed, retrying", d.id, errorText(e));
      out.set(d.id, { kind: "retry", delaySeconds: backoffSeconds(j.attempt), error: "render failed" });
    }
  };
  await Promise.all(jobs.map(one));
}

/**
 * Reserves the SMS slots of the batch (one reservation per sender) and takes out the
 * SMS whose slot is more than a second away: each goes back on the queue as its own
 * message, delayed to its slot. Answers the jobs to send now.
 */
async function pace(env: Env, jobs: Job[], out: Map<number, SendOutcome>): Promise<Job[]> {
  const bySender = new Map<string, { pacing: { sender: string; perSecond: number }; jobs: Job[] }>();
  for (const j of jobs)
    if (j.route.kind === "provider" && j.route.pacing) {
      const s = bySender.get(j.route.pacing.sender) ?? { pacing: j.route.pacing, jobs: [] };
      s.jobs.push(j);
      bySender.set(j.route.pacing.sender, s);
    }
  if (bySender.size === 0) return jobs;
  const now = clock.now();
  for (const s of bySender.values()) {
    const slots = await smsSlots(
      env.DB,
      s.jobs.map((j) => ({ id: j.d.id, sendAt: j.d.sendAt, text: j.msg!.text })),
      s.pacing,
      now,
    );
    for (const j of s.jobs) j.slot = slots.get(j.d.id)!;
  }
  const later: MessageSendRequest<DeliveryMessage>[] = [];
  const current = clock.now();
  const keep = jobs.filter((j) => {
    if (j.slot === undefined || j.slot - current <= MAX_INLINE_WAIT_MS) return true;
    const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.ceil((j.slot - current) / 1000));
    later.push({ body: { type: "send", deliveryId: j.d.id }, delaySeconds });
    out.set(j.d.id, { kind: "deferred", delaySeconds });
    return false;
  });
  for (let i = 0; i < later.length; i += SEND_BATCH) await env.DELIVERY_QUEUE.sendBatch(later.slice(i, i + SEND_BATCH));
  return keep;
}

/** Hands one rendered, claimed delivery to its channel's adapter (or the sandbox outbox). */
async function sendOne(env: Env, j: Job): Promise<SendResult> {
  const { d, route } = j;
  const adapter: ChannelAdapter =
    route.kind === "provider"
      ? route.adapter
      : sandboxAdapter(env.DB, d.channel, {
          deliveryId: d.id,
          rollcallId: d.rollcallId,
          personId: d.personId,
          recipient: `${d.personName} · ${d.channel === "push" ? d.push?.deviceName || "device" : maskAddress(d.channel, d.address ?? "")}`,
        });
  const msg: OutgoingMessage = {
    channel: d.channel,
    to: d.channel === "push" ? { endpoint: d.push!.endpoint, keys: d.push!.keys } : d.address!,
    ...j.msg!,
    ...(d.channel === "sms" ? { statusCallbackUrl: statusCallbackUrl(env) } : {}),
  };
  try {
    return await adapter.send(msg);
  } catch (e) {
    // An adapter bug or an unexpected throw: treat as transient, the dead-letter queue ends it.
    return { ok: false, error: `${d.channel}: ${e instanceof Error ? e.name : "error"}`, retryable: true };
  }
}

/** Another sender holds the lease (or crashed holding it): look again when it runs out. */
function heldElsewhere(leaseUntil: number, now: number): SendOutcome {
  return { kind: "retry", delaySeconds: Math.max(1, Math.ceil((leaseUntil - now) / 1000) + 1), error: "held by another sender" };
}
