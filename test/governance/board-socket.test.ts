/**
 * Finding 2: a live board socket does not outlive access. The roll-call's object
 * decides each socket's session (revoked, idle, absolute) and its right to the board
 * again before it sends and every few seconds while nothing changes; a refused socket
 * is closed with 4401 (session) or 4403 (no longer allowed); a narrowed audience gets
 * its new board. The JSON board and the export follow the same decision.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { CLOSE_FORBIDDEN, CLOSE_SESSION_ENDED, RECHECK_EVERY_MS } from "../../worker/board/messages";
import { rollcallObject } from "../../worker/board/object";
import { clock } from "../../worker/lib/clock";
import { recordReply } from "../../worker/reply/service";
import { type BoardSocket, boardOpener, type ServerMessage } from "../support/board-socket";
import { adminsWithoutMfa } from "../support/db";
import { makeNetwork, openRollcall, signedIn } from "../support/factories";
import { api } from "../support/http";

const MIN = 60_000;
const board = boardOpener({ snapshot: true });

beforeAll(adminsWithoutMfa);

/** A facility (admin, two staff with mobiles), a delegate signed in, and a roll-call to it by a network admin of this test. */
async function setting() {
  const net = await makeNetwork([{ name: "看護 花子" }, { name: "薬剤 一郎" }]);
  const delegate = await signedIn({ facilityId: net.facilityId, role: "delegate" });
  const networkAdmin = await signedIn({ globalRole: "network_admin" });
  const id = await openRollcall(networkAdmin.cookie, { scope: { facilityIds: [net.facilityId] } });
  return { net, delegate, networkAdmin, id };
}

/** The same, closed at once: no wave, no delivery, no change will wake the board. */
async function quietSetting() {
  const s = await setting();
  expect((await api("POST", `/api/rollcalls/${s.id}/close`, { cookie: s.networkAdmin.cookie })).status).toBe(200);
  return s;
}

const removeMembership = (personId: number, facilityId?: number) =>
  env.DB.prepare("UPDATE memberships SET removed_at = ?3 WHERE person_id = ?1 AND (?2 IS NULL OR facility_id = ?2) AND removed_at IS NULL")
    .bind(personId, facilityId ?? null, clock.now())
    .run();

/** Everything the socket received after the first `n` messages, as text. */
const rawAfter = (b: BoardSocket, n: number) => b.raw.slice(n).join("\n");
const closeCode = (b: BoardSocket) => b.closed?.code;

describe("the live board re-checks access (finding 2)", () => {
  it("uses 4401 for an ended session and 4403 for a board no longer allowed", () => {
    expect([CLOSE_SESSION_ENDED, CLOSE_FORBIDDEN]).toEqual([4401, 4403]);
  });

  it("closes a removed delegate's board with 4403 within seconds though nothing changes, and the JSON board and the export refuse them too", async () => {
    const { net, delegate, id } = await setting();
    const b = await board(id, delegate.cookie);
    // The delegate's board carries the facility admin's mobile for the phone check.
    expect(JSON.stringify(b.last!.board.phoneCheck)).toContain(net.admin.mobile!);
    const seen = b.raw.length;

    await removeMembership(delegate.id, net.facilityId);
    const removedAt = Date.now();
    await expect.poll(() => closeCode(b), { timeout: RECHECK_EVERY_MS + 5_000, interval: 100 }).toBe(4403);
    expect(Date.now() - removedAt).toBeLessThan(RECHECK_EVERY_MS + 5_000);
    expect(b.raw.length).toBe(seen);

    for (const path of [`/api/rollcalls/${id}/board`, `/api/rollcalls/${id}/export.csv`, `/api/rollcalls/${id}/facilities/${net.facilityId}`]) {
      expect((await api("GET", path, { cookie: delegate.cookie })).status, path).toBe(403);
    }
  });

  it("sends a removed delegate no update with the admins' mobiles: the reply that follows the removal closes the socket instead", async () => {
    const { net, delegate, id } = await setting();
    const b = await board(id, delegate.cookie);
    const seen = b.raw.length;
    await removeMembership(delegate.id);
    await recordReply(env, { rollcallId: id, personId: net.staff[0]!.id, answers: { safety: "safe" }, via: "link" });
    await expect.poll(() => closeCode(b), { timeout: 3_000 }).toBe(4403);
    expect(b.messages.some((m) => m.board.aggregates.replied === 1)).toBe(false);
    expect(rawAfter(b, seen)).not.toContain(net.admin.mobile!);
  });

  it("answers a refresh from a board no longer allowed by closing it (4403), not with a snapshot", async () => {
    const { delegate, id } = await setting();
    const b = await board(id, delegate.cookie);
    const seen = b.messages.length;
    await removeMembership(delegate.id);
    b.ws.send(JSON.stringify({ type: "refresh" }));
    await expect.poll(() => closeCode(b), { timeout: 3_000 }).toBe(4403);
    expect(b.messages).toHaveLength(seen);
  });

  it("closes a board whose session went idle (4401); the socket, its refreshes and pings are not activity", async () => {
    const { id, net } = await setting();
    const b = await board(id, net.admin.cookie);
    const stub = rollcallObject(env, id);

    clock.advance(20 * MIN);
    b.ws.send("ping");
    b.ws.send(JSON.stringify({ type: "refresh" }));
    await b.until((m) => m.type === "snapshot" && m.at >= clock.now() - MIN);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(b.closed).toBeNull();

    clock.advance(11 * MIN); // 31 minutes since the last request; the idle limit is 30
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await expect.poll(() => closeCode(b), { timeout: 3_000 }).toBe(4401);
    const row = await env.DB.prepare("SELECT revoked_at FROM sessions WHERE person_id = ?1").bind(net.admin.id).first<{ revoked_at: number | null }>();
    expect(row?.revoked_at).not.toBeNull();
    expect((await api("GET", `/api/rollcalls/${id}/board`, { cookie: net.admin.cookie })).status).toBe(401);
  });

  it("keeps a board open while the person keeps using the site, idle counted from their last request", async () => {
    const { id, net } = await setting();
    const b = await board(id, net.admin.cookie);
    const stub = rollcallObject(env, id);
    clock.advance(20 * MIN);
    expect((await api("GET", "/api/session", { cookie: net.admin.cookie })).status).toBe(200);
    clock.advance(20 * MIN); // 40 minutes since connecting, 20 since the last request
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await recordReply(env, { rollcallId: id, personId: net.staff[0]!.id, answers: { safety: "safe" }, via: "link" });
    await b.until((m) => m.board.aggregates.replied === 1, 3_000);
    expect(b.closed).toBeNull();
  });

  it("closes a board whose session passed its absolute lifetime (4401), even in use and with nothing changing", async () => {
    const { id, net } = await quietSetting();
    const b = await board(id, net.admin.cookie);
    // Began 12 hours and a minute ago (the default limit is 12 hours), last used just now.
    await env.DB.prepare("UPDATE sessions SET created_at = ?2, last_seen_at = ?3 WHERE person_id = ?1")
      .bind(net.admin.id, clock.now() - 12 * 60 * MIN - MIN, clock.now())
      .run();
    expect(await runDurableObjectAlarm(rollcallObject(env, id))).toBe(true);
    await expect.poll(() => closeCode(b), { timeout: 3_000 }).toBe(4401);
  });

  it("closes the board of a person removed from the network (4401), with nothing changing", async () => {
    const { id, delegate } = await quietSetting();
    const b = await board(id, delegate.cookie);
    await env.DB.prepare("UPDATE people SET removed_at = ?2 WHERE id = ?1").bind(delegate.id, clock.now()).run();
    expect(await runDurableObjectAlarm(rollcallObject(env, id))).toBe(true);
    await expect.poll(() => closeCode(b), { timeout: 3_000 }).toBe(4401);
  });

  it("gives a board whose audience narrowed the new audience's board: fewer facilities, none of the other facility's mobiles", async () => {
    const a = await makeNetwork([{}]);
    const other = await makeNetwork([{}]);
    // One person runs both facilities; the network admin asks both.
    const both = await signedIn({ facilityId: a.facilityId, role: "admin" });
    await env.DB.prepare("INSERT INTO memberships (person_id, facility_id, role, created_at) VALUES (?1, ?2, 'admin', ?3)")
      .bind(both.id, other.facilityId, clock.now())
      .run();
    const networkAdmin = await signedIn({ globalRole: "network_admin" });
    const id = await openRollcall(networkAdmin.cookie, { scope: { facilityIds: [a.facilityId, other.facilityId] } });

    const b = await board(id, both.cookie);
    expect(b.last!.board.audience.facilityIds?.sort()).toEqual([a.facilityId, other.facilityId].sort());
    expect(b.last!.board.aggregates.nonResponders.items.map((p) => p.personId)).toContain(other.staff[0]!.id);
    expect(JSON.stringify(b.last!.board)).toContain(other.admin.mobile!);
    const seen = b.raw.length;

    await removeMembership(both.id, other.facilityId);
    expect(await runDurableObjectAlarm(rollcallObject(env, id))).toBe(true);
    const narrowed = await b.until((m) => m.board.audience.facilityIds?.length === 1, 3_000);
    expect(narrowed.board.audience).toEqual({ viewer: false, contacts: true, facilityIds: [a.facilityId] });
    expect(narrowed.board.phoneCheck!.map((f) => f.facilityId)).toEqual([a.facilityId]);
    const nonResponders = (m: ServerMessage) => m.board.aggregates.nonResponders.items.map((p) => p.personId);
    expect(nonResponders(narrowed)).toContain(a.staff[0]!.id);
    expect(nonResponders(narrowed)).not.toContain(other.staff[0]!.id);
    expect(rawAfter(b, seen)).not.toContain(other.admin.mobile!);
    expect(b.closed).toBeNull();

    // The next change goes out for the new audience too, and matches the JSON board.
    await recordReply(env, { rollcallId: id, personId: other.staff[0]!.id, answers: { safety: "safe" }, via: "link" });
    await recordReply(env, { rollcallId: id, personId: a.staff[0]!.id, answers: { safety: "safe" }, via: "link" });
    const update = await b.until((m) => m.type === "update" && m.board.aggregates.replied === 2, 3_000);
    expect(rawAfter(b, seen)).not.toContain(other.admin.mobile!);
    const json = (await (await api("GET", `/api/rollcalls/${id}/board`, { cookie: both.cookie })).json()) as ServerMessage["board"];
    expect(json.audience).toEqual(update.board.audience);
  });

  it("takes the contacts away from a board whose person lost the right to them (network admin made city viewer)", async () => {
    const { net, id } = await setting();
    const person = await signedIn({ globalRole: "network_admin" });
    const b = await board(id, person.cookie);
    expect(b.last!.board.phoneCheck).not.toBeNull();
    const seen = b.raw.length;

    await env.DB.prepare("UPDATE people SET global_role = 'viewer' WHERE id = ?1").bind(person.id).run();
    expect(await runDurableObjectAlarm(rollcallObject(env, id))).toBe(true);
    const now = await b.until((m) => m.board.audience.viewer, 3_000);
    expect(now.board.audience).toEqual({ viewer: true, contacts: false, facilityIds: null });
    expect(now.board.phoneCheck).toBeNull();
    const after = rawAfter(b, seen);
    for (const p of [net.admin, ...net.staff]) {
      expect(after).not.toContain(p.mobile!);
      expect(after).not.toContain(p.email!);
    }
    // An export by the same person now carries no contacts either.
    const csv = await (await api("GET", `/api/rollcalls/${id}/export.csv`, { cookie: person.cookie })).text();
    for (const p of net.staff) expect(csv).not.toContain(p.mobile!);
  });

  it("keeps re-checking while boards are open, and stops when the last one closes", async () => {
    // Closed: the schedule's own waves no longer hold the alarm, only the open board.
    const { id, net } = await quietSetting();
    const stub = rollcallObject(env, id);
    const b = await board(id, net.admin.cookie);
    const alarmAt = () => runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    const at = await alarmAt();
    expect(at).not.toBeNull();
    expect(at! - Date.now()).toBeLessThanOrEqual(RECHECK_EVERY_MS);
    b.close();
    await expect.poll(() => b.closed, { timeout: 3_000 }).not.toBeNull();
    await runDurableObjectAlarm(stub);
    expect(await alarmAt()).toBeNull();
  });
});
