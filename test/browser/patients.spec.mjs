/**
 * Patient groups (患者グループ, §3–§5) on a phone: the visiting nurse sees their groups,
 * high needs first, opens a ventilator patient and writes a post with the confirm
 * step; the care manager opens a group after the consent, naming the physician by
 * name (who is invited); the city viewer sees counts by district and need, no names.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiJson } from "./api.mjs";
import { ACCOUNTS, capture, fileBrowser, newContext, PHONE, signInAs } from "./helpers.mjs";

const STAMP = String(Date.now()).slice(-6);

const browser = fileBrowser();

describe("patient groups", () => {
  it("1. the visiting nurse: their groups with the ventilator patient first; the patient's page; a post only after confirming", async () => {
    const ctx = await newContext(browser(), PHONE);
    const page = await ctx.newPage();
    await signInAs(page, "visiting_nurse");
    await page.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "患者グループ" }).click();
    const list = page.getByTestId("patients");
    await list.waitFor();
    const first = list.getByRole("link").first();
    assert.ok((await first.innerText()).includes("人工呼吸器"), `the first group is not a ventilator patient: ${await first.innerText()}`);
    await capture(page, "p01-patients-nurse");

    // The name without its reading (a span beside it).
    const name = (await first.locator(".pt-name").evaluate((el) => el.firstChild?.textContent ?? "")).trim();
    await first.click();
    const head = page.getByTestId("patient-head");
    await head.waitFor();
    await page.getByRole("heading", { name, exact: true }).waitFor();
    assert.ok((await head.innerText()).includes("人工呼吸器"));
    await head.getByRole("link", { name: /電話する/ }).waitFor();
    await capture(page, "p02-patient-page");

    const id = Number(new URL(page.url()).pathname.split("/").pop());
    const before = (await apiJson(page, "GET", `/api/patients/${id}`)).posts.length;
    const text = `訪問しました。人工呼吸器は正常、バッテリーは満充電です。${STAMP}`;
    await page.getByLabel("この患者さんについて書く").fill(text);
    await page.getByRole("button", { name: "内容を確認する" }).click();
    const preview = page.getByTestId("post-preview");
    await preview.getByText(text).waitFor();
    await capture(page, "p03-post-preview");
    // The preview stores nothing.
    assert.equal((await apiJson(page, "GET", `/api/patients/${id}`)).posts.length, before);
    await preview.getByRole("button", { name: "確定して書き込む" }).click();
    await page.getByText("書き込みました。").waitFor();
    await page.getByTestId("posts").getByText(text).waitFor();
    assert.equal((await apiJson(page, "GET", `/api/patients/${id}`)).posts.length, before + 1);
    await ctx.close();
  });

  it("2. the care manager opens a group on the consent, naming the physician; the physician is invited", async () => {
    const ctx = await newContext(browser(), PHONE);
    const page = await ctx.newPage();
    await signInAs(page, "care_manager");
    await page.goto("/patients");
    await page.getByRole("link", { name: "患者グループを作る" }).click();
    const form = page.getByTestId("patient-new");
    await form.waitFor();
    const name = `小金井 トメ${STAMP}`;
    await form.getByLabel("患者さんの名前").fill(name);
    await form.getByLabel("フリガナ").fill("こがねい とめ");
    await form.getByLabel("地区").fill("東町");
    await form.getByLabel("在宅酸素").check();
    await form.getByLabel("独居").check();
    await form.getByLabel("バッテリーで動く時間（時間）").fill("4");
    await form.getByLabel("要介護度").selectOption({ label: "要介護3" });
    await capture(page, "p04-open-form");
    // Without a physician the form says what is missing.
    await form.getByRole("button", { name: "作成する" }).click();
    await page.getByRole("alert").filter({ hasText: "主治医" }).waitFor();
    const physician = ACCOUNTS.facility_admin; // the demo clinic's admin is a doctor (医師)
    await form.getByLabel("主治医を名前で探す").fill(physician.name.split(" ")[0]);
    await form.getByRole("button", { name: "探す" }).click();
    await form.getByRole("button", { name: `選ぶ：${physician.name}` }).click();
    await form.getByText(`選んだ人：${physician.name}`).waitFor();
    await form.getByRole("button", { name: "作成する" }).click();
    await page.getByRole("heading", { name, exact: true }).waitFor();
    await page.getByText("主治医に招待を送りました。").waitFor();
    const head = page.getByTestId("patient-head");
    assert.ok((await head.innerText()).includes("在宅酸素"));
    assert.ok((await head.innerText()).includes("独居"));
    await capture(page, "p05-opened");
    await ctx.close();
  });

  it("3. the city viewer sees counts by district and need, and no patient's name", async () => {
    const nurseCtx = await newContext(browser());
    const nurse = await nurseCtx.newPage();
    await signInAs(nurse, "visiting_nurse");
    const names = (await apiJson(nurse, "GET", "/api/patients")).items.map((p) => p.name);
    await nurseCtx.close();

    const ctx = await newContext(browser(), PHONE);
    const page = await ctx.newPage();
    await signInAs(page, "viewer");
    await page.goto("/patients");
    const table = page.getByTestId("patient-counts");
    await table.waitFor();
    assert.ok((await table.innerText()).includes("人工呼吸器"));
    const text = await page.locator("main").innerText();
    for (const n of names) assert.ok(!text.includes(n), `the viewer sees ${n}`);
    await page.getByText("参加している患者グループはありません。").waitFor();
    await capture(page, "p06-viewer-counts");
    await ctx.close();
  });
});
