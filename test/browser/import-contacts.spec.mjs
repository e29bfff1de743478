/**
 * The import's preview of a 連絡網 as people have them (issue 14): 携帯電話 and 電話番号（自宅）,
 * 内線, 備考 and more. The columns not imported are listed in words, every row shows its
 * mobile, phone and email as they will be stored, warnings read as words (never a code),
 * and on a 390 px phone the rows are cards that fit the screen.
 */
import Encoding from "encoding-japanese";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { capture, launch, newContext, signInAs } from "./helpers.mjs";

const FACILITY = "小金井本町クリニック";
const N = String(Date.now()).slice(-4);
const ROWS = [
  ["No.", "氏名", "フリガナ", "事業所名", "職種", "携帯電話", "電話番号（自宅）", "内線", "備考"],
  ["1", "山﨑 一郎", "やまざき いちろう", FACILITY, "看護師", `０９０－１９８８－${N}`, "042-381-1234", "101", "夜勤あり"],
  ["2", "斎藤 次郎", "サイトウ ジロウ", FACILITY, "理学療法士", "0423815678", "", "", ""],
  ["3", "濱田 三郎", "ﾊﾏﾀﾞ ｻﾌﾞﾛｳ", FACILITY, "事務", `9019870${N.slice(1)}`, "-", "", ""],
];
const sjisCsv = () => {
  const text = `${ROWS.map((r) => r.join(",")).join("\r\n")}\r\n`;
  return Buffer.from(Encoding.convert(Encoding.stringToCode(text), { to: "SJIS", from: "UNICODE" }));
};
/** Codes the API uses that must never reach the screen. */
const CODES = /landline_in_mobile|no_contact|bad_phone|\b(mobile|phone|email|kana|facility|name)\b/;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function preview(page) {
  await page.goto("/directory/import");
  await page.getByRole("heading", { name: "CSV取り込み" }).waitFor();
  await page.getByLabel("CSVファイル").setInputFiles({ name: "連絡網.csv", mimeType: "text/csv", buffer: sjisCsv() });
  await page.getByRole("button", { name: "内容を確認する" }).click();
  await page.getByText("文字コード：Shift_JIS").waitFor();
}

describe("the import preview of a 連絡網 with more columns", () => {
  it("lists the columns not imported, shows each row's contacts as stored, and warns in words", async () => {
    const page = await (await newContext(browser)).newPage();
    await signInAs(page, "network_admin");
    await preview(page);
    assert.equal(await page.getByTestId("import-ignored").innerText(), "取り込まない列：No.、内線、備考");
    assert.equal(await page.getByTestId("import-columns").innerText(), "取り込む列：氏名、フリガナ、事業所名、職種、携帯電話、電話番号");
    const rows = page.getByTestId("import-rows").locator("tbody tr");
    assert.equal(await rows.count(), 3);
    const first = await rows.nth(0).innerText();
    assert.match(first, new RegExp(`090-1988-${N}`));
    assert.match(first, /042-381-1234/);
    const second = await rows.nth(1).innerText();
    assert.match(second, /携帯電話の列に固定電話/);
    assert.match(second, /042-381-5678/);
    assert.match(second, /連絡手段なし/);
    assert.match(await rows.nth(2).innerText(), new RegExp(`090-1987-0${N.slice(1)}`));
    assert.match(await page.getByTestId("import-warned").innerText(), /注意のある行：1/);
    assert.doesNotMatch(await page.locator("main").innerText(), CODES);
    // Warnings only: the rows can be imported.
    await page.getByRole("button", { name: "3件を取り込む" }).waitFor();
    await capture(page, "import-contacts-preview");
  });

  it("on a 390 px phone the rows are cards within the screen", async () => {
    const page = await (await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    await signInAs(page, "network_admin");
    await preview(page);
    const table = page.getByTestId("import-rows");
    const box = await table.locator("tbody tr").first().boundingBox();
    assert.ok(box && box.width <= 390, `a row is ${box?.width}px wide`);
    assert.equal(
      await table
        .locator("tbody tr")
        .first()
        .evaluate((tr) => getComputedStyle(tr).display),
      "block",
    );
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 390, `the page scrolls sideways (${overflow}px)`);
    await capture(page, "import-contacts-phone");
  });
});
