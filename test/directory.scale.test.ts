import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import * as data from "../worker/directory/data";
import { clock } from "../worker/lib/clock";

/**
 * The directory's list and search queries at the size the network must hold
 * (100,000 people): each one reads an index range, not the whole table.
 * D1 reports rows read per query, which is also what it bills.
 */
const PEOPLE = 100_000;
const FACILITIES = 200;
const KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ";

beforeAll(async () => {
  const now = clock.now();
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
     INSERT INTO facilities (id, type, name, kana, district, created_at, updated_at)
     SELECT i, CASE i % 3 WHEN 0 THEN 'clinic' WHEN 1 THEN 'pharmacy' ELSE 'home_care' END, '規模施設' || i, 'キボ' || i, '地区' || (i % 10), ?2, ?2 FROM n`,
  )
    .bind(FACILITIES, now)
    .run();
  // Readings spread over the syllabary; every 50th person deregistered.
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
     INSERT INTO people (id, name, kana, job, created_at, updated_at, removed_at)
     SELECT i, '規模 ' || i, substr(?3, (i % 46) + 1, 1) || substr(?3, ((i / 46) % 46) + 1, 1) || ' ' || i,
            CASE i % 4 WHEN 0 THEN '看護師' WHEN 1 THEN '介護福祉士' WHEN 2 THEN '薬剤師' ELSE '医師' END,
            ?2, ?2, CASE WHEN i % 50 = 0 THEN ?2 END FROM n`,
  )
    .bind(PEOPLE, now, KANA)
    .run();
  await env.DB.prepare(
    `INSERT INTO memberships (person_id, facility_id, role, created_at)
     SELECT id, (id % ?1) + 1, CASE WHEN id % 100 = 0 THEN 'admin' ELSE 'staff' END, ?2 FROM people`,
  )
    .bind(FACILITIES, now)
    .run();
}, 120_000);

async function measure(q: data.Query) {
  const stmt = env.DB.prepare(q.sql).bind(...q.binds);
  const { results, meta } = await stmt.all();
  const { results: plan } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
    .bind(...q.binds)
    .all<{ detail: string }>();
  return { rows: results.length, read: meta.rows_read, plan: plan.map((p) => p.detail) };
}

/** A plan step that reads a whole table (not an index range, not a list of ids). */
const fullScan = (plan: string[]) => plan.filter((d) => /^SCAN (p|m|gm|f|g)\b/.test(d) && !/USING (COVERING )?INDEX/.test(d));

const page = { includeRemoved: false, limit: 50, cursor: null } as const;
const everyone: data.Reach = { all: true };

describe("directory queries at 100,000 people", () => {
  it("has the data", async () => {
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM people").first<{ n: number }>())!.n).toBe(PEOPLE);
  });

  const cases: [string, () => data.Query, number][] = [
    ["first page of everyone", () => data.peopleListQuery({ ...page, reach: everyone }), 200],
    ["a later page (cursor)", () => data.peopleListQuery({ ...page, reach: everyone, cursor: { kana: "サ", id: 0 } }), 200],
    ["search by reading prefix", () => data.peopleListQuery({ ...page, reach: everyone, q: "タチ", qKana: "タチ" }), 500],
    ["search by name prefix", () => data.peopleListQuery({ ...page, reach: everyone, q: "規模 4242", qKana: "規模 4242" }), 500],
    // 500 people per facility: the index range, their rows, the sort
    ["one facility", () => data.peopleListQuery({ ...page, reach: everyone, facilityId: 7 }), 2_500],
    ["one facility's admins", () => data.peopleListQuery({ ...page, reach: everyone, facilityId: 100, role: "admin" }), 200],
    ["admins everywhere", () => data.peopleListQuery({ ...page, reach: everyone, role: "admin" }), 5_000],
    ["by job, first page", () => data.peopleListQuery({ ...page, reach: everyone, job: "薬剤師" }), 500],
    ["a staff member's reach", () => data.peopleListQuery({ ...page, reach: { all: false, selfId: 5, facilityIds: [6], groupIds: [] } }), 3_000],
    ["a facility type", () => data.facilityListQuery({ ...page, type: "clinic" }), 500],
    ["a district", () => data.facilityListQuery({ ...page, district: "地区3" }), 500],
    ["one facility's count", () => data.peopleCountQuery({ ...page, reach: everyone, facilityId: 7 }), 2_500],
  ];

  for (const [name, build, budget] of cases) {
    it(`${name}: reads at most ${budget} rows, no table scan`, async () => {
      const m = await measure(build());
      expect(fullScan(m.plan), m.plan.join(" | ")).toEqual([]);
      expect(m.read, m.plan.join(" | ")).toBeLessThanOrEqual(budget);
    });
  }

  it("search finds the expected people in reading order", async () => {
    const { results } = await env.DB.prepare(data.peopleListQuery({ ...page, reach: everyone, q: "タチ", qKana: "タチ" }).sql)
      .bind(...data.peopleListQuery({ ...page, reach: everyone, q: "タチ", qKana: "タチ" }).binds)
      .all<{ kana: string }>();
    // タチ… is one reading in 46×46: about 47 of 100,000, less the deregistered
    expect(results.length).toBeGreaterThan(40);
    expect(results.length).toBeLessThan(51);
    expect(results.every((r) => r.kana.startsWith("タチ"))).toBe(true);
    expect(results.map((r) => r.kana)).toEqual([...results.map((r) => r.kana)].sort());
  });
});
