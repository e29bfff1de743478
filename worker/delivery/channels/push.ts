import type webpush from "web-push";
import { z } from "zod";
import type { ChannelAdapter, OutgoingMessage, PushTarget, SendResult } from "../types";
import { parseProvider, numberVar, type ProviderState } from "./settings";

declare global {
  interface Env {
    /** Seconds a push service keeps an undelivered message (default 21600 = 6 h). */
    PUSH_TTL_SECONDS?: string;
  }
}

const PushSettingsSchema = z.object({
  VAPID_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{87}$/, "a base64url P-256 public key (87 characters)"),
  VAPID_PRIVATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a base64url P-256 private key (43 characters)"),
  VAPID_SUBJECT: z.string().regex(/^(mailto:|https:\/\/)/, "mailto: or https: URL"),
  PUSH_TTL_SECONDS: numberVar(21_600, 2_419_200),
});
export type PushSettings = z.infer<typeof PushSettingsSchema>;

export const pushProvider = (env: Env): ProviderState<PushSettings> =>
  parseProvider(
    PushSettingsSchema,
    {
      VAPID_PUBLIC_KEY: env.VAPID_PUBLIC_KEY,
      VAPID_PRIVATE_KEY: env.VAPID_PRIVATE_KEY,
      VAPID_SUBJECT: env.VAPID_SUBJECT,
      PUSH_TTL_SECONDS: env.PUSH_TTL_SECONDS,
    },
    ["VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"],
  );

/** The most a push service takes reliably (about 4 kB encrypted; 3,000 bytes of plain text leaves room). */
export const MAX_PUSH_PAYLOAD_BYTES = 3_000;

const EMAIL = /[^\s@"'<>]+@[^\s@"'<>]+\.[a-z]{2,}/i;
/** A phone number: 10+ digits, optionally grouped by spaces, dashes or dots, optionally with +. */
const PHONE = /(?:\+|\b)\d(?:[\s.-]?\d){9,}\b/;

/** Whether a text would leak a phone number or an email (they never go into push payloads). */
export const containsContactDetail = (text: string): boolean => EMAIL.test(text) || PHONE.test(text);

const retryAfterMs = (h: string | null): number | undefined => {
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
};

/**
 * Web Push (VAPID, RFC 8291 aes128gcm) with `web-push`: it builds and encrypts the
 * request, `fetch` sends it (web-push's own sender speaks https only). Every message
 * carries Urgency: high and a TTL; 404/410 mean the subscription is gone. `web-push`
 * (with its ASN.1 and big-number libraries) is loaded on the first send, not at start-up.
 */
export function pushAdapter(s: PushSettings, opts: { timeoutMs?: number } = {}): ChannelAdapter {
  return {
    channel: "push",
    async send(msg: OutgoingMessage): Promise<SendResult> {
      if (!msg.push || typeof msg.to === "string") return { ok: false, error: "push: no payload or subscription", retryable: false };
      const payload = JSON.stringify(msg.push);
      if (new TextEncoder().encode(payload).length > MAX_PUSH_PAYLOAD_BYTES) return { ok: false, error: "push: payload over 3000 bytes", retryable: false };
      if (containsContactDetail(payload)) return { ok: false, error: "push: payload holds contact details", retryable: false };
      const target: PushTarget = msg.to;
      const topic = msg.push.tag.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 32);
      const { default: webPush } = await import("web-push");
      let details: ReturnType<typeof webpush.generateRequestDetails>;
      try {
        details = webPush.generateRequestDetails(target, payload, {
          TTL: s.PUSH_TTL_SECONDS,
          urgency: "high",
          ...(topic ? { topic } : {}),
          vapidDetails: { subject: s.VAPID_SUBJECT, publicKey: s.VAPID_PUBLIC_KEY, privateKey: s.VAPID_PRIVATE_KEY },
        });
      } catch (e) {
        // A malformed subscription (bad keys): the device has to subscribe again.
        return { ok: false, error: `push: ${e instanceof Error ? e.message : "bad subscription"}`.slice(0, 200), retryable: false, gone: true };
      }
      let res: Response;
      try {
        res = await fetch(details.endpoint, {
          method: "POST",
          headers: details.headers as Record<string, string>,
          body: details.body as Uint8Array | null,
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
      } catch (e) {
        return { ok: false, error: `push: ${e instanceof Error && e.name === "TimeoutError" ? "timeout" : "network error"}`, retryable: true };
      }
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300) return { ok: true, providerId: res.headers.get("location"), state: "sent" };
      if (res.status === 404 || res.status === 410) return { ok: false, error: `push: subscription gone (${res.status})`, retryable: false, gone: true };
      if (res.status === 429) return { ok: false, error: "push: 429", retryable: true, retryAfterMs: retryAfterMs(res.headers.get("retry-after")) };
      if (res.status >= 500) return { ok: false, error: `push: ${res.status}`, retryable: true, retryAfterMs: retryAfterMs(res.headers.get("retry-after")) };
      return { ok: false, error: `push: ${res.status}`, retryable: false };
    },
  };
}
