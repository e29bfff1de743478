/**
 * Multi-factor sign-in and the password change, through the screens.
 * Runs after the other specs (files run in name order) because it turns on
 * mfaRequiredForAdmins and leaves the delegate with an authenticator app.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Secret, TOTP } from "otpauth";
import { ACCOUNTS, capture, launch, newContext, signInAs, submitSignIn } from "./helpers.mjs";

let browser;
let adminPage;
let secret;

const code = (offsetMs = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 }).generate({ timestamp: Date.now() + offsetMs });

async function setMfaRequired(on) {
  await adminPage.goto("/settings");
  const box = adminPage.getByLabel("管理者に認証アプリを必須にする");
  await box.waitFor();
  if ((await box.isChecked()) !== on) {
    await box.setChecked(on);
    await adminPage.getByRole("button", { name: "保存する" }).click();
    await adminPage.getByRole("status").filter({ hasText: "保存しました。" }).waitFor();
  }
}

before(async () => {
  browser = await launch();
  adminPage = await (await newContext(browser)).newPage();
  await signInAs(adminPage, "network_admin");
});
after(async () => {
  if (adminPage) await setMfaRequired(false).catch(() => {});
  await browser?.close();
});

describe("one-time codes", () => {
  it("an admin without an authenticator app must enrol one first: the secret and otpauth URI are shown as text", async () => {
    await setMfaRequired(true);
    const a = ACCOUNTS.delegate;
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await submitSignIn(page, a);
    await page.getByText("管理者は認証アプリ（ワンタイムコード）の登録が必要です。").waitFor();
    // Nothing else is reachable until then.
    assert.equal(await page.getByRole("navigation", { name: "メニュー" }).count(), 0);
    await page.getByRole("button", { name: "登録を始める" }).click();
    secret = (await page.getByTestId("totp-secret").innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    assert.match(await page.getByTestId("totp-uri").innerText(), /^otpauth:\/\/totp\//);
    await capture(page, "95-mfa-enrol");

    await page.getByLabel("アプリに出た6桁のコード").fill("000000");
    await page.getByRole("button", { name: "登録する" }).click();
    const field = page.locator(".field", { has: page.getByLabel("アプリに出た6桁のコード") });
    await field.locator(".field-error").waitFor();

    await page.getByLabel("アプリに出た6桁のコード").fill(code());
    await page.getByRole("button", { name: "登録する" }).click();
    await page.getByRole("navigation", { name: "メニュー" }).waitFor();
    await ctx.close();
  });

  it("signing in then asks for the code; a wrong code is named next to its field", async () => {
    const a = ACCOUNTS.delegate;
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await submitSignIn(page, a);
    const codeInput = page.getByLabel("確認コード（6桁）");
    await codeInput.waitFor();
    await capture(page, "96-sign-in-code");
    await codeInput.fill("000000");
    await page.getByRole("button", { name: "サインイン", exact: true }).click();
    await page.locator(".field", { has: codeInput }).locator(".field-error").waitFor();
    assert.equal(await codeInput.getAttribute("aria-invalid"), "true");
    // The enrolment used this time step; the next one is accepted (±1 step of drift).
    await codeInput.fill(code(30_000));
    await page.getByRole("button", { name: "サインイン", exact: true }).click();
    await page.getByRole("navigation", { name: "メニュー" }).waitFor();
    await ctx.close();
  });
});

describe("password change", () => {
  it("a weak password is refused next to its field; a good one works for the next sign-in", async () => {
    const a = ACCOUNTS.staff;
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signInAs(page, "staff");
    await page.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "アカウント" }).click();
    await page.getByLabel("今のパスワード").fill(a.password);
    await page.getByLabel("新しいパスワード").fill("short");
    await page.getByRole("button", { name: "変更する" }).click();
    await page
      .locator(".field", { has: page.getByLabel("新しいパスワード") })
      .locator(".field-error")
      .waitFor();
    await capture(page, "97-account");

    const next = `${a.password}-x9`;
    await page.getByLabel("今のパスワード").fill(a.password);
    await page.getByLabel("新しいパスワード").fill(next);
    await page.getByRole("button", { name: "変更する" }).click();
    await page.getByRole("status").filter({ hasText: "パスワードを変更しました。" }).waitFor();
    await page.getByRole("button", { name: "サインアウト" }).click();
    await page.getByLabel("メールアドレス").fill(a.email);
    await page.getByLabel("パスワード").fill(next);
    await page.getByRole("button", { name: "サインイン", exact: true }).click();
    await page.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "アカウント" }).click();
    // Put it back so reruns against the same data still sign in.
    await page.getByLabel("今のパスワード").fill(next);
    await page.getByLabel("新しいパスワード").fill(a.password);
    await page.getByRole("button", { name: "変更する" }).click();
    await page.getByRole("status").filter({ hasText: "パスワードを変更しました。" }).waitFor();
    await ctx.close();
  });
});
