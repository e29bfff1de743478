import { describe, expect, it } from "vitest";
import { parseJmaReport, reportedPlaces, type JmaReport } from "../worker/triggers/jma/parse";
import { jma } from "./fixtures/jma";

function parsed(name: keyof typeof jma): JmaReport {
  const r = parseJmaReport(jma[name]);
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.value;
}
const place = (r: JmaReport, code: string) => reportedPlaces(r).find((p) => p.code === code);

describe("JMA report parsing", () => {
  it("reads the head of a 震源・震度に関する情報 (VXSE53)", () => {
    const r = parsed("32-39_11_05_120615_VXSE53.xml");
    expect(r).toMatchObject({ kind: "VXSE53", status: "通常", infoType: "発表", eventId: "20110311144640", serial: "1", maxInt: "7", hypocenter: "三陸沖" });
    expect(r.reportAt).toBe(Date.parse("2011-03-11T05:54:00Z"));
  });

  it("walks Pref → Area → City → IntensityStation, keeping codes as written", () => {
    const r = parsed("32-39_11_05_120615_VXSE53.xml");
    const miyagi = r.prefs.find((p) => p.code === "04")!;
    const kurihara = miyagi.areas.find((a) => a.code === "220")!.cities.find((c) => c.code === "0421300")!;
    expect(kurihara).toMatchObject({ name: "栗原市", maxInt: "7", unreported: false });
    expect(kurihara.stations).toEqual([
      { name: "栗原市築館＊", code: "0421320", int: "7", unreported: false },
      { name: "栗原市栗駒", code: "0421300", int: "6-", unreported: false },
    ]);
    expect(place(r, "351")).toMatchObject({ level: "area", name: "東京都多摩東部", maxInt: "5-" });
    expect(place(r, "1321000")).toMatchObject({ level: "city", name: "小金井市", maxInt: "5-" });
  });

  it("reads a 震度速報 (VXSE51), which has areas only", () => {
    const r = parsed("32-39_11_01_120615_VXSE51.xml");
    expect(r).toMatchObject({ kind: "VXSE51", eventId: "20110311144640", maxInt: "6+", serial: null });
    expect(reportedPlaces(r).every((p) => p.level === "area")).toBe(true);
    expect(place(r, "220")).toMatchObject({ maxInt: "6+" });
    const t = parsed("32-35_01_01_100806_VXSE51.xml");
    expect(place(t, "351")).toMatchObject({ name: "東京都多摩東部", maxInt: "3" });
  });

  it("treats a city with 震度５弱以上未入電 as reaching 5-lower, and lifts its area", () => {
    const r = parsed("32-35_06_03_100915_VXSE53.xml");
    expect(place(r, "0338100")).toMatchObject({ name: "金ケ崎町", maxInt: "5-", unreported: true });
    // 大蔵村 states MaxInt 4 but one station has not reported: 5-lower.
    expect(place(r, "0636500")).toMatchObject({ name: "大蔵村", maxInt: "5-", unreported: true });
    const kanegasaki = r.prefs
      .flatMap((p) => p.areas)
      .flatMap((a) => a.cities)
      .find((c) => c.code === "0338100")!;
    expect(kanegasaki.stations[0]).toMatchObject({ int: null, unreported: true });
  });

  it("trims padded values such as <MaxInt>4 </MaxInt>", () => {
    const r = parsed("32-35_01_03_100806_VXSE53.xml");
    expect(r.status).toBe("訓練");
    expect(r.prefs.find((p) => p.name === "神奈川県")!.maxInt).toBe("4");
  });

  it("reads a cancellation (取消), which has no intensities", () => {
    const r = parsed("32-35_06_06_100915_VXSE53.xml");
    expect(r).toMatchObject({ infoType: "取消", eventId: "20080614084350", prefs: [], maxInt: null });
  });

  it("reads a single Pref/Area/City the same as many", () => {
    const r = parsed("20210219091253_0_VXSE51_010000.xml");
    expect(r.prefs).toHaveLength(1);
    expect(r.prefs[0]!.areas).toEqual([{ name: "岩手県内陸北部", code: "212", maxInt: "4", unreported: false, cities: [] }]);
  });

  it("answers bad input with an error object naming the problem, never a throw", () => {
    const cases: [string, string, string?][] = [
      ["", "xml_malformed"],
      ["<Report><Control></Report>", "xml_malformed"],
      ["not xml at all", "xml_malformed"],
      ['<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><Report/>', "xml_doctype"],
      ["<feed/>", "wrong_document", "Report"],
      ["<Report><Head/></Report>", "missing_field", "Report/Control"],
      [jma["32-39_11_05_120615_VXSE53.xml"].replace("<Status>通常</Status>", "<Status>本番</Status>"), "invalid_field", "Control/Status"],
      [jma["32-39_11_05_120615_VXSE53.xml"].replace("<EventID>20110311144640</EventID>", ""), "missing_field", "Head/EventID"],
      [
        jma["32-39_11_05_120615_VXSE53.xml"].replace("<Title>震源・震度に関する情報</Title>", "<Title>津波警報・注意報・予報a</Title>"),
        "wrong_document",
        "Control/Title",
      ],
      [jma["32-39_11_05_120615_VXSE53.xml"].slice(0, 5000), "xml_malformed"],
    ];
    for (const [xml, code, field] of cases) {
      const r = parseJmaReport(xml);
      expect(r.ok, xml.slice(0, 60)).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe(code);
        expect(r.error.message.length).toBeGreaterThan(5);
        if (field) expect(r.error.field).toBe(field);
      }
    }
  });

  it("parses every sample", () => {
    for (const name of Object.keys(jma) as (keyof typeof jma)[]) expect(parseJmaReport(jma[name]).ok, name).toBe(true);
  });
});
