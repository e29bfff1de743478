import { channelRoute } from "../delivery/channels";
import { maskAddress } from "../delivery/channels/sandbox";
import type { Channel, OutgoingMessage, PushTarget } from "../delivery/types";
import { clock } from "../lib/clock";
import { addressesOf, insertDirectMessage, networkAdminAddresses, type AdminAddress, type DirectKind } from "./data";

export interface DirectSend {
  kind: DirectKind;
  channel: Channel;
  /** E.164, an email address, or a push subscription. Never logged or kept. */
  to: string | PushTarget;
  /** For the sandbox label: a push device's name. */
  deviceName?: string;
  personId: number | null;
  senderId: number | null;
  facilityId: number | null;
  subject?: string;
  text: string;
  html?: string;
  push?: OutgoingMessage["push"];
  /** The link the message carries (invitation, verification); kept only in the sandbox. */
  link: string;
}

export type DirectResult = { ok: true; id: number; sandbox: boolean } | { ok: false; id: number; error: string; gone: boolean };

/**
 * Sends one message outside a roll-call through the same channel adapters (or, with
 * no provider secrets, to the sandbox, where the admin UI and the addressee read it).
 * One attempt, no queue: the caller is waiting and tells the person when it failed.
 * A row in direct_messages records each send; text and link only in the sandbox,
 * so a verification code never rests in D1 in clear where a real provider took it.
 */
export async function sendDirect(env: Env, m: DirectSend): Promise<DirectResult> {
  const route = channelRoute(env, m.channel);
  const recipient = typeof m.to === "string" ? maskAddress(m.channel, m.to) : (m.deviceName ?? "device");
  const base = {
    kind: m.kind,
    channel: m.channel,
    personId: m.personId,
    senderId: m.senderId,
    facilityId: m.facilityId,
    recipient,
    subject: m.subject ?? m.push?.title ?? "",
  };
  const now = clock.now();
  if (route.kind === "sandbox") {
    const body = m.channel === "push" && m.push ? `${m.push.title}\n${m.push.body}` : m.text;
    const id = await insertDirectMessage(env.DB, {
      ...base,
      sandbox: true,
      body,
      link: m.link,
      state: "delivered",
      providerId: null,
      error: null,
      createdAt: now,
    });
    return { ok: true, id, sandbox: true };
  }
  const empty = { sandbox: false, body: "", link: "", createdAt: now };
  if (route.kind === "unavailable") {
    const id = await insertDirectMessage(env.DB, { ...base, ...empty, state: "failed", providerId: null, error: route.error });
    return { ok: false, id, error: route.error, gone: false };
  }
  const msg: OutgoingMessage = { channel: m.channel, to: m.to, subject: m.subject, text: m.text, html: m.html, push: m.push, replyUrl: m.link };
  const r = await route.adapter.send(msg);
  if (r.ok) {
    const id = await insertDirectMessage(env.DB, { ...base, ...empty, state: r.state, providerId: r.providerId, error: null });
    return { ok: true, id, sandbox: false };
  }
  const id = await insertDirectMessage(env.DB, { ...base, ...empty, state: "failed", providerId: null, error: r.error.slice(0, 200) });
  return { ok: false, id, error: r.error, gone: r.gone ?? false };
}

/**
 * Wakes every network admin at once, by SMS and by email, on each of their addresses
 * (a roll-call waiting for confirmation, the SMS ceiling reached). Returns how many
 * messages were accepted; a failed send is recorded and does not stop the others.
 */
export async function alertNetworkAdmins(
  env: Env,
  m: { kind: Extract<DirectKind, "trigger_alert" | "admin_alert">; subject: string; sms: string; email: string; link: string },
): Promise<number> {
  return alertAddresses(env, await networkAdminAddresses(env.DB), m);
}

/** The same alert to these people, on each of their mobiles and emails (an unchecked patient raised to the managers, then the facility admins). */
export async function alertPeople(
  env: Env,
  personIds: readonly number[],
  m: { kind: Extract<DirectKind, "patient_alert">; subject: string; sms: string; email: string; link: string },
): Promise<number> {
  return alertAddresses(env, await addressesOf(env.DB, personIds), m);
}

async function alertAddresses(
  env: Env,
  addresses: AdminAddress[],
  m: { kind: DirectKind; subject: string; sms: string; email: string; link: string },
): Promise<number> {
  let accepted = 0;
  for (const a of addresses) {
    const r = await sendDirect(env, {
      kind: m.kind,
      channel: a.kind === "email" ? "email" : "sms",
      to: a.value,
      personId: a.personId,
      senderId: null,
      facilityId: null,
      subject: m.subject,
      text: a.kind === "email" ? m.email : m.sms,
      link: m.link,
    });
    if (r.ok) accepted++;
  }
  return accepted;
}
