/**
 * The board that shows what needs doing first (issue 13): after a 要救助 reply the
 * admin's board names the person in the first screen, on a desktop (1280×800) and on a
 * phone (390×844); on a phone nothing on the board is wider than the screen; the
 * facility admin's board opens on their own facility, without 締め切る, with other
 * facilities as plain text; a roll-call they may not read says 「権限がありません」.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiJson, facilityOf, outboxOf } from "./api.mjs";
import { ACCOUNTS, capture, launch, newContext, signInAs } from "./helpers.mjs";

const STAMP = String(Date.now()).slice(-6);
let browser;
let adminCtx;
let admin;
let rollcallId;
let ownFacility;
let others;
let severe; // { personId, name }

/** Where an element is on the first screen: its bottom edge, the page scrolled to the top. */
async function bottomOnFirstScreen(page, locator) {
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = await locator.boundingBox();
  assert.ok(box, "the element is shown");
  return box.y + box.height;
}

/** Elements of the board (main) whose box runs past the viewport's edges, and how much wider than it the page is (none on a phone). */
async function wider(page) {
  return page.evaluate(() => {
    const w = window.innerWidth;
    const out = [];
    for (const el of document.querySelectorAll("main *")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right > w + 1 || r.left < -1) out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}–${Math.round(r.right)}`);
    }
    return { page: document.documentElement.scrollWidth - w, elements: out.slice(0, 10) };
  });
}

before(async () => {
  browser = await launch();
  ownFacility = await facilityOf(await newContext(browser), ACCOUNTS.facility_admin);
  adminCtx = await newContext(browser, { viewport: { width: 1280, height: 800 } });
  admin = await adminCtx.newPage();
  await signInAs(admin, "network_admin");
  const list = await apiJson(admin, "GET", "/api/facilities?limit=50");
  others = list.items.filter((f) => f.id !== ownFacility && f.type !== "city_division").slice(0, 2);
  assert.equal(others.length, 2, "the demo network has other facilities");
  const draft = await apiJson(admin, "POST", "/api/rollcalls", {
    title: `要救助の訓練 ${STAMP}`,
    message: "",
    template: "safety",
    scope: { facilityIds: [ownFacility, ...others.map((f) => f.id)] },
    drill: true,
  });
  rollcallId = draft.rollcall.id;
  await apiJson(admin, "POST", `/api/rollcalls/${rollcallId}/confirm`);
});
after(async () => {
  await browser?.close();
});

describe("what needs doing first", () => {
  it("after a 要救助 reply, the admin's board names the person in the first screen at 1280×800 and 390×844", async () => {
    await admin.goto(`/rollcalls/${rollcallId}`);
    await admin.getByTestId("needs-now").waitFor();
    const board = await apiJson(admin, "GET", `/api/rollcalls/${rollcallId}/board`);
    const person = board.aggregates.nonResponders.items.find((p) => p.facilityId === ownFacility);
    assert.ok(person, "someone of the facility admin's facility was asked");
    severe = person;
    const items = await outboxOf(admin, rollcallId, (xs) => xs.some((x) => x.personId === person.personId && x.replyUrl));
    const link = items.find((x) => x.personId === person.personId && x.replyUrl).replyUrl;

    const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const reply = await phone.newPage();
    await reply.goto(link);
    await reply.getByRole("group", { name: "あなたの安否" }).getByLabel("重傷・要救助", { exact: true }).check();
    await reply.getByRole("group", { name: "出勤できますか" }).getByLabel("不可", { exact: true }).check();
    await reply.getByRole("button", { name: "確認へ進む" }).click();
    await reply.getByRole("button", { name: "この内容で送信する" }).click();
    await reply.getByRole("status").filter({ hasText: "回答を受け付けました" }).waitFor();
    await phone.close();

    const name = admin.getByTestId("needs-severe-list").getByRole("link", { name: person.name });
    await name.waitFor();
    const desktop = await bottomOnFirstScreen(admin, name);
    assert.ok(desktop <= 800, `the name ends at ${Math.round(desktop)} px, past the desktop's 800`);
    // The phone check: the admin's board carries the person's phone.
    assert.ok(
      (await admin
        .getByTestId("needs-severe-list")
        .getByRole("link", { name: /^電話 / })
        .count()) >= 1,
      "a phone action",
    );
    await capture(admin, "n10-board-severe-desktop");

    await admin.setViewportSize({ width: 390, height: 844 });
    const mobile = await bottomOnFirstScreen(admin, name);
    assert.ok(mobile <= 844, `the name ends at ${Math.round(mobile)} px, past the phone's 844`);
    await capture(admin, "n11-board-severe-phone");
  });

  it("on a phone, no element of the board is wider than the screen; the lists are cards", async () => {
    // Every section open, the longer lists shown further.
    const closed = admin.locator("details.fold:not([open]) > summary");
    while ((await closed.count()) > 0) await closed.first().click();
    const more = admin.getByTestId("facilities-more");
    if (await more.count()) await more.click();
    const w = await wider(admin);
    assert.ok(w.page <= 1, `the page is ${w.page}px wider than the phone`);
    assert.deepEqual(w.elements, [], "elements past the phone's edge");
    const row = admin.getByTestId("facility-table").locator("tbody tr").first();
    assert.equal(await row.evaluate((el) => getComputedStyle(el).display), "block", "facility rows are cards");
    await capture(admin, "n12-board-phone-open");
    await admin.setViewportSize({ width: 1280, height: 800 });
  });

  it("problem facilities first, and the strip's items lead to their lists", async () => {
    await admin.evaluate(() => window.scrollTo(0, 0));
    const first = admin.getByTestId("facility-table").locator("tbody tr").first();
    const fac = await apiJson(admin, "GET", `/api/rollcalls/${rollcallId}/facilities/${ownFacility}`);
    assert.match(await first.innerText(), new RegExp(fac.facility.name), "the facility with someone 要救助 comes first");
    await admin.getByTestId("needs-silent").click();
    assert.equal(await admin.getByTestId("filter-only").inputValue(), "silent");
    await admin.getByTestId("facility-table").or(admin.getByText("あてはまる事業所はありません。")).first().waitFor();
    await admin.getByRole("button", { name: "絞り込みをやめる" }).click();
    await admin.getByLabel("事業所名で探す").fill(others[0].name);
    await admin.getByTestId("facility-table").locator("tbody tr").filter({ hasText: others[0].name }).waitFor();
    assert.equal(await admin.getByTestId("facility-table").locator("tbody tr").count(), 1);
    await capture(admin, "n13-board-filtered");
    await adminCtx.close();
  });

  it("the facility admin's board opens on their facility, has no 締め切る, and other facilities are not links", async () => {
    const ctx = await newContext(browser, { viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await signInAs(page, "facility_admin");
    await page.goto(`/rollcalls/${rollcallId}`);
    await page.getByTestId("needs-now").waitFor();
    assert.equal(await page.getByTestId("view-own").getAttribute("aria-pressed"), "true", "opens on their own facility");
    const rows = page.getByTestId("facility-table").locator("tbody tr");
    assert.equal(await rows.count(), 1, "their one facility");
    await rows.first().getByRole("link").first().waitFor();
    assert.equal(await page.getByRole("button", { name: "締め切る" }).count(), 0, "they may not close a network roll-call");
    // Their 要救助 person, named in the strip.
    await page.getByTestId("needs-severe-list").getByRole("link", { name: severe.name }).waitFor();
    await capture(page, "n20-board-facility-admin");

    // The network view, one click away: the other facilities as plain text.
    await page.getByTestId("view-all").click();
    for (const f of others) {
      const row = page.getByTestId("facility-table").locator("tbody tr").filter({ hasText: f.name });
      await row.waitFor();
      assert.equal(await row.getByRole("link").count(), 0, `${f.name} is not a link they cannot open`);
    }
    await capture(page, "n21-board-facility-admin-network");
    // Typed in by hand, another facility's page says so, with nothing to retry.
    await page.goto(`/rollcalls/${rollcallId}/facilities/${others[0].id}`);
    await page.getByText("権限がありません").first().waitFor();
    assert.equal(await page.getByRole("button", { name: "もう一度" }).count(), 0);
    await ctx.close();
  });

  it("a roll-call the facility admin may not read says 「権限がありません」, never 「読み込めません」", async () => {
    const adminCtx2 = await newContext(browser);
    const a = await adminCtx2.newPage();
    await signInAs(a, "network_admin");
    const d = await apiJson(a, "POST", "/api/rollcalls", {
      title: `他の事業所の訓練 ${STAMP}`,
      message: "",
      template: "safety",
      scope: { facilityIds: others.map((f) => f.id) },
      drill: true,
    });
    await apiJson(a, "POST", `/api/rollcalls/${d.rollcall.id}/confirm`);
    await adminCtx2.close();

    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signInAs(page, "facility_admin");
    await page.goto(`/rollcalls/${d.rollcall.id}`);
    await page.getByText("権限がありません").first().waitFor();
    assert.equal(await page.getByText("読み込めません").count(), 0);
    await ctx.close();
  });
});
