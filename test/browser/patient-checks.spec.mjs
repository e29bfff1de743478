/**
 * 患者さんの確認 in a roll-call (issue 15), on a phone: the network admin sends a drill with
 * the safety template to the whole network, the patient checks on by the template's
 * default; the visiting nurse follows the banner from Home to their checks, finds the
 * ventilator patient unchecked and first, claims it (担当します) — the care manager of
 * the same group, pressing 担当します a moment later, is told who holds it — and records
 * 無事 with 電源確保 through the confirm step. The admin's board counts it live, over its
 * socket, without a reload; no page is wider than the phone.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiJson } from "./api.mjs";
import { ACCOUNTS, capture, launch, newContext, signInAs } from "./helpers.mjs";

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const STAMP = String(Date.now()).slice(-6);
const TITLE = `患者確認の訓練 ${STAMP}`;

let browser;
let adminCtx;
let admin;
let nurseCtx;
let nurse;
let rollcallId;
let patientId; // the nurse's first check: the ventilator patient
let totalChecks;

/** The page is no wider than the phone's 390 px. */
async function fitsPhone(page, screen) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= 390 && scroll <= inner, `${screen} is ${scroll} px wide on a 390 px phone`);
}

/** The board's checked count, as 「1 / 12」. */
async function boardChecked(page) {
  const [checked, total] = (await page.getByTestId("pc-checked").innerText()).split("/").map((s) => Number(s.replace(/[^\d]/g, "")));
  return { checked, total };
}

before(async () => {
  browser = await launch();
  adminCtx = await newContext(browser);
  admin = await adminCtx.newPage();
  await signInAs(admin, "network_admin");
});
after(async () => {
  await browser?.close();
});

describe("patient checks in a roll-call", () => {
  it("1. the admin sends a drill to the whole network; the safety template checks on patients by default, and the board counts them", async () => {
    await admin.goto("/rollcalls/new");
    await admin.getByRole("heading", { name: "安否確認を送る" }).waitFor();
    await admin.getByLabel("件名").fill(TITLE);
    await admin.getByLabel("テンプレート").selectOption({ value: "safety" });
    const box = admin.getByLabel("患者さんの確認も行う（患者グループのメンバーに）");
    assert.equal(await box.isChecked(), true, "the safety template checks on patients by default");
    assert.equal(await admin.getByLabel("訓練として送る").isChecked(), true);
    await admin.getByLabel("ネットワーク全体").check();
    await admin.getByRole("button", { name: "送信内容を確認する" }).click();
    await admin.getByTestId("preview-recipients").waitFor();
    assert.match(await admin.getByTestId("preview-patient-checks").innerText(), /患者さんの確認：あり/);
    const recipients = Number((await admin.getByTestId("preview-recipients").innerText()).replace(/,/g, ""));
    await admin.getByRole("button", { name: `${recipients.toLocaleString("ja-JP")}名に送信します（訓練）` }).click();
    await admin.waitForURL(/\/rollcalls\/\d+$/);
    rollcallId = Number(new URL(admin.url()).pathname.split("/").pop());
    const rc = await apiJson(admin, "GET", `/api/rollcalls/${rollcallId}`);
    assert.notEqual(rc.rollcall.patientChecks, null, "the roll-call checks on patients");

    const section = admin.getByTestId("patient-checks");
    await section.waitFor();
    await admin.getByTestId("live-mode").and(admin.locator('[data-mode="live"]')).waitFor();
    const counts = await boardChecked(admin);
    assert.equal(counts.checked, 0);
    assert.ok(counts.total > 0, "the drill checks on some patients");
    totalChecks = counts.total;
    assert.match(await section.innerText(), /人工呼吸器/);
    await section.getByRole("link", { name: "自分の担当の患者さん" }).waitFor();
    await capture(admin, "pc01-board-counts");
    // From here on the board must change by itself.
    await admin.evaluate(() => {
      window.__sameDocument = true;
    });
  });

  it("2. the nurse follows the banner from Home to their checks: the ventilator patient is first and unchecked", async () => {
    nurseCtx = await newContext(browser, PHONE);
    nurse = await nurseCtx.newPage();
    await signInAs(nurse, "visiting_nurse");
    const banner = nurse.getByTestId("check-banners").getByRole("link", { name: new RegExp(`【訓練】${TITLE}：患者さんの確認 未確認 \\d+人`) });
    await banner.waitFor();
    await fitsPhone(nurse, "Home with the banner");
    await capture(nurse, "pc02-home-banner");
    await banner.click();
    await nurse.waitForURL(`**/rollcalls/${rollcallId}/patients`);
    await nurse
      .getByTestId("check-rollcall")
      .filter({ hasText: `【訓練】${TITLE}` })
      .waitFor();
    const summary = await nurse.getByTestId("checks-summary").innerText();
    const m = /担当の患者さん (\d+)人・未確認 (\d+)人/.exec(summary);
    assert.ok(m, `the summary line: ${summary}`);
    assert.equal(m[1], m[2], "nothing is checked yet");
    const first = nurse.getByTestId("check").first();
    assert.match(await first.locator(".pt-badges").innerText(), /人工呼吸器/, "the first check is a ventilator patient");
    assert.equal(await first.getAttribute("data-state"), "unclaimed");
    assert.match(await first.getByTestId("check-state").innerText(), /未確認/);
    await first.getByRole("link", { name: /電話する/ }).waitFor();
    assert.match((await first.getByRole("link", { name: /電話する/ }).getAttribute("href")) ?? "", /^tel:0\d{9,10}$/);
    patientId = Number(await first.getAttribute("data-patient"));
    await fitsPhone(nurse, "the checks");
    await capture(nurse, "pc03-checks");
    // The same patients, also from the patient groups' list.
    await nurse.goto("/patients");
    await nurse
      .getByTestId("check-banners")
      .getByRole("link", { name: new RegExp(TITLE) })
      .waitFor();
    await nurse.goBack();
    await nurse.getByTestId("checks").waitFor();
  });

  it("3. the nurse claims it; the care manager of the same group, a moment later, is told who holds it", async () => {
    // The care manager's screen is open before the nurse claims: it still offers 担当します.
    const cmCtx = await newContext(browser, PHONE);
    const cm = await cmCtx.newPage();
    await signInAs(cm, "care_manager");
    await cm.goto(`/rollcalls/${rollcallId}/patients`);
    const theirs = cm.locator(`[data-testid="check"][data-patient="${patientId}"]`);
    await theirs.getByRole("button", { name: "担当します" }).waitFor();

    const card = nurse.locator(`[data-testid="check"][data-patient="${patientId}"]`);
    await card.getByRole("button", { name: "担当します" }).click();
    await card.getByTestId("check-state").filter({ hasText: "あなたが担当" }).waitFor();
    assert.equal(await card.getAttribute("data-state"), "claimed");

    await theirs.getByRole("button", { name: "担当します" }).click();
    // The API's message names the holder; the list is read again and shows them.
    await theirs
      .getByRole("alert")
      .filter({ hasText: `${ACCOUNTS.visiting_nurse.name}さんが担当しています` })
      .waitFor();
    await theirs
      .getByTestId("check-state")
      .filter({ hasText: `${ACCOUNTS.visiting_nurse.name}さんが担当` })
      .waitFor();
    assert.equal(await theirs.getByRole("button", { name: "担当します" }).count(), 0);
    await fitsPhone(cm, "the care manager's checks");
    await capture(cm, "pc04-held-by-nurse");
    await cmCtx.close();
  });

  it("4. the nurse records 無事 with 電源確保 through the confirm step; the board counts it live", async () => {
    const card = nurse.locator(`[data-testid="check"][data-patient="${patientId}"]`);
    await card.getByRole("button", { name: "記録する" }).click();
    const form = card.getByTestId("check-form");
    await form.waitFor();
    // Without a result the form says so in words.
    await form.getByRole("button", { name: "確認へ" }).click();
    await form.getByRole("alert").filter({ hasText: "確認の結果を選んでください" }).waitFor();
    await form.getByRole("group", { name: "確認の結果" }).getByLabel("無事", { exact: true }).check();
    // A ventilator hangs on power: its state is asked.
    const power = form.getByRole("group", { name: "医療機器の電源" });
    await power.getByLabel("バッテリーで動いている").check();
    await form.getByLabel("バッテリーの残り（時間）").waitFor();
    await power.getByLabel("電源確保").check();
    assert.equal(await form.getByLabel("バッテリーの残り（時間）").count(), 0);
    await form.getByLabel("いまいる場所").fill("自宅");
    await form.getByLabel("コメント").fill(`訪問して確認しました。${STAMP}`);
    await fitsPhone(nurse, "the check form");
    await capture(nurse, "pc05-check-form");
    await form.getByRole("button", { name: "確認へ" }).click();

    const preview = card.getByTestId("check-preview");
    await preview.waitFor();
    const text = await preview.innerText();
    assert.match(text, /この内容で記録しますか/);
    assert.match(text, /無事/);
    assert.match(text, /電源確保/);
    assert.match(text, /自宅/);
    await fitsPhone(nurse, "the check preview");
    await capture(nurse, "pc06-check-preview");
    // The preview records nothing.
    const still = (await apiJson(nurse, "GET", `/api/rollcalls/${rollcallId}/patients`)).items.find((c) => c.patientId === patientId);
    assert.equal(still.state, "claimed");
    assert.equal((await boardChecked(admin)).checked, 0);

    // 戻る goes back to the form with the answers kept.
    await preview.getByRole("button", { name: "戻る" }).click();
    assert.equal(await form.getByRole("group", { name: "確認の結果" }).getByLabel("無事", { exact: true }).isChecked(), true);
    await form.getByRole("button", { name: "確認へ" }).click();
    await preview.getByRole("button", { name: "確定する" }).click();
    await card.getByText("記録しました。").waitFor();
    await card.getByTestId("check-state").filter({ hasText: "確認済み：無事" }).waitFor();
    assert.equal(await card.getAttribute("data-state"), "checked");
    assert.match(await card.getByTestId("check-state").innerText(), /電源確保/);
    const recorded = Date.now();
    const checked = (await apiJson(nurse, "GET", `/api/rollcalls/${rollcallId}/patients`)).items.find((c) => c.patientId === patientId);
    assert.equal(checked.result, "safe");
    assert.equal(checked.power, "secured");
    await capture(nurse, "pc07-checked");

    // The admin's board, open since the confirm, counts it over the socket.
    await admin
      .getByTestId("pc-checked")
      .filter({ hasText: new RegExp(`^1 / ${totalChecks.toLocaleString("ja-JP")}$`) })
      .waitFor({ timeout: 5_000 });
    assert.ok(Date.now() - recorded < 5_000);
    assert.equal(await admin.evaluate(() => window.__sameDocument === true), true, "the board was not reloaded");
    assert.match(await admin.getByTestId("pc-results").innerText(), /無事 1/);
    await capture(admin, "pc08-board-counted");
  });

  it("5. someone in no patient group gets an empty list with a short explanation", async () => {
    await admin.goto(`/rollcalls/${rollcallId}/patients`);
    await admin.getByTestId("checks-empty").waitFor();
    await admin
      .getByTestId("check-rollcall")
      .filter({ hasText: `【訓練】${TITLE}` })
      .waitFor();
    await capture(admin, "pc09-admin-no-checks");
    await nurseCtx.close();
    await adminCtx.close();
  });
});
