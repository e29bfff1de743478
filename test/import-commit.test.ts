import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { adminsWithoutMfa, holdersOf } from "./support/db";
import { makeFacility, makePerson, signedIn, uniq } from "./support/factories";
import { csvText, JA_HEADER, sjis, upload, utf8 } from "./support/import";

let facility: number;
let facilityName: string;
let admin: { id: number; cookie: string };

beforeAll(async () => {
  await adminsWithoutMfa();
  facilityName = `梶野町訪問看護ステーション${uniq()}`;
  facility = await makeFacility({ name: facilityName, type: "visiting_nurse" });
  admin = await signedIn({ facilityId: facility, role: "admin" });
});

const personByEmail = (email: string) =>
  env.DB.prepare(
    `SELECT p.id, p.name, p.kana, p.job, p.lang, m.role FROM contacts c JOIN people p ON p.id = c.person_id
     LEFT JOIN memberships m ON m.person_id = p.id AND m.removed_at IS NULL
     WHERE c.kind = 'email' AND c.value = ?1 AND c.removed_at IS NULL`,
  )
    .bind(email)
    .first<{ id: number; name: string; kana: string; job: string; lang: string; role: string }>();

describe("commit", () => {
  it("writes every row, its contacts, membership and groups, with one audit entry holding counts only", async () => {
    const tag = uniq();
    const text = csvText([
      [...JA_HEADER, "言語"],
      [`小林 一${tag}`, "こばやし はじめ", facilityName, "看護師", "090-7000-0001", `kobayashi.${tag}@example.jp`, "代行", ""],
      [`Tran Thi Mai ${tag}`, "チャン ティ マイ", "", "訪問介護員", "+81 80-7000-0002", "", "", "ベトナム語"],
    ]);
    const since = (await env.DB.prepare("SELECT COALESCE(MAX(id), 0) AS m FROM audit_log").first<{ m: number }>())!.m;
    const preview = await upload("preview", sjis(text), admin.cookie);
    expect(preview.body.counts).toMatchObject({ rows: 2, create: 2, invalid: 0 });
    expect(await holdersOf("email", `kobayashi.${tag}@example.jp`)).toEqual([]); // preview wrote nothing

    const { status, body } = await upload("commit", sjis(text), admin.cookie);
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, committed: true, counts: { rows: 2, create: 2, update: 0, unchanged: 0, invalid: 0 } });
    expect(await personByEmail(`kobayashi.${tag}@example.jp`)).toMatchObject({
      name: `小林 一${tag}`,
      kana: "コバヤシ ハジメ",
      job: "看護師",
      lang: "ja",
      role: "delegate",
    });
    const [mai] = await holdersOf("mobile", "+818070000002");
    const maiRow = await env.DB.prepare("SELECT lang FROM people WHERE id = ?1").bind(mai).first();
    expect(maiRow).toEqual({ lang: "vi" });
    const groups = await env.DB.prepare(
      "SELECT g.kind FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.person_id = ?1 AND gm.removed_at IS NULL ORDER BY g.kind",
    )
      .bind(mai)
      .all<{ kind: string }>();
    expect(groups.results.map((g) => g.kind)).toEqual(["facility", "network"]);

    const audit = await env.DB.prepare("SELECT actor_id, action, object_type, object_id, detail FROM audit_log WHERE id > ?1")
      .bind(since)
      .all<{ actor_id: number; action: string; object_type: string; object_id: string; detail: string }>();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]).toMatchObject({ actor_id: admin.id, action: "import.people" });
    expect(JSON.parse(audit.results[0]!.detail)).toEqual({ encoding: "Shift_JIS", rows: 2, created: 2, updated: 0, unchanged: 0 });
    expect(audit.results[0]!.detail).not.toMatch(/@|\+81/);
  });

  it("writes nothing when one row out of many is bad", async () => {
    const tag = uniq();
    const rows = Array.from({ length: 40 }, (_, i) => [`一括 ${i}${tag}`, "", "", "事務", "", `bulk${i}.${tag}@example.jp`, ""]);
    rows[37]![4] = "12345";
    const { status, body } = await upload("commit", utf8(csvText([JA_HEADER, ...rows])), admin.cookie);
    expect(status).toBe(422);
    expect(body.rows.filter((r) => r.problems.length).map((r) => [r.row, r.problems[0]!.code])).toEqual([[38, "bad_phone"]]);
    expect(body.counts).toMatchObject({ rows: 40, create: 39, invalid: 1 });
    const written = await env.DB.prepare("SELECT COUNT(*) AS n FROM contacts WHERE value LIKE ?1").bind(`%.${tag}@example.jp`).first<{ n: number }>();
    expect(written!.n).toBe(0);
  });

  it("writes hundreds of rows in chunks that stay under D1's 100 parameters a statement", async () => {
    const tag = uniq();
    const rows = Array.from({ length: 260 }, (_, i) => [
      `大量 ${i}${tag}`,
      "タイリョウ",
      "",
      "介護支援専門員",
      `090-71${String(i).padStart(2, "0").slice(-2)}-${String(1000 + i)}`,
      `many${i}.${tag}@example.jp`,
      "",
    ]);
    const { status, body } = await upload("commit", utf8(csvText([JA_HEADER, ...rows]), true), admin.cookie);
    expect(status).toBe(200);
    expect(body.counts).toMatchObject({ rows: 260, create: 260 });
    const n = await env.DB.prepare(
      "SELECT COUNT(DISTINCT m.person_id) AS n FROM memberships m JOIN people p ON p.id = m.person_id WHERE m.facility_id = ?1 AND p.name LIKE ?2",
    )
      .bind(facility, `大量 %${tag}`)
      .first<{ n: number }>();
    expect(n!.n).toBe(260);
  });
});

describe("re-import", () => {
  it("leaves an unchanged file unchanged and never duplicates", async () => {
    const tag = uniq();
    const text = utf8(csvText([JA_HEADER, [`再 一${tag}`, "", "", "理学療法士", "090-7200-0001", `again.${tag}@example.jp`, "一般"]]));
    expect((await upload("commit", text, admin.cookie)).status).toBe(200);
    const second = await upload("commit", text, admin.cookie);
    expect(second.status).toBe(200);
    expect(second.body.rows[0]).toMatchObject({ action: "unchanged", changes: [] });
    expect(await holdersOf("email", `again.${tag}@example.jp`)).toHaveLength(1);
    const people = await env.DB.prepare("SELECT COUNT(*) AS n FROM people WHERE name = ?1").bind(`再 一${tag}`).first<{ n: number }>();
    expect(people!.n).toBe(1);
  });

  it("matches by email, else mobile, else name within the facility, and updates in place", async () => {
    const tag = uniq();
    const byEmail = await makePerson({
      name: `旧姓 一${tag}`,
      facilityId: facility,
      email: `match.${tag}@example.jp`,
      mobile: "+819073000001",
      password: null,
    });
    const byMobile = await makePerson({ name: `携帯 二${tag}`, facilityId: facility, email: null, mobile: "+819073000002", password: null });
    const byName = await makePerson({ name: `氏名 三${tag}`, facilityId: facility, email: null, mobile: null, password: null });
    const text = csvText([
      JA_HEADER,
      [`新姓 一${tag}`, "シンセイ ハジメ", "", "看護師", "", `MATCH.${tag}@example.jp`, ""],
      [`携帯 二${tag}`, "", "", "", "090-7300-0002", `new.${tag}@example.jp`, ""],
      [`氏名 三${tag}`, "", facilityName, "事務", "", "", "代行"],
    ]);
    const preview = await upload("preview", utf8(text), admin.cookie);
    expect(preview.body.rows.map((r) => [r.action, r.changes])).toEqual([
      ["update", ["name", "kana", "job"]],
      ["update", ["email"]],
      ["update", ["job", "role"]],
    ]);
    expect((await upload("commit", utf8(text), admin.cookie)).status).toBe(200);
    expect(await personByEmail(`match.${tag}@example.jp`)).toMatchObject({ id: byEmail.id, name: `新姓 一${tag}`, kana: "シンセイ ハジメ", job: "看護師" });
    expect(await holdersOf("mobile", "+819073000001")).toEqual([byEmail.id]); // a blank cell keeps what is on file
    expect(await holdersOf("email", `new.${tag}@example.jp`)).toEqual([byMobile.id]);
    expect(await personByEmail(`new.${tag}@example.jp`)).toMatchObject({ job: "" });
    const third = await env.DB.prepare("SELECT p.job, m.role FROM people p JOIN memberships m ON m.person_id = p.id WHERE p.id = ?1").bind(byName.id).first();
    expect(third).toEqual({ job: "事務", role: "delegate" });
    const again = await upload("commit", utf8(text), admin.cookie);
    expect(again.body.rows.map((r) => r.action)).toEqual(["unchanged", "unchanged", "unchanged"]);
  });

  it("replaces a changed email: the old one is released, history kept", async () => {
    const tag = uniq();
    const p = await makePerson({ name: `変更 四${tag}`, facilityId: facility, email: `old.${tag}@example.jp`, mobile: "+819074000001", password: null });
    const text = csvText([JA_HEADER, [`変更 四${tag}`, "", "", "", "090-7400-0001", `fresh.${tag}@example.jp`, ""]]);
    const { body } = await upload("commit", utf8(text), admin.cookie);
    expect(body.rows[0]).toMatchObject({ action: "update", changes: ["email"] });
    expect(await holdersOf("email", `old.${tag}@example.jp`)).toEqual([]);
    expect(await holdersOf("email", `fresh.${tag}@example.jp`)).toEqual([p.id]);
    const kept = await env.DB.prepare("SELECT COUNT(*) AS n FROM contacts WHERE value = ?1 AND removed_at IS NOT NULL")
      .bind(`old.${tag}@example.jp`)
      .first<{ n: number }>();
    expect(kept!.n).toBe(1);
  });
});

describe("who may import where", () => {
  it("refuses a facility admin importing into another facility", async () => {
    const other = await makeFacility({ name: `東町薬局${uniq()}` });
    const res = await upload("commit", utf8(`氏名\r\n他 一${uniq()}\r\n`), admin.cookie, `?facilityId=${other}`);
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe("forbidden");
  });

  it("refuses staff and the city viewer", async () => {
    const staff = await signedIn({ facilityId: facility, role: "staff" });
    const viewer = await signedIn({ globalRole: "viewer" });
    for (const cookie of [staff.cookie, viewer.cookie]) {
      const res = await upload("preview", utf8(`氏名\r\n誰 一\r\n`), cookie);
      expect(res.status).toBe(403);
      expect(res.body.error?.code).toBe("role_forbidden");
    }
  });

  it("does not let a facility admin change someone of another facility found by email", async () => {
    const tag = uniq();
    const other = await makeFacility({ name: `緑町クリニック${tag}` });
    const theirs = await makePerson({ name: `他院 五${tag}`, facilityId: other, email: `theirs.${tag}@example.jp`, password: null });
    const { status, body } = await upload(
      "commit",
      utf8(csvText([JA_HEADER, [`乗っ取り${tag}`, "", "", "", "", `theirs.${tag}@example.jp`, ""]])),
      admin.cookie,
    );
    expect(status).toBe(422);
    expect(body.rows[0]!.problems.map((p) => p.code)).toEqual(["email_taken"]);
    const still = await env.DB.prepare("SELECT name FROM people WHERE id = ?1").bind(theirs.id).first();
    expect(still).toEqual({ name: `他院 五${tag}` });
  });

  it("lets a delegate import staff but not appoint admins", async () => {
    const delegate = await signedIn({ facilityId: facility, role: "delegate" });
    const tag = uniq();
    const { body } = await upload(
      "preview",
      utf8(csvText([JA_HEADER, [`代行 六${tag}`, "", "", "", "", "", "一般"], [`代行 七${tag}`, "", "", "", "", "", "管理者"]])),
      delegate.cookie,
    );
    expect(body.rows.map((r) => r.problems.map((p) => p.code))).toEqual([[], ["role_not_allowed"]]);
  });

  it("lets the network admin import into any facility, named per row or by facilityId", async () => {
    const net = await signedIn({ globalRole: "network_admin" });
    const tag = uniq();
    const other = await makeFacility({ name: `前原町歯科${tag}`, type: "dental" });
    const named = await upload(
      "commit",
      utf8(
        csvText([
          ["氏名", "事業所名", "職種"],
          [`歯科 八${tag}`, `前原町歯科${tag}`, "歯科医師"],
          [`看護 九${tag}`, facilityName, "看護師"],
        ]),
      ),
      net.cookie,
    );
    expect(named.status).toBe(200);
    expect(named.body.rows.map((r) => r.facility)).toEqual([`前原町歯科${tag}`, facilityName]);
    const blank = await upload("preview", utf8(`氏名,事業所名\r\n歯科 十${tag},\r\n`), net.cookie, `?facilityId=${other}`);
    expect(blank.body.rows[0]).toMatchObject({ facility: `前原町歯科${tag}`, action: "create" });
    const none = await upload("preview", utf8(`氏名,事業所名\r\n歯科 十${tag},\r\n`), net.cookie);
    expect(none.body.rows[0]!.problems.map((p) => p.code)).toEqual(["missing_facility"]);
    const missing = await upload("preview", utf8(`氏名\r\nx\r\n`), net.cookie, "?facilityId=999999");
    expect(missing.status).toBe(404);
    const bad = await upload("preview", utf8(`氏名\r\nx\r\n`), net.cookie, "?facilityId=abc");
    expect(bad.status).toBe(400);
    expect(bad.body.error?.field).toBe("facilityId");
  });
});
