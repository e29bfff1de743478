import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_PAUSE_MS, pacing } from "../../worker/auth/throttle";
import { clock } from "../../worker/lib/clock";
import { adminsWithoutMfa } from "../support/db";
import { makeFacility, makePerson } from "../support/factories";
import { api, json, ORIGIN, PASSWORD } from "../support/http";
import { SoftAuthenticator } from "../support/webauthn";

/**
 * Finding 9 (issue 10): nobody can lock someone else's account. Locks are per
 * (account, address) and per address; failures across the whole account only slow
 * sign-in down (the server waits, see worker/auth/throttle.ts), never shut out the
 * right password from a new address or a passkey; the person is told by email.
 */
const WRONG = "Wrong12345";
const from = (ip: string) => ({ "cf-connecting-ip": ip });
const attempt = (email: string, password: string, ip: string) => api("POST", "/api/session", { body: { email, password }, headers: from(ip) });
let n = 0;
const freshIp = () => `198.51.100.${(++n % 250) + 1}`;

/** The pauses the server took, instead of sleeping through them. */
let pauses: number[] = [];
beforeEach(() => {
  pauses = [];
  vi.spyOn(pacing, "wait").mockImplementation(async (ms: number) => {
    pauses.push(ms);
  });
});
afterEach(() => vi.restoreAllMocks());

async function setting(key: string, value: unknown) {
  await env.DB.prepare("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?1, ?2, 0)").bind(key, JSON.stringify(value)).run();
}

const notices = (personId: number) =>
  env.DB.prepare("SELECT channel, recipient, subject, body, link FROM direct_messages WHERE kind = 'security_notice' AND person_id = ?1 ORDER BY id")
    .bind(personId)
    .all<{ channel: string; recipient: string; subject: string; body: string; link: string }>()
    .then((r) => r.results);

describe("sign-in throttles", () => {
  it("wrong passwords from many addresses do not lock the account: the right password from a new address gets in", async () => {
    const p = await makePerson({});
    for (let i = 0; i < 30; i++) expect((await attempt(p.email!, WRONG, `203.0.113.${i + 1}`)).status).toBe(401);
    const res = await attempt(p.email!, PASSWORD, "192.0.2.77");
    expect(res.status).toBe(200);
    // It was slowed down, not refused: the pauses grew and stayed within the cap.
    expect(pauses.length).toBeGreaterThan(0);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(MAX_PAUSE_MS);
  });

  it("locks (account, address) after loginMaxFailuresPerAccountAndAddress, with Retry-After; the same account from another address still gets in", async () => {
    const p = await makePerson({});
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await attempt(p.email!, WRONG, ip)).status).toBe(401);
    const locked = await attempt(p.email!, PASSWORD, ip);
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({ error: { code: "too_many_attempts" } });
    const retry = Number(locked.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(14 * 60);
    expect(retry).toBeLessThanOrEqual(15 * 60);
    expect((await attempt(p.email!, PASSWORD, freshIp())).status).toBe(200);
    clock.advance(16 * 60_000);
    expect((await attempt(p.email!, PASSWORD, ip)).status).toBe(200);
  });

  it("locks an address after loginMaxFailuresPerAddress failures on any accounts; other addresses are not affected", async () => {
    await setting("loginMaxFailuresPerAddress", 6);
    try {
      const ip = freshIp();
      const victims = await Promise.all([1, 2, 3].map(() => makePerson({})));
      for (const v of victims) for (let i = 0; i < 2; i++) expect((await attempt(v.email!, WRONG, ip)).status).toBe(401);
      const someoneElse = await makePerson({});
      expect((await attempt(someoneElse.email!, PASSWORD, ip)).status).toBe(429);
      expect((await attempt(someoneElse.email!, PASSWORD, freshIp())).status).toBe(200);
    } finally {
      await setting("loginMaxFailuresPerAddress", 50);
    }
  });

  it("slows the account down after loginSlowAfterAccountFailures, doubling up to the cap, and never below the setting", async () => {
    const p = await makePerson({});
    for (let i = 0; i < 5; i++) await attempt(p.email!, WRONG, freshIp());
    expect(pauses).toEqual([]);
    for (let i = 0; i < 5; i++) await attempt(p.email!, WRONG, freshIp());
    // Each pause counts from the last failure, so a few ms of the test's own time are off it.
    const steps = pauses.map((ms) => Math.round(ms / 1000));
    expect(steps).toEqual([1, 2, 4, 8, 8]);
    // Once the failures stop, a later sign-in does not wait.
    pauses = [];
    clock.advance(60_000);
    expect((await attempt(p.email!, PASSWORD, freshIp())).status).toBe(200);
    expect(pauses).toEqual([]);
  });

  it("a passkey sign-in is never blocked by password failures", async () => {
    await adminsWithoutMfa();
    const f = await makeFacility();
    const me = await makePerson({ facilityId: f });
    const cookie = (await api("POST", "/api/session", { body: { email: me.email, password: PASSWORD } })).headers.get("set-cookie")!.split(";")[0]!;
    const auth = new SoftAuthenticator(ORIGIN);
    const options = await json<Parameters<SoftAuthenticator["create"]>[0]>(await api("POST", "/api/me/passkeys/options", { cookie }));
    expect((await api("POST", "/api/me/passkeys", { cookie, body: { response: await auth.create(options), name: "iPhone" } })).status).toBe(201);
    // Lock the pair and the address the passkey sign-in comes from ("local"), and slow the account.
    for (let i = 0; i < 12; i++) await api("POST", "/api/session", { body: { email: me.email, password: WRONG } });
    expect((await api("POST", "/api/session", { body: { email: me.email, password: PASSWORD } })).status).toBe(429);
    pauses = [];
    const get = await json<Parameters<SoftAuthenticator["get"]>[0]>(await api("POST", "/api/passkeys/options"));
    const res = await api("POST", "/api/passkeys/session", { body: { response: await auth.get(get) } });
    expect(res.status).toBe(200);
    expect(pauses).toEqual([]);
  });
});

describe("telling the person", () => {
  it("after loginNotifyAfterAccountFailures failures, one email per lock window, in their language, with no address and no password", async () => {
    const p = await makePerson({ name: "狙 われ子" });
    for (let i = 0; i < 9; i++) await attempt(p.email!, `${WRONG}${i}`, `203.0.113.${i + 100}`);
    expect(await notices(p.id)).toEqual([]);
    for (let i = 9; i < 14; i++) await attempt(p.email!, `${WRONG}${i}`, `203.0.113.${i + 100}`);
    await vi.waitFor(async () => expect(await notices(p.id)).toHaveLength(1), { timeout: 5_000, interval: 100 });
    const [notice] = await notices(p.id);
    expect(notice!.channel).toBe("email");
    expect(notice!.subject).toBe("【安否確認】サインインの失敗が続いています");
    expect(notice!.body).toContain("狙 われ子さんのアカウントで、パスワードが違うサインインが続いています（10回）");
    expect(notice!.body).not.toMatch(/203\.0\.113|Wrong12345/);
    expect(notice!.body).toContain(`${ORIGIN}/account`);
    // More failures within the window: no second email. After the window: one more.
    for (let i = 0; i < 5; i++) await attempt(p.email!, WRONG, freshIp());
    expect(await notices(p.id)).toHaveLength(1);
    clock.advance(16 * 60_000);
    for (let i = 0; i < 10; i++) await attempt(p.email!, WRONG, freshIp());
    await vi.waitFor(async () => expect(await notices(p.id)).toHaveLength(2), { timeout: 5_000, interval: 100 });
  });

  it("in English for a person whose language is English; never for an unknown account", async () => {
    const p = await makePerson({ lang: "en", name: "Pat Lee" });
    for (let i = 0; i < 10; i++) await attempt(p.email!, WRONG, freshIp());
    await vi.waitFor(async () => expect(await notices(p.id)).toHaveLength(1), { timeout: 5_000, interval: 100 });
    expect((await notices(p.id))[0]!.subject).toBe("[Safety check] Repeated failed sign-ins");
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM direct_messages WHERE kind = 'security_notice'").first<{ n: number }>();
    for (let i = 0; i < 12; i++) expect((await attempt("nobody-here@example.org", WRONG, freshIp())).status).toBe(401);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM direct_messages WHERE kind = 'security_notice'").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });
});
