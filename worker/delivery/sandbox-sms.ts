import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks";
import { audit } from "../audit/log";
import type { Auth } from "../auth/scope";
import { badRequest, notFound, jaEn } from "../lib/errors";
import { redact } from "../lib/redact";
import { recipientOf } from "../rollcall/data";
import { sandboxInUse } from "./channels";
import * as data from "./data";
import { handleInboundSms, twilioAuthToken, verifiedTwilioParams } from "./twilio-webhooks";

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
 * post for a text from the person's mobile and signs it as Twilio would; then the
 * webhook's own steps run on it: the signature check against PUBLIC_URL + the
 * webhook's path ({@link verifiedTwilioParams}), and {@link handleInboundSms} (the
 * parser, the replay guard, the answer). Only while the sandbox is in use.
 */
export async function simulateInboundSms(env: Env, auth: Auth, input: SmsReplyInput) {
  const token = twilioAuthToken(env);
  if (!sandboxInUse(env) || !token) throw notFound(jaEn("送信箱（すべての経路が本番の送信先です）", "outbox (every channel has a real provider)"));
  let personId: number;
  let rollcallId: number;
  if (input.deliveryId !== undefined) {
    const owner = await data.deliveryOwner(env.DB, input.deliveryId);
    if (!owner) throw notFound(jaEn("送信", "delivery"));
    ({ personId, rollcallId } = owner);
  } else {
    personId = input.personId!;
    rollcallId = input.rollcallId!;
    if (!(await recipientOf(env.DB, rollcallId, personId))) throw notFound(jaEn("対象者", "recipient"));
  }
  const from = await data.mobileOf(env.DB, personId);
  if (!from)
    throw badRequest(
      input.deliveryId !== undefined ? "deliveryId" : "personId",
      jaEn("この人には返信元の携帯電話番号がありません。", "This person has no mobile number to reply from."),
    );

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
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded",
    "x-twilio-signature": getExpectedTwilioSignature(token, url, params),
  });
  const { status, reply } = await asTheWebhook(env, new URLSearchParams(params).toString(), headers);
  const handled = status === 200 ? await data.inboundReply(env.DB, sid) : null;
  await audit(env.DB, {
    actorId: auth.personId,
    action: "outbox.sms_reply",
    objectType: "person",
    objectId: personId,
    detail: { rollcallId, status, outcome: handled?.outcome ?? null },
  });
  return { status, reply, outcome: handled?.outcome ?? null, rollcallId: handled ? await data.inboundRollcall(env.DB, sid) : null };
}

/** What POST /webhooks/twilio/sms answers this form with: its status, and the text of its TwiML. */
async function asTheWebhook(env: Env, body: string, headers: Headers): Promise<{ status: number; reply: string }> {
  const verified = verifiedTwilioParams(env, SMS_WEBHOOK_PATH, "", body, headers);
  if (!verified) return { status: 403, reply: "" };
  try {
    return { status: 200, reply: await handleInboundSms(env, verified) };
  } catch (err) {
    // As the app's error handler answers the webhook: a 500, logged without the body.
    console.error("unhandled", redact(err instanceof Error ? (err.stack ?? err.message) : String(err)));
    return { status: 500, reply: "" };
  }
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
