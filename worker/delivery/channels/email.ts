import { z } from "zod";
import type { ChannelAdapter, OutgoingMessage, SendResult } from "../types";
import { parseProvider, type ProviderState } from "./settings";

const EmailSettingsSchema = z.object({
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465. */
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, "an smtp:// or smtps:// URL"),
  MAIL_FROM: z.string().min(3, "the From address, e.g. 安否確認 <anpi@example.org>"),
});
export type EmailSettings = z.infer<typeof EmailSettingsSchema>;

export const emailProvider = (env: Env): ProviderState<EmailSettings> =>
  parseProvider(EmailSettingsSchema, { SMTP_URL: env.SMTP_URL, MAIL_FROM: env.MAIL_FROM }, ["SMTP_URL"]);

interface SmtpError {
  code?: string;
  responseCode?: number;
}

/** Email with `nodemailer` over SMTP (workerd's node:net), text and HTML parts. `nodemailer` is loaded on the first send, not at start-up. */
export function emailAdapter(s: EmailSettings, opts: { timeoutMs?: number } = {}): ChannelAdapter {
  const timeout = opts.timeoutMs ?? 15_000;
  return {
    channel: "email",
    async send(msg: OutgoingMessage): Promise<SendResult> {
      if (typeof msg.to !== "string") return { ok: false, error: "email: no address", retryable: false };
      const { default: nodemailer } = await import("nodemailer");
      const transport = nodemailer.createTransport({ url: s.SMTP_URL, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout });
      try {
        const info = await transport.sendMail({
          from: s.MAIL_FROM,
          to: msg.to,
          subject: msg.subject ?? "",
          text: msg.text,
          ...(msg.html ? { html: msg.html } : {}),
        });
        return { ok: true, providerId: info.messageId ?? null, state: "sent" };
      } catch (e) {
        const err = e as SmtpError;
        const rc = err.responseCode ?? 0;
        if (err.code === "EAUTH") return { ok: false, error: "email: SMTP authentication failed", retryable: false };
        if (rc >= 500) return { ok: false, error: `email: ${rc}`, retryable: false };
        // 4xx replies, refused or dropped connections, timeouts: try again later.
        return { ok: false, error: `email: ${rc || err.code || "error"}`, retryable: true };
      } finally {
        transport.close();
      }
    },
  };
}
