import { auditStatement } from "../audit/log";
import { errorText } from "../lib/redact";
import { rollcallObject } from "../board/stub";
import { clock } from "../lib/clock";
import { ApiError, badRequest, notFound } from "../lib/errors";
import { getRollcall, recipientByTokenHash, recipientOf, type Recipient, type Rollcall } from "../rollcall/data";
import { AnswersSchema, type Answers } from "../rollcall/schemas";
import { isLive } from "../rollcall/state";
import { FACILITY_FIELDS, type TemplateBody } from "../templates/schemas";
import { getReply, replyWrites, type Reply } from "./data";
import { isTokenShaped, tokenHash } from "./token";

export type Via = Reply["via"];

/**
 * The reply link's owner: a token of the right shape whose hash is in the
 * snapshot. Anything else is null (the page answers 404 either way).
 */
export async function findRecipientByToken(env: Env, token: string): Promise<{ recipient: Recipient; rollcall: Rollcall } | null> {
  if (!isTokenShaped(token)) return null;
  const recipient = await recipientByTokenHash(env.DB, await tokenHash(token));
  if (!recipient) return null;
  const rollcall = await getRollcall(env.DB, recipient.rollcallId);
  return rollcall ? { recipient, rollcall } : null;
}

/** Whether replies are taken: the roll-call is live (rollcall/state.ts). */
export const isOpen = (rc: Pick<Rollcall, "state">) => isLive(rc.state);

/**
 * Checks answers against what the template asks this recipient. Questions not
 * asked are dropped; missing required ones and a comment over the template's
 * limit are refused, naming the field.
 */
export function checkAnswers(template: TemplateBody, isFacilityAdmin: boolean, raw: unknown, comment: string): { answers: Answers; comment: string } {
  const parsed = AnswersSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "answers";
    throw badRequest(field, `${field}: ${issue.message}`);
  }
  const a = parsed.data;
  const asks = new Set(template.questions);
  const out: Answers = {};
  if (asks.has("safety")) {
    if (!a.safety) throw badRequest("safety", "safety: choose one of safe, minor, severe.", "required");
    out.safety = a.safety;
  }
  if (asks.has("availability")) {
    if (a.availability) out.availability = a.availability;
    if (a.availability && a.availability !== "no" && a.arrival) out.arrival = a.arrival;
  }
  if (asks.has("ack")) {
    if (a.ack !== "yes") throw badRequest("ack", "ack: acknowledge the message.", "required");
    out.ack = "yes";
  }
  if (template.facilityQuestions && isFacilityAdmin && a.facility) {
    const f: NonNullable<Answers["facility"]> = {};
    for (const k of FACILITY_FIELDS) if (a.facility[k]) Object.assign(f, { [k]: a.facility[k] });
    if (Object.keys(f).length) out.facility = f;
  }
  const text = comment.replace(/\r\n/g, "\n").trim();
  const max = asks.has("comment") || template.kind === "notice" ? template.commentMax : 0;
  if ([...text].length > max)
    throw badRequest("comment", max === 0 ? "comment: this roll-call takes no comment." : `comment: at most ${max} characters.`, "too_long");
  return { answers: out, comment: text };
}

export interface RecordReplyInput {
  rollcallId: number;
  personId: number;
  answers: unknown;
  comment?: string;
  via: Via;
  /** 代理回答: who recorded it for the person. */
  proxyBy?: number;
}

/**
 * Records a new version of a person's reply (the link page, the SMS webhook,
 * a push action, or a proxy). 404 when the person was not asked, 409 "closed"
 * once the roll-call has closed, 400 naming the field for bad answers.
 */
export async function recordReply(env: Env, input: RecordReplyInput): Promise<Reply> {
  const rc = await getRollcall(env.DB, input.rollcallId);
  if (!rc) throw notFound("roll-call");
  const recipient = await recipientOf(env.DB, input.rollcallId, input.personId);
  if (!recipient) throw notFound("recipient");
  if (!isOpen(rc)) throw new ApiError("closed", "This roll-call has closed; replies are no longer accepted.", "rollcall");
  const { answers, comment } = checkAnswers(rc.template, recipient.isFacilityAdmin, input.answers, input.comment ?? "");
  if (input.via === "proxy" && !input.proxyBy) throw badRequest("proxyBy", "A proxy reply names who recorded it.");
  const now = clock.now();
  const reply: Omit<Reply, "id"> = {
    rollcallId: rc.id,
    personId: input.personId,
    answers,
    comment,
    via: input.via,
    proxyBy: input.via === "proxy" ? (input.proxyBy ?? null) : null,
    createdAt: now,
  };
  const stmts = replyWrites(env.DB, reply);
  if (input.via === "proxy")
    stmts.push(
      auditStatement(env.DB, {
        actorId: input.proxyBy ?? null,
        action: "reply.proxy",
        objectType: "rollcall",
        objectId: rc.id,
        detail: { personId: input.personId, answers },
      }),
    );
  const [inserted] = await env.DB.batch<{ id: number }>(stmts);
  const id = inserted?.results[0]?.id;
  if (!id) {
    // Closed between the read and the write: no reply was written (a proxy audit entry records the attempt).
    throw new ApiError("closed", "This roll-call has closed; replies are no longer accepted.", "rollcall");
  }
  try {
    await rollcallObject(env, rc.id).noteReply(input.personId, now);
  } catch (err) {
    // The reply is recorded in D1, the source of truth; the board catches up from there.
    console.error("rollcall object: noteReply failed", rc.id, errorText(err));
  }
  return (await getReply(env.DB, id))!;
}
