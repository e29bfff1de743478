/**
 * A queue that behaves like Cloudflare Queues for the fault tests, driven by the test:
 * at-least-once, retried messages come back with attempts + 1, and a message that has
 * used up `max_retries` (6, as wrangler.toml says) goes to the dead-letter consumer.
 * Delays are not waited for (the clock is moved past them instead), so a whole
 * roll-call with failing providers runs in seconds.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { handleDeadLetterBatch, handleDeliveryBatch } from "../../worker/delivery/consumer";
import type { DeliveryMessage } from "../../worker/delivery/types";
import { clock } from "../../worker/lib/clock";
import type { RecordingQueue } from "../fakes/client";

export const MAX_RETRIES = 6;
const BATCH = 50;

export interface Pending {
  body: DeliveryMessage;
  attempts: number;
  delaySeconds: number;
}

let seq = 0;

export class QueueSim {
  pending: Pending[] = [];
  deadLettered: DeliveryMessage[] = [];
  batches = 0;
  retries = 0;

  constructor(
    private readonly env: Env & { queue: RecordingQueue },
    private readonly opts: { shuffle?: boolean; duplicateRate?: number; rng?: () => number } = {},
  ) {}

  /** Moves what the worker sent into the pending list (a duplicate now and then, if asked). */
  private collect(): void {
    const rng = this.opts.rng ?? Math.random;
    for (const s of this.env.queue.sent.splice(0)) {
      this.pending.push({ body: s.body, attempts: 1, delaySeconds: s.delaySeconds ?? 0 });
      if (this.opts.duplicateRate && rng() < this.opts.duplicateRate) this.pending.push({ body: s.body, attempts: 1, delaySeconds: s.delaySeconds ?? 0 });
    }
  }

  push(body: DeliveryMessage): void {
    this.pending.push({ body, attempts: 1, delaySeconds: 0 });
  }

  /** One batch through the consumer; `between` runs after it (replies arriving meanwhile). */
  async step(): Promise<boolean> {
    this.collect();
    if (this.pending.length === 0) return false;
    if (this.opts.shuffle) {
      const rng = this.opts.rng ?? Math.random;
      for (let i = this.pending.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [this.pending[i], this.pending[j]] = [this.pending[j]!, this.pending[i]!];
      }
    } else this.pending.sort((a, b) => a.delaySeconds - b.delaySeconds);
    const take = this.pending.splice(0, BATCH);
    const maxDelay = Math.max(0, ...take.map((p) => p.delaySeconds));
    if (maxDelay > 0) clock.advance(maxDelay * 1000);
    for (const p of this.pending) p.delaySeconds = Math.max(0, p.delaySeconds - maxDelay);
    const batch = createMessageBatch<DeliveryMessage>(
      "anpi-deliveries",
      take.map((p) => ({ id: `f${++seq}`, timestamp: new Date(), attempts: p.attempts, body: p.body })),
    );
    const delays = new Map<string, number | undefined>();
    for (const m of batch.messages) {
      const retry = m.retry.bind(m);
      m.retry = (o?: QueueRetryOptions) => {
        delays.set(m.id, o?.delaySeconds);
        retry(o);
      };
    }
    const ctx = createExecutionContext();
    await handleDeliveryBatch(batch, this.env);
    const result = await getQueueResult(batch, ctx);
    this.batches++;
    const byId = new Map(batch.messages.map((m, i) => [m.id, take[i]!]));
    const dead: DeliveryMessage[] = [];
    for (const r of result.retryMessages) {
      const p = byId.get(r.msgId)!;
      this.retries++;
      if (p.attempts > MAX_RETRIES) dead.push(p.body);
      else this.pending.push({ body: p.body, attempts: p.attempts + 1, delaySeconds: delays.get(r.msgId) ?? 0 });
    }
    if (dead.length) {
      this.deadLettered.push(...dead);
      const dlq = createMessageBatch<DeliveryMessage>(
        "anpi-deliveries-dlq",
        dead.map((body) => ({ id: `d${++seq}`, timestamp: new Date(), attempts: 1, body })),
      );
      await handleDeadLetterBatch(dlq, this.env);
    }
    return true;
  }

  /** Runs until the queue is empty (bounded), calling `between` after every batch. */
  async drain(between: (batch: number) => Promise<void> = async () => {}, maxBatches = 400): Promise<void> {
    for (let i = 0; i < maxBatches; i++) {
      if (!(await this.step())) return;
      await between(i);
    }
    throw new Error(`queue did not drain within ${maxBatches} batches (${this.pending.length} left)`);
  }
}
