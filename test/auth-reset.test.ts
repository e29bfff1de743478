import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { RESET_REQUESTED, RESET_REQUESTS_PER_ADDRESS_PER_HOUR, RESET_REQUESTS_PER_CLIENT_PER_HOUR, RESET_TTL_MS } from "../worker/auth/service";
import { currentTotp } from "../worker/auth/totp";
import { app } from "../worker/app";
import { clock } from "../worker/lib/clock";
import { sha256Hex } from "../worker/lib/crypto";
import { smtpFake } from "./fakes/client";
import { adminsWithoutMfa, auditActions, count, lastAuditId } from "./support/db";
import { makeFacility, makePerson, signedIn, type PersonSpec } from "./support/factories";
import { api, errorOf, json, ORIGIN, PASSWORD, signIn } from "./support/http";

/**
 * 「パスワードを忘れた方」 (issue 14): a reset by an emailed link, through the SMTP fake.
 * The link works once, for 30 minutes; using it ends every session; requests are
 * throttled; the answer is the same whether or not the address has an account.
 */
const RESET_LINK = /https:\/\/anpi\.example\.org(\/reset\/([A-Za-z0-9_-]{43}))/;
const NEW_PASSWORD = "Hinode2026kz";
let ipN = 0;
const freshIp = () => `203.0.113.${(++ipN % 250) + 1}`;

/**
 * Asks for a reset as the sign-in screen does, and waits for the work the route left
 * to run after its answer (the look-up and the email), so a test can then read the mailbox.
 */
async function requestReset(email: string, opts: { ip?: string; lang?: string } = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { "content-type": "application/json", "cf-connecting-ip": opts.ip ?? freshIp() };
  if (opts.lang) headers["accept-language"] = opts.lang;
  const req = new Request(`${ORIGIN}/api/password-reset`, { method: "POST", headers, body: JSON.stringify({ email }) });
  const res = await app.fetch(req, { ...env, ...smtpFake.env() } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A person whose verified email is at a fresh SMTP fake domain. */
async function personWithMailbox(spec: PersonSpec = {}) {
  const domain = await smtpFake.domain();
  const person = await makePerson({ email: `reset${Math.random().toString(36).slice(2, 8)}@${domain}`, ...spec });
  return { ...person, email: person.email!, domain };
}

/** The reset path of the newest mail in the domain. */
async function linkIn(domain: string): Promise<{ path: string; token: string; mails: number }> {
  const mails = await smtpFake.received(domain);
  const m = RESET_LINK.exec(mails.at(-1)!.text);
  expect(m, mails.at(-1)!.text).not.toBeNull();
  return { path: m![1]!, token: m![2]!, mails: mails.length };
}

const setNew = (path: string, password = NEW_PASSWORD, password2 = password) => api("POST", path, { form: { password, password2 } });
const passwordHash = async (id: number) => (await env.DB.prepare("SELECT password_hash AS h FROM people WHERE id = ?1").bind(id).first<{ h: string }>())!.h;

beforeAll(adminsWithoutMfa);
afterEach(() => clock.reset());

describe("asking for a reset", () => {
  it("emails a link to an account's verified address: the token is random, stored hashed, and no address is in the link", async () => {
    const p = await personWithMailbox({ name: "再設定 花子" });
    const since = await lastAuditId();
    const res = await requestReset(p.email);
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ ok: true, message: RESET_REQUESTED.ja });
    const [mail] = await smtpFake.received(p.domain);
    expect(mail!.to).toEqual([p.email]);
    expect(mail!.subject).toBe("【安否確認】パスワードの再設定");
    expect(mail!.text).toContain("再設定 花子様");
    expect(mail!.text).toContain("30分間有効");
    const { path, token } = await linkIn(p.domain);
    expect(path).not.toContain("@");
    const row = await env.DB.prepare("SELECT token_hash, expires_at - created_at AS ttl, used_at FROM password_resets WHERE person_id = ?1")
      .bind(p.id)
      .first<{ token_hash: string; ttl: number; used_at: number | null }>();
    expect(row).toEqual({ token_hash: await sha256Hex(token), ttl: RESET_TTL_MS, used_at: null });
    expect(await auditActions(since)).toEqual(["auth.password_reset_requested"]);
    // The outbox record names the kind and masks the address.
    const dm = await env.DB.prepare("SELECT kind, recipient FROM direct_messages WHERE person_id = ?1 ORDER BY id DESC LIMIT 1")
      .bind(p.id)
      .first<{ kind: string; recipient: string }>();
    expect(dm!.kind).toBe("password_reset");
    expect(dm!.recipient).not.toBe(p.email);
  });

  it("answers an unknown address exactly as a known one, and sends nothing", async () => {
    const known = await personWithMailbox();
    const domain = await smtpFake.domain();
    const before = await count("SELECT id FROM password_resets");
    const since = await lastAuditId();
    const a = await requestReset(known.email);
    const b = await requestReset(`nobody@${domain}`);
    expect(b.status).toBe(a.status);
    expect(await b.json()).toEqual(await a.json());
    expect(await smtpFake.received(domain)).toEqual([]);
    expect(await count("SELECT id FROM password_resets")).toBe(before + 1);
    expect(await auditActions(since)).toEqual(["auth.password_reset_requested"]);
  });

  it("sends nothing to an address nobody verified, or of a deregistered person; the answer is the same", async () => {
    const unverified = await personWithMailbox();
    await env.DB.prepare("UPDATE contacts SET verified_at = NULL WHERE person_id = ?1 AND kind = 'email'").bind(unverified.id).run();
    const removed = await personWithMailbox();
    await env.DB.prepare("UPDATE people SET removed_at = ?2 WHERE id = ?1").bind(removed.id, clock.now()).run();
    for (const p of [unverified, removed]) {
      const res = await requestReset(p.email);
      expect(res.status).toBe(202);
      expect(await json(res)).toEqual({ ok: true, message: RESET_REQUESTED.ja });
      expect(await smtpFake.received(p.domain)).toEqual([]);
    }
  });

  it("answers in the language asked for, and refuses a malformed address naming the field", async () => {
    const en = await requestReset(`nobody@${await smtpFake.domain()}`, { lang: "en" });
    expect(await json(en)).toEqual({ ok: true, message: RESET_REQUESTED.en });
    const bad = await requestReset("not an address");
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ field: "email" });
  });

  it("finds the account by the address as it is stored (case and full-width characters)", async () => {
    const p = await personWithMailbox();
    const res = await requestReset(`  ${p.email.toUpperCase().replace("@", "＠")} `);
    expect(res.status).toBe(202);
    expect(await smtpFake.received(p.domain)).toHaveLength(1);
  });

  it("emails the person in their language", async () => {
    const p = await personWithMailbox({ lang: "vi", name: "Nguyen Lan" });
    await requestReset(p.email);
    const [mail] = await smtpFake.received(p.domain);
    expect(mail!.subject).toBe("[Xác nhận an toàn] Đặt lại mật khẩu");
    expect(mail!.text).toContain("Kính gửi Nguyen Lan");
    expect(mail!.text).toContain("30 phút");
    const page = await (await api("GET", (await linkIn(p.domain)).path)).text();
    expect(page).toContain('<html lang="vi">');
    expect(page).toContain("Đặt mật khẩu mới");
  });
});

describe("using the link", () => {
  it("sets the password once: every session ends, the audit entry is written, the old password no longer works", async () => {
    const p = await personWithMailbox();
    const phone = await signIn(p.email);
    const laptop = await signIn(p.email);
    await requestReset(p.email);
    const { path } = await linkIn(p.domain);

    // Opening the link changes nothing (a mail scanner may open it).
    const hash = await passwordHash(p.id);
    const since = await lastAuditId();
    const form = await api("GET", path);
    expect(form.status).toBe(200);
    expect(form.headers.get("cache-control")).toBe("no-store");
    const html = await form.text();
    expect(html).toContain("新しいパスワードを決める");
    expect(html).toContain('name="password2"');
    expect(html).not.toContain(p.email);
    expect(await api("GET", path)).toHaveProperty("status", 200);
    expect(await passwordHash(p.id)).toBe(hash);
    expect(await auditActions(since)).toEqual([]);
    expect((await api("GET", "/api/session", { cookie: phone })).status).toBe(200);

    const done = await setNew(path);
    expect(done.status).toBe(200);
    const page = await done.text();
    expect(page).toContain("パスワードを変更しました。サインインしてください。");
    expect(page).toContain('href="/"');
    expect(await auditActions(since)).toEqual(["auth.password_reset"]);
    const entry = await env.DB.prepare("SELECT actor_id, object_type, object_id FROM audit_log WHERE id > ?1").bind(since).first();
    expect(entry).toEqual({ actor_id: p.id, object_type: "person", object_id: String(p.id) });

    for (const cookie of [phone, laptop]) expect((await api("GET", "/api/session", { cookie })).status).toBe(401);
    expect((await api("POST", "/api/session", { body: { email: p.email, password: PASSWORD } })).status).toBe(401);
    await signIn(p.email, NEW_PASSWORD);

    // Used: refused, nothing changes.
    const hashAfter = await passwordHash(p.id);
    const beforeReuse = await lastAuditId();
    const again = await setNew(path, "Another2026zz");
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("このリンクはすでに使われています。");
    expect((await api("GET", path)).status).toBe(410);
    expect(await passwordHash(p.id)).toBe(hashAfter);
    expect(await auditActions(beforeReuse)).toEqual([]);
  });

  it("refuses a weak password or two that differ, naming the field, and changes nothing", async () => {
    const p = await personWithMailbox();
    await requestReset(p.email);
    const { path } = await linkIn(p.domain);
    const hash = await passwordHash(p.id);
    const weak = await setNew(path, "short1");
    expect(weak.status).toBe(400);
    const weakPage = await weak.text();
    expect(weakPage).toContain("文字以上にしてください。");
    expect(weakPage).toMatch(/id="password" [^>]*aria-invalid="true"/);
    const differ = await setNew(path, NEW_PASSWORD, `${NEW_PASSWORD}x`);
    expect(differ.status).toBe(400);
    expect(await differ.text()).toContain("2つのパスワードが一致しません。");
    expect(await passwordHash(p.id)).toBe(hash);
    // The link still works after the refusals.
    expect((await setNew(path)).status).toBe(200);
  });

  it("expires after 30 minutes: the page says so and nothing changes", async () => {
    const p = await personWithMailbox();
    await requestReset(p.email);
    const { path } = await linkIn(p.domain);
    const hash = await passwordHash(p.id);
    clock.advance(RESET_TTL_MS - 60_000);
    expect((await api("GET", path)).status).toBe(200);
    clock.advance(60_000);
    const gone = await api("GET", path);
    expect(gone.status).toBe(410);
    const text = await gone.text();
    expect(text).toContain("このリンクは使えません");
    expect(text).toContain("有効期限が切れています。");
    expect(text).toContain("パスワードを忘れた方");
    expect((await setNew(path)).status).toBe(410);
    expect(await passwordHash(p.id)).toBe(hash);
  });

  it("keeps one live link per account: a new request replaces the old one", async () => {
    const p = await personWithMailbox();
    const ip = freshIp();
    await requestReset(p.email, { ip });
    const first = await linkIn(p.domain);
    await requestReset(p.email, { ip });
    const second = await linkIn(p.domain);
    expect(second.mails).toBe(2);
    expect(second.token).not.toBe(first.token);
    expect(await count("SELECT id FROM password_resets WHERE person_id = ?1 AND used_at IS NULL AND replaced_at IS NULL", p.id)).toBe(1);
    const old = await setNew(first.path);
    expect(old.status).toBe(410);
    expect(await old.text()).toContain("新しいリンクを送った");
    expect((await setNew(second.path)).status).toBe(200);
  });

  it("an unknown or malformed link: a clear page in Japanese and English, 404", async () => {
    for (const path of [`/reset/${"A".repeat(43)}`, "/reset/short"]) {
      const res = await api("GET", path);
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).toContain("このリンクは使えません");
      expect(text).toContain("Check that the link is complete.");
      expect((await setNew(path)).status).toBe(404);
    }
  });

  it("does not get round the one-time code app: an admin with one still enters its code", async () => {
    const f = await makeFacility();
    const domain = await smtpFake.domain();
    const admin = await signedIn({ facilityId: f, role: "admin", email: `admin${Date.now()}@${domain}` });
    const setup = await json<{ secret: string }>(await api("POST", "/api/me/totp/setup", { cookie: admin.cookie }));
    expect((await api("POST", "/api/me/totp/enable", { cookie: admin.cookie, body: { code: currentTotp(setup.secret, clock.now()) } })).status).toBe(200);

    await requestReset(admin.email!);
    const done = await setNew((await linkIn(domain)).path);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("認証アプリを登録している方は");
    const noCode = await api("POST", "/api/session", { body: { email: admin.email, password: NEW_PASSWORD } });
    expect(noCode.status).toBe(401);
    expect(await errorOf(noCode)).toMatchObject({ code: "code_required" });
    clock.advance(31_000);
    await signIn(admin.email!, NEW_PASSWORD, currentTotp(setup.secret, clock.now()));
    const row = await env.DB.prepare("SELECT totp_enabled_at FROM people WHERE id = ?1").bind(admin.id).first<{ totp_enabled_at: number | null }>();
    expect(row!.totp_enabled_at).not.toBeNull();
  });
});

describe("throttling", () => {
  it("per address: past the limit the same answer, and no more email", async () => {
    const p = await personWithMailbox();
    for (let i = 0; i < RESET_REQUESTS_PER_ADDRESS_PER_HOUR; i++) expect((await requestReset(p.email)).status).toBe(202);
    expect(await smtpFake.received(p.domain)).toHaveLength(RESET_REQUESTS_PER_ADDRESS_PER_HOUR);
    const over = await requestReset(p.email);
    expect(over.status).toBe(202);
    expect(await json(over)).toEqual({ ok: true, message: RESET_REQUESTED.ja });
    expect(await smtpFake.received(p.domain)).toHaveLength(RESET_REQUESTS_PER_ADDRESS_PER_HOUR);
    // An hour later the person can ask again.
    clock.advance(3_600_000 + 1);
    await requestReset(p.email);
    expect(await smtpFake.received(p.domain)).toHaveLength(RESET_REQUESTS_PER_ADDRESS_PER_HOUR + 1);
  });

  it("per client address: 429 in Japanese past the limit, whatever the address asked for", async () => {
    const ip = freshIp();
    const domain = await smtpFake.domain();
    for (let i = 0; i < RESET_REQUESTS_PER_CLIENT_PER_HOUR; i++) expect((await requestReset(`probe${i}@${domain}`, { ip })).status).toBe(202);
    const p = await personWithMailbox();
    const over = await requestReset(p.email, { ip });
    expect(over.status).toBe(429);
    expect(await errorOf(over)).toMatchObject({ code: "too_many_requests", message: expect.stringContaining("1時間ほどおいて") });
    expect(await smtpFake.received(p.domain)).toEqual([]);
    // Another client address is not held back.
    expect((await requestReset(p.email)).status).toBe(202);
    expect(await smtpFake.received(p.domain)).toHaveLength(1);
  });
});
