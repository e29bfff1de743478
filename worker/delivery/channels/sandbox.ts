import type { Channel, ChannelAdapter, OutgoingMessage, SendResult } from "../types";
import { clock } from "../../lib/clock";
import { insertOutbox } from "../data";

export interface SandboxContext {
  deliveryId: number;
  rollcallId: number;
  personId: number;
  /** Name and a masked address: the outbox never shows a full phone number or email. */
  recipient: string;
}

/**
 * The local stand-in for a channel without provider secrets: the message goes to the
 * `outbox` table (GET /api/outbox) and counts as delivered.
 */
export function sandboxAdapter(db: D1Database, channel: Channel, ctx: SandboxContext): ChannelAdapter {
  return {
    channel,
    async send(msg: OutgoingMessage): Promise<SendResult> {
      const body = channel === "push" && msg.push ? `${msg.push.title}\n${msg.push.body}` : msg.text;
      await insertOutbox(db, { ...ctx, channel, subject: msg.subject ?? msg.push?.title ?? "", body, replyUrl: msg.replyUrl, createdAt: clock.now() });
      return { ok: true, providerId: `outbox:${ctx.deliveryId}`, state: "delivered" };
    },
  };
}

/** "山田 太郎 · +81 90-****-5678" style labels. */
export function maskAddress(channel: Channel, address: string): string {
  if (channel === "email") {
    const [user = "", domain = ""] = address.split("@");
    return `${user.slice(0, 1)}***@${domain}`;
  }
  if (channel === "sms") return `${address.slice(0, 3)}****${address.slice(-4)}`;
  return address; // push: the device name
}
