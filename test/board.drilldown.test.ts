import { createExecutionContext, env } from "cloudflare:test";
import twilio from "twilio";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { app } from "../worker/app";
import type { FacilityDetail, PersonDetail } from "../worker/board/schemas";
import { SANDBOX_TWILIO_AUTH_TOKEN } from "../worker/delivery/twilio-webhooks";
import { clock } from "../worker/lib/clock";
import { recordReply } from "../worker/reply/service";
import { twilioFake } from "./fakes/client";
import { makeFacility, makeNetwork, makePerson, type Network, openRollcall, type PersonSpec, type SignedIn, signInReaders } from "./support/factories";
import { api, expectJson, ORIGIN } from "./support/http";

let networkAdmin: SignedIn;
let viewer: string;
beforeAll(async () => {
  const readers = await signInReaders();
  networkAdmin = readers.networkAdmin;
  viewer = readers.viewer.cookie;
});

async function drill(staff: PersonSpec[] = [{ name: "看護 花子" }, { name: "薬剤 一郎" }, { name: "無回答 三郎" }]): Promise<{ net: Network; id: number }> {
  const net = await makeNetwork(staff);
  const id = await openRollcall(networkAdmin.cookie, { scope: { facilityIds: [net.facilityId] } });
  return { net, id };
}

const auditCount = async (action: string, actorId: number) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = ?1 AND actor_id = ?2").bind(action, actorId).first<{ n: number }>())!.n;

describe("facility drill-down", () => {
  it("the board and the facility page show the same report: the latest facility answer of one of its admins, taken whole", async () => {
    const { net, id } = await drill([{ name: "副院長 二郎", role: "admin" }, { name: "看護 花子" }]);
    const [deputy, nurse] = net.staff;
    await recordReply(env, {
      rollcallId: id,
      personId: net.admin.id,
      answers: { safety: "safe", facility: { collapse: "no", electricity: "unusable", water: "usable", accepting: "yes" } },
      via: "link",
    });
    clock.advance(60_000);
    await recordReply(env, {
      rollcallId: id,
      personId: deputy!.id,
      answers: { safety: "safe", facility: { collapse: "yes", electricity: "unusable", comment: "2階の壁にひび" } },
      via: "link",
    });
    clock.advance(60_000);
    // A facility answer from someone who is not an admin of the facility is no report.
    await recordReply(env, { rollcallId: id, personId: nurse!.id, answers: { safety: "minor", facility: { collapse: "no" } }, via: "link" });

    const latest = {
      collapse: "yes",
      electricity: "unusable",
      water: null,
      medicalGas: null,
      supplies: null,
      manyPatients: null,
      staffing: null,
      accepting: null,
      casualties: null,
      comment: "2階の壁にひび",
    };
    const d = await expectJson<FacilityDetail>(await api("GET", `/api/rollcalls/${id}/facilities/${net.facilityId}`, { cookie: networkAdmin.cookie }));
    expect(d.report).toMatchObject({ ...latest, by: { personId: deputy!.id } });
    const board = await expectJson<{ aggregates: { byFacility: { facilityId: number; report: unknown }[] } }>(
      await api("GET", `/api/rollcalls/${id}`, { cookie: networkAdmin.cookie }),
    );
    expect(board.aggregates.byFacility.find((f) => f.facilityId === net.facilityId)!.report).toEqual(latest);
  });

  it("lists the facility's recipients with answers, the facility report, who can come in; contacts for admins, audited", async () => {
    const { net, id } = await drill();
    const [nurse, pharmacist] = net.staff;
    await recordReply(env, { rollcallId: id, personId: nurse!.id, answers: { safety: "safe", availability: "conditional", arrival: "1時間後" }, via: "link" });
    await recordReply(env, { rollcallId: id, personId: pharmacist!.id, answers: { safety: "minor", availability: "no" }, via: "link" });
    await recordReply(env, {
      rollcallId: id,
      personId: net.admin.id,
      answers: { safety: "safe", availability: "yes", facility: { collapse: "no", electricity: "unusable", water: "usable", accepting: "yes" } },
      via: "link",
    });

    const d = await expectJson<FacilityDetail>(await api("GET", `/api/rollcalls/${id}/facilities/${net.facilityId}`, { cookie: networkAdmin.cookie }));
    expect(d.counts).toEqual({ recipients: 4, replied: 3, safety: { safe: 2, minor: 1, severe: 0 }, availability: { yes: 1, conditional: 1, no: 1 } });
    expect(d.report).toMatchObject({ collapse: "no", electricity: "unusable", water: "usable", accepting: "yes", by: { personId: net.admin.id } });
    expect(d.available.map((a) => [a.personId, a.availability, a.arrival]).sort()).toEqual(
      [
        [net.admin.id, "yes", null],
        [nurse!.id, "conditional", "1時間後"],
      ].sort(),
    );
    // Non-responders first, so the phone list starts with them.
    expect(d.recipients[0]).toMatchObject({ personId: net.staff[2]!.id, repliedAt: null, answers: null });
    expect(d.recipients.find((r) => r.personId === nurse!.id)!.contacts).toEqual({ mobile: nurse!.mobile, email: nurse!.email });
    expect(d.phoneCheck!.admins).toEqual([expect.objectContaining({ personId: net.admin.id, mobile: net.admin.mobile })]);
    expect(await auditCount("board.facility_contacts_read", networkAdmin.id)).toBeGreaterThan(0);
  });

  it("gives the city viewer the same without any phone number or email", async () => {
    const { net, id } = await drill();
    const res = await api("GET", `/api/rollcalls/${id}/facilities/${net.facilityId}`, { cookie: viewer });
    const text = await res.text();
    expect(res.status).toBe(200);
    const d = JSON.parse(text) as FacilityDetail;
    expect(d.recipients).toHaveLength(4);
    expect(d.recipients.every((r) => r.contacts === null)).toBe(true);
    expect(d.phoneCheck).toBeNull();
    expect(d.facility.phone).toBeNull();
    for (const p of [net.admin, ...net.staff]) {
      expect(text).not.toContain(p.email!);
      expect(text).not.toContain(p.mobile!);
    }
  });

  it("keeps facility admins to their own facilities (403), and answers 404 for a facility not asked", async () => {
    const a = await makeNetwork([{}]);
    const b = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin.cookie, { scope: { facilityIds: [a.facilityId, b.facilityId] } });
    expect((await api("GET", `/api/rollcalls/${id}/facilities/${a.facilityId}`, { cookie: a.admin.cookie })).status).toBe(200);
    expect(
      (await expectJson<{ error: { code: string } }>(await api("GET", `/api/rollcalls/${id}/facilities/${b.facilityId}`, { cookie: a.admin.cookie }), 403))
        .error.code,
    ).toBe("forbidden");
    const elsewhere = await makeFacility();
    expect((await api("GET", `/api/rollcalls/${id}/facilities/${elsewhere}`, { cookie: networkAdmin.cookie })).status).toBe(404);
  });
});

describe("person drill-down", () => {
  it("shows every reply version (the proxy one marked), the deliveries that reached them, the photo; contacts for admins", async () => {
    const { net, id } = await drill();
    const p = net.staff[0]!;
    await recordReply(env, { rollcallId: id, personId: p.id, answers: { safety: "minor" }, comment: "足を捻挫", via: "link" });
    clock.advance(60_000);
    await recordReply(env, { rollcallId: id, personId: p.id, answers: { safety: "safe", availability: "yes" }, via: "proxy", proxyBy: net.admin.id });
    // Wave 1 goes out by email (nobody has push): wait for the consumer.
    await vi.waitFor(
      async () => {
        const r = await env.DB.prepare("SELECT state FROM deliveries WHERE rollcall_id = ?1 AND person_id = ?2").bind(id, p.id).first<{ state: string }>();
        expect(["sent", "delivered"]).toContain(r?.state);
      },
      { timeout: 15_000, interval: 200 },
    );
    await env.PHOTOS.put(`people/${p.id}.jpg`, new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), { httpMetadata: { contentType: "image/jpeg" } });
    await env.DB.prepare("UPDATE people SET photo_key = ?2 WHERE id = ?1").bind(p.id, `people/${p.id}.jpg`).run();

    const d = await expectJson<PersonDetail>(await api("GET", `/api/rollcalls/${id}/people/${p.id}`, { cookie: net.admin.cookie }));
    expect(d.person).toMatchObject({ id: p.id, name: "看護 花子", facilityId: net.facilityId, photoUrl: `/api/rollcalls/${id}/people/${p.id}/photo` });
    expect(d.replies.map((r) => [r.answers, r.comment, r.via, r.proxyBy?.personId ?? null])).toEqual([
      [{ safety: "minor" }, "足を捻挫", "link", null],
      [{ safety: "safe", availability: "yes" }, "", "proxy", net.admin.id],
    ]);
    expect(d.deliveries).toEqual([
      expect.objectContaining({ channel: "email", wave: 1, audience: "recipients", state: expect.stringMatching(/^(sent|delivered)$/) }),
    ]);
    expect(d.contacts!.map((c) => c.value).sort()).toEqual([p.email, p.mobile].sort());
    expect(await auditCount("board.person_contacts_read", net.admin.id)).toBeGreaterThan(0);

    const photo = await api("GET", d.person.photoUrl!, { cookie: net.admin.cookie });
    expect(photo.status).toBe(200);
    expect(photo.headers.get("content-type")).toBe("image/jpeg");
    expect(new Uint8Array(await photo.arrayBuffer())).toEqual(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]));

    const v = await api("GET", `/api/rollcalls/${id}/people/${p.id}`, { cookie: viewer });
    const text = await v.text();
    expect(v.status).toBe(200);
    expect((JSON.parse(text) as PersonDetail).contacts).toBeNull();
    // The city viewer sees no staff faces (§5; the photo rule of GET /api/people/{id}/photo).
    expect((JSON.parse(text) as PersonDetail).person.photoUrl).toBeNull();
    expect((await api("GET", `/api/rollcalls/${id}/people/${p.id}/photo`, { cookie: viewer })).status).toBe(404);
    expect(text).not.toContain(p.email!);
    expect(text).not.toContain(p.mobile!);
  });

  it("refuses people outside a facility admin's facilities (403) and people not asked (404)", async () => {
    const a = await makeNetwork([{}]);
    const b = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin.cookie, { scope: { facilityIds: [a.facilityId, b.facilityId] } });
    expect((await api("GET", `/api/rollcalls/${id}/people/${b.staff[0]!.id}`, { cookie: a.admin.cookie })).status).toBe(403);
    expect((await api("GET", `/api/rollcalls/${id}/people/${b.staff[0]!.id}/photo`, { cookie: a.admin.cookie })).status).toBe(403);
    const stranger = await makePerson();
    expect((await api("GET", `/api/rollcalls/${id}/people/${stranger.id}`, { cookie: networkAdmin.cookie })).status).toBe(404);
    expect((await api("GET", `/api/rollcalls/${id}/people/${a.staff[0]!.id}/photo`, { cookie: networkAdmin.cookie })).status).toBe(404);
  });
});

type Resend = { wave: number | null; people: number; deliveries: number; alreadyReplied: number; unreachable: number };

const wavesOf = async (id: number) =>
  (
    await env.DB.prepare("SELECT wave, person_id, channel FROM deliveries WHERE rollcall_id = ?1 AND wave > 4 ORDER BY wave, person_id, channel")
      .bind(id)
      .all<{ wave: number; person_id: number; channel: string }>()
  ).results.map((r) => `${r.wave}:${r.person_id}:${r.channel}`);

describe("POST /api/rollcalls/{id}/resend", () => {
  it("asks the chosen non-responders again as a new wave past the template's, skipping those who replied; audited", async () => {
    const { net, id } = await drill();
    const [a, b, c] = net.staff;
    await recordReply(env, { rollcallId: id, personId: a!.id, answers: { safety: "safe" }, via: "link" });
    const r = await expectJson<Resend>(
      await api("POST", `/api/rollcalls/${id}/resend`, { cookie: networkAdmin.cookie, body: { personIds: [a!.id, b!.id, c!.id], channels: ["sms"] } }),
    );
    // The safety template has 4 waves: the first resend is wave 5.
    expect(r).toEqual({ wave: 5, people: 2, deliveries: 2, alreadyReplied: 1, unreachable: 0 });
    expect(await wavesOf(id)).toEqual([`5:${b!.id}:sms`, `5:${c!.id}:sms`]);
    // The queue sends them (to the sandbox outbox here).
    await vi.waitFor(
      async () => {
        const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox o JOIN deliveries d ON d.id = o.delivery_id WHERE d.rollcall_id = ?1 AND d.wave = 5")
          .bind(id)
          .first<{ n: number }>();
        expect(n!.n).toBe(2);
      },
      { timeout: 15_000, interval: 200 },
    );
    const entry = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'rollcall.resend' AND object_id = ?1")
      .bind(String(id))
      .first<{ detail: string }>();
    expect(JSON.parse(entry!.detail)).toEqual({ wave: 5, people: 2, channels: ["sms"] });

    // A second resend is a wave of its own; by default on every channel the person has.
    const again = await expectJson<Resend>(await api("POST", `/api/rollcalls/${id}/resend`, { cookie: networkAdmin.cookie, body: { personIds: [c!.id] } }));
    expect(again).toMatchObject({ wave: 6, people: 1, deliveries: 2 });
    expect((await wavesOf(id)).filter((w) => w.startsWith("6:"))).toEqual([`6:${c!.id}:email`, `6:${c!.id}:sms`]);
  });

  it("resends to all of a facility's non-responders for its own admin, and nobody left means no wave", async () => {
    const { net, id } = await drill([{}, { mobile: null, email: null }]);
    const r = await expectJson<Resend>(
      await api("POST", `/api/rollcalls/${id}/resend`, { cookie: net.admin.cookie, body: { facilityId: net.facilityId, channels: ["email"] } }),
    );
    expect(r).toMatchObject({ wave: 5, people: 2, alreadyReplied: 0, unreachable: 1 });
    for (const p of [net.admin, ...net.staff]) await recordReply(env, { rollcallId: id, personId: p.id, answers: { safety: "safe" }, via: "link" });
    expect(
      await expectJson<Resend>(await api("POST", `/api/rollcalls/${id}/resend`, { cookie: net.admin.cookie, body: { facilityId: net.facilityId } })),
    ).toEqual({
      wave: null,
      people: 0,
      deliveries: 0,
      alreadyReplied: 0,
      unreachable: 0,
    });
  });

  it("refuses bad input naming the field, other facilities' people, the viewer, and a closed roll-call; sends nothing", async () => {
    const a = await makeNetwork([{}]);
    const b = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin.cookie, { scope: { facilityIds: [a.facilityId, b.facilityId] } });
    const post = (cookie: string, body: unknown) => api("POST", `/api/rollcalls/${id}/resend`, { cookie, body });
    const err = async (res: Response, status: number) => (await expectJson<{ error: { code: string; field?: string } }>(res, status)).error;

    expect(await err(await post(networkAdmin.cookie, {}), 400)).toMatchObject({ code: "invalid", field: "personIds" });
    expect(await err(await post(networkAdmin.cookie, { personIds: [a.staff[0]!.id], facilityId: a.facilityId }), 400)).toMatchObject({ field: "facilityId" });
    expect(await err(await post(networkAdmin.cookie, { personIds: [a.staff[0]!.id], channels: ["fax"] }), 400)).toMatchObject({ field: "channels.0" });
    const stranger = await makePerson();
    expect(await err(await post(networkAdmin.cookie, { personIds: [stranger.id] }), 400)).toMatchObject({ field: "personIds" });
    expect(await err(await post(a.admin.cookie, { personIds: [b.staff[0]!.id] }), 403)).toMatchObject({ code: "forbidden", field: "personIds" });
    expect(await err(await post(a.admin.cookie, { facilityId: b.facilityId }), 403)).toMatchObject({ code: "forbidden", field: "facilityId" });
    expect(await err(await post(viewer, { facilityId: b.facilityId }), 403)).toMatchObject({ code: "role_forbidden" });
    expect(await api("POST", `/api/rollcalls/${id}/close`, { cookie: networkAdmin.cookie }).then((r) => r.status)).toBe(200);
    expect(await err(await post(networkAdmin.cookie, { facilityId: a.facilityId }), 409)).toMatchObject({ code: "closed" });
    expect(await wavesOf(id)).toEqual([]);
  });
});

type SmsReply = { status: number; reply: string; outcome: string | null; rollcallId: number | null };

describe("POST /api/outbox/sms-reply (the sandbox's answer-by-SMS box)", () => {
  it("sends a signed inbound SMS through the real webhook: the reply is recorded as an SMS and the TwiML text comes back", async () => {
    const { net, id } = await drill();
    const p = net.staff[0]!;
    const deliveryId = await vi.waitFor(
      async () => {
        const r = await env.DB.prepare("SELECT id FROM deliveries WHERE rollcall_id = ?1 AND person_id = ?2").bind(id, p.id).first<{ id: number }>();
        expect(r).not.toBeNull();
        return r!.id;
      },
      { timeout: 15_000, interval: 200 },
    );
    const r = await expectJson<SmsReply>(await api("POST", "/api/outbox/sms-reply", { cookie: networkAdmin.cookie, body: { deliveryId, body: "１　２" } }));
    // The TwiML echo, as the phone shows it (wording from the templates).
    expect(r).toEqual({ status: 200, reply: expect.stringMatching(/^回答を記録しました：.*無事.*条件付き/), outcome: "recorded", rollcallId: id });
    const reply = await env.DB.prepare("SELECT answers, via FROM replies WHERE rollcall_id = ?1 AND person_id = ?2")
      .bind(id, p.id)
      .first<{ answers: string; via: string }>();
    expect({ answers: JSON.parse(reply!.answers), via: reply!.via }).toEqual({ answers: { safety: "safe", availability: "conditional" }, via: "sms" });

    // By person and roll-call; text the parser cannot read gets the how-to answer.
    const howTo = await expectJson<SmsReply>(
      await api("POST", "/api/outbox/sms-reply", { cookie: networkAdmin.cookie, body: { personId: net.staff[1]!.id, rollcallId: id, body: "はい" } }),
    );
    expect(howTo).toMatchObject({ status: 200, outcome: "unparsed" });
    expect(howTo.reply).toContain("例「1 1」");
    const audit = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'outbox.sms_reply' AND object_id = ?1")
      .bind(String(p.id))
      .first<{ detail: string }>();
    expect(audit!.detail).not.toContain(p.mobile!);
  });

  it("signs with the sandbox token only where it is accepted: the same form unsigned, or signed with another token, is still refused", async () => {
    const { net, id } = await drill();
    const form = { AccountSid: `AC${"0".repeat(32)}`, Body: "1 1", From: net.staff[0]!.mobile!, MessageSid: `SM${"ab".repeat(16)}`, To: "+15005550006" };
    const url = `${ORIGIN}/webhooks/twilio/sms`;
    const post = (signature: string | null) =>
      api("POST", "/webhooks/twilio/sms", {
        body: new URLSearchParams(form).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", ...(signature ? { "x-twilio-signature": signature } : {}) },
      });
    expect((await post(null)).status).toBe(403);
    expect((await post(twilio.getExpectedTwilioSignature("f".repeat(32), url, form))).status).toBe(403);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM replies WHERE rollcall_id = ?1").bind(id).first<{ n: number }>();
    expect(n!.n).toBe(0);
  });

  it("400 for a person without a mobile; 404 in production; the sandbox token refused wherever a real token is set or APP_ENV is production", async () => {
    const { net, id } = await drill([{ mobile: null }, {}]);
    const res = await api("POST", "/api/outbox/sms-reply", { cookie: networkAdmin.cookie, body: { personId: net.staff[0]!.id, rollcallId: id, body: "1 1" } });
    expect((await expectJson<{ error: { field: string } }>(res, 400)).error.field).toBe("personId");

    const call = (e: Env, path: string, init: RequestInit) => app.fetch(new Request(`${ORIGIN}${path}`, init), e, createExecutionContext());
    const box = (e: Env) =>
      call(e, "/api/outbox/sms-reply", {
        method: "POST",
        headers: { cookie: networkAdmin.cookie, "content-type": "application/json" },
        body: JSON.stringify({ personId: net.staff[1]!.id, rollcallId: id, body: "1 1" }),
      });
    const form = { AccountSid: `AC${"0".repeat(32)}`, Body: "1 1", From: net.staff[1]!.mobile!, MessageSid: `SM${"cd".repeat(16)}`, To: "+15005550006" };
    const sandboxSigned = (e: Env) =>
      call(e, "/webhooks/twilio/sms", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": twilio.getExpectedTwilioSignature(SANDBOX_TWILIO_AUTH_TOKEN, `${ORIGIN}/webhooks/twilio/sms`, form),
        },
        body: new URLSearchParams(form).toString(),
      });

    // Production without secrets: nothing is sandboxed, the box is gone, and the public token is worthless.
    const production = { ...env, APP_ENV: "production" };
    expect((await box(production)).status).toBe(404);
    expect((await sandboxSigned(production)).status).toBe(403);

    // A real Twilio account set locally (push and email still sandboxed): the box signs with the real token; the sandbox token is refused.
    const acct = await twilioFake.account();
    const withTwilio = { ...env, ...twilioFake.env(acct) };
    expect((await sandboxSigned(withTwilio)).status).toBe(403);
    const r = (await (await box(withTwilio)).json()) as SmsReply;
    expect(r).toMatchObject({ status: 200, outcome: "recorded", rollcallId: id });
    expect(await replyCountOf(id)).toBe(1);
  });
});

const replyCountOf = async (id: number) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM replies WHERE rollcall_id = ?1").bind(id).first<{ n: number }>())!.n;
