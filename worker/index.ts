import { app } from "./app";
import { handleDeadLetterBatch, handleDeliveryBatch } from "./delivery/consumer";
import type { DeliveryMessage } from "./delivery/types";
import "./env";
import { handleCron } from "./triggers/cron";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue.endsWith("-dlq")) await handleDeadLetterBatch(batch, env);
    else await handleDeliveryBatch(batch, env);
  },
  scheduled: (controller, env, ctx) => handleCron(controller, env, ctx),
} satisfies ExportedHandler<Env, DeliveryMessage>;

export { RollCallObject } from "./board/object";
