import { XMLParser } from "fast-xml-parser";
import twilio from "twilio";
import { audit } from "../audit/log";
import type { Auth } from "../auth/scope";
import { sandboxInUse } from "../delivery/channels";
import { inboundReply } from "../delivery/data";
import { twilioAuthToken } from "../delivery/twilio-webhooks";
import { badRequest, notFound } from "../lib/errors";
import { recipientOf } from "../rollcall/data";
import * as data from "./data";

/** Twilio's magic test number: what the simulated message is addressed to when no TWILIO_FROM is set. */
export const SANDBOX_SMS_NUMBER = "+15005550006";

export const SMS_WEBHOOK_PATH = "/webhooks/twilio/sms";

export interface SmsReplyInput {
  deliveryId?: number;
  personId?: number;
  rollcallId?: number;
  body: string;
}

/**
 * The outbox's "answer as this recipient by SMS" box: builds the form Twilio would
 * post for a text from the person's mobile, signs it as Twilio would, and sends it
 * through the app's own webhook, so the signature check, the parser, the replay guard
 * and the TwiML answer all run for real. Only while the sandbox is in use.
 */
export async function simulateInboundSms(env: Env, auth: Auth, input: SmsReplyInput, ctx: Parameters<typeof import("../app").app.fetch>[2]) {
  const token = twilioAuthToken(env);
  if (!sandboxInUse(env) || !token) throw notFound("outbox (every channel has a real provider)");
  let personId: number;
  let rollcallId: number;
  if (input.deliveryId !== undefined) {
    const owner = await data.deliveryOwner(env.DB, input.deliveryId);
    if (!owner) throw notFound("delivery");
    ({ personId, rollcallId } = owner);
  } else {
    personId = input.personId!;
    rollcallId = input.rollcallId!;
    if (!(await recipientOf(env.DB, rollcallId, personId))) throw notFound("recipient");
  }
  const from = await data.mobileOf(env.DB, personId);
  if (!from) throw badRequest(input.deliveryId !== undefined ? "deliveryId" : "personId", "This person has no mobile number to reply from.");

  const sid = `SM${randomHex(16)}`;
  const params: Record<string, string> = {
    AccountSid: env.TWILIO_ACCOUNT_SID ?? `AC${"0".repeat(32)}`,
    ApiVersion: "2010-04-01",
    Body: input.body,
    From: from,
    MessageSid: sid,
    NumMedia: "0",
    NumSegments: "1",
    SmsSid: sid,
    To: env.TWILIO_FROM ?? SANDBOX_SMS_NUMBER,
  };
  const url = `${env.PUBLIC_URL.replace(/\/+$/, "")}${SMS_WEBHOOK_PATH}`;
  const request = new Request(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilio.getExpectedTwilioSignature(token, url, params) },
    body: new URLSearchParams(params).toString(),
  });
  // Loaded when used: the app mounts this domain, so a static import would be a cycle at load time.
  const { app } = await import("../app");
  const res = await app.fetch(request, env, ctx);
  const xml = await res.text();
  const handled = res.status === 200 ? await inboundReply(env.DB, sid) : null;
  await audit(env.DB, {
    actorId: auth.personId,
    action: "outbox.sms_reply",
    objectType: "person",
    objectId: personId,
    detail: { rollcallId, status: res.status, outcome: handled?.outcome ?? null },
  });
  return {
    status: res.status,
    reply: res.status === 200 ? messageText(xml) : "",
    outcome: handled?.outcome ?? null,
    rollcallId: handled ? await data.inboundRollcall(env.DB, sid) : null,
  };
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The text of a TwiML <Response><Message>, as the phone would show it. */
export function messageText(xml: string): string {
  const doc = new XMLParser({ parseTagValue: false, trimValues: false }).parse(xml) as { Response?: { Message?: string | string[] } | string };
  const r = doc.Response;
  if (!r || typeof r === "string") return "";
  const m = r.Message;
  return Array.isArray(m) ? m.join("\n") : (m ?? "");
}
