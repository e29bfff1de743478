/**
 * The contract between the roll-call engine (which plans deliveries) and the
 * delivery domain (which sends them). Kept small so both sides can change apart.
 */
export type Channel = "push" | "sms" | "email";
export const CHANNELS: readonly Channel[] = ["push", "sms", "email"];

/** Whom a wave's deliveries are for: the recipients, or each facility's admins (the digest of who in their facility has not answered). */
export type Audience = "recipients" | "facility_admins";

/** A delivery's states (`cancelled`: not sent because the roll-call closed first). */
export const DELIVERY_STATES = ["queued", "sending", "sent", "delivered", "failed", "cancelled"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** Messages on the delivery queue (DELIVERY_QUEUE). */
export type DeliveryMessage =
  /**
   * Create the deliveries of one wave for a page of recipients (person id > afterPersonId),
   * enqueue their sends, and enqueue the next page. `fallback`: a person reachable on none of
   * `channels` gets whichever channel they have. `audience: "facility_admins"` is the digest
   * telling each facility admin who in their facility has not answered.
   */
  | {
      type: "plan";
      rollcallId: number;
      wave: number;
      channels: Channel[];
      onlyUnreplied: boolean;
      fallback: boolean;
      audience: Audience;
      afterPersonId: number;
    }
  /**
   * Send one delivery (by id); safe to receive twice. The consumer sends every `send`
   * of one invocation as one batch (delivery/send.ts), but acks or retries each message
   * on its own, so a delivery keeps its own attempts, backoff and dead letter.
   */
  | { type: "send"; deliveryId: number };

export type PlanMessage = Extract<DeliveryMessage, { type: "plan" }>;

/** What a wave asks for: a template's wave, or one of the escalation schedule. */
export type WaveSpec = Pick<PlanMessage, "channels" | "onlyUnreplied" | "fallback" | "audience">;

/**
 * The one way to build a `plan` message: the first page of `wave` (or the page after
 * `afterPersonId`, for the sweeper picking a stopped wave up again).
 */
export function planMessage(rollcallId: number, wave: number, spec: WaveSpec, afterPersonId = 0): PlanMessage {
  return {
    type: "plan",
    rollcallId,
    wave,
    channels: spec.channels,
    onlyUnreplied: spec.onlyUnreplied,
    fallback: spec.fallback,
    audience: spec.audience,
    afterPersonId,
  };
}

/** A rendered message for one recipient on one channel. */
export interface OutgoingMessage {
  channel: Channel;
  /** E.164 for sms, an address for email; for push the subscription. Never logged. */
  to: string | PushTarget;
  subject?: string;
  text: string;
  html?: string;
  /** Push only: the notification payload (title, body, reply URL, actions). No phone numbers or emails. */
  push?: PushPayload;
  /** The reply link carried by the message. */
  replyUrl: string;
  /** Callback for provider status updates (SMS). */
  statusCallbackUrl?: string;
}

/**
 * The JSON a push message carries: what the service worker (admin-ui/public/sw.js,
 * logic in sw-core.js) reads. Never a phone number or an email.
 */
export interface PushPayload {
  /** What it is for; absent is read as "rollcall". "test" messages are acknowledged on arrival (readiness). */
  type?: "rollcall" | "notice" | "digest" | "test";
  title: string;
  body: string;
  /** Opened on a tap: the reply page (or the board, for a digest). `${url}/action` takes one-tap answers. */
  url: string;
  /** A later notification with the same tag replaces the earlier one. */
  tag: string;
  /** The person's language (BCP 47 tag for the notification's `lang`). */
  lang?: string;
  /** One-tap answers shown as notification actions where the platform has them (safe_yes, safe_no, need_help). */
  actions?: { action: string; title: string }[];
  /** Shown after a one-tap answer was recorded; `{answer}` is the chosen action's title. */
  sent?: string;
  /** Shown when a one-tap answer could not be sent; tapping it opens `url`. */
  failed?: string;
  /** "test" only: where the service worker POSTs on arrival. */
  ackUrl?: string;
}

export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** What a channel adapter reports back. */
export type SendResult =
  | { ok: true; providerId: string | null; state: "sent" | "delivered" }
  /** `retryAfterMs` for 429 and transient failures; `gone` when a push subscription no longer exists. */
  | { ok: false; error: string; retryable: boolean; retryAfterMs?: number; gone?: boolean };

/** Every channel behind the same small interface (see delivery/channels.ts). */
export interface ChannelAdapter {
  readonly channel: Channel;
  send(msg: OutgoingMessage): Promise<SendResult>;
}
