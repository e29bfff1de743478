import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { adminsWithoutMfa, holdersOf } from "./support/db";
import { makeFacility, makePerson, signedIn, uniq } from "./support/factories";
import { csvText, JA_HEADER, sjis, upload, utf8 } from "./support/import";

let admin: string;
let facility: number;
let facilityName: string;

beforeAll(async () => {
  await adminsWithoutMfa();
  facilityName = `小金井本町クリニック${uniq()}`;
  facility = await makeFacility({ name: facilityName });
  admin = (await signedIn({ facilityId: facility, role: "admin" })).cookie;
});

const sample = (tag: string) =>
  csvText([
    JA_HEADER,
    [
      `髙橋 一郎${tag}`,
      "たかはし いちろう",
      facilityName,
      "医師",
      "０９０-１２３４-５６７８".replace("５６７８", String(1000 + (tag.length % 9000))),
      `ichiro.${tag}@example.jp`,
      "代行",
    ],
    [`佐藤 花子${tag}`, "ｻﾄｳ ﾊﾅｺ", "", "看護師", "", `hanako.${tag}@example.jp`, "一般"],
  ]);

describe("CSV encodings", () => {
  it("reads UTF-8 with a byte-order mark", async () => {
    const tag = uniq();
    const { status, body } = await upload("preview", utf8(sample(tag), true), admin);
    expect(status).toBe(200);
    expect(body.encoding).toBe("UTF-8 (BOM)");
    expect(body.ok).toBe(true);
    expect(body.columns).toEqual(["name", "kana", "facility", "job", "mobile", "email", "role"]);
    expect(body.rows.map((r) => [r.row, r.line, r.name, r.facility, r.role, r.action])).toEqual([
      [1, 2, `髙橋 一郎${tag}`, facilityName, "delegate", "create"],
      [2, 3, `佐藤 花子${tag}`, facilityName, "staff", "create"],
    ]);
  });

  it("reads UTF-8 without a byte-order mark", async () => {
    const { status, body } = await upload("preview", utf8(sample(uniq())), admin);
    expect(status).toBe(200);
    expect(body.encoding).toBe("UTF-8");
    expect(body.counts).toMatchObject({ rows: 2, create: 2, invalid: 0 });
  });

  it("reads Shift_JIS (CP932) as Excel saves it, including 髙 and 﨑", async () => {
    const tag = uniq();
    const text = sample(tag).replace("佐藤", "山﨑");
    const { status, body } = await upload("commit", sjis(text), admin);
    expect(status).toBe(200);
    expect(body.encoding).toBe("Shift_JIS");
    const row = await env.DB.prepare("SELECT name, kana, job FROM people WHERE name = ?1").bind(`髙橋 一郎${tag}`).first();
    expect(row).toEqual({ name: `髙橋 一郎${tag}`, kana: "タカハシ イチロウ", job: "医師" });
    const hanako = await env.DB.prepare("SELECT kana FROM people WHERE name = ?1").bind(`山﨑 花子${tag}`).first();
    expect(hanako).toEqual({ kana: "サトウ ハナコ" });
  });

  it("accepts English headers in any order and case", async () => {
    const tag = uniq();
    const text = csvText([
      ["Email", "Name", "Kana", "Mobile", "Facility", "Job", "Role", "Lang", "Note"],
      [`en.${tag}@example.jp`, `Nguyen Van An ${tag}`, "グエン ヴァン アン", "+81 80 1234 0001", facilityName, "介護職", "staff", "vi", "night shift"],
    ]);
    const { status, body } = await upload("preview", utf8(text), admin);
    expect(status).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.ignoredColumns).toEqual(["Note"]);
    expect(body.rows[0]).toMatchObject({ name: `Nguyen Van An ${tag}`, facility: facilityName, role: "staff", action: "create" });
  });

  it("keeps quoted commas, doubled quotes and line breaks inside a field, and counts lines", async () => {
    const tag = uniq();
    const text =
      "氏名,職種,事業所名,メールアドレス\r\n" +
      `"山田, 太郎${tag}","看護師\r\n(夜勤)",${facilityName},q1.${tag}@example.jp\r\n` +
      `"鈴木 ""すず"" 次郎${tag}",事務,"${facilityName}",q2.${tag}@example.jp\r\n` +
      `,,,\r\n` +
      `田中 三郎${tag},薬剤師,${facilityName},bad-address\r\n`;
    const { status, body } = await upload("preview", utf8(text), admin);
    expect(status).toBe(200);
    expect(body.rows.map((r) => [r.row, r.line, r.name])).toEqual([
      [1, 2, `山田, 太郎${tag}`],
      [2, 4, `鈴木 "すず" 次郎${tag}`],
      [4, 6, `田中 三郎${tag}`],
    ]);
    expect(body.rows[2]!.problems.map((p) => [p.code, p.field])).toEqual([["bad_email", "email"]]);
  });

  it("reads tab-separated UTF-16 text (Excel's 「Unicode テキスト」)", async () => {
    const tag = uniq();
    const text = `\uFEFF氏名\t事業所名\r\n伊藤 四郎${tag}\t${facilityName}\r\n`;
    const bytes = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) {
      bytes[i * 2] = text.charCodeAt(i) & 0xff;
      bytes[i * 2 + 1] = text.charCodeAt(i) >> 8;
    }
    const { status, body } = await upload("preview", bytes, admin);
    expect(status).toBe(200);
    expect(body.encoding).toBe("UTF-16");
    expect(body.rows[0]).toMatchObject({ name: `伊藤 四郎${tag}`, action: "create" });
  });
});

describe("bad files", () => {
  const refused = async (bytes: Uint8Array | string, code: string, status = 400, type?: string) => {
    const res = await upload("commit", bytes, admin, "", type);
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code, field: "file" });
    // A sentence in Japanese, the default language of the API's messages.
    expect(res.body.error!.message).toMatch(/[\u3040-\u30ff\u3400-\u9fff].{4,}。/);
  };

  it("refuses binary garbage with a clear 400", async () => {
    const garbage = new Uint8Array(512);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 97 + 13) % 256;
    await refused(garbage, "not_csv");
    await refused(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), "not_csv");
  });

  it("tells an Excel workbook apart from CSV", async () => {
    const res = await upload("preview", new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0]), admin);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "not_csv", field: "file" });
    expect(res.body.error!.message).toContain("CSV");
  });

  it("refuses an empty file, a file without a name column and a file without rows", async () => {
    await refused(new Uint8Array(0), "invalid");
    await refused(utf8("事業所名,職種\r\n本町,医師\r\n"), "invalid");
    await refused(utf8("氏名,事業所名\r\n,\r\n"), "invalid");
    await refused(utf8('氏名,職種\r\n"never closed,医師\r\n'), "invalid");
  });

  it("refuses two columns that mean the same thing", async () => {
    await refused(utf8("氏名,名前\r\n山田,山田\r\n"), "invalid");
  });

  it("refuses a file over 2 MB with 413", async () => {
    const big = new Uint8Array(2 * 1024 * 1024 + 10).fill(0x41);
    await refused(big, "too_large", 413);
  });

  it("refuses a JSON body", async () => {
    const res = await upload("preview", JSON.stringify({ rows: [] }), admin, "", "application/json");
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "unsupported_type", field: "file" });
  });
});

describe("row problems", () => {
  it("reports every kind of problem with its row number and line, and writes nothing on commit", async () => {
    const tag = uniq();
    const other = await makeFacility({ name: `他施設${tag}` });
    const outsider = await signedIn({ facilityId: other, role: "staff", email: `taken.${tag}@example.jp`, mobile: "+819087650001" });
    void outsider;
    const text = csvText([
      ["氏名", "事業所名", "携帯電話", "メールアドレス", "役割", "言語"],
      ["", facilityName, "", `a.${tag}@example.jp`, "", ""], // 1 missing name
      [`電話 悪子${tag}`, "", "03-1234-5678", "", "", ""], // 2 landline, not a mobile: kept as the phone, with warnings
      [`重複 一${tag}`, "", "", `dup.${tag}@example.jp`, "", ""], // 3 duplicate email
      [`重複 二${tag}`, "", "", `DUP.${tag}@example.jp`, "", ""], // 4 duplicate email (case differs)
      [`他人 三${tag}`, "", "", `taken.${tag}@example.jp`, "", ""], // 5 email of someone in another facility
      [`不明 四${tag}`, `存在しない施設${tag}`, "", "", "", ""], // 6 unknown facility
      [`役割 五${tag}`, "", "", "", "院長", ""], // 7 unknown role
      [`言語 六${tag}`, "", "", "", "", "klingon"], // 8 unknown language
      [`範囲 七${tag}`, `他施設${tag}`, "", "", "", ""], // 9 another facility
      [`携帯 八${tag}`, "", "090-8765-0001", "", "", ""], // 10 mobile of someone else
      [`正常 九${tag}`, "", "090-5555-0001", `ok.${tag}@example.jp`, "", "en"], // 11 fine
      [`携帯 重${tag}`, "", "09055550001", "", "", ""], // 12 same mobile as row 11
    ]);
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM people").first<{ n: number }>();
    const { status, body } = await upload("commit", utf8(text), admin);
    expect(status).toBe(422);
    expect(body.error).toMatchObject({ code: "import_invalid", field: "file" });
    expect(body.committed).toBe(false);
    const codes = Object.fromEntries(body.rows.map((r) => [r.row, r.problems.map((p) => `${p.field}:${p.code}`)]));
    expect(codes).toEqual({
      1: ["name:missing_name"],
      2: [],
      3: ["email:duplicate_email"],
      4: ["email:duplicate_email"],
      5: ["email:email_taken"],
      6: ["facility:unknown_facility"],
      7: ["role:unknown_role"],
      8: ["lang:unknown_lang"],
      9: ["facility:facility_out_of_scope"],
      10: ["mobile:mobile_taken"],
      11: ["mobile:duplicate_mobile"],
      12: ["mobile:duplicate_mobile"],
    });
    expect(body.rows.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(body.rows[1]!.warnings.map((w) => `${w.field}:${w.code}`)).toEqual(["mobile:landline_in_mobile", "mobile:no_contact"]);
    expect(body.rows[1]).toMatchObject({ mobile: null, phones: ["03-1234-5678"] });
    // Messages in Japanese, naming the file's line (as the preview shows it).
    expect(body.rows[3]!.problems[0]!.message).toBe("メールアドレスがファイルの4行目と同じです。1つのアドレスは1人だけのものです。");
    for (const r of body.rows) for (const p of [...r.problems, ...r.warnings]) expect(p.message).toMatch(/[\u3040-\u30ff\u3400-\u9fff]/);
    expect(body.counts).toMatchObject({ rows: 12, invalid: 11 });
    // Nothing written, not even the valid-looking rows.
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM people").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
    expect(await holdersOf("email", `ok.${tag}@example.jp`)).toEqual([]);
    // The answer shows each row's contacts as the file gives them, written as people do: never E.164.
    expect(body.rows[10]).toMatchObject({ mobile: "090-5555-0001", email: `ok.${tag}@example.jp` });
    expect(JSON.stringify(body)).not.toMatch(/\+81/);
  });

  it("reads the language column in every supported language's names", async () => {
    const tag = uniq();
    const text = csvText([
      ["氏名", "メールアドレス", "言語"],
      ...[
        ["タガログ語", "tl"],
        ["Tagalog", "tl"],
        ["やさしい日本語", "ja-easy"],
        ["नेपाली", "ne"],
        ["中国語", "zh"],
        ["Bahasa Indonesia", "id"],
        ["ミャンマー語", "my"],
      ].map(([word], i) => [`言語 ${i}${tag}`, `lang${i}.${tag}@example.jp`, word!]),
    ]);
    const { status, body } = await upload("commit", utf8(text), admin);
    expect(status).toBe(200);
    const { results } = await env.DB.prepare("SELECT p.lang FROM people p WHERE p.name LIKE ?1 ORDER BY p.name").bind(`言語 %${tag}`).all<{ lang: string }>();
    expect(results.map((r) => r.lang)).toEqual(["tl", "tl", "ja-easy", "ne", "zh", "id", "my"]);
    expect(body.committed).toBe(true);
  });

  it("needs a facility per row when the importer manages several", async () => {
    const tag = uniq();
    const a = await makeFacility({ name: `甲${tag}` });
    const b = await makeFacility({ name: `乙${tag}` });
    const two = await signedIn({ facilityId: a, role: "admin" });
    await env.DB.prepare("INSERT INTO memberships (person_id, facility_id, role, created_at) VALUES (?1, ?2, 'admin', 0)").bind(two.id, b).run();
    const text = csvText([
      ["氏名", "事業所名"],
      [`甲 一${tag}`, `甲${tag}`],
      [`不明 二${tag}`, ""],
    ]);
    const { body } = await upload("preview", utf8(text), two.cookie);
    expect(body.rows.map((r) => r.problems.map((p) => p.code))).toEqual([[], ["missing_facility"]]);
    const scoped = await upload("preview", utf8(text), two.cookie, `?facilityId=${b}`);
    expect(scoped.body.rows.map((r) => [r.facility, r.problems.map((p) => p.code)])).toEqual([
      [`甲${tag}`, ["facility_out_of_scope"]],
      [`乙${tag}`, []],
    ]);
  });
});

describe("rows that point at the same person", () => {
  it("flags two rows for one person, namesakes it cannot tell apart, and over-long cells", async () => {
    const tag = uniq();
    await makePerson({ name: `同一 一${tag}`, facilityId: facility, email: `same.${tag}@example.jp`, mobile: "+819076000001", password: null });
    await makePerson({ name: `同名 二${tag}`, facilityId: facility, email: null, mobile: null, password: null });
    await makePerson({ name: `同名 二${tag}`, facilityId: facility, email: null, mobile: null, password: null });
    const text = csvText([
      ["氏名", "携帯電話", "メールアドレス", "職種"],
      [`同一 一${tag}`, "", `same.${tag}@example.jp`, ""],
      [`同一 一${tag}`, "090-7600-0001", "", ""],
      [`同名 二${tag}`, "", "", ""],
      [`長い 三${tag}`, "", "", "職".repeat(51)],
    ]);
    const { body } = await upload("preview", utf8(text), admin);
    expect(body.rows.map((r) => [r.row, r.problems.map((x) => `${x.field}:${x.code}`)])).toEqual([
      [1, []],
      [2, ["name:duplicate_person"]],
      [3, ["name:ambiguous_person"]],
      [4, ["job:too_long"]],
    ]);
    expect(body.rows[0]).toMatchObject({ action: "unchanged" });
    expect(body.rows[1]!.problems[0]!.message).toBe("ファイルの2行目と同じ人です。");
  });
});
