/**
 * A board whose session ends while it is open: the board's object closes the socket
 * (4401) within seconds though nothing changes on the board, and the admin UI sends
 * the person to sign in again, without a reload and without retrying.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { facilityOf, startDrill } from "./api.mjs";
import { ACCOUNTS, launch, newContext, signInAs } from "./helpers.mjs";

const STAMP = String(Date.now()).slice(-6);
let browser;
let rollcallId;

before(async () => {
  browser = await launch();
  const facilityId = await facilityOf(await newContext(browser), ACCOUNTS.facility_admin);
  const admin = await (await newContext(browser)).newPage();
  await signInAs(admin, "network_admin");
  rollcallId = await startDrill(admin, facilityId, `セッション終了 ${STAMP}`);
});
after(async () => {
  await browser?.close();
});

describe("a live board whose session ends", () => {
  it("shows the sign-in screen within seconds of the session ending elsewhere, with no reload", async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signInAs(page, "viewer");
    await page.goto(`/rollcalls/${rollcallId}`);
    await page.getByTestId("live-mode").and(page.locator('[data-mode="live"]')).waitFor();
    await page.evaluate(() => {
      window.__sameDocument = true;
    });
    // Signed out by another request of the same browser (only this session ends).
    const res = await page.request.delete("/api/session");
    assert.ok(res.status() < 300);
    await page.getByLabel("メールアドレス").waitFor({ timeout: 15_000 });
    assert.equal(await page.evaluate(() => window.__sameDocument), true);
    await ctx.close();
  });
});
