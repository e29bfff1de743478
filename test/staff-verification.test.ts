import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { clock } from "../worker/lib/clock";
import { smtpFake, twilioFake } from "./fakes/client";
import { adminsWithoutMfa, count } from "./support/db";
import { makeFacility, signedIn } from "./support/factories";
import { api, errorOf, json } from "./support/http";

let facility: number;
beforeAll(async () => {
  await adminsWithoutMfa();
  facility = await makeFacility();
});

/** A signed-in person whose mobile (or email) is not verified yet; returns the contact id. */
async function unverified(kind: "mobile" | "email", spec: { email?: string; mobile?: string } = {}) {
  const me = await signedIn({ facilityId: facility, ...spec });
  await env.DB.prepare("UPDATE contacts SET verified_at = NULL WHERE person_id = ?1").bind(me.id).run();
  const row = await env.DB.prepare("SELECT id FROM contacts WHERE person_id = ?1 AND kind = ?2").bind(me.id, kind).first<{ id: number }>();
  return { ...me, contactId: row!.id };
}

const verifiedAt = async (contactId: number) =>
  (await env.DB.prepare("SELECT verified_at FROM contacts WHERE id = ?1").bind(contactId).first<{ verified_at: number | null }>())!.verified_at;

const codeIn = (body: string) => /\b(\d{6})\b/.exec(body)![1]!;

describe("mobile: a 6-digit code by SMS", () => {
  it("through the Twilio fake: the code arrives, is stored only hashed, and verifies the number", async () => {
    const acct = await twilioFake.account();
    const me = await unverified("mobile");
    const res = await api("POST", `/api/me/contacts/${me.contactId}/verify`, { cookie: me.cookie, env: twilioFake.env(acct) });
    expect(res.status).toBe(200);
    const started = await json<{ method: string; expiresAt: string; sandbox: boolean }>(res);
    expect(started).toMatchObject({ method: "code", sandbox: false });
    expect(Date.parse(started.expiresAt) - clock.now()).toBeLessThanOrEqual(10 * 60_000);
    const [sms] = await twilioFake.messages(acct);
    expect(sms!.to).toBe(me.mobile);
    const code = codeIn(sms!.body);
    const rows = await env.DB.prepare("SELECT secret_hash FROM contact_verifications WHERE contact_id = ?1").bind(me.contactId).all<{ secret_hash: string }>();
    expect(JSON.stringify(rows.results)).not.toContain(code);
    // With a real provider nothing of the message is kept.
    expect(await count("SELECT id FROM direct_messages WHERE kind = 'contact_code' AND person_id = ?1 AND body != ''", me.id)).toBe(0);

    expect(
      (await json<{ channels: { kind: string; verified: boolean }[] }>(await api("GET", "/api/me", { cookie: me.cookie }))).channels.find(
        (ch) => ch.kind === "mobile",
      )!.verified,
    ).toBe(false);
    const ok = await api("POST", `/api/me/contacts/${me.contactId}/confirm`, { cookie: me.cookie, body: { code } });
    expect(ok.status).toBe(200);
    expect(await verifiedAt(me.contactId)).not.toBeNull();
    expect(
      (await json<{ channels: { kind: string; verified: boolean }[] }>(await api("GET", "/api/me", { cookie: me.cookie }))).channels.find(
        (ch) => ch.kind === "mobile",
      )!.verified,
    ).toBe(true);
    // Used once: the same code again is refused, and a verified number needs no new code.
    expect((await api("POST", `/api/me/contacts/${me.contactId}/confirm`, { cookie: me.cookie, body: { code } })).status).toBe(410);
    expect((await api("POST", `/api/me/contacts/${me.contactId}/verify`, { cookie: me.cookie })).status).toBe(409);
  });

  it("a wrong code five times: each says how many tries are left, the fifth kills the code, and even the right one then fails", async () => {
    const me = await unverified("mobile");
    expect((await api("POST", `/api/me/contacts/${me.contactId}/verify`, { cookie: me.cookie })).status).toBe(200);
    const out = await json<{ items: { text: string }[] }>(await api("GET", "/api/outbox/messages?kind=contact_code", { cookie: me.cookie }));
    const code = codeIn(out.items[0]!.text);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 1; i <= 4; i++) {
      const res = await api("POST", `/api/me/contacts/${me.contactId}/confirm`, { cookie: me.cookie, body: { code: wrong } });
      expect(res.status).toBe(400);
      const e = await errorOf(res);
      expect(e).toMatchObject({ code: "wrong_code", field: "code" });
      expect(e.message).toContain(`あと${5 - i}回`);
    }
    const fifth = await api("POST", `/api/me/contacts/${me.contactId}/confirm`, { cookie: me.cookie, body: { code: wrong } });
    expect(fifth.status).toBe(400);
    expect(await errorOf(fifth)).toMatchObject({ code: "code_dead", field: "code" });
    const right = await api("POST", `/api/me/contacts/${me.contactId}/confirm`, { cookie: me.cookie, body: { code } });
    expect(right.status).toBe(410);
    expect((await errorOf(right)).message).toContain("まちがいが多すぎた");
    expect(await verifiedAt(me.contactId)).toBeNull();
    // A new code works.
    await api("POST", `/api/me/contacts/${me.contactId}/verify`, { cookie: me.cookie });
    const again = await json<{ items: { text: string }[] }>(await api("GET", "/api/outbox/messages?kind=contact_code", { cookie: me.cookie }));
    expect((await api("POST", `/api/me/contacts/${me.contactId}/confirm`, { cookie: me.cookie, body: { code: codeIn(again.items[0]!.text) } })).status).toBe(
      200,
    );
  });

  it("an expired code, a replaced code, a malformed code: clear 4xx naming code, nothing verified", async () => {
    const me = await unverified("mobile");
    await api("POST", `/api/me/contacts/${me.contactId}/verify`, { cookie: me.cookie });
    const first = codeIn(
      (await json<{ items: { text: string }[] }>(await api("GET", "/api/outbox/messages?kind=contact_code", { cookie: me.cookie }))).items[0]!.text,
    );
    const bad = await api("POST", `/api/me/contacts/${me.contactId}/confirm`, { cookie: me.cookie, body: { code: "12345" } });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).field).toBe("code");
    await api("POST", `/api/me/contacts/${me.contactId}/verify`, { cookie: me.cookie });
    // Only the newest code lives: the first is dead, whatever its digits.
    const rows = await env.DB.prepare("SELECT dead_at FROM contact_verifications WHERE contact_id = ?1 ORDER BY id")
      .bind(me.contactId)
      .all<{ dead_at: number | null }>();
    expect(rows.results.map((r) => r.dead_at !== null)).toEqual([true, false]);
    void first;
    const me2 = await unverified("mobile");
    await api("POST", `/api/me/contacts/${me2.contactId}/verify`, { cookie: me2.cookie });
    const code = codeIn(
      (await json<{ items: { text: string }[] }>(await api("GET", "/api/outbox/messages?kind=contact_code", { cookie: me2.cookie }))).items[0]!.text,
    );
    clock.advance(10 * 60_000 + 1);
    const late = await api("POST", `/api/me/contacts/${me2.contactId}/confirm`, { cookie: me2.cookie, body: { code } });
    expect(late.status).toBe(410);
    expect(await errorOf(late)).toMatchObject({ code: "code_expired", field: "code" });
    expect(await verifiedAt(me2.contactId)).toBeNull();
  });

  it("only one's own contacts; at most 5 requests an hour", async () => {
    const me = await unverified("mobile");
    const other = await unverified("mobile");
    expect((await api("POST", `/api/me/contacts/${other.contactId}/verify`, { cookie: me.cookie })).status).toBe(404);
    expect((await api("POST", `/api/me/contacts/${other.contactId}/confirm`, { cookie: me.cookie, body: { code: "123456" } })).status).toBe(404);
    for (let i = 0; i < 5; i++) expect((await api("POST", `/api/me/contacts/${me.contactId}/verify`, { cookie: me.cookie })).status).toBe(200);
    const sixth = await api("POST", `/api/me/contacts/${me.contactId}/verify`, { cookie: me.cookie });
    expect(sixth.status).toBe(429);
  });
});

describe("email: a link", () => {
  it("through the SMTP fake: the page asks to confirm (GET changes nothing), the POST verifies, the link is then used up", async () => {
    const domain = await smtpFake.domain();
    const me = await unverified("email", { email: `verify${Date.now()}@${domain}` });
    const res = await api("POST", `/api/me/contacts/${me.contactId}/verify`, { cookie: me.cookie, env: smtpFake.env() });
    expect(await json(res)).toMatchObject({ method: "link", sandbox: false });
    const [mail] = await smtpFake.received(domain);
    const path = /https:\/\/anpi\.example\.org(\/verify\/[A-Za-z0-9_-]{43})/.exec(mail!.text)![1]!;
    const page = await api("GET", path);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("確認する");
    expect(await verifiedAt(me.contactId)).toBeNull();
    const done = await api("POST", path);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("確認しました");
    expect(await verifiedAt(me.contactId)).not.toBeNull();
    expect((await api("POST", path)).status).toBe(410);
    expect((await api("GET", path)).status).toBe(410);
  });

  it("an expired or unknown link: a clear page, nothing verified; entering a code for an email is refused", async () => {
    const me = await unverified("email");
    await api("POST", `/api/me/contacts/${me.contactId}/verify`, { cookie: me.cookie });
    const link = (await json<{ items: { link: string }[] }>(await api("GET", "/api/outbox/messages?kind=contact_link", { cookie: me.cookie }))).items[0]!.link;
    const path = new URL(link).pathname;
    const code = await api("POST", `/api/me/contacts/${me.contactId}/confirm`, { cookie: me.cookie, body: { code: "123456" } });
    expect(code.status).toBe(400);
    expect((await errorOf(code)).field).toBe("id");
    clock.advance(24 * 3_600_000 + 1);
    const late = await api("POST", path);
    expect(late.status).toBe(410);
    expect(await late.text()).toContain("このリンクは使えません");
    expect(await verifiedAt(me.contactId)).toBeNull();
    expect((await api("GET", `/verify/${"B".repeat(43)}`)).status).toBe(404);
  });
});
