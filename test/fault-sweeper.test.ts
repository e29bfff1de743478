/**
 * The delivery sweeper (worker/delivery/sweeper.ts, run by the cron): queue messages
 * lost to a restart (local Queues live in memory) or a crash are found in D1 and
 * queued again, without ever sending twice. The process test (test/process/restart.mjs)
 * shows the same with a real `wrangler dev` killed mid fan-out.
 */
import { createScheduledController, createExecutionContext, env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../worker/delivery/plan";
import { MAX_ATTEMPTS, sweepDeliveries } from "../worker/delivery/sweeper";
import type { DeliveryMessage } from "../worker/delivery/types";
import { clock } from "../worker/lib/clock";
import { handleCron } from "../worker/triggers/cron";
import * as triggers from "../worker/triggers/data";
import { DEFAULT_RULES } from "../worker/triggers/schemas";
import { smtpFake, testEnv, twilioFake } from "./fakes/client";
import { deliveriesOf, delivery, makeRollcall, setRollcallState } from "./fakes/rollcall";
import { makePerson } from "./support/factories";
import { QueueSim } from "./support/queue-sim";

const MIN = 60_000;
// The cron also polls the JMA feed: switched off here, so nothing leaves the machine.
beforeAll(async () => {
  const admin = await makePerson({ globalRole: "network_admin", password: null });
  await triggers.rulesWrite(env.DB, { ...DEFAULT_RULES, enabled: false }, admin.id, clock.now()).run();
});
const mine: number[] = [];
// Storage is shared by the tests of this file: close each roll-call after its test, so later sweeps leave it alone.
afterEach(async () => {
  for (const id of mine.splice(0)) await setRollcallState(id, "closed");
});

async function rollcall(n: number, emailDomain: string) {
  const people = [];
  for (let i = 0; i < n; i++) people.push(await makePerson({ email: `s${i}.${Date.now().toString(36)}@${emailDomain}`, password: null }));
  const rc = await makeRollcall({ people: people.map((p) => ({ id: p.id })) });
  mine.push(rc.id);
  return { rc, people };
}

const plan1 = (rollcallId: number): Extract<DeliveryMessage, { type: "plan" }> => ({
  type: "plan",
  rollcallId,
  wave: 1,
  channels: ["email"],
  onlyUnreplied: false,
  fallback: false,
  audience: "recipients",
  afterPersonId: 0,
});
const sendsFor = (msgs: { body: DeliveryMessage }[], ids: number[]) =>
  msgs.filter((m) => m.body.type === "send" && ids.includes(m.body.deliveryId)).map((m) => (m.body as { deliveryId: number }).deliveryId);

describe("the delivery sweeper", () => {
  it("queues again the sends a restart lost, once they are overdue, and they go out once", async () => {
    const domain = await smtpFake.domain();
    const e = testEnv(smtpFake.env());
    const { rc } = await rollcall(4, domain);
    const q = new QueueSim(e);
    q.push(plan1(rc.id));
    await q.step();
    e.queue.sent = []; // the restart: the four send messages are gone
    const ids = (await deliveriesOf(rc.id)).map((d) => d.id);
    expect(ids).toHaveLength(4);

    await sweepDeliveries(e);
    expect(sendsFor(e.queue.sent, ids)).toEqual([]); // not overdue yet: the queue may still bring them
    clock.advance(3 * MIN);
    await sweepDeliveries(e);
    expect(sendsFor(e.queue.sent, ids).sort()).toEqual(ids);
    await q.drain();
    expect((await deliveriesOf(rc.id)).map((d) => d.state)).toEqual(["sent", "sent", "sent", "sent"]);
    expect(await smtpFake.stats(domain)).toEqual({ requests: 4, accepted: 4 });
    // Done: the next sweeps find nothing, however late.
    clock.advance(60 * MIN);
    await sweepDeliveries(e);
    expect(sendsFor(e.queue.sent, ids)).toEqual([]);
  });

  it("a crashed sender's delivery comes back when its lease has run out, not before; the claim stops a double send", async () => {
    const acct = await twilioFake.account();
    const e = testEnv(twilioFake.env(acct));
    const p = await makePerson({ password: null });
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    mine.push(rc.id);
    const q = new QueueSim(e);
    q.push({ ...plan1(rc.id), channels: ["sms"] });
    await q.step();
    e.queue.sent = [];
    const [d] = await deliveriesOf(rc.id);
    await env.DB.prepare("UPDATE deliveries SET state = 'sending', attempts = 1, lease_until = ?2 WHERE id = ?1")
      .bind(d!.id, clock.now() + 60_000)
      .run();
    clock.advance(30_000);
    await sweepDeliveries(e);
    expect(sendsFor(e.queue.sent, [d!.id])).toEqual([]);
    clock.advance(31_000);
    await sweepDeliveries(e);
    await sweepDeliveries(e); // twice: still one send (the claim)
    expect(sendsFor(e.queue.sent, [d!.id])).toEqual([d!.id, d!.id]);
    await q.drain();
    expect(await delivery(d!.id)).toMatchObject({ state: "sent", attempts: 2 });
    expect(await twilioFake.stats(acct)).toEqual({ requests: 1, accepted: 1 });
  });

  it("respects the backoff of a retried delivery, and fails one that has used its retries as a dead letter", async () => {
    const domain = await smtpFake.domain();
    const e = testEnv(smtpFake.env());
    const { rc } = await rollcall(2, domain);
    const q = new QueueSim(e);
    q.push(plan1(rc.id));
    await q.step();
    e.queue.sent = [];
    const [retried, spent] = await deliveriesOf(rc.id);
    const now = clock.now();
    await env.DB.batch([
      env.DB.prepare("UPDATE deliveries SET attempts = 3, error = 'email: 451', updated_at = ?2 WHERE id = ?1").bind(retried!.id, now),
      env.DB.prepare("UPDATE deliveries SET attempts = ?3, error = 'email: 451', updated_at = ?2 WHERE id = ?1").bind(spent!.id, now, MAX_ATTEMPTS),
    ]);
    clock.advance(9 * MIN); // inside the longest backoff (10 min)
    await sweepDeliveries(e);
    expect(sendsFor(e.queue.sent, [retried!.id, spent!.id])).toEqual([]);
    clock.advance(4 * MIN);
    await sweepDeliveries(e);
    expect(sendsFor(e.queue.sent, [retried!.id, spent!.id])).toEqual([retried!.id]);
    expect(await delivery(spent!.id)).toMatchObject({ state: "failed", error: "dead-letter" });
  });

  it("plans the rest of a wave whose next plan page was lost, and only once the wave is overdue", async () => {
    const e = testEnv(); // the sandbox outbox: 230 sends, fast
    const now = clock.now();
    const { results } = await env.DB.prepare(
      `INSERT INTO people (name, lang, created_at, updated_at) SELECT '掃除 ' || value, 'ja', ?1, ?1 FROM json_each(?2) RETURNING id`,
    )
      .bind(now, JSON.stringify(Array.from({ length: PAGE_SIZE + 30 }, (_, i) => i)))
      .all<{ id: number }>();
    const ids = results.map((r) => r.id).sort((a, b) => a - b);
    await env.DB.prepare(
      `INSERT INTO contacts (person_id, kind, value, created_at) SELECT value, 'email', 'sw' || value || '@example.org', ?1 FROM json_each(?2)`,
    )
      .bind(now, JSON.stringify(ids))
      .run();
    const rc = await makeRollcall({ people: ids.map((id) => ({ id })) });
    mine.push(rc.id);
    const q = new QueueSim(e);
    q.push(plan1(rc.id));
    await q.step(); // page 1 planned; its sends and the page-2 plan message are in the queue
    e.queue.sent = []; // all lost
    expect(await deliveriesOf(rc.id)).toHaveLength(PAGE_SIZE);

    await sweepDeliveries(e);
    expect(e.queue.sent.filter((m) => m.body.type === "plan" && m.body.rollcallId === rc.id)).toEqual([]);
    clock.advance(3 * MIN);
    // Through the cron, as it runs every minute.
    await handleCron(createScheduledController({ scheduledTime: clock.now(), cron: "* * * * *" }), e, createExecutionContext());
    const plans = e.queue.sent.filter((m) => m.body.type === "plan" && m.body.rollcallId === rc.id).map((m) => m.body);
    expect(plans).toEqual([{ ...plan1(rc.id), channels: ["push", "email"], fallback: true, afterPersonId: ids[PAGE_SIZE - 1] }]);
    await q.drain();
    const rows = await deliveriesOf(rc.id);
    expect(rows).toHaveLength(PAGE_SIZE + 30);
    expect(rows.every((d) => d.state === "delivered")).toBe(true);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox WHERE rollcall_id = ?1").bind(rc.id).first("n")).toBe(PAGE_SIZE + 30);
    // Planned to the end: later sweeps plan nothing more for wave 1 (wave 2, SMS to non-responders, falls due at 5 min).
    await sweepDeliveries(e);
    expect(e.queue.sent.filter((m) => m.body.type === "plan" && m.body.rollcallId === rc.id)).toEqual([]);
  });

  it("queues a due wave that the escalation never sent, and nothing for a closed roll-call", async () => {
    const domain = await smtpFake.domain();
    const e = testEnv(smtpFake.env());
    const { rc, people } = await rollcall(2, domain);
    const q = new QueueSim(e);
    q.push({ ...plan1(rc.id), channels: ["push", "email"], fallback: true });
    await q.drain();
    const wave2 = (msgs: { body: DeliveryMessage }[]) => msgs.filter((m) => m.body.type === "plan" && m.body.rollcallId === rc.id && m.body.wave === 2);
    clock.advance(6 * MIN); // wave 2 due at 5 min, grace 2 min
    await sweepDeliveries(e);
    expect(wave2(e.queue.sent)).toEqual([]);
    clock.advance(2 * MIN);
    await sweepDeliveries(e);
    expect(wave2(e.queue.sent).map((m) => m.body)).toEqual([
      { type: "plan", rollcallId: rc.id, wave: 2, channels: ["sms"], onlyUnreplied: true, fallback: false, audience: "recipients", afterPersonId: 0 },
    ]);
    e.queue.sent = [];

    await setRollcallState(rc.id, "closed");
    await env.DB.prepare("UPDATE deliveries SET state = 'queued', updated_at = 0 WHERE rollcall_id = ?1").bind(rc.id).run();
    clock.advance(60 * MIN);
    await sweepDeliveries(e);
    expect(e.queue.sent.filter((m) => m.body.type === "plan" && m.body.rollcallId === rc.id)).toEqual([]);
    const ids = (await deliveriesOf(rc.id)).map((d) => d.id);
    expect(ids).toHaveLength(people.length * 1);
    expect(sendsFor(e.queue.sent, ids)).toEqual([]);
  });
});
