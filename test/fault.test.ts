/**
 * Fault tests: providers that fail, stall or throttle while a roll-call runs, and a
 * queue that redelivers, reorders and keeps delivering after the close. The real SDKs
 * talk to the protocol-faithful fakes; what counts is what the fakes received.
 */
import { env } from "cloudflare:test";
import twilio from "twilio";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../worker/app";
import type { Channel, DeliveryMessage } from "../worker/delivery/types";
import { createExecutionContext } from "cloudflare:test";
import { pushFake, smtpFake, testEnv, twilioFake, type TwilioAccount } from "./fakes/client";
import { addPushSubscription, deliveriesOf, makeRollcall, setRollcallState, type DeliveryRow } from "./fakes/rollcall";
import { adminsWithoutMfa, replyPath } from "./support/db";
import { makeFacility, makePerson, signedIn } from "./support/factories";
import { api, ORIGIN, postForm } from "./support/http";
import { QueueSim } from "./support/queue-sim";

let networkAdmin: string;
beforeAll(async () => {
  await adminsWithoutMfa();
  networkAdmin = (await signedIn({ globalRole: "network_admin" })).cookie;
});

const plan = (rollcallId: number, over: Partial<Extract<DeliveryMessage, { type: "plan" }>> = {}): DeliveryMessage => ({
  type: "plan",
  rollcallId,
  wave: 1,
  channels: ["push", "sms", "email"] as Channel[],
  onlyUnreplied: false,
  fallback: true,
  audience: "recipients",
  afterPersonId: 0,
  ...over,
});

/** A seeded pseudo-random source, so a failing run can be repeated. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface World {
  facility: number;
  twilio: TwilioAccount;
  pushTenant: string;
  mailDomain: string;
  /** A second mail domain whose server refuses every message with a transient 451. */
  deadDomain: string;
  people: { id: number; mobile: string; email: string; pushSub: string; subRow: number }[];
  e: ReturnType<typeof testEnv>;
}

async function world(n: number, deadEvery = 0): Promise<World> {
  const [acct, pushTenant, mailDomain, deadDomain] = await Promise.all([twilioFake.account(), pushFake.tenant(), smtpFake.domain(), smtpFake.domain()]);
  const facility = await makeFacility();
  const people: World["people"] = [];
  for (let i = 0; i < n; i++) {
    const dead = deadEvery > 0 && i % deadEvery === 0;
    const p = await makePerson({ facilityId: facility, password: null, email: `p${i}.${Date.now().toString(36)}@${dead ? deadDomain : mailDomain}` });
    const sub = await pushFake.subscribe(pushTenant);
    const subRow = await addPushSubscription(p.id, sub);
    people.push({ id: p.id, mobile: p.mobile!, email: p.email!, pushSub: sub.id, subRow });
  }
  await smtpFake.mode(deadDomain, { failRate: 1, failStatus: 451 });
  const e = testEnv({ ...twilioFake.env(acct), ...pushFake.env(), ...smtpFake.env() });
  return { facility, twilio: acct, pushTenant, mailDomain, deadDomain, people, e };
}

/** What the fakes accepted, per person and channel. */
async function receipts(w: World): Promise<Map<string, number>> {
  const [sms, push, mail, deadMail] = await Promise.all([
    twilioFake.messages(w.twilio),
    pushFake.received(w.pushTenant),
    smtpFake.received(w.mailDomain),
    smtpFake.received(w.deadDomain),
  ]);
  const count = new Map<string, number>();
  const add = (k: string) => count.set(k, (count.get(k) ?? 0) + 1);
  const byMobile = new Map(w.people.map((p) => [p.mobile, p.id]));
  const bySub = new Map(w.people.map((p) => [p.pushSub, p.id]));
  const byEmail = new Map(w.people.map((p) => [p.email, p.id]));
  for (const m of sms) add(`${byMobile.get(m.to)}:sms`);
  for (const m of push) add(`${bySub.get(m.subscriptionId)}:push`);
  for (const m of [...mail, ...deadMail]) for (const to of m.to) add(`${byEmail.get(to)}:email`);
  return count;
}

/** Per person and channel, how many deliveries ended accepted by the provider. */
function acceptedDeliveries(rows: DeliveryRow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of rows)
    if (d.state === "sent" || d.state === "delivered") out.set(`${d.person_id}:${d.channel}`, (out.get(`${d.person_id}:${d.channel}`) ?? 0) + 1);
  return out;
}

async function aggregates(id: number) {
  const res = await api("GET", `/api/rollcalls/${id}`, { cookie: networkAdmin });
  expect(res.status).toBe(200);
  return (await res.json()) as { aggregates: { replied: number; delivery: Record<string, Record<string, number>> } };
}

describe("providers failing while a roll-call runs", () => {
  it("30 % failures, stalls and 429s: every wave reaches each reachable person once, dead letters show as failed, no reply is lost", async () => {
    const w = await world(24, 6);
    const rand = rng(20260901);
    // Twilio: 429 with Retry-After on the first 8 requests, then 30 % failures. Push: 30 % 503 and
    // a stalled service (250 ms a request). Mail: 30 % transient 451, and one domain that always refuses.
    await Promise.all([
      twilioFake.mode(w.twilio, { retryAfter: 2, times: 8 }),
      pushFake.mode(w.pushTenant, { failRate: 0.3, failStatus: 503, stallMs: 250 }),
      smtpFake.mode(w.mailDomain, { failRate: 0.3, failStatus: 451 }),
    ]);
    const rc = await makeRollcall({ people: w.people.map((p) => ({ id: p.id, facilityId: w.facility })) });
    const q = new QueueSim(w.e, { rng: rand });
    q.push(plan(rc.id));

    // Replies arrive while the fan-out runs: one person every other batch, some of them twice (a changed answer).
    const accepted: { personId: number; safety: string }[] = [];
    const replyNext = async (batch: number) => {
      if (batch === 1) await twilioFake.mode(w.twilio, { retryAfter: null, times: null, failRate: 0.3, failStatus: 500 });
      const p = w.people[Math.floor(batch / 2) % w.people.length]!;
      if (batch % 2 || accepted.length >= 16) return;
      const safety = ["safe", "minor", "severe"][batch % 3]!;
      const res = await postForm(await replyPath(rc.id, p.id), { safety, availability: "yes", confirm: "1" });
      expect(res.status).toBe(200);
      accepted.push({ personId: p.id, safety });
    };
    await q.drain(replyNext);

    // Wave 2: SMS to non-responders, through the same failing Twilio.
    q.push(plan(rc.id, { wave: 2, channels: ["sms"], onlyUnreplied: true, fallback: false }));
    await q.drain();

    const rows = await deliveriesOf(rc.id);
    const repliedIds = new Set(accepted.map((a) => a.personId));
    // Every reachable person has one delivery per channel in wave 1, and wave 2 went to non-responders only.
    expect(rows.filter((d) => d.wave === 1)).toHaveLength(w.people.length * 3);
    expect(new Set(rows.filter((d) => d.wave === 2).map((d) => d.person_id))).toEqual(new Set(w.people.filter((p) => !repliedIds.has(p.id)).map((p) => p.id)));
    // Nothing left in flight.
    expect(rows.filter((d) => d.state === "queued" || d.state === "sending")).toEqual([]);

    // Exactly once: what the fakes received per person and channel equals the deliveries that ended sent.
    const got = await receipts(w);
    expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...acceptedDeliveries(rows)].sort()));
    // And every delivery that is not dead-lettered got through (the retries covered the 30 %).
    // (A delivery that met the 30 % seven times in a row is dead-lettered too: p = 0.3^7 each.)
    const failed = rows.filter((d) => d.state === "failed");
    const deadPeople = w.people.filter((p) => p.email.endsWith(w.deadDomain)).map((p) => p.id);
    for (const d of failed) expect(d.error).toBe("dead-letter");
    for (const id of deadPeople) expect(failed.some((d) => d.person_id === id && d.channel === "email" && d.wave === 1)).toBe(true);
    expect(q.deadLettered).toHaveLength(failed.length);
    expect(failed.length).toBeLessThan(deadPeople.length + 3);
    expect(q.retries).toBeGreaterThan(10);

    // Failed deliveries show on the roll-call, and every accepted reply is counted.
    const agg = (await aggregates(rc.id)).aggregates;
    for (const c of ["push", "sms", "email"]) expect(agg.delivery[c]!.failed).toBe(failed.filter((d) => d.channel === c).length);
    expect(agg.replied).toBe(repliedIds.size);
    const { results } = await env.DB.prepare("SELECT person_id, answers FROM replies WHERE rollcall_id = ?1 ORDER BY id")
      .bind(rc.id)
      .all<{ person_id: number; answers: string }>();
    expect(results.map((r) => [r.person_id, (JSON.parse(r.answers) as { safety: string }).safety])).toEqual(accepted.map((a) => [a.personId, a.safety]));
  });

  it("the same send delivered three times, across batches: one provider request each", async () => {
    const w = await world(3);
    const rc = await makeRollcall({ people: w.people.map((p) => ({ id: p.id, facilityId: w.facility })) });
    const q = new QueueSim(w.e);
    q.push(plan(rc.id, { channels: ["sms"] }));
    await q.step(); // the plan; its sends are waiting in the recording queue
    const sends = w.e.queue.sent.splice(0);
    expect(sends).toHaveLength(3);
    q.pending = [0, 1, 2].flatMap((n) => sends.map((s) => ({ body: s.body, attempts: 1 + n, delaySeconds: n })));
    await q.drain();
    const rows = await deliveriesOf(rc.id);
    expect(rows.map((d) => [d.state, d.attempts])).toEqual([
      ["sent", 1],
      ["sent", 1],
      ["sent", 1],
    ]);
    expect(await twilioFake.stats(w.twilio)).toEqual({ requests: 3, accepted: 3 });
  });
});

describe("a queue that redelivers, reorders and outlives the close", () => {
  it("duplicated and shuffled plan and send messages send each delivery once", async () => {
    const w = await world(12);
    const rc = await makeRollcall({ people: w.people.map((p) => ({ id: p.id, facilityId: w.facility })) });
    const q = new QueueSim(w.e, { shuffle: true, duplicateRate: 0.5, rng: rng(7) });
    // The plan twice, wave 2 before wave 1 has run, wave 1 again at the end.
    q.push(plan(rc.id));
    q.push(plan(rc.id, { wave: 2, channels: ["email"], onlyUnreplied: true, fallback: false }));
    q.push(plan(rc.id));
    await q.drain();
    q.push(plan(rc.id));
    await q.drain();
    const rows = await deliveriesOf(rc.id);
    expect(rows).toHaveLength(w.people.length * 4);
    expect(new Set(rows.map((d) => d.idem_key)).size).toBe(rows.length);
    expect(rows.every((d) => d.state === "sent")).toBe(true);
    const got = await receipts(w);
    expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...acceptedDeliveries(rows)].sort()));
    for (const p of w.people) expect([got.get(`${p.id}:sms`), got.get(`${p.id}:push`), got.get(`${p.id}:email`)]).toEqual([1, 1, 2]);
    expect(rows.every((d) => d.attempts === 1)).toBe(true);
  });

  it("after the close: queued sends are cancelled, sent ones stay sent, late plans create nothing, replies are refused", async () => {
    const w = await world(6);
    const rc = await makeRollcall({ people: w.people.map((p) => ({ id: p.id, facilityId: w.facility })) });
    const q = new QueueSim(w.e);
    q.push(plan(rc.id, { channels: ["email"] }));
    await q.step(); // planned, sends pending
    const sends = [...q.pending, ...w.e.queue.sent.map((s) => ({ body: s.body, attempts: 1, delaySeconds: 0 }))];
    // Half of the sends go out before the close.
    q.pending = [];
    w.e.queue.sent = [];
    q.pending = sends.slice(0, 3);
    await q.drain();
    const reply = await postForm(await replyPath(rc.id, w.people[0]!.id), { safety: "safe", confirm: "1" });
    expect(reply.status).toBe(200);
    const before = await deliveriesOf(rc.id);

    await setRollcallState(rc.id, "closed");
    // Every send again (the early ones redelivered too), a late plan of wave 1 and of wave 2, a dead letter of a sent one.
    q.pending = [...sends, ...sends].map((s) => ({ ...s, attempts: 2 }));
    q.push(plan(rc.id, { channels: ["email"] }));
    q.push(plan(rc.id, { wave: 2, channels: ["sms"] }));
    await q.drain();
    const sentBefore = before.filter((d) => d.state === "sent").map((d) => d.id);
    expect(sentBefore).toHaveLength(3);
    const after = await deliveriesOf(rc.id);
    expect(after).toHaveLength(before.length);
    for (const d of after) expect(d.state).toBe(sentBefore.includes(d.id) ? "sent" : "cancelled");
    expect(await smtpFake.stats(w.mailDomain)).toEqual({ requests: 3, accepted: 3 });
    expect(await twilioFake.stats(w.twilio)).toEqual({ requests: 0, accepted: 0 });

    // A reply after the close is refused and the recorded one stays.
    const late = await postForm(await replyPath(rc.id, w.people[1]!.id), { safety: "severe", confirm: "1" });
    expect(late.status).toBe(409);
    const { results } = await env.DB.prepare("SELECT person_id FROM replies WHERE rollcall_id = ?1").bind(rc.id).all<{ person_id: number }>();
    expect(results.map((r) => r.person_id)).toEqual([w.people[0]!.id]);
  });

  it("status callbacks out of order never move a delivery back", async () => {
    const w = await world(1);
    const rc = await makeRollcall({ people: w.people.map((p) => ({ id: p.id, facilityId: w.facility })) });
    const q = new QueueSim(w.e);
    q.push(plan(rc.id, { channels: ["sms"] }));
    await q.drain();
    const [d] = await deliveriesOf(rc.id);
    expect(d!.state).toBe("sent");
    const url = `${ORIGIN}/webhooks/twilio/status`;
    const callback = async (status: string) => {
      const cb = await twilioFake.callback(w.twilio, d!.provider_id!, status, { url });
      expect(twilio.validateRequest(w.twilio.token, cb.signature, url, cb.params)).toBe(true);
      const res = await app.fetch(
        new Request(url, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": cb.signature },
          body: new URLSearchParams(cb.params),
        }),
        w.e,
        createExecutionContext(),
      );
      expect(res.status).toBe(200);
      return (await deliveriesOf(rc.id))[0]!.state;
    };
    expect(await callback("delivered")).toBe("delivered");
    expect(await callback("sent")).toBe("delivered");
    expect(await callback("undelivered")).toBe("delivered");
    expect(await callback("queued")).toBe("delivered");
    // A redelivered send message after the callbacks: still delivered, nothing sent again.
    q.pending = [{ body: { type: "send", deliveryId: d!.id }, attempts: 3, delaySeconds: 0 }];
    await q.drain();
    expect((await deliveriesOf(rc.id))[0]!.state).toBe("delivered");
    expect(await twilioFake.stats(w.twilio)).toEqual({ requests: 1, accepted: 1 });
  });
});
