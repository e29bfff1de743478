/**
 * A scan of what a full roll-call leaves behind outside the directory: every console
 * line the worker wrote, every URL it built (reply links, status callbacks), every push
 * payload as the browser decrypts it, and the audit log. No phone number and no email
 * of anyone may appear in any of them (DESIGN.md: not in logs, URLs or push payloads).
 */
import { createExecutionContext, env } from "cloudflare:test";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app } from "../worker/app";
import { containsContactDetail } from "../worker/delivery/channels/push";
import type { DeliveryMessage } from "../worker/delivery/types";
import { pushFake, smtpFake, testEnv, twilioFake } from "./fakes/client";
import { addPushSubscription, deliveriesOf, makeRollcall } from "./fakes/rollcall";
import { adminsWithoutMfa, replyPath } from "./support/db";
import { makeFacility, makePerson, signedIn, type TestPerson } from "./support/factories";
import { api, ORIGIN, postForm } from "./support/http";
import { QueueSim } from "./support/queue-sim";

const captured: string[] = [];
const originals = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
beforeAll(async () => {
  for (const k of Object.keys(originals) as (keyof typeof originals)[])
    console[k] = (...args: unknown[]) => {
      captured.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
      originals[k](...args);
    };
  await adminsWithoutMfa();
});
afterAll(() => Object.assign(console, originals));

/** Every way a number or address could be written: E.164, national, digits only, the local part of an email. */
function forms(p: TestPerson): string[] {
  const out: string[] = [];
  if (p.mobile) {
    const national = `0${p.mobile.slice(3)}`;
    out.push(p.mobile, p.mobile.slice(1), national, `${national.slice(0, 3)}-${national.slice(3, 7)}-${national.slice(7)}`);
  }
  if (p.email) out.push(p.email, encodeURIComponent(p.email), p.email.split("@")[0]!);
  return out;
}

const URL_RE = /https?:\/\/[^\s"'<>）」]+/g;

describe("privacy scan of a full roll-call", () => {
  it("no phone number or email in logs, built URLs, push payloads or the audit log", async () => {
    const auditFrom = (await env.DB.prepare("SELECT COALESCE(MAX(id), 0) AS n FROM audit_log").first<number>("n")) ?? 0;
    const [acct, tenant, domain, badDomain] = await Promise.all([twilioFake.account(), pushFake.tenant(), smtpFake.domain(), smtpFake.domain()]);
    const facility = await makeFacility();
    const admin = await signedIn({ facilityId: facility, role: "admin", email: `admin.${Date.now()}@${domain}` });
    const people: TestPerson[] = [admin];
    for (let i = 0; i < 6; i++)
      people.push(
        await makePerson({ facilityId: facility, password: null, email: `staff${i}.${Date.now()}@${i === 5 ? badDomain : domain}`, name: `走査 ${i}` }),
      );
    // One with a number Twilio refuses (a permanent error is logged and stored), one whose mail bounces.
    people.push(await makePerson({ facilityId: facility, password: null, mobile: "+0123456789", email: null }));
    await smtpFake.mode(badDomain, { failRate: 1, failStatus: 550 });
    for (const p of people) await addPushSubscription(p.id, await pushFake.subscribe(tenant));
    const rc = await makeRollcall({ people: people.map((p, i) => ({ id: p.id, facilityId: facility, isFacilityAdmin: i === 0 })), ownerFacilityId: facility });

    // Fan-out with a flaky push service (retries log), then the SMS wave and the digest.
    const e = testEnv({ ...twilioFake.env(acct), ...pushFake.env(), ...smtpFake.env() });
    await pushFake.mode(tenant, { failRate: 1, failStatus: 503, times: 3 });
    const q = new QueueSim(e);
    const plan = (wave: number, channels: ("push" | "sms" | "email")[], audience: "recipients" | "facility_admins" = "recipients"): DeliveryMessage => ({
      type: "plan",
      rollcallId: rc.id,
      wave,
      channels,
      onlyUnreplied: wave > 1,
      fallback: true,
      audience,
      afterPersonId: 0,
    });
    q.push(plan(1, ["push", "email"]));
    await q.drain();
    expect(await postForm(await replyPath(rc.id, people[1]!.id), { safety: "minor", availability: "no", comment: "足を怪我", confirm: "1" })).toHaveProperty(
      "status",
      200,
    );
    q.push(plan(2, ["sms"]));
    q.push(plan(4, ["push", "email"], "facility_admins"));
    await q.drain();
    const states = (await deliveriesOf(rc.id)).map((d) => d.state);
    expect(states).toContain("failed");
    expect(states).toContain("sent");

    // Inbound SMS (a known sender and an unknown one) and a status callback, signed.
    const post = async (path: string, params: Record<string, string>) => {
      const url = `${ORIGIN}${path}`;
      const res = await app.fetch(
        new Request(url, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilio.getExpectedTwilioSignature(acct.token, url, params) },
          body: new URLSearchParams(params),
        }),
        e,
        createExecutionContext(),
      );
      expect(res.status).toBe(200);
    };
    await post("/webhooks/twilio/sms", { AccountSid: acct.sid, From: people[2]!.mobile!, Body: "1 1", MessageSid: `SM${"a".repeat(32)}`, To: "+15005550006" });
    await post("/webhooks/twilio/sms", { AccountSid: acct.sid, From: "+819099999999", Body: "1 1", MessageSid: `SM${"b".repeat(32)}`, To: "+15005550006" });
    const sms = await twilioFake.messages(acct);
    await post("/webhooks/twilio/status", {
      AccountSid: acct.sid,
      MessageSid: sms[0]!.sid,
      MessageStatus: "undelivered",
      ErrorCode: "30003",
      To: sms[0]!.to,
      From: sms[0]!.from,
    });
    // The admin reads the board, drills into a person (contacts, audited), exports.
    for (const path of [
      `/api/rollcalls/${rc.id}`,
      `/api/rollcalls/${rc.id}/board`,
      `/api/rollcalls/${rc.id}/people/${people[3]!.id}`,
      `/api/rollcalls/${rc.id}/export.csv`,
    ])
      expect((await api("GET", path, { cookie: admin.cookie })).status).toBe(200);

    const secrets = people.flatMap(forms);
    const pushes = await pushFake.received(tenant);
    const mails = await smtpFake.received(domain);
    expect(pushes.length).toBeGreaterThan(0);
    const urls = [
      ...sms.flatMap((m) => [...(m.body.match(URL_RE) ?? []), m.statusCallback ?? ""]),
      ...mails.flatMap((m) => [...(m.text.match(URL_RE) ?? []), ...(m.html.match(URL_RE) ?? [])]),
      ...pushes.flatMap((p) => p.payload.match(URL_RE) ?? []),
    ].filter(Boolean);
    expect(urls.some((u) => u.includes("/r/"))).toBe(true);
    expect(urls.some((u) => u.endsWith("/webhooks/twilio/status"))).toBe(true);
    const audit = (
      await env.DB.prepare("SELECT action, detail FROM audit_log WHERE id > ?1").bind(auditFrom).all<{ action: string; detail: string | null }>()
    ).results.map((r) => `${r.action} ${r.detail ?? ""}`);
    expect(audit.length).toBeGreaterThan(0);

    const places: [string, string[]][] = [
      ["log", captured],
      ["url", urls],
      ["push payload", pushes.map((p) => p.payload)],
      ["audit", audit],
    ];
    for (const [where, texts] of places)
      for (const t of texts) {
        for (const s of secrets) expect(t, `${where} holds ${s}`).not.toContain(s);
      }
    // Nothing shaped like a number or an address at all in URLs and push payloads.
    for (const t of [...urls, ...pushes.map((p) => p.payload)]) expect(containsContactDetail(t), t).toBe(false);
  });
});
