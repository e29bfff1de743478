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
import { ARRIVAL_GROUPS, arrivalGroup, type ArrivalGroup } from "./arrival";
import type { CountsSnapshot } from "./data";
import type { FacilityFilter, Severe, StaffRow } from "./messages";
import type { DeliveryNote, ReplyNote } from "./notes";
import { BOARD_SEVERE, compareFacilities, isOnly, isSilent, problemsOf, sortStaff } from "./priority";

/** A facility's row on the board: the aggregates' row and its place in the directory's order (`rank`). */
export type FacilityRow = Aggregates["byFacility"][number] & { rank: number };
/** A 要救助 person as the object keeps them (the mobile is read for the boards with contacts). */
export type SevereEntry = Omit<Severe, "mobile">;
type StaffCounts = Record<ArrivalGroup, number>;
const zeroStaff = (): StaffCounts => Object.fromEntries(ARRIVAL_GROUPS.map((g) => [g, 0])) as StaffCounts;
/** The newest first (by the answer's time, then the person). */
const newestFirst = (a: SevereEntry, b: SevereEntry) => b.at - a.at || b.personId - a.personId;

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
  /** 要救助 people who came or changed, and who left, with their facility (person id → facility id). */
  severe: Map<number, number | null>;
  severeRemoved: Map<number, number | null>;
  /** The 職種 whose staff counts moved, and in which facilities. */
  staffJobs: Set<string>;
  staffFacilities: Set<number | null>;
}

const noChanges = (): Changes => ({
  facilities: new Set(),
  replied: [],
  fromMinute: null,
  reports: new Set(),
  severe: new Map(),
  severeRemoved: new Map(),
  staffJobs: new Set(),
  staffFacilities: new Set(),
});

/** Whether a facility is among these (null: every facility). */
const within = (facilityIds: readonly number[] | null, id: number | null) => facilityIds === null || (id !== null && facilityIds.includes(id));

export class BoardCounts {
  watermark = 0;
  recipients = 0;
  replied = 0;
  safety = tally(SAFETY);
  availability = tally(AVAILABILITY);
  ack = 0;
  viaProxy = 0;
  facilityAnswers = Object.fromEntries(FACILITY_CHOICE_FIELDS.map((k) => [k, tally(FACILITY_OPTIONS[k])])) as Aggregates["byAnswer"]["facility"];
  /** In the directory's order (type, kana, id); {@link order} is the board's. */
  facilities = new Map<number | null, FacilityRow>();
  /** What the filters read of each facility, beside its row (not sent). */
  info = new Map<number | null, { district: string; kana: string }>();
  /** Everyone whose latest answer is 要救助, by person. */
  severe = new Map<number, SevereEntry>();
  /** Who can come, per facility, per 職種, by when. */
  staff = new Map<number | null, Map<string, StaffCounts>>();
  /** The board's order of the facilities, decided again after they change. */
  private sorted: (number | null)[] | null = null;
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
      c.facilities.set(f.facilityId, {
        facilityId: f.facilityId,
        name: f.name,
        type: f.type,
        recipients: f.recipients,
        replied: f.replied,
        safety: tally(SAFETY),
        report: null,
        rank: c.facilities.size,
      });
      c.info.set(f.facilityId, { district: f.district ?? "", kana: f.kana ?? "" });
      c.recipients += f.recipients;
      c.replied += f.replied;
    }
    for (const p of s.severe) c.severe.set(p.personId, { ...p, facility: c.facilities.get(p.facilityId)?.name ?? null });
    for (const r of s.staff) {
      const g = arrivalGroup(r.availability, r.arrival, r.minute === null ? 0 : r.minute * MINUTE);
      if (g) c.moveStaff(r.facilityId, r.job, g, r.n);
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
    this.sorted = null;
    if (n.answers.safety === "severe") {
      this.severe.set(n.personId, { personId: n.personId, name: n.name, job: n.job, facilityId: n.facilityId, facility: f?.name ?? null, at: n.at });
      this.changes.severe.set(n.personId, n.facilityId);
      this.changes.severeRemoved.delete(n.personId);
    } else if (this.severe.delete(n.personId)) {
      this.changes.severeRemoved.set(n.personId, n.facilityId);
      this.changes.severe.delete(n.personId);
    }
    const before = n.previous ? arrivalGroup(n.previous.answers.availability, n.previous.answers.arrival, n.previous.at) : null;
    const after = arrivalGroup(n.answers.availability, n.answers.arrival, n.at);
    if (before !== after) {
      if (before) this.moveStaff(n.facilityId, n.job, before, -1);
      if (after) this.moveStaff(n.facilityId, n.job, after, +1);
      this.changes.staffJobs.add(n.job.trim());
      this.changes.staffFacilities.add(n.facilityId);
    }
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
    this.sorted = null;
    this.changes.facilities.add(facilityId);
  }

  private moveStaff(facilityId: number | null, job: string, group: ArrivalGroup, by: number): void {
    const jobs = this.staff.get(facilityId) ?? new Map<string, StaffCounts>();
    const key = job.trim();
    const counts = jobs.get(key) ?? zeroStaff();
    counts[group] = Math.max(0, counts[group] + by);
    if (ARRIVAL_GROUPS.every((g) => counts[g] === 0)) jobs.delete(key);
    else jobs.set(key, counts);
    if (jobs.size) this.staff.set(facilityId, jobs);
    else this.staff.delete(facilityId);
  }

  /**
   * Who can come per 職種 within these facilities (null: all): most first, then by the
   * job's name. Given `only`, the rows of those jobs, a row of zeros for a job nobody is left in.
   */
  staffRows(facilityIds: readonly number[] | null, only?: ReadonlySet<string>): StaffRow[] {
    const byJob = new Map<string, StaffCounts>();
    for (const job of only ?? []) byJob.set(job, zeroStaff());
    for (const [id, jobs] of this.staff) {
      if (!within(facilityIds, id)) continue;
      for (const [job, counts] of jobs) {
        if (only && !only.has(job)) continue;
        const sum = byJob.get(job) ?? zeroStaff();
        for (const g of ARRIVAL_GROUPS) sum[g] += counts[g];
        byJob.set(job, sum);
      }
    }
    const rows = [...byJob].map(([job, counts]) => ({ job, ...counts }));
    // The rows asked for stay, zeros included (the client drops them); otherwise only jobs with someone.
    return only ? rows : sortStaff(rows);
  }

  /** The 要救助 people within these facilities (null: all), the newest first: the first `limit`, and how many there are. */
  severeOf(facilityIds: readonly number[] | null, limit = BOARD_SEVERE): { items: SevereEntry[]; total: number } {
    const all = [...this.severe.values()].filter((p) => within(facilityIds, p.facilityId)).sort(newestFirst);
    return { items: all.slice(0, limit), total: all.length };
  }

  /** Facilities with someone 要救助, with a problem reported, and where nobody has answered. */
  summary(): { severe: number; problems: number; silent: number } {
    let severe = 0;
    let problems = 0;
    let silent = 0;
    for (const f of this.facilities.values()) {
      if ((f.safety.severe ?? 0) > 0) severe++;
      if (problemsOf(f).length > 0) problems++;
      if (isSilent(f)) silent++;
    }
    return { severe, problems, silent };
  }

  /** The districts of the facilities, in the Japanese order. */
  districts(): string[] {
    return [...new Set([...this.info.values()].map((i) => i.district).filter((d) => d !== ""))].sort((a, b) => a.localeCompare(b, "ja"));
  }

  /** The facility ids in the board's order (priority.ts; the directory's order among equals). */
  order(): (number | null)[] {
    if (!this.sorted) {
      const ids = [...this.facilities.keys()];
      const rows = this.facilities;
      this.sorted = ids.sort((a, b) => compareFacilities(rows.get(a)!, rows.get(b)!));
    }
    return this.sorted;
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

  /**
   * Facilities in the board's order, narrowed by `filter` (`mine`: within `own`),
   * `offset` to `offset + limit`, and how many the narrowed list has.
   */
  facilityPage(offset: number, limit: number, filter: FacilityFilter = {}, own: readonly number[] | null = null): { items: FacilityRow[]; total: number } {
    const q = filter.q?.normalize("NFKC").toLowerCase();
    const ids = this.order().filter((id) => {
      const f = this.facilities.get(id)!;
      const info = this.info.get(id);
      if (filter.type && f.type !== filter.type) return false;
      if (filter.district && info?.district !== filter.district) return false;
      if (q && !`${f.name ?? ""}\n${info?.kana ?? ""}`.normalize("NFKC").toLowerCase().includes(q)) return false;
      if (filter.only === "mine") return within(own, id);
      if (filter.only && !isOnly(f, filter.only)) return false;
      return true;
    });
    return { items: ids.slice(offset, offset + limit).map((id) => this.row(id)!), total: ids.length };
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
