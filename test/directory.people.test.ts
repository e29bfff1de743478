import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Person } from "../worker/directory/schemas";
import { adminsWithoutMfa, auditSince, lastAuditId } from "./support/db";
import { createPerson, freshMobile, makeFacility, makePerson, signedIn, uniq } from "./support/factories";
import { api, json, PASSWORD } from "./support/http";

type List = { items: Person[]; total: number; nextCursor: string | null };

let admin: { id: number; cookie: string };
let facility: number;
beforeAll(async () => {
  await adminsWithoutMfa();
  admin = await signedIn({ globalRole: "network_admin" });
  facility = await makeFacility();
});

const count = async (sql: string, ...binds: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>())!.n;

describe("registering people", () => {
  it("creates a person with membership, role, email and mobile in E.164, audited without the values", async () => {
    const email = `hanako.${uniq()}@example.org`;
    const since = await lastAuditId();
    const res = await createPerson(admin.cookie, {
      name: "山田　花子",
      kana: "やまだ はなこ",
      job: "看護師",
      facilityId: facility,
      role: "staff",
      email: email.toUpperCase(),
      mobile: "０９０－３１２３－４５６７",
    });
    expect(res.status).toBe(201);
    const p = await json<Person>(res);
    expect(p).toMatchObject({
      name: "山田 花子",
      kana: "ヤマダ ハナコ",
      job: "看護師",
      email,
      mobile: "+819031234567",
      facilities: [{ facilityId: facility, role: "staff" }],
    });
    const audit = await auditSince(since);
    expect(audit.map((a) => a.action)).toEqual(["person.created"]);
    expect(audit[0]!.detail).not.toContain(email);
    expect(audit[0]!.detail).not.toContain("9031234567");
    // joined the facility group and the network group
    const groups = await env.DB.prepare(
      "SELECT g.kind FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.person_id = ?1 AND gm.removed_at IS NULL ORDER BY g.kind",
    )
      .bind(p.id)
      .all<{ kind: string }>();
    expect(groups.results.map((g) => g.kind)).toEqual(["facility", "network"]);
  });

  it("refuses an email or mobile that belongs to another account with 409 naming the field", async () => {
    const taken = await makePerson({ facilityId: facility, mobile: "+819055550001" });
    const before = await count("SELECT COUNT(*) AS n FROM people");
    const dupEmail = await createPerson(admin.cookie, { name: "重複 一郎", facilityId: facility, email: ` ${taken.email!.toUpperCase()} ` });
    expect(dupEmail.status).toBe(409);
    expect(await json(dupEmail)).toMatchObject({ error: { code: "conflict", field: "email" } });
    const dupMobile = await createPerson(admin.cookie, {
      name: "重複 二郎",
      facilityId: facility,
      email: `x${uniq()}@example.org`,
      mobile: "+81 90 5555 0001",
    });
    expect(dupMobile.status).toBe(409);
    expect(await json(dupMobile)).toMatchObject({ error: { code: "conflict", field: "mobile" } });
    expect(await count("SELECT COUNT(*) AS n FROM people")).toBe(before);
  });

  it("refuses bad input naming the field and writes nothing", async () => {
    const since = await lastAuditId();
    const before = await count("SELECT COUNT(*) AS n FROM people");
    const cases: [Record<string, unknown>, string][] = [
      [{ facilityId: facility, email: `a${uniq()}@example.org` }, "name"],
      [{ name: "x", facilityId: facility, email: "not-an-email" }, "email"],
      [{ name: "x", facilityId: facility, mobile: "03-1234-5678" }, "mobile"],
      [{ name: "x", facilityId: facility, mobile: "12345" }, "mobile"],
      [{ name: "x", kana: "Taro", facilityId: facility, mobile: freshMobile() }, "kana"],
      [{ name: "x", facilityId: facility, role: "boss", mobile: freshMobile() }, "role"],
      [{ name: "x", facilityId: facility }, "email"],
      [{ name: "x", facilityId: 99999999, mobile: freshMobile() }, "facilityId"],
      [{ name: "x", mobile: freshMobile() }, "facilityId"],
    ];
    for (const [body, field] of cases) {
      const res = await createPerson(admin.cookie, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await json(res)).toMatchObject({ error: { field } });
    }
    expect(await count("SELECT COUNT(*) AS n FROM people")).toBe(before);
    expect(await auditSince(since)).toEqual([]);
  });

  it("a network admin registers a city viewer without a facility", async () => {
    const res = await createPerson(admin.cookie, { name: "市役所 閲覧", globalRole: "viewer", email: `city${uniq()}@example.org` });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ globalRole: "viewer", facilities: [] });
  });
});

describe("reading and changing people", () => {
  it("updates profile and contacts; the old address is released", async () => {
    const p = await json<Person>(
      await createPerson(admin.cookie, {
        name: "佐藤 次郎",
        kana: "サトウ ジロウ",
        facilityId: facility,
        email: `jiro${uniq()}@example.org`,
        mobile: freshMobile(),
      }),
    );
    const newMobile = freshMobile();
    const since = await lastAuditId();
    const res = await api("PATCH", `/api/people/${p.id}`, {
      cookie: admin.cookie,
      body: { job: "理学療法士", email: `jiro.new${uniq()}@example.org`, mobile: newMobile },
    });
    expect(res.status).toBe(200);
    const u = await json<Person>(res);
    expect(u.job).toBe("理学療法士");
    expect(u.mobile).toBe(`+81${newMobile.slice(1).replace(/-/g, "")}`);
    expect(await auditSince(since)).toMatchObject([{ action: "person.updated", detail: JSON.stringify({ fields: ["job", "email", "mobile"] }) }]);
    // the old email is free for someone else
    const other = await createPerson(admin.cookie, { name: "別人", facilityId: facility, email: p.email! });
    expect(other.status).toBe(201);
    // history kept
    expect(await count("SELECT COUNT(*) AS n FROM contacts WHERE person_id = ?1", p.id)).toBe(4);
  });

  it("a person changes their own profile and contacts", async () => {
    const me = await signedIn({ facilityId: facility });
    const res = await api("PATCH", `/api/people/${me.id}`, { cookie: me.cookie, body: { kana: "じぶん", mobile: freshMobile() } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ kana: "ジブン" });
    const role = await api("PATCH", `/api/people/${me.id}`, { cookie: me.cookie, body: { globalRole: "network_admin" } });
    expect(role.status).toBe(403);
    expect(await json(role)).toMatchObject({ error: { field: "globalRole" } });
  });

  it("refuses a bad change naming the field and changes nothing", async () => {
    const p = await makePerson({ facilityId: facility, name: "変更 なし" });
    const since = await lastAuditId();
    for (const [body, field] of [
      [{ name: "変更 あり", mobile: "03-1234-5678" }, "mobile"],
      [{ name: "変更 あり", email: "nope" }, "email"],
      [{ name: "変更 あり", kana: "Henko" }, "kana"],
      [{ name: "変更 あり", email: null, mobile: null }, "email"],
    ] as const) {
      const res = await api("PATCH", `/api/people/${p.id}`, { cookie: admin.cookie, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await json(res)).toMatchObject({ error: { field } });
    }
    expect((await env.DB.prepare("SELECT name FROM people WHERE id = ?1").bind(p.id).first<{ name: string }>())!.name).toBe("変更 なし");
    expect(await count("SELECT COUNT(*) AS n FROM contacts WHERE person_id = ?1 AND removed_at IS NULL", p.id)).toBe(2);
    expect(await auditSince(since)).toEqual([]);
  });

  it("refuses a change to an address held by someone else", async () => {
    const a = await makePerson({ facilityId: facility });
    const b = await makePerson({ facilityId: facility });
    const res = await api("PATCH", `/api/people/${b.id}`, { cookie: admin.cookie, body: { mobile: a.mobile } });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ error: { field: "mobile" } });
  });
});

describe("search and pagination", () => {
  const tag = uniq();
  let f: number;
  beforeAll(async () => {
    f = await makeFacility();
    const people = [
      ["高橋 一郎", "タカハシ イチロウ", "医師"],
      ["高橋 二郎", "タカハシ ジロウ", "看護師"],
      ["田中 三郎", "タナカ サブロウ", "看護師"],
      ["鈴木 四郎", "スズキ シロウ", "薬剤師"],
      ["渡辺 五郎", "ワタナベ ゴロウ", "看護師"],
    ];
    for (const [name, kana, job] of people) {
      const res = await createPerson(admin.cookie, { name: `${name}${tag}`, kana, job, facilityId: f, email: `${uniq()}@example.org` });
      expect(res.status).toBe(201);
    }
  });

  const list = async (qs: string) => json<List>(await api("GET", `/api/people?facilityId=${f}&${qs}`, { cookie: admin.cookie }));

  it("finds people by the start of the reading typed in hiragana", async () => {
    const r = await list(`q=${encodeURIComponent("たかはし")}`);
    expect(r.items.map((p) => p.kana)).toEqual(["タカハシ イチロウ", "タカハシ ジロウ"]);
    expect(r.total).toBe(2);
    const full = await list(`q=${encodeURIComponent("たかはし　じろう")}`);
    expect(full.items.map((p) => p.kana)).toEqual(["タカハシ ジロウ"]);
    const halfWidth = await list(`q=${encodeURIComponent("ﾀﾅｶ")}`);
    expect(halfWidth.items.map((p) => p.kana)).toEqual(["タナカ サブロウ"]);
  });

  it("finds people by the start of the name", async () => {
    const r = await list(`q=${encodeURIComponent("鈴木")}`);
    expect(r.items.map((p) => p.kana)).toEqual(["スズキ シロウ"]);
  });

  it("filters by job and by role", async () => {
    const nurses = await list(`job=${encodeURIComponent("看護師")}`);
    expect(nurses.items.map((p) => p.kana)).toEqual(["タカハシ ジロウ", "タナカ サブロウ", "ワタナベ ゴロウ"]);
    expect((await list("role=staff")).total).toBe(5);
    expect((await list("role=admin")).total).toBe(0);
  });

  it("pages through in reading order with a cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: List = await list(`limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.total).toBe(5);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((p) => p.kana));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["スズキ シロウ", "タカハシ イチロウ", "タカハシ ジロウ", "タナカ サブロウ", "ワタナベ ゴロウ"]);
  });

  it("includes contacts only when asked, and audits the count, never the values", async () => {
    const plain = await list("limit=3");
    expect(plain.items[0]).not.toHaveProperty("email");
    const since = await lastAuditId();
    const withContacts = await list("limit=3&contacts=true");
    expect(withContacts.items.every((p) => typeof p.email === "string")).toBe(true);
    const audit = await auditSince(since);
    expect(audit.map((a) => a.action)).toEqual(["contacts.read"]);
    const detail = JSON.parse(audit[0]!.detail) as { count: number; personIds: number[] };
    expect(detail.count).toBe(3);
    expect(detail.personIds).toEqual(withContacts.items.map((p) => p.id));
    for (const p of withContacts.items) expect(audit[0]!.detail).not.toContain(p.email!);
  });
});

describe("deregistration", () => {
  it("keeps history, ends sessions and push subscriptions, releases addresses, and the person cannot sign in", async () => {
    const p = await signedIn({ facilityId: facility });
    await env.DB.prepare("INSERT INTO push_subscriptions (person_id, endpoint, p256dh, auth, created_at) VALUES (?1, ?2, 'k', 'a', 0)")
      .bind(p.id, `https://push.example/${uniq()}`)
      .run();
    const since = await lastAuditId();
    expect((await api("DELETE", `/api/people/${p.id}`, { cookie: admin.cookie })).status).toBe(200);
    expect((await auditSince(since)).map((a) => a.action)).toEqual(["person.removed"]);

    expect((await api("GET", "/api/session", { cookie: p.cookie })).status).toBe(401);
    expect((await api("POST", "/api/session", { body: { email: p.email, password: PASSWORD } })).status).toBe(401);
    expect(await count("SELECT COUNT(*) AS n FROM sessions WHERE person_id = ?1 AND revoked_at IS NULL", p.id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM push_subscriptions WHERE person_id = ?1 AND revoked_at IS NULL", p.id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM memberships WHERE person_id = ?1 AND removed_at IS NULL", p.id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM memberships WHERE person_id = ?1", p.id)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM people WHERE id = ?1 AND removed_at IS NOT NULL", p.id)).toBe(1);

    // hidden from lists and reads, except for a network admin asking for history
    const hidden = await json<List>(await api("GET", `/api/people?facilityId=${facility}&limit=200`, { cookie: admin.cookie }));
    expect(hidden.items.map((x) => x.id)).not.toContain(p.id);
    const history = await api("GET", `/api/people/${p.id}`, { cookie: admin.cookie });
    expect(history.status).toBe(200);
    expect((await json<Person>(history)).removedAt).not.toBeNull();

    // the address can be registered again
    expect((await createPerson(admin.cookie, { name: "再登録", facilityId: facility, email: p.email, mobile: p.mobile })).status).toBe(201);
  });

  it("a person deregisters themselves (§5)", async () => {
    const p = await signedIn({ facilityId: facility });
    expect((await api("DELETE", `/api/people/${p.id}`, { cookie: p.cookie })).status).toBe(200);
    expect((await api("GET", "/api/session", { cookie: p.cookie })).status).toBe(401);
  });

  it("a network admin cannot deregister themselves", async () => {
    const res = await api("DELETE", `/api/people/${admin.id}`, { cookie: admin.cookie });
    expect(res.status).toBe(403);
  });
});
