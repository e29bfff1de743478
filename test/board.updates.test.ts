/** Small board updates (issue 12): the counts kept by the object agree with D1, updates carry only what changed, the long lists are paged. */
import { env, evictDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Board, ServerMessage as WireMessage } from "../worker/board/messages";
import { rollcallObject } from "../worker/board/object";
import { recordReply } from "../worker/reply/service";
import { boardOpener } from "./support/board-socket";
import { makeNetwork, openRollcall, signInReaders } from "./support/factories";
import { api, getJson } from "./support/http";

let networkAdmin: string;
let viewer: string;
const board = boardOpener();

beforeAll(async () => {
  const readers = await signInReaders();
  networkAdmin = readers.networkAdmin.cookie;
  viewer = readers.viewer.cookie;
});

/** What the counts are, without the parts that are pages or differ by when they were built. */
const countsOf = (b: Board) => ({
  recipients: b.aggregates.recipients,
  replied: b.aggregates.replied,
  byAnswer: b.aggregates.byAnswer,
  byFacilityType: b.aggregates.byFacilityType,
  byFacility: b.aggregates.byFacility,
  nonResponders: b.aggregates.nonResponders.items.map((p) => p.personId),
  phoneCheck: b.phoneCheck?.map((p) => [p.facilityId, p.unreplied]),
  cumulative: b.timeline.cumulative.at(-1),
});

describe("board updates", () => {
  it("carries only the changed rows, and the board they build agrees with D1 after changed answers and facility reports", async () => {
    const a = await makeNetwork([{}, {}, {}]);
    const b = await makeNetwork([{}, {}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [a.facilityId, b.facilityId] }, template: "safety" });
    const admin = await board(id, networkAdmin);
    await admin.until((m) => m.type === "snapshot");
    const reply = (personId: number, answers: Record<string, unknown>, via: "link" | "proxy" = "link") =>
      recordReply(env, { rollcallId: id, personId, answers, via, ...(via === "proxy" ? { proxyBy: a.admin.id } : {}) });
    await reply(a.staff[0]!.id, { safety: "safe", availability: "yes" });
    await reply(a.staff[1]!.id, { safety: "severe", availability: "no" });
    // A changed answer moves the counts from the old answer to the new.
    await reply(a.staff[0]!.id, { safety: "minor", availability: "conditional" });
    await reply(b.staff[0]!.id, { safety: "safe" }, "proxy");
    await reply(a.admin.id, { safety: "safe", facility: { collapse: "yes", electricity: "unusable" } });
    await reply(a.admin.id, { safety: "safe", facility: { collapse: "no", water: "usable" } });
    const last = await admin.until((m) => m.board.aggregates.replied === 4 && m.board.aggregates.byFacility.some((f) => f.report?.collapse === "no"), 3_000);
    const fromD1 = await getJson<Board>(`/api/rollcalls/${id}/board`, networkAdmin);
    expect(countsOf(last.board)).toEqual(countsOf(fromD1));
    expect(last.board.aggregates.byAnswer.safety).toMatchObject({ safe: 2, minor: 1, severe: 1 });
    expect(last.board.aggregates.byAnswer.facility.collapse).toMatchObject({ no: 1, yes: 0 });
    expect(last.board.aggregates.byAnswer.facility.electricity).toMatchObject({ usable: 0, unusable: 0 });
    expect(last.board.aggregates.byAnswer.facility.water).toMatchObject({ usable: 1, unusable: 0 });

    const updates = admin.raw.map((t) => JSON.parse(t) as WireMessage).filter((m) => m.type === "update");
    expect(updates.length).toBeGreaterThan(0);
    for (const u of updates) {
      if (u.type !== "update") continue;
      expect(u).not.toHaveProperty("board");
      // Only facilities whose counts changed: this roll-call has two.
      expect(u.changes.facilities.length).toBeLessThanOrEqual(2);
    }
  });

  it("reads the counts again after the object is evicted, sending a snapshot, and stays in step with D1", async () => {
    const a = await makeNetwork([{}, {}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [a.facilityId] } });
    const admin = await board(id, networkAdmin);
    await admin.until((m) => m.type === "snapshot");
    await recordReply(env, { rollcallId: id, personId: a.staff[0]!.id, answers: { safety: "safe" }, via: "link" });
    await admin.until((m) => m.board.aggregates.replied === 1);
    await evictDurableObject(rollcallObject(env, id));
    await recordReply(env, { rollcallId: id, personId: a.staff[1]!.id, answers: { safety: "minor" }, via: "link" });
    const after = await admin.until((m) => m.board.aggregates.replied === 2, 5_000);
    expect(after.board.aggregates.byAnswer.safety).toMatchObject({ safe: 1, minor: 1 });
    expect(countsOf(after.board)).toEqual(countsOf(await getJson<Board>(`/api/rollcalls/${id}/board`, networkAdmin)));
  });

  it("pages the facilities, the non-responders and the phone check with the board's audience rules", async () => {
    const a = await makeNetwork([{}, {}, {}]);
    const b = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [a.facilityId, b.facilityId] } });
    type Page<T> = { items: T[]; next: string | null; total: number | null };

    const f1 = await getJson<Page<{ facilityId: number }>>(`/api/rollcalls/${id}/board/facilities?limit=1`, networkAdmin);
    expect(f1.items).toHaveLength(1);
    expect(f1.total).toBe(2);
    const f2 = await getJson<Page<{ facilityId: number }>>(`/api/rollcalls/${id}/board/facilities?limit=1&cursor=${f1.next}`, networkAdmin);
    expect(f2.next).toBeNull();
    expect([...f1.items, ...f2.items].map((f) => f.facilityId).sort()).toEqual([a.facilityId, b.facilityId].sort());

    const everyone: number[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const p: Page<{ personId: number }> = await getJson(
        `/api/rollcalls/${id}/board/non-responders?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        networkAdmin,
      );
      everyone.push(...p.items.map((x) => x.personId));
      cursor = p.next;
    }
    expect(everyone.sort()).toEqual([a.admin.id, ...a.staff.map((p) => p.id), b.admin.id, ...b.staff.map((p) => p.id)].sort());

    // A facility admin: their facility's people and phone check only.
    const mine = await getJson<Page<{ personId: number; facilityId: number }>>(`/api/rollcalls/${id}/board/non-responders`, a.admin.cookie);
    expect(mine.items.every((p) => p.facilityId === a.facilityId)).toBe(true);
    const checks = await getJson<Page<{ facilityId: number }>>(`/api/rollcalls/${id}/board/phone-checks`, a.admin.cookie);
    expect(checks.items.map((c) => c.facilityId)).toEqual([a.facilityId]);
    const all = await getJson<Page<{ facilityId: number }>>(`/api/rollcalls/${id}/board/phone-checks?limit=1`, networkAdmin);
    expect(all.items).toHaveLength(1);
    expect(all.next).not.toBeNull();

    // The city viewer: no contact details, so no phone check; the counts and names are theirs to read.
    expect((await api("GET", `/api/rollcalls/${id}/board/phone-checks`, { cookie: viewer })).status).toBe(403);
    expect((await api("GET", `/api/rollcalls/${id}/board/facilities`, { cookie: viewer })).status).toBe(200);
    // Another facility's admin reads nothing of it.
    const other = await makeNetwork([]);
    expect((await api("GET", `/api/rollcalls/${id}/board/facilities`, { cookie: other.admin.cookie })).status).toBe(403);
  });
});
