import { countStatements } from "../lib/d1-count";
import { clock } from "../lib/clock";
import { errorText } from "../lib/redact";
import { backoffSeconds } from "./backoff";
import { failDeadLettered } from "./data";
import { planPage } from "./plan";
import { DeliveryMessageSchema } from "./schemas";
import { CONCURRENCY, sendDeliveries } from "./send";
import type { DeliveryMessage, PlanMessage } from "./types";

declare global {
  interface Env {
    /** Local and test only ("1"): log the D1 statements of each delivery queue invocation (the benchmark counts them). */
    D1_STATEMENT_LOG?: string;
  }
}

const isMessage = (b: unknown): b is DeliveryMessage => DeliveryMessageSchema.safeParse(b).success;

async function handlePlan(m: Message<DeliveryMessage>, body: PlanMessage, env: Env): Promise<void> {
  try {
    await planPage(env, body);
    m.ack();
  } catch (e) {
    // D1 or queue trouble: transient until proven otherwise.
    console.error("delivery queue: retrying plan", body.rollcallId, errorText(e));
    m.retry({ delaySeconds: backoffSeconds(m.attempts) });
  }
}

/**
 * The delivery queue consumer. Plan pages run six at a time; the sends of the whole
 * invocation are one batch (worker/delivery/send.ts: one read, one claim, one write,
 * one board notice per roll-call). Each message is still acked or retried on its own,
 * with its own attempt count, backoff and dead letter.
 */
export async function handleDeliveryBatch(batch: MessageBatch<DeliveryMessage>, env: Env): Promise<void> {
  const counter = env.D1_STATEMENT_LOG === "1" && env.APP_ENV !== "production" ? countStatements(env.DB) : null;
  const e = counter ? { ...env, DB: counter.db } : env;
  const plans: [Message<DeliveryMessage>, PlanMessage][] = [];
  const sends = new Map<number, Message<DeliveryMessage>>();
  for (const m of batch.messages) {
    const body: unknown = m.body;
    if (!isMessage(body)) {
      console.error("delivery queue: malformed message dropped", m.id);
      m.ack();
    } else if (body.type === "plan") plans.push([m, body]);
    else if (sends.has(body.deliveryId))
      m.ack(); // the same send twice in one batch (at-least-once redelivery): one is enough
    else sends.set(body.deliveryId, m);
  }

  const worker = async () => {
    for (let p = plans.shift(); p; p = plans.shift()) await handlePlan(p[0], p[1], e);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, plans.length) }, worker));

  if (sends.size > 0) {
    try {
      const outcomes = await sendDeliveries(
        e,
        [...sends].map(([deliveryId, m]) => ({ deliveryId, attempt: m.attempts })),
      );
      for (const [deliveryId, m] of sends) {
        const out = outcomes.get(deliveryId);
        if (out?.kind === "retry") m.retry({ delaySeconds: out.delaySeconds });
        else m.ack();
      }
    } catch (err) {
      // D1 or queue trouble: every send of the batch again, each on its own backoff. The claim stops a double send.
      console.error("delivery queue: retrying sends", sends.size, errorText(err));
      for (const m of sends.values()) m.retry({ delaySeconds: backoffSeconds(m.attempts) });
    }
  }
  if (counter) console.log(`[d1] delivery queue: ${counter.count()} statements, ${batch.messages.length} messages`);
}

/**
 * The dead-letter queue consumer: a send that ran out of retries is a failed delivery
 * (error "dead-letter"); a plan page that ran out is logged, since it created nothing yet.
 */
export async function handleDeadLetterBatch(batch: MessageBatch<DeliveryMessage>, env: Env): Promise<void> {
  const ids: number[] = [];
  for (const m of batch.messages) {
    const body: unknown = m.body;
    if (isMessage(body) && body.type === "send") ids.push(body.deliveryId);
    else if (isMessage(body) && body.type === "plan") console.error("delivery dead-letter: plan page lost", body.rollcallId, body.wave, body.afterPersonId);
  }
  try {
    await failDeadLettered(env.DB, ids, clock.now());
    batch.ackAll();
  } catch (e) {
    console.error("delivery dead-letter: retrying", errorText(e));
    batch.retryAll({ delaySeconds: 30 });
  }
}
