import { validationError } from "../lib/validation";
import { auditStatement } from "../audit/log";
import { errorText } from "../lib/redact";
import { rollcallObject } from "../board/stub";
import { clock } from "../lib/clock";
import { badRequest, closed, notFound, jaEn } from "../lib/errors";
import {
  recipientContextByTokenHash,
  recipientContextByTokenHashStatement,
  recipientContextFromRow,
  recipientContextOf,
  type Recipient,
  type RecipientContext,
  type Rollcall,
} from "../rollcall/data";
import { settingsFromRows, settingsStatement, type Settings } from "../system/settings";
import { checksOfLink, checksOfLinkStatement } from "../patients/check-service";
import { AnswersSchema, type Answers } from "../rollcall/schemas";
import { isLive } from "../rollcall/state";
import type { TemplateBody } from "../templates/schemas";
import type { ReplyNote } from "../board/notes";
import { previousReplyStatement, replyWrites, toPreviousReply, toReply, type PreviousReply, type Reply } from "./data";
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
  const hash = await tokenHash(token);
  return remember(hash, replyContextOf(await recipientContextByTokenHash(env.DB, hash)));
}

/**
 * The reply page's reads, in one round trip: the link's owner (as findRecipientByToken), the
 * settings (the page names the network), and the patient checks of the owner's groups (counts).
 */
export interface ReplyPage {
  context: ReplyContext;
  settings: Settings;
  /** The roll-call's patient checks in the owner's groups: null when the roll-call checks no patient. */
  patients: { total: number; unchecked: number } | null;
}

const pageStatements = (env: Env, hash: string) => [
  recipientContextByTokenHashStatement(env.DB, hash),
  settingsStatement(env),
  checksOfLinkStatement(env.DB, hash),
];

function pageOf(env: Env, context: ReplyContext, [, settings, checks]: D1Result[]): ReplyPage {
  const rc = context.rollcall;
  return {
    context,
    settings: settingsFromRows(env, settings?.results ?? []),
    patients: rc.patientChecks !== null && rc.confirmedAt !== null ? checksOfLink(checks?.results[0]) : null,
  };
}

export async function findReplyPage(env: Env, token: string): Promise<ReplyPage | null> {
  return isTokenShaped(token) ? readPage(env, await tokenHash(token)) : null;
}

async function readPage(env: Env, hash: string): Promise<ReplyPage | null> {
  const results = await env.DB.batch(pageStatements(env, hash));
  const context = remember(hash, replyContextOf(recipientContextFromRow(results[0]?.results[0])));
  return context ? pageOf(env, context, results) : null;
}

const replyContextOf = (found: RecipientContext | null): ReplyContext | null =>
  found ? { recipient: found.recipient, rollcall: found.rollcall, last: found.lastReply ? toReply(found.lastReply) : null } : null;

/**
 * Reply links read in this isolate, by token hash: what a link stands for never changes once
 * the roll-call is confirmed (the person, the roll-call and its template, the snapshot's facility
 * and admin flag), so the confirm that follows a link's page checks the answers without reading
 * again and writes in one round trip. What may change (the state, the last reply, the name) is
 * read in that same batch; the writes themselves check that the roll-call is live.
 */
const KNOWN = new Map<string, ReplyContext>();
const KNOWN_MAX = 4096;

function remember(hash: string, context: ReplyContext | null): ReplyContext | null {
  if (context && context.rollcall.confirmedAt !== null) {
    KNOWN.delete(hash);
    if (KNOWN.size >= KNOWN_MAX) KNOWN.delete(KNOWN.keys().next().value!);
    KNOWN.set(hash, context);
  }
  return context;
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
  const reply = replyOf(context, input);
  const stmts = [previousReplyStatement(env.DB, reply.rollcallId, reply.personId), ...replyWrites(env.DB, reply)];
  if (input.via === "proxy")
    stmts.push(
      auditStatement(env.DB, {
        actorId: input.proxyBy ?? null,
        action: "reply.proxy",
        objectType: "rollcall",
        objectId: reply.rollcallId,
        detail: { personId: input.personId, answers: reply.answers, reached: reply.proxyReached },
      }),
    );
  const [before, inserted] = await env.DB.batch<Record<string, unknown>>(stmts);
  return recorded(env, context.recipient, reply, inserted, toPreviousReply(before?.results[0]), opts.waitUntil);
}

/**
 * The reply link's confirm (via "link"): the answers checked against what the link stands for,
 * then one round trip when this isolate has read the link before (its page, mostly): the link's
 * owner and the settings read in the write's own batch. Otherwise one read, then the write.
 * Null: no such link (404). Throws as recordReply does (400 naming the field, 409 closed).
 */
export async function recordByLink(
  env: Env,
  token: string,
  raw: { answers: unknown; comment: string },
  waitUntil?: (p: Promise<unknown>) => void,
): Promise<{ page: ReplyPage; reply: Reply } | null> {
  if (!isTokenShaped(token)) return null;
  const hash = await tokenHash(token);
  const known = KNOWN.get(hash);
  if (!known) {
    const page = await readPage(env, hash);
    if (!page) return null;
    const { recipient, rollcall } = page.context;
    const reply = await recordReply(env, { rollcallId: rollcall.id, personId: recipient.personId, ...raw, via: "link" }, { context: page.context, waitUntil });
    return { page: { ...page, context: { ...page.context, last: reply } }, reply };
  }
  const reply = replyOf(known, { rollcallId: known.rollcall.id, personId: known.recipient.personId, ...raw, via: "link" });
  const reads = pageStatements(env, hash);
  const results = await env.DB.batch<Record<string, unknown>>([...reads, ...replyWrites(env.DB, reply)]);
  // The state just before the write, read in its batch: the context the write replaced.
  const context = replyContextOf(recipientContextFromRow(results[0]?.results[0]));
  if (!context) return null;
  if (!isOpen(context.rollcall)) throw closedError();
  const last = context.last;
  const previous: PreviousReply = {
    repliedAt: context.recipient.repliedAt,
    answers: last?.answers ?? null,
    via: last?.via ?? null,
    answeredAt: last?.createdAt ?? null,
    replyId: context.recipient.lastReplyId,
  };
  const saved = await recorded(env, context.recipient, reply, results[reads.length], previous, waitUntil);
  return { page: pageOf(env, { ...context, last: saved }, results), reply: saved };
}

const closedError = () =>
  closed(jaEn("この安否確認は終了しました。回答は受け付けていません。", "This roll-call has closed; replies are no longer accepted."), "rollcall");

/** A new reply version of the context's person: the roll-call live, the answers checked, a proxy naming who recorded it. */
function replyOf(context: Pick<ReplyContext, "recipient" | "rollcall">, input: RecordReplyInput): Omit<Reply, "id"> {
  const { rollcall: rc, recipient } = context;
  if (!isOpen(rc)) throw closedError();
  const { answers, comment } = checkAnswers(rc.template, recipient, input.answers, input.comment ?? "");
  if (input.via === "proxy" && !input.proxyBy) throw badRequest("proxyBy", jaEn("代理回答には記録した人が必要です。", "A proxy reply names who recorded it."));
  return {
    rollcallId: rc.id,
    personId: input.personId,
    answers,
    comment,
    via: input.via,
    proxyBy: input.via === "proxy" ? (input.proxyBy ?? null) : null,
    proxyReached: input.via === "proxy" ? (input.proxyReached ?? null) : null,
    createdAt: clock.now(),
  };
}

/** After the write's batch: the new version's id (none: the roll-call closed first, nothing was written), then the board told what changed. */
async function recorded(
  env: Env,
  recipient: Recipient,
  reply: Omit<Reply, "id">,
  inserted: D1Result<Record<string, unknown>> | undefined,
  prev: PreviousReply,
  waitUntil?: (p: Promise<unknown>) => void,
): Promise<Reply> {
  const id = (inserted?.results[0] as { id: number } | undefined)?.id;
  // Closed between the read and the write: no reply was written (a proxy audit entry records the attempt).
  if (!id) throw closedError();
  const note: ReplyNote = {
    personId: reply.personId,
    name: recipient.name,
    job: recipient.job,
    facilityId: recipient.facilityId,
    isFacilityAdmin: recipient.isFacilityAdmin,
    replyId: id,
    at: reply.createdAt,
    firstReply: prev.repliedAt === null,
    answers: reply.answers,
    via: reply.via,
    previous:
      prev.answers && prev.via && prev.replyId !== null ? { answers: prev.answers, via: prev.via, replyId: prev.replyId, at: prev.answeredAt ?? 0 } : null,
  };
  const told = rollcallObject(env, reply.rollcallId)
    .noteReply(note)
    .catch((err: unknown) => {
      // The reply is recorded in D1, the source of truth; the board catches up from there (its periodic re-read).
      console.error("rollcall object: noteReply failed", reply.rollcallId, errorText(err));
    });
  if (waitUntil) waitUntil(told);
  else await told;
  return { ...reply, id };
}
