import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { wording } from "../worker/templates/files";
import { LANGS } from "../worker/templates/languages";
import { escapeHtml, rubyHtml } from "../worker/templates/ruby";
import { adminsWithoutMfa, replyPath } from "./support/db";
import { makeFacility, makePerson, openRollcall, signedIn } from "./support/factories";
import { api, postForm } from "./support/http";

/**
 * The reply page in every language and every state (issue 14): the form, the confirm
 * step, the recorded answer, a link opened again (回答済み), the form to change it, an
 * error, what to do after 重傷・要救助, the closed notice. No state shows a raw
 * `{placeholder}`, a `[key]` or the furigana notation.
 */

let networkAdmin: string;
beforeAll(async () => {
  await adminsWithoutMfa();
  networkAdmin = (await signedIn({ globalRole: "network_admin" })).cookie;
});

/** The page's body (the inline style sheet has braces of its own). */
const bodyOf = (page: string) => page.slice(page.indexOf("<body>"));

function expectClean(page: string, what: string) {
  const body = bodyOf(page);
  expect(body, `${what}: a raw placeholder`).not.toMatch(/\{\w+\}/);
  expect(body, `${what}: a raw key`).not.toMatch(/\[[\w.-]+\]/);
  expect(body, `${what}: raw furigana`).not.toMatch(/\{[^{}<>]*\|[^{}<>]*\}/);
  expect(body, `${what}: undefined`).not.toContain("undefined");
}

/** A label as the page writes it: escaped, furigana as <ruby>, placeholders filled. */
const shown = (lang: (typeof LANGS)[number], key: string, vars: Record<string, string | number> = {}) =>
  rubyHtml(wording(lang)[key]!).replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? escapeHtml(String(vars[k])) : m));

async function clinicWithPhone(name: string): Promise<number> {
  const id = await makeFacility({ name });
  await env.DB.prepare("UPDATE facilities SET phone = '+81423001234' WHERE id = ?1").bind(id).run();
  return id;
}

describe("the reply page in every language", () => {
  it("shows every state without a raw placeholder, key or furigana, with the comment's limit as a number", async () => {
    const facilityName = `小金井ひがし診療所${Date.now() % 10000}`;
    const facilityId = await clinicWithPhone(facilityName);
    const people = [];
    for (const lang of LANGS) {
      people.push({ lang, admin: false, person: await makePerson({ facilityId, role: "staff", password: null, lang, name: `スタッフ ${lang}` }) });
      people.push({ lang, admin: true, person: await makePerson({ facilityId, role: "admin", password: null, lang, name: `管理者 ${lang}` }) });
    }
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [facilityId] }, title: "震度6弱 小金井市" });
    for (const { lang, admin, person } of people) {
      const what = `${lang}${admin ? " (facility admin)" : ""}`;
      const path = await replyPath(id, person.id);
      const answer = {
        safety: "severe",
        availability: "conditional",
        arrival: "30分後",
        comment: "足を少し",
        ...(admin ? { collapse: "no", electricity: "unusable", staffing: "short", facilityComment: "3階が使えない" } : {}),
      };
      const form = await (await api("GET", path)).text();
      expectClean(form, `${what} form`);
      // Whose answer it is, and who is asking.
      expect(form, what).toContain(shown(lang, "whose", { name: `${admin ? "管理者" : "スタッフ"} ${lang}`, facility: facilityName }));
      expect(form, what).toContain(shown(lang, "from", { sender: wording(lang)["page.title"]! }));
      expect(form, what).toContain("震度6弱 小金井市");

      const tooLong = await postForm(path, { ...answer, comment: "あ".repeat(201), confirm: "1" });
      expect(tooLong.status, what).toBe(400);
      expectClean(await tooLong.text(), `${what} error`);

      const confirm = await (await postForm(path, answer)).text();
      expectClean(confirm, `${what} confirm`);
      // The comment's label shows its limit as a number (not 「{max}文字まで」).
      expect(confirm, what).toContain(shown(lang, "comment.label", { max: 200 }));
      if (admin) expect(confirm, what).toContain(shown(lang, "facilityComment.label", { max: 200 }));

      const done = await (await postForm(path, { ...answer, confirm: "1" })).text();
      expectClean(done, `${what} recorded`);
      expect(done, what).toContain(shown(lang, "comment.label", { max: 200 }));
      expect(done, what).toContain(shown(lang, "severe.heading"));

      const again = await (await api("GET", path)).text();
      expectClean(again, `${what} answered`);
      expect(again, what).toContain(shown(lang, "answered.heading"));
      expect(again, what).toContain(shown(lang, "button.change"));
      expect(again, what).not.toContain("<form");

      const change = await (await api("GET", `${path}?change=1`)).text();
      expectClean(change, `${what} change`);
      expect(change, what).toMatch(/value="severe" checked/);
    }
    await api("POST", `/api/rollcalls/${id}/close`, { cookie: networkAdmin });
    for (const { lang, admin, person } of people) {
      const closed = await (await api("GET", await replyPath(id, person.id))).text();
      expectClean(closed, `${lang}${admin ? " (facility admin)" : ""} closed`);
      expect(closed).toContain(shown(lang, "closed.heading"));
    }
  });

  it("asks a notice in every language without a raw placeholder", async () => {
    const facilityId = await makeFacility();
    const people = [];
    for (const lang of LANGS) people.push({ lang, person: await makePerson({ facilityId, role: "staff", password: null, lang }) });
    const id = await openRollcall(networkAdmin, {
      scope: { facilityIds: [facilityId] },
      template: "notice",
      title: "研修会のお知らせ",
      message: "10月1日 19時から",
    });
    for (const { lang, person } of people) {
      const path = await replyPath(id, person.id);
      expectClean(await (await api("GET", path)).text(), `${lang} notice form`);
      expectClean(await (await postForm(path, { ack: "yes", comment: "出ます" })).text(), `${lang} notice confirm`);
      const done = await (await postForm(path, { ack: "yes", comment: "出ます", confirm: "1" })).text();
      expectClean(done, `${lang} notice recorded`);
      expect(done, lang).not.toContain('href="tel:119"'); // no 要救助 advice without 重傷・要救助
    }
  });
});

describe("a link opened again after answering", () => {
  it("shows 回答済み with the answer and when first, and 変更する opens the form filled with it", async () => {
    const facilityId = await makeFacility();
    const person = await makePerson({ facilityId, role: "staff", password: null });
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [facilityId] } });
    const path = await replyPath(id, person.id);
    expect((await postForm(path, { safety: "minor", availability: "no", comment: "足を少し", confirm: "1" })).status).toBe(200);

    const page = await (await api("GET", path)).text();
    expect(page).toContain("回答済み");
    expect(page).toMatch(/\d+\/\d+ \d{2}:\d{2}に回答しました/); // when
    // The answer comes before the button.
    expect(page.indexOf("軽傷")).toBeGreaterThan(page.indexOf("回答済み"));
    expect(page.indexOf("軽傷")).toBeLessThan(page.indexOf("変更する"));
    expect(page).toContain("足を少し");
    expect(page).toMatch(/<a class="b" href="\?change=1">変更する<\/a>/);
    expect(page).not.toContain("<form");
    expect(page).not.toContain('href="tel:119"');

    const form = await (await api("GET", `${path}?change=1`)).text();
    expect(form).toContain("<form");
    expect(form).toMatch(/value="minor" checked/);
    expect(form).toMatch(/value="no" checked/);
    expect(form).toContain("足を少し</textarea>");
    expect(form).toContain("前回の回答");
    // The recorded page's 「回答を変更する」 opens the same form.
    const done = await (await postForm(path, { safety: "safe", confirm: "1" })).text();
    expect(done).toContain('href="?change=1"');
  });

  it("opens the form straight away when there is no answer yet", async () => {
    const facilityId = await makeFacility();
    const person = await makePerson({ facilityId, role: "staff", password: null });
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [facilityId] } });
    const page = await (await api("GET", await replyPath(id, person.id))).text();
    expect(page).toContain("<form");
    expect(page).not.toContain("回答済み");
  });
});

describe("after 重傷・要救助", () => {
  it("says what to do now: call 119, tell the facility (its phone as a tel: link), stay where it is safe", async () => {
    const facilityName = `みなみ訪問看護${Date.now() % 10000}`;
    const facilityId = await clinicWithPhone(facilityName);
    const person = await makePerson({ facilityId, role: "staff", password: null });
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [facilityId] } });
    const path = await replyPath(id, person.id);
    const done = await (await postForm(path, { safety: "severe", confirm: "1" })).text();
    expect(done).toContain("今すぐしてください");
    expect(done).toContain('<a href="tel:119">119番に電話する</a>');
    expect(done).toContain(`<a href="tel:+81423001234">${facilityName}に電話する（042-300-1234）</a>`);
    expect(done).toContain("安全な場所で、動かずに待つ");
    // The advice comes before the summary: it is what matters now.
    expect(done.indexOf("今すぐしてください")).toBeLessThan(done.indexOf("<dl>"));
    // Opened again, the advice stays with the answer.
    expect(await (await api("GET", path)).text()).toContain('href="tel:119"');
    // A safe answer: no advice.
    expect(await (await postForm(path, { safety: "safe", confirm: "1" })).text()).not.toContain("tel:119");
  });

  it("names the facility without a link when the directory has no phone for it", async () => {
    const facilityName = `きた薬局${Date.now() % 10000}`;
    const facilityId = await makeFacility({ name: facilityName });
    const person = await makePerson({ facilityId, role: "staff", password: null, lang: "en" });
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [facilityId] } });
    const done = await (await postForm(await replyPath(id, person.id), { safety: "severe", confirm: "1" })).text();
    expect(done).toContain('<a href="tel:119">Call 119</a>');
    expect(done).toContain(`Tell ${facilityName}`);
    expect(done).not.toMatch(/href="tel:\+/);
  });
});

describe("who is asking", () => {
  it("names the network (the networkName setting), the roll-call and whose answer it is", async () => {
    const facilityName = `ひがし歯科${Date.now() % 10000}`;
    const facilityId = await makeFacility({ name: facilityName });
    const person = await makePerson({ facilityId, role: "staff", password: null, name: "山田 花子" });
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [facilityId] }, title: "震度5強 多摩東部" });
    const path = await replyPath(id, person.id);
    expect(await (await api("GET", path)).text()).toContain("送信元: 安否確認"); // no networkName: the service's name
    expect((await api("PATCH", "/api/settings", { cookie: networkAdmin, body: { networkName: "小金井市医師会" } })).status).toBe(200);
    try {
      const page = await (await api("GET", path)).text();
      expect(page).toContain("送信元: 小金井市医師会");
      expect(page).toContain("<h1>震度5強 多摩東部</h1>");
      expect(page).toContain(`山田 花子さん（${facilityName}）の回答`);
      expect(page.indexOf("送信元")).toBeLessThan(page.indexOf("<form"));
    } finally {
      await api("PATCH", "/api/settings", { cookie: networkAdmin, body: { networkName: "" } });
    }
  });
});

describe("やさしい日本語 on the reply page", () => {
  it("shows furigana as <ruby> on the kanji it keeps, never the notation", async () => {
    const facilityId = await makeFacility();
    const person = await makePerson({ facilityId, role: "staff", password: null, lang: "ja-easy" });
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [facilityId] } });
    const path = await replyPath(id, person.id);
    const form = await (await api("GET", path)).text();
    expect(form).toContain('<html lang="ja">');
    expect(form).toContain("<ruby>来<rt>く</rt></ruby>る");
    expect(form).toContain("<ruby>着<rt>つ</rt></ruby>きますか");
    expectClean(form, "ja-easy form");
    // The title element has no markup: the reading stands in.
    expect(form).not.toMatch(/<title>[^<]*\{/);
  });
});
