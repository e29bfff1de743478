import { loadSettings } from "../system/settings";
import { stateWords } from "./state";
import { auditIfChangedStatement, auditInsertedStatement, auditStatement, type AuditEntry } from "../audit/log";
import { canManageFacility, isNetworkAdmin, isViewer, managedFacilityIds, type Auth } from "../auth/scope";
import { rollcallObject } from "../board/stub";
import { CHANNELS, DELIVERY_STATES, planMessage, type Channel } from "../delivery/types";
import { clock } from "../lib/clock";
import { randomToken } from "../lib/crypto";
import { badRequest, conflict, forbidden, notFound, jaEn } from "../lib/errors";
import { checkSnapshotStatement } from "../patients/check-service";
import { recordReply } from "../reply/service";
import { replyUrl, TOKEN_LENGTH } from "../reply/token";
import { messagesFor } from "../templates/files";
import { resolveTemplate } from "../templates/service";
import { smsSegments } from "../templates/render";
import {
  AVAILABILITY,
  FACILITY_CHOICE_FIELDS,
  FACILITY_FIELDS,
  FACILITY_OPTIONS,
  langOf,
  LANGS,
  SAFETY,
  type FacilityField,
  type Lang,
  type Template,
} from "../templates/schemas";
import * as data from "./data";
import type { Rollcall, RollcallSource } from "./data";
import { baseVars, boardUrl, renderMessage } from "./render";
import type {
  Aggregates,
  Answers,
  DeliveryProgress,
  PatientCheckScope,
  Preview,
  ProxyReply,
  ReplyRecord,
  RollcallDetailQuery,
  RollcallListQuery,
  Scope,
} from "./schemas";
import { canMove, endingOf, TRANSITIONS, type RollcallState } from "./state";

/** A stand-in token of the real length: the preview never shows a link that works. */
const SAMPLE_TOKEN = "SAMPLE-reply-link-0123456789abcd".slice(0, TOKEN_LENGTH);

// ---------------------------------------------------------------- access

/**
 * Who may address a scope: network admins anything; facility admins and
 * delegates only facilities they run (by facility id); others nothing.
 * Returns the owning facility (null for a network roll-call).
 */
export function ownerForScope(auth: Auth, scope: Scope): number | null {
  if (isNetworkAdmin(auth)) return null;
  const managed = managedFacilityIds(auth);
  if (!managed.length)
    throw forbidden(jaEn("安否確認を始められるのはネットワーク管理者と事業所管理者です。", "Only network admins and facility admins start roll-calls."));
  if (!scope.facilityIds)
    throw forbidden(
      jaEn("事業所管理者は自分の事業所にだけ送れます（scope.facilityIds）。", "Facility admins may only address their own facility: use scope.facilityIds."),
      "scope",
    );
  const outside = scope.facilityIds.filter((id) => !managed.includes(id));
  if (outside.length)
    throw forbidden(jaEn("事業所管理者は自分の事業所にだけ送れます。", "Facility admins may only address their own facility."), "scope.facilityIds");
  return scope.facilityIds[0]!;
}

/** Whether the person may confirm or close it: network admins, or the admins of its owning facility. */
export function canManageRollcall(auth: Auth, rc: Rollcall): boolean {
  return isNetworkAdmin(auth) || (rc.ownerFacilityId !== null && canManageFacility(auth, rc.ownerFacilityId));
}

/**
 * What part of a roll-call a person may read: everything (network admin, city viewer),
 * or the facilities they run (facility admins following their staff). null = refused.
 */
export async function readableFacilities(db: D1Database, auth: Auth, rc: Rollcall): Promise<number[] | "all" | null> {
  if (isNetworkAdmin(auth) || isViewer(auth)) return "all";
  const managed = managedFacilityIds(auth);
  if (!managed.length) return null;
  if (rc.ownerFacilityId !== null && managed.includes(rc.ownerFacilityId)) return managed;
  if (rc.state === "draft") return null;
  const counts = await data.facilityCounts(db, rc.id);
  return counts.some((c) => c.facilityId !== null && managed.includes(c.facilityId)) ? managed : null;
}

// ---------------------------------------------------------------- preview

/** Recipients per channel, who cannot be reached, and every message as it will go out. */
export async function buildPreview(env: Env, rc: Pick<Rollcall, "id" | "title" | "message" | "drill" | "template" | "scope">): Promise<Preview> {
  const t = rc.template;
  const first = t.waves[0]!;
  const [reach, unreachable, samples, settings] = await Promise.all([
    data.reachOf(env.DB, rc.scope, first),
    data.unreachablePeople(env.DB, rc.scope, 100),
    data.samplePeople(env.DB, rc.scope),
    loadSettings(env),
  ]);
  const link = replyUrl(env, SAMPLE_TOKEN);
  const langs = new Set<Lang>(["ja", ...Object.keys(reach.byLang).map(langOf)]);
  const messages: Preview["messages"] = [];
  for (const lang of LANGS.filter((l) => langs.has(l))) {
    const sample = samples.find((s) => langOf(s.lang) === lang);
    const vars = {
      ...baseVars(rc, lang, settings.networkName),
      person: sample?.name ?? (lang.startsWith("ja") ? "山田 花子" : "Hanako Yamada"),
      facility: sample?.facility ?? "",
      link,
    };
    const asked = new Set<Channel>(t.waves.filter((w) => w.audience === "recipients").flatMap((w) => w.channels));
    if (first.fallback) for (const c of CHANNELS) asked.add(c);
    for (const channel of CHANNELS.filter((c) => asked.has(c))) {
      const m = renderMessage(messagesFor(t.messages, lang), channel, vars, { link, tag: `rollcall-${rc.id}`, lang, type: t.kind });
      messages.push({
        channel,
        lang,
        audience: "recipients",
        subject: m.subject,
        text: m.text,
        html: m.html,
        sms: channel === "sms" ? smsSegments(m.text) : undefined,
      });
    }
    const digest = t.waves.filter((w) => w.audience === "facility_admins");
    const digestChannels = new Set<Channel>(digest.flatMap((w) => (w.fallback ? [...CHANNELS] : w.channels)));
    for (const channel of CHANNELS.filter((c) => digestChannels.has(c))) {
      const names = lang.startsWith("ja") ? "・山田 花子\n・佐藤 一郎" : "・Hanako Yamada\n・Ichiro Sato";
      const dlink = boardUrl(env, rc.id);
      const m = renderMessage(
        messagesFor(t.digest, lang),
        channel,
        { ...vars, count: 2, names, link: dlink },
        { link: dlink, tag: `rollcall-${rc.id}-digest`, lang, type: "digest" },
      );
      messages.push({
        channel,
        lang,
        audience: "facility_admins",
        subject: m.subject,
        text: m.text,
        html: m.html,
        sms: channel === "sms" ? smsSegments(m.text) : undefined,
      });
    }
  }
  return {
    recipients: reach.total,
    byChannel: reach.byChannel,
    firstWave: reach.firstWave,
    unreachable: reach.unreachable,
    unreachablePeople: unreachable,
    byLang: reach.byLang,
    waves: t.waves.map((w, i) => ({ wave: i + 1, ...w })),
    messages,
    smsYenPerSegment: settings.smsYenPerSegment,
  };
}

// ---------------------------------------------------------------- draft, confirm, close

/** A manual draft: the person's scope rules, then {@link draftRollcall}. */
export async function createDraft(
  env: Env,
  auth: Auth,
  input: { title: string; message: string; template: string; scope: Scope; drill: boolean; patientChecks?: boolean | PatientCheckScope },
): Promise<{ rollcall: Rollcall; preview: Preview }> {
  const ownerFacilityId = ownerForScope(auth, input.scope);
  const template = await resolveTemplate(env.DB, input.template);
  if (!template) throw badRequest("template", jaEn(`テンプレート「${input.template}」がありません。`, `template: no template "${input.template}".`));
  await checkScopeExists(env.DB, input.scope);
  const patientChecks =
    input.patientChecks === undefined ? undefined : input.patientChecks === false ? null : input.patientChecks === true ? {} : input.patientChecks;
  const draft = await draftRollcall(env, { ...input, patientChecks, template, ownerFacilityId, source: "manual", sourceRef: null, createdBy: auth.personId });
  if (!draft.ok) throw badRequest("scope", jaEn("この範囲には対象者がいません。", "scope: nobody is in this scope."));
  return draft;
}

export type DraftResult =
  | { ok: true; rollcall: Rollcall; preview: Preview }
  /** Another report of the same event won the race: the unique (source, sourceRef) index kept one. */
  | { ok: false; reason: "exists"; id: number }
  | { ok: false; reason: "empty" };

/**
 * Creates a draft roll-call: the one way a roll-call comes to be, for a person
 * ({@link createDraft}) and for a trigger (worker/triggers/rollcalls.ts). Refuses an
 * empty scope. One per (source, sourceRef) when sourceRef is given. The draft, its
 * "rollcall.drafted" entry (detail: source, drill, then `detail`) and any `alsoAudit`
 * entries land in one batch, or none of them does. A trigger acts for the network,
 * not a person: createdBy and the audit actor are then null.
 */
export async function draftRollcall(
  env: Env,
  d: {
    title: string;
    message: string;
    template: Template;
    scope: Scope;
    drill: boolean;
    ownerFacilityId: number | null;
    source: RollcallSource;
    sourceRef: string | null;
    createdBy: number | null;
    /** The patient checks; absent: the template's patientChecks setting (every patient group in scope, or none). */
    patientChecks?: PatientCheckScope | null;
    detail?: Record<string, unknown>;
    alsoAudit?: Omit<AuditEntry, "objectType" | "objectId">[];
  },
): Promise<DraftResult> {
  const patientChecks =
    d.template.body.kind !== "rollcall" ? null : d.patientChecks !== undefined ? d.patientChecks : d.template.body.patientChecks ? {} : null;
  const preview = await buildPreview(env, { id: 0, title: d.title, message: d.message, drill: d.drill, template: d.template.body, scope: d.scope });
  if (preview.recipients === 0) return { ok: false, reason: "empty" };
  const salt = randomToken(16);
  const inserted = data.draftIdBySalt(salt);
  const entries: Omit<AuditEntry, "objectType" | "objectId">[] = [
    { actorId: d.createdBy, action: "rollcall.drafted", detail: { source: d.source, drill: d.drill, ...d.detail } },
    ...(d.alsoAudit ?? []),
  ];
  const [row] = await env.DB.batch([
    data.insertDraftStatement(env.DB, {
      title: d.title,
      message: d.message,
      templateRef: d.template.ref,
      template: d.template.body,
      scope: d.scope,
      drill: d.drill,
      ownerFacilityId: d.ownerFacilityId,
      source: d.source,
      sourceRef: d.sourceRef,
      salt,
      createdBy: d.createdBy,
      patientChecks,
      now: clock.now(),
    }),
    ...entries.map((e) => auditInsertedStatement(env.DB, { ...e, objectType: "rollcall" }, inserted)),
  ]);
  const id = (row!.results[0] as { id: number } | undefined)?.id ?? null;
  if (id === null) {
    const existing = d.sourceRef ? await data.rollcallBySource(env.DB, d.source, d.sourceRef) : null;
    if (existing) return { ok: false, reason: "exists", id: existing.id };
    throw new Error("roll-call insert refused");
  }
  const rollcall = (await data.getRollcall(env.DB, id))!;
  // The preview's links name the roll-call; render once more now that it has an id.
  return { ok: true, rollcall, preview: await buildPreview(env, rollcall) };
}

async function checkScopeExists(db: D1Database, scope: Scope): Promise<void> {
  const list = scope.facilityIds ?? scope.groupIds;
  if (!list) return;
  const table = scope.facilityIds ? "facilities WHERE removed_at IS NULL" : "groups WHERE closed_at IS NULL";
  const field = scope.facilityIds ? "scope.facilityIds" : "scope.groupIds";
  const found = await data.existingIds(db, table, list);
  const missing = list.filter((id) => !found.includes(id));
  if (missing.length)
    throw badRequest(
      field,
      scope.facilityIds
        ? jaEn(`見つからない事業所があります（${missing.slice(0, 10).join("、")}）。`, `No such facility: ${missing.slice(0, 10).join(", ")}.`)
        : jaEn(`見つからないグループがあります（${missing.slice(0, 10).join("、")}）。`, `No such group: ${missing.slice(0, 10).join(", ")}.`),
    );
}

/** The 409 for a confirm of a roll-call that is no longer a draft. */
const notADraft = (state: RollcallState) =>
  conflict(
    "state",
    jaEn(
      `この安否確認は${stateWords(state).ja}です。確定できるのは下書きだけです。`,
      `The roll-call is ${stateWords(state).en}; only a draft can be confirmed.`,
    ),
  );

/**
 * 確定操作: snapshots the recipients, opens the roll-call, enqueues the first wave
 * and starts the escalation schedule.
 *
 * Large scopes: the snapshot is ONE `INSERT ... SELECT` over the scope, so the
 * confirm is the same 3 statements for 10 or 100,000 people (D1 allows 1,000 a
 * invocation). Token hashes are left NULL and filled page by page where the links
 * are produced (worker/rollcall/tokens.ts); tokens are HMACs, only hashes are stored.
 */
export async function confirmRollcall(env: Env, auth: Auth, id: number): Promise<Rollcall> {
  const rc = await data.getRollcall(env.DB, id);
  if (!rc) throw notFound(jaEn("安否確認", "roll-call"));
  if (!canManageRollcall(auth, rc)) throw forbidden(jaEn("この安否確認を確定する権限がありません。", "You may not confirm this roll-call."));
  if (!canMove(rc.state, "confirm")) throw notADraft(rc.state);
  ownerForScope(auth, rc.scope);
  return startRollcall(env, rc, auth.personId);
}

/**
 * The confirm without the person checks, for callers that made them (or an
 * automatic trigger the network admin switched to auto-send: actorId null).
 * `alsoAudit`: the caller's own entries on this confirm, in the confirm's batch.
 */
export async function startRollcall(
  env: Env,
  rc: Rollcall,
  actorId: number | null,
  alsoAudit: Omit<AuditEntry, "objectType" | "objectId">[] = [],
): Promise<Rollcall> {
  if (!canMove(rc.state, "confirm")) throw notADraft(rc.state);
  const recipients = await data.scopeCount(env.DB, rc.scope);
  if (!recipients) throw badRequest("scope", jaEn("この範囲には対象者がいなくなりました。", "scope: nobody is in this scope any more."));
  const now = clock.now();
  try {
    const results = await env.DB.batch([
      data.transitionStatement(env.DB, rc.id, "confirm", actorId, now),
      data.recipientSnapshot(env.DB, rc.id, rc.scope),
      // The patient checks, of the groups with a member among those just fixed (patients/check-service.ts).
      ...[checkSnapshotStatement(env.DB, rc.id, rc.patientChecks)].filter((x) => x !== null),
      auditStatement(env.DB, {
        actorId,
        action: "rollcall.confirmed",
        objectType: "rollcall",
        objectId: rc.id,
        detail: { recipients, drill: rc.drill, scope: rc.scope },
      }),
      ...alsoAudit.map((e) => auditStatement(env.DB, { ...e, objectType: "rollcall", objectId: rc.id })),
    ]);
    if (results[0]!.meta.changes !== 1) throw new Error("state moved");
  } catch (err) {
    // A second confirm racing this one fails on the recipients' primary key and rolls back whole.
    const current = await data.getRollcall(env.DB, rc.id);
    if (current && !canMove(current.state, "confirm"))
      throw conflict(
        "state",
        jaEn(
          `この安否確認は${stateWords(current.state).ja}です。確定できるのは下書きだけです。`,
          `The roll-call is ${stateWords(current.state).en}; only a draft can be confirmed.`,
        ),
      );
    throw err;
  }
  const first = rc.template.waves[0]!;
  // The first wave goes to every recipient, whatever the template says of it.
  await env.DELIVERY_QUEUE.send(planMessage(rc.id, 1, { ...first, onlyUnreplied: false, audience: "recipients" }));
  await rollcallObject(env, rc.id).start(
    rc.id,
    rc.template.waves.map((w, i) => ({ ...w, wave: i + 1, sentAt: i === 0 ? now : null })),
    now,
  );
  return (await data.getRollcall(env.DB, rc.id))!;
}

export async function closeRollcall(env: Env, auth: Auth, id: number): Promise<Rollcall> {
  const rc = await data.getRollcall(env.DB, id);
  if (!rc) throw notFound(jaEn("安否確認", "roll-call"));
  if (!canManageRollcall(auth, rc)) throw forbidden(jaEn("この安否確認を締め切る権限がありません。", "You may not close this roll-call."));
  // A draft is withdrawn (never sent); anything sent is closed.
  const move = endingOf(rc.state);
  if (!move) throw conflict("state", jaEn(`この安否確認はすでに${stateWords(rc.state).ja}です。`, `The roll-call is already ${stateWords(rc.state).en}.`));
  const to = TRANSITIONS[move].to;
  const now = clock.now();
  const [moved] = await env.DB.batch([
    data.transitionStatement(env.DB, rc.id, move, auth.personId, now),
    auditStatement(env.DB, { actorId: auth.personId, action: `rollcall.${to}`, objectType: "rollcall", objectId: rc.id }),
  ]);
  if (moved!.meta.changes !== 1)
    throw conflict("state", jaEn("安否確認がその間に変わりました。読み込み直してください。", "The roll-call changed meanwhile; reload it."));
  if (move === "close") await rollcallObject(env, rc.id).close(now);
  return (await data.getRollcall(env.DB, id))!;
}

/**
 * Withdraws a roll-call only while it is still a draft (a trigger's 取消, acting for
 * the network: no actor); answers false when it was confirmed meanwhile. The entry
 * is written only when the draft was withdrawn.
 */
export async function withdrawDraft(env: Env, id: number, detail: Record<string, unknown>): Promise<boolean> {
  const [moved] = await env.DB.batch([
    data.transitionStatement(env.DB, id, "withdraw", null, clock.now()),
    auditIfChangedStatement(env.DB, { actorId: null, action: "rollcall.withdrawn", objectType: "rollcall", objectId: id, detail }),
  ]);
  return moved!.meta.changes === 1;
}

/** Adds a note (時刻つきの記録) to a roll-call: a later report of its event, a cancellation. */
export async function noteOnRollcall(env: Env, id: number, text: string): Promise<void> {
  await data.appendNote(env.DB, id, clock.now(), text);
}

/** The roll-call an event (a JMA EventID, a CAP thread, an API ref) started, if any. */
export async function rollcallOfEvent(env: Env, source: RollcallSource, sourceRef: string): Promise<{ id: number; state: RollcallState } | null> {
  return data.rollcallBySource(env.DB, source, sourceRef);
}

// ---------------------------------------------------------------- aggregates

/** Zeroed counts for every option of a list, so that a tally shows the options nobody chose. */
export const tally = (options: readonly string[]): Record<string, number> => Object.fromEntries(options.map((k) => [k, 0]));

const countInto = (t: Record<string, number>, option: string | undefined) => {
  if (option) t[option] = (t[option] ?? 0) + 1;
};

/** Safety and availability over these answers (null: not replied), every option present. The board and the facility page count with it. */
export function answerCounts(answers: Iterable<Answers | null>): { safety: Record<string, number>; availability: Record<string, number> } {
  const counts = { safety: tally(SAFETY), availability: tally(AVAILABILITY) };
  for (const a of answers) {
    countInto(counts.safety, a?.safety);
    countInto(counts.availability, a?.availability);
  }
  return counts;
}

/** A person's latest answer, as the aggregates and the facility page read it. */
export interface LatestAnswerOf {
  isFacilityAdmin: boolean;
  answers: Answers | null;
  replyId: number | null;
  answeredAt: number | null;
}

export type FacilityReport = Record<FacilityField, string | null>;

/**
 * A facility's report (施設の状況), decided once for the board's aggregates and the
 * facility page: the latest facility answer one of its facility admins gave (by the
 * time of the answer, then the reply), taken whole (a field that admin left out is
 * null). `from` is whose answer it is; null when no facility admin answered for it.
 */
export function facilityReport<T extends LatestAnswerOf>(answers: Iterable<T>): { report: FacilityReport; from: T & { answeredAt: number } } | null {
  let from: (T & { answeredAt: number }) | null = null;
  for (const a of answers) {
    if (!a.answers?.facility || !a.isFacilityAdmin || a.answeredAt === null) continue;
    if (from === null || a.answeredAt > from.answeredAt || (a.answeredAt === from.answeredAt && (a.replyId ?? 0) > (from.replyId ?? 0)))
      from = a as T & { answeredAt: number };
  }
  if (from === null) return null;
  const f = from.answers!.facility!;
  return { report: Object.fromEntries(FACILITY_FIELDS.map((k) => [k, f[k] ?? null])) as FacilityReport, from };
}

/** Deliveries per channel and state, every channel and state present: the board's progress and the aggregates' `delivery`. */
export async function deliveryCounts(db: D1Database, rollcallId: number): Promise<DeliveryProgress> {
  const out = Object.fromEntries(CHANNELS.map((c) => [c, Object.fromEntries(DELIVERY_STATES.map((st) => [st, 0]))])) as DeliveryProgress;
  for (const p of await data.deliveryProgress(db, rollcallId)) {
    const counts = out[p.channel as Channel] as Record<string, number> | undefined;
    if (counts && p.state in counts) counts[p.state]! += p.n;
  }
  return out;
}

export async function aggregates(env: Env, rc: Rollcall, q: { after: number; limit: number; facilityIds: number[] | null }): Promise<Aggregates> {
  const [facilities, answers, nonResponders, delivery] = await Promise.all([
    data.facilityCounts(env.DB, rc.id),
    data.latestAnswers(env.DB, rc.id),
    data.nonResponders(env.DB, rc.id, { after: q.after, limit: q.limit + 1, facilityIds: q.facilityIds }),
    deliveryCounts(env.DB, rc.id),
  ]);
  const byAnswer: Aggregates["byAnswer"] = {
    ...answerCounts(answers.map((a) => a.answers)),
    ack: 0,
    facility: Object.fromEntries(FACILITY_CHOICE_FIELDS.map((k) => [k, tally(FACILITY_OPTIONS[k])])) as Aggregates["byAnswer"]["facility"],
    viaProxy: 0,
  };
  const byFacility = new Map<number | null, data.LatestAnswer[]>();
  for (const a of answers) {
    if (a.answers.ack) byAnswer.ack += 1;
    if (a.via === "proxy") byAnswer.viaProxy += 1;
    if (a.answers.facility && a.isFacilityAdmin) for (const k of FACILITY_CHOICE_FIELDS) countInto(byAnswer.facility[k], a.answers.facility[k]);
    byFacility.set(a.facilityId, [...(byFacility.get(a.facilityId) ?? []), a]);
  }
  const byType = new Map<string, { recipients: number; replied: number }>();
  for (const f of facilities) {
    const key = f.type ?? "none";
    const t = byType.get(key) ?? { recipients: 0, replied: 0 };
    t.recipients += f.recipients;
    t.replied += f.replied;
    byType.set(key, t);
  }
  const more = nonResponders.length > q.limit;
  const items = nonResponders.slice(0, q.limit);
  return {
    recipients: facilities.reduce((n, f) => n + f.recipients, 0),
    replied: facilities.reduce((n, f) => n + f.replied, 0),
    byAnswer,
    byFacilityType: [...byType].map(([type, t]) => ({ type, ...t })),
    byFacility: facilities.map((f) => {
      const own = byFacility.get(f.facilityId) ?? [];
      return { ...f, safety: answerCounts(own.map((a) => a.answers)).safety, report: facilityReport(own)?.report ?? null };
    }),
    nonResponders: { items, nextAfter: more ? items[items.length - 1]!.personId : null },
    delivery,
  };
}

/** The API shape of a roll-call. */
export function toApi(rc: Rollcall) {
  return {
    id: rc.id,
    title: rc.title,
    message: rc.message,
    template: rc.templateRef,
    templateName: rc.template.name.ja,
    kind: rc.template.kind,
    scope: rc.scope,
    drill: rc.drill,
    state: rc.state,
    ownerFacilityId: rc.ownerFacilityId,
    source: rc.source,
    patientChecks: rc.patientChecks,
    notes: rc.notes.map((n) => ({ at: new Date(n.at).toISOString(), text: n.text })),
    createdAt: new Date(rc.createdAt).toISOString(),
    confirmedAt: rc.confirmedAt ? new Date(rc.confirmedAt).toISOString() : null,
    closedAt: rc.closedAt ? new Date(rc.closedAt).toISOString() : null,
  };
}

// ---------------------------------------------------------------- reading, proxy replies, comments (REST)

/** The roll-call and the part of it the caller may read (null: all facilities); 404, or 403 when not theirs. */
async function readable(db: D1Database, auth: Auth, id: number) {
  const rc = await data.getRollcall(db, id);
  if (!rc) throw notFound(jaEn("安否確認", "roll-call"));
  const scope = await readableFacilities(db, auth, rc);
  if (scope === null) throw forbidden(jaEn("この安否確認を見る権限がありません。", "You may not see this roll-call."));
  return { rc, facilityIds: scope === "all" ? null : scope };
}

/** Roll-calls, newest first; facility admins see those of their facilities, and only their own facility's drafts. */
export async function listRollcallsFor(db: D1Database, auth: Auth, q: RollcallListQuery) {
  const all = isNetworkAdmin(auth) || isViewer(auth);
  const items = await data.listRollcalls(db, {
    drill: q.drill === undefined ? undefined : q.drill === "true",
    state: q.state,
    before: q.before,
    limit: q.limit,
    facilityIds: all ? null : managedFacilityIds(auth),
    tests: q.tests,
  });
  // Facility admins see the drafts of their own facility only; others' drafts are not theirs to see.
  const visible = all
    ? items
    : items.filter((r) => r.state !== "draft" || (r.ownerFacilityId !== null && managedFacilityIds(auth).includes(r.ownerFacilityId)));
  return {
    items: visible.map((r) => ({ ...toApi(r), recipients: r.recipients, replied: r.replied })),
    nextBefore: items.length === q.limit ? items[items.length - 1]!.id : null,
  };
}

/** State and aggregates of one roll-call (a draft's preview instead), in the part the caller may read. */
export async function rollcallDetail(env: Env, auth: Auth, id: number, q: RollcallDetailQuery) {
  const { rc, facilityIds } = await readable(env.DB, auth, id);
  if (rc.state === "draft" || rc.state === "withdrawn") {
    return { rollcall: toApi(rc), aggregates: null, preview: rc.state === "draft" ? await buildPreview(env, rc) : null, escalation: null };
  }
  const [agg, escalation] = await Promise.all([
    aggregates(env, rc, { ...q, facilityIds }),
    rollcallObject(env, rc.id)
      .status()
      .catch(() => null),
  ]);
  return { rollcall: toApi(rc), aggregates: agg, preview: null, escalation };
}

/** 代理回答: a reply recorded for a recipient by their facility admin (or a network admin), who reached them by phone. */
/**
 * Who acts on a person's reply (a proxy reply, removing a comment, §5): a network
 * admin, or an admin or delegate of one of the person's facilities (for a proxy
 * reply, the facility of the snapshot counts too).
 */
function mayActForPerson(auth: Auth, facilityIds: readonly number[]): boolean {
  return isNetworkAdmin(auth) || facilityIds.some((f) => canManageFacility(auth, f));
}

export async function proxyReply(env: Env, auth: Auth, id: number, personId: number, body: ProxyReply): Promise<ReplyRecord> {
  const rc = await data.getRollcall(env.DB, id);
  if (!rc) throw notFound(jaEn("安否確認", "roll-call"));
  const recipient = await data.recipientOf(env.DB, id, personId);
  if (!recipient) throw notFound(jaEn("対象者", "recipient"));
  const facilities = await data.facilitiesOfPerson(env.DB, personId);
  if (!mayActForPerson(auth, recipient.facilityId !== null ? [...facilities, recipient.facilityId] : facilities))
    throw forbidden(
      jaEn(
        "代理回答できるのはその人の事業所管理者（またはネットワーク管理者）です。",
        "Only the person's facility admin (or a network admin) may reply for them.",
      ),
    );
  const reply = await recordReply(env, {
    rollcallId: id,
    personId,
    answers: body.answers,
    comment: body.comment,
    via: "proxy",
    proxyBy: auth.personId,
    proxyReached: body.reachedBy,
  });
  return {
    replyId: reply.id,
    personId: reply.personId,
    answers: reply.answers,
    comment: reply.comment,
    via: reply.via,
    proxyBy: reply.proxyBy,
    reachedBy: reply.proxyReached,
    at: new Date(reply.createdAt).toISOString(),
  };
}

/** Removes an inappropriate comment from a reply (§5): the person's facility admin or a network admin; audited, the answers stay. */
export async function removeReplyComment(db: D1Database, auth: Auth, id: number, replyId: number): Promise<void> {
  const owner = await data.replyOwner(db, id, replyId);
  if (!owner) throw notFound(jaEn("回答", "reply"));
  const facilities = await data.facilitiesOfPerson(db, owner.personId);
  if (!mayActForPerson(auth, facilities))
    throw forbidden(
      jaEn(
        "コメントを消せるのはその人の事業所管理者（またはネットワーク管理者）です。",
        "Only the person's facility admin (or a network admin) may remove their comment.",
      ),
    );
  if (owner.commentRemoved) throw conflict(undefined, jaEn("このコメントはもう消されています。", "This comment was already removed."));
  await db.batch([
    data.removeComment(db, replyId, auth.personId, clock.now()),
    auditStatement(db, {
      actorId: auth.personId,
      action: "reply.comment_removed",
      objectType: "reply",
      objectId: replyId,
      detail: { rollcallId: id, personId: owner.personId },
    }),
  ]);
}
