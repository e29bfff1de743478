/**
 * Shared pieces of the browser tests: the browser, the demo accounts, an
 * accessibility check per screen and screenshots into test-artifacts/.
 * Run through scripts/test-browser.mjs, which sets the environment below.
 */
import AxeBuilder from "@axe-core/playwright";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

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

/** Signs in through the sign-in form; ends on the home screen. */
export async function signInAs(page, role) {
  const a = ACCOUNTS[role];
  assert.ok(a, `no demo account for role ${role}`);
  await page.goto("/");
  await page.getByLabel("メールアドレス").fill(a.email);
  await page.getByLabel("パスワード").fill(a.password);
  await page.getByRole("button", { name: "サインイン", exact: true }).click();
  await page.getByRole("navigation", { name: "メニュー" }).waitFor();
  return a;
}
