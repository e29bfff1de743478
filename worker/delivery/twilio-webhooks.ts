import { boardChanged } from "../board/notify";
import MessagingResponse from "twilio/lib/twiml/MessagingResponse";
import { z } from "zod";
import { getSignatureAlgorithm, validateRequest } from "twilio/lib/webhooks/webhooks";
import { ApiError } from "../lib/errors";
import { clock } from "../lib/clock";
import { latestLiveRollcallOf, recipientContextOf } from "../rollcall/data";
import type { Answers } from "../rollcall/schemas";
import { toReply, type Reply } from "../reply/data";
import { recordReply } from "../reply/service";
import { AVAILABILITY } from "../templates/answers";
import * as data from "./data";
import { TwilioInboundSchema, TwilioStatusSchema } from "./schemas";
import { parseSmsAck, parseSmsReply, type SmsReply } from "./sms-parse";
import { askBackText, recordedText, smsText } from "./sms-replies";

/** Twilio's webhook bodies are small; anything bigger is not Twilio. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

/**
 * The sandbox's signing token: used only where APP_ENV is "local" or "test" and no
 * TWILIO_AUTH_TOKEN is set, so the outbox's "answer as this recipient by SMS" box can
 * sign a simulated inbound message that goes through the real verifier. It is public
 * (it is in the source), hence never accepted anywhere else.
 */
export const SANDBOX_TWILIO_AUTH_TOKEN = "sandbox-local-twilio-auth-token0";

/** The token Twilio webhooks are verified with: the configured secret, else the sandbox's (local and test only), else none. */
export function twilioAuthToken(env: Pick<Env, "TWILIO_AUTH_TOKEN" | "APP_ENV">): string | null {
  if (env.TWILIO_AUTH_TOKEN) return env.TWILIO_AUTH_TOKEN;
  return env.APP_ENV === "local" || env.APP_ENV === "test" ? SANDBOX_TWILIO_AUTH_TOKEN : null;
}

/**
 * The form parameters of a request Twilio signed, or null. The signature is checked
 * with the SDK against the configured public URL (PUBLIC_URL + path + query), never
 * `request.url`, which a proxy or tunnel may have rewritten.
 */
export function verifiedTwilioParams(env: Env, path: string, search: string, body: string, headers: Headers): Record<string, string> | null {
  const token = twilioAuthToken(env);
  const signature = headers.get("x-twilio-signature");
  if (!token || !signature) return null;
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  const url = `${env.PUBLIC_URL.replace(/\/+$/, "")}${path}${search}`;
  const algorithm = getSignatureAlgorithm(headers.get("x-twilio-webhooks-signature-settings") ?? undefined);
  return validateRequest(token, signature, url, params, algorithm) ? params : null;
}

/** The TwiML answer to an inbound SMS: the text, or an empty response. */
export function twiml(text: string): string {
  const r = new MessagingResponse();
  if (text) r.message(text);
  return r.toString();
}

type Outcome = { rollcallId: number | null; personId: number | null; outcome: string; reply: string; waiting?: string | null };

/**
 * An inbound SMS reply (already verified). Each MessageSid is handled once: a replay
 * answers the same text and records nothing. Returns the text to answer with.
 */
export async function handleInboundSms(env: Env, params: Record<string, string>): Promise<string> {
  const p = TwilioInboundSchema.safeParse(params);
  if (!p.success) return "";
  const { MessageSid: sid, From: from, Body: body } = p.data;
  if (!(await data.claimInbound(env.DB, sid, clock.now()))) return (await data.inboundReply(env.DB, sid))?.reply ?? "";
  try {
    const o = await decideInbound(env, from, body);
    await data.finishInbound(env.DB, sid, o);
    return o.reply;
  } catch (e) {
    await data.dropInbound(env.DB, sid);
    throw e;
  }
}

/** What an SMS said, with what the person said before filled in (see `withEarlier`). */
interface Said {
  answers: Answers;
  comment: string;
}

/** What waits for the person's next SMS when one said availability without safety (inbound_sms.waiting). */
const WaitingSchema = z.object({ availability: z.enum(AVAILABILITY), arrival: z.string().max(40).optional(), comment: z.string() });

async function decideInbound(env: Env, from: string, body: string): Promise<Outcome> {
  const sender = await data.personByMobile(env.DB, from);
  if (!sender) return { rollcallId: null, personId: null, outcome: "unknown_sender", reply: smsText("ja", "unknown") };
  const { personId, lang } = sender;
  const rollcallId = await latestLiveRollcallOf(env.DB, personId);
  const context = rollcallId === null ? null : await recipientContextOf(env.DB, rollcallId, personId);
  if (!context || rollcallId === null) return { rollcallId, personId, outcome: "no_rollcall", reply: smsText(lang, "noRollcall") };
  const template = context.rollcall.template;
  const asks = new Set(template.questions);

  let said: Said;
  if (asks.has("ack") && !asks.has("safety")) {
    if (!parseSmsAck(body)) return { rollcallId, personId, outcome: "unparsed", reply: smsText(lang, "howToAck") };
    said = { answers: { ack: "yes" }, comment: "" };
  } else {
    const parsed = parseSmsReply(body);
    if (!parsed) return { rollcallId, personId, outcome: "unparsed", reply: smsText(lang, "howTo") };
    said = await withEarlier(env, rollcallId, personId, context.lastReply ? toReply(context.lastReply) : null, parsed);
    if (asks.has("safety") && !said.answers.safety && said.answers.availability) {
      // A reply needs its safety: the availability waits for the next message, which is asked for it.
      const waiting = JSON.stringify({ availability: said.answers.availability, arrival: said.answers.arrival, comment: said.comment });
      return { rollcallId, personId, outcome: "asked_safety", reply: askBackText(lang, said.answers, "safety"), waiting };
    }
  }
  // The rest of the message is the comment, cut to what the template takes.
  const max = asks.has("comment") || template.kind === "notice" ? template.commentMax : 0;
  const comment = [...said.comment].slice(0, max).join("").trim();

  const record = (c: string) => recordReply(env, { rollcallId, personId, answers: said.answers, comment: c, via: "sms" }, { context });
  try {
    let reply: Awaited<ReturnType<typeof record>>;
    try {
      reply = await record(comment);
    } catch (e) {
      // A comment the template does not take (or too long) must not cost the answer itself.
      if (e instanceof ApiError && e.field === "comment" && comment) reply = await record("");
      else throw e;
    }
    // Safety alone: ask only for availability (not of someone who needs rescue).
    const a = reply.answers;
    const askAvailability = asks.has("availability") && !a.availability && (a.safety === "safe" || a.safety === "minor");
    return { rollcallId, personId, outcome: "recorded", reply: askAvailability ? askBackText(lang, a, "availability") : recordedText(lang, a) };
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) return { rollcallId, personId, outcome: "no_rollcall", reply: smsText(lang, "noRollcall") };
    if (e instanceof ApiError && e.status === 400) return { rollcallId, personId, outcome: "unparsed", reply: smsText(lang, "howTo") };
    throw e;
  }
}

/**
 * An SMS with one answer, completed by what the person said before: availability alone
 * takes the safety of their latest reply; safety alone takes the availability their previous
 * SMS left waiting (it said availability before any safety). A new comment replaces the old
 * one; an SMS without one keeps it.
 */
async function withEarlier(env: Env, rollcallId: number, personId: number, last: Reply | null, parsed: SmsReply): Promise<Said> {
  const answers: Answers = {};
  if (parsed.safety) answers.safety = parsed.safety;
  if (parsed.availability) answers.availability = parsed.availability;
  if (parsed.arrival) answers.arrival = parsed.arrival;
  let comment = parsed.comment;
  if (!answers.safety && last?.answers.safety) {
    answers.safety = last.answers.safety;
    comment ||= last.comment;
  } else if (answers.safety && !answers.availability) {
    const waiting = WaitingSchema.safeParse(jsonOrNull(await data.waitingInbound(env.DB, rollcallId, personId, last?.createdAt ?? 0)));
    if (waiting.success) {
      answers.availability = waiting.data.availability;
      if (waiting.data.arrival) answers.arrival = waiting.data.arrival;
      comment ||= waiting.data.comment;
    }
  }
  return { answers, comment };
}

function jsonOrNull(text: string | null): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Twilio MessageStatus → a final delivery state; interim statuses change nothing. */
const FINAL_STATUS: Record<string, "delivered" | "failed"> = {
  delivered: "delivered",
  read: "delivered",
  undelivered: "failed",
  failed: "failed",
  canceled: "failed",
};

/** A status callback (already verified). Forward only: a late or repeated callback never undoes a final state. */
export async function handleStatusCallback(env: Env, params: Record<string, string>): Promise<{ changed: boolean }> {
  const p = TwilioStatusSchema.safeParse(params);
  if (!p.success) return { changed: false };
  const state = FINAL_STATUS[p.data.MessageStatus];
  if (!state) return { changed: false };
  const error = state === "failed" ? `twilio: ${p.data.MessageStatus}${p.data.ErrorCode ? ` (${p.data.ErrorCode})` : ""}` : null;
  const rollcallId = await data.applyProviderStatus(env.DB, "sms", p.data.MessageSid, state, error, clock.now());
  if (rollcallId !== null) await boardChanged(env, rollcallId, "delivery");
  return { changed: rollcallId !== null };
}
