/**
 * The contact lists people really have (issue 14): a 連絡網 with both 携帯電話 and
 * 電話番号（自宅）, 内線, 備考 and more. The mobile is imported, the home or office number
 * kept as the person's phone for phone checks (never texted), the other columns listed as
 * not imported; the preview shows every row's contacts as they will be stored.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { handleDeliveryBatch } from "../worker/delivery/consumer";
import type { DeliveryMessage } from "../worker/delivery/types";
import { testEnv } from "./fakes/client";
import { deliveriesOf, makeRollcall } from "./fakes/rollcall";
import { adminsWithoutMfa } from "./support/db";
import { makeFacility, signedIn, uniq } from "./support/factories";
import { api } from "./support/http";
import { csvText, sjis, upload, utf8 } from "./support/import";

let admin: { id: number; cookie: string };
let facility: number;
let facilityName: string;
beforeAll(async () => {
  await adminsWithoutMfa();
  facilityName = `貫井北町訪問看護${uniq()}`;
  facility = await makeFacility({ name: facilityName });
  admin = await signedIn({ facilityId: facility, role: "admin" });
});

/** A mobile number no other row (or test) uses, as typed and as stored: 090-76xx-xx00. */
let seq = Math.floor(Math.random() * 9000);
const mobile = () => {
  const n = String(1000 + (++seq % 9000));
  return { typed: `090-76${n.slice(0, 2)}-${n.slice(2)}00`, e164: `+819076${n}00` };
};

const contactsOf = async (name: string) => {
  const { results } = await env.DB.prepare(
    `SELECT c.kind, c.value FROM contacts c JOIN people p ON p.id = c.person_id
     WHERE p.name = ?1 AND c.removed_at IS NULL ORDER BY c.kind, c.value`,
  )
    .bind(name)
    .all<{ kind: string; value: string }>();
  return results.map((r) => `${r.kind}:${r.value}`);
};
const idOf = async (name: string) => (await env.DB.prepare("SELECT id FROM people WHERE name = ?1").bind(name).first<{ id: number }>())!.id;

/** Runs the delivery consumer on these messages, as the queue would. */
async function runQueue(e: Env, bodies: DeliveryMessage[]) {
  const batch = createMessageBatch<DeliveryMessage>(
    "anpi-deliveries",
    bodies.map((body, i) => ({ id: `ic${uniq()}${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  await handleDeliveryBatch(batch, e);
  await getQueueResult(batch, createExecutionContext());
}

describe("a 連絡網 with more columns than the import knows (Shift_JIS, as Excel saves it)", () => {
  it("imports the mobile, keeps the home number as the phone, lists the other columns, and no roll-call texts the phone", async () => {
    const tag = uniq();
    const [a, b, c] = [mobile(), mobile(), mobile()];
    const names = { both: `山﨑 一郎${tag}`, swapped: `髙橋 花子${tag}`, landline: `斎藤 次郎${tag}`, none: `渡邉 三郎${tag}`, stripped: `濱田 四郎${tag}` };
    const text = csvText([
      ["No.", "氏名", "フリガナ", "事業所名", "職種", "携帯電話", "電話番号（自宅）", "内線", "メール", "備考", "生年月日", "住所"],
      ["1", names.both, "やまざき いちろう", facilityName, "看護師", a.typed, "042-381-1234", "101", "", "夜勤あり", "1980/4/1", "小金井市本町1-1"],
      // A mobile in the home column and no mobile: taken as the mobile.
      ["2", names.swapped, "タカハシ ハナコ", facilityName, "看護師", "", b.typed, "", "", "", "", ""],
      // A landline in the mobile column: kept as the phone, with a warning; the email reaches him.
      ["3", names.landline, "サイトウ ジロウ", facilityName, "理学療法士", "０４２－３８１－５６７８", "", "", `saito.${tag}@example.jp`, "", "", ""],
      // Nothing that can take the roll-call: a warning, still imported.
      ["4", names.none, "ワタナベ サブロウ", facilityName, "事務", "", "0423815678", "", "", "", "", ""],
      // Excel dropped the mobile's leading 0; a home cell with no number in it.
      ["5", names.stripped, "ハマダ シロウ", facilityName, "介護職", c.e164.replace("+81", ""), "-", "", "", "", "", ""],
    ]);

    const preview = await upload("preview", sjis(text), admin.cookie);
    expect(preview.status).toBe(200);
    const body = preview.body;
    expect(body.encoding).toBe("Shift_JIS");
    expect(body.ok).toBe(true);
    expect(body.columns).toEqual(["name", "kana", "facility", "job", "mobile", "phone", "email"]);
    expect(body.ignoredColumns).toEqual(["No.", "内線", "備考", "生年月日", "住所"]);
    expect(body.rows.map((r) => [r.name, r.mobile, r.phones, r.email])).toEqual([
      [names.both, a.typed, ["042-381-1234"], null],
      [names.swapped, b.typed, [], null],
      [names.landline, null, ["042-381-5678"], `saito.${tag}@example.jp`],
      [names.none, null, ["042-381-5678"], null],
      [names.stripped, c.typed, [], null],
    ]);
    expect(body.rows.map((r) => r.warnings.map((w) => w.code))).toEqual([[], [], ["landline_in_mobile"], ["no_contact"], []]);
    expect(body.rows[2]!.warnings[0]!.message).toBe(
      "携帯電話の列の 042-381-5678 は携帯電話ではない（SMSが届かない）ため、電話確認用の電話番号として登録します。",
    );
    expect(body.rows[3]!.warnings[0]!.message).toBe("携帯電話もメールアドレスもないため、安否確認を送れません（電話番号は電話確認に使います）。");
    expect(body.counts).toMatchObject({ rows: 5, create: 5, invalid: 0, warned: 2 });

    const commit = await upload("commit", sjis(text), admin.cookie);
    expect(commit.status).toBe(200);
    expect(commit.body.committed).toBe(true);
    expect(await contactsOf(names.both)).toEqual([`mobile:${a.e164}`, "phone:+81423811234"]);
    expect(await contactsOf(names.swapped)).toEqual([`mobile:${b.e164}`]);
    expect(await contactsOf(names.landline)).toEqual([`email:saito.${tag}@example.jp`, "phone:+81423815678"]);
    // One home number shared by two people (a family, an office): each keeps it.
    expect(await contactsOf(names.none)).toEqual(["phone:+81423815678"]);
    expect(await contactsOf(names.stripped)).toEqual([`mobile:${c.e164}`]);

    // A roll-call to all five on every channel: SMS and email go out; a phone is never texted.
    const people = await Promise.all(Object.values(names).map(idOf));
    const rc = await makeRollcall({ people: people.map((id) => ({ id, facilityId: facility })) });
    const e = testEnv();
    await runQueue(e, [
      {
        type: "plan",
        rollcallId: rc.id,
        wave: 1,
        channels: ["push", "sms", "email"],
        onlyUnreplied: false,
        fallback: true,
        audience: "recipients",
        afterPersonId: 0,
      },
    ]);
    await runQueue(e, e.queue.take());
    const deliveries = await deliveriesOf(rc.id);
    const sorted = (xs: (string | number)[][]) => xs.map((x) => x.join(":")).sort();
    expect(sorted(deliveries.map((d) => [d.person_id, d.channel]))).toEqual(
      sorted([
        [people[0]!, "sms"],
        [people[1]!, "sms"],
        [people[2]!, "email"],
        [people[4]!, "sms"],
      ]),
    );
    expect(deliveries.every((d) => d.state === "delivered")).toBe(true);
    const { results: phones } = await env.DB.prepare("SELECT id FROM contacts WHERE kind = 'phone'").all<{ id: number }>();
    expect(deliveries.filter((d) => d.channel !== "push" && phones.some((p) => p.id === d.address_id))).toEqual([]);
    const { results: box } = await env.DB.prepare("SELECT channel, recipient FROM outbox WHERE rollcall_id = ?1")
      .bind(rc.id)
      .all<{ channel: string; recipient: string }>();
    expect(box.map((o) => o.channel).sort()).toEqual(["email", "sms", "sms", "sms"]);
    expect(box.map((o) => o.recipient).join(" ")).not.toContain(names.none);
  });

  it("updates the phone from the file, as the list of record, and never refuses the file for its extra columns", async () => {
    const tag = uniq();
    const m = mobile();
    const name = `桜井 五郎${tag}`;
    const header = ["氏名", "事業所名", "携帯電話", "電話番号（自宅）", "電話番号（事業所）", "FAX", "メモ"];
    const first = await upload("commit", utf8(csvText([header, [name, facilityName, m.typed, "042-381-0001", "", "042-381-0009", "a"]])), admin.cookie);
    expect(first.status).toBe(200);
    expect(first.body.ignoredColumns).toEqual(["FAX", "メモ"]);
    expect(await contactsOf(name)).toEqual([`mobile:${m.e164}`, "phone:+81423810001"]);

    const again = await upload("preview", utf8(csvText([header, [name, facilityName, m.typed, "042-381-0001", "", "", ""]])), admin.cookie);
    expect(again.body.rows[0]).toMatchObject({ action: "unchanged", changes: [] });

    const moved = await upload("commit", utf8(csvText([header, [name, facilityName, m.typed, "042-381-0002", "042-381-0003", "", ""]])), admin.cookie);
    expect(moved.body.rows[0]).toMatchObject({ action: "update", changes: ["phone"], phones: ["042-381-0002", "042-381-0003"] });
    expect(await contactsOf(name)).toEqual([`mobile:${m.e164}`, "phone:+81423810002", "phone:+81423810003"]);
  });

  it("refuses an unreadable number in a phone column as a row problem, and a foreign mobile as before", async () => {
    const tag = uniq();
    const text = csvText([
      ["氏名", "事業所名", "携帯電話", "自宅電話", "メールアドレス"],
      [`電話 一${tag}`, facilityName, "", "12345", `t1.${tag}@example.jp`],
      [`電話 二${tag}`, facilityName, "+84 90 123 45 67", "", `t2.${tag}@example.jp`],
    ]);
    const { body } = await upload("preview", utf8(text), admin.cookie);
    expect(body.rows.map((r) => r.problems.map((p) => `${p.field}:${p.code}`))).toEqual([["phone:bad_phone"], ["mobile:bad_phone"]]);
    expect(body.rows[0]!.problems[0]!.message).toBe("電話番号: 電話番号の形が正しくありません。");
  });
});

/** Digits as a Japanese input method types them: ０９０. */
const full = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));

describe("the preview shows what will be stored", () => {
  it("normalises full-width numbers, the zero Excel stripped, spaces and dash variants, and upper-case email", async () => {
    const tag = uniq();
    const base = mobile().e164.slice(3, 9); // 9076xx
    const forms = [
      [full(`0${base.slice(0, 2)}－${base.slice(2)}－0001`), `0${base.slice(0, 2)}-${base.slice(2)}-0001`],
      [`${base}0002`, `0${base.slice(0, 2)}-${base.slice(2)}-0002`],
      [`0${base.slice(0, 2)} ${base.slice(2)} 0003`, `0${base.slice(0, 2)}-${base.slice(2)}-0003`],
      [`0${base.slice(0, 2)}ー${base.slice(2)}ー0004`, `0${base.slice(0, 2)}-${base.slice(2)}-0004`],
      [`+81 ${base.slice(0, 2)} ${base.slice(2)} 0005`, `0${base.slice(0, 2)}-${base.slice(2)}-0005`],
    ];
    const text = csvText([
      ["氏名", "事業所名", "携帯電話", "電話", "メールアドレス"],
      ...forms.map(([typed], i) => [`正規 ${i}${tag}`, facilityName, typed!, i === 1 ? "３１２３４５６７８" : "", `Ｓｅｉｋｉ.${i}.${tag}@Example.JP`]),
    ]);
    const { status, body } = await upload("preview", utf8(text), admin.cookie);
    expect(status).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.rows.map((r) => r.mobile)).toEqual(forms.map(([, shown]) => shown));
    expect(body.rows[1]!.phones).toEqual(["03-1234-5678"]);
    expect(body.rows.map((r) => r.email)).toEqual(forms.map((_, i) => `seiki.${i}.${tag}@example.jp`));
  });

  it("warns of a row with no way to reach the person, and still imports it; someone already reachable gets no warning", async () => {
    const tag = uniq();
    const m = mobile();
    const name = `連絡 無${tag}`;
    const known = `連絡 有${tag}`;
    await upload(
      "commit",
      utf8(
        csvText([
          ["氏名", "事業所名", "携帯電話"],
          [known, facilityName, m.typed],
        ]),
      ),
      admin.cookie,
    );
    const text = csvText([
      ["氏名", "事業所名", "職種", "携帯電話", "メールアドレス"],
      [name, facilityName, "看護師", "", ""],
      [known, facilityName, "看護師", "", ""],
    ]);
    const preview = await upload("preview", utf8(text), admin.cookie);
    expect(preview.body.ok).toBe(true);
    expect(preview.body.rows.map((r) => r.warnings.map((w) => `${w.field}:${w.code}`))).toEqual([["email:no_contact"], []]);
    expect(preview.body.rows[0]!.warnings[0]!.message).toBe("携帯電話もメールアドレスもないため、安否確認を送れません。");
    const commit = await upload("commit", utf8(text), admin.cookie);
    expect(commit.status).toBe(200);
    expect(commit.body.counts).toMatchObject({ create: 1, update: 1, warned: 1 });
    expect(await contactsOf(name)).toEqual([]);
  });
});

describe("a phone is for phone checks only", () => {
  it("the person's own channels and verification leave it out; the directory shows it to their admin", async () => {
    const tag = uniq();
    const me = await signedIn({ facilityId: facility, name: `本人 六${tag}` });
    // The 連絡網 matches the person by their mobile and adds their home number.
    const file = csvText([
      ["氏名", "事業所名", "携帯電話", "自宅電話"],
      [`本人 六${tag}`, facilityName, me.mobile!, "042-381-0100"],
    ]);
    const commit = await upload("commit", utf8(file), admin.cookie);
    expect(commit.body.rows[0]).toMatchObject({ action: "update", changes: ["phone"] });
    const person = (await (await api("GET", `/api/people/${me.id}`, { cookie: admin.cookie })).json()) as { mobile: string; phones: string[] };
    expect(person).toMatchObject({ mobile: me.mobile, phones: ["+81423810100"] });

    const profile = (await (await api("GET", "/api/me", { cookie: me.cookie })).json()) as { channels: { kind: string }[] };
    expect(profile.channels.map((c) => c.kind).sort()).toEqual(["email", "mobile"]);
    const phone = await env.DB.prepare("SELECT id FROM contacts WHERE person_id = ?1 AND kind = 'phone'").bind(me.id).first<{ id: number }>();
    // No verification SMS to a phone: it is not one of the person's channels.
    const res = await api("POST", `/api/me/contacts/${phone!.id}/verify`, { cookie: me.cookie });
    expect(res.status).toBe(404);
  });
});
