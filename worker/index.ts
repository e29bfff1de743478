import type { DeliveryMessage } from "./delivery/types";
import "./env";

/**
 * The Worker's entry points. Each loads what it needs on its first call (a dynamic
 * import the bundle keeps lazy), so an isolate starts without evaluating the app, the
 * queue consumer or the cron (issue 12: start-up CPU); the modules stay loaded after.
 */
let app: Promise<typeof import("./app")> | undefined;

export default {
  async fetch(request, env, ctx) {
    app ??= import("./app");
    return (await app).app.fetch(request, env, ctx);
  },
  async queue(batch, env) {
    const { handleDeadLetterBatch, handleDeliveryBatch } = await import("./delivery/consumer");
    if (batch.queue.endsWith("-dlq")) await handleDeadLetterBatch(batch, env);
    else await handleDeliveryBatch(batch, env);
  },
  async scheduled(controller, env, ctx) {
    const { handleCron } = await import("./triggers/cron");
    return handleCron(controller, env, ctx);
  },
} satisfies ExportedHandler<Env, DeliveryMessage>;

export { RollCallObject } from "./board/shell";
