import { createExecutionContext, createMessageBatch, env } from "cloudflare:test";
import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { app } from "../worker/app";
import { handleDeliveryBatch } from "../worker/delivery/consumer";
import type { DeliveryMessage } from "../worker/delivery/types";
import { testEnv, twilioFake, type TwilioAccount } from "./fakes/client";
import { deliveriesOf, delivery, makeRollcall, setRollcallState } from "./fakes/rollcall";
import { openBoard } from "./support/board-socket";
import { adminsWithoutMfa } from "./support/db";
import { makePerson, signedIn } from "./support/factories";
import { ORIGIN } from "./support/http";

const SMS_URL = `${ORIGIN}/webhooks/twilio/sms`;
const STATUS_URL = `${ORIGIN}/webhooks/twilio/status`;

let sidSeq = 0;
const messageSid = () => `SM${(Date.now().toString(16) + (++sidSeq).toString(16).padStart(6, "0")).padStart(32, "0")}`;

/** Posts a form to the worker with the providers of `acct` configured. */
async function post(acct: TwilioAccount, path: string, params: Record<string, string>, signature: string | null, headers: Record<string, string> = {}) {
  const req = new Request(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(signature ? { "x-twilio-signature": signature } : {}), ...headers },
    body: new URLSearchParams(params),
  });
  return app.fetch(req, { ...env, ...twilioFake.env(acct) }, createExecutionContext());
}

/** An inbound SMS as Twilio posts it, signed with the account's token for the public URL. */
function inbound(acct: TwilioAccount, from: string, body: string, sid = messageSid()) {
  const params = { AccountSid: acct.sid, ApiVersion: "2010-04-01", Body: body, From: from, MessageSid: sid, NumMedia: "0", SmsSid: sid, To: "+15005550006" };
  return { params, signature: twilio.getExpectedTwilioSignature(acct.token, SMS_URL, params) };
}

async function repliesOf(rollcallId: number, personId: number) {
  const { results } = await env.DB.prepare("SELECT answers, comment, via FROM replies WHERE rollcall_id = ?1 AND person_id = ?2 ORDER BY id")
    .bind(rollcallId, personId)
    .all<{ answers: string; comment: string; via: string }>();
  return results.map((r) => ({ ...r, answers: JSON.parse(r.answers) as Record<string, string> }));
}

const messageOf = (xml: string) => /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? "";

describe("inbound SMS replies", () => {
  it("a signed '1 1' records the reply for the sender's open roll-call and echoes it in TwiML; a replay records nothing more", async () => {
    const acct = await twilioFake.account();
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    const { params, signature } = inbound(acct, p.mobile!, "1 1");
    const res = await post(acct, "/webhooks/twilio/sms", params, signature);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/xml");
    const xml = await res.text();
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>/);
    expect(messageOf(xml)).toBe("回答を記録しました：あなたの安否: 無事／出勤できますか: 可能。変更は同じ形式で再送信してください。");
    expect(await repliesOf(rc.id, p.id)).toEqual([{ answers: { safety: "safe", availability: "yes" }, comment: "", via: "sms" }]);

    const again = await post(acct, "/webhooks/twilio/sms", params, signature);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(xml);
    expect(await repliesOf(rc.id, p.id)).toHaveLength(1);
  });

  it("refuses unsigned, forged, altered and wrongly addressed requests with 403, changing nothing", async () => {
    const acct = await twilioFake.account();
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    const { params, signature } = inbound(acct, p.mobile!, "1 1");
    const attempts: [Record<string, string>, string | null][] = [
      [params, null],
      [params, twilio.getExpectedTwilioSignature("f".repeat(32), SMS_URL, params)], // another account's token
      [{ ...params, Body: "3 3" }, signature], // a parameter changed after signing
      [{ ...params, Extra: "1" }, signature], // a parameter added
      [params, twilio.getExpectedTwilioSignature(acct.token, "http://localhost:8787/webhooks/twilio/sms", params)], // signed for another URL
      [params, "not-a-signature"],
    ];
    for (const [body, sig] of attempts) {
      const res = await post(acct, "/webhooks/twilio/sms", body, sig);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    }
    expect(await repliesOf(rc.id, p.id)).toEqual([]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM inbound_sms WHERE message_sid = ?1").bind(params.MessageSid).first("n")).toBe(0);

    // Without an auth token configured there is nothing to check against: refused too.
    const res = await app.fetch(
      new Request(SMS_URL, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
        body: new URLSearchParams(params),
      }),
      env,
      createExecutionContext(),
    );
    expect(res.status).toBe(403);
  });

  it("reads full-width digits and words, keeps a comment, and answers in the person's language", async () => {
    const acct = await twilioFake.account();
    const ja = await makePerson();
    const en = await makePerson({ lang: "en" });
    const rc = await makeRollcall({ people: [{ id: ja.id }, { id: en.id }] });
    const r1 = inbound(acct, ja.mobile!, "１　２　30分で着きます");
    expect(messageOf(await (await post(acct, "/webhooks/twilio/sms", r1.params, r1.signature)).text())).toContain("条件付きで可能");
    const r2 = inbound(acct, en.mobile!, "ok");
    expect(messageOf(await (await post(acct, "/webhooks/twilio/sms", r2.params, r2.signature)).text())).toMatch(/^Recorded: /);
    // The time after the code is read as the arrival too.
    expect(await repliesOf(rc.id, ja.id)).toEqual([
      { answers: { safety: "safe", availability: "conditional", arrival: "30分で" }, comment: "30分で着きます", via: "sms" },
    ]);
    expect(await repliesOf(rc.id, en.id)).toEqual([{ answers: { safety: "safe" }, comment: "", via: "sms" }]);
  });

  it("reads a sentence: 「軽いけがです 午後から出られます」 is minor, conditional, arriving 午後から", async () => {
    const acct = await twilioFake.account();
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    const { params, signature } = inbound(acct, p.mobile!, "軽いけがです 午後から出られます。家族は無事です");
    const xml = await (await post(acct, "/webhooks/twilio/sms", params, signature)).text();
    expect(messageOf(xml)).toBe("回答を記録しました：あなたの安否: 軽傷／出勤できますか: 条件付きで可能。変更は同じ形式で再送信してください。");
    expect(await repliesOf(rc.id, p.id)).toEqual([
      { answers: { safety: "minor", availability: "conditional", arrival: "午後から" }, comment: "家族は無事です", via: "sms" },
    ]);
  });

  it("safety alone is recorded and the answer asks only for availability; the next SMS completes it", async () => {
    const acct = await twilioFake.account();
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    const first = inbound(acct, p.mobile!, "無事です。家の片付けをしています");
    const ask = messageOf(await (await post(acct, "/webhooks/twilio/sms", first.params, first.signature)).text());
    expect(ask).toBe("記録しました：あなたの安否: 無事。出勤できますか。数字で返信してください：1可能 2条件付き 3不可");
    expect(ask).not.toContain("重傷"); // safety is not asked again
    expect(await repliesOf(rc.id, p.id)).toEqual([{ answers: { safety: "safe" }, comment: "家の片付けをしています", via: "sms" }]);

    // Availability alone now takes the recorded safety, and keeps the comment.
    const second = inbound(acct, p.mobile!, "1時間後に行けます");
    expect(messageOf(await (await post(acct, "/webhooks/twilio/sms", second.params, second.signature)).text())).toBe(
      "回答を記録しました：あなたの安否: 無事／出勤できますか: 条件付きで可能。変更は同じ形式で再送信してください。",
    );
    expect((await repliesOf(rc.id, p.id)).at(-1)).toEqual({
      answers: { safety: "safe", availability: "conditional", arrival: "1時間後" },
      comment: "家の片付けをしています",
      via: "sms",
    });
  });

  it("availability alone waits for the safety (a reply needs it): the answer asks only for safety, in the person's language", async () => {
    const acct = await twilioFake.account();
    const p = await makePerson();
    const en = await makePerson({ lang: "en" });
    const rc = await makeRollcall({ people: [{ id: p.id }, { id: en.id }] });
    const first = inbound(acct, p.mobile!, "すぐ行けます");
    expect(messageOf(await (await post(acct, "/webhooks/twilio/sms", first.params, first.signature)).text())).toBe(
      "受け取りました：出勤できますか: 可能。安否も数字で送ると記録します：1無事 2軽傷 3重傷",
    );
    expect(await repliesOf(rc.id, p.id)).toEqual([]);
    const second = inbound(acct, p.mobile!, "1");
    expect(messageOf(await (await post(acct, "/webhooks/twilio/sms", second.params, second.signature)).text())).toContain("無事／出勤できますか: 可能");
    expect(await repliesOf(rc.id, p.id)).toEqual([{ answers: { safety: "safe", availability: "yes" }, comment: "", via: "sms" }]);

    const other = inbound(acct, en.mobile!, "can't come");
    expect(messageOf(await (await post(acct, "/webhooks/twilio/sms", other.params, other.signature)).text())).toMatch(/^Received: .*1 safe 2 minor 3 severe$/);
    expect(await repliesOf(rc.id, en.id)).toEqual([]);
  });

  it("someone who needs rescue is not asked whether they can come", async () => {
    const acct = await twilioFake.account();
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    const { params, signature } = inbound(acct, p.mobile!, "助けて");
    expect(messageOf(await (await post(acct, "/webhooks/twilio/sms", params, signature)).text())).toBe(
      "回答を記録しました：あなたの安否: 重傷・要救助。変更は同じ形式で再送信してください。",
    );
    expect(await repliesOf(rc.id, p.id)).toEqual([{ answers: { safety: "severe" }, comment: "", via: "sms" }]);
  });

  it("explains how to reply when the text cannot be read, and records nothing", async () => {
    const acct = await twilioFake.account();
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    const { params, signature } = inbound(acct, p.mobile!, "よろしく");
    const res = await post(acct, "/webhooks/twilio/sms", params, signature);
    expect(messageOf(await res.text())).toContain("例「1 1」");
    expect(await repliesOf(rc.id, p.id)).toEqual([]);
  });

  it("an acknowledgement template takes OK as 確認しました", async () => {
    const acct = await twilioFake.account();
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }], template: "notice" });
    const { params, signature } = inbound(acct, p.mobile!, "ＯＫ");
    const res = await post(acct, "/webhooks/twilio/sms", params, signature);
    expect(messageOf(await res.text())).toContain("確認しました");
    expect(await repliesOf(rc.id, p.id)).toEqual([{ answers: { ack: "yes" }, comment: "", via: "sms" }]);
  });

  it("an unknown number, or no open roll-call, gets an explanation and nothing is recorded", async () => {
    const acct = await twilioFake.account();
    const stranger = inbound(acct, "+819099999999", "1 1");
    expect(messageOf(await (await post(acct, "/webhooks/twilio/sms", stranger.params, stranger.signature)).text())).toContain("登録されていません");
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    await setRollcallState(rc.id, "closed");
    const late = inbound(acct, p.mobile!, "1 1");
    expect(messageOf(await (await post(acct, "/webhooks/twilio/sms", late.params, late.signature)).text())).toBe("回答を受け付けている安否確認はありません。");
    expect(await repliesOf(rc.id, p.id)).toEqual([]);
  });
});

describe("SMS status callbacks", () => {
  async function sentSms(acct: TwilioAccount) {
    const p = await makePerson();
    const rc = await makeRollcall({ people: [{ id: p.id }] });
    const e = testEnv(twilioFake.env(acct));
    const run = async (bodies: DeliveryMessage[]) => {
      const batch = createMessageBatch<DeliveryMessage>(
        "anpi-deliveries",
        bodies.map((body, i) => ({ id: `s${i}`, timestamp: new Date(), attempts: 1, body })),
      );
      await handleDeliveryBatch(batch, e);
    };
    await run([
      { type: "plan", rollcallId: rc.id, wave: 1, channels: ["sms"], onlyUnreplied: false, fallback: false, audience: "recipients", afterPersonId: 0 },
    ]);
    await run(e.queue.take());
    const [d] = await deliveriesOf(rc.id);
    expect(d!.state).toBe("sent");
    return { d: d!, person: p };
  }

  /** The fake signs the callback exactly as Twilio does; the test delivers it to the worker. */
  async function callback(acct: TwilioAccount, sid: string, status: string, errorCode?: string) {
    const cb = await twilioFake.callback(acct, sid, status, errorCode ? { errorCode } : {});
    expect(cb.url).toBe(STATUS_URL);
    return post(acct, "/webhooks/twilio/status", cb.params, cb.signature);
  }

  it("moves a delivery forward to delivered; a late 'sent' or a 'failed' after it changes nothing", async () => {
    const acct = await twilioFake.account();
    const { d, person } = await sentSms(acct);
    expect((await callback(acct, d.provider_id!, "delivered")).status).toBe(200);
    expect((await delivery(d.id)).state).toBe("delivered");
    const ok = await env.DB.prepare("SELECT last_ok_at FROM contacts WHERE person_id = ?1 AND kind = 'mobile'")
      .bind(person.id)
      .first<{ last_ok_at: number | null }>();
    expect(ok!.last_ok_at).not.toBeNull();

    expect((await callback(acct, d.provider_id!, "sent")).status).toBe(200);
    expect((await callback(acct, d.provider_id!, "queued")).status).toBe(200);
    expect((await callback(acct, d.provider_id!, "undelivered", "30003")).status).toBe(200);
    expect(await delivery(d.id)).toMatchObject({ state: "delivered", error: null });
  });

  it("tells the live board when a callback moves a delivery forward", async () => {
    await adminsWithoutMfa();
    const admin = await signedIn({ globalRole: "network_admin" });
    const acct = await twilioFake.account();
    const { d } = await sentSms(acct);
    const board = await openBoard(d.rollcall_id, admin.cookie);
    try {
      await board.until((m) => m.type === "snapshot");
      expect((await callback(acct, d.provider_id!, "delivered")).status).toBe(200);
      await board.until((m) => m.type === "update" && m.board.progress.sms?.delivered === 1);
    } finally {
      board.close();
    }
  });

  it("undelivered marks the delivery failed with Twilio's error code", async () => {
    const acct = await twilioFake.account();
    const { d } = await sentSms(acct);
    await callback(acct, d.provider_id!, "undelivered", "30006");
    expect(await delivery(d.id)).toMatchObject({ state: "failed", error: "twilio: undelivered (30006)" });
    await callback(acct, d.provider_id!, "delivered");
    expect((await delivery(d.id)).state).toBe("failed");
  });

  it("a forged status callback is refused and changes nothing", async () => {
    const acct = await twilioFake.account();
    const { d } = await sentSms(acct);
    const cb = await twilioFake.callback(acct, d.provider_id!, "failed");
    const res = await post(acct, "/webhooks/twilio/status", { ...cb.params, MessageStatus: "undelivered" }, cb.signature);
    expect(res.status).toBe(403);
    expect((await post(acct, "/webhooks/twilio/status", cb.params, null)).status).toBe(403);
    expect((await delivery(d.id)).state).toBe("sent");
  });
});
