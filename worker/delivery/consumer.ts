import { clock } from "../lib/clock";
import { errorText } from "../lib/redact";
import { backoffSeconds } from "./backoff";
import { failDeadLettered } from "./data";
import { planPage } from "./plan";
import { DeliveryMessageSchema } from "./schemas";
import { sendDelivery } from "./send";
import type { DeliveryMessage } from "./types";

/** Messages handled at once: Workers allow 6 open connections per invocation. */
const CONCURRENCY = 6;

const isMessage = (b: unknown): b is DeliveryMessage => DeliveryMessageSchema.safeParse(b).success;

async function handleOne(m: Message<DeliveryMessage>, env: Env): Promise<void> {
  const body: unknown = m.body;
  if (!isMessage(body)) {
    console.error("delivery queue: malformed message dropped", m.id);
    m.ack();
    return;
  }
  try {
    if (body.type === "plan") {
      await planPage(env, body);
      m.ack();
      return;
    }
    const out = await sendDelivery(env, body.deliveryId, m.attempts);
    if (out.kind === "retry") m.retry({ delaySeconds: out.delaySeconds });
    else m.ack();
  } catch (e) {
    // D1 or queue trouble, a render failure: transient until proven otherwise. Never log bodies (addresses).
    console.error("delivery queue: retrying", body.type, body.type === "send" ? body.deliveryId : body.rollcallId, errorText(e));
    m.retry({ delaySeconds: backoffSeconds(m.attempts) });
  }
}

/** The delivery queue consumer: acks or retries each message on its own. */
export async function handleDeliveryBatch(batch: MessageBatch<DeliveryMessage>, env: Env): Promise<void> {
  // The same send twice in one batch (at-least-once redelivery): one is enough.
  const seen = new Set<number>();
  const queue = batch.messages.filter((m) => {
    const b: unknown = m.body;
    if (!isMessage(b) || b.type !== "send") return true;
    if (seen.has(b.deliveryId)) {
      m.ack();
      return false;
    }
    seen.add(b.deliveryId);
    return true;
  });
  const worker = async () => {
    for (let m = queue.shift(); m; m = queue.shift()) await handleOne(m, env);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
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
