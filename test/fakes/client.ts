/**
 * The workerd side of the provider fakes: creates a tenant on a fake, builds the env
 * override that points a channel at it, sets failure modes, reads what it received.
 * Each test makes its own tenant, so parallel test files never share state.
 */
import { env } from "cloudflare:test";
import webpush from "web-push";
import type { DeliveryMessage } from "../../worker/delivery/types";
import type { FakeMode } from "./control";
import type { FakePush } from "./push";
import type { FakeMail } from "./smtp";
import type { FakeSms } from "./twilio";

async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`fake ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const post = <T>(url: string, body?: unknown) =>
  call<T>(url, { method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });

export const TWILIO_FROM = "+15005550006";

export interface TwilioAccount {
  sid: string;
  token: string;
}

export const twilioFake = {
  account: () => post<TwilioAccount>(`${env.FAKE_TWILIO_URL}/__accounts`),
  env: (a: TwilioAccount, over: Partial<Env> = {}): Partial<Env> => ({
    TWILIO_ACCOUNT_SID: a.sid,
    TWILIO_AUTH_TOKEN: a.token,
    TWILIO_FROM: TWILIO_FROM,
    TWILIO_API_BASE: env.FAKE_TWILIO_URL,
    SMS_RATE_PER_SECOND: "1000",
    ...over,
  }),
  mode: (a: TwilioAccount, m: Partial<FakeMode>) => post<FakeMode>(`${env.FAKE_TWILIO_URL}/__accounts/${a.sid}/mode`, m),
  messages: (a: TwilioAccount) => call<FakeSms[]>(`${env.FAKE_TWILIO_URL}/__accounts/${a.sid}/messages`),
  stats: (a: TwilioAccount) => call<{ requests: number; accepted: number }>(`${env.FAKE_TWILIO_URL}/__accounts/${a.sid}/stats`),
  /** A status callback for a message, signed by the fake with the account's token. */
  callback: (a: TwilioAccount, messageSid: string, status: string, extra: { errorCode?: string; url?: string } = {}) =>
    post<{ url: string; params: Record<string, string>; signature: string }>(`${env.FAKE_TWILIO_URL}/__accounts/${a.sid}/messages/${messageSid}/callback`, {
      status,
      ...extra,
    }),
};

export interface PushSub {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** One VAPID key pair for the test run. */
export const VAPID = webpush.generateVAPIDKeys();

export const pushFake = {
  tenant: async () => (await post<{ tenant: string }>(`${env.FAKE_PUSH_URL}/__tenants`)).tenant,
  subscribe: (tenant: string) => post<PushSub>(`${env.FAKE_PUSH_URL}/__tenants/${tenant}/subscriptions`),
  gone: (tenant: string, id: string) => post(`${env.FAKE_PUSH_URL}/__tenants/${tenant}/subscriptions/${id}/gone`),
  env: (over: Partial<Env> = {}): Partial<Env> => ({
    VAPID_PUBLIC_KEY: VAPID.publicKey,
    VAPID_PRIVATE_KEY: VAPID.privateKey,
    VAPID_SUBJECT: "mailto:anpi-admin@example.org",
    ...over,
  }),
  mode: (tenant: string, m: Partial<FakeMode>) => post<FakeMode>(`${env.FAKE_PUSH_URL}/__tenants/${tenant}/mode`, m),
  received: (tenant: string) => call<FakePush[]>(`${env.FAKE_PUSH_URL}/__tenants/${tenant}/received`),
  stats: (tenant: string) => call<{ requests: number; accepted: number }>(`${env.FAKE_PUSH_URL}/__tenants/${tenant}/stats`),
};

export const SMTP_CREDENTIALS = "anpi:smtp-secret";

export const smtpFake = {
  domain: async () => (await post<{ domain: string }>(`${env.FAKE_SMTP_CONTROL_URL}/__tenants`)).domain,
  env: (over: Partial<Env> = {}): Partial<Env> => ({
    SMTP_URL: `smtp://${SMTP_CREDENTIALS}@127.0.0.1:${env.FAKE_SMTP_PORT}`,
    MAIL_FROM: "安否確認 <anpi@example.org>",
    ...over,
  }),
  mode: (domain: string, m: Partial<FakeMode>) => post<FakeMode>(`${env.FAKE_SMTP_CONTROL_URL}/__tenants/${domain}/mode`, m),
  received: (domain: string) => call<FakeMail[]>(`${env.FAKE_SMTP_CONTROL_URL}/__tenants/${domain}/received`),
  stats: (domain: string) => call<{ requests: number; accepted: number }>(`${env.FAKE_SMTP_CONTROL_URL}/__tenants/${domain}/stats`),
};

/** Every provider pointed at fresh fake tenants. */
export async function allProviders(): Promise<{ env: Partial<Env>; twilio: TwilioAccount; pushTenant: string; mailDomain: string }> {
  const [twilio, pushTenant, mailDomain] = await Promise.all([twilioFake.account(), pushFake.tenant(), smtpFake.domain()]);
  return { env: { ...twilioFake.env(twilio), ...pushFake.env(), ...smtpFake.env() }, twilio, pushTenant, mailDomain };
}

/**
 * A stand-in for the DELIVERY_QUEUE binding that keeps what is sent, so a test can
 * hand the messages to the consumer itself, in the order and number it chooses.
 */
export class RecordingQueue {
  sent: { body: DeliveryMessage; delaySeconds?: number }[] = [];
  async send(body: DeliveryMessage, opts?: QueueSendOptions) {
    this.sent.push({ body, ...(opts?.delaySeconds !== undefined ? { delaySeconds: opts.delaySeconds } : {}) });
  }
  async sendBatch(messages: Iterable<MessageSendRequest<DeliveryMessage>>) {
    for (const m of messages) this.sent.push({ body: m.body, ...(m.delaySeconds !== undefined ? { delaySeconds: m.delaySeconds } : {}) });
  }
  async metrics() {
    return { backlogCount: this.sent.length, backlogBytes: 0 };
  }
  take(): DeliveryMessage[] {
    const out = this.sent.map((s) => s.body);
    this.sent = [];
    return out;
  }
}

/** The test env with overrides and a recording queue. */
export function testEnv(over: Partial<Env> = {}): Env & { queue: RecordingQueue } {
  const queue = new RecordingQueue();
  return { ...env, DELIVERY_QUEUE: queue as unknown as Queue<DeliveryMessage>, ...over, queue } as Env & { queue: RecordingQueue };
}
