/**
 * Driving the delivery consumer from a test: a wave's plan message as a confirmed
 * roll-call queues it, and a whole delivery into the sandbox outbox.
 */
import { createMessageBatch } from "cloudflare:test";
import { handleDeliveryBatch } from "../../worker/delivery/consumer";
import type { DeliveryMessage } from "../../worker/delivery/types";
import { testEnv } from "../fakes/client";

export type PlanMessage = Extract<DeliveryMessage, { type: "plan" }>;

/** The plan of wave 1 to the recipients from its first page, by push and email with the fallback; `over` changes any field. */
export const planMessage = (rollcallId: number, over: Partial<PlanMessage> = {}): PlanMessage => ({
  type: "plan",
  rollcallId,
  wave: 1,
  channels: ["push", "email"],
  onlyUnreplied: false,
  fallback: true,
  audience: "recipients",
  afterPersonId: 0,
  ...over,
});

/** Runs the consumer from a first wave by email and SMS until nothing more is queued: the sandbox outbox then holds what was sent. */
export async function deliverToOutbox(rollcallId: number): Promise<void> {
  const e = testEnv();
  let pending: DeliveryMessage[] = [planMessage(rollcallId, { channels: ["email", "sms"] })];
  while (pending.length) {
    await handleDeliveryBatch(
      createMessageBatch(
        "anpi-deliveries",
        pending.map((body, i) => ({ id: `o${i}`, timestamp: new Date(), attempts: 1, body })),
      ),
      e,
    );
    pending = e.queue.take();
  }
}
