import { z } from "zod";
import type { ChannelAdapter, OutgoingMessage, SendResult } from "../types";
import { numberVar, parseProvider, type ProviderState } from "./settings";

declare global {
  interface Env {
    /** SMS segments per second per sender (Twilio long code: 1; a short code or a pool: more). */
    SMS_RATE_PER_SECOND?: string;
  }
}

const SmsSettingsSchema = z.object({
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-f]{32}$/, "an Account SID (AC + 32 hex)"),
  TWILIO_AUTH_TOKEN: z.string().min(16, "the Auth Token"),
  /** A number in E.164, or a Messaging Service SID (MG…). */
  TWILIO_FROM: z.string().regex(/^(\+[1-9]\d{6,14}|MG[0-9a-f]{32})$/, "an E.164 number or a Messaging Service SID"),
  /** Only for tests and local fakes: where the REST API lives. */
  TWILIO_API_BASE: z.string().url().optional(),
  SMS_RATE_PER_SECOND: numberVar(1, 1000),
});
export type SmsSettings = z.infer<typeof SmsSettingsSchema>;

export const smsProvider = (env: Env): ProviderState<SmsSettings> =>
  parseProvider(
    SmsSettingsSchema,
    {
      TWILIO_ACCOUNT_SID: env.TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: env.TWILIO_AUTH_TOKEN,
      TWILIO_FROM: env.TWILIO_FROM,
      TWILIO_API_BASE: env.TWILIO_API_BASE || undefined,
      SMS_RATE_PER_SECOND: env.SMS_RATE_PER_SECOND,
    },
    ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"],
  );

/** Twilio error codes that will not change on a retry (bad number, unreachable, blocked, opted out). */
const PERMANENT_CODES = new Set([21211, 21212, 21214, 21408, 21604, 21610, 21612, 21614, 21617, 30003, 30004, 30005, 30006, 30007]);

interface TwilioError {
  status?: number;
  code?: number;
}

/**
 * SMS through `twilio` `messages.create`, with a status callback URL. A client is
 * made per message so the Retry-After of a 429 read from `httpClient.lastResponse`
 * belongs to this request. Pacing is not done here (see ../pacing.ts). The SDK's
 * REST part (./twilio-rest.ts) is loaded on the first send, not at start-up.
 */
export function smsAdapter(s: SmsSettings, opts: { timeoutMs?: number } = {}): ChannelAdapter {
  return {
    channel: "sms",
    async send(msg: OutgoingMessage): Promise<SendResult> {
      if (typeof msg.to !== "string") return { ok: false, error: "sms: no number", retryable: false };
      const { twilioMessages } = await import("./twilio-rest");
      const { client, messages } = twilioMessages(
        s.TWILIO_ACCOUNT_SID,
        s.TWILIO_AUTH_TOKEN,
        { autoRetry: false, timeout: opts.timeoutMs ?? 15_000 },
        s.TWILIO_API_BASE,
      );
      const sender = s.TWILIO_FROM.startsWith("MG") ? { messagingServiceSid: s.TWILIO_FROM } : { from: s.TWILIO_FROM };
      try {
        const m = await messages.create({
          to: msg.to,
          ...sender,
          body: msg.text,
          ...(msg.statusCallbackUrl ? { statusCallback: msg.statusCallbackUrl } : {}),
        });
        return { ok: true, providerId: m.sid, state: "sent" };
      } catch (e) {
        const err = e as TwilioError;
        const status = err.status ?? 0;
        const code = err.code ?? 0;
        if (status === 429) {
          const h = client.httpClient.lastResponse?.headers as Record<string, string> | undefined;
          const ra = Number(h?.["retry-after"]);
          return { ok: false, error: `sms: 429${code ? ` (${code})` : ""}`, retryable: true, ...(Number.isFinite(ra) ? { retryAfterMs: ra * 1000 } : {}) };
        }
        if (status === 0) return { ok: false, error: "sms: network error or timeout", retryable: true };
        if (status >= 500) return { ok: false, error: `sms: ${status}`, retryable: true };
        // 401/403 (credentials), 400 (bad number, body, opted out): a retry would fail the same way.
        const retryable = (status === 408 || status === 409) && !PERMANENT_CODES.has(code);
        return { ok: false, error: `sms: ${status}${code ? ` (${code})` : ""}`, retryable };
      }
    },
  };
}
