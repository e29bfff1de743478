/**
 * The live board over its WebSocket: a reply shows within a second with no reload and
 * no polling; the response-rate chart; facility and person drill-down; resend and the
 * phone check (admins only); the outbox's SMS answer box through the real webhook;
 * readiness with its explicit confirm.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiJson, CONTACT_PATTERN, facilityOf, outboxOf, startDrill } from "./api.mjs";
import { ACCOUNTS, capture, launch, newContext, signInAs } from "./helpers.mjs";

const STAMP = String(Date.now()).slice(-6);
let browser;
let adminCtx;
let admin;
let rollcallId;
let facilityId;
let items; // the drill's outbox
const polls = [];

before(async () => {
  browser = await launch();
  facilityId = await facilityOf(await newContext(browser), ACCOUNTS.facility_admin);
  adminCtx = await newContext(browser);
  admin = await adminCtx.newPage();
  admin.on("request", (r) => {
    if (/\/api\/rollcalls\/\d+\/board$/.test(new URL(r.url()).pathname)) polls.push(r.url());
  });
  await signInAs(admin, "network_admin");
  rollcallId = await startDrill(admin, facilityId, `ボード訓練 ${STAMP}`);
  items = await outboxOf(admin, rollcallId, (xs) => new Set(xs.map((x) => x.personId)).size >= 3 && xs.some((x) => x.channel === "sms"));
});
after(async () => {
  await browser?.close();
});

describe("the live board (WebSocket)", () => {
  it("connects live and shows the response-rate chart", async () => {
    await admin.goto(`/rollcalls/${rollcallId}`);
    await admin.getByTestId("live-mode").and(admin.locator('[data-mode="live"]')).waitFor();
    await admin.getByTestId("rate-chart").locator("canvas").first().waitFor();
    assert.equal(await admin.getByTestId("replied").innerText(), "0");
    await capture(admin, "b10-board-live");
  });

  it("a reply from a phone shows on the board within a second, without a reload or polling", async () => {
    await admin.evaluate(() => {
      window.__sameDocument = true;
    });
    const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    const link = items.find((x) => x.replyUrl).replyUrl;
    await page.goto(link);
    await page.getByRole("group", { name: "あなたの安否" }).getByLabel("無事", { exact: true }).check();
    await page.getByRole("group", { name: "出勤できますか" }).getByLabel("可能", { exact: true }).check();
    await page.getByRole("button", { name: "確認へ進む" }).click();
    await page.getByRole("button", { name: "この内容で送信する" }).click();
    await page.getByRole("status").filter({ hasText: "回答を受け付けました" }).waitFor();
    const recorded = Date.now();
    await admin.getByTestId("replied").filter({ hasText: /^1$/ }).waitFor({ timeout: 1_000 });
    const took = Date.now() - recorded;
    assert.ok(took <= 1_000, `the board changed ${took} ms after the reply was recorded`);
    assert.equal(await admin.evaluate(() => window.__sameDocument === true), true, "no reload happened");
    assert.deepEqual(polls, [], "the board did not poll: the change came over the socket");
    assert.equal(await admin.getByTestId("safety-safe").innerText(), "1");
    await phone.close();
  });

  it("admins see the phone check and can resend to a non-responder", async () => {
    await admin.getByTestId("phone-check").waitFor();
    const row = admin.getByTestId("non-responders").locator("tbody tr").first();
    const name = (await row.locator("td a").first().innerText()).trim();
    await row.getByRole("button", { name: `再送：${name}` }).click();
    await admin
      .getByRole("status")
      .filter({ hasText: /再送しました|再送する相手はいませんでした/ })
      .waitFor();
    await capture(admin, "b11-board-resend");
  });

  it("drills down to the facility and to the person who answered (answers, versions, channels)", async () => {
    await admin.getByTestId("facility-table").getByRole("link").first().click();
    await admin.getByTestId("facility-recipients").waitFor();
    await capture(admin, "b20-facility");
    const answered = admin.getByTestId("facility-recipients").locator("tbody tr", { hasText: "無事" }).first();
    await answered.getByRole("link").first().click();
    await admin.getByTestId("reply-versions").waitFor();
    assert.match(await admin.getByTestId("reply-versions").innerText(), /無事/);
    assert.ok((await admin.getByTestId("person-deliveries").locator("tbody tr").count()) >= 1, "the channels that reached them");
    await capture(admin, "b21-person");
  });

  it("the city viewer's drill-down and board carry no contact details and no phone check", async () => {
    const ctx = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    await signInAs(page, "viewer");
    await page.goto(`/rollcalls/${rollcallId}`);
    await page.getByTestId("replied").waitFor();
    assert.equal(await page.getByTestId("phone-check").count(), 0);
    assert.equal(await page.getByRole("button", { name: /^再送/ }).count(), 0);
    assert.doesNotMatch(await page.locator("main").innerText(), CONTACT_PATTERN);
    await page.goto(`/rollcalls/${rollcallId}/facilities/${facilityId}`);
    await page.getByTestId("facility-recipients").waitFor();
    assert.doesNotMatch(await page.locator("main").innerText(), CONTACT_PATTERN);
    await capture(page, "b22-facility-viewer-phone");
    await ctx.close();
  });

  it("the outbox's SMS box answers as the recipient through the webhook and shows the TwiML reply", async () => {
    const sms = items.find((x) => x.channel === "sms" && x.audience === "recipients");
    await admin.goto(`/outbox?rollcall=${rollcallId}`);
    const message = admin
      .getByTestId("outbox-message")
      .filter({ has: admin.getByTestId("sms-reply-box") })
      .first();
    await message.waitFor();
    const box = message.getByTestId("sms-reply-box");
    await box.getByLabel("この人としてSMSで返信").fill("1 1");
    await box.getByRole("button", { name: "SMSを送る" }).click();
    const answer = box.getByTestId("sms-answer");
    await answer.waitFor();
    assert.ok((await answer.innerText()).trim().length > 0, "the webhook's TwiML text is shown");
    // The outcome in words, never its code ("recorded").
    await box.getByText("結果：回答を記録しました").waitFor();
    assert.doesNotMatch(await box.innerText(), /recorded|TwiML/);
    await capture(admin, "b30-outbox-sms");
    const board = await apiJson(admin, "GET", `/api/rollcalls/${rollcallId}/board`);
    assert.ok(board.aggregates.replied >= 2, `the SMS reply was recorded (replied ${board.aggregates.replied}; SMS to person ${sms.personId})`);
  });

  it("readiness: per facility reachable share and unverified counts; a test message only after the explicit confirm", async () => {
    await admin.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "平時の備え" }).click();
    await admin.getByTestId("readiness-table").waitFor();
    assert.match(await admin.getByTestId("readiness-share").innerText(), /%$/);
    await capture(admin, "b40-readiness");
    const row = admin.getByTestId("readiness-table").locator("tbody tr").first();
    const name = (await row.locator("td").first().innerText()).split("\n")[0];
    await row.getByRole("button", { name: `テストを送る：${name}` }).click();
    const confirm = admin.getByRole("heading", { name: /名にテストメッセージを送ります/ });
    await confirm.waitFor();
    await capture(admin, "b41-readiness-confirm");
    await admin.getByRole("button", { name: /名にテストメッセージを送ります/ }).click();
    await admin.getByRole("status").filter({ hasText: "テストメッセージを送りました" }).waitFor();
  });

  it("closing ends the live updates; the board says closed", async () => {
    await apiJson(admin, "POST", `/api/rollcalls/${rollcallId}/close`);
    await admin.goto(`/rollcalls/${rollcallId}`);
    await admin.getByTestId("rollcall-state").filter({ hasText: "終了" }).waitFor();
    await adminCtx.close();
  });
});
