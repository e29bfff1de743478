/**
 * What needs doing first (issue 13, the board): the 要救助 list kept by the object and
 * scoped per audience, problem facilities first in every page, who can come per 職種,
 * and whether the reader may close the roll-call.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { arrivalGroup, arrivalMinutes } from "../worker/board/arrival";
import type { Board, ServerMessage as WireMessage } from "../worker/board/messages";
import { recordReply } from "../worker/reply/service";
import { boardOpener } from "./support/board-socket";
import { makeFacility, makeNetwork, makePerson, openRollcall, signedIn, signInReaders, uniq } from "./support/factories";
import { api, getJson } from "./support/http";

let networkAdmin: string;
let viewer: string;
const board = boardOpener({ snapshot: true });

beforeAll(async () => {
  const readers = await signInReaders();
  networkAdmin = readers.networkAdmin.cookie;
  viewer = readers.viewer.cookie;
});

const reply = (rollcallId: number, personId: number, answers: Record<string, unknown>) => recordReply(env, { rollcallId, personId, answers, via: "link" });
type Page = { items: { facilityId: number; name: string }[]; next: string | null; total: number | null };

describe("the 要救助 list", () => {
  it("is kept by the object as replies arrive, scoped to each board's facilities, with phones only for admins", async () => {
    const a = await makeNetwork([{ name: `重傷 一郎${uniq()}` }, {}]);
    const b = await makeNetwork([{ name: `重傷 二郎${uniq()}` }]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [a.facilityId, b.facilityId] }, template: "safety" });
    const admin = await board(id, networkAdmin);
    const mine = await board(id, a.admin.cookie);
    const city = await board(id, viewer);

    await reply(id, a.staff[0]!.id, { safety: "severe", availability: "no" });
    await reply(id, b.staff[0]!.id, { safety: "severe", availability: "no" });
    await reply(id, a.staff[1]!.id, { safety: "safe", availability: "yes" });
    const all = await admin.until((m) => m.board.severe.total === 2);
    // The newest first, with their facility and their mobile (admins' boards).
    expect(all.board.severe.items.map((p) => p.personId)).toEqual([b.staff[0]!.id, a.staff[0]!.id]);
    expect(all.board.severe.items[1]).toMatchObject({ facilityId: a.facilityId, mobile: a.staff[0]!.mobile });
    expect(all.board.severe.items[1]!.name).toMatch(/^重傷 一郎/);

    const theirs = await mine.until((m) => m.board.aggregates.replied === 3);
    expect(theirs.board.severe).toMatchObject({ total: 1, items: [{ personId: a.staff[0]!.id }] });
    // The viewer sees who (as with the non-responders), never a phone number.
    const cityBoard = await city.until((m) => m.board.severe.total === 2);
    expect(cityBoard.board.severe.items.every((p) => p.mobile === null)).toBe(true);
    expect(JSON.stringify(city.raw)).not.toContain(a.staff[0]!.mobile!);

    // A changed answer leaves the list; the update names the change, not the whole list.
    await reply(id, b.staff[0]!.id, { safety: "minor", availability: "no" });
    const after = await admin.until((m) => m.board.aggregates.byAnswer.safety.minor === 1);
    expect(after.board.severe.items.map((p) => p.personId)).toEqual([a.staff[0]!.id]);
    const updates = () =>
      admin.raw
        .filter((t) => t !== "pong")
        .map((t) => JSON.parse(t) as WireMessage)
        .flatMap((u) => (u.type === "update" ? [u.changes] : []));
    expect(updates().find((c) => c.severe?.removed.length)?.severe).toEqual({ added: [], removed: [b.staff[0]!.id], total: 1 });
    // An update that did not move the list carries none of it.
    const seen = updates().length;
    await reply(id, a.staff[1]!.id, { safety: "minor", availability: "yes" });
    await admin.until((m) => m.board.aggregates.byAnswer.safety.minor === 2);
    expect(
      updates()
        .slice(seen)
        .every((c) => c.severe === undefined),
    ).toBe(true);

    // The board the updates built is the one D1 gives.
    for (const [socket, cookie] of [
      [admin, networkAdmin],
      [mine, a.admin.cookie],
      [city, viewer],
    ] as const) {
      await socket.until((m) => m.board.aggregates.byAnswer.safety.minor === 2);
      const fresh = await getJson<Board>(`/api/rollcalls/${id}/board`, cookie);
      expect(socket.board!.severe).toEqual(fresh.severe);
    }
  });

  it("holds the newest 50 with the total; when people leave, the next ones move up", async () => {
    const f = await makeFacility();
    const people = [];
    for (let i = 0; i < 53; i++) people.push(await makePerson({ facilityId: f, password: null }));
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [f] }, template: "safety" });
    const admin = await board(id, networkAdmin);
    for (const p of people) await reply(id, p.id, { safety: "severe" });
    const full = await admin.until((m) => m.board.severe.total === 53);
    expect(full.board.severe.items).toHaveLength(50);
    // Three of the newest 50 are safe after all: the three oldest come into the 50.
    for (const p of people.slice(-3)) await reply(id, p.id, { safety: "safe" });
    const moved = await admin.until((m) => m.board.aggregates.byAnswer.safety.safe === 3);
    expect(moved.board.severe.total).toBe(50);
    expect(moved.board.severe.items.map((p) => p.personId).sort((x, y) => x - y)).toEqual(people.slice(0, 50).map((p) => p.id));
    expect(moved.board.severe).toEqual((await getJson<Board>(`/api/rollcalls/${id}/board`, networkAdmin)).severe);
  });
});

describe("problem facilities first", () => {
  it("orders every page by 要救助, a problem reported, nobody answered, then the lowest response rate; filters narrow it", async () => {
    const district = `地区${uniq()}`;
    const word = uniq();
    const make = async (name: string, type: "clinic" | "pharmacy" = "clinic") => {
      const facilityId = await makeFacility({ name: `${name}${word}`, type, district });
      const admin = await makePerson({ facilityId, role: "admin", password: null });
      const staff = [await makePerson({ facilityId, password: null }), await makePerson({ facilityId, password: null })];
      return { facilityId, admin, staff };
    };
    // Made in the directory's order the opposite of the board's.
    const done = await make("全員回答");
    const half = await make("半分回答");
    const silent = await make("未回答");
    const problem = await make("停電", "pharmacy");
    const severe = await make("要救助");
    const ids = [severe, problem, silent, half, done].map((x) => x.facilityId);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: ids }, template: "safety" });
    for (const p of [done.admin, ...done.staff]) await reply(id, p.id, { safety: "safe" });
    await reply(id, half.staff[0]!.id, { safety: "safe" });
    await reply(id, problem.admin.id, { safety: "safe", facility: { electricity: "unusable" } });
    for (const p of [problem.staff[0]!, problem.staff[1]!]) await reply(id, p.id, { safety: "safe" });
    await reply(id, severe.staff[0]!.id, { safety: "severe" });
    for (const p of [severe.admin, severe.staff[1]!]) await reply(id, p.id, { safety: "safe" });

    const order: number[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const p: Page = await getJson(`/api/rollcalls/${id}/board/facilities?limit=2${cursor ? `&cursor=${cursor}` : ""}`, networkAdmin);
      expect(p.total).toBe(5);
      order.push(...p.items.map((f) => f.facilityId));
      cursor = p.next;
    }
    expect(order).toEqual(ids);
    const b = await getJson<Board>(`/api/rollcalls/${id}/board`, networkAdmin);
    expect(b.aggregates.byFacility.map((f) => f.facilityId)).toEqual(ids);
    expect(b.summary).toEqual({ severe: 1, problems: 1, silent: 1 });
    expect(b.districts).toContain(district);

    const only = async (query: string) => (await getJson<Page>(`/api/rollcalls/${id}/board/facilities?${query}`, networkAdmin)).items.map((f) => f.facilityId);
    expect(await only("only=problems")).toEqual([problem.facilityId]);
    expect(await only("only=silent")).toEqual([silent.facilityId]);
    expect(await only("only=severe")).toEqual([severe.facilityId]);
    expect(await only("type=pharmacy")).toEqual([problem.facilityId]);
    expect(await only(`district=${encodeURIComponent(district)}&q=${encodeURIComponent("半分")}`)).toEqual([half.facilityId]);
    expect(await only(`district=${encodeURIComponent("どこにもない地区")}`)).toEqual([]);
    // `mine`: a facility admin's own facilities (a network admin's are all).
    const own = await signedIn({ facilityId: half.facilityId, role: "admin" });
    const mineOnly = await getJson<Page>(`/api/rollcalls/${id}/board/facilities?only=mine`, own.cookie);
    expect(mineOnly.items.map((f) => f.facilityId)).toEqual([half.facilityId]);
    expect((await getJson<Board>(`/api/rollcalls/${id}/board`, own.cookie)).own?.map((f) => f.facilityId)).toEqual([half.facilityId]);
    const bad = await api("GET", `/api/rollcalls/${id}/board/facilities?only=everything`, { cookie: networkAdmin });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field?: string } }).error.field).toBe("only");
  });

  it("keeps the order on the live board: a facility that needs a look comes to the top", async () => {
    const a = await makeNetwork([{}]);
    const b = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [a.facilityId, b.facilityId] }, template: "safety" });
    const admin = await board(id, networkAdmin);
    await reply(id, a.staff[0]!.id, { safety: "safe" });
    await reply(id, b.staff[0]!.id, { safety: "safe" });
    await reply(id, b.admin.id, { safety: "safe" });
    // b answered in full, a half: a first (lower rate). Then someone of b needs rescue.
    let m = await admin.until((x) => x.board.aggregates.replied === 3);
    expect(m.board.aggregates.byFacility.map((f) => f.facilityId)).toEqual([a.facilityId, b.facilityId]);
    await reply(id, b.staff[0]!.id, { safety: "severe" });
    m = await admin.until((x) => x.board.severe.total === 1);
    expect(m.board.aggregates.byFacility.map((f) => f.facilityId)).toEqual([b.facilityId, a.facilityId]);
    expect(m.board.aggregates.byFacility).toEqual((await getJson<Board>(`/api/rollcalls/${id}/board`, networkAdmin)).aggregates.byFacility);
  });
});

describe("who can come, per 職種", () => {
  it("reads the arrival: すぐ, 30分以内, 1時間以内, それ以降, 未定", () => {
    // 2026-03-01 10:00 JST.
    const at = Date.UTC(2026, 2, 1, 1, 0);
    expect(arrivalMinutes("30分後", at)).toBe(30);
    expect(arrivalMinutes("１時間半", at)).toBe(90);
    expect(arrivalMinutes("1時間30分ほど", at)).toBe(90);
    expect(arrivalMinutes("11時ごろ", at)).toBe(60);
    expect(arrivalMinutes("10時半", at)).toBe(30);
    expect(arrivalMinutes("午後1時", at)).toBe(180);
    expect(arrivalMinutes("10:20", at)).toBe(20);
    expect(arrivalMinutes("9時", at)).toBe(0);
    expect(arrivalMinutes("すぐ行けます", at)).toBe(0);
    expect(arrivalMinutes("車で向かいます", at)).toBeNull();
    expect(arrivalGroup("yes", undefined, at)).toBe("now");
    expect(arrivalGroup("conditional", undefined, at)).toBe("unknown");
    expect(arrivalGroup("conditional", "20分", at)).toBe("m30");
    expect(arrivalGroup("yes", "45分後", at)).toBe("m60");
    expect(arrivalGroup("conditional", "3時間後", at)).toBe("later");
    expect(arrivalGroup("no", "すぐ", at)).toBeNull();
  });

  it("counts who can come per job and by when, kept by the object as answers change, for every facility and for a facility admin's own", async () => {
    const job = (j: string) => `${j}${uniq()}`;
    const doctor = job("医師");
    const nurse = job("看護師");
    const a = await makeNetwork([{ job: doctor }, { job: nurse }, { job: nurse }, { job: nurse }]);
    const b = await makeNetwork([{ job: doctor }]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [a.facilityId, b.facilityId] }, template: "safety" });
    const admin = await board(id, networkAdmin);
    const mine = await board(id, a.admin.cookie);
    await reply(id, a.staff[0]!.id, { safety: "safe", availability: "yes" });
    await reply(id, a.staff[1]!.id, { safety: "safe", availability: "conditional", arrival: "30分後" });
    await reply(id, a.staff[2]!.id, { safety: "safe", availability: "conditional" });
    await reply(id, a.staff[3]!.id, { safety: "safe", availability: "no" });
    await reply(id, b.staff[0]!.id, { safety: "safe", availability: "conditional", arrival: "3時間後" });
    let m = await admin.until((x) => x.board.aggregates.replied === 5);
    const row = (rows: Board["staff"]["all"], j: string) => rows.find((r) => r.job === j);
    expect(row(m.board.staff.all, doctor)).toEqual({ job: doctor, now: 1, m30: 0, m60: 0, later: 1, unknown: 0 });
    expect(row(m.board.staff.all, nurse)).toEqual({ job: nurse, now: 0, m30: 1, m60: 0, later: 0, unknown: 1 });
    expect(m.board.staff.own).toBeNull();
    const own = await mine.until((x) => x.board.aggregates.replied === 5);
    expect(row(own.board.staff.own!, doctor)).toEqual({ job: doctor, now: 1, m30: 0, m60: 0, later: 0, unknown: 0 });
    // A changed answer moves its count.
    await reply(id, a.staff[0]!.id, { safety: "safe", availability: "no" });
    m = await admin.until((x) => x.board.aggregates.byAnswer.availability.no === 2);
    expect(row(m.board.staff.all, doctor)).toEqual({ job: doctor, now: 0, m30: 0, m60: 0, later: 1, unknown: 0 });
    expect(m.board.staff).toEqual((await getJson<Board>(`/api/rollcalls/${id}/board`, networkAdmin)).staff);
    // Updates carry the rows of the 職種 that moved, not the whole table.
    const moved = admin.raw
      .filter((t) => t !== "pong")
      .map((t) => JSON.parse(t) as WireMessage)
      .flatMap((u) => (u.type === "update" && u.changes.staff ? [u.changes.staff] : []));
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.at(-1)!.all.map((r) => r.job)).toEqual([doctor]);
  });
});

describe("may.close", () => {
  it("follows the roll-call service's rule: network admins and the owning facility's admins, never the viewer", async () => {
    const a = await makeNetwork([{}]);
    const network = await openRollcall(networkAdmin, { scope: { facilityIds: [a.facilityId] } });
    const own = await openRollcall(a.admin.cookie, { scope: { facilityIds: [a.facilityId] } });
    const may = async (id: number, cookie: string) => (await getJson<Board>(`/api/rollcalls/${id}/board`, cookie)).may;
    expect(await may(network, networkAdmin)).toEqual({ close: true, resend: true });
    expect(await may(network, a.admin.cookie)).toEqual({ close: false, resend: true });
    expect(await may(network, viewer)).toEqual({ close: false, resend: false });
    expect(await may(own, a.admin.cookie)).toEqual({ close: true, resend: true });
    // And the socket's snapshot says the same.
    const socket = await board(network, a.admin.cookie);
    expect(socket.board!.may.close).toBe(false);
    const refused = await api("POST", `/api/rollcalls/${network}/close`, { cookie: a.admin.cookie });
    expect(refused.status).toBe(403);
  });
});
