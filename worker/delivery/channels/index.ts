import type { Channel, ChannelAdapter } from "../types";
import { emailAdapter, emailProvider } from "./email";
import { pushAdapter, pushProvider } from "./push";
import type { ProviderState } from "./settings";
import { smsAdapter, smsProvider } from "./sms";

/** How a channel sends in this environment. */
export type ChannelRoute =
  | { kind: "provider"; adapter: ChannelAdapter; pacing: { sender: string; perSecond: number } | null }
  /** No provider secrets and not production: the sandbox outbox. */
  | { kind: "sandbox" }
  /** Secrets wrong, or none in production: deliveries fail with this error. */
  | { kind: "unavailable"; error: string };

interface ChannelRegistration {
  state(env: Env): ProviderState<unknown>;
  route(env: Env): ChannelRoute;
}

function register<S>(
  provider: (env: Env) => ProviderState<S>,
  adapter: (s: S) => ChannelAdapter,
  pacing: (s: S) => { sender: string; perSecond: number } | null = () => null,
): ChannelRegistration {
  return {
    state: provider,
    route(env) {
      const st = provider(env);
      if (st.kind === "ready") return { kind: "provider", adapter: adapter(st.settings), pacing: pacing(st.settings) };
      if (st.kind === "invalid") return { kind: "unavailable", error: `config: ${st.field}: ${st.message}` };
      return env.APP_ENV === "production" ? { kind: "unavailable", error: "config: no provider secrets" } : { kind: "sandbox" };
    },
  };
}

/** Every channel, one entry each: a channel added to `Channel` without an adapter fails to compile. */
export const CHANNEL_REGISTRY: Record<Channel, ChannelRegistration> = {
  push: register(pushProvider, (s) => pushAdapter(s)),
  sms: register(
    smsProvider,
    (s) => smsAdapter(s),
    (s) => ({ sender: s.TWILIO_FROM, perSecond: s.SMS_RATE_PER_SECOND }),
  ),
  email: register(emailProvider, (s) => emailAdapter(s)),
};

export const channelRoute = (env: Env, channel: Channel): ChannelRoute => CHANNEL_REGISTRY[channel].route(env);

/** Whether any channel delivers to the sandbox outbox here (the outbox route answers 404 otherwise). */
export function sandboxInUse(env: Env): boolean {
  return (Object.keys(CHANNEL_REGISTRY) as Channel[]).some((c) => channelRoute(env, c).kind === "sandbox");
}
