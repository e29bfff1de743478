import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { handleDeliveryBatch } from "../worker/delivery/consumer";
import type { DeliveryMessage } from "../worker/delivery/types";
import { clock } from "../worker/lib/clock";
import { replyToken } from "../worker/reply/token";
import { pushFake, testEnv, VAPID } from "./fakes/client";
import { makeRollcall, setRollcallState } from "./fakes/rollcall";
import { adminsWithoutMfa, count } from "./support/db";
import { makeFacility, signedIn } from "./support/factories";
import { api, errorOf, json } from "./support/http";

interface Device {
  id: number;
  name: string;
  lastOkAt: string | null;
  lastTestSentAt: string | null;
  lastTestAt: string | null;
}

let facility: number;
beforeAll(async () => {
  await adminsWithoutMfa();
  facility = await makeFacility();
});

const subscribeBody = (sub: { endpoint: string; keys: { p256dh: string; auth: string } }, name = "私のスマホ") => ({
  subscription: { ...sub, expirationTime: null },
  name,
});

describe("push devices", () => {
  it("the VAPID public key: null in the sandbox, the configured key otherwise", async () => {
    expect(await json(await api("GET", "/api/push/vapid-public-key"))).toEqual({ publicKey: null, mode: "sandbox" });
    expect(await json(await api("GET", "/api/push/vapid-public-key", { env: pushFake.env() }))).toEqual({ publicKey: VAPID.publicKey, mode: "provider" });
  });

  it("subscribe, list, refresh the same endpoint, rename and remove", async () => {
    const me = await signedIn({ facilityId: facility });
    const tenant = await pushFake.tenant();
    const sub = await pushFake.subscribe(tenant);
    const created = await api("POST", "/api/me/devices", { cookie: me.cookie, body: subscribeBody(sub) });
    expect(created.status).toBe(201);
    const device = await json<Device>(created);
    expect(device).toMatchObject({ name: "私のスマホ", lastOkAt: null, lastTestAt: null });
    const again = await api("POST", "/api/me/devices", { cookie: me.cookie, body: subscribeBody(sub, "仕事用") });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ id: device.id, name: "仕事用" });
    const renamed = await api("PATCH", `/api/me/devices/${device.id}`, { cookie: me.cookie, body: { name: "ナースステーション" } });
    expect(await json(renamed)).toMatchObject({ id: device.id, name: "ナースステーション" });
    const list = await json<{ items: Device[] }>(await api("GET", "/api/me/devices", { cookie: me.cookie }));
    expect(list.items.map((d) => d.name)).toEqual(["ナースステーション"]);
    expect((await api("DELETE", `/api/me/devices/${device.id}`, { cookie: me.cookie })).status).toBe(200);
    expect((await json<{ items: Device[] }>(await api("GET", "/api/me/devices", { cookie: me.cookie }))).items).toEqual([]);
    expect((await api("DELETE", `/api/me/devices/${device.id}`, { cookie: me.cookie })).status).toBe(404);
  });

  it("a browser someone else signs in on moves to them; nobody touches another's device", async () => {
    const a = await signedIn({ facilityId: facility });
    const b = await signedIn({ facilityId: facility });
    const sub = await pushFake.subscribe(await pushFake.tenant());
    const mine = await json<Device>(await api("POST", "/api/me/devices", { cookie: a.cookie, body: subscribeBody(sub) }));
    for (const [m, p, body] of [
      ["PATCH", "", { name: "x" }],
      ["DELETE", "", undefined],
      ["POST", "/test", undefined],
    ] as const) {
      expect((await api(m, `/api/me/devices/${mine.id}${p}`, { cookie: b.cookie, body })).status).toBe(404);
    }
    expect((await api("POST", "/api/me/devices", { cookie: b.cookie, body: subscribeBody(sub, "共用端末") })).status).toBe(201);
    expect((await json<{ items: Device[] }>(await api("GET", "/api/me/devices", { cookie: a.cookie }))).items).toEqual([]);
    expect(await count("SELECT id FROM push_subscriptions WHERE endpoint = ?1 AND revoked_at IS NULL", sub.endpoint)).toBe(1);
  });

  it("bad subscriptions are refused naming the field, and nothing is stored", async () => {
    const me = await signedIn({ facilityId: facility });
    const sub = await pushFake.subscribe(await pushFake.tenant());
    const cases: [unknown, string][] = [
      [{ ...subscribeBody(sub), subscription: { ...sub, keys: { ...sub.keys, p256dh: "short" } } }, "subscription.keys.p256dh"],
      [{ ...subscribeBody(sub), subscription: { ...sub, keys: { p256dh: sub.keys.p256dh } } }, "subscription.keys.auth"],
      [{ ...subscribeBody(sub), subscription: { ...sub, endpoint: "not a url" } }, "subscription.endpoint"],
      [{ ...subscribeBody(sub), name: "" }, "name"],
    ];
    for (const [body, field] of cases) {
      const res = await api("POST", "/api/me/devices", { cookie: me.cookie, body });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).field).toBe(field);
    }
    const http = await api("POST", "/api/me/devices", { cookie: me.cookie, env: { APP_ENV: "production" }, body: subscribeBody(sub) });
    expect(http.status).toBe(400);
    expect((await errorOf(http)).field).toBe("subscription.endpoint");
    expect(await count("SELECT id FROM push_subscriptions WHERE person_id = ?1", me.id)).toBe(0);
  });
});

describe("send me a test", () => {
  it("end to end through the push fake: the decrypted payload names nobody; the service worker's ack records the arrival", async () => {
    const me = await signedIn({ facilityId: facility, name: "端末 試子" });
    const tenant = await pushFake.tenant();
    const sub = await pushFake.subscribe(tenant);
    const device = await json<Device>(await api("POST", "/api/me/devices", { cookie: me.cookie, body: subscribeBody(sub) }));
    const res = await api("POST", `/api/me/devices/${device.id}/test`, { cookie: me.cookie, env: pushFake.env() });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ sent: true, sandbox: false });
    const [got] = await pushFake.received(tenant);
    expect(got!.urgency).toBe("high");
    const payload = JSON.parse(got!.payload) as { type: string; title: string; body: string; url: string; tag: string; ackUrl: string };
    expect(payload).toMatchObject({ type: "test", title: "テスト通知", url: "https://anpi.example.org/me/devices" });
    expect(payload.ackUrl).toMatch(/^https:\/\/anpi\.example\.org\/api\/push\/ack\?token=[A-Za-z0-9_-]{22}$/);
    for (const secret of ["端末 試子", me.email!, me.mobile!]) expect(got!.payload).not.toContain(secret);

    let listed = (await json<{ items: Device[] }>(await api("GET", "/api/me/devices", { cookie: me.cookie }))).items[0]!;
    expect(listed.lastTestSentAt).not.toBeNull();
    expect(listed.lastTestAt).toBeNull();

    const ackPath = new URL(payload.ackUrl).pathname + new URL(payload.ackUrl).search;
    const acked = await api("POST", ackPath);
    expect(acked.status).toBe(200);
    expect(await json(acked)).toMatchObject({ ok: true, deviceId: device.id });
    listed = (await json<{ items: Device[] }>(await api("GET", "/api/me/devices", { cookie: me.cookie }))).items[0]!;
    expect(listed.lastTestAt).not.toBeNull();
    expect(listed.lastOkAt).not.toBeNull();
    // A repeated ack (a retrying service worker) is harmless; the token also works in the body.
    const token = new URL(payload.ackUrl).searchParams.get("token")!;
    expect((await api("POST", "/api/push/ack", { body: { token } })).status).toBe(200);
  });

  it("acks with an unknown, malformed or stale token change nothing", async () => {
    expect((await api("POST", "/api/push/ack", { body: { token: "A".repeat(22) } })).status).toBe(404);
    expect((await api("POST", "/api/push/ack?token=short")).status).toBe(404);
    const missing = await api("POST", "/api/push/ack", { body: {} });
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).field).toBe("token");

    const me = await signedIn({ facilityId: facility });
    const tenant = await pushFake.tenant();
    const device = await json<Device>(await api("POST", "/api/me/devices", { cookie: me.cookie, body: subscribeBody(await pushFake.subscribe(tenant)) }));
    await api("POST", `/api/me/devices/${device.id}/test`, { cookie: me.cookie, env: pushFake.env() });
    const [got] = await pushFake.received(tenant);
    const ackUrl = new URL((JSON.parse(got!.payload) as { ackUrl: string }).ackUrl);
    clock.advance(2 * 86_400_000);
    const late = await api("POST", ackUrl.pathname + ackUrl.search);
    expect(late.status).toBe(410);
    expect(await count("SELECT id FROM push_subscriptions WHERE id = ?1 AND last_test_at IS NOT NULL", device.id)).toBe(0);
  });

  it("a subscription the push service no longer knows: 410, and the device is removed", async () => {
    const me = await signedIn({ facilityId: facility });
    const tenant = await pushFake.tenant();
    const sub = await pushFake.subscribe(tenant);
    const device = await json<Device>(await api("POST", "/api/me/devices", { cookie: me.cookie, body: subscribeBody(sub) }));
    await pushFake.gone(tenant, sub.id);
    const res = await api("POST", `/api/me/devices/${device.id}/test`, { cookie: me.cookie, env: pushFake.env() });
    expect(res.status).toBe(410);
    expect((await errorOf(res)).code).toBe("gone");
    expect((await json<{ items: Device[] }>(await api("GET", "/api/me/devices", { cookie: me.cookie }))).items).toEqual([]);
  });

  it("locally the test goes to the sandbox outbox, for the person to see", async () => {
    const me = await signedIn({ facilityId: facility });
    const device = await json<Device>(
      await api("POST", "/api/me/devices", { cookie: me.cookie, body: subscribeBody(await pushFake.subscribe(await pushFake.tenant()), "砂場の端末") }),
    );
    const res = await api("POST", `/api/me/devices/${device.id}/test`, { cookie: me.cookie });
    expect(await json(res)).toMatchObject({ sent: true, sandbox: true });
    const out = await json<{ items: { kind: string; recipient: string; text: string }[] }>(
      await api("GET", "/api/outbox/messages?kind=push_test", { cookie: me.cookie }),
    );
    expect(out.items[0]).toMatchObject({ kind: "push_test", recipient: "砂場の端末", text: "テスト通知\nこの端末に安否確認の通知が届きます。" });
  });
});

describe("one-tap replies from notification actions", () => {
  async function drain(e: ReturnType<typeof testEnv>, first: DeliveryMessage[]) {
    let pending = first;
    for (let round = 0; pending.length && round < 10; round++) {
      const batch = createMessageBatch<DeliveryMessage>(
        "anpi-deliveries",
        pending.map((body, i) => ({ id: `t${round}-${i}`, timestamp: new Date(), attempts: 1, body })),
      );
      await handleDeliveryBatch(batch, e);
      await getQueueResult(batch, createExecutionContext());
      pending = e.queue.take();
    }
  }

  const latest = (rollcallId: number, personId: number) =>
    env.DB.prepare("SELECT r.answers, r.via FROM rollcall_recipients x JOIN replies r ON r.id = x.last_reply_id WHERE x.rollcall_id = ?1 AND x.person_id = ?2")
      .bind(rollcallId, personId)
      .first<{ answers: string; via: string }>();

  it("the notification's reply URL takes the action: recorded via push, answered in JSON", async () => {
    const me = await signedIn({ facilityId: facility });
    const tenant = await pushFake.tenant();
    await api("POST", "/api/me/devices", { cookie: me.cookie, body: subscribeBody(await pushFake.subscribe(tenant)) });
    const rc = await makeRollcall({ people: [{ id: me.id, facilityId: facility }] });
    await drain(testEnv(pushFake.env()), [
      { type: "plan", rollcallId: rc.id, wave: 1, channels: ["push"], onlyUnreplied: false, fallback: false, audience: "recipients", afterPersonId: 0 },
    ]);
    const [got] = await pushFake.received(tenant);
    const url = new URL((JSON.parse(got!.payload) as { url: string }).url);

    const res = await api("POST", `${url.pathname}/action`, { body: { action: "safe_no" } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true, action: "safe_no", answers: { safety: "safe", availability: "no" }, replyUrl: url.href });
    const r = await latest(rc.id, me.id);
    expect(r!.via).toBe("push");
    expect(JSON.parse(r!.answers)).toEqual({ safety: "safe", availability: "no" });

    // The answer can change the same way; a form post from a page gets the small HTML page.
    const page = await api("POST", `${url.pathname}/action`, { form: { action: "need_help" }, headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("重傷・要救助");
    expect(JSON.parse((await latest(rc.id, me.id))!.answers)).toEqual({ safety: "severe" });
  });

  it("a bad action: 400 naming action; closed: 409; unknown link: 404; nothing recorded", async () => {
    const me = await signedIn({ facilityId: facility });
    const rc = await makeRollcall({ people: [{ id: me.id, facilityId: facility }] });
    const path = `/r/${await replyToken(env, rc.id, rc.salt, me.id)}/action`;
    for (const body of [{ action: "safe_maybe" }, {}, { action: 1 }]) {
      const res = await api("POST", path, { body });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).field).toBe("action");
    }
    expect((await api("POST", `/r/${"A".repeat(32)}/action`, { body: { action: "safe_yes" } })).status).toBe(404);
    await setRollcallState(rc.id, "closed");
    const closed = await api("POST", path, { body: { action: "safe_yes" } });
    expect(closed.status).toBe(409);
    expect(await errorOf(closed)).toMatchObject({ code: "closed" });
    expect(await count("SELECT id FROM replies WHERE rollcall_id = ?1", rc.id)).toBe(0);
  });

  it("a notice (acknowledgement only) does not take a safety answer", async () => {
    const me = await signedIn({ facilityId: facility });
    const rc = await makeRollcall({ people: [{ id: me.id, facilityId: facility }], template: "notice" });
    const res = await api("POST", `/r/${await replyToken(env, rc.id, rc.salt, me.id)}/action`, { body: { action: "safe_yes" } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).field).toBe("action");
    expect(await count("SELECT id FROM replies WHERE rollcall_id = ?1", rc.id)).toBe(0);
  });
});
