import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { FACILITY_TYPE_LABELS, FACILITY_TYPES, type Facility } from "../worker/directory/schemas";
import { adminsWithoutMfa, auditSince, lastAuditId } from "./support/db";
import { makeFacility, signedIn, uniq } from "./support/factories";
import { api, json } from "./support/http";

let admin: string;
beforeAll(async () => {
  await adminsWithoutMfa();
  admin = (await signedIn({ globalRole: "network_admin" })).cookie;
});

type List = { items: Facility[]; total: number; nextCursor: string | null };

describe("facilities", () => {
  it("labels every facility type in Japanese for the UI", () => {
    expect(FACILITY_TYPES).toHaveLength(10);
    expect(FACILITY_TYPE_LABELS.visiting_nurse).toBe("訪問看護ステーション");
    expect(FACILITY_TYPE_LABELS.city_division).toBe("市役所・介護福祉課");
  });

  it("creates a facility with its facility group, audited in the same write", async () => {
    const since = await lastAuditId();
    const name = `さくら薬局${uniq()}`;
    const res = await api("POST", "/api/facilities", {
      cookie: admin,
      body: { type: "pharmacy", name, kana: "さくらやっきょく", address: "小金井市本町1-1", district: "本町", phone: "042-380-1234" },
    });
    expect(res.status).toBe(201);
    const f = await json<Facility>(res);
    expect(f).toMatchObject({ type: "pharmacy", typeLabel: "薬局", name, kana: "サクラヤッキョク", phone: "+81423801234", removedAt: null });
    const group = await env.DB.prepare("SELECT kind, name, facility_id FROM groups WHERE id = ?1").bind(f.groupId).first();
    expect(group).toEqual({ kind: "facility", name, facility_id: f.id });
    const audit = await auditSince(since);
    expect(audit.map((a) => [a.action, a.object_id])).toEqual([["facility.created", String(f.id)]]);
  });

  it("reads, updates and lists by type, district and name or reading (hiragana input)", async () => {
    const tag = uniq();
    const district = `緑町${tag}`;
    const a = await json<Facility>(
      await api("POST", "/api/facilities", { cookie: admin, body: { type: "clinic", name: `あおば内科${tag}`, kana: "アオバナイカ", district } }),
    );
    await api("POST", "/api/facilities", { cookie: admin, body: { type: "dental", name: `いずみ歯科${tag}`, kana: "イズミシカ", district } });
    await api("POST", "/api/facilities", { cookie: admin, body: { type: "clinic", name: `うめ診療所${tag}`, kana: "ウメシンリョウジョ", district } });

    expect(await json(await api("GET", `/api/facilities/${a.id}`, { cookie: admin }))).toMatchObject({ id: a.id, name: a.name });

    const byDistrict = await json<List>(await api("GET", `/api/facilities?district=${encodeURIComponent(district)}`, { cookie: admin }));
    expect(byDistrict.total).toBe(3);
    expect(byDistrict.items.map((f) => f.kana)).toEqual(["アオバナイカ", "イズミシカ", "ウメシンリョウジョ"]);

    const clinics = await json<List>(await api("GET", `/api/facilities?district=${encodeURIComponent(district)}&type=clinic`, { cookie: admin }));
    expect(clinics.items.map((f) => f.kana)).toEqual(["アオバナイカ", "ウメシンリョウジョ"]);

    const byKana = await json<List>(
      await api("GET", `/api/facilities?district=${encodeURIComponent(district)}&q=${encodeURIComponent("いずみ")}`, { cookie: admin }),
    );
    expect(byKana.items.map((f) => f.kana)).toEqual(["イズミシカ"]);
    const byName = await json<List>(await api("GET", `/api/facilities?q=${encodeURIComponent(`うめ診療所${tag}`)}`, { cookie: admin }));
    expect(byName.items.map((f) => f.id)).toHaveLength(1);

    const upd = await api("PATCH", `/api/facilities/${a.id}`, { cookie: admin, body: { address: "小金井市緑町2-2", phone: "０４２－３８０－９９９９" } });
    expect(upd.status).toBe(200);
    expect(await json(upd)).toMatchObject({ address: "小金井市緑町2-2", phone: "+81423809999" });
  });

  it("pages with a cursor and reports the total", async () => {
    const district = `貫井北町${uniq()}`;
    for (let i = 0; i < 5; i++) await makeFacility({ district, kana: `カ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const qs: string = `district=${encodeURIComponent(district)}&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page: List = await json<List>(await api("GET", `/api/facilities?${qs}`, { cookie: admin }));
      expect(page.total).toBe(5);
      seen.push(...page.items.map((f) => f.kana));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(["カ0", "カ1", "カ2", "カ3", "カ4"]);
    const bad = await api("GET", "/api/facilities?cursor=garbage", { cookie: admin });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ error: { field: "cursor" } });
  });

  it("refuses bad input naming the field and writes nothing", async () => {
    const since = await lastAuditId();
    const before = (await env.DB.prepare("SELECT COUNT(*) AS n FROM facilities").first<{ n: number }>())!.n;
    for (const [body, field] of [
      [{ type: "spa", name: "x" }, "type"],
      [{ type: "clinic", name: "  " }, "name"],
      [{ type: "clinic", name: "ok", kana: "Yamada" }, "kana"],
      [{ type: "clinic", name: "ok", phone: "12" }, "phone"],
    ] as const) {
      const res = await api("POST", "/api/facilities", { cookie: admin, body });
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ error: { code: "invalid", field } });
    }
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM facilities").first<{ n: number }>())!.n).toBe(before);
    expect(await auditSince(since)).toEqual([]);
  });

  it("refuses a second active facility of the same name with 409 naming the field", async () => {
    const name = `重複クリニック${uniq()}`;
    expect((await api("POST", "/api/facilities", { cookie: admin, body: { type: "clinic", name } })).status).toBe(201);
    const res = await api("POST", "/api/facilities", { cookie: admin, body: { type: "clinic", name } });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ error: { code: "conflict", field: "name" } });
  });

  it("removal keeps the row, ends memberships and the group, and hides it from others", async () => {
    const f = await json<Facility>(await api("POST", "/api/facilities", { cookie: admin, body: { type: "home_care", name: `ひまわり介護${uniq()}` } }));
    const staff = await signedIn({ facilityId: f.id, role: "staff" });
    expect(await json(await api("GET", "/api/session", { cookie: staff.cookie }))).toMatchObject({ facilities: [{ facilityId: f.id }] });
    const since = await lastAuditId();
    expect((await api("DELETE", `/api/facilities/${f.id}`, { cookie: admin })).status).toBe(200);
    expect(await auditSince(since)).toMatchObject([{ action: "facility.removed", object_id: String(f.id) }]);

    const row = await env.DB.prepare("SELECT removed_at FROM facilities WHERE id = ?1").bind(f.id).first<{ removed_at: number | null }>();
    expect(row!.removed_at).not.toBeNull();
    const m = await env.DB.prepare("SELECT removed_at FROM memberships WHERE facility_id = ?1").bind(f.id).all<{ removed_at: number | null }>();
    expect(m.results.length).toBe(1);
    expect(m.results.every((r) => r.removed_at !== null)).toBe(true);
    expect(
      (await env.DB.prepare("SELECT closed_at FROM groups WHERE id = ?1").bind(f.groupId).first<{ closed_at: number | null }>())!.closed_at,
    ).not.toBeNull();

    expect(await json(await api("GET", "/api/session", { cookie: staff.cookie }))).toMatchObject({ facilities: [] });
    expect((await api("GET", `/api/facilities/${f.id}`, { cookie: staff.cookie })).status).toBe(404);
    expect((await api("GET", `/api/facilities/${f.id}`, { cookie: admin })).status).toBe(200);
    const withRemoved = await json<List>(await api("GET", `/api/facilities?includeRemoved=true&q=${encodeURIComponent(f.name)}`, { cookie: admin }));
    expect(withRemoved.items.map((x) => x.id)).toEqual([f.id]);
    const without = await json<List>(await api("GET", `/api/facilities?q=${encodeURIComponent(f.name)}`, { cookie: admin }));
    expect(without.items).toEqual([]);
    expect((await api("GET", "/api/facilities?includeRemoved=true", { cookie: staff.cookie })).status).toBe(403);
  });

  it("lets a facility admin change their own facility only, and never its type", async () => {
    const mine = await makeFacility();
    const other = await makeFacility();
    const fa = await signedIn({ facilityId: mine, role: "admin" });
    expect((await api("PATCH", `/api/facilities/${mine}`, { cookie: fa.cookie, body: { address: "本町3-3" } })).status).toBe(200);
    const type = await api("PATCH", `/api/facilities/${mine}`, { cookie: fa.cookie, body: { type: "hospital" } });
    expect(type.status).toBe(403);
    expect(await json(type)).toMatchObject({ error: { field: "type" } });
    expect((await api("PATCH", `/api/facilities/${other}`, { cookie: fa.cookie, body: { address: "x" } })).status).toBe(403);
    expect((await api("DELETE", `/api/facilities/${mine}`, { cookie: fa.cookie })).status).toBe(403);
    const row = await env.DB.prepare("SELECT address FROM facilities WHERE id = ?1").bind(other).first<{ address: string }>();
    expect(row!.address).toBe("");
  });

  it("lets the city viewer list facilities", async () => {
    const viewer = await signedIn({ globalRole: "viewer" });
    const res = await api("GET", "/api/facilities?limit=5", { cookie: viewer.cookie });
    expect(res.status).toBe(200);
    expect((await json<List>(res)).items.length).toBeGreaterThan(0);
  });
});
