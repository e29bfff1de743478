import { sweepDeliveries } from "../delivery/sweeper";
import { errorText } from "../lib/redact";
import { escalateChecks } from "../patients/check-service";
import { pollJmaFeed } from "./service";

/**
 * Every minute: poll the JMA feed, sweep lost deliveries, raise late patient checks. Nothing escapes: a feed that is down, slow or
 * broken is recorded in jma_feed_state and tried again at the next minute.
 */
export async function handleCron(_controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  try {
    await pollJmaFeed(env);
  } catch (err) {
    console.error("jma poll failed", errorText(err));
  }
  await sweepDeliveries(env).catch((err: unknown) => console.error("delivery sweep failed", errorText(err)));
  await escalateChecks(env).catch((err: unknown) => console.error("patient check escalation failed", errorText(err)));
}
