/**
 * Issue 10, finding 4: contact verification could pump SMS. Any signed-in person
 * could add a foreign (premium-rate) mobile, ask for five codes, replace the number
 * and do it again, without end, at the network's cost. Now:
 * - mobiles are Japanese (+81) unless the setting mobileExtraCountryCodes allows the country;
 * - codes are limited per account and per destination number per day (the number is
 *   counted by its hash, whoever holds it, so removing and adding it again does not help);
 * - the whole network sends at most verificationSmsDailyCeiling a day, and the network
 *   admins are alerted once when the ceiling is reached.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkMobile, checkMobileShape, parseMobile, requireMobile } from "../../worker/directory/contact";
import { ApiError } from "../../worker/lib/errors";
import { clock } from "../../worker/lib/clock";
import { twilioFake } from "../fakes/client";
import { adminsWithoutMfa, count } from "../support/db";
import { makeFacility, signedIn } from "../support/factories";
import { api, errorOf, json, signIn } from "../support/http";

const DAY = 24 * 3_600_000;
const PH = ["+63 917 100 0001", "+63 917 100 0002", "+63 917 100 0003"];

let facility: number;
beforeAll(async () => {
  await adminsWithoutMfa();
  facility = await makeFacility();
});

async function setting(key: string, value: unknown) {
  await env.DB.prepare("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?1, ?2, 0)").bind(key, JSON.stringify(value)).run();
}
afterEach(async () => {
  await env.DB.prepare(
    "DELETE FROM settings WHERE key IN ('mobileExtraCountryCodes', 'verificationCodesPerAccountPerDay', 'verificationCodesPerNumberPerDay', 'verificationSmsDailyCeiling')",
  ).run();
});

let n = 0;
/** A fresh Japanese mobile number nobody in this file holds. */
const freshMobile = () => `080-${String(5000 + ++n).padStart(4, "0")}-${String(1000 + n).padStart(4, "0")}`;

async function addMobile(cookie: string, value: string): Promise<Response> {
  return api("POST", "/api/me/contacts", { cookie, body: { kind: "mobile", value } });
}
async function addedId(cookie: string, value: string): Promise<number> {
  const res = await addMobile(cookie, value);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json<{ channel: { id: number } }>(res)).channel.id;
}
const verify = (cookie: string, contactId: number, over?: Partial<Env>) => api("POST", `/api/me/contacts/${contactId}/verify`, { cookie, env: over });
const codesSentTo = (personId: number) => count("SELECT id FROM direct_messages WHERE kind = 'contact_code' AND person_id = ?1", personId);

describe("mobiles are Japanese unless a setting allows the country", () => {
  it("checkMobile and parseMobile: Japan only by default; extraCountryCodes adds countries; a clear Japanese message", () => {
    const r = checkMobile(PH[0]!);
    expect(r).toMatchObject({ ok: false, code: "country_not_allowed" });
    if (!r.ok) expect(r.message.ja).toMatch(/携帯電話番号.*日本.*\+81/);
    expect(parseMobile(PH[0]!)).toBeNull();
    expect(parseMobile("+1 415 555 2671")).toBeNull();
    expect(parseMobile(PH[0]!, { extraCountryCodes: ["63"] })).toBe("+639171000001");
    expect(parseMobile(PH[0]!, { extraCountryCodes: ["84"] })).toBeNull();
    const named = checkMobile(PH[0]!, { extraCountryCodes: ["84"] });
    if (!named.ok) expect(named.message.ja).toContain("+84");
    // Japanese numbers pass whatever the setting.
    expect(parseMobile("090-1234-5678", { extraCountryCodes: [] })).toBe("+819012345678");
    expect(parseMobile("+81 90 1234 5678")).toBe("+819012345678");
  });

  it("requireMobile throws 400 naming the field; checkMobileShape (for request schemas) checks the form only", () => {
    expect(requireMobile("090-1234-5678", "mobile")).toBe("+819012345678");
    expect(requireMobile(PH[0]!, "mobile", { extraCountryCodes: ["63"] })).toBe("+639171000001");
    try {
      requireMobile(PH[0]!, "mobile");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect(e).toMatchObject({ status: 400, code: "country_not_allowed", field: "mobile" });
    }
    expect(checkMobileShape(PH[0]!)).toEqual({ ok: true, value: "+639171000001" });
    expect(checkMobileShape("03-1234-5678").ok).toBe(false);
  });

  it("POST /api/me/contacts refuses a foreign mobile with 400 naming value; allowed once the setting lists the country", async () => {
    const me = await signedIn({ facilityId: facility });
    const refused = await addMobile(me.cookie, PH[0]!);
    expect(refused.status).toBe(400);
    const e = await errorOf(refused);
    expect(e).toMatchObject({ code: "country_not_allowed", field: "value" });
    expect(e.message).toContain("携帯電話番号");
    expect(await count("SELECT id FROM contacts WHERE person_id = ?1 AND kind = 'mobile' AND value LIKE '+63%'", me.id)).toBe(0);

    await setting("mobileExtraCountryCodes", ["63"]);
    const id = await addedId(me.cookie, PH[0]!);
    expect((await verify(me.cookie, id)).status).toBe(200);

    // The setting narrowed again: no code goes to the number already stored.
    await setting("mobileExtraCountryCodes", []);
    const before = await codesSentTo(me.id);
    const again = await verify(me.cookie, id);
    expect(again.status).toBe(400);
    expect(await errorOf(again)).toMatchObject({ code: "country_not_allowed", field: "id" });
    expect(await codesSentTo(me.id)).toBe(before);
  });
});

describe("codes per account and per number per day", () => {
  it("the attack of the finding: five codes, replace the number, again... stops at the account's daily limit; the provider gets no more", async () => {
    const acct = await twilioFake.account();
    const provider = twilioFake.env(acct);
    const me = await signedIn({ facilityId: facility, mobile: null });
    let sent = 0;
    let refused: Response | null = null;
    for (let round = 0; round < 5 && !refused; round++) {
      const id = await addedId(me.cookie, freshMobile());
      for (let i = 0; i < 5; i++) {
        const res = await verify(me.cookie, id, provider);
        if (res.status !== 200) {
          refused = res;
          break;
        }
        sent++;
      }
    }
    expect(sent).toBe(10); // verificationCodesPerAccountPerDay, by default
    expect(refused!.status).toBe(429);
    const e = await errorOf(refused!);
    expect(e).toMatchObject({ code: "account_daily_limit", field: "id" });
    expect(e.message).toContain("1日10回");
    expect((await twilioFake.messages(acct)).length).toBe(10);

    // A day later the person can verify again (signed in anew: sessions do not last a day).
    clock.advance(DAY + 1);
    const cookie = await signIn(me.email!);
    const id = await addedId(cookie, freshMobile());
    expect((await verify(cookie, id, provider)).status).toBe(200);
  });

  it("the account limit is a setting", async () => {
    await setting("verificationCodesPerAccountPerDay", 2);
    const me = await signedIn({ facilityId: facility, mobile: null });
    const a = await addedId(me.cookie, freshMobile());
    expect((await verify(me.cookie, a)).status).toBe(200);
    const b = await addedId(me.cookie, freshMobile());
    expect((await verify(me.cookie, b)).status).toBe(200);
    const c = await addedId(me.cookie, freshMobile());
    const third = await verify(me.cookie, c);
    expect(third.status).toBe(429);
    expect((await errorOf(third)).code).toBe("account_daily_limit");
  });

  it("per number: removing and adding the same number again, or another account adding it, does not reset its count", async () => {
    const number = freshMobile();
    const first = await signedIn({ facilityId: facility, mobile: null });
    const id = await addedId(first.cookie, number);
    for (let i = 0; i < 5; i++) expect((await verify(first.cookie, id)).status).toBe(200);

    // Replaced by another number, then added back: a new contact row, the same number.
    await addedId(first.cookie, freshMobile());
    const back = await addedId(first.cookie, number);
    expect(back).not.toBe(id);
    const readded = await verify(first.cookie, back);
    expect(readded.status).toBe(429);
    expect(await errorOf(readded)).toMatchObject({ code: "number_daily_limit", field: "id" });

    // Released again, and taken by a second account: still counted.
    await addedId(first.cookie, freshMobile());
    const second = await signedIn({ facilityId: facility, mobile: null });
    const theirs = await addedId(second.cookie, number);
    const res = await verify(second.cookie, theirs);
    expect(res.status).toBe(429);
    const e = await errorOf(res);
    expect(e).toMatchObject({ code: "number_daily_limit", field: "id" });
    expect(e.message).toMatch(/この番号/);
    expect(await codesSentTo(second.id)).toBe(0);

    // The count keeps no number in clear.
    const e164 = parseMobile(number)!;
    const rows = await env.DB.prepare("SELECT * FROM verification_sms").all();
    expect(JSON.stringify(rows.results)).not.toContain(e164.slice(3));
  });

  it("racing requests cannot overrun a limit: the count and the insert are one statement", async () => {
    await setting("verificationCodesPerNumberPerDay", 2);
    const me = await signedIn({ facilityId: facility, mobile: null });
    const id = await addedId(me.cookie, freshMobile());
    const all = await Promise.all(Array.from({ length: 6 }, () => verify(me.cookie, id)));
    expect(all.filter((r) => r.status === 200).length).toBe(2);
    expect(all.filter((r) => r.status === 429).length).toBe(4);
    expect(await codesSentTo(me.id)).toBe(2);
  });

  it("an email link is not an SMS: it is not counted against the daily SMS limits", async () => {
    await setting("verificationCodesPerAccountPerDay", 1);
    const me = await signedIn({ facilityId: facility, mobile: null });
    const mobile = await addedId(me.cookie, freshMobile());
    expect((await verify(me.cookie, mobile)).status).toBe(200);
    await env.DB.prepare("UPDATE contacts SET verified_at = NULL WHERE person_id = ?1 AND kind = 'email'").bind(me.id).run();
    const email = (await env.DB.prepare("SELECT id FROM contacts WHERE person_id = ?1 AND kind = 'email' AND removed_at IS NULL")
      .bind(me.id)
      .first<{ id: number }>())!.id;
    expect((await verify(me.cookie, email)).status).toBe(200);
  });
});

describe("the network's daily ceiling", () => {
  it("at the ceiling no more verification SMS go out; the network admins are alerted once (SMS and email), with an audit entry", async () => {
    const admin = await signedIn({ globalRole: "network_admin" });
    const now = clock.now();
    const already = await count("SELECT id FROM verification_sms WHERE created_at > ?1", now - DAY);
    await setting("verificationSmsDailyCeiling", already + 2);
    const alerts = () => count("SELECT id FROM direct_messages WHERE kind = 'admin_alert'");
    const ceilingAudits = () => count("SELECT id FROM audit_log WHERE action = 'verification.sms_ceiling_reached'");
    expect(await alerts()).toBe(0);

    const people = await Promise.all([0, 1, 2, 3].map(() => signedIn({ facilityId: facility, mobile: null })));
    const ids: number[] = [];
    for (const p of people) ids.push(await addedId(p.cookie, freshMobile()));

    expect((await verify(people[0]!.cookie, ids[0]!)).status).toBe(200);
    expect(await alerts()).toBe(0);
    // This one reaches the ceiling: it goes out, and the admins hear of it at once.
    expect((await verify(people[1]!.cookie, ids[1]!)).status).toBe(200);
    const adminContacts = await count("SELECT id FROM contacts WHERE person_id = ?1 AND removed_at IS NULL", admin.id);
    expect(await alerts()).toBeGreaterThanOrEqual(adminContacts);
    const mine = await env.DB.prepare("SELECT channel, subject, body FROM direct_messages WHERE kind = 'admin_alert' AND person_id = ?1 ORDER BY channel")
      .bind(admin.id)
      .all<{ channel: string; subject: string; body: string }>();
    expect(mine.results.map((m) => m.channel)).toEqual(["email", "sms"]);
    expect(mine.results[1]!.body).toContain("上限");
    expect(mine.results[0]!.subject).toContain("上限");
    expect(await ceilingAudits()).toBe(1);
    const alertCount = await alerts();

    // Over the ceiling: refused, nothing sent, and no second alert the same day.
    for (const i of [2, 3]) {
      const res = await verify(people[i]!.cookie, ids[i]!);
      expect(res.status).toBe(429);
      const e = await errorOf(res);
      expect(e).toMatchObject({ code: "network_daily_ceiling", field: "id" });
      expect(e.message).toContain("上限");
      expect(await codesSentTo(people[i]!.id)).toBe(0);
    }
    expect(await alerts()).toBe(alertCount);
    expect(await ceilingAudits()).toBe(1);
    // The audit entry and the alerts name no number of the senders.
    const detail = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'verification.sms_ceiling_reached'").first<{ detail: string }>();
    expect(JSON.parse(detail!.detail)).toMatchObject({ ceiling: already + 2, alertsAccepted: alertCount });
    const phones = await env.DB.prepare("SELECT value FROM contacts WHERE id IN (?1, ?2, ?3, ?4)")
      .bind(...ids)
      .all<{ value: string }>();
    const bodies = await env.DB.prepare("SELECT body, subject FROM direct_messages WHERE kind = 'admin_alert'").all();
    for (const p of phones.results) {
      expect(detail!.detail).not.toContain(p.value);
      expect(JSON.stringify(bodies.results)).not.toContain(p.value);
    }

    // A day later the ceiling has room again.
    clock.advance(DAY + 1);
    expect((await verify(await signIn(people[2]!.email!), ids[2]!)).status).toBe(200);
  });
});
