import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { PAGE_SIZE, planPage } from "../worker/delivery/plan";
import { clock } from "../worker/lib/clock";
import { recordReply } from "../worker/reply/service";
import { replyToken, tokenHash } from "../worker/reply/token";
import { getRollcall } from "../worker/rollcall/data";
import { startRollcall } from "../worker/rollcall/service";
import { addPush, adminsWithoutMfa } from "./support/db";
import { EMIS_CHOICES } from "./support/facility-report";
import { draft, makeFacility, makeNetwork, makePerson, openRollcall, signedIn } from "./support/factories";
import { api } from "./support/http";

let networkAdmin: string;
let viewer: string;
beforeAll(async () => {
  await adminsWithoutMfa();
  networkAdmin = (await signedIn({ globalRole: "network_admin" })).cookie;
  viewer = (await signedIn({ globalRole: "viewer" })).cookie;
});

const count = async (sql: string, ...binds: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>())!.n;

describe("draft and preview", () => {
  it("counts recipients per channel, the first wave with its SMS fallback, and who cannot be reached", async () => {
    const net = await makeNetwork([
      { name: "両方 一郎" }, // email + mobile
      { name: "携帯 次郎", email: null }, // mobile only: SMS fallback in wave 1
      { name: "連絡先なし 三郎", email: null, mobile: null },
      { name: "プッシュ 四郎", mobile: null }, // push + email
      { name: "Emily English", lang: "en", mobile: null },
    ]);
    await addPush(net.staff[3]!.id);
    const d = await draft(networkAdmin, { scope: { facilityIds: [net.facilityId] } });
    // The facility admin is in scope too (email + mobile).
    expect(d.rollcall.state).toBe("draft");
    expect(d.preview.recipients).toBe(6);
    expect(d.preview.byChannel).toEqual({ push: 1, email: 4, sms: 3 });
    expect(d.preview.firstWave).toEqual({ push: 1, email: 4, sms: 1 });
    expect(d.preview.unreachable).toBe(1);
    expect(d.preview.unreachablePeople.map((p) => p.name)).toEqual(["連絡先なし 三郎"]);
    expect(d.preview.byLang).toEqual({ ja: 5, en: 1 });

    // Every message as sent, in both languages, each with 【訓練】; the SMS with its segment count.
    const kinds = d.preview.messages.map((m) => `${m.audience}:${m.channel}:${m.lang}`);
    for (const k of ["recipients:push:ja", "recipients:email:ja", "recipients:sms:ja", "recipients:sms:en", "facility_admins:email:ja"])
      expect(kinds).toContain(k);
    for (const m of d.preview.messages) {
      expect(m.text).toContain("【訓練】");
      if (m.subject !== undefined) expect(m.subject).toContain("【訓練】");
    }
    const smsJa = d.preview.messages.find((m) => m.channel === "sms" && m.lang === "ja" && m.audience === "recipients")!;
    // The sender and the title come before the link (not taken for phishing): two segments at most.
    expect(smsJa.sms).toMatchObject({ encoding: "UCS-2" });
    expect(smsJa.sms!.segments).toBeLessThanOrEqual(2);
    expect(smsJa.text).toMatch(/https:\/\/anpi\.example\.org\/r\/[A-Za-z0-9_-]{32}$/);
    const emailEn = d.preview.messages.find((m) => m.channel === "email" && m.lang === "en" && m.audience === "recipients")!;
    expect(emailEn.text).toContain("Emily English");

    // Nothing is sent or snapshotted before the confirm.
    expect(await count("SELECT COUNT(*) AS n FROM rollcall_recipients WHERE rollcall_id = ?1", d.rollcall.id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM deliveries WHERE rollcall_id = ?1", d.rollcall.id)).toBe(0);
  });

  it("says 【訓練】 once, at the start, when the title already carries it", async () => {
    const net = await makeNetwork([{}]);
    const d = await draft(networkAdmin, { scope: { facilityIds: [net.facilityId] }, title: "【訓練】地震 12月2日" });
    for (const m of d.preview.messages) {
      for (const text of [m.text, ...(m.subject !== undefined ? [m.subject] : [])]) {
        expect(text.split("【訓練】").length - 1, `${m.channel}:${m.lang}: ${text}`).toBeLessThanOrEqual(1);
        if (m.lang === "ja" && text.includes("【訓練】")) expect(text.trimStart().startsWith("【訓練】"), text).toBe(true);
      }
    }
    const push = d.preview.messages.find((m) => m.channel === "push" && m.lang === "ja")!;
    expect(push.text).toContain("【訓練】安否確認：地震 12月2日");
  });

  it("names the network (the networkName setting) and the title before the link, and prices the SMS", async () => {
    const net = await makeNetwork([{}]);
    expect((await api("PATCH", "/api/settings", { cookie: networkAdmin, body: { networkName: "小金井市医師会", smsYenPerSegment: 12 } })).status).toBe(200);
    try {
      const d = await draft(networkAdmin, { scope: { facilityIds: [net.facilityId] }, title: "震度6弱 小金井市", drill: false });
      const sms = d.preview.messages.find((m) => m.channel === "sms" && m.lang === "ja" && m.audience === "recipients")!;
      const link = sms.text.slice(sms.text.indexOf("https://"));
      expect(link).toMatch(/^https:\/\/\S+$/);
      expect(sms.text.startsWith("小金井市医師会：震度6弱 小金井市")).toBe(true);
      const push = d.preview.messages.find((m) => m.channel === "push" && m.lang === "ja")!;
      expect(push.subject ?? push.text).toContain("小金井市医師会");
      expect((d.preview as { smsYenPerSegment?: number }).smsYenPerSegment).toBe(12);
    } finally {
      await api("PATCH", "/api/settings", { cookie: networkAdmin, body: { networkName: "", smsYenPerSegment: 10 } });
    }
  });

  it("leaves 【訓練】 out of a real roll-call", async () => {
    const net = await makeNetwork([{}]);
    const d = await draft(networkAdmin, { scope: { facilityIds: [net.facilityId] }, drill: false });
    for (const m of d.preview.messages) expect(m.text).not.toContain("訓練");
  });

  it("lets facility admins and delegates address only their own facility", async () => {
    const net = await makeNetwork([{}]);
    const other = await makeFacility();
    const delegate = await signedIn({ facilityId: net.facilityId, role: "delegate" });
    expect(
      (
        await api("POST", "/api/rollcalls", {
          cookie: net.admin.cookie,
          body: { title: "t", template: "safety", drill: true, scope: { facilityIds: [net.facilityId] } },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api("POST", "/api/rollcalls", {
          cookie: delegate.cookie,
          body: { title: "t", template: "safety", drill: true, scope: { facilityIds: [net.facilityId] } },
        })
      ).status,
    ).toBe(201);
    for (const scope of [{ facilityIds: [other] }, { facilityIds: [net.facilityId, other] }, { all: true }, { facilityTypes: ["clinic"] }]) {
      const res = await api("POST", "/api/rollcalls", { cookie: net.admin.cookie, body: { title: "t", template: "safety", drill: true, scope } });
      expect(res.status, JSON.stringify(scope)).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    }
    const staff = await signedIn({ facilityId: net.facilityId, role: "staff" });
    const refused = await api("POST", "/api/rollcalls", {
      cookie: staff.cookie,
      body: { title: "t", template: "safety", drill: true, scope: { facilityIds: [net.facilityId] } },
    });
    expect(refused.status).toBe(403);
  });

  it("refuses bad input naming the field, and creates nothing", async () => {
    const net = await makeNetwork([{}]);
    const before = await count("SELECT COUNT(*) AS n FROM rollcalls");
    const cases: [unknown, string][] = [
      [{ title: "t", template: "safety", drill: true, scope: { facilityIds: [] } }, "scope.facilityIds"],
      [{ title: "t", template: "no-such-template", drill: true, scope: { facilityIds: [net.facilityId] } }, "template"],
      [{ title: "t", template: "db:999999", drill: true, scope: { facilityIds: [net.facilityId] } }, "template"],
      [{ title: "t", template: "safety", drill: true, scope: { facilityIds: [999999] } }, "scope.facilityIds"],
      [{ title: "t", template: "safety", drill: true, scope: { all: true, facilityIds: [net.facilityId] } }, "scope"],
      [{ title: "t", template: "safety", drill: true, scope: {} }, "scope"],
      [{ title: "", template: "safety", drill: true, scope: { all: true } }, "title"],
      [{ title: "t", template: "safety", scope: { all: true } }, "drill"],
    ];
    for (const [body, field] of cases) {
      const res = await api("POST", "/api/rollcalls", { cookie: networkAdmin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field, JSON.stringify(body)).toBe(field);
    }
    expect(await count("SELECT COUNT(*) AS n FROM rollcalls")).toBe(before);
  });

  it("addresses facility types and groups", async () => {
    const hospital = await makeFacility({ type: "hospital" });
    const nurse = await makePerson({ facilityId: hospital, role: "staff" });
    const byType = await draft(networkAdmin, { scope: { facilityTypes: ["hospital"] } });
    expect(byType.preview.recipients).toBeGreaterThanOrEqual(1);
    const group = await env.DB.prepare("INSERT INTO groups (kind, name, created_at) VALUES ('custom', '災害対策', 0) RETURNING id").first<{ id: number }>();
    const outsider = await makePerson({}); // an invitee without a membership in the network
    await env.DB.batch([
      env.DB.prepare("INSERT INTO group_members (group_id, person_id, created_at) VALUES (?1, ?2, 0)").bind(group!.id, nurse.id),
      env.DB.prepare("INSERT INTO group_members (group_id, person_id, created_at) VALUES (?1, ?2, 0)").bind(group!.id, outsider.id),
    ]);
    const byGroup = await draft(networkAdmin, { scope: { groupIds: [group!.id] } });
    expect(byGroup.preview.recipients).toBe(2);
  });
});

describe("confirm (確定操作)", () => {
  it("snapshots the recipients with hashed tokens, opens the roll-call, and refuses a second confirm", async () => {
    const net = await makeNetwork([{}, {}]);
    const d = await draft(net.admin.cookie, { scope: { facilityIds: [net.facilityId] } });
    const res = await api("POST", `/api/rollcalls/${d.rollcall.id}/confirm`, { cookie: net.admin.cookie });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { state: string }).state).toBe("open");
    const { results } = await env.DB.prepare(
      "SELECT person_id, facility_id, is_facility_admin, token_hash FROM rollcall_recipients WHERE rollcall_id = ?1 ORDER BY person_id",
    )
      .bind(d.rollcall.id)
      .all<{ person_id: number; facility_id: number; is_facility_admin: number; token_hash: string }>();
    expect(results.map((r) => r.person_id)).toEqual([net.admin.id, ...net.staff.map((s) => s.id)].sort((a, b) => a - b));
    expect(results.every((r) => r.facility_id === net.facilityId)).toBe(true);
    expect(results.find((r) => r.person_id === net.admin.id)!.is_facility_admin).toBe(1);
    // The hashes are stored by the plan page that produces the links (the snapshot leaves them NULL).
    expect(
      (
        await planPage(env, {
          type: "plan",
          rollcallId: d.rollcall.id,
          wave: 1,
          channels: ["email"],
          onlyUnreplied: false,
          fallback: true,
          audience: "recipients",
          afterPersonId: 0,
        })
      ).people,
    ).toBe(3);
    const salt = (await env.DB.prepare("SELECT salt FROM rollcalls WHERE id = ?1").bind(d.rollcall.id).first<{ salt: string }>())!.salt;
    const hashes = await env.DB.prepare("SELECT person_id, token_hash FROM rollcall_recipients WHERE rollcall_id = ?1")
      .bind(d.rollcall.id)
      .all<{ person_id: number; token_hash: string }>();
    expect(hashes.results).toHaveLength(3);
    for (const r of hashes.results) expect(r.token_hash).toBe(await tokenHash(await replyToken(env, d.rollcall.id, salt, r.person_id)));
    expect(await count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'rollcall.confirmed' AND object_id = ?1", String(d.rollcall.id))).toBe(1);

    const again = await api("POST", `/api/rollcalls/${d.rollcall.id}/confirm`, { cookie: net.admin.cookie });
    expect(again.status).toBe(409);
    expect(await count("SELECT COUNT(*) AS n FROM rollcall_recipients WHERE rollcall_id = ?1", d.rollcall.id)).toBe(3);
  });

  it("lets only the owning facility's admins (or network admins) confirm", async () => {
    const net = await makeNetwork([{}]);
    const other = await makeNetwork([{}]);
    const d = await draft(net.admin.cookie, { scope: { facilityIds: [net.facilityId] } });
    expect((await api("POST", `/api/rollcalls/${d.rollcall.id}/confirm`, { cookie: other.admin.cookie })).status).toBe(403);
    expect((await api("POST", `/api/rollcalls/999999/confirm`, { cookie: networkAdmin })).status).toBe(404);
    expect((await api("POST", `/api/rollcalls/${d.rollcall.id}/confirm`, { cookie: networkAdmin })).status).toBe(200);
  });

  it("refuses to confirm a closed or withdrawn roll-call, changing nothing", async () => {
    const net = await makeNetwork([{}]);
    const d = await draft(net.admin.cookie, { scope: { facilityIds: [net.facilityId] } });
    expect((await api("POST", `/api/rollcalls/${d.rollcall.id}/close`, { cookie: net.admin.cookie })).status).toBe(200);
    const res = await api("POST", `/api/rollcalls/${d.rollcall.id}/confirm`, { cookie: net.admin.cookie });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe("state");
    expect(await count("SELECT COUNT(*) AS n FROM rollcall_recipients WHERE rollcall_id = ?1", d.rollcall.id)).toBe(0);

    const id = await openRollcall(net.admin.cookie, { scope: { facilityIds: [net.facilityId] } });
    expect((await api("POST", `/api/rollcalls/${id}/close`, { cookie: net.admin.cookie })).status).toBe(200);
    expect((await api("POST", `/api/rollcalls/${id}/confirm`, { cookie: net.admin.cookie })).status).toBe(409);
    expect((await api("POST", `/api/rollcalls/${id}/close`, { cookie: net.admin.cookie })).status).toBe(409);
  });

  it("snapshots 3,000 people in one statement and fills their token hashes page by page as wave 1 is planned", async () => {
    const facility = await makeFacility({ type: "home_care" });
    const now = clock.now();
    const N = 3000;
    // 3,000 people straight into D1 (the API path would take minutes).
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
       INSERT INTO people (name, kana, lang, created_at, updated_at) SELECT '大量 ' || i, 'タイリョウ ' || ?2, 'ja', ?1, ?1 FROM n`,
    )
      .bind(now, String(facility))
      .run();
    await env.DB.prepare("INSERT INTO memberships (person_id, facility_id, role, created_at) SELECT id, ?1, 'staff', ?2 FROM people WHERE kana = ?3")
      .bind(facility, now, `タイリョウ ${facility}`)
      .run();
    const d = await draft(networkAdmin, { scope: { facilityIds: [facility] } });
    expect(d.preview.recipients).toBe(N);

    // Every statement the confirm prepares, counted: D1 allows 1,000 queries an invocation.
    const statements: string[] = [];
    const db = new Proxy(env.DB, {
      get(target, key) {
        if (key === "prepare")
          return (sql: string) => {
            statements.push(sql);
            return target.prepare(sql);
          };
        const v = Reflect.get(target, key) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const rc = (await getRollcall(env.DB, d.rollcall.id))!;
    expect((await startRollcall({ ...env, DB: db }, rc, null)).state).toBe("open");
    expect(statements.filter((sql) => sql.includes("INSERT INTO rollcall_recipients"))).toHaveLength(1);
    expect(statements.length).toBeLessThanOrEqual(6);
    expect(
      await count("SELECT COUNT(*) AS n FROM rollcall_recipients WHERE rollcall_id = ?1 AND facility_id = ?2 AND is_facility_admin = 0", rc.id, facility),
    ).toBe(N);

    // Wave 1, page by page (200 people each), as the delivery queue runs it.
    let after = 0;
    let pages = 0;
    for (;;) {
      const r = await planPage(env, {
        type: "plan",
        rollcallId: rc.id,
        wave: 1,
        channels: ["email"],
        onlyUnreplied: false,
        fallback: true,
        audience: "recipients",
        afterPersonId: after,
      });
      if (r.people > 0) pages += 1;
      if (r.nextAfter === null) break;
      after = r.nextAfter;
    }
    expect(pages).toBe(Math.ceil(N / PAGE_SIZE));
    expect(await count("SELECT COUNT(*) AS n FROM rollcall_recipients WHERE rollcall_id = ?1 AND token_hash IS NULL", rc.id)).toBe(0);
    expect(await count("SELECT COUNT(DISTINCT token_hash) AS n FROM rollcall_recipients WHERE rollcall_id = ?1", rc.id)).toBe(N);
    const { results } = await env.DB.prepare("SELECT person_id FROM rollcall_recipients WHERE rollcall_id = ?1 ORDER BY person_id")
      .bind(rc.id)
      .all<{ person_id: number }>();
    for (const personId of [results[0]!.person_id, results[N >> 1]!.person_id, results[N - 1]!.person_id]) {
      const res = await api("GET", `/r/${await replyToken(env, rc.id, rc.salt, personId)}`);
      expect(res.status, `person ${personId}`).toBe(200);
    }
  });
});

describe("state, aggregates, close and export", () => {
  it("counts replies by answer, facility type and facility, pages non-responders, and shows no contact details to the city", async () => {
    const net = await makeNetwork([{ name: "回答 一" }, { name: "回答 二" }, { name: "未回答 三" }, { name: "未回答 四" }]);
    const id = await openRollcall(net.admin.cookie, { scope: { facilityIds: [net.facilityId] } });
    const [a, b, c] = net.staff;
    await recordReply(env, { rollcallId: id, personId: a!.id, answers: { safety: "safe", availability: "yes" }, via: "link" });
    await recordReply(env, { rollcallId: id, personId: b!.id, answers: { safety: "minor", availability: "conditional", arrival: "30分後" }, via: "sms" });
    // A changed answer counts once, as its latest version.
    await recordReply(env, { rollcallId: id, personId: b!.id, answers: { safety: "severe", availability: "no" }, via: "link" });
    await recordReply(env, {
      rollcallId: id,
      personId: net.admin.id,
      answers: {
        safety: "safe",
        availability: "yes",
        facility: { collapse: "no", electricity: "unusable", water: "usable", accepting: "no", comment: "断水に備え中" },
      },
      via: "link",
    });

    const res = await api("GET", `/api/rollcalls/${id}?limit=1`, { cookie: viewer });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const p of [...net.staff, net.admin]) {
      expect(text).not.toContain(p.email!);
      expect(text).not.toContain(p.mobile!);
    }
    const { rollcall, aggregates: agg } = JSON.parse(text) as {
      rollcall: { state: string; drill: boolean };
      aggregates: {
        recipients: number;
        replied: number;
        byAnswer: { safety: Record<string, number>; availability: Record<string, number>; facility: Record<string, Record<string, number>> };
        byFacilityType: { type: string; recipients: number; replied: number }[];
        byFacility: { facilityId: number; recipients: number; replied: number; safety: Record<string, number>; report: Record<string, string> | null }[];
        nonResponders: { items: { personId: number; name: string }[]; nextAfter: number | null };
        delivery: Record<string, Record<string, number>>;
      };
    };
    expect(rollcall).toMatchObject({ state: "open", drill: true });
    expect(agg.recipients).toBe(5);
    expect(agg.replied).toBe(3);
    expect(agg.byAnswer.safety).toEqual({ safe: 2, minor: 0, severe: 1 });
    expect(agg.byAnswer.availability).toEqual({ yes: 2, conditional: 0, no: 1 });
    expect(agg.byAnswer.facility.collapse).toEqual({ yes: 0, no: 1 });
    expect(agg.byAnswer.facility.electricity).toEqual({ usable: 0, unusable: 1 });
    expect(agg.byAnswer.facility.staffing).toEqual({ enough: 0, short: 0 });
    expect(Object.keys(agg.byAnswer.facility)).toEqual(EMIS_CHOICES);
    expect(agg.byFacilityType).toEqual([{ type: "clinic", recipients: 5, replied: 3 }]);
    expect(agg.byFacility[0]).toMatchObject({
      facilityId: net.facilityId,
      recipients: 5,
      replied: 3,
      report: {
        collapse: "no",
        electricity: "unusable",
        water: "usable",
        medicalGas: null,
        supplies: null,
        manyPatients: null,
        staffing: null,
        accepting: "no",
        casualties: null,
        comment: "断水に備え中",
      },
    });
    expect(Object.keys(agg.delivery).sort()).toEqual(["email", "push", "sms"]);
    // Non-responders, one page at a time.
    expect(agg.nonResponders.items).toEqual([{ personId: c!.id, name: "未回答 三", facilityId: net.facilityId, facility: expect.any(String) }]);
    const next = (await (await api("GET", `/api/rollcalls/${id}?limit=1&after=${agg.nonResponders.nextAfter}`, { cookie: viewer })).json()) as {
      aggregates: { nonResponders: { items: { name: string }[]; nextAfter: number | null } };
    };
    expect(next.aggregates.nonResponders.items.map((i) => i.name)).toEqual(["未回答 四"]);
    expect(next.aggregates.nonResponders.nextAfter).toBeNull();
  });

  it("keeps drills apart in the list and shows each roll-call's counts", async () => {
    const net = await makeNetwork([{}]);
    const drillId = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] }, drill: true });
    const realId = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] }, drill: false });
    await recordReply(env, { rollcallId: drillId, personId: net.staff[0]!.id, answers: { safety: "safe" }, via: "link" });
    const drills = (await (await api("GET", "/api/rollcalls?drill=true", { cookie: networkAdmin })).json()) as {
      items: { id: number; drill: boolean; recipients: number; replied: number }[];
    };
    const real = (await (await api("GET", "/api/rollcalls?drill=false", { cookie: networkAdmin })).json()) as typeof drills;
    expect(drills.items.every((i) => i.drill)).toBe(true);
    expect(real.items.every((i) => !i.drill)).toBe(true);
    expect(drills.items.find((i) => i.id === drillId)).toMatchObject({ recipients: 2, replied: 1 });
    expect(real.items.find((i) => i.id === realId)).toMatchObject({ recipients: 2, replied: 0 });
    // A facility admin elsewhere does not see this facility's roll-calls.
    const other = await makeNetwork([]);
    const theirs = (await (await api("GET", "/api/rollcalls", { cookie: other.admin.cookie })).json()) as typeof drills;
    expect(theirs.items.map((i) => i.id)).not.toContain(drillId);
    expect((await api("GET", `/api/rollcalls/${drillId}`, { cookie: other.admin.cookie })).status).toBe(403);
  });

  it("closes: replies stop, and the close is audited", async () => {
    const net = await makeNetwork([{}]);
    const id = await openRollcall(net.admin.cookie, { scope: { facilityIds: [net.facilityId] } });
    const res = await api("POST", `/api/rollcalls/${id}/close`, { cookie: net.admin.cookie });
    expect(res.status).toBe(200);
    expect((await res.json()) as { state: string; closedAt: string | null }).toMatchObject({ state: "closed", closedAt: expect.any(String) });
    await expect(recordReply(env, { rollcallId: id, personId: net.staff[0]!.id, answers: { safety: "safe" }, via: "link" })).rejects.toMatchObject({
      status: 409,
      code: "closed",
    });
    expect(await count("SELECT COUNT(*) AS n FROM replies WHERE rollcall_id = ?1", id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'rollcall.closed' AND object_id = ?1", String(id))).toBe(1);
  });

  it("exports CSV with a BOM and CRLF, contacts for admins only, audited", async () => {
    const net = await makeNetwork([{ name: "山田 花子" }, { name: '=HYPERLINK("x")' }]);
    const id = await openRollcall(net.admin.cookie, { scope: { facilityIds: [net.facilityId] } });
    await recordReply(env, {
      rollcallId: id,
      personId: net.staff[0]!.id,
      answers: { safety: "minor", availability: "conditional", arrival: "14時" },
      comment: '足を怪我, "少し"',
      via: "link",
    });

    const res = await api("GET", `/api/rollcalls/${id}/export.csv`, { cookie: net.admin.cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toContain(`rollcall-${id}-drill.csv`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = new TextDecoder().decode(bytes.slice(3));
    const lines = csv.split("\r\n");
    expect(lines.at(-1)).toBe("");
    expect(csv.replace(/\r\n/g, "")).not.toContain("\n"); // every line break is CRLF
    expect(lines[0]).toBe(
      "種別,件名,開始日時,施設,施設種別,氏名,ふりがな,職種,管理者,回答,安否,出勤可否,到着見込み,確認,倒壊・倒壊の恐れ,電気,水,医療ガス,医薬品・衛生資器材,多数の患者受診,職員の状況,患者・利用者の受け入れ,人的被害,施設のコメント,コメント,回答方法,代理回答者,代理回答の連絡方法,最初の回答日時,最新の回答日時,携帯電話,メール",
    );
    // Every row names the roll-call: 種別, title, and the start in Japan's time.
    for (const l of lines.slice(1, -1)) expect(l).toMatch(/^訓練,地震 安否確認,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},/);
    expect(lines.length).toBe(1 + 3 + 1);
    const hanako = lines.find((l) => l.includes("山田 花子"))!;
    expect(hanako).toContain(",軽傷,条件付きで可能,14時,");
    expect(hanako).toContain(`,"足を怪我, ""少し""",リンク,`);
    // The mobile as people write it (090-1234-5678), with no apostrophe: it cannot start a formula.
    const national = `0${net.staff[0]!.mobile!.slice(3)}`.replace(/^(\d{3})(\d{4})(\d{4})$/, "$1-$2-$3");
    expect(national).toMatch(/^0[789]0-\d{4}-\d{4}$/);
    expect(hanako).toContain(`,${national},`);
    expect(hanako).not.toContain("'0");
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`); // a name cannot run as a formula

    const cityCsv = await (await api("GET", `/api/rollcalls/${id}/export.csv`, { cookie: viewer })).text();
    expect(cityCsv.split("\r\n")[0]).not.toContain("携帯電話");
    for (const p of net.staff) {
      expect(cityCsv).not.toContain(p.email!);
      expect(cityCsv).not.toContain(p.mobile!);
      expect(cityCsv).not.toContain(p.mobile!.slice(-8));
    }
    const audits = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'rollcall.exported' AND object_id = ?1 ORDER BY id")
      .bind(String(id))
      .all<{ detail: string }>();
    expect(audits.results.map((r) => JSON.parse(r.detail))).toEqual([
      { rows: 3, contacts: true },
      { rows: 3, contacts: false },
    ]);
  });
});

describe("the facility sheet (facilities.csv)", () => {
  it("has one row per facility in the EMIS order with the board's words, its reporter and counts; the reader's part only; the phone for admins only", async () => {
    const clinic = await makeNetwork([{}, {}]);
    const home = await makeFacility({ type: "home_care", name: "ひまわり訪問介護", district: "東町" });
    const homeAdmin = await signedIn({ facilityId: home, role: "admin", name: "介護 管理者" });
    await env.DB.prepare("UPDATE facilities SET phone = '+81421234567' WHERE id = ?1").bind(clinic.facilityId).run();
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [clinic.facilityId, home] } });
    await recordReply(env, {
      rollcallId: id,
      personId: clinic.admin.id,
      answers: {
        safety: "safe",
        facility: {
          collapse: "no",
          electricity: "unusable",
          water: "usable",
          medicalGas: "usable",
          staffing: "short",
          accepting: "yes",
          comment: "=自家発電で対応",
        },
      },
      via: "link",
    });
    await recordReply(env, { rollcallId: id, personId: clinic.staff[0]!.id, answers: { safety: "minor" }, via: "link" });
    await recordReply(env, {
      rollcallId: id,
      personId: homeAdmin.id,
      answers: { safety: "safe", facility: { collapse: "yes", casualties: "yes" } },
      via: "link",
    });

    const res = await api("GET", `/api/rollcalls/${id}/facilities.csv`, { cookie: networkAdmin });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toContain(`rollcall-${id}-drill-facilities.csv`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).split("\r\n");
    expect(lines[0]).toBe(
      "事業所名,種別,地区,電話,報告者,報告日時,倒壊・倒壊の恐れ,電気,水,医療ガス,医薬品・衛生資器材,多数の患者受診,職員の状況,患者・利用者の受け入れ,人的被害,コメント,回答,対象",
    );
    expect(lines).toHaveLength(1 + 2 + 1);
    const clinicRow = lines.find((l) => l.startsWith("テスト診療所"))!;
    expect(clinicRow).toMatch(
      /^テスト診療所\d+,診療所,本町,042-123-4567,試験 太郎\d+,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},なし,使えない,使える,使える,,,不足,受け入れ可,,'=自家発電で対応,2,3$/,
    );
    expect(lines.find((l) => l.startsWith("ひまわり訪問介護"))).toMatch(/^ひまわり訪問介護,訪問介護事業所,東町,,介護 管理者,[\d: -]+,あり,,,,,,,,あり,,1,1$/);

    // A facility admin: their facility only. The city: every facility, no phone.
    const own = (await (await api("GET", `/api/rollcalls/${id}/facilities.csv`, { cookie: homeAdmin.cookie })).text()).split("\r\n");
    expect(own).toHaveLength(1 + 1 + 1);
    expect(own[1]).toMatch(/^ひまわり訪問介護,/);
    const city = (await (await api("GET", `/api/rollcalls/${id}/facilities.csv`, { cookie: viewer })).text()).split("\r\n");
    expect(city[0]).toBe(
      "事業所名,種別,地区,報告者,報告日時,倒壊・倒壊の恐れ,電気,水,医療ガス,医薬品・衛生資器材,多数の患者受診,職員の状況,患者・利用者の受け入れ,人的被害,コメント,回答,対象",
    );
    expect(city).toHaveLength(1 + 2 + 1);
    expect(city.join("\n")).not.toContain("042-123-4567");
    // Staff are refused, as for the answers' export.
    const staff = await signedIn({ facilityId: clinic.facilityId, role: "staff" });
    expect((await api("GET", `/api/rollcalls/${id}/facilities.csv`, { cookie: staff.cookie })).status).toBe(403);
    const audits = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'rollcall.facilities_exported' AND object_id = ?1 ORDER BY id")
      .bind(String(id))
      .all<{ detail: string }>();
    expect(audits.results.map((r) => JSON.parse(r.detail))).toEqual([
      { rows: 2, contacts: true },
      { rows: 1, contacts: true },
      { rows: 2, contacts: false },
    ]);
  });
});

describe("renderFor (what the delivery domain sends)", () => {
  it("renders each channel in the person's language with their own reply link, and no contact details in push", async () => {
    const { renderFor } = await import("../worker/rollcall/render");
    const net = await makeNetwork([{ name: "Emily", lang: "en" }]);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] }, title: "M6.8 Tama" });
    const person = net.staff[0]!;
    const salt = (await env.DB.prepare("SELECT salt FROM rollcalls WHERE id = ?1").bind(id).first<{ salt: string }>())!.salt;
    const link = `https://anpi.example.org/r/${await replyToken(env, id, salt, person.id)}`;

    const push = await renderFor(env, id, person.id, "push", 1, "recipients");
    expect(push.replyUrl).toBe(link);
    expect(push.push).toMatchObject({ title: "【訓練】DRILL Safety check: M6.8 Tama", url: link, tag: `rollcall-${id}` });
    const payload = JSON.stringify(push.push);
    expect(payload).not.toContain(person.email!);
    expect(payload).not.toContain(person.mobile!);

    const email = await renderFor(env, id, person.id, "email", 3, "recipients");
    expect(email.subject).toBe("【訓練】DRILL Safety check: M6.8 Tama");
    expect(email.text).toContain("Dear Emily");
    expect(email.html).toContain(`href="${link}"`);

    const sms = await renderFor(env, id, net.admin.id, "sms", 2, "recipients");
    // The sender (安否確認 when no networkName is set) and the title before the link, the link last.
    expect(sms.text).toMatch(/^【訓練】安否確認：.+\n.+\nhttps:\/\/anpi\.example\.org\/r\/[A-Za-z0-9_-]{32}$/);

    // The digest for a facility admin lists who has not answered and links to the roll-call, not a reply page.
    await recordReply(env, { rollcallId: id, personId: net.admin.id, answers: { safety: "safe" }, via: "link" });
    const digest = await renderFor(env, id, net.admin.id, "email", 4, "facility_admins");
    expect(digest.subject).toBe("【訓練】未回答 1名: M6.8 Tama");
    expect(digest.text).toContain("・Emily");
    expect(digest.replyUrl).toBe(`https://anpi.example.org/rollcalls/${id}`);
  });
});
