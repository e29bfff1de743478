/**
 * The staff walk of issue 5 on a phone-sized screen: accept an invitation from the
 * outbox link and set a password, sign in, verify the mobile with the SMS code from the
 * outbox (and five wrong codes first), upload a photo (a fake JPEG and an oversized
 * file refused), switch the language, register a push device and send it a test,
 * answer a roll-call through the notification action, report a lost phone and see the
 * admin end every session.
 *
 * Push: headless Chromium has no push service offline, so `pushManager.subscribe`
 * cannot run here; the subscription API is tested with a subscription made in Node
 * (real P-256 keys), and the test push lands in the sandbox outbox.
 */
import assert from "node:assert/strict";
import { createECDH, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { apiJson, directMessage, facilityOf, outboxOf, startDrill } from "./api.mjs";
import { ACCOUNTS, capture, launch, newContext, signInAs } from "./helpers.mjs";

const STAMP = String(Date.now()).slice(-6);
const NAME = `介護 花子${STAMP}`;
const EMAIL = `hanako.${STAMP}@example.jp`;
const MOBILE = `090${STAMP.padStart(8, "5")}`.slice(0, 11);
const PASSWORD = "Sakura2026spring";
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

let browser;
let admin; // the network admin's page
let staffCtx;
let staff; // the new staff member's phone
let facilityId;
let personId;
let inviteLink;

const b64url = (buf) => Buffer.from(buf).toString("base64url");

before(async () => {
  browser = await launch();
  facilityId = await facilityOf(await newContext(browser), ACCOUNTS.facility_admin);
  const ctx = await newContext(browser);
  admin = await ctx.newPage();
  await signInAs(admin, "network_admin");
  staffCtx = await newContext(browser, PHONE);
  staff = await staffCtx.newPage();
});
after(async () => {
  await browser?.close();
});

describe("the staff app (issue 5)", () => {
  it("1. the invitation link from the outbox opens the join page; accepting sets a password", async () => {
    await apiJson(admin, "POST", "/api/invitations", { facilityId, name: NAME, email: EMAIL, message: "訪問介護の職員として登録します", lang: "ja" });
    await admin.goto("/outbox?tab=other");
    const msg = admin.getByTestId("direct-message").filter({ hasText: NAME }).first();
    await msg.waitFor();
    await capture(admin, "s01-outbox-invitation");
    inviteLink = await msg.locator("a.direct-link").getAttribute("href");
    assert.ok(inviteLink?.includes("/join/"), `the invitation carries its join link (${inviteLink})`);

    await staff.goto(inviteLink);
    await staff.getByText("訪問介護の職員として登録します").waitFor();
    await capture(staff, "s02-join");
    await staff.getByLabel("パスワード", { exact: true }).fill("short1");
    await staff.getByLabel("パスワード（もう一度）").fill("short1");
    await staff.getByRole("button", { name: "参加する" }).click();
    // The policy's rule, stated next to the field; nothing is created yet.
    await staff
      .getByText(/文字以上/)
      .first()
      .waitFor();
    await staff.getByLabel("パスワード", { exact: true }).fill(PASSWORD);
    await staff.getByLabel("パスワード（もう一度）").fill(PASSWORD);
    await staff.getByRole("button", { name: "参加する" }).click();
    await staff.getByRole("heading", { name: "参加しました" }).waitFor();
    await capture(staff, "s03-joined");
  });

  it("2. a reused invitation says so clearly", async () => {
    const page = await (await newContext(browser, PHONE)).newPage();
    await page.goto(inviteLink);
    await page.getByText("この招待はすでに使われています").waitFor();
    await capture(page, "s04-join-reused");
    await page.context().close();
  });

  it("3. accepting signed them in; they sign out and in again with the new password and land on their own page", async () => {
    await staff.goto("/");
    await staff.getByRole("link", { name: "プロフィール" }).waitFor();
    await staff.getByRole("button", { name: "サインアウト" }).click();
    await staff.getByLabel("メールアドレス").fill(EMAIL);
    await staff.getByLabel("パスワード").fill(PASSWORD);
    await staff.getByRole("button", { name: "サインイン", exact: true }).click();
    await staff.getByRole("link", { name: "プロフィール" }).waitFor();
    const me = await apiJson(staff, "GET", "/api/session");
    personId = me.personId;
    assert.equal(me.name, NAME);
    await capture(staff, "s05-staff-home");
  });

  it("4. verifies the mobile by the SMS code from the outbox; five wrong codes first kill the code", async () => {
    await apiJson(admin, "PATCH", `/api/people/${personId}`, { mobile: MOBILE });
    await staff.goto("/me/contacts");
    const row = staff
      .getByTestId("channel")
      .filter({ has: staff.getByTestId("unverified") })
      .and(staff.locator('[data-kind="mobile"]'));
    await row.waitFor();
    await capture(staff, "s10-contacts");
    await row.getByRole("button", { name: "確認コードをSMSで送る" }).click();
    const code = staff.getByLabel("SMSで届いた6桁のコード");
    await code.waitFor();
    const first = await directMessage(admin, "contact_code", (m) => m.personId === personId);
    const good = /\d{6}/.exec(first.text)?.[0];
    assert.ok(good, "the SMS carries six digits");
    const wrong = good === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      await code.fill(wrong);
      await row.getByRole("button", { name: "確認する" }).click();
      await row.getByRole("alert").first().waitFor();
    }
    // The fifth wrong try killed the code: even the right one fails now.
    await code.fill(good);
    await row.getByRole("button", { name: "確認する" }).click();
    await row.getByRole("alert").first().waitFor();
    assert.equal(await row.getByTestId("unverified").count(), 1, "still unverified");
    await capture(staff, "s11-contacts-wrong-code");

    await row.getByRole("button", { name: "確認コードをSMSで送る" }).click();
    const second = await directMessage(admin, "contact_code", (m) => m.personId === personId && m.id !== first.id);
    await code.fill(/\d{6}/.exec(second.text)[0]);
    await row.getByRole("button", { name: "確認する" }).click();
    await staff.getByText("確認できました。").waitFor();
    const profile = await apiJson(staff, "GET", "/api/me");
    assert.equal(profile.channels.find((c) => c.kind === "mobile").verified, true);
  });

  it("5. uploads a photo resized on the phone; a fake JPEG and an oversized file are refused and change nothing", async () => {
    await staff.goto("/me/profile");
    await staff.getByRole("heading", { name: "プロフィール" }).waitFor();
    const input = staff.locator('input[type="file"]');
    await input.setInputFiles({ name: "face.jpg", mimeType: "image/jpeg", buffer: Buffer.from("this is not a jpeg at all") });
    await staff.getByText("画像として読めません").waitFor();
    await input.setInputFiles({ name: "huge.jpg", mimeType: "image/jpeg", buffer: Buffer.alloc(21 * 1024 * 1024, 0xff) });
    await staff.getByText("ファイルが大きすぎます").waitFor();
    assert.equal((await apiJson(staff, "GET", "/api/me")).photoUrl, null, "no photo after refused files");

    // The server checks the bytes too, whatever the browser sends.
    const fake = await staff.request.put("/api/me/photo", { headers: { "content-type": "image/jpeg" }, data: Buffer.from("GIF89a not a jpeg") });
    assert.equal(fake.status(), 400);
    assert.equal((await fake.json()).error.field, "photo");
    const big = await staff.request.put("/api/me/photo", {
      headers: { "content-type": "image/jpeg" },
      data: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600 * 1024)]),
    });
    assert.equal(big.status(), 413);

    // A camera-sized PNG made in the page, resized to 512 px JPEG before upload.
    const png = await staff.evaluate(async () => {
      const c = document.createElement("canvas");
      c.width = 1600;
      c.height = 1200;
      const g = c.getContext("2d");
      g.fillStyle = "#3a7";
      g.fillRect(0, 0, 1600, 1200);
      g.fillStyle = "#fc9";
      g.beginPath();
      g.arc(800, 600, 400, 0, Math.PI * 2);
      g.fill();
      const blob = await new Promise((r) => c.toBlob(r, "image/png"));
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    });
    const [upload] = await Promise.all([
      staff.waitForResponse((r) => r.url().endsWith("/api/me/photo") && r.request().method() === "PUT"),
      input.setInputFiles({ name: "face.png", mimeType: "image/png", buffer: Buffer.from(png) }),
    ]);
    assert.equal(upload.status(), 200);
    const stored = await upload.json();
    assert.equal(stored.type, "image/jpeg");
    assert.ok(png.length > stored.bytes && stored.bytes < 200 * 1024, `resized before upload (${png.length} → ${stored.bytes} bytes)`);
    await staff.getByText("写真を登録しました。").waitFor();
    await staff.getByTestId("my-photo").waitFor();
    const size = await staff.getByTestId("my-photo").evaluate(
      (img) =>
        new Promise((r) => {
          const report = () => r([img.naturalWidth, img.naturalHeight]);
          if (img.complete) report();
          else img.onload = report;
        }),
    );
    assert.deepEqual(size, [512, 512]);
    await capture(staff, "s20-profile-photo");
  });

  it("6. switches the language: the picker shows native names; English screens follow", async () => {
    const picker = staff.getByLabel("ことば（通知・SMS・メール・回答ページ）");
    const options = await picker.locator("option").allInnerTexts();
    for (const n of ["日本語", "English", "Tiếng Việt", "Bahasa Indonesia", "Tagalog", "नेपाली", "မြန်မာ", "中文", "やさしい にほんご"])
      assert.ok(
        options.some((o) => o.startsWith(n)),
        `the picker offers ${n}`,
      );
    await picker.selectOption("en");
    await staff.getByRole("button", { name: "保存する" }).click();
    await staff.getByRole("heading", { name: "Profile" }).waitFor();
    assert.equal((await apiJson(staff, "GET", "/api/me")).lang, "en");
    assert.equal(await staff.evaluate(() => document.documentElement.lang), "en");
    await capture(staff, "s21-profile-english");
    await staff.getByLabel("Language (notifications, SMS, email, reply page)").selectOption("ja");
    await staff.getByRole("button", { name: "Save" }).click();
    await staff.getByRole("heading", { name: "プロフィール" }).waitFor();
  });

  it("7. registers a push device (subscription made in Node), names it, and its test lands in the outbox", async () => {
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const subscription = {
      endpoint: `https://push.example.invalid/send/${b64url(randomBytes(16))}`,
      expirationTime: null,
      keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(randomBytes(16)) },
    };
    const bad = await staff.request.post("/api/me/devices", {
      data: { subscription: { ...subscription, keys: { ...subscription.keys, p256dh: "short" } }, name: "x" },
    });
    assert.equal(bad.status(), 400);
    await apiJson(staff, "POST", "/api/me/devices", { subscription, name: "私用のスマホ" });
    await staff.goto("/me/devices");
    const device = staff.getByTestId("device").filter({ hasText: "私用のスマホ" });
    await device.waitFor();
    await device.getByRole("button", { name: "テストを送る：私用のスマホ" }).click();
    await device.getByRole("status").waitFor();
    await capture(staff, "s30-devices");
    const test = await directMessage(staff, "push_test", (m) => m.personId === personId);
    assert.equal(test.channel, "push");
    assert.ok(!test.text.includes(MOBILE) && !test.text.includes(EMAIL), "no contact details in a push");
  });

  it("8. answers a roll-call with one tap on the notification action", async () => {
    const rollcallId = await startDrill(admin, facilityId, `通知ボタン訓練 ${STAMP}`);
    const items = await outboxOf(admin, rollcallId, (xs) => xs.some((x) => x.personId === personId && x.replyUrl));
    const push = items.find((x) => x.personId === personId && x.channel === "push") ?? items.find((x) => x.personId === personId);
    const token = new URL(push.replyUrl).pathname.split("/")[2];
    const res = await staff.request.post(`/r/${token}/action`, { data: { action: "safe_yes" } });
    assert.equal(res.status(), 200, await res.text());
    const body = await res.json();
    assert.deepEqual(body.answers, { safety: "safe", availability: "yes" });
    const detail = await apiJson(admin, "GET", `/api/rollcalls/${rollcallId}/people/${personId}`);
    assert.equal(detail.replies.at(-1).answers.safety, "safe");
    await staff.goto("/");
    await capture(staff, "s40-home-after-answer");
    await apiJson(admin, "POST", `/api/rollcalls/${rollcallId}/close`);
  });

  it("9. reports a lost phone; the admin ends every session and device; the phone is signed out", async () => {
    await staff.goto("/me/report");
    await staff.getByLabel("スマホ・端末をなくした").check();
    await staff.getByLabel("くわしく（任意）").fill("駅で落としました");
    await capture(staff, "s50-report");
    await staff.getByRole("button", { name: "報告する" }).click();
    await staff.getByText("報告しました").waitFor();

    await admin.goto("/reports");
    const row = admin.getByTestId("reports").locator("tr", { hasText: NAME }).first();
    await row.waitFor();
    await capture(admin, "s51-reports-admin");
    admin.once("dialog", (d) => d.accept());
    await row.getByRole("button", { name: `サインインと通知をすべて止める：${NAME}` }).click();
    await admin
      .getByRole("status")
      .filter({ hasText: /通知の端末 1台/ })
      .waitFor();

    await staff.goto("/me");
    await staff.getByRole("heading", { name: "サインイン" }).waitFor();
    assert.equal((await staff.request.get("/api/session")).status(), 401);
  });
});
