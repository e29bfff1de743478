/**
 * Every demo role signs in through the form and sees exactly the screens its
 * role may use; each screen passes the accessibility check.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ACCOUNTS, capture, launch, newContext, signInAs } from "./helpers.mjs";

/** Menu entries (Japanese) each role must see, and ones it must not. */
const MENU = {
  network_admin: {
    sees: [
      "ホーム",
      "患者グループ",
      "安否確認を送る",
      "安否確認の履歴",
      "名簿",
      "テンプレート",
      "自動発信",
      "送信箱（テスト）",
      "監査ログ",
      "設定",
      "アカウント",
    ],
    not: [],
  },
  facility_admin: {
    sees: ["ホーム", "患者グループ", "安否確認を送る", "安否確認の履歴", "名簿", "テンプレート", "送信箱（テスト）", "アカウント"],
    not: ["監査ログ", "設定", "自動発信"],
  },
  delegate: {
    sees: ["ホーム", "患者グループ", "安否確認を送る", "安否確認の履歴", "名簿", "送信箱（テスト）", "アカウント"],
    not: ["監査ログ", "設定", "自動発信"],
  },
  staff: { sees: ["ホーム", "患者グループ", "アカウント"], not: ["安否確認を送る", "名簿", "監査ログ", "設定", "送信箱（テスト）"] },
  viewer: {
    sees: ["ホーム", "患者グループ", "安否確認の履歴", "アカウント"],
    not: ["安否確認を送る", "名簿", "監査ログ", "設定", "送信箱（テスト）", "テンプレート"],
  },
};

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

describe("sign-in", () => {
  it("shows the sign-in form in Japanese and passes the accessibility check", async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await page.goto("/");
    await page.getByRole("heading", { name: "サインイン" }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "ja");
    await capture(page, "01-sign-in");
    await ctx.close();
  });

  it("names the wrong field: a bad password is refused with a message, an invalid email next to the email field", async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await page.goto("/");
    await page.getByLabel("メールアドレス").fill(ACCOUNTS.network_admin.email);
    await page.getByLabel("パスワード").fill("wrong-password-1");
    await page.getByRole("button", { name: "サインイン", exact: true }).click();
    await page.getByRole("alert").filter({ hasText: "メールアドレスかパスワードが違います" }).waitFor();
    await page.getByLabel("メールアドレス").fill("not-an-email");
    await page.getByRole("button", { name: "サインイン", exact: true }).click();
    const emailField = page.locator(".field", { has: page.getByLabel("メールアドレス") });
    await emailField.locator(".field-error").waitFor();
    assert.equal(await page.getByLabel("メールアドレス").getAttribute("aria-invalid"), "true");
    await ctx.close();
  });

  it("switches to English and back (the header's language list)", async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await page.goto("/");
    await page.getByLabel("言語", { exact: true }).selectOption("en");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
    await page.getByLabel("Email").waitFor();
    await page.getByLabel("Language", { exact: true }).selectOption("ja");
    await page.getByRole("heading", { name: "サインイン" }).waitFor();
    await ctx.close();
  });
});

describe("each role sees its own screens", () => {
  for (const role of Object.keys(MENU).filter((r) => ACCOUNTS[r])) {
    it(`${role}: signs in, sees its menu, and signs out`, async () => {
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      const account = await signInAs(page, role);
      const nav = page.getByRole("navigation", { name: "メニュー" });
      const links = (await nav.getByRole("link").allInnerTexts()).map((s) => s.trim());
      for (const label of MENU[role].sees) assert.ok(links.includes(label), `${role} should see ${label}; saw ${links.join(", ")}`);
      for (const label of MENU[role].not) assert.ok(!links.includes(label), `${role} must not see ${label}`);
      await page.getByText(account.name).first().waitFor();
      await capture(page, `02-home-${role}`);

      await page.getByRole("button", { name: "サインアウト" }).click();
      await page.getByRole("heading", { name: "サインイン" }).waitFor();
      // The session is really gone: a reload stays on the sign-in form.
      await page.reload();
      await page.getByRole("heading", { name: "サインイン" }).waitFor();
      await ctx.close();
    });
  }

  it("a screen the role may not use says so instead of showing data", async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signInAs(page, "viewer");
    await page.goto("/settings");
    await page.getByText("この画面を見る権限がありません。").waitFor();
    await page.goto("/audit");
    await page.getByText("この画面を見る権限がありません。").waitFor();
    assert.equal(await page.locator("table").count(), 0);
    await ctx.close();
  });
});

describe("network admin screens", () => {
  it("settings: loads, refuses a bad value next to its field, saves a good one", async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signInAs(page, "network_admin");
    await page.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "設定" }).click();
    await page.getByRole("heading", { name: "設定" }).waitFor();
    const idle = page.getByLabel("無操作でサインアウトするまで（分）");
    assert.equal(await idle.inputValue(), "30");
    await capture(page, "03-settings");

    await idle.fill("0");
    await page.getByRole("button", { name: "保存する" }).click();
    const field = page.locator(".field", { has: idle });
    await field.locator(".field-error").waitFor();
    assert.equal(await idle.getAttribute("aria-invalid"), "true");

    await idle.fill("45");
    await page.getByRole("button", { name: "保存する" }).click();
    await page.getByRole("status").filter({ hasText: "保存しました。" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "設定" }).waitFor();
    assert.equal(await page.getByLabel("無操作でサインアウトするまで（分）").inputValue(), "45");
    await page.getByLabel("無操作でサインアウトするまで（分）").fill("30");
    await page.getByRole("button", { name: "保存する" }).click();
    await page.getByRole("status").filter({ hasText: "保存しました。" }).waitFor();
    await ctx.close();
  });

  it("audit log: lists the sign-ins and the settings change, times in JST", async () => {
    const ctx = await newContext(browser, { timezoneId: "America/New_York" });
    const page = await ctx.newPage();
    await signInAs(page, "network_admin");
    await page.goto("/audit");
    await page.getByRole("heading", { name: "監査ログ" }).waitFor();
    await page.locator("tbody tr").first().waitFor();
    const text = await page.locator("tbody").innerText();
    // Actions in words, never their codes (auth.sign_in → サインイン).
    assert.match(text, /サインイン/);
    assert.match(text, /設定の変更/);
    assert.doesNotMatch(text, /auth\.sign_in|settings\.changed|[{}"]/);
    // The first row is this very sign-in: its time must be Tokyo time even on a New York device.
    const shown = (await page.locator("tbody tr").first().locator("td").first().innerText()).trim();
    const jst = new Intl.DateTimeFormat("ja-JP", {
      timeZone: "Asia/Tokyo",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    });
    const recent = [0, 1, 2, 3].map((m) => jst.format(new Date(Date.now() - m * 60_000)));
    assert.ok(recent.includes(shown), `audit time ${shown} should be JST (one of ${recent.join(", ")})`);
    await page.getByLabel("操作で絞り込み").selectOption({ label: "設定の変更" });
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll("tbody tr")];
      return rows.length > 0 && rows.every((tr) => tr.textContent?.includes("設定の変更"));
    });
    await capture(page, "04-audit");
    await ctx.close();
  });

  it("automatic triggers: a bad area code is named at its field; the threshold saves; an API key is shown once and revoked", async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signInAs(page, "network_admin");
    await page.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "自動発信" }).click();
    await page.getByRole("heading", { name: "地震で自動的に始める" }).waitFor();
    const threshold = page.getByLabel("この震度以上");
    const before = await threshold.inputValue();
    const areas = page.getByLabel("地域コード（3桁、カンマ区切り）");
    const areasBefore = await areas.inputValue();
    await areas.fill("35");
    await page.getByRole("button", { name: "保存する" }).click();
    await page.locator(".field", { has: areas }).locator(".field-error").waitFor();
    await areas.fill(areasBefore);
    await threshold.selectOption("6-");
    await page.getByRole("button", { name: "保存する" }).click();
    await page.getByRole("status").filter({ hasText: "保存しました。" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "地震で自動的に始める" }).waitFor();
    assert.equal(await page.getByLabel("この震度以上").inputValue(), "6-");
    await capture(page, "05-triggers");

    await page.getByLabel("名前", { exact: true }).fill("防災システム（試験）");
    await page.getByRole("button", { name: "キーを作る" }).click();
    const shown = page.getByRole("status").filter({ hasText: "このキーは今しか表示されません" });
    await shown.waitFor();
    assert.ok((await shown.locator("code").innerText()).length >= 20);
    const item = page.locator("li", { hasText: "防災システム（試験）" });
    await item.getByRole("button", { name: "無効にする" }).click();
    await item.getByText("無効", { exact: true }).waitFor();

    await page.getByLabel("この震度以上").selectOption(before);
    await page.getByRole("button", { name: "保存する" }).click();
    await page.getByRole("status").filter({ hasText: "保存しました。" }).waitFor();
    await ctx.close();
  });
});
