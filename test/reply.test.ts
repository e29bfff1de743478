import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../worker/lib/errors";
import { findRecipientByToken, recordReply } from "../worker/reply/service";
import { replyToken } from "../worker/reply/token";
import { parseSettings, wording } from "../worker/templates/files";
import { TEMPLATE_FILES } from "../worker/templates/files.generated";
import { rubyHtml } from "../worker/templates/ruby";
import { FACILITY_CHOICE_FIELDS, FACILITY_OPTIONS, LANGS } from "../worker/templates/schemas";
import { adminsWithoutMfa, replyCount, replyPath } from "./support/db";
import { EMIS_CHOICES } from "./support/facility-report";
import { makeFacility, makeNetwork, makePerson, openRollcall, signedIn } from "./support/factories";
import { api, postForm } from "./support/http";

let networkAdmin: string;
beforeAll(async () => {
  await adminsWithoutMfa();
  networkAdmin = (await signedIn({ globalRole: "network_admin" })).cookie;
});

const latest = (rollcallId: number, personId: number) =>
  env.DB.prepare(
    "SELECT r.answers, r.comment, r.via, r.proxy_by, r.proxy_reached, x.replied_at FROM rollcall_recipients x JOIN replies r ON r.id = x.last_reply_id WHERE x.rollcall_id = ?1 AND x.person_id = ?2",
  )
    .bind(rollcallId, personId)
    .first<{ answers: string; comment: string; via: string; proxy_by: number | null; replied_at: number }>();

describe("reply page", () => {
  it("shows a small server-rendered form in the person's language, with 【訓練】 on drills", async () => {
    const net = await makeNetwork([{ name: "山田 花子" }, { name: "Emily", lang: "en" }]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] }, title: "震度6弱 安否確認" });
    const res = await api("GET", await replyPath(id, net.staff[0]!.id));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const page = await res.text();
    expect(new TextEncoder().encode(page).length).toBeLessThan(8 * 1024);
    expect(page).toContain('<html lang="ja">');
    expect(page).toContain("震度6弱 安否確認");
    expect(page).toContain("【訓練】");
    expect(page).not.toMatch(/<script/i);
    for (const v of ["safe", "minor", "severe", "yes", "conditional", "no"]) expect(page).toContain(`value="${v}"`);
    expect(page).not.toContain('name="collapse"'); // staff do not answer for the facility

    const en = await (await api("GET", await replyPath(id, net.staff[1]!.id))).text();
    expect(en).toContain('<html lang="en">');
    expect(en).toContain("Are you safe?");
    expect(en).toContain("【訓練】");

    // The facility admin also answers for the facility.
    const admin = await (await api("GET", await replyPath(id, net.admin.id))).text();
    // A clinic's admin: the whole EMIS set, in its order.
    const asked = [...admin.slice(admin.indexOf("<form")).matchAll(/name="(\w+)"/g)]
      .map((m) => m[1])
      .filter((n) => n !== "safety" && n !== "availability" && n !== "arrival" && n !== "comment");
    expect([...new Set(asked)]).toEqual([...EMIS_CHOICES, "facilityComment"]);
  });

  it("confirms first, records on confirm=1, then shows what was recorded; the answer can change", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const person = net.staff[0]!;
    const path = await replyPath(id, person.id);

    const check = await postForm(path, { safety: "minor", availability: "conditional", arrival: "30分後", comment: "足を少し" });
    expect(check.status).toBe(200);
    const confirmPage = await check.text();
    expect(confirmPage).toContain("この内容で送信しますか");
    expect(confirmPage).toContain("軽傷");
    expect(confirmPage).toContain('name="confirm" value="1"');
    expect(await replyCount(id, person.id)).toBe(0); // nothing recorded yet

    const sent = await postForm(path, { safety: "minor", availability: "conditional", arrival: "30分後", comment: "足を少し", confirm: "1" });
    expect(sent.status).toBe(200);
    const done = await sent.text();
    expect(done).toContain("回答を受け付けました");
    expect(done).toContain("軽傷");
    expect(done).toContain("条件付きで可能");
    const first = (await latest(id, person.id))!;
    expect(JSON.parse(first.answers)).toEqual({ safety: "minor", availability: "conditional", arrival: "30分後" });
    expect(first.comment).toBe("足を少し");
    expect(first.via).toBe("link");

    // Change: a new version; the page shows the latest; every version is kept.
    await postForm(path, { safety: "safe", availability: "yes", confirm: "1" });
    expect(await replyCount(id, person.id)).toBe(2);
    expect(JSON.parse((await latest(id, person.id))!.answers)).toEqual({ safety: "safe", availability: "yes" });
    expect((await latest(id, person.id))!.replied_at).toBe(first.replied_at);
    // Opened again: 回答済み with the answer first, and 変更する opens the form filled with it.
    const again = await (await api("GET", path)).text();
    expect(again).toContain("回答済み");
    expect(again).not.toContain("<form");
    expect(again).toContain('href="?change=1"');
    const change = await (await api("GET", `${path}?change=1`)).text();
    expect(change).toMatch(/value="safe" checked/);

    // "Change" from the confirm step goes back to the form with the answers kept.
    const edit = await (await postForm(path, { safety: "severe", edit: "1" })).text();
    expect(edit).toMatch(/value="severe" checked/);
    expect(await replyCount(id, person.id)).toBe(2);
  });

  it("records the facility state from a facility admin, in the EMIS terms, and shows it on the confirm and recorded pages", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const report = {
      collapse: "yes",
      electricity: "unusable",
      water: "usable",
      medicalGas: "unusable",
      supplies: "usable",
      manyPatients: "yes",
      staffing: "short",
      accepting: "no",
      casualties: "no",
    };
    const check = await (
      await postForm(await replyPath(id, net.admin.id), { safety: "safe", availability: "yes", ...report, facilityComment: "3階が使えない" })
    ).text();
    for (const words of ["倒壊・倒壊の恐れ", "医療ガス", "多数の患者受診", "職員の状況", "不足", "患者・利用者の受け入れ", "不可", "3階が使えない"])
      expect(check).toContain(words);
    expect(check).toContain('name="facilityComment" value="3階が使えない"');
    const done = await (
      await postForm(await replyPath(id, net.admin.id), { safety: "safe", availability: "yes", ...report, facilityComment: "3階が使えない", confirm: "1" })
    ).text();
    expect(done).toContain("回答を受け付けました");
    expect(done).toContain("使えない");
    expect(done).toContain("3階が使えない");
    expect(done).not.toMatch(/\[[\w.]+\]/); // no raw key
    expect(JSON.parse((await latest(id, net.admin.id))!.answers)).toEqual({
      safety: "safe",
      availability: "yes",
      facility: { ...report, comment: "3階が使えない" },
    });
    // Staff cannot slip facility answers in.
    await postForm(await replyPath(id, net.staff[0]!.id), { safety: "safe", collapse: "yes", confirm: "1" });
    expect(JSON.parse((await latest(id, net.staff[0]!.id))!.answers)).toEqual({ safety: "safe" });
  });

  it("asks each facility type its own set: a clinic's admin medical gas, a home-care office's not; fields outside the set are dropped", async () => {
    const clinic = await makeNetwork([]);
    const homeCare = await makeFacility({ type: "home_care" });
    const careAdmin = await makePerson({ facilityId: homeCare, role: "admin", password: null });
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [clinic.facilityId, homeCare] } });
    const clinicPage = await (await api("GET", await replyPath(id, clinic.admin.id))).text();
    for (const f of ["collapse", "medicalGas", "supplies", "manyPatients", "staffing", "facilityComment"]) expect(clinicPage).toContain(`name="${f}"`);
    expect(clinicPage).toContain("医療ガス");
    const carePage = await (await api("GET", await replyPath(id, careAdmin.id))).text();
    for (const f of ["collapse", "electricity", "water", "staffing", "accepting", "casualties", "facilityComment"]) expect(carePage).toContain(`name="${f}"`);
    for (const f of ["medicalGas", "supplies", "manyPatients"]) expect(carePage).not.toContain(`name="${f}"`);
    expect(carePage).not.toContain("医療ガス");

    // A field the type is not asked is dropped (as a question the template does not ask).
    await postForm(await replyPath(id, careAdmin.id), { safety: "safe", collapse: "no", medicalGas: "unusable", staffing: "short", confirm: "1" });
    expect(JSON.parse((await latest(id, careAdmin.id))!.answers)).toEqual({ safety: "safe", facility: { collapse: "no", staffing: "short" } });
  });

  it("refuses an unknown facility value and an oversized facility comment with a 400 page naming the field", async () => {
    const net = await makeNetwork([]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const path = await replyPath(id, net.admin.id);
    const bad = await postForm(path, { safety: "safe", staffing: "plenty", confirm: "1" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("職員の状況");
    const long = await postForm(path, { safety: "safe", facilityComment: "あ".repeat(201), confirm: "1" });
    expect(long.status).toBe(400);
    const page = await long.text();
    expect(page).toContain("「施設についてひとこと」は200文字以内");
    expect(await replyCount(id, net.admin.id)).toBe(0);
  });

  it("labels every facility question and answer in every language of the reply page, confirm page included (no raw key)", async () => {
    const facilityId = await makeFacility({ type: "hospital" });
    const admins = [];
    for (const lang of LANGS) admins.push({ lang, person: await makePerson({ facilityId, role: "admin", password: null, lang }) });
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [facilityId] } });
    const everything = {
      safety: "safe",
      collapse: "no",
      electricity: "unusable",
      medicalGas: "usable",
      staffing: "short",
      accepting: "yes",
      facilityComment: "ok",
    };
    for (const { lang, person } of admins) {
      const own = parseSettings(TEMPLATE_FILES[`page/${lang}.txt`]!);
      const w = wording(lang);
      const path = await replyPath(id, person.id);
      const form = await (await api("GET", path)).text();
      const confirm = await (await postForm(path, everything)).text();
      for (const page of [form, confirm]) expect(page, lang).not.toMatch(/\[[\w.-]+\]/);
      for (const k of FACILITY_CHOICE_FIELDS) {
        expect(own.has(`${k}.label`), `${lang}: ${k}.label`).toBe(true);
        expect(form, `${lang}: ${k}`).toContain(rubyHtml(w[`${k}.label`]!)); // escaped, furigana as <ruby>
        for (const o of FACILITY_OPTIONS[k]) {
          expect(own.has(`${k}.${o}`), `${lang}: ${k}.${o}`).toBe(true);
          expect(form, `${lang}: ${k}.${o}`).toContain(rubyHtml(w[`${k}.${o}`]!));
        }
      }
      expect(own.has("facilityComment.label"), `${lang}: facilityComment.label`).toBe(true);
      expect(confirm, lang).toContain(rubyHtml(w["staffing.short"]!));
    }
  });

  it("asks a notice only for the acknowledgement", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, {
      scope: { facilityIds: [net.facilityId] },
      template: "notice",
      title: "研修会のお知らせ",
      message: "10月1日 19時から",
    });
    const path = await replyPath(id, net.staff[0]!.id);
    const page = await (await api("GET", path)).text();
    expect(page).toContain("確認しました");
    expect(page).toContain("10月1日 19時から");
    expect(page).not.toContain('name="safety"');
    expect((await postForm(path, { confirm: "1" })).status).toBe(400);
    expect((await postForm(path, { ack: "yes", confirm: "1" })).status).toBe(200);
    expect(JSON.parse((await latest(id, net.staff[0]!.id))!.answers)).toEqual({ ack: "yes" });
  });

  it("escapes comments on every page and stores them as typed", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const path = await replyPath(id, net.staff[0]!.id);
    const evil = `<script>alert("x")</script>&`;
    const confirm = await (await postForm(path, { safety: "safe", comment: evil })).text();
    expect(confirm).not.toContain("<script>");
    expect(confirm).toContain("&lt;script&gt;");
    const done = await (await postForm(path, { safety: "safe", comment: evil, confirm: "1" })).text();
    expect(done).not.toContain("<script>");
    expect((await latest(id, net.staff[0]!.id))!.comment).toBe(evil);
  });

  it("answers 404 for malformed and unknown links", async () => {
    for (const path of ["/r/short", `/r/${"A".repeat(32)}`, `/r/${"%3Cx%3E".repeat(5)}`, `/r/${"A".repeat(33)}`]) {
      const res = await api("GET", path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).toContain("リンクが見つかりません");
      expect((await postForm(path, { safety: "safe", confirm: "1" })).status).toBe(404);
    }
    // A token made for one roll-call does not open another.
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const foreign = await replyToken(env, id + 1000, "other-salt", net.staff[0]!.id);
    expect((await api("GET", `/r/${foreign}`)).status).toBe(404);
  });

  it("refuses a missing answer and an oversized comment with a 400 page naming the field, recording nothing", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const path = await replyPath(id, net.staff[0]!.id);
    const long = await postForm(path, { safety: "safe", comment: "あ".repeat(201), confirm: "1" });
    expect(long.status).toBe(400);
    const longPage = await long.text();
    expect(longPage).toContain("「ひとこと」は200文字以内");
    expect(longPage).toMatch(/value="safe" checked/); // what was typed is kept
    const missing = await postForm(path, { availability: "yes", confirm: "1" });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("「あなたの安否」を選んでください");
    const bogus = await postForm(path, { safety: "fine", confirm: "1" });
    expect(bogus.status).toBe(400);
    expect(await replyCount(id)).toBe(0);
    // 200 characters exactly is fine.
    expect((await postForm(path, { safety: "safe", comment: "あ".repeat(200), confirm: "1" })).status).toBe(200);
  });

  it("says clearly when the roll-call has closed, and records nothing", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const path = await replyPath(id, net.staff[0]!.id);
    await postForm(path, { safety: "safe", confirm: "1" });
    await api("POST", `/api/rollcalls/${id}/close`, { cookie: networkAdmin });
    const page = await api("GET", path);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain("この安否確認は終了しました");
    expect(text).toContain("無事"); // the last answer stays visible
    expect(text).not.toContain("<form");
    const late = await postForm(path, { safety: "severe", confirm: "1" });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain("この安否確認は終了しました");
    expect(await replyCount(id)).toBe(1);
  });
});

describe("the confirm after its page (recorded in one round trip by the isolate that showed the page)", () => {
  it("reads what may have changed in the write's own batch: a new name shows, a close in between refuses", async () => {
    const net = await makeNetwork([{ name: "前田 一郎" }, {}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const path = await replyPath(id, net.staff[0]!.id);
    expect((await api("GET", path)).status).toBe(200);
    expect((await postForm(path, { safety: "safe" })).status).toBe(200); // the confirm page
    await env.DB.prepare("UPDATE people SET name = '前田 一朗' WHERE id = ?1").bind(net.staff[0]!.id).run();
    const done = await postForm(path, { safety: "safe", confirm: "1" });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("前田 一朗");
    expect(JSON.parse((await latest(id, net.staff[0]!.id))!.answers)).toEqual({ safety: "safe" });

    // The other person's page is shown, then the roll-call closes before they confirm.
    const other = await replyPath(id, net.staff[1]!.id);
    expect((await postForm(other, { safety: "minor" })).status).toBe(200);
    await api("POST", `/api/rollcalls/${id}/close`, { cookie: networkAdmin });
    const late = await postForm(other, { safety: "minor", confirm: "1" });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain("この安否確認は終了しました");
    expect(await replyCount(id)).toBe(1);
  });
});

describe("recordReply and findRecipientByToken (used by the SMS webhook)", () => {
  it("finds the recipient by token and records an SMS reply", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const token = (await replyPath(id, net.staff[0]!.id)).slice(3);
    const found = await findRecipientByToken(env, token);
    expect(found).toMatchObject({ recipient: { personId: net.staff[0]!.id, rollcallId: id }, rollcall: { id } });
    expect(await findRecipientByToken(env, "not a token")).toBeNull();
    const reply = await recordReply(env, { rollcallId: id, personId: net.staff[0]!.id, answers: { safety: "safe", availability: "yes" }, via: "sms" });
    expect(reply).toMatchObject({ via: "sms", answers: { safety: "safe", availability: "yes" } });
  });

  it("refuses people who were not asked, and bad answers naming the field", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const stranger = await makePerson({});
    await expect(recordReply(env, { rollcallId: id, personId: stranger.id, answers: { safety: "safe" }, via: "sms" })).rejects.toMatchObject({ status: 404 });
    const err = await recordReply(env, { rollcallId: id, personId: net.staff[0]!.id, answers: { safety: "ok" }, via: "sms" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, field: "safety" });
  });
});

describe("removing an inappropriate comment (§5)", () => {
  it("lets the person's facility admin hide a comment: answers stay, the removal is audited, others are refused", async () => {
    const net = await makeNetwork([{}]);
    const other = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId, other.facilityId] } });
    const person = net.staff[0]!;
    const res = await api("POST", `/api/rollcalls/${id}/replies/${person.id}`, {
      cookie: net.admin.cookie,
      body: { answers: { safety: "safe", availability: "yes" }, comment: "不適切な書き込み" },
    });
    const { replyId } = (await res.json()) as { replyId: number };
    const path = `/api/rollcalls/${id}/replies/${replyId}/comment`;
    // Another facility's admin may not; a reply of another roll-call is not found.
    expect((await api("DELETE", path, { cookie: other.admin.cookie })).status).toBe(403);
    expect((await api("DELETE", `/api/rollcalls/${id + 1000}/replies/${replyId}/comment`, { cookie: net.admin.cookie })).status).toBe(404);
    const before = (await (await api("GET", `/api/rollcalls/${id}/people/${person.id}`, { cookie: net.admin.cookie })).json()) as {
      replies: { comment: string }[];
    };
    expect(before.replies.map((r) => r.comment)).toContain("不適切な書き込み");

    expect((await api("DELETE", path, { cookie: net.admin.cookie })).status).toBe(200);
    const after = (await (await api("GET", `/api/rollcalls/${id}/people/${person.id}`, { cookie: net.admin.cookie })).json()) as {
      replies: { comment: string; answers: { safety: string } }[];
    };
    expect(after.replies.map((r) => r.comment)).not.toContain("不適切な書き込み");
    expect(after.replies[0]!.answers.safety).toBe("safe");
    const audit = await env.DB.prepare("SELECT actor_id, detail FROM audit_log WHERE action = 'reply.comment_removed' AND object_id = ?1")
      .bind(String(replyId))
      .first<{ actor_id: number; detail: string }>();
    expect(audit!.actor_id).toBe(net.admin.id);
    expect(audit!.detail).not.toContain("不適切");
    // Twice is a conflict, and changes nothing.
    expect((await api("DELETE", path, { cookie: net.admin.cookie })).status).toBe(409);
  });
});

describe("proxy replies (代理回答)", () => {
  it("lets the person's facility admin record a reply, marked and audited", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const person = net.staff[0]!;
    const res = await api("POST", `/api/rollcalls/${id}/replies/${person.id}`, {
      cookie: net.admin.cookie,
      body: { answers: { safety: "safe", availability: "no" }, comment: "電話で確認", reachedBy: "phone" },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ via: "proxy", proxyBy: net.admin.id, reachedBy: "phone", answers: { safety: "safe", availability: "no" } });
    expect(await latest(id, person.id)).toMatchObject({ via: "proxy", proxy_by: net.admin.id, proxy_reached: "phone", comment: "電話で確認" });
    const audit = await env.DB.prepare("SELECT actor_id, detail FROM audit_log WHERE action = 'reply.proxy' AND object_id = ?1")
      .bind(String(id))
      .first<{ actor_id: number; detail: string }>();
    expect(audit!.actor_id).toBe(net.admin.id);
    expect(JSON.parse(audit!.detail)).toMatchObject({ personId: person.id, reached: "phone" });
    // The export says how the person was reached.
    const csv = await (await api("GET", `/api/rollcalls/${id}/export.csv`, { cookie: net.admin.cookie })).text();
    expect(csv.split("\r\n")[0]).toContain(",代理回答者,代理回答の連絡方法,");
    expect(csv.split("\r\n").filter((l) => l.includes(",代理回答,") || l.includes(",電話,"))).toHaveLength(1);
    expect(csv).toContain(",電話,");
    // The aggregates count it, and say it was by proxy.
    const detail = (await (await api("GET", `/api/rollcalls/${id}`, { cookie: net.admin.cookie })).json()) as {
      aggregates: { replied: number; byAnswer: { viaProxy: number } };
    };
    expect(detail.aggregates).toMatchObject({ replied: 1, byAnswer: { viaProxy: 1 } });
  });

  it("takes the facility report in the EMIS terms for a facility admin reached by phone; the old fields and values are refused by name", async () => {
    const net = await makeNetwork([]);
    const coAdmin = await makePerson({ facilityId: net.facilityId, role: "admin", password: null });
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const facility = { collapse: "no", medicalGas: "unusable", supplies: "usable", accepting: "yes", casualties: "no", comment: "酸素ボンベ残り2本" };
    const res = await api("POST", `/api/rollcalls/${id}/replies/${coAdmin.id}`, {
      cookie: net.admin.cookie,
      body: { answers: { safety: "safe", facility }, reachedBy: "phone" },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { answers: unknown }).answers).toEqual({ safety: "safe", facility });
    for (const [old, field] of [
      [{ damage: "none" }, "answers.facility"],
      [{ water: "yes" }, "answers.facility.water"],
    ] as const) {
      const bad = await api("POST", `/api/rollcalls/${id}/replies/${coAdmin.id}`, {
        cookie: net.admin.cookie,
        body: { answers: { safety: "safe", facility: old } },
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { field: string } }).error.field).toBe(field);
    }
    expect(await replyCount(id, coAdmin.id)).toBe(1);
  });

  it("refuses another facility's admin, bad answers, unknown people and closed roll-calls", async () => {
    const net = await makeNetwork([{}]);
    const other = await makeNetwork([]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    const person = net.staff[0]!;
    expect((await api("POST", `/api/rollcalls/${id}/replies/${person.id}`, { cookie: other.admin.cookie, body: { answers: { safety: "safe" } } })).status).toBe(
      403,
    );
    const bad = await api("POST", `/api/rollcalls/${id}/replies/${person.id}`, { cookie: net.admin.cookie, body: { answers: { safety: "maybe" } } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe("answers.safety");
    const long = await api("POST", `/api/rollcalls/${id}/replies/${person.id}`, {
      cookie: net.admin.cookie,
      body: { answers: { safety: "safe" }, comment: "x".repeat(201) },
    });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { field: string } }).error.field).toBe("comment");
    const how = await api("POST", `/api/rollcalls/${id}/replies/${person.id}`, {
      cookie: net.admin.cookie,
      body: { answers: { safety: "safe" }, reachedBy: "fax" },
    });
    expect(how.status).toBe(400);
    expect(((await how.json()) as { error: { field: string } }).error.field).toBe("reachedBy");
    expect((await api("POST", `/api/rollcalls/${id}/replies/999999`, { cookie: net.admin.cookie, body: { answers: { safety: "safe" } } })).status).toBe(404);
    await api("POST", `/api/rollcalls/${id}/close`, { cookie: networkAdmin });
    const closed = await api("POST", `/api/rollcalls/${id}/replies/${person.id}`, { cookie: net.admin.cookie, body: { answers: { safety: "safe" } } });
    expect(closed.status).toBe(409);
    expect(await replyCount(id)).toBe(0);
  });
});

describe("reply tokens", () => {
  it("are 32 base64url characters (192 bits), stable per person and roll-call", async () => {
    const a = await replyToken(env, 1, "salt", 2);
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await replyToken(env, 1, "salt", 2)).toBe(a);
    expect(await replyToken(env, 1, "salt", 3)).not.toBe(a);
    expect(await replyToken(env, 1, "other", 2)).not.toBe(a);
    expect(await replyToken({ ...env, REPLY_TOKEN_KEY: "another key" }, 1, "salt", 2)).not.toBe(a);
  });

  it("refuse to run outside local and test without the secret", async () => {
    const err = await replyToken({ APP_ENV: "production", REPLY_TOKEN_KEY: undefined }, 1, "s", 2).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: "not_configured" });
    expect((err as Error).message).toContain("REPLY_TOKEN_KEY");
  });
});
