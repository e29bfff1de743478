/**
 * Name search as people type (issue 14): the 異体字 of Japanese family names (山崎 / 山﨑,
 * 高 / 髙, 斉藤 / 齋藤 / 斎藤 …) find each other, and a reading finds in ひらがな, カタカナ or
 * half-width ｶﾅ, with or without spaces. Folded once, in SQLite's indexed columns.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { kanaKey, NAME_VARIANTS, nameKey } from "../worker/directory/names";
import type { Person } from "../worker/directory/schemas";
import { adminsWithoutMfa } from "./support/db";
import { createPerson, makeFacility, signedIn, uniq } from "./support/factories";
import { api, json } from "./support/http";

type List = { items: Person[]; total: number };

let admin: { cookie: string };
let facility: number;
const tag = uniq();
beforeAll(async () => {
  await adminsWithoutMfa();
  admin = await signedIn({ globalRole: "network_admin" });
  facility = await makeFacility();
});

const add = async (name: string, kana = "") => {
  const res = await createPerson(admin.cookie, { name, kana, facilityId: facility, email: `${uniq()}@example.org` });
  expect(res.status, name).toBe(201);
};
const search = async (q: string) =>
  (await json<List>(await api("GET", `/api/people?facilityId=${facility}&q=${encodeURIComponent(q)}&limit=100`, { cookie: admin.cookie }))).items.map(
    (p) => p.name,
  );

/** Each written form a 連絡網 or a person may use, and the given name that keeps the people apart. */
const PAIRS: [forms: string[], given: string][] = [
  [["山崎", "山﨑"], "一"],
  [["高橋", "髙橋"], "二"],
  [["斉藤", "齋藤", "斎藤"], "三"],
  [["渡辺", "渡邊", "渡邉"], "四"],
  [["沢田", "澤田"], "五"],
  [["田辺", "田邊", "田邉"], "六"],
  [["浜田", "濱田"], "七"],
  [["島田", "嶋田"], "八"],
  [["桜井", "櫻井"], "九"],
  [["広田", "廣田"], "十"],
  [["恵美", "惠美"], "壱"],
  [["吉田", "𠮷田"], "弐"],
  [["柳田", "栁田"], "参"],
  [["徳田", "德田"], "肆"],
];

describe("search finds the variant kanji of a name", () => {
  beforeAll(async () => {
    for (const [forms, given] of PAIRS) for (const [i, form] of forms.entries()) await add(`${form} ${given}${i}${tag}`);
  });

  for (const [forms, given] of PAIRS)
    it(`${forms.join(" / ")}: each form finds every one`, async () => {
      const everyone = forms.map((f, i) => `${f} ${given}${i}${tag}`).sort();
      for (const form of forms) {
        expect((await search(`${form}${given}`)).sort(), form).toEqual(everyone);
        expect((await search(`${form} ${given}`)).sort(), `${form} with a space`).toEqual(everyone);
        expect((await search(`${form}　${given}`)).sort(), `${form} with a full-width space`).toEqual(everyone);
      }
    });

  it("a name written with spaces is found without them, and one written without spaces with them", async () => {
    await add(`中村太郎${tag}`);
    await add(`中村 次郎${tag}`);
    expect(await search("中村 太郎")).toEqual([`中村太郎${tag}`]);
    expect(await search("中村次郎")).toEqual([`中村 次郎${tag}`]);
  });

  it("a Latin name is found in any case", async () => {
    await add(`Nguyen Van An ${tag}`, "グエン ヴァン アン");
    expect(await search("nguyen van")).toEqual([`Nguyen Van An ${tag}`]);
    expect(await search("NGUYENVAN")).toEqual([`Nguyen Van An ${tag}`]);
  });
});

describe("search finds a reading however it is typed", () => {
  beforeAll(async () => {
    await add(`読み 一${tag}`, "ヨミカタ イチロウ");
    await add(`グエンティ${tag}`);
  });

  for (const q of ["よみかた", "ヨミカタ", "ﾖﾐｶﾀ", "よみかた いちろう", "よみかたいちろう", "ヨミカタイチロウ", "ﾖﾐｶﾀ ｲﾁﾛｳ", "ヨミカタ　イチロウ"])
    it(`「${q}」`, async () => {
      expect(await search(q)).toEqual([`読み 一${tag}`]);
    });

  it("a name in katakana is found by its ひらがな when no reading is on file", async () => {
    expect(await search("ぐえんてぃ")).toEqual([`グエンティ${tag}`]);
  });
});

describe("the folded columns", () => {
  it("SQLite's name_key and kana_key (migration 0014) are names.ts's nameKey and kanaKey, for every variant", async () => {
    const name = `${NAME_VARIANTS.map(([v]) => v).join("")} ABC　x`;
    const kana = "ヤマ ダ　タロウ";
    await env.DB.prepare("INSERT INTO people (id, name, kana, created_at, updated_at) VALUES (900000001, ?1, ?2, 0, 0)").bind(name, kana).run();
    const keys = await env.DB.prepare("SELECT name_key, kana_key FROM people WHERE id = 900000001").first<{ name_key: string; kana_key: string }>();
    expect(keys).toEqual({ name_key: nameKey(name), kana_key: kanaKey(kana) });
    expect(keys!.name_key).toBe(`${NAME_VARIANTS.map(([, c]) => c).join("")}abcx`);
  });

  it("folds to forms that are not themselves variants (one step is enough)", () => {
    const variants = new Set(NAME_VARIANTS.map(([v]) => v));
    expect(NAME_VARIANTS.filter(([, c]) => variants.has(c))).toEqual([]);
    expect(new Set(NAME_VARIANTS.map(([v]) => v)).size).toBe(NAME_VARIANTS.length);
  });
});
