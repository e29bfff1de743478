/**
 * Finding 1 and 3 of the governance review: the CSV import applies exactly the rules of the
 * single-person routes, row by row, and facility names are unique under the import's matching.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { adminsWithoutMfa, holdersOf } from "../support/db";
import { makeFacility, makePerson, signedIn, type TestPerson, uniq } from "../support/factories";
import { api } from "../support/http";
import { csvText, JA_HEADER, upload, utf8 } from "../support/import";

let facility: number;
let facilityName: string;
let admin: TestPerson & { cookie: string };
let delegate: TestPerson & { cookie: string };

beforeAll(async () => {
  await adminsWithoutMfa();
  facilityName = `貫井北町クリニック${uniq()}`;
  facility = await makeFacility({ name: facilityName });
  admin = await signedIn({ facilityId: facility, role: "admin" });
  delegate = await signedIn({ facilityId: facility, role: "delegate" });
});

const roleOf = async (personId: number) =>
  (
    await env.DB.prepare("SELECT role FROM memberships WHERE person_id = ?1 AND facility_id = ?2 AND removed_at IS NULL")
      .bind(personId, facility)
      .first<{ role: string }>()
  )?.role;
const nameOf = async (personId: number) => (await env.DB.prepare("SELECT name FROM people WHERE id = ?1").bind(personId).first<{ name: string }>())!.name;

describe("the import applies the role rules of PUT /api/facilities/{id}/members/{personId}", () => {
  it("refuses a facility admin's row that appoints an admin, in the preview and on commit, as the route does", async () => {
    const tag = uniq();
    const text = csvText([JA_HEADER, [`新任 管理${tag}`, "", "", "医師", "", `boss.${tag}@example.jp`, "管理者"]]);
    const preview = await upload("preview", utf8(text), admin.cookie);
    expect(preview.status).toBe(200);
    expect(preview.body.rows[0]!.problems).toEqual([expect.objectContaining({ code: "role_not_allowed", field: "role" })]);
    expect(preview.body.rows[0]!.problems[0]!.message).toMatch(/管理者/);
    expect(preview.body.rows[0]!.action).toBeNull();
    const commit = await upload("commit", utf8(text), admin.cookie);
    expect(commit.status).toBe(422);
    expect(await holdersOf("email", `boss.${tag}@example.jp`)).toEqual([]);
    // The route says no to the same change.
    const someone = await makePerson({ facilityId: facility, role: "staff", password: null });
    expect((await api("PUT", `/api/facilities/${facility}/members/${someone.id}`, { cookie: admin.cookie, body: { role: "admin" } })).status).toBe(403);
  });

  it("refuses a row that demotes a co-admin to 一般, and leaves the co-admin an admin", async () => {
    const co = await makePerson({ facilityId: facility, role: "admin", password: null });
    const text = csvText([
      ["氏名", "メールアドレス", "役割"],
      [await nameOf(co.id), co.email!, "一般"],
    ]);
    const commit = await upload("commit", utf8(text), admin.cookie);
    expect(commit.status).toBe(422);
    expect(commit.body.rows[0]!.problems.map((p) => p.code)).toEqual(["role_not_allowed"]);
    expect(await roleOf(co.id)).toBe("admin");
  });

  it("lets the facility admin appoint a delegate and demote one, as the route does", async () => {
    const tag = uniq();
    const d = await makePerson({ facilityId: facility, role: "delegate", password: null });
    const text = csvText([
      ["氏名", "メールアドレス", "役割"],
      [await nameOf(d.id), d.email!, "一般"],
      [`代行 新${tag}`, `new.d.${tag}@example.jp`, "代行"],
    ]);
    const commit = await upload("commit", utf8(text), admin.cookie);
    expect(commit.status).toBe(200);
    expect(await roleOf(d.id)).toBe("staff");
    const [added] = await holdersOf("email", `new.d.${tag}@example.jp`);
    expect(await roleOf(added!)).toBe("delegate");
  });
});

describe("the import applies the edit rule of PATCH /api/people/{id}", () => {
  it("refuses a delegate's row that rewrites the facility admin's email and mobile, matched by name", async () => {
    const tag = uniq();
    const boss = await makePerson({ facilityId: facility, role: "admin", name: `院長 守${tag}`, password: null });
    const text = csvText([JA_HEADER, [`院長 守${tag}`, "", "", "", "090-4444-0101", `attacker.${tag}@example.jp`, ""]]);
    const preview = await upload("preview", utf8(text), delegate.cookie);
    expect(preview.body.rows[0]!.problems).toEqual([expect.objectContaining({ code: "not_editable", field: "email" })]);
    const commit = await upload("commit", utf8(text), delegate.cookie);
    expect(commit.status).toBe(422);
    expect(await holdersOf("email", boss.email!)).toEqual([boss.id]);
    expect(await holdersOf("email", `attacker.${tag}@example.jp`)).toEqual([]);
    expect(await holdersOf("mobile", boss.mobile!)).toEqual([boss.id]);
    // The route refuses the same change.
    expect((await api("PATCH", `/api/people/${boss.id}`, { cookie: delegate.cookie, body: { email: `attacker.${tag}@example.jp` } })).status).toBe(403);
  });

  it("lets the delegate update a staff member's mobile, as the route does", async () => {
    const tag = uniq();
    const st = await makePerson({ facilityId: facility, role: "staff", name: `職員 直${tag}`, password: null });
    const text = csvText([
      ["氏名", "メールアドレス", "携帯電話"],
      [`職員 直${tag}`, st.email!, "090-4444-0202"],
    ]);
    const commit = await upload("commit", utf8(text), delegate.cookie);
    expect(commit.status).toBe(200);
    expect(commit.body.rows[0]).toMatchObject({ action: "update", changes: ["mobile"] });
    expect(await holdersOf("mobile", "+819044440202")).toEqual([st.id]);
  });
});

describe("facility names are unique under the import's normalization", () => {
  it("refuses a look-alike name (half-width katakana, other spaces) on create and on rename with 409 naming the other", async () => {
    const net = await signedIn({ globalRole: "network_admin" });
    const tag = uniq();
    const original = `梶野町クリニック${tag}`;
    const created = await api("POST", "/api/facilities", {
      cookie: net.cookie,
      body: { type: "clinic", name: original, kana: "カジノチョウクリニック", address: "小金井市梶野町1-1", district: "梶野町" },
    });
    expect(created.status).toBe(201);
    const lookAlike = `梶野町 ｸﾘﾆｯｸ${tag}`;
    const dup = await api("POST", "/api/facilities", {
      cookie: net.cookie,
      body: { type: "clinic", name: lookAlike, kana: "カジノチョウクリニック", address: "", district: "梶野町" },
    });
    expect(dup.status).toBe(409);
    const body = (await dup.json()) as { error: { field: string; message: string } };
    expect(body.error.field).toBe("name");
    expect(body.error.message).toContain(original);

    const other = await api("POST", "/api/facilities", {
      cookie: net.cookie,
      body: { type: "clinic", name: `梶野町歯科${tag}`, kana: "カジノチョウシカ", address: "", district: "梶野町" },
    });
    const otherId = ((await other.json()) as { id: number }).id;
    const rename = await api("PATCH", `/api/facilities/${otherId}`, { cookie: net.cookie, body: { name: lookAlike } });
    expect(rename.status).toBe(409);
    expect(((await rename.json()) as { error: { message: string } }).error.message).toContain(original);
    const still = await env.DB.prepare("SELECT name FROM facilities WHERE id = ?1").bind(otherId).first<{ name: string }>();
    expect(still!.name).toBe(`梶野町歯科${tag}`);
  });

  it("makes a row whose facility name matches more than one facility a row problem, and moves nobody", async () => {
    const net = await signedIn({ globalRole: "network_admin" });
    const tag = uniq();
    // Two look-alikes from before the rule (inserted directly, as old data would be).
    const a = await makeFacility({ name: `東町クリニック${tag}` });
    const b = await makeFacility({ name: `東町ｸﾘﾆｯｸ${tag}` });
    const st = await makePerson({ facilityId: a, role: "staff", name: `東 一${tag}`, password: null });
    const text = csvText([
      ["氏名", "事業所名", "メールアドレス"],
      [`東 一${tag}`, `東町クリニック${tag}`, st.email!],
    ]);
    const commit = await upload("commit", utf8(text), net.cookie);
    expect(commit.status).toBe(422);
    expect(commit.body.rows[0]!.problems.map((p) => `${p.field}:${p.code}`)).toEqual(["facility:ambiguous_facility"]);
    const memberships = await env.DB.prepare("SELECT facility_id FROM memberships WHERE person_id = ?1 AND removed_at IS NULL")
      .bind(st.id)
      .all<{ facility_id: number }>();
    expect(memberships.results.map((m) => m.facility_id)).toEqual([a]);
    void b;
  });
});
