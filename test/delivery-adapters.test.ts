import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { emailAdapter, emailProvider } from "../worker/delivery/channels/email";
import { pushAdapter, pushProvider } from "../worker/delivery/channels/push";
import type { ProviderState } from "../worker/delivery/channels/settings";
import { smsAdapter, smsProvider } from "../worker/delivery/channels/sms";
import { handleDeliveryBatch } from "../worker/delivery/consumer";
import type { DeliveryMessage, OutgoingMessage } from "../worker/delivery/types";
import { allProviders, pushFake, smtpFake, testEnv, TWILIO_FROM, twilioFake, VAPID } from "./fakes/client";
import { addPushSubscription, deliveriesOf, makeRollcall } from "./fakes/rollcall";
import { planMessage } from "./support/delivery";
import { makeFacility, makePerson } from "./support/factories";

const ready = <S>(st: ProviderState<S>): S => {
  if (st.kind !== "ready") throw new Error(`provider not ready: ${JSON.stringify(st)}`);
  return st.settings;
};
const withEnv = (over: Partial<Env>) => ({ ...env, ...over }) as Env;

async function drain(e: Env & { queue: { take(): DeliveryMessage[] } }, first: DeliveryMessage[]) {
  let pending = first;
  for (let round = 0; pending.length && round < 10; round++) {
    const batch = createMessageBatch<DeliveryMessage>(
      "anpi-deliveries",
      pending.map((body, i) => ({ id: `r${round}-${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await handleDeliveryBatch(batch, e);
    const r = await getQueueResult(batch, ctx);
    expect(r.retryMessages).toEqual([]);
    pending = e.queue.take();
  }
}

const pushMsg = (to: OutgoingMessage["to"], push: NonNullable<OutgoingMessage["push"]>): OutgoingMessage => ({
  channel: "push",
  to,
  text: `${push.title}\n${push.body}`,
  push,
  replyUrl: push.url,
});

describe("Web Push through the push service fake", () => {
  it("the payload the service decrypts (RFC 8291) is what was sent, with Urgency high, a TTL and a valid VAPID JWT", async () => {
    const tenant = await pushFake.tenant();
    const sub = await pushFake.subscribe(tenant);
    const adapter = pushAdapter(ready(pushProvider(withEnv(pushFake.env()))));
    const push = {
      title: "【訓練】安否確認",
      body: "無事かどうか回答してください",
      url: "https://anpi.example.org/r/abcdefghijklmnopqrstuvwxyz012345",
      tag: "rollcall-1",
      actions: [{ action: "open", title: "回答" }],
    };
    const r = await adapter.send(pushMsg(sub, push));
    expect(r).toMatchObject({ ok: true, state: "sent" });
    const [got] = await pushFake.received(tenant);
    expect(JSON.parse(got!.payload)).toEqual(push);
    expect(got!.urgency).toBe("high");
    expect(got!.ttl).toBe(21_600);
    expect(got!.topic).toBe("rollcall-1");
    expect(got!.vapid.publicKey).toBe(VAPID.publicKey);
    expect(got!.vapid.aud).toBe(env.FAKE_PUSH_URL);
    expect(got!.vapid.sub).toBe("mailto:anpi-admin@example.org");
  });

  it("refuses, before any request, a payload carrying a phone number or email, or over 3,000 bytes", async () => {
    const tenant = await pushFake.tenant();
    const sub = await pushFake.subscribe(tenant);
    const adapter = pushAdapter(ready(pushProvider(withEnv(pushFake.env()))));
    const base = { title: "安否確認", body: "", url: "https://anpi.example.org/r/x", tag: "t" };
    for (const body of ["連絡先 090-1234-5678", "taro@example.org まで", "+819012345678", "x".repeat(3_000)]) {
      const r = await adapter.send(pushMsg(sub, { ...base, body }));
      expect(r).toMatchObject({ ok: false, retryable: false });
    }
    expect(await pushFake.stats(tenant)).toEqual({ requests: 0, accepted: 0 });
  });

  it("410 means gone, 429 retries after Retry-After, 5xx retries, a stall times out as retryable", async () => {
    const tenant = await pushFake.tenant();
    const sub = await pushFake.subscribe(tenant);
    const adapter = pushAdapter(ready(pushProvider(withEnv(pushFake.env()))), { timeoutMs: 300 });
    const msg = pushMsg(sub, { title: "t", body: "b", url: "https://anpi.example.org/r/x", tag: "t" });
    await pushFake.mode(tenant, { retryAfter: 5, times: 1 });
    expect(await adapter.send(msg)).toEqual({ ok: false, error: "push: 429", retryable: true, retryAfterMs: 5_000 });
    await pushFake.mode(tenant, { retryAfter: null, failRate: 1, failStatus: 502, times: 1 });
    expect(await adapter.send(msg)).toMatchObject({ ok: false, retryable: true, error: "push: 502" });
    await pushFake.mode(tenant, { stallMs: 1_000 });
    expect(await adapter.send(msg)).toEqual({ ok: false, error: "push: timeout", retryable: true });
    await pushFake.mode(tenant, { stallMs: 0 });
    await pushFake.gone(tenant, sub.id);
    expect(await adapter.send(msg)).toMatchObject({ ok: false, retryable: false, gone: true });
  });

  it("end to end: the consumer pushes each device the rendered roll-call, and a gone device is deactivated", async () => {
    const tenant = await pushFake.tenant();
    const [s1, s2] = [await pushFake.subscribe(tenant), await pushFake.subscribe(tenant)];
    const p = await makePerson({ name: "押田 花子" });
    const id1 = await addPushSubscription(p.id, s1);
    const id2 = await addPushSubscription(p.id, s2);
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    const e = testEnv(pushFake.env());
    await drain(e, [planMessage(rc.id, { channels: ["push"], fallback: false })]);

    const got = await pushFake.received(tenant);
    expect(got.map((g) => g.subscriptionId).sort()).toEqual([s1.id, s2.id].sort());
    for (const g of got) {
      const payload = JSON.parse(g.payload) as { title: string; body: string; url: string };
      expect(payload.title + payload.body).toContain("【訓練】");
      expect(payload.url).toMatch(/^https:\/\/anpi\.example\.org\/r\/[A-Za-z0-9_-]{32}$/);
      expect(g.payload).not.toContain(p.email!);
      expect(g.payload).not.toContain(p.mobile!);
      expect(g.payload).not.toContain(p.mobile!.slice(3));
    }
    expect((await deliveriesOf(rc.id)).map((d) => d.state)).toEqual(["sent", "sent"]);
    const ok = await env.DB.prepare("SELECT COUNT(*) AS n FROM push_subscriptions WHERE person_id = ?1 AND last_ok_at IS NOT NULL").bind(p.id).first("n");
    expect(ok).toBe(2);

    await pushFake.gone(tenant, s2.id);
    await drain(e, [planMessage(rc.id, { channels: ["push"], fallback: false, wave: 2 })]);
    const wave2 = (await deliveriesOf(rc.id)).filter((d) => d.wave === 2);
    expect(wave2.map((d) => [d.address_id, d.state]).sort()).toEqual(
      [
        [id1, "sent"],
        [id2, "failed"],
      ].sort(),
    );
    const revoked = await env.DB.prepare("SELECT id FROM push_subscriptions WHERE person_id = ?1 AND revoked_at IS NOT NULL").bind(p.id).all<{ id: number }>();
    expect(revoked.results.map((r) => r.id)).toEqual([id2]);
  });
});

describe("SMS through the Twilio REST fake", () => {
  it("sends with Basic auth and Twilio's form fields, and gets the message sid", async () => {
    const acct = await twilioFake.account();
    const adapter = smsAdapter(ready(smsProvider(withEnv(twilioFake.env(acct)))));
    const r = await adapter.send({
      channel: "sms",
      to: "+819012345678",
      text: "【訓練】安否確認 https://anpi.example.org/r/x",
      replyUrl: "https://anpi.example.org/r/x",
      statusCallbackUrl: "https://anpi.example.org/webhooks/twilio/status",
    });
    expect(r).toMatchObject({ ok: true, state: "sent" });
    const [m] = await twilioFake.messages(acct);
    expect(r.ok && r.providerId).toBe(m!.sid);
    expect(m).toMatchObject({
      to: "+819012345678",
      from: TWILIO_FROM,
      body: "【訓練】安否確認 https://anpi.example.org/r/x",
      statusCallback: "https://anpi.example.org/webhooks/twilio/status",
    });
  });

  it("wrong credentials and refused numbers are permanent; 5xx and stalls are retryable", async () => {
    const acct = await twilioFake.account();
    const msg: OutgoingMessage = { channel: "sms", to: "+819012345678", text: "t", replyUrl: "x" };
    const wrong = smsAdapter(ready(smsProvider(withEnv(twilioFake.env(acct, { TWILIO_AUTH_TOKEN: "0".repeat(32) })))));
    expect(await wrong.send(msg)).toEqual({ ok: false, error: "sms: 401 (20003)", retryable: false });
    const adapter = smsAdapter(ready(smsProvider(withEnv(twilioFake.env(acct)))), { timeoutMs: 300 });
    expect(await adapter.send({ ...msg, to: "090" })).toEqual({ ok: false, error: "sms: 400 (21211)", retryable: false });
    await twilioFake.mode(acct, { failRate: 1, failStatus: 500, times: 1 });
    expect(await adapter.send(msg)).toMatchObject({ ok: false, retryable: true, error: "sms: 500" });
    await twilioFake.mode(acct, { stallMs: 1_000 });
    expect(await adapter.send(msg)).toMatchObject({ ok: false, retryable: true });
    await twilioFake.mode(acct, { stallMs: 0 });
  });

  it("end to end: the consumer texts the rendered roll-call with the reply link and the status callback URL", async () => {
    const acct = await twilioFake.account();
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    const e = testEnv(twilioFake.env(acct));
    await drain(e, [planMessage(rc.id, { channels: ["sms"], fallback: false })]);
    const [m] = await twilioFake.messages(acct);
    expect(m!.to).toBe(p.mobile);
    expect(m!.body).toContain("【訓練】");
    expect(m!.body).toMatch(/https:\/\/anpi\.example\.org\/r\/[A-Za-z0-9_-]{32}/);
    expect(m!.statusCallback).toBe("https://anpi.example.org/webhooks/twilio/status");
    const [d] = await deliveriesOf(rc.id);
    expect(d).toMatchObject({ state: "sent", provider_id: m!.sid });
  });
});

describe("email through the SMTP fake", () => {
  it("sends text and HTML with the subject over SMTP with AUTH", async () => {
    const domain = await smtpFake.domain();
    const adapter = emailAdapter(ready(emailProvider(withEnv(smtpFake.env()))));
    const r = await adapter.send({
      channel: "email",
      to: `taro@${domain}`,
      subject: "【訓練】安否確認",
      text: "回答: https://anpi.example.org/r/x",
      html: '<p>回答: <a href="https://anpi.example.org/r/x">link</a></p>',
      replyUrl: "https://anpi.example.org/r/x",
    });
    expect(r).toMatchObject({ ok: true, state: "sent" });
    const [mail] = await smtpFake.received(domain);
    expect(mail).toMatchObject({ to: [`taro@${domain}`], subject: "【訓練】安否確認", text: "回答: https://anpi.example.org/r/x" });
    expect(mail!.html).toContain('<a href="https://anpi.example.org/r/x">');
    expect(mail!.from).toContain("anpi@example.org");
  });

  it("a 5xx reply or a wrong password is permanent; a 4xx reply and a stall are retryable", async () => {
    const domain = await smtpFake.domain();
    const msg: OutgoingMessage = { channel: "email", to: `hanako@${domain}`, subject: "s", text: "t", replyUrl: "x" };
    const wrong = emailAdapter(ready(emailProvider(withEnv(smtpFake.env({ SMTP_URL: `smtp://anpi:wrong@127.0.0.1:${env.FAKE_SMTP_PORT}` })))));
    expect(await wrong.send(msg)).toEqual({ ok: false, error: "email: SMTP authentication failed", retryable: false });
    const adapter = emailAdapter(ready(emailProvider(withEnv(smtpFake.env()))), { timeoutMs: 500 });
    await smtpFake.mode(domain, { failRate: 1, failStatus: 550, times: 1 });
    expect(await adapter.send(msg)).toEqual({ ok: false, error: "email: 550", retryable: false });
    await smtpFake.mode(domain, { failRate: 1, failStatus: 451, times: 1 });
    expect(await adapter.send(msg)).toEqual({ ok: false, error: "email: 451", retryable: true });
    await smtpFake.mode(domain, { stallMs: 2_000 });
    expect(await adapter.send(msg)).toMatchObject({ ok: false, retryable: true });
    await smtpFake.mode(domain, { stallMs: 0 });
    expect(await smtpFake.received(domain)).toEqual([]);
  });

  it("end to end: every channel of a person through the consumer, all providers configured", async () => {
    const all = await allProviders();
    const f = await makeFacility({ name: `全経路クリニック${Date.now()}` });
    const p = await makePerson({ facilityId: f, email: `all@${all.mailDomain}` });
    const sub = await pushFake.subscribe(all.pushTenant);
    await addPushSubscription(p.id, sub);
    const rc = await makeRollcall({ people: [{ id: p.id, facilityId: f }] });
    const e = testEnv(all.env);
    await drain(e, [planMessage(rc.id, { channels: ["push", "sms", "email"], fallback: false })]);
    const [mail] = await smtpFake.received(all.mailDomain);
    expect(mail!.subject).toContain("【訓練】");
    expect(mail!.text).toMatch(/https:\/\/anpi\.example\.org\/r\/[A-Za-z0-9_-]{32}/);
    expect(await twilioFake.messages(all.twilio)).toHaveLength(1);
    expect(await pushFake.received(all.pushTenant)).toHaveLength(1);
    expect((await deliveriesOf(rc.id)).map((d) => [d.channel, d.state]).sort()).toEqual([
      ["email", "sent"],
      ["push", "sent"],
      ["sms", "sent"],
    ]);
    // With real providers nothing goes to the sandbox.
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox WHERE rollcall_id = ?1").bind(rc.id).first("n")).toBe(0);
  });
});

describe("provider settings", () => {
  it("partly set or malformed secrets fail the deliveries naming the secret; production never falls back to the sandbox", async () => {
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    const bad = testEnv({ TWILIO_ACCOUNT_SID: "ACnope" });
    await drain(bad, [planMessage(rc.id, { channels: ["sms"], fallback: false })]);
    const [d] = await deliveriesOf(rc.id);
    expect(d!.state).toBe("failed");
    expect(d!.error).toMatch(/^config: TWILIO_ACCOUNT_SID/);

    const prod = testEnv({ APP_ENV: "production" });
    await drain(prod, [planMessage(rc.id, { channels: ["email"], fallback: false, wave: 2 })]);
    const email = (await deliveriesOf(rc.id)).find((x) => x.wave === 2)!;
    expect(email).toMatchObject({ state: "failed", error: "config: no provider secrets" });
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox WHERE rollcall_id = ?1").bind(rc.id).first("n")).toBe(0);
  });
});
