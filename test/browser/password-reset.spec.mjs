/**
 * 「パスワードを忘れた方」 on the sign-in screen (issue 14): the address, then the same
 * answer whether or not it has an account; in the sandbox the email lands in the
 * outbox, where the network admin opens its link onto the reset page. The password
 * itself is not changed here (the other specs sign in with it); the workerd tests
 * (test/auth-reset.test.ts) cover setting it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ACCOUNTS, checkA11y, launch, newContext, screenshot, signInAs } from "./helpers.mjs";

const NEUTRAL = "登録があれば、パスワードを決め直すリンクをメールで送りました。30分有効です。";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Opens the sign-in screen, follows 「パスワードを忘れた方」 and asks for a link for `email`. */
async function askForReset(page, email) {
  await page.goto("/");
  await page.getByRole("button", { name: "パスワードを忘れた方" }).click();
  await page.getByRole("heading", { name: "パスワードの再設定" }).waitFor();
  await page.getByLabel("メールアドレス").fill(email);
  await page.getByRole("button", { name: "リンクを送る" }).click();
  return page.getByRole("status").filter({ hasText: NEUTRAL });
}

describe("パスワードを忘れた方", () => {
  it("asks for the address and answers the same whether or not it has an account", async () => {
    const page = await (await newContext(browser)).newPage();
    const known = await askForReset(page, ACCOUNTS.staff.email);
    await known.waitFor();
    await checkA11y(page, "password reset request");
    await screenshot(page, "password-reset-sent");
    const unknownPage = await (await newContext(browser)).newPage();
    const unknown = await askForReset(unknownPage, `nobody-${Date.now()}@demo.example`);
    await unknown.waitFor();
    assert.equal(await unknown.textContent(), await known.textContent());
    // Back to the sign-in form.
    await unknownPage.getByRole("button", { name: "サインインに戻る" }).click();
    await unknownPage.getByRole("button", { name: "サインイン", exact: true }).waitFor();
  });

  it("the email is in the sandbox outbox; its link opens the reset page in Japanese", async () => {
    const admin = await (await newContext(browser)).newPage();
    await signInAs(admin, "network_admin");
    // The email goes out after the answer: wait for it to reach the outbox.
    const message = admin.locator('[data-testid="direct-message"][data-kind="password_reset"]').first();
    for (let i = 0; i < 20; i++) {
      await admin.goto("/outbox?tab=other");
      await admin.getByRole("heading", { level: 1 }).waitFor();
      if (await message.isVisible().catch(() => false)) break;
      await admin.waitForTimeout(500);
    }
    await message.waitFor();
    assert.match(await message.textContent(), /パスワード再設定のリンク/);
    assert.match(await message.textContent(), /30分間有効/);
    const href = await message.locator("a.direct-link").getAttribute("href");
    assert.match(href ?? "", /\/reset\/[A-Za-z0-9_-]{43}$/);
    assert.ok(!href.includes("@"), "no address in the link");

    const page = await (await newContext(browser)).newPage();
    await page.goto(new URL(href).pathname);
    await page.getByRole("heading", { name: "新しいパスワードを決める" }).waitFor();
    await page.getByLabel("新しいパスワード（もう一度）").waitFor();
    await checkA11y(page, "password reset page");
    await screenshot(page, "password-reset-page");
  });
});
