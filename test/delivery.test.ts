import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleDeadLetterBatch, handleDeliveryBatch } from "../worker/delivery/consumer";
import { PAGE_SIZE } from "../worker/delivery/plan";
import type { DeliveryMessage } from "../worker/delivery/types";
import { clock } from "../worker/lib/clock";
import { testEnv, twilioFake } from "./fakes/client";
import { addPushSubscription, deliveriesOf, delivery, makeRollcall, setRollcallState } from "./fakes/rollcall";
import { planMessage as plan } from "./support/delivery";
import { makeFacility, makePerson, type PersonSpec } from "./support/factories";

let msgSeq = 0;
/**
 * Runs the consumer on these messages (attempt count as the queue would give it) and
 * reports ack/retry per message. getQueueResult does not keep a retry's delay, so the
 * delay each message asked for is read off its retry() call.
 */
async function run(e: Env, bodies: DeliveryMessage[], attempts = 1) {
  const batch = createMessageBatch<DeliveryMessage>(
    "anpi-deliveries",
    bodies.map((body) => ({ id: `m${++msgSeq}`, timestamp: new Date(), attempts, body })),
  );
  const delays = new Map<string, number | undefined>();
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    m.retry = (opts?: QueueRetryOptions) => {
      delays.set(m.id, opts?.delaySeconds);
      retry(opts);
    };
  }
  const ctx = createExecutionContext();
  await handleDeliveryBatch(batch, e);
  const result = await getQueueResult(batch, ctx);
  return {
    ids: batch.messages.map((m) => m.id),
    explicitAcks: result.explicitAcks,
    retryMessages: result.retryMessages.map((r) => ({ msgId: r.msgId, delaySeconds: delays.get(r.msgId) })),
  };
}

const sendsIn = (bodies: DeliveryMessage[]) =>
  bodies
    .filter((b) => b.type === "send")
    .map((b) => (b as { deliveryId: number }).deliveryId)
    .sort((a, b) => a - b);

/** One person (`spec`) in a roll-call and its SMS wave planned, through a Twilio account of its own: answers the sends it queued. */
async function smsWave(spec: PersonSpec = {}) {
  const acct = await twilioFake.account();
  const p = await makePerson(spec);
  const rc = await makeRollcall({ people: [{ id: p.id }] });
  const e = testEnv(twilioFake.env(acct));
  await run(e, [plan(rc.id, { channels: ["sms"] })]);
  return { acct, rc, e, sends: e.queue.take() };
}

describe("planning a wave", () => {
  it("creates one delivery per person and channel (one per push device), falls back, and queues the sends", async () => {
    const f = await makeFacility();
    const both = await makePerson({ facilityId: f });
    const subA = await addPushSubscription(both.id, { endpoint: `https://push.example.net/a${both.id}`, keys: { p256dh: "x", auth: "y" } });
    const subB = await addPushSubscription(both.id, { endpoint: `https://push.example.net/b${both.id}`, keys: { p256dh: "x", auth: "y" } });
    const emailOnly = await makePerson({ facilityId: f, mobile: null });
    const smsOnly = await makePerson({ facilityId: f, email: null });
    const nothing = await makePerson({ facilityId: f, email: null, mobile: null });
    const rc = await makeRollcall({ people: [both, emailOnly, smsOnly, nothing].map((p) => ({ id: p.id, facilityId: f })) });

    const e = testEnv();
    const r = await run(e, [plan(rc.id)]);
    expect(r.explicitAcks).toEqual(r.ids);
    const rows = await deliveriesOf(rc.id);
    expect(rows.map((d) => d.idem_key).sort()).toEqual(
      [
        `${rc.id}:${both.id}:push:1:${subA}`,
        `${rc.id}:${both.id}:push:1:${subB}`,
        `${rc.id}:${both.id}:email:1`,
        `${rc.id}:${emailOnly.id}:email:1`,
        `${rc.id}:${smsOnly.id}:sms:1`, // fallback: no push, no email, but a mobile
      ].sort(),
    );
    expect(rows.every((d) => d.state === "queued")).toBe(true);
    expect(sendsIn(e.queue.take())).toEqual(rows.map((d) => d.id));
  });

  it("a redelivered plan creates nothing twice and requeues only what is still queued", async () => {
    const f = await makeFacility();
    const a = await makePerson({ facilityId: f });
    const b = await makePerson({ facilityId: f });
    const rc = await makeRollcall({ people: [a, b].map((p) => ({ id: p.id, facilityId: f })) });
    const e = testEnv();
    await run(e, [plan(rc.id, { channels: ["email"] })]);
    const first = await deliveriesOf(rc.id);
    expect(first).toHaveLength(2);
    e.queue.take();
    await env.DB.prepare("UPDATE deliveries SET state = 'delivered' WHERE id = ?1").bind(first[0]!.id).run();

    await run(e, [plan(rc.id, { channels: ["email"] }), plan(rc.id, { channels: ["email"] })]);
    const again = await deliveriesOf(rc.id);
    expect(again.map((d) => d.id)).toEqual(first.map((d) => d.id));
    expect(new Set(sendsIn(e.queue.take()))).toEqual(new Set([first[1]!.id]));
  });

  it(`pages through recipients ${PAGE_SIZE} at a time and queues the next page`, async () => {
    const now = clock.now();
    const { results } = await env.DB.prepare(
      `INSERT INTO people (name, lang, created_at, updated_at)
       SELECT '頁 ' || value, 'ja', ?1, ?1 FROM json_each(?2) RETURNING id`,
    )
      .bind(now, JSON.stringify(Array.from({ length: PAGE_SIZE + 1 }, (_, i) => i)))
      .all<{ id: number }>();
    const ids = results.map((r) => r.id).sort((x, y) => x - y);
    await env.DB.prepare(
      "INSERT INTO contacts (person_id, kind, value, created_at) SELECT value, 'email', 'page' || value || '@example.org', ?1 FROM json_each(?2)",
    )
      .bind(now, JSON.stringify(ids))
      .run();
    const rc = await makeRollcall({ people: ids.map((id) => ({ id })) });
    const e = testEnv();
    await run(e, [plan(rc.id, { channels: ["email"] })]);
    const queued = e.queue.take();
    expect(sendsIn(queued)).toHaveLength(PAGE_SIZE);
    const next = queued.filter((b) => b.type === "plan");
    expect(next).toEqual([plan(rc.id, { channels: ["email"], afterPersonId: ids[PAGE_SIZE - 1]! })]);

    await run(e, next);
    const rest = e.queue.take();
    expect(sendsIn(rest)).toHaveLength(1);
    expect(rest.filter((b) => b.type === "plan")).toEqual([]);
    expect(await deliveriesOf(rc.id)).toHaveLength(PAGE_SIZE + 1);
  });

  it("a wave to non-responders skips those who replied", async () => {
    const a = await makePerson();
    const b = await makePerson();
    const rc = await makeRollcall({ people: [{ id: a.id }, { id: b.id }] });
    await env.DB.prepare("UPDATE rollcall_recipients SET replied_at = ?3 WHERE rollcall_id = ?1 AND person_id = ?2").bind(rc.id, a.id, clock.now()).run();
    const e = testEnv();
    await run(e, [plan(rc.id, { wave: 2, channels: ["sms"], onlyUnreplied: true, fallback: false })]);
    expect((await deliveriesOf(rc.id)).map((d) => [d.person_id, d.channel, d.wave])).toEqual([[b.id, "sms", 2]]);
  });

  it("the digest goes to each admin and delegate of a facility with non-responders, once", async () => {
    const open = await makeFacility();
    const done = await makeFacility();
    const admin = await makePerson({ facilityId: open, role: "admin" });
    const delegate = await makePerson({ facilityId: open, role: "delegate" });
    const silent = await makePerson({ facilityId: open, name: "未回答 花子" });
    const otherAdmin = await makePerson({ facilityId: done, role: "admin" });
    const answered = await makePerson({ facilityId: done });
    const rc = await makeRollcall({
      people: [
        { id: silent.id, facilityId: open },
        { id: answered.id, facilityId: done },
      ],
    });
    await env.DB.prepare("UPDATE rollcall_recipients SET replied_at = 1 WHERE rollcall_id = ?1 AND person_id = ?2").bind(rc.id, answered.id).run();

    const e = testEnv();
    const digest = plan(rc.id, { wave: 4, channels: ["email"], audience: "facility_admins", fallback: true });
    await run(e, [digest, digest]);
    const rows = await deliveriesOf(rc.id);
    expect(rows.map((d) => [d.person_id, d.idem_key, d.audience]).sort()).toEqual(
      [
        [admin.id, `${rc.id}:${admin.id}:email:4:digest`, "facility_admins"],
        [delegate.id, `${rc.id}:${delegate.id}:email:4:digest`, "facility_admins"],
      ].sort(),
    );
    expect(rows.some((d) => d.person_id === otherAdmin.id)).toBe(false);

    // Sent through the sandbox: the digest names who has not answered.
    await run(e, e.queue.take());
    const box = await env.DB.prepare("SELECT body FROM outbox WHERE delivery_id = ?1").bind(rows[0]!.id).first<{ body: string }>();
    expect(box?.body).toContain("未回答 花子");
  });

  it("a closed roll-call plans nothing, and its queued sends are cancelled, not sent", async () => {
    const a = await makePerson();
    const rc = await makeRollcall({ people: [{ id: a.id }] });
    const e = testEnv();
    await run(e, [plan(rc.id, { channels: ["email"] })]);
    const [d] = await deliveriesOf(rc.id);
    await setRollcallState(rc.id, "closed");
    const r = await run(e, e.queue.take());
    expect(r.explicitAcks).toEqual(r.ids);
    expect((await delivery(d!.id)).state).toBe("cancelled");
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox WHERE delivery_id = ?1").bind(d!.id).first("n")).toBe(0);

    await run(e, [plan(rc.id, { wave: 2, channels: ["email"] })]);
    expect(await deliveriesOf(rc.id)).toHaveLength(1);
    expect(e.queue.take()).toEqual([]);
  });
});

describe("sending", () => {
  it("delivers to the sandbox outbox when no provider is set, and marks the address as working", async () => {
    const p = await makePerson({ name: "砂場 一郎" });
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    const e = testEnv();
    await run(e, [plan(rc.id, { channels: ["email", "sms"] })]);
    const r = await run(e, e.queue.take());
    expect(r.explicitAcks).toEqual(r.ids);
    expect(r.retryMessages).toEqual([]);
    const rows = await deliveriesOf(rc.id);
    expect(rows.map((d) => d.state)).toEqual(["delivered", "delivered"]);
    const { results: box } = await env.DB.prepare("SELECT channel, recipient, subject, body, reply_url FROM outbox WHERE rollcall_id = ?1 ORDER BY id")
      .bind(rc.id)
      .all<Record<string, string>>();
    expect(box).toHaveLength(2);
    for (const o of box) {
      expect(o.reply_url).toMatch(/^https:\/\/anpi\.example\.org\/r\/[A-Za-z0-9_-]{32}$/);
      expect(o.body).toContain(o.reply_url);
      expect(o.recipient).toContain("砂場 一郎");
      // The outbox shows a masked address, never the full one.
      expect(o.recipient).not.toContain(p.email!);
      expect(o.recipient).not.toContain(p.mobile!);
    }
    const ok = await env.DB.prepare("SELECT COUNT(*) AS n FROM contacts WHERE person_id = ?1 AND last_ok_at IS NOT NULL").bind(p.id).first("n");
    expect(ok).toBe(2);
  });

  it("the same send delivered twice (in one batch and later) reaches the provider once", async () => {
    const { acct, rc, e, sends } = await smsWave();
    expect(sends).toHaveLength(1);
    const r1 = await run(e, [sends[0]!, sends[0]!]);
    const r2 = await run(e, [sends[0]!], 2);
    expect(r1.explicitAcks).toEqual(r1.ids);
    expect(r2.explicitAcks).toEqual(r2.ids);
    expect(await twilioFake.stats(acct)).toEqual({ requests: 1, accepted: 1 });
    const [d] = await deliveriesOf(rc.id);
    expect(d!.state).toBe("sent");
    expect(d!.provider_id).toMatch(/^SM[0-9a-f]{32}$/);
    expect(d!.attempts).toBe(1);
  });

  it("retries a transient failure with exponential backoff, then sends", async () => {
    const { acct, rc, e, sends } = await smsWave();
    const [send] = sends;
    await twilioFake.mode(acct, { failRate: 1, failStatus: 503 });

    const first = await run(e, [send!], 1);
    expect(first.retryMessages).toEqual([{ msgId: first.ids[0], delaySeconds: 10 }]);
    expect(first.explicitAcks).toEqual([]);
    const [d] = await deliveriesOf(rc.id);
    expect(d!.state).toBe("queued");
    expect(d!.error).toBe("sms: 503");

    const fourth = await run(e, [send!], 4);
    expect(fourth.retryMessages).toEqual([{ msgId: fourth.ids[0], delaySeconds: 80 }]);
    const late = await run(e, [send!], 9);
    expect(late.retryMessages).toEqual([{ msgId: late.ids[0], delaySeconds: 600 }]);

    await twilioFake.mode(acct, { failRate: 0 });
    const ok = await run(e, [send!], 5);
    expect(ok.explicitAcks).toEqual(ok.ids);
    expect((await delivery(d!.id)).state).toBe("sent");
    expect(await twilioFake.stats(acct)).toEqual({ requests: 4, accepted: 1 });
  });

  it("a 429 is retried after the provider's Retry-After", async () => {
    const { acct, e, sends } = await smsWave();
    const [send] = sends;
    await twilioFake.mode(acct, { retryAfter: 37, times: 1 });
    const r = await run(e, [send!], 1);
    expect(r.retryMessages).toEqual([{ msgId: r.ids[0], delaySeconds: 37 }]);
    const ok = await run(e, [send!], 2);
    expect(ok.explicitAcks).toEqual(ok.ids);
    expect(await twilioFake.stats(acct)).toEqual({ requests: 2, accepted: 1 });
  });

  it("a permanent failure is acked and the delivery marked failed, without retries", async () => {
    const { rc, e, sends } = await smsWave({ mobile: "+0123456789" }); // not a number Twilio takes
    const r = await run(e, sends);
    expect(r.explicitAcks).toEqual(r.ids);
    expect(r.retryMessages).toEqual([]);
    const [d] = await deliveriesOf(rc.id);
    expect(d!.state).toBe("failed");
    expect(d!.error).toBe("sms: 400 (21211)");
  });

  it("waits for another sender's lease, and takes over a crashed sender's delivery once its lease ran out", async () => {
    const { acct, rc, e, sends } = await smsWave();
    const [send] = sends;
    const [d] = await deliveriesOf(rc.id);
    await env.DB.prepare("UPDATE deliveries SET state = 'sending', lease_until = ?2 WHERE id = ?1")
      .bind(d!.id, clock.now() + 30_000)
      .run();
    const held = await run(e, [send!]);
    expect(held.retryMessages).toHaveLength(1);
    expect(held.retryMessages[0]!.delaySeconds).toBeGreaterThanOrEqual(30);
    expect(held.retryMessages[0]!.delaySeconds).toBeLessThanOrEqual(32);
    expect(await twilioFake.stats(acct)).toEqual({ requests: 0, accepted: 0 });

    clock.advance(31_000);
    const taken = await run(e, [send!], 2);
    expect(taken.explicitAcks).toEqual(taken.ids);
    expect((await delivery(d!.id)).state).toBe("sent");
    expect(await twilioFake.stats(acct)).toEqual({ requests: 1, accepted: 1 });
  });

  it("paces SMS per sender: a slot more than a second away goes back on the queue with its delay", async () => {
    const acct = await twilioFake.account();
    const people = [await makePerson(), await makePerson(), await makePerson()];
    const rc = await makeRollcall({ people: people.map((p) => ({ id: p.id })) });
    // A sender of its own, so other tests' SMS do not share its slots. The Japanese SMS takes two
    // segments (sender, title, then the link), paced per segment: 2 segments/s is one message a second.
    const e = testEnv(twilioFake.env(acct, { SMS_RATE_PER_SECOND: "2", TWILIO_FROM: `+1500555${String(rc.id).padStart(4, "0").slice(-4)}` }));
    await run(e, [plan(rc.id, { channels: ["sms"] })]);
    const sends = e.queue.take();
    expect(sends).toHaveLength(3);

    const r = await run(e, sends);
    expect(r.explicitAcks).toEqual(r.ids);
    const deferred = e.queue.sent;
    expect(deferred).toHaveLength(1);
    expect(deferred[0]!.delaySeconds).toBeGreaterThanOrEqual(1);
    expect(deferred[0]!.delaySeconds).toBeLessThanOrEqual(3);
    const msgs = await twilioFake.messages(acct);
    expect(msgs).toHaveLength(2);
    expect(msgs[1]!.at - msgs[0]!.at).toBeGreaterThanOrEqual(900);

    const waiting = (await deliveriesOf(rc.id)).find((d) => d.state === "queued")!;
    expect(waiting.send_at).not.toBeNull();
    clock.advance(3_000);
    const later = await run(e, e.queue.take(), 1);
    expect(later.explicitAcks).toEqual(later.ids);
    expect((await delivery(waiting.id)).state).toBe("sent");
    expect(await twilioFake.stats(acct)).toEqual({ requests: 3, accepted: 3 });
  });
});

describe("dead letters", () => {
  it("a send that ran out of retries shows as a failed delivery; finished ones stay as they are", async () => {
    const a = await makePerson();
    const b = await makePerson();
    const rc = await makeRollcall({ people: [{ id: a.id }, { id: b.id }] });
    const e = testEnv();
    await run(e, [plan(rc.id, { channels: ["email"] })]);
    const [da, db] = await deliveriesOf(rc.id);
    await env.DB.prepare("UPDATE deliveries SET state = 'delivered' WHERE id = ?1").bind(db!.id).run();
    const batch = createMessageBatch<DeliveryMessage>("anpi-deliveries-dlq", [
      { id: "dl1", timestamp: new Date(), attempts: 1, body: { type: "send", deliveryId: da!.id } },
      { id: "dl2", timestamp: new Date(), attempts: 1, body: { type: "send", deliveryId: db!.id } },
      { id: "dl3", timestamp: new Date(), attempts: 1, body: plan(rc.id) },
    ]);
    const ctx = createExecutionContext();
    await handleDeadLetterBatch(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.ackAll).toBe(true);
    expect(await delivery(da!.id)).toMatchObject({ state: "failed", error: "dead-letter" });
    expect((await delivery(db!.id)).state).toBe("delivered");
  });
});

describe("the real queue", () => {
  it("a plan message on DELIVERY_QUEUE ends in the outbox", async () => {
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    await env.DELIVERY_QUEUE.send(plan(rc.id, { channels: ["email"] }));
    let rows: { state: string }[] = [];
    for (let i = 0; i < 100 && !(rows.length === 1 && rows[0]!.state === "delivered"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await deliveriesOf(rc.id);
    }
    expect(rows.map((d) => d.state)).toEqual(["delivered"]);
  });
});

describe("malformed messages", () => {
  it("are acked and dropped, not retried into the dead-letter queue", async () => {
    const e = testEnv();
    const bad = [{ type: "send", deliveryId: "1" }, { type: "plan", rollcallId: 1 }, { hello: "world" }] as unknown as DeliveryMessage[];
    const r = await run(e, bad);
    expect(r.explicitAcks).toEqual(r.ids);
    expect(e.queue.take()).toEqual([]);
  });
});
