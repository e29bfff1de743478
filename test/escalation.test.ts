import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { rollcallObject, type EscalationStatus, type RollCallObject } from "../worker/board/object";
import { clock } from "../worker/lib/clock";
import { recordReply } from "../worker/reply/service";
import { adminsWithoutMfa } from "./support/db";
import { makeNetwork, openRollcall, signedIn } from "./support/factories";
import { api } from "./support/http";

let networkAdmin: string;
beforeAll(async () => {
  await adminsWithoutMfa();
  networkAdmin = (await signedIn({ globalRole: "network_admin" })).cookie;
});

const MIN = 60_000;

/** Deliveries the queue consumer made for a wave: "person:channel[:digest]". */
async function wave(rollcallId: number, n: number): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT person_id, channel, idem_key FROM deliveries WHERE rollcall_id = ?1 AND wave = ?2 ORDER BY person_id, channel",
  )
    .bind(rollcallId, n)
    .all<{ person_id: number; channel: string; idem_key: string }>();
  return results.map((r) => `${r.person_id}:${r.channel}${r.idem_key.endsWith(":digest") ? ":digest" : ""}`);
}

/** Waits for the queue consumer to plan a wave (the queue delivers within about a second). */
async function planned(rollcallId: number, n: number, expected: string[]): Promise<void> {
  await vi.waitFor(async () => expect((await wave(rollcallId, n)).sort()).toEqual([...expected].sort()), { timeout: 15_000, interval: 200 });
}

const status = (id: number) => rollcallObject(env, id).status() as Promise<EscalationStatus | null>;

describe("escalation (one Durable Object per roll-call)", () => {
  it("runs the waves at their delays to non-responders only, then the facility-admin digest", async () => {
    const net = await makeNetwork([{ name: "早い 回答" }, { name: "遅い 未回答" }]);
    const [early, late] = net.staff;
    const admin = net.admin;
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const who = (p: { id: number }, ch: string) => `${p.id}:${ch}`;

    // Wave 1 at once: email (nobody has push), from the confirm.
    await planned(id, 1, [who(admin, "email"), who(early!, "email"), who(late!, "email")]);
    await recordReply(env, { rollcallId: id, personId: early!.id, answers: { safety: "safe" }, via: "link" });

    const stub = rollcallObject(env, id);
    let s = (await status(id))!;
    expect(s.waves.map((w) => [w.wave, w.at - s.startedAt, w.sentAt !== null])).toEqual([
      [1, 0, true],
      [2, 5 * MIN, false],
      [3, 10 * MIN, false],
      [4, 15 * MIN, false],
    ]);
    expect(s.replies).toBe(1); // the reply reached the object
    expect(await runInDurableObject(stub, (_o: RollCallObject, state) => state.storage.getAlarm())).toBe(s.startedAt + 5 * MIN);

    // An early alarm sends nothing that is not due.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await status(id))!.waves[1]!.sentAt).toBeNull();

    // 5 minutes: SMS to those who have not answered.
    clock.advance(5 * MIN);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await planned(id, 2, [who(admin, "sms"), who(late!, "sms")]);

    // The admin answers; at 15 minutes the email reminder (wave 3) and the digest (wave 4) both go.
    await recordReply(env, { rollcallId: id, personId: admin.id, answers: { safety: "safe" }, via: "link" });
    clock.advance(10 * MIN);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await planned(id, 3, [who(late!, "email")]);
    await planned(id, 4, [`${admin.id}:email:digest`]);
    s = (await status(id))!;
    expect(s.waves.every((w) => w.sentAt !== null)).toBe(true);
    expect(await runInDurableObject(stub, (_o: RollCallObject, state) => state.storage.getAlarm())).toBeNull();

    // The digest (sent to the sandbox outbox here) names who has not answered, and no one else.
    const digest = await vi.waitFor(
      async () => {
        const row = await env.DB.prepare("SELECT o.body FROM outbox o JOIN deliveries d ON d.id = o.delivery_id WHERE d.rollcall_id = ?1 AND d.wave = 4")
          .bind(id)
          .first<{ body: string }>();
        expect(row).not.toBeNull();
        return row!;
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(digest.body).toContain("遅い 未回答");
    expect(digest.body).not.toContain("早い 回答");
    expect(digest.body).toContain("【訓練】");
  });

  it("stops when the roll-call closes", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const stub = rollcallObject(env, id);
    expect((await api("POST", `/api/rollcalls/${id}/close`, { cookie: networkAdmin })).status).toBe(200);
    const s = (await status(id))!;
    expect(s.closedAt).not.toBeNull();
    expect(await runInDurableObject(stub, (_o: RollCallObject, state) => state.storage.getAlarm())).toBeNull();
    clock.advance(30 * MIN);
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    expect((await status(id))!.waves.slice(1).every((w) => w.sentAt === null)).toBe(true);
  });

  it("sends nothing more if the roll-call closed without telling the object", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    await env.DB.prepare("UPDATE rollcalls SET state = 'closed', closed_at = ?2 WHERE id = ?1").bind(id, clock.now()).run();
    clock.advance(20 * MIN);
    expect(await runDurableObjectAlarm(rollcallObject(env, id))).toBe(true);
    const s = (await status(id))!;
    expect(s.closedAt).not.toBeNull();
    expect(s.waves.slice(1).every((w) => w.sentAt === null)).toBe(true);
  });

  it("takes its waves and delays from the template", async () => {
    const copy = await api("POST", "/api/templates", { cookie: networkAdmin, body: { basedOn: "safety", name: "短い間隔" } });
    const t = (await copy.json()) as {
      id: number;
      body: { waves: { delayMinutes: number; channels: string[]; fallback: boolean; onlyUnreplied: boolean; audience: string }[] };
    };
    const body = structuredClone(t.body);
    body.waves = [body.waves[0]!, { delayMinutes: 2, channels: ["sms"], fallback: false, onlyUnreplied: true, audience: "recipients" }];
    expect((await api("PATCH", `/api/templates/${t.id}`, { cookie: networkAdmin, body: { body } })).status).toBe(200);
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] }, template: `db:${t.id}` });
    const s = (await status(id))!;
    expect(s.waves.map((w) => [w.wave, (w.at - s.startedAt) / MIN, w.channels])).toEqual([
      [1, 0, ["push", "email"]],
      [2, 2, ["sms"]],
    ]);
    clock.advance(2 * MIN);
    await runDurableObjectAlarm(rollcallObject(env, id));
    await planned(id, 2, [`${net.admin.id}:sms`, `${net.staff[0]!.id}:sms`]);
  });
});
