/**
 * The directory edited in the admin UI (issue 14), on a desktop (1280×800) and a phone
 * (390×844, nothing wider than the screen): the network admin adds a person, is told in
 * words what is wrong with a mobile, fixes it typed in full-width (０９０…) and sees the
 * stored form 0X0-…, finds them in the list, invites someone and withdraws it, adds,
 * edits and removes a facility, and deregisters the person after the confirm step. A
 * facility admin sees controls for their own facility only.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { capture, launch, newContext, signInAs } from "./helpers.mjs";

/** The demo facility admin's clinic (scripts/demo/accounts.mjs). */
const OWN = "小金井本町クリニック";
const VIEWPORTS = [
  { tag: "desktop", mark: "甲", viewport: { width: 1280, height: 800 } },
  { tag: "phone", mark: "乙", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
];
/** Codes the API uses that must never reach the screen. */
const CODES = /\b(staff|admin|delegate|clinic|network_admin|viewer|pending|revoked|email|mobile|sms)\b/;

const fullWidth = (s) => s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0)).replace(/-/g, "－");

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function fitsScreen(page, where) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${where}: the page scrolls sideways (${scroll}px in ${inner}px)`);
}

async function noCodes(page, where) {
  const text = await page.locator("main").innerText();
  assert.doesNotMatch(text, CODES, `${where} shows a raw code`);
}

async function searchPeople(page, name) {
  await page.goto("/directory?tab=people");
  await page.getByLabel("名前・ふりがなで検索").fill(name);
  await page.getByRole("button", { name: "検索", exact: true }).click();
}

describe("the directory edited in the admin UI", () => {
  VIEWPORTS.forEach(({ tag, mark, ...opts }, i) => {
    const N = String((Date.now() + i * 7919) % 10000).padStart(4, "0");
    const X = String(10 + ((Number(N) + i) % 90));
    const NAME = `試験 太郎${N}`;
    const FIRST = `080-71${X}-${N}`;
    const FIXED = `080-72${X}-${N}`;

    it(`${tag}: the network admin adds a person, fixes their mobile, invites, and removes the person`, async () => {
      const ctx = await newContext(browser, opts);
      const page = await ctx.newPage();
      await signInAs(page, "network_admin");

      await page.goto("/directory?tab=people");
      await page.getByRole("link", { name: "職員を追加" }).click();
      await page.getByRole("heading", { name: "職員の追加" }).waitFor();
      await page.getByLabel("名前", { exact: true }).fill(NAME);
      await page.getByLabel("ふりがな").fill("しけん たろう");
      await page.getByLabel("職種").fill("看護師");
      await page.getByLabel("事業所", { exact: true }).selectOption({ label: OWN });
      assert.deepEqual(await page.getByLabel("役割", { exact: true }).locator("option").allInnerTexts(), ["管理者", "管理者代行", "一般"]);
      await page.getByLabel("携帯電話").fill(FIRST);
      await page.getByLabel("メールアドレス").fill(`edit-${tag}-${N}@example.org`);
      await fitsScreen(page, "the add form");
      await capture(page, `directory-edit-${tag}-add`);
      await page.getByRole("button", { name: "登録する" }).click();

      await page.getByRole("heading", { name: NAME }).waitFor();
      await page.getByRole("status").filter({ hasText: "登録しました。" }).waitFor();
      assert.equal(await page.getByLabel("携帯電話").inputValue(), FIRST);
      assert.equal(await page.getByLabel("職種").inputValue(), "看護師");
      assert.equal(await page.getByLabel("ふりがな").inputValue(), "シケン タロウ");

      // A wrong number is refused in words, next to the field, and nothing changes.
      await page.getByLabel("携帯電話").fill("123");
      await page.getByRole("button", { name: "保存する" }).click();
      const mobileField = page.locator(".field", { has: page.getByLabel("携帯電話") });
      await mobileField.locator(".field-error").waitFor();
      assert.match(await mobileField.locator(".field-error").innerText(), /[ぁ-んァ-ン一-龠]/);
      assert.equal(await page.getByLabel("携帯電話").getAttribute("aria-invalid"), "true");

      // Typed in full-width with full-width hyphens: stored and shown as 080-72xx-xxxx.
      await page.getByLabel("携帯電話").fill(fullWidth(FIXED));
      await page.getByRole("button", { name: "保存する" }).click();
      await page.getByRole("status").filter({ hasText: "保存しました。" }).waitFor();
      await page.waitForFunction((v) => document.querySelector('input[name="mobile"]')?.value === v, FIXED);
      assert.equal(await page.getByLabel("携帯電話").inputValue(), FIXED);
      await noCodes(page, "the person page");
      await fitsScreen(page, "the person page");
      await capture(page, `directory-edit-${tag}-person`);

      // The list shows the change.
      await searchPeople(page, NAME);
      await page.getByLabel("連絡先も表示（記録されます）").check();
      // The list reloads with the contacts: the row shows the number as stored.
      const row = page.getByTestId("dir-people").locator("tbody tr", { hasText: NAME }).filter({ hasText: FIXED });
      await row.waitFor();
      assert.match(await row.innerText(), new RegExp(`${OWN}（一般）`));
      await fitsScreen(page, "the people list");
      await noCodes(page, "the people list");

      // Invite someone to the clinic, see it pending, and withdraw it.
      await page.getByRole("link", { name: "招待する", exact: true }).click();
      await page.getByRole("heading", { name: "招待する" }).waitFor();
      await page.getByLabel("事業所", { exact: true }).selectOption({ label: OWN });
      const invitee = `招待 花子${N}`;
      await page.getByLabel("招待する人の名前").fill(invitee);
      await page.getByLabel("メールアドレス").fill(`invite-${tag}-${N}@example.org`);
      await fitsScreen(page, "the invite form");
      await capture(page, `directory-edit-${tag}-invite`);
      await page.getByRole("button", { name: "招待を送る" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: `${invitee}さんに招待を送りました` })
        .waitFor();
      const inv = page.getByTestId("dir-invitations").locator("tbody tr", { hasText: invitee });
      await inv.waitFor();
      assert.match(await inv.innerText(), /承諾待ち/);
      assert.match(await inv.innerText(), new RegExp(OWN));
      await noCodes(page, "the invitations");
      await fitsScreen(page, "the invitations");
      await capture(page, `directory-edit-${tag}-invitations`);
      await inv.getByRole("button", { name: "取り消す" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: `${invitee}さんへの招待を取り消しました。` })
        .waitFor();
      assert.equal(await page.getByTestId("dir-invitations").locator("tbody tr", { hasText: invitee }).count(), 0);

      // Deregister the person, after a step that says what it does.
      await searchPeople(page, NAME);
      const edit = page.getByTestId("dir-people").locator("tbody tr", { hasText: NAME }).getByRole("link", { name: "編集", exact: true });
      // A screen reader hears whom 編集 is for: the row's name describes it.
      assert.equal(await page.locator(`#${await edit.getAttribute("aria-describedby")}`).innerText(), NAME);
      await edit.click();
      await page.getByRole("heading", { name: NAME }).waitFor();
      await page.getByRole("button", { name: "登録を解除する…" }).click();
      const dialog = page.getByRole("alertdialog");
      assert.match(await dialog.innerText(), new RegExp(`${NAME}さんの登録を解除します。.*これまでの回答と記録は残ります`, "s"));
      await fitsScreen(page, "the confirm step");
      await dialog.getByRole("button", { name: "登録を解除する" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: `${NAME}さんの登録を解除しました。` })
        .waitFor();
      await searchPeople(page, NAME);
      await page.getByRole("status").filter({ hasText: /^0件$/ }).waitFor();
      await ctx.close();
    });

    it(`${tag}: the network admin adds, edits and removes a facility`, async () => {
      const ctx = await newContext(browser, opts);
      const page = await ctx.newPage();
      await signInAs(page, "network_admin");
      const FAC = `試験クリニック${mark}${N}`;
      await page.goto("/directory?tab=facilities");
      await page.getByRole("link", { name: "事業所を追加" }).click();
      await page.getByRole("heading", { name: "事業所の追加" }).waitFor();
      await page.getByLabel("名前", { exact: true }).fill(FAC);
      await page.getByLabel("ふりがな").fill("しけんくりにっく");
      await page.getByLabel("種別").selectOption({ label: "診療所" });
      await page.getByLabel("地区").fill("本町");
      await page.getByLabel("電話番号").fill(fullWidth(`042-380-${N}`));
      await fitsScreen(page, "the facility form");
      await page.getByRole("button", { name: "登録する" }).click();
      await page.getByRole("heading", { name: FAC }).waitFor();
      await page
        .getByRole("status")
        .filter({ hasText: `「${FAC}」を登録しました。` })
        .waitFor();
      assert.equal(await page.getByLabel("電話番号").inputValue(), `042-380-${N}`);

      await page.getByLabel("種別").selectOption({ label: "病院" });
      await page.getByLabel("地区").fill("緑町");
      await page.getByRole("button", { name: "保存する" }).click();
      await page.getByRole("status").filter({ hasText: "保存しました。" }).waitFor();
      await page.waitForFunction(() => document.querySelector('input[name="district"]')?.value === "緑町");
      await noCodes(page, "the facility page");
      await capture(page, `directory-edit-${tag}-facility`);

      await page.goto("/directory?tab=facilities");
      await page.getByLabel("名前・ふりがなで検索").fill(FAC);
      await page.getByRole("button", { name: "検索", exact: true }).click();
      const row = page.getByTestId("dir-facilities").locator("tbody tr", { hasText: FAC });
      await row.waitFor();
      assert.match(await row.innerText(), /病院/);
      assert.match(await row.innerText(), /緑町/);
      await fitsScreen(page, "the facility list");

      await row.getByRole("link", { name: "編集", exact: true }).click();
      await page.getByRole("button", { name: "事業所を削除する…" }).click();
      assert.match(await page.getByRole("alertdialog").innerText(), new RegExp(`「${FAC}」を名簿から外します。`));
      await page.getByRole("alertdialog").getByRole("button", { name: "削除する" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: `「${FAC}」を削除しました。` })
        .waitFor();
      await page.getByLabel("名前・ふりがなで検索").fill(FAC);
      await page.getByRole("button", { name: "検索", exact: true }).click();
      await page.getByRole("status").filter({ hasText: /^0件$/ }).waitFor();
      await ctx.close();
    });

    it(`${tag}: a facility admin sees controls for their own facility only`, async () => {
      const ctx = await newContext(browser, opts);
      const page = await ctx.newPage();
      await signInAs(page, "facility_admin");
      await page.goto("/directory?tab=facilities");
      await page.getByLabel("名前・ふりがなで検索").fill("小金井");
      await page.getByRole("button", { name: "検索", exact: true }).click();
      const table = page.getByTestId("dir-facilities");
      await table.locator("tbody tr", { hasText: OWN }).waitFor();
      // Other facilities are listed too (waited for: the search's rows may still be coming in).
      await table.locator("tbody tr").nth(1).waitFor();
      assert.ok((await table.locator("tbody tr").count()) > 1, "other facilities are listed");
      // One 編集, on their own facility's row; no adding facilities.
      const edits = table.getByRole("link", { name: "編集", exact: true });
      assert.equal(await edits.count(), 1);
      const ownHref = await table.locator("tbody tr", { hasText: OWN }).getByRole("link", { name: "編集", exact: true }).getAttribute("href");
      assert.equal(await edits.first().getAttribute("href"), ownHref);
      assert.equal(await page.getByRole("link", { name: "事業所を追加" }).count(), 0);
      await fitsScreen(page, "the facility list");
      await capture(page, `directory-edit-${tag}-fa-facilities`);

      // Another facility's page: read only, no controls.
      const other = table.locator("tbody tr").filter({ hasNotText: OWN }).first();
      const href = await other.getByRole("link").first().getAttribute("href");
      const otherId = new URLSearchParams(href.split("?")[1]).get("facility");
      await page.goto(`/directory/facilities/${otherId}`);
      await page.getByText("変更できるのは自分の事業所だけです。").waitFor();
      for (const name of ["保存する", "事業所を削除する…"]) assert.equal(await page.getByRole("button", { name }).count(), 0, name);
      assert.equal(await page.getByRole("link", { name: "この事業所に招待する" }).count(), 0);

      // Their own facility: the details to change, the type as words, no removal.
      await page.goto(ownHref);
      await page.getByRole("button", { name: "保存する" }).waitFor();
      assert.equal(await page.getByRole("combobox", { name: "種別" }).count(), 0);
      await page.getByText("種別を変えられるのはネットワーク管理者だけです。").waitFor();
      assert.equal(await page.getByRole("button", { name: "事業所を削除する…" }).count(), 0);
      await fitsScreen(page, "their facility");

      // Adding a person or inviting: their facility only, never the 管理者 role.
      await page.goto("/directory?tab=people");
      await page.getByRole("link", { name: "職員を追加" }).click();
      await page.getByRole("heading", { name: "職員の追加" }).waitFor();
      await page.getByLabel("事業所", { exact: true }).waitFor();
      assert.deepEqual(await page.getByLabel("事業所", { exact: true }).locator("option").allInnerTexts(), [OWN]);
      assert.deepEqual(await page.getByLabel("役割", { exact: true }).locator("option").allInnerTexts(), ["管理者代行", "一般"]);
      assert.equal(await page.getByLabel("ネットワーク全体の役割").count(), 0);
      await fitsScreen(page, "the add form");
      await page.goto("/directory/invite");
      await page.getByRole("heading", { name: "招待する" }).waitFor();
      await page.getByLabel("事業所", { exact: true }).waitFor();
      assert.deepEqual(await page.getByLabel("事業所", { exact: true }).locator("option").allInnerTexts(), [OWN]);

      // The people list: 編集 only on people of their facility.
      await page.goto("/directory?tab=people");
      const people = page.getByTestId("dir-people");
      await people.locator("tbody tr").first().waitFor();
      for (const r of await people.locator("tbody tr").all()) {
        const text = await r.innerText();
        const editable = (await r.getByRole("link", { name: "編集", exact: true }).count()) > 0;
        if (editable) assert.match(text, new RegExp(OWN), `an edit control for someone outside ${OWN}: ${text}`);
      }
      await noCodes(page, "the people list");
      await fitsScreen(page, "the people list");
      await capture(page, `directory-edit-${tag}-fa-people`);
      await ctx.close();
    });
  });
});
