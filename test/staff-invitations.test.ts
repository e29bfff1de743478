import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { clock } from "../worker/lib/clock";
import { smtpFake, twilioFake } from "./fakes/client";
import { adminsWithoutMfa, auditActions, count, lastAuditId } from "./support/db";
import { makeFacility, makePerson, signedIn } from "./support/factories";
import { api, cookieOf, errorOf, json, signIn } from "./support/http";

const JOIN_LINK = /https:\/\/anpi\.example\.org(\/join\/[A-Za-z0-9_-]{43})/;
const GOOD = "Sakura2026ab";

let facility: number;
let admin: { id: number; cookie: string };
beforeAll(async () => {
  await adminsWithoutMfa();
  facility = await makeFacility({ name: `招待テスト診療所${Date.now()}` });
  admin = await signedIn({ facilityId: facility, role: "admin", name: "管理 一郎" });
});

/** Invites by email through the SMTP fake and returns the join path read from the mail. */
async function inviteByMail(body: Record<string, unknown>, cookie = admin.cookie): Promise<{ path: string; id: number; address: string }> {
  const domain = await smtpFake.domain();
  const address = `invitee${Math.random().toString(36).slice(2, 8)}@${domain}`;
  const res = await api("POST", "/api/invitations", { cookie, env: smtpFake.env(), body: { name: "招待 花子", email: address, ...body } });
  expect(res.status, await res.clone().text()).toBe(201);
  const inv = await json<{ id: number }>(res);
  const [mail] = await smtpFake.received(domain);
  const m = JOIN_LINK.exec(mail!.text);
  expect(m).not.toBeNull();
  return { path: m![1]!, id: inv.id, address };
}

const accept = (path: string, over: Record<string, string> = {}) =>
  api("POST", path, { form: { decision: "accept", name: "招待 花子", kana: "しょうたい はなこ", password: GOOD, password2: GOOD, ...over } });

describe("invitations: create and send", () => {
  it("an admin invites by email: the mail carries the join link, the API answers without the token, the address is masked", async () => {
    const domain = await smtpFake.domain();
    const address = `hanako@${domain}`;
    const res = await api("POST", "/api/invitations", {
      cookie: admin.cookie,
      env: smtpFake.env(),
      body: { facilityId: facility, role: "staff", name: "招待 花子", email: address, message: "訪問看護の連絡網です" },
    });
    expect(res.status).toBe(201);
    const inv = await json<Record<string, unknown>>(res);
    expect(inv).toMatchObject({
      facilityId: facility,
      groupId: null,
      role: "staff",
      channel: "email",
      state: "pending",
      sent: true,
      sandbox: false,
      recipient: `h***@${domain}`,
    });
    expect(JSON.stringify(inv)).not.toContain(address);
    const [mail] = await smtpFake.received(domain);
    expect(mail!.subject).toContain("招待テスト診療所");
    expect(mail!.text).toContain("訪問看護の連絡網です");
    const token = JOIN_LINK.exec(mail!.text)![1]!.slice(6);
    expect(JSON.stringify(inv)).not.toContain(token);
    const stored = await env.DB.prepare("SELECT token_hash, expires_at - created_at AS ttl FROM invitations WHERE id = ?1")
      .bind(inv.id)
      .first<{ token_hash: string; ttl: number }>();
    expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored!.token_hash).not.toContain(token);
    expect(stored!.ttl).toBe(7 * 86_400_000);
  });

  it("by SMS through the Twilio fake, with the link in a short text", async () => {
    const acct = await twilioFake.account();
    const res = await api("POST", "/api/invitations", {
      cookie: admin.cookie,
      env: twilioFake.env(acct),
      body: { facilityId: facility, name: "エスエムエス 太郎", mobile: "090-5555-0101" },
    });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ channel: "sms", recipient: "+81****0101" });
    const [sms] = await twilioFake.messages(acct);
    expect(sms!.to).toBe("+819055550101");
    expect(sms!.body).toMatch(JOIN_LINK);
  });

  it("locally goes to the sandbox outbox: the network admin reads the link, the inviter sees it was sent (no link), others nothing", async () => {
    const res = await api("POST", "/api/invitations", {
      cookie: admin.cookie,
      body: { facilityId: facility, name: "砂箱 次郎", email: `sandbox${Date.now()}@example.org` },
    });
    expect(res.status).toBe(201);
    const inv = await json<{ id: number; sandbox: boolean }>(res);
    expect(inv.sandbox).toBe(true);
    // Issue 10 (finding 7): only the addressee and the network admin (every mailbox of the demo) read an invitation's link.
    const network = await signedIn({ globalRole: "network_admin" });
    const list = await json<{ items: { id: number; kind: string; link: string; recipient: string; text: string }[] }>(
      await api("GET", "/api/outbox/messages?kind=invitation", { cookie: network.cookie }),
    );
    const mine = list.items.find((m) => m.text.includes("砂箱 次郎"));
    expect(mine!.link).toMatch(JOIN_LINK);
    expect(mine!.recipient).toMatch(/^s\*\*\*@example\.org$/);
    const inviters = await json<{ items: { id: number; link: string; text: string; withheld: boolean }[] }>(
      await api("GET", "/api/outbox/messages?kind=invitation", { cookie: admin.cookie }),
    );
    expect(inviters.items.find((m) => m.id === mine!.id)).toMatchObject({ link: "", text: "", withheld: true });
    const other = await signedIn({ facilityId: await makeFacility(), role: "admin" });
    const theirs = await json<{ items: { id: number }[] }>(await api("GET", "/api/outbox/messages?kind=invitation", { cookie: other.cookie }));
    expect(theirs.items.some((m) => m.id === mine!.id)).toBe(false);
  });

  it("refuses bad requests naming the field, and writes nothing", async () => {
    const before = await count("SELECT id FROM invitations");
    const other = await makeFacility();
    const cases: [Record<string, unknown>, number, string | undefined][] = [
      [{ facilityId: facility, name: "x", email: "not-an-address" }, 400, "email"],
      [{ facilityId: facility, name: "x", mobile: "03-1234-5678" }, 400, "mobile"],
      [{ facilityId: facility, name: "x" }, 400, "email"],
      [{ facilityId: facility, name: "x", email: "a@example.org", mobile: "090-1111-2222" }, 400, "mobile"],
      [{ name: "x", email: "a@example.org" }, 400, "facilityId"],
      [{ facilityId: facility, name: "  ", email: "a@example.org" }, 400, "name"],
      [{ facilityId: facility, name: "x", email: "a@example.org", message: "あ".repeat(501) }, 400, "message"],
      [{ facilityId: facility, name: "x", email: "a@example.org", lang: "fr" }, 400, "lang"],
      [{ facilityId: facility, role: "admin", name: "x", email: "a@example.org" }, 403, "role"],
      [{ facilityId: other, name: "x", email: "a@example.org" }, 403, undefined],
    ];
    for (const [body, status, field] of cases) {
      const res = await api("POST", "/api/invitations", { cookie: admin.cookie, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect((await errorOf(res)).field).toBe(field);
    }
    const staff = await signedIn({ facilityId: facility, role: "staff" });
    expect((await api("POST", "/api/invitations", { cookie: staff.cookie, body: { facilityId: facility, name: "x", email: "a@example.org" } })).status).toBe(
      403,
    );
    expect(await count("SELECT id FROM invitations")).toBe(before);
  });

  it("a channel that refuses the message: 502 naming the address, and the invitation is withdrawn", async () => {
    const domain = await smtpFake.domain();
    await smtpFake.mode(domain, { failRate: 1, failStatus: 550, times: 1 });
    const res = await api("POST", "/api/invitations", {
      cookie: admin.cookie,
      env: smtpFake.env(),
      body: { facilityId: facility, name: "届かない", email: `nobody@${domain}` },
    });
    expect(res.status).toBe(502);
    expect(await errorOf(res)).toMatchObject({ code: "send_failed", field: "email" });
    const row = await env.DB.prepare("SELECT revoked_at FROM invitations WHERE name = '届かない'").first<{ revoked_at: number | null }>();
    expect(row!.revoked_at).not.toBeNull();
  });

  it("someone already at the facility cannot be invited to it again (409)", async () => {
    const member = await makePerson({ facilityId: facility });
    const res = await api("POST", "/api/invitations", { cookie: admin.cookie, body: { facilityId: facility, name: "x", email: member.email } });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).field).toBe("email");
  });
});

describe("invitations: the join page", () => {
  it("says who invites to what and why, in a small page without script, in the invitee's language", async () => {
    const { path } = await inviteByMail({ facilityId: facility, message: "災害時の連絡網に入ってください" });
    const res = await api("GET", path);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const page = await res.text();
    expect(new TextEncoder().encode(page).length).toBeLessThan(8 * 1024);
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain("管理 一郎");
    expect(page).toContain("招待テスト診療所");
    expect(page).toContain("災害時の連絡網に入ってください");
    expect(page).toContain('value="accept"');
    expect(page).toContain('value="decline"');
    expect(page).toContain('type="password"');

    const en = await inviteByMail({ facilityId: facility, lang: "en" });
    const enPage = await (await api("GET", en.path)).text();
    expect(enPage).toContain('<html lang="en">');
    expect(enPage).toContain("invites you to");
  });

  it("accepting registers the person with a password, a verified address, the membership and the groups, and signs them in", async () => {
    const { path, id, address } = await inviteByMail({ facilityId: facility, role: "delegate" });
    const since = await lastAuditId();
    const res = await accept(path);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("参加しました");
    const cookie = cookieOf(res);
    expect(cookie).not.toBeNull();
    const me = await json<{ personId: number; name: string; facilities: unknown[] }>(await api("GET", "/api/session", { cookie: cookie! }));
    expect(me).toMatchObject({ name: "招待 花子", facilities: [{ facilityId: facility, role: "delegate" }] });
    const person = await env.DB.prepare("SELECT kana, lang FROM people WHERE id = ?1").bind(me.personId).first<{ kana: string; lang: string }>();
    expect(person).toEqual({ kana: "ショウタイ ハナコ", lang: "ja" });
    const contact = await env.DB.prepare("SELECT verified_at FROM contacts WHERE person_id = ?1 AND kind = 'email' AND value = ?2 AND removed_at IS NULL")
      .bind(me.personId, address)
      .first<{ verified_at: number | null }>();
    expect(contact!.verified_at).not.toBeNull();
    const groups = await env.DB.prepare(
      "SELECT g.kind FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.person_id = ?1 AND gm.removed_at IS NULL ORDER BY g.kind",
    )
      .bind(me.personId)
      .all<{ kind: string }>();
    expect(groups.results.map((g) => g.kind)).toEqual(["facility", "network"]);
    expect(await signIn(address, GOOD)).toMatch(/^anpi_sid=/);
    const inv = await json<{ items: { id: number; state: string; acceptedPersonId: number }[] }>(
      await api("GET", "/api/invitations", { cookie: admin.cookie }),
    );
    expect(inv.items.find((i) => i.id === id)).toMatchObject({ state: "accepted", acceptedPersonId: me.personId });
    expect(await auditActions(since)).toEqual(expect.arrayContaining(["invitation.accepted", "auth.sign_in"]));
  });

  it("a reused link shows that it was used and changes nothing", async () => {
    const { path } = await inviteByMail({ facilityId: facility });
    expect((await accept(path)).status).toBe(200);
    const people = await count("SELECT id FROM people");
    const again = await accept(path, { name: "別人", password: "Another2026x", password2: "Another2026x" });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("すでに使われています");
    expect(cookieOf(again)).toBeNull();
    expect((await api("GET", path)).status).toBe(410);
    expect(await count("SELECT id FROM people")).toBe(people);
  });

  it("an expired link: a clear page, nothing registered", async () => {
    const { path, address } = await inviteByMail({ facilityId: facility });
    clock.advance(7 * 86_400_000 + 1);
    const page = await api("GET", path);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("有効期限が切れています");
    const res = await accept(path);
    expect(res.status).toBe(410);
    expect(await count("SELECT id FROM contacts WHERE value = ?1", address)).toBe(0);
  });

  it("a withdrawn invitation: the link says so; withdrawing twice is a conflict", async () => {
    const { path, id, address } = await inviteByMail({ facilityId: facility });
    const res = await api("DELETE", `/api/invitations/${id}`, { cookie: admin.cookie });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ state: "revoked" });
    expect((await api("DELETE", `/api/invitations/${id}`, { cookie: admin.cookie })).status).toBe(409);
    const page = await accept(path);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("取り消されました");
    expect(await count("SELECT id FROM contacts WHERE value = ?1", address)).toBe(0);
    // Another facility's admin neither sees nor withdraws it.
    const other = await signedIn({ facilityId: await makeFacility(), role: "admin" });
    expect((await api("DELETE", `/api/invitations/${id}`, { cookie: other.cookie })).status).toBe(404);
  });

  it("declining registers nothing, and the link is then used up", async () => {
    const { path, address } = await inviteByMail({ facilityId: facility });
    const res = await api("POST", path, { form: { decision: "decline" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("参加を見送りました");
    expect(await count("SELECT id FROM contacts WHERE value = ?1", address)).toBe(0);
    expect((await accept(path)).status).toBe(410);
  });

  it("a weak password, a mismatch, a bad reading or no decision: the form again, naming the field, nothing registered", async () => {
    const { path, address } = await inviteByMail({ facilityId: facility });
    const cases: [Record<string, string>, string][] = [
      [
        { password: "short1", password2: "short1" },
        'id="password" name="password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required aria-invalid="true"',
      ],
      [
        { password: "onlyletters", password2: "onlyletters" },
        'name="password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required aria-invalid="true"',
      ],
      [{ password2: "Different2026" }, 'name="password2" type="password" autocomplete="new-password" maxlength="128" required aria-invalid="true"'],
      [{ kana: "Hanako" }, 'name="kana" maxlength="100" value="Hanako" aria-invalid="true"'],
      [{ decision: "maybe" }, "「参加する」か「参加しない」を選んでください"],
    ];
    for (const [over, expected] of cases) {
      const res = await accept(path, over);
      expect(res.status, JSON.stringify(over)).toBe(400);
      const page = await res.text();
      expect(page).toContain('role="alert"');
      expect(page).toContain(expected);
      expect(cookieOf(res)).toBeNull();
    }
    expect(await count("SELECT id FROM contacts WHERE value = ?1", address)).toBe(0);
    expect((await accept(path)).status).toBe(200);
  });

  it("unknown or malformed links: 404 page", async () => {
    expect((await api("GET", "/join/short")).status).toBe(404);
    expect((await api("GET", `/join/${"A".repeat(43)}`)).status).toBe(404);
    expect((await api("POST", `/join/${"A".repeat(43)}`, { form: { decision: "decline" } })).status).toBe(404);
  });

  it("an existing account invited to a second facility gains the membership, keeps its password and is not signed in by the link", async () => {
    const second = await makeFacility({ name: `第二事業所${Date.now()}` });
    const secondAdmin = await signedIn({ facilityId: second, role: "admin" });
    const nurse = await makePerson({ facilityId: facility, name: "兼務 看子" });
    const res = await api("POST", "/api/invitations", { cookie: secondAdmin.cookie, body: { facilityId: second, name: "兼務 看子", email: nurse.email } });
    expect(res.status).toBe(201);
    // The link is the addressee's (or the network admin's, in the demo); the inviting admin sees only that it was sent.
    const messages = await json<{ items: { link: string; personId: number | null }[] }>(
      await api("GET", "/api/outbox/messages?kind=invitation", { cookie: await signIn(nurse.email!) }),
    );
    const link = messages.items.find((m) => m.personId === nurse.id)!.link;
    const path = new URL(link).pathname;
    const page = await (await api("GET", path)).text();
    expect(page).not.toContain('type="password"');
    expect(page).toContain("アカウントはすでにあります");
    const done = await api("POST", path, { form: { decision: "accept" } });
    expect(done.status).toBe(200);
    expect(cookieOf(done)).toBeNull();
    const roles = await env.DB.prepare("SELECT facility_id FROM memberships WHERE person_id = ?1 AND removed_at IS NULL ORDER BY facility_id")
      .bind(nurse.id)
      .all<{ facility_id: number }>();
    expect(roles.results.map((r) => r.facility_id)).toEqual([facility, second].sort((a, b) => a - b));
    expect(await signIn(nurse.email!)).toMatch(/^anpi_sid=/);
  });
});

describe("invitations: outside invitees (§4)", () => {
  it("join a custom group, never a facility; a facility admin cannot then register them as staff", async () => {
    const group = await json<{ id: number }>(await api("POST", "/api/groups", { cookie: admin.cookie, body: { name: `多職種連携${Date.now()}` } }));
    const { path } = await inviteByMail({ groupId: group.id, role: "admin" });
    const page = await (await api("GET", path)).text();
    expect(page).toContain("この施設の職員として登録されることはありません");
    const res = await accept(path);
    expect(res.status).toBe(200);
    const me = await json<{ personId: number; facilities: unknown[]; roles: string[] }>(await api("GET", "/api/session", { cookie: cookieOf(res)! }));
    expect(me.facilities).toEqual([]);
    expect(me.roles).toEqual(["staff"]);
    const groups = await env.DB.prepare(
      "SELECT g.kind FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.person_id = ?1 AND gm.removed_at IS NULL",
    )
      .bind(me.personId)
      .all<{ kind: string }>();
    expect(groups.results.map((g) => g.kind)).toEqual(["custom"]);
    const put = await api("PUT", `/api/facilities/${facility}/members/${me.personId}`, { cookie: admin.cookie, body: { role: "staff" } });
    expect(put.status).toBe(403);
    expect(await count("SELECT id FROM memberships WHERE person_id = ?1", me.personId)).toBe(0);
  });

  it("group invitations go to custom groups the inviter manages only", async () => {
    const fg = await env.DB.prepare("SELECT id FROM groups WHERE facility_id = ?1 AND kind = 'facility'").bind(facility).first<{ id: number }>();
    const r1 = await api("POST", "/api/invitations", { cookie: admin.cookie, body: { groupId: fg!.id, name: "x", email: "x@example.org" } });
    expect(r1.status).toBe(400);
    expect((await errorOf(r1)).field).toBe("groupId");
    const otherAdmin = await signedIn({ facilityId: await makeFacility(), role: "admin" });
    const theirs = await json<{ id: number }>(await api("POST", "/api/groups", { cookie: otherAdmin.cookie, body: { name: `他の会${Date.now()}` } }));
    expect((await api("POST", "/api/invitations", { cookie: admin.cookie, body: { groupId: theirs.id, name: "x", email: "x@example.org" } })).status).toBe(403);
  });
});

describe("invitations: admins enrol TOTP first", () => {
  it("an invited facility admin's new session is limited to enrolling a one-time code app", async () => {
    const network = await signedIn({ globalRole: "network_admin" });
    const { path } = await inviteByMail({ facilityId: facility, role: "admin" }, network.cookie);
    await env.DB.prepare("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES ('mfaRequiredForAdmins', 'true', 0)").run();
    try {
      const res = await accept(path);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("確認コードのアプリを設定します");
      const cookie = cookieOf(res)!;
      const blocked = await api("GET", "/api/people", { cookie });
      expect(blocked.status).toBe(403);
      expect((await errorOf(blocked)).code).toBe("mfa_enrolment_required");
      expect((await api("POST", "/api/me/totp/setup", { cookie })).status).toBe(200);
    } finally {
      await adminsWithoutMfa();
    }
  });
});
