/**
 * The staff member's phone against the protocol-faithful provider fakes (second run of
 * scripts/test-browser.mjs: Twilio, SMTP and VAPID point at test/fakes/, no sandbox
 * outbox). On a phone-sized screen: the invitation email arrives at the SMTP fake and
 * its join link is accepted with a password; the mobile is verified with the code the
 * Twilio fake received; a push device gets a test that the push fake receives with VAPID
 * auth and decrypts, and its acknowledgement shows on the screen; a passkey (Chrome's
 * virtual authenticator) is created on the account screen and signs them in again.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiJson, CONTACT_PATTERN } from "./api.mjs";
import { fakesFromEnv, waitFor } from "./fakes-server.mjs";
import { adminAndPhone, BASE_URL, capture, joinWithPassword, launch } from "./helpers.mjs";

const STAMP = String(Date.now()).slice(-6);
const NAME = `介護 花子${STAMP}`;
const MOBILE = `090${STAMP.padStart(8, "3")}`.slice(0, 11);
const E164 = `+81${MOBILE.slice(1)}`;
const PASSWORD = "Sakura2026spring";

const fakes = fakesFromEnv();
const EMAIL = `hanako.${STAMP}@${fakes.mailDomain}`;

let browser;
let admin;
let staffContext;
let staff;
let facilityId;
let personId;

before(async () => {
  browser = await launch();
  ({ facilityId, admin, staffContext, staff } = await adminAndPhone(browser));
});
after(async () => {
  await browser?.close();
});

describe("the staff member's phone, against the provider fakes", () => {
  it("1. the invitation email reaches the SMTP fake; its join link is accepted with a password", async () => {
    const sandbox = await admin.request.fetch("/api/outbox/messages?kind=invitation&limit=1");
    assert.equal(sandbox.status(), 404, "no sandbox outbox here: every channel has a provider");
    await apiJson(admin, "POST", "/api/invitations", { facilityId, name: NAME, email: EMAIL, message: "介護職として登録します", lang: "ja" });
    const mail = await waitFor(
      () => fakes.client.mailReceived(fakes.mailDomain),
      (m) => m.to.includes(EMAIL),
      "the invitation email",
    );
    assert.match(mail.from, /anpi@example\.org/, "sent from MAIL_FROM");
    const link = new RegExp(`${BASE_URL.replace(/[.:/]/g, "\\$&")}/join/[A-Za-z0-9_-]{40,}`).exec(`${mail.text}\n${mail.html}`)?.[0];
    assert.ok(link, `the email carries the join link on ${BASE_URL}:\n${mail.text}`);
    await staff.goto(link);
    await staff.getByLabel("パスワード", { exact: true }).waitFor();
    await capture(staff, "f01-join-from-email");
    personId = await joinWithPassword(staff, PASSWORD);
    assert.equal((await apiJson(staff, "GET", "/api/me")).name, NAME);
  });

  it("2. verifies the mobile with the 6-digit code the Twilio fake received (right To, right Basic auth)", async () => {
    await staff.goto("/me/contacts");
    await staff.getByLabel("携帯電話", { exact: true }).check();
    await staff.getByLabel("携帯電話の番号またはメールアドレス").fill(MOBILE);
    await staff.getByRole("button", { name: "追加する" }).click();
    await staff.getByText("追加しました。").waitFor();
    const row = staff.getByTestId("channel").and(staff.locator('[data-kind="mobile"]'));
    await row.getByTestId("unverified").waitFor();
    const before = await fakes.client.twilioStats(fakes.twilio.sid);
    await row.getByRole("button", { name: "確認コードをSMSで送る" }).click();
    // The fake records a message only when Basic auth was AccountSid:AuthToken of this account.
    const sms = await waitFor(
      () => fakes.client.twilioMessages(fakes.twilio.sid),
      (m) => m.to === E164 && m.at > 0 && /\b\d{6}\b/.test(m.body),
      `an SMS to ${E164}`,
    );
    const after = await fakes.client.twilioStats(fakes.twilio.sid);
    assert.equal(after.requests - before.requests, after.accepted - before.accepted, "every request to Twilio authenticated and accepted");
    assert.equal(sms.from, fakes.twilio.from, "sent from TWILIO_FROM");
    await capture(staff, "f02-code-sent");
    await staff.getByLabel("SMSで届いた6桁のコード").fill(/\b(\d{6})\b/.exec(sms.body)[1]);
    await row.getByRole("button", { name: "確認する" }).click();
    await staff.getByText("確認できました。").waitFor();
    await row.getByTestId("unverified").waitFor({ state: "detached" });
    await row.getByText(/確認済み/).waitFor();
    await capture(staff, "f03-mobile-verified");
    const mobile = (await apiJson(staff, "GET", "/api/me")).channels.find((c) => c.kind === "mobile");
    assert.equal(mobile.verified, true);
  });

  it("3. a push device's test reaches the push fake (VAPID, Urgency, TTL, decrypted, no contact details); its ack shows on the screen", async () => {
    const vapid = await apiJson(staff, "GET", "/api/push/vapid-public-key");
    assert.equal(vapid.publicKey, fakes.vapidPublicKey, "the browser would subscribe with the server's VAPID key");
    // Headless Chromium has no push service: the fake plays the browser's subscription (its
    // P-256 key pair and auth secret stay in the fake, which decrypts with them), registered
    // through the same API the screen uses after PushManager.subscribe().
    const sub = await fakes.client.pushSubscribe(fakes.pushTenant);
    const device = await apiJson(staff, "POST", "/api/me/devices", {
      subscription: { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys },
      name: "私用のスマホ",
    });
    await staff.goto("/me/devices");
    const row = staff.getByTestId("device").filter({ hasText: "私用のスマホ" });
    await row.waitFor();
    await row.getByRole("button", { name: "テストを送る：私用のスマホ" }).click();
    await staff.getByText("テストを送りました。通知が届くか確かめてください。").waitFor();
    await row.getByTestId("device-test-state").filter({ hasText: "テストを送信済み（到着の確認待ち）" }).waitFor();
    await capture(staff, "f04-push-test-sent");

    const push = await waitFor(
      () => fakes.client.pushReceived(fakes.pushTenant),
      (p) => p.subscriptionId === sub.id,
      "the test push",
    );
    assert.equal(push.vapid.publicKey, fakes.vapidPublicKey, "signed with the server's VAPID key");
    assert.equal(push.vapid.aud, new URL(sub.endpoint).origin, "VAPID aud is the push service origin");
    assert.match(push.vapid.sub, /^mailto:/);
    assert.equal(push.urgency, "high");
    assert.ok(push.ttl > 0, "a TTL");
    const payload = JSON.parse(push.payload);
    assert.equal(payload.type, "test");
    assert.ok(payload.title && payload.body, "a title and body to show");
    assert.match(payload.ackUrl, new RegExp(`^${BASE_URL.replace(/[.:/]/g, "\\$&")}/api/push/ack\\?token=[A-Za-z0-9_-]{22}$`));
    assert.doesNotMatch(push.payload, CONTACT_PATTERN, "no phone number or email in the payload");
    for (const secret of [EMAIL, MOBILE, E164, MOBILE.slice(1)]) assert.ok(!push.payload.includes(secret), `the payload leaks ${secret}`);

    // The service worker acknowledges: a POST to ackUrl from the page's origin, no cookie.
    const status = await staff.evaluate(async (url) => (await fetch(url, { method: "POST", credentials: "omit" })).status, payload.ackUrl);
    assert.equal(status, 200);
    await staff.reload();
    await row.getByTestId("device-test-state").filter({ hasText: "テストが届いた" }).waitFor();
    const list = await apiJson(staff, "GET", "/api/me/devices");
    const mine = list.items.find((d) => d.id === device.id);
    assert.ok(mine.lastTestAt && mine.lastTestAt >= mine.lastTestSentAt, "the arrival is recorded");
    await capture(staff, "f05-push-test-arrived");
  });

  it("4. creates a passkey on the account screen (virtual authenticator), signs out, signs in with the passkey", async () => {
    const cdp = await staffContext.newCDPSession(staff);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await staff.goto("/account");
    await staff.getByLabel("パスキーの名前").fill("私用のスマホ");
    await staff.getByRole("button", { name: "この端末にパスキーを作る" }).click();
    await staff.getByText("パスキーを登録しました。").waitFor();
    await capture(staff, "f06-passkey-added");
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    assert.equal(credentials.length, 1, "one credential on the authenticator");
    assert.equal(credentials[0].isResidentCredential, true, "a discoverable credential (no email typed to sign in)");

    await staff.getByRole("button", { name: "サインアウト" }).click();
    const passkeyButton = staff.getByRole("button", { name: "パスキーでサインイン" });
    await passkeyButton.waitFor();
    assert.equal((await staff.request.fetch("/api/session")).status(), 401, "signed out");
    await capture(staff, "f07-signed-out");
    await passkeyButton.click();
    await staff.getByRole("navigation", { name: "メニュー" }).waitFor();
    assert.equal((await apiJson(staff, "GET", "/api/session")).personId, personId, "signed in as the same person");
    await capture(staff, "f08-signed-in-with-passkey");
  });
});
