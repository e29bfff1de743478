/**
 * The story of issue 4, in one real browser against `wrangler dev`:
 * the network admin signs in, imports a Shift_JIS CSV (row problems first, then a
 * clean commit), triggers a drill, checks the preview and confirms; a second
 * browser context opens reply links from the sandbox outbox and answers; the
 * admin's board changes without a reload; the city viewer's board shows no
 * contact details (on a phone-sized screen); the admin closes and exports.
 * Steps run in order and share state (node:test runs them one after another).
 */
import Encoding from "encoding-japanese";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { capture, checkA11y, launch, newContext, screenshot, signInAs } from "./helpers.mjs";

const FACILITY = "小金井本町クリニック";
const STAMP = String(Date.now()).slice(-6);
const TITLE = `総合防災訓練 ${STAMP}`;
/** The contact list as Excel on Windows saves it: Shift_JIS, CRLF. Two rows lack the facility. */
const CSV_ROWS = [
  ["氏名", "フリガナ", "事業所名", "職種", "携帯電話", "メールアドレス", "役割"],
  ["髙橋 一郎", "タカハシ イチロウ", FACILITY, "医師", "090-1999-7001", `ichiro.${STAMP}@example.jp`, "一般"],
  ["山﨑 恵子", "やまざき けいこ", FACILITY, "看護師", "０９０－１９９９－７００２", `keiko.${STAMP}@example.jp`, "一般"],
  ["渡辺 翔太", "ﾜﾀﾅﾍﾞ ｼｮｳﾀ", "", "臨床検査技師", "+81 90 1999 7003", "", "一般"],
];
const sjisCsv = () => {
  const text = `${CSV_ROWS.map((r) => r.join(",")).join("\r\n")}\r\n`;
  return Buffer.from(Encoding.convert(Encoding.stringToCode(text), { to: "SJIS", from: "UNICODE" }));
};

/** Phone numbers (E.164 or Japanese notation) and email addresses. */
const CONTACT_PATTERN = /(\+81\d{9,10}|0[789]0[-‐ー－]?\d{4}[-‐ー－]?\d{4}|[\w.+-]+@[\w-]+\.[\w.-]+)/;

let browser;
let admin; // the network admin's page, kept open through the story
let rollcallId;
let recipients;
const replyLinks = [];

before(async () => {
  browser = await launch();
  const ctx = await newContext(browser);
  admin = await ctx.newPage();
});
after(async () => {
  await browser?.close();
});

describe("the drill story (issue 4)", () => {
  it("1. the network admin signs in and finds the clinic in the directory by its reading", async () => {
    await signInAs(admin, "network_admin");
    await admin.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "名簿" }).click();
    await admin.getByRole("heading", { name: "名簿" }).waitFor();
    await admin.getByLabel("名前・ふりがなで検索").fill("コガネイホンチョウ");
    await admin.getByRole("button", { name: "検索" }).click();
    await admin.getByRole("link", { name: FACILITY }).waitFor();
    await capture(admin, "10-directory-facilities");
    await admin.getByRole("link", { name: FACILITY }).click();
    await admin.getByText(`${FACILITY}の職員`).waitFor();
    await admin.locator("tbody tr").first().waitFor();
    // Contact details stay hidden until asked for.
    assert.doesNotMatch(await admin.locator("table").innerText(), CONTACT_PATTERN);
    await capture(admin, "11-directory-people");
  });

  it("2. imports a Shift_JIS CSV: row problems are shown first, nothing is written, then a clean commit", async () => {
    await admin.goto("/directory/import");
    await admin.getByRole("heading", { name: "CSV取り込み" }).waitFor();
    await admin.getByLabel("CSVファイル").setInputFiles({ name: "職員名簿.csv", mimeType: "text/csv", buffer: sjisCsv() });
    await admin.getByRole("button", { name: "内容を確認する" }).click();
    await admin.getByText("文字コード：Shift_JIS").waitFor();
    const table = admin.locator("table.preview-table");
    await table.getByText("渡辺 翔太").waitFor();
    assert.match(await table.locator("tr.row-error").first().innerText(), /渡辺 翔太/);
    assert.equal(await table.locator("tr.row-error").count(), 1);
    // No commit is offered while a row has a problem.
    assert.equal(await admin.getByRole("button", { name: /件を取り込む/ }).count(), 0);
    await capture(admin, "12-import-problems");

    // Importing into the clinic fills the blank facility; now every row is fine.
    await admin.getByLabel("取り込む事業所").selectOption({ label: FACILITY });
    await admin.getByRole("button", { name: "内容を確認する" }).click();
    await admin.getByRole("button", { name: "3件を取り込む" }).waitFor();
    assert.equal(await table.locator("tr.row-error").count(), 0);
    await admin.getByRole("button", { name: "3件を取り込む" }).click();
    await admin.getByText("取り込みました：追加 3・更新 0。").waitFor();
    await capture(admin, "13-import-done");

    await admin.getByRole("link", { name: "名簿を見る" }).click();
    await admin.getByLabel("名前・ふりがなで検索").fill("やまざき");
    await admin.getByRole("button", { name: "検索" }).click();
    await admin.locator("tbody tr", { hasText: "山﨑 恵子" }).waitFor();
  });

  it("3. composes a drill for the clinic and sees the preview: counts per channel, the exact messages, SMS segments", async () => {
    await admin.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "安否確認を送る" }).click();
    await admin.getByRole("heading", { name: "安否確認を送る" }).waitFor();
    // The title starts empty; sending it so is refused in words, naming the field.
    assert.equal(await admin.getByLabel("件名").inputValue(), "");
    await admin.getByRole("button", { name: "送信内容を確認する" }).click();
    await admin.getByText("件名を入れてください").first().waitFor();
    await admin.getByLabel("件名").fill(TITLE);
    assert.equal(await admin.getByLabel("訓練として送る").isChecked(), true);
    await admin.getByLabel("事業所を選ぶ").check();
    await admin.getByLabel("事業所名で絞り込み").fill("本町クリ");
    await admin.getByLabel(FACILITY, { exact: true }).check();
    await capture(admin, "20-trigger-compose");
    await admin.getByRole("button", { name: "送信内容を確認する" }).click();

    await admin.getByTestId("preview-recipients").waitFor();
    recipients = Number((await admin.getByTestId("preview-recipients").innerText()).replace(/,/g, ""));
    assert.ok(recipients >= 4, `the clinic has its demo staff and the 3 imported people (got ${recipients})`);
    const sms = await admin.getByTestId("sms-segments").first().innerText();
    assert.match(sms, /SMS \d+通分/);
    const messages = await admin.locator("article.message").allInnerTexts();
    assert.ok(
      messages.some((m) => m.includes("【訓練】")),
      "every drill message says 訓練",
    );
    // The waves are numbered as everywhere else (the outbox, the person's deliveries): the first is 第1段.
    const waves = await admin.locator("ol.plain li").allInnerTexts();
    assert.match(waves[0] ?? "", /^第1段/);
    assert.match(waves.at(-1) ?? "", new RegExp(`^第${waves.length}段`));
    await capture(admin, "21-trigger-preview");
  });

  it("4. the confirm names what will happen, 「N名に送信します（訓練）」, and opens the board", async () => {
    const label = `${recipients.toLocaleString("ja-JP")}名に送信します（訓練）`;
    await admin.getByRole("heading", { name: label }).waitFor();
    await admin.getByRole("button", { name: label }).click();
    await admin.waitForURL(/\/rollcalls\/\d+$/);
    rollcallId = Number(new URL(admin.url()).pathname.split("/").pop());
    await admin
      .getByTestId("rollcall-state")
      .filter({ hasText: /受付中|送信中/ })
      .waitFor();
    assert.equal(Number(await admin.getByTestId("recipients").innerText()), recipients);
    assert.equal(await admin.getByTestId("replied").innerText(), "0");
    await capture(admin, "30-board-open");
  });

  it("5. the sandbox outbox shows every message as its recipient sees it, with its reply link", async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signInAs(page, "network_admin");
    await page.goto(`/outbox?rollcall=${rollcallId}`);
    await page.getByRole("heading", { name: "送信箱（テスト）" }).waitFor();
    // Deliveries go through the queue: refresh until they are there.
    for (let i = 0; i < 20 && (await page.getByTestId("outbox-message").count()) === 0; i++) {
      await page.waitForTimeout(1000);
      await page.getByRole("button", { name: "最新にする" }).click();
      await page.waitForTimeout(300);
    }
    const messages = page.getByTestId("outbox-message");
    assert.ok((await messages.count()) > 0, "the outbox has the drill's messages");
    const first = await messages.first().innerText();
    assert.match(first, /【訓練】/);
    // Right after the confirm only the first wave has gone out: 第1段, as the preview numbered it.
    assert.match(first, /第1段/);
    const byPerson = new Map();
    for (const m of await messages.all()) {
      const href = await m.locator("a.reply-link").getAttribute("href");
      const to = (await m.locator(".meta").innerText()).split("\n").find((l) => l.startsWith("宛先")) ?? "";
      const name = to.replace(/^宛先：/, "").split(" · ")[0];
      if (href && !byPerson.has(name)) byPerson.set(name, href);
    }
    assert.ok(byPerson.size >= 2, "at least two people got a message");
    replyLinks.push(...[...byPerson.entries()].slice(0, 2));
    await capture(page, "40-outbox");
    await ctx.close();
  });

  it("6. a second browser context (a phone, no session) opens the reply links and answers", async () => {
    const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const answers = [
      ["無事", "可能"],
      ["重傷・要救助", "不可"],
    ];
    for (const [i, [name, href]] of replyLinks.entries()) {
      const page = await phone.newPage();
      await page.goto(href);
      await page.getByText("【訓練】").first().waitFor();
      await page.getByRole("group", { name: "あなたの安否" }).getByLabel(answers[i][0], { exact: true }).check();
      await page.getByRole("group", { name: "出勤できますか" }).getByLabel(answers[i][1], { exact: true }).check();
      if (i === 0) await capture(page, "50-reply-form");
      await page.getByRole("button", { name: "確認へ進む" }).click();
      // The confirm step shows the answer before it is recorded.
      await page.getByRole("heading", { name: "この内容で送信しますか？" }).waitFor();
      assert.match(await page.locator("dl").innerText(), new RegExp(answers[i][0]));
      if (i === 0) await capture(page, "51-reply-confirm");
      await page.getByRole("button", { name: "この内容で送信する" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: "回答を受け付けました" })
        .waitFor()
        .catch(async (err) => {
          await screenshot(page, `fail-reply-${i}`);
          throw new Error(`${err.message}\npage said: ${(await page.locator("main").innerText()).slice(0, 500)}`);
        });
      if (i === 0) await capture(page, "52-reply-done");
      assert.ok(name, "the outbox named the recipient");
      await page.close();
    }
    await phone.close();
  });

  it("7. the admin's board changes without a reload", async () => {
    await admin.evaluate(() => {
      window.__sameDocument = true;
    });
    await admin.getByTestId("replied").filter({ hasText: /^2$/ }).waitFor({ timeout: 20_000 });
    assert.equal(await admin.evaluate(() => window.__sameDocument === true), true, "no reload happened");
    assert.equal(await admin.getByTestId("safety-safe").innerText(), "1");
    assert.equal(await admin.getByTestId("safety-severe").innerText(), "1");
    const nonResponders = await admin.getByTestId("non-responders").innerText();
    for (const [name] of replyLinks) assert.ok(!nonResponders.includes(name), `${name} has answered`);
    await capture(admin, "60-board-replies");
  });

  it("8. the city viewer's board, on a phone, shows the same counts and no contact details", async () => {
    const ctx = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    await signInAs(page, "viewer");
    await page
      .getByRole("link", { name: new RegExp(TITLE) })
      .first()
      .click();
    await page.getByTestId("replied").filter({ hasText: /^2$/ }).waitFor();
    const text = await page.locator("main").innerText();
    assert.doesNotMatch(text, CONTACT_PATTERN, "no phone number or email on the viewer's board");
    assert.equal(await page.getByRole("button", { name: "締め切る" }).count(), 0, "the viewer cannot close");
    assert.equal(await page.getByRole("link", { name: "送信箱を見る" }).count(), 0, "the viewer has no outbox");
    assert.equal(await page.getByRole("button", { name: "代理回答" }).count(), 0, "the viewer cannot reply for others");
    // Usable on a phone: the page itself does not scroll sideways (wide tables scroll in their own box).
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the board is ${overflow}px wider than the phone`);
    await capture(page, "70-board-viewer-phone");
    await ctx.close();
  });

  it("9. the admin closes the roll-call and exports the CSV (UTF-8 with BOM)", async () => {
    admin.once("dialog", (d) => d.accept());
    await admin.getByRole("button", { name: "締め切る" }).click();
    await admin.getByTestId("rollcall-state").filter({ hasText: "終了" }).waitFor();
    assert.equal(await admin.getByRole("button", { name: "締め切る" }).count(), 0);
    const [download] = await Promise.all([admin.waitForEvent("download"), admin.getByRole("link", { name: "CSVで書き出す", exact: true }).click()]);
    const bytes = readFileSync(await download.path());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "starts with the UTF-8 BOM so Excel reads it");
    const csv = bytes.toString("utf8");
    for (const [name] of replyLinks) assert.ok(csv.includes(name), `the export lists ${name}`);
    assert.ok(csv.includes("山﨑 恵子"), "the imported staff were asked too");
    await capture(admin, "80-board-closed");

    await admin.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "安否確認の履歴" }).click();
    const row = admin.locator("tbody tr", { hasText: TITLE });
    await row.waitFor();
    assert.match(await row.innerText(), /終了/);
    assert.match(await row.innerText(), new RegExp(`2 / ${recipients.toLocaleString("ja-JP")}`));
    await capture(admin, "81-history");
  });

  it("10. home, templates and the English switch pass the accessibility check", async () => {
    await admin.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "テンプレート" }).click();
    await admin.getByRole("heading", { name: "テンプレート" }).waitFor();
    await admin.locator("section.card").first().waitFor();
    await capture(admin, "90-templates");
    await admin.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "ホーム" }).click();
    await admin.getByRole("heading", { name: "ホーム" }).waitFor();
    await admin.getByLabel("言語", { exact: true }).selectOption("en");
    await admin.getByRole("heading", { name: "Home" }).waitFor();
    await screenshot(admin, "91-home-english");
    await checkA11y(admin, "home (English)");
    await admin.getByLabel("Language", { exact: true }).selectOption("ja");
    await admin.getByRole("heading", { name: "ホーム" }).waitFor();
  });

  it("11. a facility admin drills their own facility and records a reply for someone reached by phone (代理回答)", async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signInAs(page, "facility_admin");
    await page.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "安否確認を送る" }).click();
    await page.getByLabel("件名").fill(`事業所訓練 ${STAMP}`);
    // A facility admin may address only their own facility: it is the one choice, already ticked.
    assert.equal(await page.getByLabel("ネットワーク全体").count(), 0);
    assert.equal(await page.getByLabel(FACILITY, { exact: true }).isChecked(), true);
    await page.getByRole("button", { name: "送信内容を確認する" }).click();
    const n = Number((await page.getByTestId("preview-recipients").innerText()).replace(/,/g, ""));
    const confirmButton = page.getByRole("button", { name: `${n.toLocaleString("ja-JP")}名に送信します（訓練）` });
    // On a phone the preview opens with its confirm in the first screen: counts first, messages folded below.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = await confirmButton.boundingBox();
    assert.ok(box && box.y + box.height <= 844, `the confirm button ends at ${box ? Math.round(box.y + box.height) : "?"} px, past the phone's 844`);
    await capture(page, "84-preview-phone");
    await page.setViewportSize({ width: 1280, height: 860 });
    await confirmButton.click();
    await page.waitForURL(/\/rollcalls\/\d+$/);
    const row = page.getByTestId("non-responders").locator("tr", { hasText: "山﨑 恵子" });
    await row.getByRole("button", { name: "代理回答" }).click();
    // Nothing is chosen for the person: each answer and how they were reached is picked.
    assert.equal(await row.getByLabel("安否").inputValue(), "");
    assert.equal(await row.getByLabel("出勤").inputValue(), "");
    assert.equal(await row.getByRole("radio", { checked: true }).count(), 0);
    await row.getByRole("button", { name: "記録する" }).click();
    await row.getByText("安否を選んでください。").waitFor();
    await row.getByLabel("安否").selectOption({ label: "無事" });
    await row.getByLabel("出勤").selectOption({ label: "出勤可能" });
    await row.getByRole("radio", { name: "電話" }).check();
    await row.getByRole("button", { name: "記録する" }).click();
    await page.getByTestId("replied").filter({ hasText: /^1$/ }).waitFor({ timeout: 20_000 });
    await page.getByText("代理回答 1件").waitFor();
    assert.equal(await page.getByTestId("non-responders").locator("tr", { hasText: "山﨑 恵子" }).count(), 0);
    await capture(page, "85-board-facility-proxy");
    page.once("dialog", (d) => d.accept());
    await page.getByRole("button", { name: "締め切る" }).click();
    await page.getByTestId("rollcall-state").filter({ hasText: "終了" }).waitFor();
    await ctx.close();
  });
});
