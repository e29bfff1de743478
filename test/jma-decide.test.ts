import { describe, expect, it } from "vitest";
import type { RollcallState } from "../worker/rollcall/state";
import { decideJma, type EventHistory } from "../worker/triggers/jma/decide";
import { parseJmaReport, type JmaReport } from "../worker/triggers/jma/parse";
import { DEFAULT_RULES, type TriggerRules } from "../worker/triggers/schemas";
import { jma, type JmaFixture } from "./fixtures/jma";

function report(xml: string): JmaReport {
  const r = parseJmaReport(xml);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const fresh: EventHistory = { rollcall: null, noted: null };
const soonAfter = (r: JmaReport) => ({ now: r.reportAt + 60_000 });
const rules = (over: Partial<TriggerRules> = {}): TriggerRules => ({ ...DEFAULT_RULES, ...over });
const decide = (xml: string, over: Partial<TriggerRules> = {}, history = fresh) => {
  const r = report(xml);
  return decideJma(r, rules(over), history, soonAfter(r));
};

/** The README's table, with the network's default rules (東京都多摩東部, 小金井市 and neighbours, 5-, prepare). */
const expected: Record<JmaFixture, { decision: string; why: RegExp }> = {
  "32-39_11_01_120615_VXSE51.xml": { decision: "no_trigger", why: /No watched area or city/ },
  "32-39_11_05_120615_VXSE53.xml": { decision: "prepare", why: /小金井市 \(1321000\) intensity 5 lower/ },
  "32-35_01_01_100806_VXSE51.xml": { decision: "no_trigger", why: /intensity 3, below the threshold of intensity 5 lower/ },
  "32-35_07_06_100915_VXSE53.xml": { decision: "no_trigger", why: /intensity 3, below the threshold/ },
  "32-35_07_07_100915_VXSE53.xml": { decision: "no_trigger", why: /intensity 3, below the threshold/ },
  "32-35_06_03_100915_VXSE53.xml": { decision: "no_trigger", why: /intensity 2, below the threshold/ },
  "32-35_06_06_100915_VXSE53.xml": { decision: "no_trigger", why: /Cancellation: no roll-call was started/ },
  "32-35_01_03_100806_VXSE53.xml": { decision: "no_trigger", why: /drill report \(訓練\) never starts a real roll-call/ },
  "20210219091253_0_VXSE51_010000.xml": { decision: "no_trigger", why: /No watched area or city/ },
  "20210219091451_0_VXSE53_010000.xml": { decision: "no_trigger", why: /No watched area or city/ },
};

describe("JMA decision: each sample with the network's default rules", () => {
  for (const [name, want] of Object.entries(expected)) {
    it(`${name} → ${want.decision}`, () => {
      const d = decide(jma[name as JmaFixture]);
      expect(d.decision).toBe(want.decision);
      expect(d.reason.en).toMatch(want.why);
      expect(d.reason.ja.length).toBeGreaterThan(5);
      expect(d.drill).toBe(false);
    });
  }
});

describe("JMA decision: derived cases", () => {
  const big = jma["32-39_11_05_120615_VXSE53.xml"];

  it("the 2011 report sends at once when the rules say auto-send, and names the strongest watched place", () => {
    const d = decide(big, { mode: "auto" });
    expect(d.decision).toBe("trigger");
    expect(d.reason.ja).toContain("小金井市 震度5弱");
    expect(d.title).toMatch(/^地震 .+ 震度5弱 3\/11 14:54$/);
    expect(d.matched.map((p) => p.code)).toEqual(expect.arrayContaining(["351", "1321000", "1320300"]));
  });

  it("the 2011 report with the network's city set to another city follows that city", () => {
    expect(decide(big, { areaCodes: [], cityCodes: ["1310100"] })).toMatchObject({ decision: "prepare", watchedMax: "5+" }); // 千代田区 5+
    expect(decide(big, { areaCodes: [], cityCodes: ["1021000"] })).toMatchObject({ decision: "no_trigger", watchedMax: "4" }); // 富岡市 4
    expect(decide(big, { areaCodes: [], cityCodes: ["4720100"] })).toMatchObject({ decision: "no_trigger", watchedMax: null }); // 那覇市: not in the report
  });

  it("a higher threshold leaves the 2011 report below it", () => {
    const d = decide(big, { threshold: "5+" });
    expect(d.decision).toBe("no_trigger");
    expect(d.reason.ja).toContain("基準の震度5強未満");
  });

  it("a city with 震度５弱以上未入電 counts as 5-lower", () => {
    const d = decide(jma["32-35_06_03_100915_VXSE53.xml"], { areaCodes: [], cityCodes: ["0338100"] }); // 金ケ崎町
    expect(d.decision).toBe("prepare");
    expect(d.reason.ja).toContain("５弱以上未入電");
    // 藤枝市 states MaxInt 4 but has 未入電 stations: still 5-lower.
    expect(decide(jma["32-35_07_06_100915_VXSE53.xml"], { areaCodes: [], cityCodes: ["2221400"] }).decision).toBe("prepare");
  });

  it("the same event twice starts one roll-call: the second report changes nothing", () => {
    const first = decide(big);
    expect(first.decision).toBe("prepare");
    const again = decide(big, {}, { rollcall: { id: 7, state: "draft" }, noted: first.watchedMax });
    expect(again.decision).toBe("no_trigger");
    expect(again.reason.en).toContain("#7 already exists");
    // The 震度速報 then the 震源・震度 of one event: the second is a duplicate too.
    const after51 = decide(big, {}, { rollcall: { id: 7, state: "open" }, noted: "5+" });
    expect(after51.decision).toBe("no_trigger");
  });

  it("a later report that raises the watched intensity adds a note to the running roll-call", () => {
    const raised = big
      .replace("<City><Name>小金井市</Name><Code>1321000</Code><MaxInt>5-</MaxInt>", "<City><Name>小金井市</Name><Code>1321000</Code><MaxInt>6-</MaxInt>")
      .replace("<Serial>1</Serial>", "<Serial>2</Serial>");
    // 'sending' is no state of the code any more (worker/rollcall/state.ts), though the table's CHECK allows it: a row holding it still counts as sent.
    for (const state of ["draft", "sending", "open"] as RollcallState[]) {
      const d = decide(raised, {}, { rollcall: { id: 9, state }, noted: "5-" });
      expect(d.decision).toBe("note");
      expect(d.reason.en).toMatch(/Intensity raised: 小金井市 \(1321000\) intensity 6 lower.*Noted on roll-call #9/);
      expect(d.note).toContain("震度6弱");
    }
    expect(decide(raised, {}, { rollcall: { id: 9, state: "closed" }, noted: "5-" }).decision).toBe("no_trigger");
  });

  it("a first report below the threshold starts nothing; a later one above it starts the roll-call", () => {
    const weak = jma["32-35_07_06_100915_VXSE53.xml"];
    expect(decide(weak).decision).toBe("no_trigger");
    const strong = jma["32-35_07_07_100915_VXSE53.xml"].replace(
      "<City><Name>小金井市</Name><Code>1321000</Code><MaxInt>3</MaxInt>",
      "<City><Name>小金井市</Name><Code>1321000</Code><MaxInt>5+</MaxInt>",
    );
    expect(decide(strong, {}, { rollcall: null, noted: null })).toMatchObject({ decision: "prepare", watchedMax: "5+" });
  });

  it("a correction (訂正) that changes the watched intensity is noted", () => {
    const corrected = big
      .replace("<InfoType>発表</InfoType>", "<InfoType>訂正</InfoType>")
      .replace("<City><Name>小金井市</Name><Code>1321000</Code><MaxInt>5-</MaxInt>", "<City><Name>小金井市</Name><Code>1321000</Code><MaxInt>4</MaxInt>");
    const d = decide(corrected, {}, { rollcall: { id: 3, state: "open" }, noted: "5+" });
    expect(d.decision).toBe("note");
    expect(d.reason.en).toContain("Correction");
  });

  it("a cancellation withdraws a prepared roll-call and is noted on one already sent", () => {
    const cancel = jma["32-35_06_06_100915_VXSE53.xml"];
    expect(decide(cancel, {}, { rollcall: { id: 4, state: "draft" }, noted: "5-" })).toMatchObject({ decision: "withdraw" });
    for (const state of ["sending", "open", "closed"] as RollcallState[])
      expect(decide(cancel, {}, { rollcall: { id: 4, state }, noted: "5-" })).toMatchObject({ decision: "note_cancel" });
    expect(decide(cancel, {}, { rollcall: { id: 4, state: "withdrawn" }, noted: "5-" }).decision).toBe("no_trigger");
  });

  it("a 訓練 or 試験 report never starts a real roll-call, even where the rules match", () => {
    const drill = jma["32-35_01_03_100806_VXSE53.xml"];
    expect(decide(drill, { areaCodes: [], cityCodes: ["2230600"], mode: "auto" }).decision).toBe("no_trigger"); // 西伊豆町 5-
    const test = big.replace("<Status>通常</Status>", "<Status>試験</Status>");
    expect(decide(test, { mode: "auto" }).reason.en).toContain("test report (試験)");
    expect(decide(test, { mode: "auto" }).decision).toBe("no_trigger");
  });

  it("rules switched off, or a stale report, start nothing", () => {
    expect(decide(big, { enabled: false }).decision).toBe("no_trigger");
    const r = report(big);
    const stale = decideJma(r, rules(), fresh, { now: r.reportAt + 181 * 60_000 });
    expect(stale.decision).toBe("no_trigger");
    expect(stale.reason.en).toContain("stale");
  });

  it("a stored report replayed as a drill prepares a drill roll-call, however old, and a 訓練 report can be replayed", () => {
    const r = report(big);
    const d = decideJma(r, rules(), { rollcall: { id: 1, state: "open" }, noted: "5-" }, { now: r.reportAt + 10 * 365 * 86_400_000, replayAsDrill: true });
    expect(d).toMatchObject({ decision: "prepare", drill: true });
    expect(d.title).not.toContain("【訓練】"); // the engine marks drills in every message itself
    expect(d.message).toContain("小金井市 震度5弱");
    const drill = report(jma["32-35_01_03_100806_VXSE53.xml"]);
    expect(decideJma(drill, rules({ areaCodes: [], cityCodes: ["2230600"], mode: "auto" }), fresh, { now: 0, replayAsDrill: true })).toMatchObject({
      decision: "prepare",
      drill: true,
    }); // even in auto mode, a replay awaits confirmation
    expect(decideJma(report(jma["32-35_06_06_100915_VXSE53.xml"]), rules(), fresh, { now: 0, replayAsDrill: true }).decision).toBe("no_trigger");
  });
});
