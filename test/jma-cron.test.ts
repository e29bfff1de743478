import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clock } from "../worker/lib/clock";
import { handleCron } from "../worker/triggers/cron";
import * as data from "../worker/triggers/data";
import { pollJmaFeed } from "../worker/triggers/service";
import { DEFAULT_RULES, type TriggerRules } from "../worker/triggers/schemas";
import { makeFacility, makePerson } from "./support/factories";
import { jma } from "./fixtures/jma";

const FAKE = env.FAKE_JMA_URL;
const FEED = `${FAKE}/developer/xml/feed/eqvol.xml`;
let adminId = 0;

async function control(path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${FAKE}/control/${path}`, {
    method: body === undefined ? "GET" : "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}
const setEntries = (entries: { name: string; xml?: string; fixture?: string; updated: string }[]) => control("entries", entries);
const feedLog = () => control("log") as Promise<{ path: string; ifNoneMatch: string | null; ifModifiedSince: string | null; status: number }[]>;

async function setRules(over: Partial<TriggerRules>) {
  await data.rulesWrite(env.DB, { ...DEFAULT_RULES, feedUrl: FEED, ...over }, adminId, clock.now()).run();
}
/** Puts the clock a minute after the report, as if it had just been published. */
const at = (iso: string) => clock.advance(Date.parse(iso) + 60_000 - clock.now());

async function runCron() {
  const ctx = createExecutionContext();
  await handleCron(createScheduledController({ scheduledTime: clock.now(), cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const rollcallsOf = (ref: string) =>
  env.DB.prepare("SELECT id, state, drill, title, notes, source FROM rollcalls WHERE source = 'jma' AND source_ref = ?1")
    .bind(ref)
    .all<{ id: number; state: string; drill: number; title: string; notes: string; source: string }>()
    .then((r) => r.results);
const reportsOf = (eventId: string) =>
  env.DB.prepare("SELECT kind, decision, reason_ja, reason_en, rollcall_id, info_type FROM trigger_reports WHERE event_id = ?1 ORDER BY id")
    .bind(eventId)
    .all<{ kind: string; decision: string; reason_ja: string; reason_en: string; rollcall_id: number | null; info_type: string }>()
    .then((r) => r.results);

/** A fixture with its EventID changed, so each test owns its earthquake (D1 is shared across the file). */
const withEvent = (xml: string, eventId: string) => xml.replace(/<EventID>\d+<\/EventID>/, `<EventID>${eventId}</EventID>`);

beforeAll(async () => {
  const f = await makeFacility();
  adminId = (await makePerson({ globalRole: "network_admin" })).id;
  await makePerson({ facilityId: f, role: "admin" });
  await makePerson({ facilityId: f, role: "staff" });
});
beforeEach(async () => {
  await control("reset", {});
  await setRules({});
});

describe("JMA cron: polling the feed and acting", () => {
  it("prepares one roll-call for the 2011 report and records every report with its decision and reason", async () => {
    const netAdmin = await makePerson({ globalRole: "network_admin" });
    at("2011-03-11T05:54:00Z");
    await setEntries([
      { name: "20110311054800_0_VXSE51_010000.xml", fixture: "32-39_11_01_120615_VXSE51.xml", updated: "2011-03-11T05:48:00Z" },
      { name: "20110311055458_0_VXSE53_010000.xml", fixture: "32-39_11_05_120615_VXSE53.xml", updated: "2011-03-11T05:54:58Z" },
    ]);
    await runCron();
    const reports = await reportsOf("20110311144640");
    expect(reports.map((r) => [r.kind, r.decision])).toEqual([
      ["VXSE51", "no_trigger"],
      ["VXSE53", "prepare"],
    ]);
    expect(reports[1]!.reason_ja).toContain("小金井市 震度5弱");
    const rcs = await rollcallsOf("20110311144640");
    expect(rcs).toHaveLength(1);
    expect(rcs[0]).toMatchObject({ state: "draft", drill: 0 });
    expect(reports[1]!.rollcall_id).toBe(rcs[0]!.id);
    const alert = await env.DB.prepare("SELECT action FROM audit_log WHERE action = 'trigger.awaiting_confirm' AND object_id = ?1")
      .bind(String(rcs[0]!.id))
      .first();
    expect(alert).not.toBeNull();
    // The network admins are woken by SMS and email with the link to the confirm screen.
    const { results: alerts } = await env.DB.prepare(
      "SELECT channel, body, link FROM direct_messages WHERE kind = 'trigger_alert' AND person_id = ?1 ORDER BY channel",
    )
      .bind(netAdmin.id)
      .all<{ channel: string; body: string; link: string }>();
    expect(alerts.map((m) => m.channel)).toEqual(["email", "sms"]);
    for (const m of alerts) {
      expect(m.link).toBe(`${env.PUBLIC_URL}/rollcalls/${rcs[0]!.id}`);
      expect(m.body).toContain("【要確認】");
    }
    const recipients = await env.DB.prepare("SELECT COUNT(*) AS n FROM rollcall_recipients WHERE rollcall_id = ?1").bind(rcs[0]!.id).first<{ n: number }>();
    expect(recipients!.n).toBe(0); // nothing is sent before an admin confirms

    // Next minute: a conditional GET, answered 304, and nothing changes.
    await runCron();
    const log = await feedLog();
    const feedCalls = log.filter((l) => l.path.endsWith("eqvol.xml"));
    expect(feedCalls.at(-1)).toMatchObject({ status: 304 });
    expect(feedCalls.at(-1)!.ifNoneMatch).toBeTruthy();
    expect(log.filter((l) => l.path.includes("VXSE53"))).toHaveLength(1);

    // A later report raising 小金井市 to 6- adds a note; still one roll-call.
    const raised = jma["32-39_11_05_120615_VXSE53.xml"]
      .replace("<City><Name>小金井市</Name><Code>1321000</Code><MaxInt>5-</MaxInt>", "<City><Name>小金井市</Name><Code>1321000</Code><MaxInt>6-</MaxInt>")
      .replace("<Serial>1</Serial>", "<Serial>2</Serial>");
    await setEntries([
      { name: "20110311055458_0_VXSE53_010000.xml", fixture: "32-39_11_05_120615_VXSE53.xml", updated: "2011-03-11T05:54:58Z" },
      { name: "20110311060500_0_VXSE53_010000.xml", xml: raised, updated: "2011-03-11T06:05:00Z" },
    ]);
    await runCron();
    const after = await rollcallsOf("20110311144640");
    expect(after).toHaveLength(1);
    const notes = JSON.parse(after[0]!.notes) as { text: string }[];
    expect(notes.at(-1)!.text).toContain("小金井市 震度6弱");
    expect((await reportsOf("20110311144640")).map((r) => r.decision)).toEqual(["no_trigger", "prepare", "note"]);
  });

  it("sends at once in auto mode, and a repeated report never sends twice", async () => {
    at("2011-03-11T05:54:00Z");
    await setRules({ mode: "auto" });
    const xml = withEvent(jma["32-39_11_05_120615_VXSE53.xml"], "20110311990001");
    await setEntries([{ name: "auto_VXSE53_a.xml", xml, updated: "2011-03-11T05:54:58Z" }]);
    await runCron();
    const [rc] = await rollcallsOf("20110311990001");
    expect(rc).toMatchObject({ state: "open" });
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM rollcall_recipients WHERE rollcall_id = ?1").bind(rc!.id).first<{ n: number }>();
    expect(n!.n).toBeGreaterThanOrEqual(2);
    // The same document under another entry id (a re-publication) is a duplicate of the event.
    await setEntries([
      { name: "auto_VXSE53_a.xml", xml, updated: "2011-03-11T05:54:58Z" },
      { name: "auto_VXSE53_b.xml", xml, updated: "2011-03-11T05:55:30Z" },
    ]);
    await runCron();
    expect(await rollcallsOf("20110311990001")).toHaveLength(1);
    const reports = await reportsOf("20110311990001");
    expect(reports.map((r) => r.decision)).toEqual(["trigger", "no_trigger"]);
    expect(reports[1]!.reason_en).toContain("already exists");
  });

  it("a cancellation withdraws the prepared roll-call", async () => {
    at("2008-06-14T00:06:00Z");
    await setRules({ areaCodes: [], cityCodes: ["0338100"] }); // 金ケ崎町: 震度５弱以上未入電
    await setEntries([{ name: "c_VXSE53_1.xml", fixture: "32-35_06_03_100915_VXSE53.xml", updated: "2008-06-13T23:47:00Z" }]);
    clock.advance(Date.parse("2008-06-13T23:48:00Z") - clock.now());
    await runCron();
    expect((await rollcallsOf("20080614084350"))[0]).toMatchObject({ state: "draft" });
    clock.advance(Date.parse("2008-06-14T00:07:00Z") - clock.now());
    await setEntries([
      { name: "c_VXSE53_1.xml", fixture: "32-35_06_03_100915_VXSE53.xml", updated: "2008-06-13T23:47:00Z" },
      { name: "c_VXSE53_3.xml", fixture: "32-35_06_06_100915_VXSE53.xml", updated: "2008-06-14T00:06:34Z" },
    ]);
    await runCron();
    const [rc] = await rollcallsOf("20080614084350");
    expect(rc).toMatchObject({ state: "withdrawn" });
    expect((await reportsOf("20080614084350")).map((r) => [r.info_type, r.decision])).toEqual([
      ["発表", "prepare"],
      ["取消", "withdraw"],
    ]);
  });

  it("a 訓練 report starts nothing; an unreadable document is recorded once and not fetched again", async () => {
    at("2009-10-01T04:50:00Z");
    await setRules({ areaCodes: [], cityCodes: ["2230600"], mode: "auto" });
    await setEntries([
      { name: "20091001045000_0_VXSE53_010000.xml", fixture: "32-35_01_03_100806_VXSE53.xml", updated: "2009-10-01T04:50:00Z" },
      { name: "broken_VXSE53_x.xml", xml: "<Report><Control>", updated: "2009-10-01T04:51:00Z" },
    ]);
    await runCron();
    expect(await rollcallsOf("20091001134500")).toHaveLength(0);
    expect((await reportsOf("20091001134500"))[0]).toMatchObject({ decision: "no_trigger" });
    const broken = await data.reportByExternalId(env.DB, "jma", `${FAKE}/developer/xml/data/broken_VXSE53_x.xml`);
    expect(broken).toMatchObject({ decision: "error" });
    expect(broken!.reasonEn).toContain("Not well-formed XML");
    await setEntries([
      { name: "20091001045000_0_VXSE53_010000.xml", fixture: "32-35_01_03_100806_VXSE53.xml", updated: "2009-10-01T04:50:00Z" },
      { name: "broken_VXSE53_x.xml", xml: "<Report><Control>", updated: "2009-10-01T04:51:00Z" },
    ]);
    await runCron();
    expect((await feedLog()).filter((l) => l.path.includes("broken"))).toHaveLength(1);
  });

  it("survives the feed being down, and catches up the next minute", async () => {
    at("2011-03-11T05:54:00Z");
    const xml = withEvent(jma["32-39_11_05_120615_VXSE53.xml"], "20110311990002");
    await setEntries([{ name: "20110311055458_0_VXSE53_990002.xml", xml, updated: "2011-03-11T05:54:58Z" }]);
    await control("mode", { mode: "down" });
    await expect(runCron()).resolves.toBeUndefined();
    expect((await data.loadFeedState(env.DB))!.lastError).toContain("HTTP 503");
    expect(await rollcallsOf("20110311990002")).toHaveLength(0);
    await control("mode", { mode: "garbage" });
    await expect(runCron()).resolves.toBeUndefined();
    expect((await data.loadFeedState(env.DB))!.lastError).toContain("Not well-formed");
    await control("mode", { mode: "up" });
    await runCron();
    expect(await rollcallsOf("20110311990002")).toHaveLength(1);
    expect((await data.loadFeedState(env.DB))!.lastError).toBeNull();
  });

  it("survives a slow feed and a slow document (timeouts), and handles the entry on a later run", async () => {
    at("2011-03-11T05:54:00Z");
    const xml = withEvent(jma["32-39_11_05_120615_VXSE53.xml"], "20110311990003");
    await setEntries([{ name: "20110311055458_0_VXSE53_990003.xml", xml, updated: "2011-03-11T05:54:58Z" }]);
    await control("mode", { mode: "slow", delayMs: 3000 });
    let started = Date.now();
    const slow = await pollJmaFeed(env, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(slow).toMatchObject({ status: "error" });
    expect(slow.error).toContain("No answer within 300 ms");
    await control("mode", { mode: "up" });
    await control("documents", { slow: 1, delayMs: 3000 });
    started = Date.now();
    const stalled = await pollJmaFeed(env, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(stalled).toMatchObject({ status: "ok", handled: 0, deferred: 1 });
    expect((await data.loadFeedState(env.DB))!.lastError).toContain("No answer within 300 ms");
    const ok = await pollJmaFeed(env, { timeoutMs: 5000 });
    expect(ok).toMatchObject({ status: "ok", handled: 1, deferred: 0 });
    expect(await rollcallsOf("20110311990003")).toHaveLength(1);
  });

  it("a document that fails to load is deferred: the feed's validators are not kept, so it is fetched again", async () => {
    at("2011-03-11T05:54:00Z");
    const xml = withEvent(jma["32-39_11_05_120615_VXSE53.xml"], "20110311990004");
    await setEntries([{ name: "20110311055458_0_VXSE53_990004.xml", xml, updated: "2011-03-11T05:54:58Z" }]);
    await control("documents", { fail: 1 });
    expect(await pollJmaFeed(env)).toMatchObject({ status: "ok", handled: 0, deferred: 1 });
    expect(await rollcallsOf("20110311990004")).toHaveLength(0);
    await runCron();
    const feedCalls = (await feedLog()).filter((l) => l.path.endsWith("eqvol.xml"));
    expect(feedCalls.map((c) => c.status)).toEqual([200, 200]); // no 304 hid the deferred entry
    expect(await rollcallsOf("20110311990004")).toHaveLength(1);
  });

  it("a report whose run died mid-way is taken up again once its claim is stale, and acted on once", async () => {
    at("2011-03-11T05:54:00Z");
    const xml = withEvent(jma["32-39_11_05_120615_VXSE53.xml"], "20110311990005");
    const name = "20110311055458_0_VXSE53_990005.xml";
    await setEntries([{ name, xml, updated: "2011-03-11T05:54:58Z" }]);
    // A run claimed it and died before acting.
    await env.DB.prepare(
      "INSERT INTO trigger_reports (source, external_id, kind, event_id, received_at, decision) VALUES ('jma', ?1, 'VXSE53', '20110311990005', ?2, 'pending')",
    )
      .bind(`${FAKE}/developer/xml/data/${name}`, clock.now())
      .run();
    expect(await pollJmaFeed(env)).toMatchObject({ handled: 0, deferred: 1 });
    expect(await rollcallsOf("20110311990005")).toHaveLength(0);
    clock.advance(6 * 60_000);
    expect(await pollJmaFeed(env)).toMatchObject({ handled: 1, deferred: 0 });
    expect(await rollcallsOf("20110311990005")).toHaveLength(1);
    expect((await reportsOf("20110311990005")).map((r) => r.decision)).toEqual(["prepare"]);
  });

  it("rules switched off: the feed is not polled at all", async () => {
    await setRules({ enabled: false });
    await runCron();
    expect(await pollJmaFeed(env)).toMatchObject({ status: "disabled" });
    expect(await feedLog()).toEqual([]);
  });
});
