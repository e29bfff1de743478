import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { rollcallObject } from "../worker/board/object";
import { recordReply } from "../worker/reply/service";
import { boardOpener, refusedUpgrade, type ServerMessage } from "./support/board-socket";
import { makeFacility, makeNetwork, type Network, openRollcall, signedIn, signInReaders, type TestPerson } from "./support/factories";
import { api } from "./support/http";

let networkAdmin: string;
let viewer: string;
const board = boardOpener();

beforeAll(async () => {
  const readers = await signInReaders();
  networkAdmin = readers.networkAdmin.cookie;
  viewer = readers.viewer.cookie;
});

const isSnapshot = (m: ServerMessage) => m.type === "snapshot";
const repliedIs = (n: number) => (m: ServerMessage) => m.board.aggregates.replied === n;

/** A facility with an admin and two staff, and a drill to it, confirmed by the network admin. */
async function drill(): Promise<{ net: Network; id: number }> {
  const net = await makeNetwork([{ name: "看護 花子" }, { name: "薬剤 一郎" }]);
  const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
  return { net, id };
}

const contactsOf = (people: TestPerson[]) => people.flatMap((p) => [p.email, p.mobile]).filter((v): v is string => !!v);

describe("live board over WebSocket", () => {
  it("sends a snapshot of the aggregates on connect, then an update within a second of a reply", async () => {
    const { net, id } = await drill();
    const b = await board(id, networkAdmin);
    const snap = await b.until(isSnapshot);
    expect(snap.board.rollcall).toMatchObject({ id, state: "open", drill: true });
    expect(snap.board.aggregates).toMatchObject({ recipients: 3, replied: 0 });
    expect(snap.board.aggregates.nonResponders.items.map((p) => p.personId).sort()).toEqual([net.admin.id, ...net.staff.map((p) => p.id)].sort());
    expect(snap.board.timeline).toMatchObject({ recipients: 3, replies: [0], cumulative: [0] });
    expect(snap.board.audience).toEqual({ viewer: false, contacts: true, facilityIds: null });

    const sent = Date.now();
    await recordReply(env, { rollcallId: id, personId: net.staff[0]!.id, answers: { safety: "safe", availability: "yes" }, via: "link" });
    const update = await b.until(repliedIs(1), 1_000);
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect(update.type).toBe("update");
    expect(update.seq).toBeGreaterThan(snap.seq);
    if (update.type === "update") expect(update.reasons).toContain("reply");
    expect(update.board.aggregates.byAnswer.safety.safe).toBe(1);
    expect(update.board.aggregates.byAnswer.availability.yes).toBe(1);
    expect(update.board.timeline.cumulative.at(-1)).toBe(1);
    expect(update.board.aggregates.nonResponders.items.map((p) => p.personId)).not.toContain(net.staff[0]!.id);
  });

  it("reaches every open board, and coalesces a burst of replies into few updates", async () => {
    const many = await makeNetwork(Array.from({ length: 8 }, () => ({})));
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [many.facilityId] } });
    const boards = [await board(id, networkAdmin), await board(id, viewer), await board(id, many.admin.cookie)];
    for (const b of boards) await b.until(isSnapshot);
    const before = boards.map((b) => b.messages.filter((m) => m.type === "update" && m.reasons.includes("reply")).length);
    await Promise.all(many.staff.map((p) => recordReply(env, { rollcallId: id, personId: p.id, answers: { safety: "minor" }, via: "link" })));
    for (const [i, b] of boards.entries()) {
      const last = await b.until(repliedIs(8), 2_000);
      expect(last.board.aggregates.byAnswer.safety.minor).toBe(8);
      const replyUpdates = b.messages.filter((m) => m.type === "update" && m.reasons.includes("reply")).length - before[i]!;
      expect(replyUpdates).toBeGreaterThanOrEqual(1);
      expect(replyUpdates).toBeLessThan(8);
    }
  });

  it("shows delivery progress per channel while the fan-out runs", async () => {
    const { id } = await drill();
    const b = await board(id, networkAdmin);
    // The queue consumer sends wave 1 (email here: nobody has push) to the sandbox outbox.
    const done = await b.until((m) => m.board.progress.email.sent + m.board.progress.email.delivered === 3, 15_000);
    expect(done.board.progress.email).toMatchObject({ queued: 0, sending: 0, failed: 0, cancelled: 0 });
    expect(b.messages.some((m) => m.type === "update" && m.reasons.includes("delivery"))).toBe(true);
  });

  it("gives admins the facility admins' mobiles for a phone check, and the city viewer no phone number or email at all", async () => {
    const { net, id } = await drill();
    const admin = await board(id, networkAdmin);
    const view = await board(id, viewer);
    const a = await admin.until(isSnapshot);
    const v = await view.until(isSnapshot);
    expect(a.board.phoneCheck).toEqual([
      expect.objectContaining({
        facilityId: net.facilityId,
        unreplied: 3,
        admins: [expect.objectContaining({ personId: net.admin.id, role: "admin", mobile: net.admin.mobile })],
      }),
    ]);
    expect(v.board.phoneCheck).toBeNull();
    expect(v.board.audience).toEqual({ viewer: true, contacts: false, facilityIds: null });

    await recordReply(env, {
      rollcallId: id,
      personId: net.staff[1]!.id,
      answers: { safety: "severe", availability: "no" },
      comment: "連絡は 090-1234-5678 まで",
      via: "link",
    });
    await view.until(repliedIs(1));
    await admin.until(repliedIs(1));
    const everything = view.raw.join("\n");
    for (const c of contactsOf([net.admin, ...net.staff])) expect(everything).not.toContain(c);
    expect(everything).not.toMatch(/@example\.org/);
    expect(everything).not.toMatch(/\+81\d{9,10}/);
    // The admin's board does carry them, so the check above means something.
    expect(admin.raw.join("\n")).toContain(net.admin.mobile!);
  });

  it("limits a facility admin's board to their facilities' non-responders and phone checks", async () => {
    const a = await makeNetwork([{ name: "甲 スタッフ" }]);
    const b = await makeNetwork([{ name: "乙 スタッフ" }]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [a.facilityId, b.facilityId] } });
    const mine = await board(id, a.admin.cookie);
    const snap = await mine.until(isSnapshot);
    expect(snap.board.audience).toEqual({ viewer: false, contacts: true, facilityIds: [a.facilityId] });
    expect(snap.board.aggregates.recipients).toBe(4);
    expect(snap.board.aggregates.nonResponders.items.every((p) => p.facilityId === a.facilityId)).toBe(true);
    expect(snap.board.phoneCheck!.map((p) => p.facilityId)).toEqual([a.facilityId]);
    expect(mine.raw.join("\n")).not.toContain(b.admin.mobile!);
  });

  it("answers a refresh with a fresh snapshot to that board only; pings get pong without a snapshot", async () => {
    const { id } = await drill();
    const one = await board(id, networkAdmin);
    const two = await board(id, networkAdmin);
    await one.until(isSnapshot);
    await two.until(isSnapshot);
    const twoBefore = two.messages.filter(isSnapshot).length;
    one.ws.send("ping");
    await expect.poll(() => one.raw.includes("pong")).toBe(true);
    one.ws.send(JSON.stringify({ type: "refresh" }));
    await expect.poll(() => one.messages.filter(isSnapshot).length).toBe(2);
    expect(two.messages.filter(isSnapshot).length).toBe(twoBefore);
  });

  it("refuses unauthorised upgrades: anonymous 401, staff 403, another facility's admin 403, cross-site 403, not a WebSocket 426", async () => {
    const { net, id } = await drill();
    const other = await makeFacility();
    const otherAdmin = await signedIn({ facilityId: other, role: "admin" });
    const staff = await signedIn({ facilityId: net.facilityId, role: "staff" });
    const facilityOwned = await openRollcall(net.admin.cookie, { scope: { facilityIds: [net.facilityId] } });

    expect(await refusedUpgrade(id)).toEqual({ status: 401, code: "unauthorized" });
    expect(await refusedUpgrade(id, staff.cookie)).toEqual({ status: 403, code: "role_forbidden" });
    expect(await refusedUpgrade(facilityOwned, otherAdmin.cookie)).toEqual({ status: 403, code: "forbidden" });
    expect(await refusedUpgrade(id, networkAdmin, { origin: "https://evil.example.net" })).toEqual({ status: 403, code: "forbidden" });
    expect(await refusedUpgrade(999_999, networkAdmin)).toEqual({ status: 404, code: "not_found" });
    const plain = await api("GET", `/api/rollcalls/${id}/live`, { cookie: networkAdmin });
    expect(plain.status).toBe(426);
    // The same origin is fine.
    const ok = await board(id, networkAdmin, { origin: "https://anpi.example.org" });
    await ok.until(isSnapshot);
  });

  it("closes a board whose session ended (4401) at the next change", async () => {
    const { net, id } = await drill();
    const someone = await signedIn({ globalRole: "network_admin" });
    const b = await board(id, someone.cookie);
    await b.until(isSnapshot);
    expect((await api("DELETE", "/api/session", { cookie: someone.cookie })).status).toBeLessThan(300);
    await recordReply(env, { rollcallId: id, personId: net.staff[0]!.id, answers: { safety: "safe" }, via: "link" });
    await expect.poll(() => b.closed?.code, { timeout: 3_000 }).toBe(4401);
    expect(b.messages.some(repliedIs(1))).toBe(false);
  });

  it("closes a board asking for a refresh once its session ended", async () => {
    const { id } = await drill();
    const someone = await signedIn({ globalRole: "viewer" });
    const b = await board(id, someone.cookie);
    await b.until(isSnapshot);
    await env.DB.prepare("UPDATE sessions SET revoked_at = ?2 WHERE person_id = ?1").bind(someone.id, Date.now()).run();
    b.ws.send(JSON.stringify({ type: "refresh" }));
    await expect.poll(() => b.closed?.code, { timeout: 3_000 }).toBe(4401);
    expect(b.messages.filter(isSnapshot)).toHaveLength(1);
  });

  it("survives hibernation: after the object is evicted, a reply still reaches the sockets, the viewer's still without contacts", async () => {
    const { net, id } = await drill();
    const admin = await board(id, networkAdmin);
    const view = await board(id, viewer);
    const a0 = await admin.until(isSnapshot);
    await view.until(isSnapshot);
    // Let the fan-out's updates settle, then evict with the sockets hibernated.
    await admin.until((m) => m.board.progress.email.sent + m.board.progress.email.delivered === 3, 15_000);
    const stub = rollcallObject(env, id);
    type Marked = { marker?: string };
    await runInDurableObject(stub, (o) => {
      (o as unknown as Marked).marker = "before";
    });
    await evictDurableObject(stub, { webSockets: "hibernate" });
    // A new instance: nothing in memory survived, only storage and the sockets' attachments.
    expect(await runInDurableObject(stub, (o) => (o as unknown as Marked).marker)).toBeUndefined();

    await recordReply(env, { rollcallId: id, personId: net.staff[0]!.id, answers: { safety: "safe" }, via: "link" });
    const a1 = await admin.until(repliedIs(1), 2_000);
    const v1 = await view.until(repliedIs(1), 2_000);
    expect(a1.seq).toBeGreaterThan(a0.seq); // the sequence lives in storage
    expect(a1.board.phoneCheck).not.toBeNull();
    expect(v1.board.phoneCheck).toBeNull();
    expect(v1.board.audience.viewer).toBe(true);
    expect(view.raw.join("\n")).not.toContain(net.admin.mobile!);
  });

  it("tells open boards when the roll-call closes", async () => {
    const { id } = await drill();
    const b = await board(id, viewer);
    await b.until(isSnapshot);
    expect((await api("POST", `/api/rollcalls/${id}/close`, { cookie: networkAdmin })).status).toBe(200);
    const closed = await b.until((m) => m.board.rollcall.state === "closed");
    expect(closed.type === "update" && closed.reasons).toContain("state");
  });
});

describe("GET /api/rollcalls/{id}/board (the polling fallback)", () => {
  it("is in the OpenAPI document with the board's schema", async () => {
    const doc = (await (await api("GET", "/api/openapi.json")).json()) as {
      paths: Record<string, Record<string, { "x-access"?: unknown }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.paths["/api/rollcalls/{id}/live"]!.get!["x-access"]).toEqual(["network_admin", "facility_admin", "delegate", "viewer"]);
    expect(doc.paths["/api/rollcalls/{id}/board"]).toBeDefined();
    expect(doc.paths["/api/rollcalls/{id}/resend"]!.post).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["Board", "BoardTimeline", "BoardFacility", "BoardPerson", "Readiness"]));
  });

  it("answers the same board as the socket's snapshot, without contacts for the viewer", async () => {
    const { net, id } = await drill();
    const res = await api("GET", `/api/rollcalls/${id}/board`, { cookie: networkAdmin });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ServerMessage["board"];
    expect(body.aggregates.recipients).toBe(3);
    expect(body.phoneCheck![0]!.admins[0]!.mobile).toBe(net.admin.mobile);
    const v = await api("GET", `/api/rollcalls/${id}/board`, { cookie: viewer });
    const text = await v.text();
    expect(JSON.parse(text)).toMatchObject({ phoneCheck: null, audience: { viewer: true } });
    for (const c of contactsOf([net.admin, ...net.staff])) expect(text).not.toContain(c);
  });

  it("records an admin's reading of contacts in the audit log, at most once an hour per roll-call", async () => {
    const { id } = await drill();
    const admin = await signedIn({ globalRole: "network_admin" });
    for (let i = 0; i < 3; i++) expect((await api("GET", `/api/rollcalls/${id}/board`, { cookie: admin.cookie })).status).toBe(200);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE actor_id = ?1 AND action = 'board.contacts_read' AND object_id = ?2")
      .bind(admin.id, String(id))
      .first<{ n: number }>();
    expect(n!.n).toBe(1);
  });

  it("is 404 for a draft (never sent)", async () => {
    const net = await makeNetwork([{}]);
    const d = await api("POST", "/api/rollcalls", {
      cookie: networkAdmin,
      body: { title: "下書き", template: "safety", drill: true, scope: { facilityIds: [net.facilityId] } },
    });
    const { rollcall } = (await d.json()) as { rollcall: { id: number } };
    expect((await api("GET", `/api/rollcalls/${rollcall.id}/board`, { cookie: networkAdmin })).status).toBe(404);
  });
});
