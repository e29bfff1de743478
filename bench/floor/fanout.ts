/**
 * The fan-out floor: the same provider requests as the roll-call engine (the same
 * adapters, the same SDKs), from a plain loop with the consumer's six connections,
 * without queues, D1, claims or rendering. POST / with {messages}; answers when all are sent.
 */
import { emailAdapter, emailProvider } from "../../worker/delivery/channels/email";
import { pushAdapter, pushProvider } from "../../worker/delivery/channels/push";
import { smsAdapter, smsProvider } from "../../worker/delivery/channels/sms";
import type { ChannelAdapter, OutgoingMessage } from "../../worker/delivery/types";

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    if (req.method !== "POST") return new Response("POST a batch", { status: 405 });
    const { messages } = (await req.json()) as { messages: OutgoingMessage[] };
    const [push, sms, email] = [pushProvider(env), smsProvider(env), emailProvider(env)];
    if (push.kind !== "ready" || sms.kind !== "ready" || email.kind !== "ready") return new Response("providers not configured", { status: 500 });
    const adapters: Record<string, ChannelAdapter> = { push: pushAdapter(push.settings), sms: smsAdapter(sms.settings), email: emailAdapter(email.settings) };
    const queue = [...messages];
    let ok = 0;
    let failed = 0;
    const worker = async () => {
      for (let m = queue.shift(); m; m = queue.shift()) {
        const r = await adapters[m.channel]!.send(m);
        if (r.ok) ok++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    return Response.json({ ok, failed });
  },
} satisfies ExportedHandler<Env>;
