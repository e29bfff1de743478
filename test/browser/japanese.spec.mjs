/**
 * Japanese first (issue 14): every role signs in and walks every screen its menu
 * offers (and the screens reached from わたし), on a desktop and on a phone. No
 * English word and no raw code may be visible on a Japanese screen: the check fails
 * on any ASCII-only word outside a short allow list (names of things people know in
 * Latin letters: SMS, CSV, URL…), and on `snake_case` or dotted codes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { facilityOf, startDrill } from "./api.mjs";
import { ACCOUNTS, launch, newContext, signInAs } from "./helpers.mjs";

/** Latin words a Japanese screen may show: acronyms and names people read as they are. */
const ALLOW = new Set([
  "SMS",
  "CSV",
  "URL",
  "API",
  "ID",
  "QR",
  "PC",
  "TEL",
  "FAX",
  "CAP",
  "JMA",
  "EMIS",
  "UTF",
  "Shift_JIS",
  "JIS",
  "Excel",
  "Twilio",
  "Web",
  "Push",
  "iPhone",
  "Android",
  "Google",
  "Apple",
  "Authenticator",
  "Microsoft",
  "English",
  "Bahasa",
  "Indonesia",
  "Tagalog",
  "JPEG",
  "PNG",
  "WebP",
  "Bearer",
  "Authorization",
  "https",
  "http",
  "JST",
  "DRILL",
  "km",
  "MB",
  "KB",
]);

/** The words of a text that are Latin letters only, outside the allow list and outside URLs, addresses and numbers. */
function foreignWords(text) {
  const cleaned = text
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/[\w.+•*-]*@[\w.-]+/g, " ")
    .replace(/\b[\w-]+\.(?:example|jp|org|com|net|test)\b/g, " ")
    .replace(/\banpi_[A-Za-z0-9_-]+/g, " ");
  // Words of Latin letters; one with a letter beyond ASCII (Tiếng Việt) is a language's own name, not English.
  const words = (cleaned.match(/[\p{Script=Latin}0-9_.'-]+/gu) ?? []).map((w) => w.replace(/^[0-9_.'-]+|[_.'-]+$/g, "")).filter((w) => /[A-Za-z]{2,}/.test(w));
  return [...new Set(words.filter((w) => /^[ -~]+$/.test(w) && !ALLOW.has(w)))];
}

/** Screens a role reaches without the menu: わたし's own pages. */
const STAFF_PAGES = ["/me", "/me/profile", "/me/contacts", "/me/devices", "/me/report", "/account"];

let browser;
let rollcallId;
let facilityId;
before(async () => {
  browser = await launch();
  // A live drill of the facility admin's facility, so every role's walk takes in a board and its facility page.
  facilityId = await facilityOf(await newContext(browser), ACCOUNTS.facility_admin);
  const admin = await (await newContext(browser)).newPage();
  await signInAs(admin, "network_admin");
  rollcallId = await startDrill(admin, facilityId, `日本語の確認 ${String(Date.now()).slice(-6)}`);
});
after(async () => {
  await browser?.close();
});

async function visibleText(page) {
  // Labels of form controls and option texts count: they are read too.
  return page.evaluate(() => {
    const parts = [document.body.innerText];
    for (const el of document.querySelectorAll("input[placeholder], textarea[placeholder]")) parts.push(el.getAttribute("placeholder") ?? "");
    for (const el of document.querySelectorAll("[aria-label]")) parts.push(el.getAttribute("aria-label") ?? "");
    for (const el of document.querySelectorAll("[title]")) parts.push(el.getAttribute("title") ?? "");
    return parts.join("\n");
  });
}

async function settle(page) {
  await page.getByRole("heading").first().waitFor();
  // Let the screen's first loads finish (no spinner left).
  await page.waitForFunction(() => !document.querySelector("[aria-busy='true'], .loading"), null, { timeout: 15_000 }).catch(() => {});
  await page.waitForTimeout(300);
}

for (const [device, viewport] of [
  ["desktop", { width: 1280, height: 800 }],
  ["phone", { width: 390, height: 844 }],
]) {
  describe(`every screen in Japanese (${device})`, () => {
    for (const role of ["network_admin", "facility_admin", "delegate", "staff", "viewer"]) {
      it(`${role}: no English word or raw code on any screen`, async () => {
        assert.ok(ACCOUNTS[role], `the demo has a sign-in for ${role}`);
        const ctx = await newContext(browser, { viewport });
        const page = await ctx.newPage();
        await signInAs(page, role);
        const nav = page.getByRole("navigation", { name: "メニュー" });
        const menu = await nav.getByRole("link").evaluateAll((links) => links.map((a) => new URL(a.href).pathname));
        const paths = [...new Set([...menu, ...STAFF_PAGES])];
        const problems = [];
        for (const path of paths) {
          await page.goto(path);
          await settle(page);
          const bad = foreignWords(await visibleText(page));
          if (bad.length) problems.push(`${path}: ${bad.join(", ")}`);
        }
        // The live drill's board and detail, when the role sees roll-calls.
        if (menu.includes("/rollcalls")) {
          for (const path of [`/rollcalls/${rollcallId}`, `/rollcalls/${rollcallId}/facilities/${facilityId}`]) {
            await page.goto(path);
            await settle(page);
            const bad = foreignWords(await visibleText(page));
            if (bad.length) problems.push(`${path}: ${bad.join(", ")}`);
          }
        }
        await ctx.close();
        assert.deepEqual(problems, [], `English or codes on Japanese screens (${role}, ${device}):\n${problems.join("\n")}`);
      });
    }
  });
}

describe("the allow list check itself", () => {
  it("catches English words and codes, and lets Japanese, acronyms, numbers and addresses through", () => {
    assert.deepEqual(foreignWords("安否確認 SMS 3通 https://anpi.example.org/r/abc hanako@example.org 090-1234-5678"), []);
    assert.deepEqual(foreignWords("Loading… auth.sign_in 回答"), ["Loading", "auth.sign_in"]);
    assert.deepEqual(foreignWords("status: recorded"), ["status", "recorded"]);
  });
});
