import { loadSettings } from "../worker/system/settings";
/**
 * The sends of one consumer invocation are one batch (worker/delivery/send.ts): one
 * read, one claim, a few writes, the message compiled once per roll-call, language and
 * channel. What a person receives is what renderFor renders for them alone, and the
 * D1 statements stay a small fraction of the deliveries (the outcomes are written every
 * 24 accepted sends, so a sender that dies mid-batch leaves few sent but unrecorded).
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleDeliveryBatch } from "../worker/delivery/consumer";
import type { Channel, DeliveryMessage } from "../worker/delivery/types";
import { countStatements } from "../worker/lib/d1-count";
import { getRollcall } from "../worker/rollcall/data";
import { recipientRenderer, renderFor } from "../worker/rollcall/render";
import { LANGS } from "../worker/templates/schemas";
import { pushFake, smtpFake, testEnv, twilioFake } from "./fakes/client";
import { addPushSubscription, deliveriesOf, makeRollcall } from "./fakes/rollcall";
import { planMessage } from "./support/delivery";
import { makeFacility, makePerson } from "./support/factories";

let seq = 0;
async function run(e: Env, bodies: DeliveryMessage[]) {
  const batch = createMessageBatch<DeliveryMessage>(
    "anpi-deliveries",
    bodies.map((body) => ({ id: `b${++seq}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await handleDeliveryBatch(batch, e);
  return getQueueResult(batch, ctx);
}

describe("a batch of sends", () => {
  it("renders for each person what renderFor renders for them alone, in every language and channel", async () => {
    const f = await makeFacility();
    const people = [];
    for (const lang of LANGS) people.push(await makePerson({ facilityId: f, lang, name: `名前 <${lang}> {title}` }));
    const loner = await makePerson({ lang: "en" }); // no facility at all
    const rc = await makeRollcall({ people: [...people.map((p) => ({ id: p.id, facilityId: f })), { id: loner.id }], title: "題 {person} & <b>" });
    const row = (await getRollcall(env.DB, rc.id))!;
    const render = recipientRenderer(env, row, (await loadSettings(env)).networkName);
    const names = new Map<number, string | null>();
    const { results } = await env.DB.prepare("SELECT f.name FROM facilities f WHERE f.id = ?1").bind(f).all<{ name: string }>();
    for (const p of people) names.set(p.id, results[0]!.name);
    names.set(loner.id, null);
    for (const p of [...people, loner]) {
      const person = (await env.DB.prepare("SELECT name, lang FROM people WHERE id = ?1").bind(p.id).first<{ name: string; lang: string }>())!;
      for (const channel of ["push", "sms", "email"] as Channel[]) {
        const alone = await renderFor(env, rc.id, p.id, channel, 1, "recipients");
        const batched = await render({ personId: p.id, name: person.name, lang: person.lang, facility: names.get(p.id)! }, channel);
        expect(batched).toEqual(alone);
      }
    }
    // And through the consumer (the sandbox outbox keeps what was sent): the facility is read as addressee() reads it.
    const e = testEnv();
    await run(e, [planMessage(rc.id, { channels: ["sms", "email"], fallback: false })]);
    await run(e, e.queue.take());
    const outbox = await env.DB.prepare("SELECT person_id, channel, subject, body, reply_url FROM outbox WHERE rollcall_id = ?1")
      .bind(rc.id)
      .all<{ person_id: number; channel: Channel; subject: string; body: string; reply_url: string }>();
    expect(outbox.results).toHaveLength(2 * (people.length + 1));
    for (const o of outbox.results) {
      const alone = await renderFor(env, rc.id, o.person_id, o.channel, 1, "recipients");
      expect([o.subject, o.body, o.reply_url]).toEqual([alone.subject ?? "", alone.text, alone.replyUrl]);
    }
  });

  it("sends a page on every channel with a dozen D1 statements, each delivery once", async () => {
    const [acct, tenant, domain] = await Promise.all([twilioFake.account(), pushFake.tenant(), smtpFake.domain()]);
    const f = await makeFacility();
    const people = [];
    for (let i = 0; i < 30; i++) {
      const p = await makePerson({ facilityId: f, password: null, email: `b${i}.${Date.now().toString(36)}@${domain}` });
      await addPushSubscription(p.id, await pushFake.subscribe(tenant));
      people.push(p);
    }
    const rc = await makeRollcall({ people: people.map((p) => ({ id: p.id, facilityId: f })) });
    const e = testEnv({ ...twilioFake.env(acct), ...pushFake.env(), ...smtpFake.env() });
    const counter = countStatements(env.DB);
    const counted = { ...e, DB: counter.db };
    await run(counted, [planMessage(rc.id, { channels: ["push", "sms", "email"], fallback: false })]);
    const sends = e.queue.take();
    expect(sends).toHaveLength(90);
    const planned = counter.count();
    const r = await run(counted, sends);
    expect(r.retryMessages).toEqual([]);
    const rows = await deliveriesOf(rc.id);
    expect(rows.every((x) => x.state === "sent" || x.state === "delivered")).toBe(true);
    expect(rows.every((x) => x.attempts === 1)).toBe(true);
    expect(await twilioFake.stats(acct)).toEqual({ requests: 30, accepted: 30 });
    expect(await smtpFake.stats(domain)).toEqual({ requests: 30, accepted: 30 });
    expect(await pushFake.received(tenant)).toHaveLength(30);
    // The plan page and the sends of 90 deliveries: well under 0.3 statements a delivery.
    const sent = counter.count() - planned;
    console.log(`D1 statements: plan ${planned}, sends ${sent}, for 90 deliveries`);
    expect(sent).toBeLessThanOrEqual(12);
    expect(counter.count() / 90).toBeLessThan(0.3);
  });
});
