import { DurableObject } from "cloudflare:workers";
import type { Channel, DeliveryMessage } from "../delivery/types";
import { clock } from "../lib/clock";

/** One wave of the escalation schedule, with when it is due and when it went out. */
export interface PlannedWave {
  wave: number;
  at: number;
  channels: Channel[];
  fallback: boolean;
  onlyUnreplied: boolean;
  audience: "recipients" | "facility_admins";
  sentAt: number | null;
}

export interface Escalation {
  rollcallId: number;
  startedAt: number;
  closedAt: number | null;
  waves: PlannedWave[];
  replies: number;
  lastReplyAt: number | null;
}

/** The Durable Object of a roll-call, addressed by its id. */
export function rollcallObject(env: Pick<Env, "ROLLCALL">, rollcallId: number) {
  return env.ROLLCALL.get(env.ROLLCALL.idFromName(`rollcall:${rollcallId}`));
}

const KEY = "escalation";

/**
 * One per roll-call. Today: the escalation schedule (alarms run each wave at its
 * delay by enqueueing a `plan` message). Later: the live board's WebSockets.
 * All state lives in ctx.storage (fields do not survive hibernation); times come
 * from `clock` so tests can move them.
 */
export class RollCallObject extends DurableObject<Env> {
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
      replies: 0,
      lastReplyAt: null,
    };
    await this.save(e);
    await this.runDue(e);
    return e;
  }

  override async alarm(): Promise<void> {
    const e = await this.load();
    if (!e || e.closedAt) return;
    // Closing also tells this object; the D1 state guards against a close it missed.
    const row = await this.env.DB.prepare("SELECT state, closed_at FROM rollcalls WHERE id = ?1").bind(e.rollcallId).first<{ state: string; closed_at: number | null }>();
    if (!row || row.state === "closed" || row.state === "withdrawn") {
      e.closedAt = row?.closed_at ?? clock.now();
      await this.save(e);
      return;
    }
    await this.runDue(e);
  }

  /** Sends every wave that is due, then sets the alarm for the next one. */
  private async runDue(e: Escalation): Promise<void> {
    const now = clock.now();
    for (const w of e.waves) {
      if (w.sentAt !== null || w.at > now) continue;
      const msg: DeliveryMessage = {
        type: "plan",
        rollcallId: e.rollcallId,
        wave: w.wave,
        channels: w.channels,
        onlyUnreplied: w.onlyUnreplied,
        fallback: w.fallback,
        audience: w.audience,
        afterPersonId: 0,
      };
      await this.env.DELIVERY_QUEUE.send(msg);
      // Saved per wave: a crash after the send repeats at most this wave, and plan messages are idempotent.
      w.sentAt = now;
      await this.save(e);
    }
    const next = e.waves.filter((w) => w.sentAt === null).reduce<number | null>((min, w) => (min === null || w.at < min ? w.at : min), null);
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  /** Stops the schedule: no wave goes out after this. */
  async close(at: number): Promise<Escalation | undefined> {
    const e = await this.load();
    await this.ctx.storage.deleteAlarm();
    if (!e) return undefined;
    e.closedAt ??= at;
    await this.save(e);
    return e;
  }

  /** A reply was recorded (the board will push it to watchers). */
  async noteReply(_personId: number, at: number): Promise<void> {
    const e = await this.load();
    if (!e) return;
    e.replies += 1;
    e.lastReplyAt = at;
    await this.save(e);
  }

  async status(): Promise<Escalation | null> {
    return (await this.load()) ?? null;
  }
}
