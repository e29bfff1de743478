import { audit, auditStatement } from "../audit/log";
import type { Auth } from "../auth/scope";
import { channelRoute } from "../delivery/channels";
import { pushProvider } from "../delivery/channels/push";
import type { OutgoingMessage } from "../delivery/types";
import { findPerson } from "../directory/data";
import { clock } from "../lib/clock";
import { randomToken, sha256Hex } from "../lib/crypto";
import { ApiError, badRequest, conflict, notFound, jaEn } from "../lib/errors";
import { sendDirect } from "../messages/send";
import { langOfPerson, say } from "../messages/wording";
import { isOpen, recordReply } from "../reply/service";
import type { Reply } from "../reply/data";
import type { Recipient, Rollcall } from "../rollcall/data";
import * as data from "./data";
import { ONE_TAP, type OneTapAction } from "./schemas";

/**
 * Push devices: a person's own Web Push subscriptions (only their own: every
 * operation takes the caller's person id), their test messages, and one-tap answers.
 */

/** More than this many devices for one person is a sign of something wrong (a loop re-subscribing). */
const MAX_DEVICES = 10;
/** A test's acknowledgement counts within a day. */
const TEST_ACK_MS = 86_400_000;
/** 16 bytes = 128 bits, 22 base64url characters. */
const ACK_TOKEN = /^[A-Za-z0-9_-]{22}$/;

/** The applicationServerKey browsers subscribe with, null when push goes to the sandbox. */
export function vapidKey(env: Env) {
  const st = pushProvider(env);
  return { publicKey: st.kind === "ready" ? st.settings.VAPID_PUBLIC_KEY : null, mode: channelRoute(env, "push").kind };
}

export const devicesOf = (db: D1Database, auth: Auth) => data.devicesOf(db, auth.personId);

/** One of the caller's active devices, else 404. */
async function ownDevice(db: D1Database, auth: Auth, id: number): Promise<data.DeviceRow> {
  const device = await data.deviceOf(db, auth.personId, id);
  if (!device) throw notFound(jaEn("端末", "device"));
  return device;
}

/** http endpoints only where the push fake runs (tests, local); a real push service speaks https. */
function checkEndpoint(env: Env, endpoint: string) {
  const u = new URL(endpoint);
  if (u.protocol === "https:") return;
  if (u.protocol === "http:" && (env.APP_ENV === "test" || env.APP_ENV === "local")) return;
  throw badRequest("subscription.endpoint", jaEn("プッシュ通知の宛先はhttpsのURLです。", "A push endpoint is an https URL."));
}

export interface NewDevice {
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  name: string;
}

/**
 * Stores this browser's subscription for the caller. The same endpoint of theirs again
 * refreshes it (`created: false`); an endpoint another person held moves to the caller.
 */
export async function addDevice(env: Env, auth: Auth, input: NewDevice): Promise<{ device: data.DeviceRow; created: boolean }> {
  const { subscription, name } = input;
  checkEndpoint(env, subscription.endpoint);
  const db = env.DB;
  const sub = { endpoint: subscription.endpoint, p256dh: subscription.keys.p256dh, auth: subscription.keys.auth };
  const now = clock.now();
  const existing = await data.activeByEndpoint(db, sub.endpoint);
  if (existing && existing.personId === auth.personId) {
    await db.batch([
      data.refreshDevice(db, existing.id, sub, name),
      auditStatement(db, { actorId: auth.personId, action: "push.device_refreshed", objectType: "push_subscription", objectId: existing.id }),
    ]);
    return { device: (await data.deviceOf(db, auth.personId, existing.id))!, created: false };
  }
  if ((await data.countDevices(db, auth.personId)) >= MAX_DEVICES)
    throw conflict("subscription", jaEn(`端末は${MAX_DEVICES}台までです。先に1台削除してください。`, `At most ${MAX_DEVICES} devices; remove one first.`));
  // The browser (endpoint) now belongs to whoever signed in on it: the previous holder stops getting its notifications.
  const results = await db.batch<{ id: number }>([
    ...(existing ? [data.revokeDevice(db, existing.id, now)] : []),
    data.insertDevice(db, auth.personId, sub, name, now),
    auditStatement(db, {
      actorId: auth.personId,
      action: "push.device_added",
      objectType: "person",
      objectId: auth.personId,
      detail: { movedFrom: existing?.personId ?? null },
    }),
  ]);
  const id = results[existing ? 1 : 0]!.results[0]!.id;
  return { device: (await data.deviceOf(db, auth.personId, id))!, created: true };
}

export async function renameDevice(db: D1Database, auth: Auth, id: number, name: string): Promise<data.DeviceRow> {
  await ownDevice(db, auth, id);
  await data.renameDevice(db, id, name).run();
  return (await data.deviceOf(db, auth.personId, id))!;
}

export async function removeDevice(db: D1Database, auth: Auth, id: number): Promise<void> {
  await ownDevice(db, auth, id);
  await db.batch([
    data.revokeDevice(db, id, clock.now()),
    auditStatement(db, { actorId: auth.personId, action: "push.device_removed", objectType: "push_subscription", objectId: id }),
  ]);
}

/**
 * Sends a test notification to one of the caller's devices. A subscription the push
 * service calls gone is removed (410); any other refusal is 502.
 */
export async function sendTestNotification(env: Env, auth: Auth, id: number): Promise<{ sandbox: boolean; testId: number }> {
  const db = env.DB;
  const device = await ownDevice(db, auth, id);
  const person = await findPerson(db, auth.personId);
  const lang = langOfPerson(person?.lang);
  const token = randomToken(16);
  const testId = await data.insertTest(db, id, await sha256Hex(token), clock.now());
  const base = env.PUBLIC_URL.replace(/\/+$/, "");
  // The payload names nobody: a title, a line, where a tap leads and where to acknowledge.
  const payload = {
    type: "test" as const,
    title: say(lang, "push.test.title"),
    body: say(lang, "push.test.body"),
    url: `${base}/me/devices`,
    tag: `push-test-${testId}`,
    ackUrl: `${base}/api/push/ack?token=${token}`,
  };
  const push: NonNullable<OutgoingMessage["push"]> = payload;
  const r = await sendDirect(env, {
    kind: "push_test",
    channel: "push",
    to: { endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } },
    deviceName: device.name,
    personId: auth.personId,
    senderId: auth.personId,
    facilityId: null,
    text: `${payload.title}\n${payload.body}`,
    push,
    link: payload.url,
  });
  if (!r.ok) {
    if (r.gone) {
      await db.batch([
        data.revokeDevice(db, id, clock.now()),
        auditStatement(db, { actorId: auth.personId, action: "push.device_gone", objectType: "push_subscription", objectId: id }),
      ]);
      throw new ApiError(
        "gone",
        jaEn(
          "この端末は通知を受け付けなくなったため、削除しました。端末で通知をもう一度オンにしてください。",
          "This device no longer accepts notifications; it was removed. Turn notifications on again on the device.",
        ),
        "id",
      );
    }
    throw new ApiError(
      "send_failed",
      jaEn(`プッシュ通知のテストが届きませんでした（${r.error}）。`, `The push service did not take the test (${r.error}).`),
      "id",
    );
  }
  await audit(db, { actorId: auth.personId, action: "push.test_sent", objectType: "push_subscription", objectId: id });
  return { sandbox: r.sandbox, testId };
}

/**
 * A test arrived (the service worker's acknowledgement): the token is the proof, for a
 * day, of a device still held. Again after the first time it answers the first arrival.
 */
export async function acknowledgeTest(db: D1Database, token: string): Promise<{ deviceId: number; arrivedAt: number }> {
  if (!ACK_TOKEN.test(token)) throw notFound(jaEn("テスト", "test"));
  const t = await data.testByTokenHash(db, await sha256Hex(token));
  if (!t || t.revoked) throw notFound(jaEn("テスト", "test"));
  const now = clock.now();
  if (t.arrivedAt !== null) return { deviceId: t.subscriptionId, arrivedAt: t.arrivedAt };
  if (now - t.sentAt > TEST_ACK_MS)
    throw new ApiError("expired", jaEn("このテストは古くなりました。もう一度送ってください。", "This test is too old; send a new one."), "token");
  await db.batch(data.arrivalStatements(db, t, now));
  return { deviceId: t.subscriptionId, arrivedAt: now };
}

/** A one-tap answer: recorded, or refused because the roll-call has closed (with the error a JSON caller gets). */
export type OneTapOutcome = { closed: false; reply: Reply } | { closed: true; error: ApiError };

/** Records a one-tap answer from a notification action, as a reply via push. */
export async function answerOneTap(env: Env, found: { recipient: Recipient; rollcall: Rollcall }, action: OneTapAction): Promise<OneTapOutcome> {
  if (!isOpen(found.rollcall))
    return {
      closed: true,
      error: new ApiError(
        "closed",
        jaEn("この安否確認は終了しました。回答は受け付けていません。", "This roll-call has closed; replies are no longer accepted."),
        "rollcall",
      ),
    };
  try {
    const reply = await recordReply(env, { rollcallId: found.rollcall.id, personId: found.recipient.personId, answers: ONE_TAP[action], via: "push" });
    return { closed: false, reply };
  } catch (err) {
    if (err instanceof ApiError && err.status === 400)
      throw badRequest(
        "action",
        jaEn(
          `この安否確認はこの回答を受け付けません。回答ページを開いてください。`,
          `action: this roll-call does not take "${action}" as an answer; open the reply page.`,
        ),
      );
    if (err instanceof ApiError && err.code === "closed") return { closed: true, error: err };
    throw err;
  }
}
