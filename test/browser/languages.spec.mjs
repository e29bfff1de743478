/**
 * The staff side in all nine languages (issue 14): a staff member switches the header to
 * Tiếng Việt and わたし is in Vietnamese (its words loaded only then; the API asked in
 * English, the language of its messages besides Japanese), and it stays so on this
 * device; a reply link of someone who reads やさしい日本語 shows furigana as <ruby>.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiJson, facilityOf, outboxOf } from "./api.mjs";
import { ACCOUNTS, capture, fileBrowser, newContext, PHONE, signInAs } from "./helpers.mjs";

const STAMP = String(Date.now()).slice(-6);
const browser = fileBrowser();

describe("the header's language", () => {
  it("offers every language by its own name; Tiếng Việt shows わたし in Vietnamese, and stays on this device", async () => {
    const ctx = await newContext(browser());
    const page = await ctx.newPage();
    const chunks = [];
    page.on("response", (r) => {
      if (/\/assets\/vi-[\w-]+\.js$/.test(new URL(r.url()).pathname)) chunks.push(r.url());
    });
    const asked = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/api/")) asked.push(r.headers()["accept-language"]);
    });

    await signInAs(page, "staff");
    const picker = page.getByLabel("言語", { exact: true });
    const names = await picker.locator("option").allInnerTexts();
    assert.deepEqual(names, ["日本語", "English", "Tiếng Việt", "Bahasa Indonesia", "Tagalog", "नेपाली", "မြန်မာ", "中文", "やさしい にほんご"]);
    assert.equal(await picker.inputValue(), "ja", "the staff member's own language");
    assert.equal(chunks.length, 0, "the Vietnamese words are not in the first page");

    await picker.selectOption("vi");
    await page.getByRole("navigation", { name: "Menu" }).getByRole("link", { name: "Tôi", exact: true }).click();
    await page.getByRole("heading", { name: "Trang của tôi", level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Xác nhận an toàn cần bạn trả lời" }).waitFor();
    await page.getByRole("link", { name: "Xác nhận liên lạc" }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "vi");
    assert.equal(await page.getByLabel("Ngôn ngữ", { exact: true }).inputValue(), "vi");
    assert.equal(chunks.length, 1, "the Vietnamese words loaded when chosen");
    const main = await page.locator("main").innerText();
    for (const ja of ["わたしのページ", "回答が必要な安否確認", "設定", "連絡先の確認"]) assert.ok(!main.includes(ja), `no Japanese on わたし: ${ja}`);
    for (const en of ["My page", "Settings", "Verify contacts"]) assert.ok(!main.includes(en), `no English on わたし: ${en}`);
    await capture(page, "l1-me-vietnamese");

    // The API is asked in English (its messages are Japanese or English).
    asked.length = 0;
    await page.getByRole("link", { name: "Hồ sơ" }).click();
    await page.getByRole("heading", { name: "Hồ sơ", level: 1 }).waitFor();
    assert.ok(asked.length > 0 && asked.every((l) => l === "en"), `Accept-Language: ${asked.join(", ")}`);

    // This device keeps the choice.
    await page.reload();
    await page.getByRole("heading", { name: "Hồ sơ", level: 1 }).waitFor();
    await page.getByLabel("Ngôn ngữ", { exact: true }).selectOption("ja");
    await page.getByRole("heading", { name: "プロフィール", level: 1 }).waitFor();
    await ctx.close();
  });

  it("starts the sign-in screen in the browser's language", async () => {
    const ctx = await newContext(browser(), { locale: "vi-VN" });
    const page = await ctx.newPage();
    await page.goto("/");
    await page.getByRole("heading", { name: "Đăng nhập" }).waitFor();
    assert.equal(await page.getByLabel("Ngôn ngữ", { exact: true }).inputValue(), "vi");
    await ctx.close();
  });
});

describe("やさしい日本語", () => {
  it("a reply link shows furigana as <ruby>, never the notation", async () => {
    const adminCtx = await newContext(browser());
    const admin = await adminCtx.newPage();
    await signInAs(admin, "network_admin");
    const facilityId = await facilityOf(await newContext(browser()), ACCOUNTS.facility_admin);
    const person = await apiJson(admin, "POST", "/api/people", {
      name: `グエン やさしい${STAMP}`,
      kana: "グエン ヤサシイ",
      lang: "ja-easy",
      facilityId,
      email: `easy-${STAMP}@demo.example.org`,
    });
    const draft = await apiJson(admin, "POST", "/api/rollcalls", {
      title: `やさしい日本語の訓練 ${STAMP}`,
      message: "",
      template: "safety",
      scope: { facilityIds: [facilityId] },
      drill: true,
    });
    await apiJson(admin, "POST", `/api/rollcalls/${draft.rollcall.id}/confirm`);
    const items = await outboxOf(admin, draft.rollcall.id, (xs) => xs.some((x) => x.personId === person.id && x.replyUrl));
    const link = items.find((x) => x.personId === person.id && x.replyUrl).replyUrl;

    const phone = await newContext(browser(), PHONE);
    const reply = await phone.newPage();
    await reply.goto(link);
    await reply.getByRole("heading", { level: 1 }).waitFor();
    const ruby = await reply.locator("ruby").evaluateAll((els) => els.map((r) => [r.firstChild?.textContent, r.querySelector("rt")?.textContent]));
    assert.ok(
      ruby.some(([base, reading]) => base === "来" && reading === "く"),
      `来 with く: ${JSON.stringify(ruby)}`,
    );
    assert.ok(ruby.some(([base, reading]) => base === "着" && reading === "つ"));
    const text = await reply.locator("main").innerText();
    assert.ok(!/\{[^}]*\|/.test(text), "no raw notation");
    assert.equal(await reply.evaluate(() => document.documentElement.lang), "ja");
    await capture(reply, "l2-reply-ja-easy");
    await phone.close();
    await adminCtx.close();
  });
});
