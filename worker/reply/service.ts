import { validationError } from "../lib/validation";
import { auditStatement } from "../audit/log";
import { errorText } from "../lib/redact";
import { rollcallObject } from "../board/stub";
import { clock } from "../lib/clock";
import { badRequest, closed, notFound, jaEn } from "../lib/errors";
import { recipientContextByTokenHash, recipientContextOf, type Recipient, type Rollcall } from "../rollcall/data";
import { AnswersSchema, type Answers } from "../rollcall/schemas";
import { isLive } from "../rollcall/state";
import type { TemplateBody } from "../templates/schemas";
import type { ReplyNote } from "../board/notes";
import { previousReplyStatement, replyWrites, toPreviousReply, toReply, type Reply } from "./data";
import { isTokenShaped, tokenHash } from "./token";
import { facilityCommentMax, facilityFieldsAsked, type ProxyReached } from "../templates/answers";

export type Via = Reply["via"];

/** A reply's context: the recipient, their roll-call and their latest reply (null: none yet). */
export interface ReplyContext {
  recipient: Recipient;
  rollcall: Rollcall;
  last: Reply | null;
}

/**
 * The reply link's owner: a token of the right shape whose hash is in the
 * snapshot, read with the roll-call and the latest reply in one statement.
 * Anything else is null (the page answers 404 either way).
 */
export async function findRecipientByToken(env: Env, token: string): Promise<ReplyContext | null> {
  if (!isTokenShaped(token)) return null;
  const found = await recipientContextByTokenHash(env.DB, await tokenHash(token));
  return found ? { recipient: found.recipient, rollcall: found.rollcall, last: found.lastReply ? toReply(found.lastReply) : null } : null;
}

/** Whether replies are taken: the roll-call is live (rollcall/state.ts). */
export const isOpen = (rc: Pick<Rollcall, "state">) => isLive(rc.state);

/**
 * Checks answers against what the template asks this recipient. Questions not
 * asked are dropped; missing required ones and a comment over the template's
 * limit are refused, naming the field.
 */
export function checkAnswers(
  template: TemplateBody,
  recipient: Pick<Recipient, "isFacilityAdmin" | "facilityType">,
  raw: unknown,
  comment: string,
): { answers: Answers; comment: string } {
  const parsed = AnswersSchema.safeParse(raw);
  if (!parsed.success) {
    throw validationError(parsed.error, "answers");
  }
  const a = parsed.data;
  const asks = new Set(template.questions);
  const out: Answers = {};
  if (asks.has("safety")) {
    if (!a.safety)
      throw badRequest("safety", jaEn("安否を「無事」「軽傷」「重傷・要救助」から選んでください。", "safety: choose one of safe, minor, severe."), "required");
    out.safety = a.safety;
  }
  if (asks.has("availability")) {
    if (a.availability) out.availability = a.availability;
    if (a.availability && a.availability !== "no" && a.arrival) out.arrival = a.arrival;
  }
  if (asks.has("ack")) {
    if (a.ack !== "yes") throw badRequest("ack", jaEn("「確認しました」を押してください。", "ack: acknowledge the message."), "required");
    out.ack = "yes";
  }
  // The facility's report: only the fields of its type's set (others dropped, as questions not asked).
  const fields = facilityFieldsAsked(template, recipient);
  if (fields.length && a.facility) {
    const f: NonNullable<Answers["facility"]> = {};
    for (const k of fields) if (a.facility[k]) Object.assign(f, { [k]: a.facility[k] });
    const max = facilityCommentMax(template.commentMax);
    if (f.comment && [...f.comment].length > max)
      throw badRequest("facility.comment", jaEn(`施設のコメントは${max}文字以内にしてください。`, `facility.comment: at most ${max} characters.`), "too_long");
    if (Object.keys(f).length) out.facility = f;
  }
  const text = comment.replace(/\r\n/g, "\n").trim();
  const max = asks.has("comment") || template.kind === "notice" ? template.commentMax : 0;
  if ([...text].length > max)
    throw badRequest(
      "comment",
      max === 0
        ? jaEn("この安否確認はコメントを受け付けません。", "This roll-call takes no comment.")
        : jaEn(`コメントは${max}文字までです。`, `The comment: at most ${max} characters.`),
      "too_long",
    );
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
  /** 代理回答: how they reached the person. */
  proxyReached?: ProxyReached;
}

/** How the board is told: awaited by default; given the request's `waitUntil`, the reply does not wait for it. */
export interface RecordOptions {
  /** The recipient and roll-call, when the caller has just read them (the reply link): not read again. */
  context?: Pick<ReplyContext, "recipient" | "rollcall">;
  waitUntil?: (p: Promise<unknown>) => void;
}

/**
 * Records a new version of a person's reply (the link page, the SMS webhook,
 * a push action, or a proxy). 404 when the person was not asked, 409 "closed"
 * once the roll-call has closed, 400 naming the field for bad answers.
 *
 * One read (the recipient with the roll-call, unless the caller has it), one batch
 * (the answer it replaces, the new version, the recipient's pointer, a proxy's audit
 * entry), then the board is told what changed.
 */
export async function recordReply(env: Env, input: RecordReplyInput, opts: RecordOptions = {}): Promise<Reply> {
  const context =
    opts.context && opts.context.rollcall.id === input.rollcallId && opts.context.recipient.personId === input.personId
      ? opts.context
      : await recipientContextOf(env.DB, input.rollcallId, input.personId);
  if (!context) {
    // Tell an unknown roll-call from a person who was not asked (both 404).
    throw notFound(jaEn("対象者", "recipient"));
  }
  const { rollcall: rc, recipient } = context;
  if (!isOpen(rc))
    throw closed(jaEn("この安否確認は終了しました。回答は受け付けていません。", "This roll-call has closed; replies are no longer accepted."), "rollcall");
  const { answers, comment } = checkAnswers(rc.template, recipient, input.answers, input.comment ?? "");
  if (input.via === "proxy" && !input.proxyBy) throw badRequest("proxyBy", jaEn("代理回答には記録した人が必要です。", "A proxy reply names who recorded it."));
  const now = clock.now();
  const reply: Omit<Reply, "id"> = {
    rollcallId: rc.id,
    personId: input.personId,
    answers,
    comment,
    via: input.via,
    proxyBy: input.via === "proxy" ? (input.proxyBy ?? null) : null,
    proxyReached: input.via === "proxy" ? (input.proxyReached ?? null) : null,
    createdAt: now,
  };
  const stmts = [previousReplyStatement(env.DB, rc.id, input.personId), ...replyWrites(env.DB, reply)];
  if (input.via === "proxy")
    stmts.push(
      auditStatement(env.DB, {
        actorId: input.proxyBy ?? null,
        action: "reply.proxy",
        objectType: "rollcall",
        objectId: rc.id,
        detail: { personId: input.personId, answers, reached: reply.proxyReached },
      }),
    );
  const [before, inserted] = await env.DB.batch<Record<string, unknown>>(stmts);
  const id = (inserted?.results[0] as { id: number } | undefined)?.id;
  if (!id) {
    // Closed between the read and the write: no reply was written (a proxy audit entry records the attempt).
    throw closed(jaEn("この安否確認は終了しました。回答は受け付けていません。", "This roll-call has closed; replies are no longer accepted."), "rollcall");
  }
  const prev = toPreviousReply(before?.results[0]);
  const note: ReplyNote = {
    personId: input.personId,
    name: recipient.name,
    job: recipient.job,
    facilityId: recipient.facilityId,
    isFacilityAdmin: recipient.isFacilityAdmin,
    replyId: id,
    at: now,
    firstReply: prev.repliedAt === null,
    answers,
    via: input.via,
    previous:
      prev.answers && prev.via && prev.replyId !== null ? { answers: prev.answers, via: prev.via, replyId: prev.replyId, at: prev.answeredAt ?? 0 } : null,
  };
  const told = rollcallObject(env, rc.id)
    .noteReply(note)
    .catch((err: unknown) => {
      // The reply is recorded in D1, the source of truth; the board catches up from there (its periodic re-read).
      console.error("rollcall object: noteReply failed", rc.id, errorText(err));
    });
  if (opts.waitUntil) opts.waitUntil(told);
  else await told;
  return { ...reply, id };
}
