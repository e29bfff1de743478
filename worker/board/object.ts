import { DurableObject } from "cloudflare:workers";
import { authOfSession } from "../auth/session";
import { errorText } from "../lib/redact";
import { planMessage, type Audience as DeliveryAudience, type Channel } from "../delivery/types";
import { clock } from "../lib/clock";
import { getRollcall, rollcallStateOf, type Rollcall } from "../rollcall/data";
import { checkCounts } from "../patients/check-service";
import { deliveryCounts } from "../rollcall/service";
import { isFinal } from "../rollcall/state";
import { type BoardCounts, timelineOf } from "./counts";
import { facilityReportAnswers, mobilesOf } from "./data";
import type { DeliveryNote, ReplyNote } from "./notes";
import {
  CLOSE_FORBIDDEN,
  CLOSE_SESSION_ENDED,
  ClientMessageSchema,
  COALESCE_MS,
  RECHECK_EVERY_MS,
  type Board,
  type BoardChanges,
  type FacilityFilter,
  type ServerMessage,
  type Timeline,
  type UpdateReason,
} from "./messages";
import {
  AudienceSchema,
  audienceKey,
  boardAudience,
  buildBoard,
  changesFor,
  facilityPageOf,
  loadCounts,
  sameAudience,
  severeToSend,
  type Audience,
} from "./service";

/** One wave of the escalation schedule, with when it is due and when it went out. */
export interface PlannedWave {
  wave: number;
  at: number;
  channels: Channel[];
  fallback: boolean;
  onlyUnreplied: boolean;
  audience: DeliveryAudience;
  sentAt: number | null;
}

export interface Escalation {
  rollcallId: number;
  startedAt: number;
  closedAt: number | null;
  waves: PlannedWave[];
}

/** The schedule as status() reports it: with the replies noted since the object last woke. */
export type EscalationStatus = Escalation & { replies: number; lastReplyAt: number | null };

export { rollcallObject } from "./stub";

const KEY = "escalation";
const ROLLCALL_KEY = "rollcallId";
const SEQ_KEY = "seq";
const RESEND_WAVE_KEY = "resendWave";

/** How long the kept counts go before they are read again from D1 (while boards are open). */
export const RESYNC_EVERY_MS = 30_000;

/** The header the worker passes a checked audience in; never taken from a client request (the worker builds the request). */
export const AUDIENCE_HEADER = "x-board-audience";

/**
 * One per roll-call: the escalation schedule (alarms run each wave at its delay by
 * enqueueing a `plan` message) and the live board (hibernatable WebSockets; see
 * messages.ts for the protocol). All lasting state lives in ctx.storage and on the
 * sockets' attachments, since fields do not survive hibernation; the only fields
 * are the coalescing timer, whose loss only means the next change is sent at once.
 *
 * Before anything goes to a socket, its session and its right to the board are
 * decided again ({@link authOfSession}, {@link boardAudience}: the routes' own rules);
 * while sockets are open, the one alarm also wakes the object every
 * {@link RECHECK_EVERY_MS} to do so when nothing changes.
 * Times come from `clock` so tests can move them.
 */
export class RollCallObject extends DurableObject<Env> {
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private pendingReasons = new Set<UpdateReason>();
  private lastBroadcastAt = 0;
  /**
   * The board's counts, kept while boards are open (a field: lost on hibernation or
   * eviction, then read again from D1 and every board sent a snapshot). See counts.ts.
   */
  private counts: BoardCounts | null = null;
  private countsAt = 0;
  private countsLoading: Promise<BoardCounts> | null = null;
  /** Reply notes that arrived while the counts were being read: applied to the read (those it holds are skipped by id). */
  private arrivedWhileLoading: ReplyNote[] = [];
  /** A delivery note without counts came: the delivery counts are read again before the next update. */
  private deliveryDoubt = false;
  /** Replies noted since the object woke, and the last one's time (status()). */
  private repliesNoted = 0;
  private lastReplyAt: number | null = null;
  /** The counts were (re)read with boards open: the next message to every board is a snapshot. */
  private snapshotDue = false;
  /** The timeline's bucket width the boards were last sent (a changed width sends the whole timeline). */
  private sentBucketSeconds: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alive pings are answered by the runtime without waking a hibernated object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  private async load(): Promise<Escalation | undefined> {
    return this.ctx.storage.get<Escalation>(KEY);
  }

  private async save(e: Escalation): Promise<void> {
    await this.ctx.storage.put(KEY, e);
  }

  /** Starts the schedule once (a second call changes nothing). Waves with `sentAt` set were sent by the caller. */
  async start(rollcallId: number, waves: (Omit<PlannedWave, "at"> & { delayMinutes: number })[], startedAt: number): Promise<Escalation> {
    const existing = await this.load();
    if (existing) return existing;
    const e: Escalation = {
      rollcallId,
      startedAt,
      closedAt: null,
      waves: waves.map((w) => ({
        wave: w.wave,
        at: startedAt + w.delayMinutes * 60_000,
        channels: w.channels,
        fallback: w.fallback,
        onlyUnreplied: w.onlyUnreplied,
        audience: w.audience,
        sentAt: w.sentAt,
      })),
    };
    await this.save(e);
    await this.runDue(e);
    return e;
  }

  /** The one alarm: the waves that are due, then the re-check of open boards. */
  override async alarm(): Promise<void> {
    const e = await this.load();
    if (e && !e.closedAt) {
      // Closing also tells this object; the D1 state guards against a close it missed.
      const row = await rollcallStateOf(this.env.DB, e.rollcallId);
      if (!row || isFinal(row.state)) {
        e.closedAt = row?.closedAt ?? clock.now();
        await this.save(e);
      } else await this.runDue(e, false);
    }
    try {
      await this.recheckBoards();
      const rc = this.openSockets().length ? await this.rollcall() : null;
      if (rc) await this.resyncCounts(rc);
    } finally {
      await this.arm(true);
    }
  }

  /**
   * Sets the one alarm to whichever comes first: the next wave not yet sent, or (while
   * a board is open) the next re-check. `replace` sets it even when one is due sooner.
   */
  private async arm(replace: boolean): Promise<void> {
    const e = await this.load();
    const nextWave =
      e && !e.closedAt ? e.waves.filter((w) => w.sentAt === null).reduce<number | null>((min, w) => (min === null || w.at < min ? w.at : min), null) : null;
    // Real time, not `clock`: a re-check is due within seconds whatever a test did to the clock.
    const recheck = this.openSockets().length ? Date.now() + RECHECK_EVERY_MS : null;
    const next = nextWave === null ? recheck : recheck === null ? nextWave : Math.min(nextWave, recheck);
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const current = replace ? null : await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }

  /** Sends every wave that is due, then (unless the alarm will) sets the alarm for the next. */
  private async runDue(e: Escalation, arm = true): Promise<void> {
    const now = clock.now();
    for (const w of e.waves) {
      if (w.sentAt !== null || w.at > now) continue;
      await this.env.DELIVERY_QUEUE.send(planMessage(e.rollcallId, w.wave, w));
      // Saved per wave: a crash after the send repeats at most this wave, and plan messages are idempotent.
      w.sentAt = now;
      await this.save(e);
    }
    if (arm) await this.arm(true);
  }

  /** Stops the schedule: no wave goes out after this. */
  async close(at: number): Promise<Escalation | undefined> {
    const e = await this.load();
    if (e) {
      e.closedAt ??= at;
      await this.save(e);
    }
    // No wave after this; open boards are still re-checked.
    await this.arm(true);
    if (!e) return undefined;
    this.schedule("state");
    return e;
  }

  /**
   * A reply was recorded: counted for the schedule, moved into the board's counts,
   * and pushed to every open board. The reply service does not wait for this.
   */
  async noteReply(note: ReplyNote): Promise<void> {
    // Counted in memory, not stored: a reply costs the object no storage write (D1 holds the replies).
    this.repliesNoted += 1;
    this.lastReplyAt = note.at;
    if (this.countsLoading) this.arrivedWhileLoading.push(note);
    if (this.ctx.getWebSockets().length === 0) {
      // Nobody looks: the counts are read afresh when a board opens.
      this.counts = null;
      return;
    }
    this.counts?.applyReply(note);
    this.schedule("reply");
  }

  /** Deliveries moved (one note per batch of the delivery domain): counted, and pushed to open boards. */
  async noteDeliveries(note: DeliveryNote): Promise<void> {
    if (this.ctx.getWebSockets().length === 0) {
      this.counts = null;
      return;
    }
    if (this.counts && !this.countsLoading) this.counts.applyDeliveries(note);
    else this.deliveryDoubt = true;
    this.schedule("delivery");
  }

  /** Something on the board changed (delivery progress without counts, a resend, the state): tell open boards. */
  async noteChange(reason: UpdateReason): Promise<void> {
    if (reason === "delivery") this.deliveryDoubt = true;
    this.schedule(reason);
  }

  /**
   * A page of the facilities as the board counts them, narrowed by `filter` (`own`: the
   * reader's facilities, for `mine`); `GET /api/rollcalls/{id}/board/facilities`, whose route decided the access.
   */
  async facilityPage(rollcallId: number, cursor: string | undefined, limit: number, filter: FacilityFilter = {}, own: number[] | null = null) {
    const rc = await getRollcall(this.env.DB, rollcallId);
    if (!rc) return { items: [], next: null, total: 0 };
    return facilityPageOf(await this.countsFor(rc), cursor, limit, filter, own);
  }

  // ---------------------------------------------------------------- the kept counts

  /** The kept counts, read from D1 when there are none (notes arriving meanwhile are applied after). */
  private async countsFor(rc: Rollcall): Promise<BoardCounts> {
    if (this.counts) return this.counts;
    return this.readCounts(rc);
  }

  private readCounts(rc: Rollcall): Promise<BoardCounts> {
    this.countsLoading ??= (async () => {
      try {
        const fresh = await loadCounts(this.env.DB, rc);
        for (const n of this.arrivedWhileLoading) fresh.applyReply(n);
        if (this.counts) {
          // A re-read: changes not yet sent stay due.
          const old = this.counts.changes;
          for (const id of old.facilities) fresh.changes.facilities.add(id);
          for (const id of old.reports) fresh.changes.reports.add(id);
          fresh.changes.replied.push(...old.replied);
          for (const [id, f] of old.severe) if (!fresh.changes.severeRemoved.has(id)) fresh.changes.severe.set(id, f);
          for (const [id, f] of old.severeRemoved) if (!fresh.changes.severe.has(id)) fresh.changes.severeRemoved.set(id, f);
          for (const j of old.staffJobs) fresh.changes.staffJobs.add(j);
          for (const f of old.staffFacilities) fresh.changes.staffFacilities.add(f);
          if (old.fromMinute !== null) fresh.changes.fromMinute = Math.min(old.fromMinute, fresh.changes.fromMinute ?? old.fromMinute);
        }
        this.counts = fresh;
        this.countsAt = Date.now();
        return fresh;
      } finally {
        this.arrivedWhileLoading = [];
        this.countsLoading = null;
      }
    })();
    return this.countsLoading;
  }

  /**
   * The periodic re-read (the alarm, while boards are open): D1 is the source of
   * truth. Counts that drifted (a lost note) send every board a snapshot.
   */
  private async resyncCounts(rc: Rollcall): Promise<void> {
    if (!this.counts || Date.now() - this.countsAt < RESYNC_EVERY_MS) return;
    const before = this.counts;
    const fresh = await this.readCounts(rc);
    if (!sameCounts(before, fresh)) {
      this.snapshotDue = true;
      this.schedule("state");
    } else if (JSON.stringify(before.delivery) !== JSON.stringify(fresh.delivery)) this.schedule("delivery");
  }
  /**
   * The next free wave number for a resend, past the template's waves and every wave
   * used so far. Handed out here, one at a time, so two resends never share a wave.
   */
  async allocateResendWave(atLeast: number): Promise<number> {
    const last = (await this.ctx.storage.get<number>(RESEND_WAVE_KEY)) ?? 0;
    const wave = Math.max(last + 1, atLeast);
    await this.ctx.storage.put(RESEND_WAVE_KEY, wave);
    return wave;
  }

  /** The schedule, with the replies this object was told of since it last woke (status only: nothing decides on them). */
  async status(): Promise<EscalationStatus | null> {
    const e = await this.load();
    return e ? { ...e, replies: this.repliesNoted, lastReplyAt: this.lastReplyAt } : null;
  }

  // ---------------------------------------------------------------- the live board

  /**
   * A board connecting. Only the worker calls this, after checking the session and
   * the right to read the roll-call ({@link boardAudience}); it passes the audience in
   * {@link AUDIENCE_HEADER}. From then on the object decides again itself.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade.", { status: 426 });
    const url = new URL(request.url);
    const rollcallId = Number(url.searchParams.get("rollcall"));
    let header: unknown = null;
    try {
      header = JSON.parse(request.headers.get(AUDIENCE_HEADER) ?? "null");
    } catch {
      // refused below
    }
    const parsed = AudienceSchema.safeParse(header);
    if (!Number.isInteger(rollcallId) || rollcallId <= 0 || !parsed.success) return new Response("Bad board request.", { status: 400 });
    const rc = await getRollcall(this.env.DB, rollcallId);
    if (!rc) return new Response("No such roll-call.", { status: 404 });
    await this.ctx.storage.put(ROLLCALL_KEY, rollcallId);

    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(parsed.data);
    const fresh = !this.counts;
    const board = await buildBoard(this.env, rc, parsed.data, await this.countsFor(rc));
    // Counts read afresh while other boards were open (after an eviction): those boards get a snapshot too.
    if (fresh && this.openSockets().length > 1) {
      this.snapshotDue = true;
      this.schedule("state");
    }
    server.send(JSON.stringify({ type: "snapshot", seq: await this.nextSeq(), at: clock.now(), board } satisfies ServerMessage));
    await this.arm(false);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string" || message.length > 1_000) return;
    let body: unknown;
    try {
      body = JSON.parse(message);
    } catch {
      return;
    }
    if (!ClientMessageSchema.safeParse(body).success) return;
    const rc = await this.rollcall();
    if (!rc) return;
    const [admitted] = await this.admit([ws], rc);
    if (!admitted) return;
    const board = await buildBoard(this.env, rc, admitted.audience, await this.countsFor(rc));
    ws.send(JSON.stringify({ type: "snapshot", seq: await this.nextSeq(), at: clock.now(), board } satisfies ServerMessage));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed (the runtime may have answered the close itself).
    }
  }

  override async webSocketError(_ws: WebSocket, _error: unknown): Promise<void> {
    // The client reconnects; nothing is kept per socket beyond its attachment.
  }

  private audienceOf(ws: WebSocket): Audience | null {
    const a = AudienceSchema.safeParse(ws.deserializeAttachment());
    return a.success ? a.data : null;
  }

  private async rollcall() {
    const id = (await this.ctx.storage.get<number>(ROLLCALL_KEY)) ?? (await this.load())?.rollcallId;
    return id ? getRollcall(this.env.DB, id) : null;
  }

  private openSockets(): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  /**
   * What one session may see on this board now, by the routes' own rules: the session
   * (revoked, idle, absolute, the person removed; this check is not activity), the
   * restrictions that keep a session to the password or MFA screens, then
   * {@link boardAudience} for the person as they are now.
   */
  private async verdict(held: Audience, rc: Rollcall): Promise<Audience | { code: number; reason: string }> {
    const auth = await authOfSession(this.env, held.sessionHash, { touch: false });
    if (!auth || auth.personId !== held.personId || auth.passwordExpired || auth.mustEnrolMfa) return { code: CLOSE_SESSION_ENDED, reason: "session ended" };
    const audience = await boardAudience(this.env.DB, auth, rc);
    return typeof audience === "string" ? { code: CLOSE_FORBIDDEN, reason: "not allowed" } : audience;
  }

  /**
   * Decides these sockets again (once per session): closes those refused (4401 or
   * 4403), keeps the new audience on the others. Answers the sockets that may be sent
   * to, with their audience and whether it changed.
   */
  private async admit(sockets: WebSocket[], rc: Rollcall): Promise<{ ws: WebSocket; audience: Audience; changed: boolean }[]> {
    const verdicts = new Map<string, Promise<Audience | { code: number; reason: string }>>();
    const out: { ws: WebSocket; audience: Audience; changed: boolean }[] = [];
    for (const ws of sockets) {
      const held = this.audienceOf(ws);
      if (!held) {
        shut(ws, CLOSE_FORBIDDEN, "no audience");
        continue;
      }
      const key = `${held.personId}:${held.sessionHash}`;
      if (!verdicts.has(key)) verdicts.set(key, this.verdict(held, rc));
      const v = await verdicts.get(key)!;
      if ("code" in v) {
        shut(ws, v.code, v.reason);
        continue;
      }
      const changed = !sameAudience(held, v);
      if (changed) ws.serializeAttachment(v);
      out.push({ ws, audience: v, changed });
    }
    return out;
  }

  /** The periodic re-check: closes boards no longer allowed; a board whose audience changed gets its new board at once. */
  private async recheckBoards(): Promise<void> {
    const sockets = this.openSockets();
    if (sockets.length === 0) return;
    const rc = await this.rollcall();
    if (!rc) return;
    const changed = (await this.admit(sockets, rc)).filter((s) => s.changed);
    if (changed.length === 0) return;
    await this.sendAll(changed, rc, (seq, at, board) => ({ type: "snapshot", seq, at, board }));
  }

  /** Sends each socket the board built for its audience (one build per distinct audience). */
  private async sendAll(
    sockets: { ws: WebSocket; audience: Audience }[],
    rc: Rollcall,
    message: (seq: number, at: number, board: Board) => ServerMessage,
  ): Promise<void> {
    const now = clock.now();
    const boards = new Map<string, Promise<Board>>();
    const seq = await this.nextSeq();
    const counts = await this.countsFor(rc);
    for (const { ws, audience } of sockets) {
      const key = `${audience.viewer ? "v" : "-"}${audienceKey(audience)}`;
      if (!boards.has(key)) boards.set(key, buildBoard(this.env, rc, audience, counts));
      const board = await boards.get(key)!;
      try {
        ws.send(JSON.stringify(message(seq, now, board)));
      } catch {
        // A socket closing meanwhile; the others still get theirs.
      }
    }
  }

  private async nextSeq(): Promise<number> {
    const seq = ((await this.ctx.storage.get<number>(SEQ_KEY)) ?? 0) + 1;
    await this.ctx.storage.put(SEQ_KEY, seq);
    return seq;
  }

  /**
   * Coalesces changes: the first goes out at once, later ones at most every
   * COALESCE_MS. The pending timer keeps the object awake until it fires.
   */
  private schedule(reason: UpdateReason): void {
    if (this.ctx.getWebSockets().length === 0) return;
    this.pendingReasons.add(reason);
    if (this.flushTimer !== undefined) return;
    const wait = Math.min(COALESCE_MS, Math.max(0, this.lastBroadcastAt + COALESCE_MS - clock.now()));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.broadcast().catch((err) => console.error("board broadcast failed", errorText(err)));
    }, wait);
  }

  /**
   * Sends every open socket still allowed what changed, built for its audience as
   * decided now (one build per audience); closes the others. After the counts were
   * read afresh, a snapshot instead.
   */
  private async broadcast(): Promise<void> {
    const reasons = [...this.pendingReasons];
    this.pendingReasons.clear();
    this.lastBroadcastAt = clock.now();
    const sockets = this.openSockets();
    if (sockets.length === 0) return;
    const rc = await this.rollcall();
    if (!rc) return;
    const kept = this.counts !== null;
    const counts = await this.countsFor(rc);
    if (this.deliveryDoubt) {
      this.deliveryDoubt = false;
      counts.delivery = await deliveryCounts(this.env.DB, rc.id);
    }
    // A facility admin's answer changed a facility's report: decided again from D1 (facilityReport over its admins).
    for (const id of counts.changes.reports) counts.setReport(id, await facilityReportAnswers(this.env.DB, rc.id, id));
    const changes = counts.takeChanges();
    const admitted = await this.admit(sockets, rc);
    if (!kept || this.snapshotDue) {
      this.snapshotDue = false;
      this.sentBucketSeconds = null;
      await this.sendAll(admitted, rc, (seq, at, board) => ({ type: "snapshot", seq, at, board }));
      return;
    }
    const timeline = this.timelineChange(counts, rc, changes.fromMinute);
    // The 要救助 rows' mobiles, read once for the boards with contacts.
    const severeIds = admitted.some((s) => s.audience.contacts) ? severeToSend(counts, changes) : [];
    const mobiles = severeIds.length ? await mobilesOf(this.env.DB, severeIds) : new Map<number, string>();
    // The patient checks' counts (no names, the same for every board), read once when they moved.
    const patients = reasons.includes("patients") ? { patients: await checkCounts(this.env.DB, rc) } : {};
    const built = new Map<string, string>();
    const seq = await this.nextSeq();
    const now = clock.now();
    for (const { ws, audience } of admitted) {
      const key = `${audience.viewer ? "v" : "-"}${audienceKey(audience)}`;
      let text = built.get(key);
      if (text === undefined) {
        const message: ServerMessage = {
          type: "update",
          seq,
          at: now,
          reasons,
          changes: { ...changesFor(counts, changes, rc, audience, timeline, mobiles), ...patients },
        };
        text = JSON.stringify(message);
        built.set(key, text);
      }
      try {
        ws.send(text);
      } catch {
        // A socket closing meanwhile; the others still get theirs.
      }
    }
  }

  /** The timeline points from the first that changed (all of them when the bucket width changed); undefined when none did. */
  private timelineChange(counts: BoardCounts, rc: Rollcall, fromMinute: number | null): (Timeline & { from: number }) | undefined {
    const whole = timelineOf(counts, counts.recipients, rc.closedAt ?? clock.now());
    const widthChanged = this.sentBucketSeconds !== whole.bucketSeconds;
    this.sentBucketSeconds = whole.bucketSeconds;
    if (!widthChanged && fromMinute === null) return undefined;
    let from = 0;
    if (!widthChanged && whole.start !== null && fromMinute !== null) {
      const bucketMinutes = whole.bucketSeconds / 60;
      const end = whole.start / 1000 + (Math.floor(fromMinute / bucketMinutes) + 1) * whole.bucketSeconds;
      const i = whole.t.findIndex((t, k) => k > 0 && t >= end);
      from = i < 0 ? whole.t.length : i;
    }
    return { ...whole, from, t: whole.t.slice(from), replies: whole.replies.slice(from), cumulative: whole.cumulative.slice(from) };
  }
}

/** Whether a re-read agrees with the kept counts (the delivery counts aside: they settle later than replies). */
function sameCounts(a: BoardCounts, b: BoardCounts): boolean {
  const key = (c: BoardCounts) =>
    JSON.stringify([
      c.recipients,
      c.replied,
      c.byAnswer(),
      [...c.facilities.values()],
      [...c.minutes].sort((x, y) => x[0] - y[0]),
      c.severeOf(null, Number.MAX_SAFE_INTEGER),
      c.staffRows(null),
    ]);
  return key(a) === key(b);
}

export type { BoardChanges };

function shut(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closing.
  }
}
