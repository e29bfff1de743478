/**
 * The board's counts, kept by the roll-call's Durable Object as replies and
 * deliveries change them: read once from D1 ({@link fromSnapshot}), moved by each
 * note ({@link BoardCounts.applyReply}, {@link BoardCounts.applyDeliveries}), and
 * read again from D1 now and then so they never drift for long. No SQL here.
 */
import { CHANNELS, DELIVERY_STATES, type Channel } from "../delivery/types";
import { facilityReport, tally, type FacilityReport } from "../rollcall/service";
import type { Aggregates, Answers, DeliveryProgress } from "../rollcall/schemas";
import { AVAILABILITY, FACILITY_CHOICE_FIELDS, FACILITY_OPTIONS, SAFETY } from "../templates/schemas";
import type { CountsSnapshot } from "./data";
import type { DeliveryNote, ReplyNote } from "./notes";

export type FacilityRow = Aggregates["byFacility"][number];

const MINUTE = 60_000;
/** At most this many points in the timeline: the bucket widens past 1,500 minutes. */
const MAX_POINTS = 1_500;

const bump = (t: Record<string, number>, option: string | null | undefined, by: number) => {
  if (option) t[option] = (t[option] ?? 0) + by;
};

function zeroDelivery(): DeliveryProgress {
  return Object.fromEntries(CHANNELS.map((c) => [c, Object.fromEntries(DELIVERY_STATES.map((st) => [st, 0]))])) as DeliveryProgress;
}

/** What changed since the last broadcast: the rows to send. */
export interface Changes {
  facilities: Set<number | null>;
  /** People who replied for the first time (they leave the non-responders). */
  replied: { personId: number; facilityId: number | null }[];
  /** The first minute whose timeline point changed. */
  fromMinute: number | null;
  /** A facility's report must be decided again from D1 (a facility admin's answer changed). */
  reports: Set<number>;
}

const noChanges = (): Changes => ({ facilities: new Set(), replied: [], fromMinute: null, reports: new Set() });

export class BoardCounts {
  watermark = 0;
  recipients = 0;
  replied = 0;
  safety = tally(SAFETY);
  availability = tally(AVAILABILITY);
  ack = 0;
  viaProxy = 0;
  facilityAnswers = Object.fromEntries(FACILITY_CHOICE_FIELDS.map((k) => [k, tally(FACILITY_OPTIONS[k])])) as Aggregates["byAnswer"]["facility"];
  /** In the board's order (type, kana, id). */
  facilities = new Map<number | null, FacilityRow>();
  /** First replies per minute since the confirm. */
  minutes = new Map<number, number>();
  delivery = zeroDelivery();
  changes = noChanges();

  constructor(
    readonly rollcallId: number,
    readonly start: number | null,
  ) {}

  /** The counts as one D1 read found them. */
  static fromSnapshot(rollcallId: number, start: number | null, s: CountsSnapshot): BoardCounts {
    const c = new BoardCounts(rollcallId, start);
    c.watermark = s.watermark;
    for (const f of s.facilities) {
      c.facilities.set(f.facilityId, { ...f, safety: tally(SAFETY), report: null });
      c.recipients += f.recipients;
      c.replied += f.replied;
    }
    for (const r of s.safety) {
      bump(c.safety, r.safety, r.n);
      const f = c.facilities.get(r.facilityId);
      if (f) bump(f.safety, r.safety, r.n);
    }
    for (const r of s.answers) {
      bump(c.availability, r.availability, r.n);
      if (r.ack) c.ack += r.n;
      if (r.proxy) c.viaProxy += r.n;
    }
    const byFacility = new Map<number | null, CountsSnapshot["reports"]>();
    for (const r of s.reports) {
      for (const k of FACILITY_CHOICE_FIELDS) bump(c.facilityAnswers[k], r.answers.facility?.[k], 1);
      byFacility.set(r.facilityId, [...(byFacility.get(r.facilityId) ?? []), r]);
    }
    for (const [id, answers] of byFacility) {
      const f = c.facilities.get(id);
      if (f) f.report = reportOf(answers);
    }
    for (const m of s.minutes) c.minutes.set(m.bucket, m.n);
    for (const d of s.delivery) {
      const counts = c.delivery[d.channel as Channel] as Record<string, number> | undefined;
      if (counts && d.state in counts) counts[d.state]! += d.n;
    }
    return c;
  }

  /** Moves the counts by one recorded reply. Answers false when the note is already in the counts (older than the last D1 read). */
  applyReply(n: ReplyNote): boolean {
    if (n.replyId <= this.watermark) return false;
    const f = this.facilities.get(n.facilityId);
    const move = (a: Answers | null, via: string | null, by: number) => {
      if (!a) return;
      bump(this.safety, a.safety, by);
      bump(this.availability, a.availability, by);
      if (a.ack) this.ack += by;
      if (via === "proxy") this.viaProxy += by;
      if (f) bump(f.safety, a.safety, by);
      if (n.isFacilityAdmin && a.facility) for (const k of FACILITY_CHOICE_FIELDS) bump(this.facilityAnswers[k], a.facility[k], by);
    };
    move(n.previous?.answers ?? null, n.previous?.via ?? null, -1);
    move(n.answers, n.via, +1);
    if (n.firstReply) {
      this.replied += 1;
      if (f) f.replied += 1;
      this.changes.replied.push({ personId: n.personId, facilityId: n.facilityId });
      if (this.start !== null) {
        const minute = Math.max(0, Math.floor((n.at - this.start) / MINUTE));
        this.minutes.set(minute, (this.minutes.get(minute) ?? 0) + 1);
        this.changes.fromMinute = this.changes.fromMinute === null ? minute : Math.min(this.changes.fromMinute, minute);
      }
    }
    this.changes.facilities.add(n.facilityId);
    if (n.isFacilityAdmin && n.facilityId !== null && (n.answers.facility || n.previous?.answers.facility)) {
      if (f && n.answers.facility && (!f.report || !n.previous?.answers.facility)) {
        // The newest answer wins (facilityReport): this one is newer than any the object has seen, unless a note was delayed.
        f.report = reportOf([{ personId: n.personId, replyId: n.replyId, answers: n.answers, answeredAt: n.at }]);
      }
      // Another admin's older report may be the one that stands now: decided again from D1.
      this.changes.reports.add(n.facilityId);
    }
    return true;
  }

  /** Moves the delivery counts by a note of the delivery domain. */
  applyDeliveries(note: DeliveryNote): void {
    for (const d of note) {
      const counts = this.delivery[d.channel as Channel] as Record<string, number> | undefined;
      if (counts && d.state in counts) counts[d.state] = Math.max(0, counts[d.state]! + d.n);
    }
  }

  setReport(facilityId: number, answers: Parameters<typeof reportOf>[0]): void {
    const f = this.facilities.get(facilityId);
    if (f) f.report = reportOf(answers);
    this.changes.facilities.add(facilityId);
  }

  /** Takes the changes since the last call. */
  takeChanges(): Changes {
    const c = this.changes;
    this.changes = noChanges();
    return c;
  }

  byAnswer(): Aggregates["byAnswer"] {
    return {
      safety: { ...this.safety },
      availability: { ...this.availability },
      ack: this.ack,
      facility: Object.fromEntries(FACILITY_CHOICE_FIELDS.map((k) => [k, { ...this.facilityAnswers[k] }])) as Aggregates["byAnswer"]["facility"],
      viaProxy: this.viaProxy,
    };
  }

  byFacilityType(): Aggregates["byFacilityType"] {
    const byType = new Map<string, { recipients: number; replied: number }>();
    for (const f of this.facilities.values()) {
      const key = f.type ?? "none";
      const t = byType.get(key) ?? { recipients: 0, replied: 0 };
      t.recipients += f.recipients;
      t.replied += f.replied;
      byType.set(key, t);
    }
    return [...byType].map(([type, t]) => ({ type, ...t }));
  }

  row(id: number | null): FacilityRow | undefined {
    const f = this.facilities.get(id);
    return f ? { ...f, safety: { ...f.safety }, report: f.report ? { ...f.report } : null } : undefined;
  }

  /** Facilities in the board's order, `offset` to `offset + limit`. */
  facilityPage(offset: number, limit: number): FacilityRow[] {
    return [...this.facilities.keys()].slice(offset, offset + limit).map((id) => this.row(id)!);
  }

  /** Whether two counts agree (the periodic re-read compares, and sends what differs). */
  static differingFacilities(a: BoardCounts, b: BoardCounts): Set<number | null> {
    const out = new Set<number | null>();
    for (const [id, f] of b.facilities) if (JSON.stringify(a.facilities.get(id)) !== JSON.stringify(f)) out.add(id);
    return out;
  }
}

function reportOf(answers: { personId: number; replyId: number; answers: Answers; answeredAt: number }[]): FacilityReport | null {
  return facilityReport(answers.map((a) => ({ isFacilityAdmin: true, answers: a.answers, replyId: a.replyId, answeredAt: a.answeredAt })))?.report ?? null;
}

/**
 * The response over time for uPlot from per-minute first replies: `t` in Unix
 * seconds, the first point the confirm time with 0; buckets a minute, wider for long
 * roll-calls (the same as a D1 read with the wider bucket: floor of a floor).
 */
export function timelineOf(counts: Pick<BoardCounts, "start" | "minutes">, recipients: number, end: number) {
  const start = counts.start;
  if (start === null) return { start: null, bucketSeconds: 60, recipients, t: [] as number[], replies: [] as number[], cumulative: [] as number[] };
  const minutes = Math.max(1, Math.ceil((end - start) / MINUTE));
  const width = Math.ceil(minutes / MAX_POINTS);
  const buckets = new Map<number, number>();
  for (const [m, n] of counts.minutes) buckets.set(Math.floor(m / width), (buckets.get(Math.floor(m / width)) ?? 0) + n);
  const bucketMs = width * MINUTE;
  const t = [start / 1000];
  const replies = [0];
  const cumulative = [0];
  let total = 0;
  for (const b of [...buckets.keys()].sort((x, y) => x - y)) {
    const n = buckets.get(b)!;
    total += n;
    t.push((start + b * bucketMs) / 1000 + bucketMs / 1000);
    replies.push(n);
    cumulative.push(total);
  }
  return { start, bucketSeconds: bucketMs / 1000, recipients, t, replies, cumulative };
}
