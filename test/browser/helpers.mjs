/**
 * Shared pieces of the browser tests: the browser, the demo accounts, an
 * accessibility check per screen and screenshots into test-artifacts/.
 * Run through scripts/test-browser.mjs, which sets the environment below.
 */
import AxeBuilder from "@axe-core/playwright";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import { apiJson, facilityOf } from "./api.mjs";

export const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:8787";
const ARTIFACTS = process.env.ARTIFACTS_DIR ?? "test-artifacts";
const seeded = JSON.parse(process.env.DEMO_ACCOUNTS ?? "{}");
/** role -> { email, password, name } */
export const ACCOUNTS = seeded.accounts ?? {};

export const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: LAUNCH_ARGS, timeout: 60_000 });
}

/** The file's browser, launched before its tests and closed after them: call at the top of a spec; `browser()` answers it within a test. */
export function fileBrowser() {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });
  return () => browser;
}

/** A phone-sized screen (touch). */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/** A fresh context (own cookies) in Japanese, Tokyo time. */
export async function newContext(browser, opts = {}) {
  const ctx = await browser.newContext({ baseURL: BASE_URL, locale: "ja-JP", timezoneId: "Asia/Tokyo", viewport: { width: 1280, height: 860 }, ...opts });
  ctx.setDefaultTimeout(15_000);
  return ctx;
}

/** Fails on any serious or critical axe violation of the page as it is now. */
export async function checkA11y(page, screen) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const describe = bad
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join(" | ")})`,
    )
    .join("\n");
  assert.equal(bad.length, 0, `accessibility problems on ${screen}:\n${describe}`);
}

/** Saves a full-page screenshot as test-artifacts/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Screenshot and accessibility check of the current screen. */
export async function capture(page, name) {
  await screenshot(page, name);
  await checkA11y(page, name);
}

/** Opens the sign-in screen and submits the account's email and password (what follows is the caller's to wait for). */
export async function submitSignIn(page, account) {
  await page.goto("/");
  await page.getByLabel("メールアドレス").fill(account.email);
  await page.getByLabel("パスワード").fill(account.password);
  await page.getByRole("button", { name: "サインイン", exact: true }).click();
}

/** Signs in through the sign-in form; ends on the home screen. */
export async function signInAs(page, role) {
  const a = ACCOUNTS[role];
  assert.ok(a, `no demo account for role ${role}`);
  await submitSignIn(page, a);
  await page.getByRole("navigation", { name: "メニュー" }).waitFor();
  return a;
}

/**
 * The setting of a staff member's own walk: the facility admin's facility, the network
 * admin signed in on a desktop page, and a phone page (its dialogs accepted) for the
 * staff member, who is not signed in yet.
 */
export async function adminAndPhone(browser) {
  const facilityId = await facilityOf(await newContext(browser), ACCOUNTS.facility_admin);
  const admin = await (await newContext(browser)).newPage();
  await signInAs(admin, "network_admin");
  const staffContext = await newContext(browser, PHONE);
  const staff = await staffContext.newPage();
  staff.on("dialog", (d) => d.accept());
  return { facilityId, admin, staffContext, staff };
}

/** On an invitation's join page: sets the password, joins, and answers the new person's id. */
export async function joinWithPassword(page, password) {
  await page.getByLabel("パスワード", { exact: true }).fill(password);
  await page.getByLabel("パスワード（もう一度）").fill(password);
  await page.getByRole("button", { name: "参加する" }).click();
  await page.getByRole("heading", { name: "参加しました" }).waitFor();
  return (await apiJson(page, "GET", "/api/session")).personId;
}
