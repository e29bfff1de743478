import { isIntensity, maxIntensity, type Intensity } from "./intensity";
import { child, children, fail, readXml, text, type Parsed, type XmlNode } from "../xml";

/** Control/Status: 通常 is a real report; 訓練 (drill) and 試験 (test) never start a real roll-call. */
export type JmaStatus = "通常" | "訓練" | "試験";
/** Head/InfoType: 発表 issued, 訂正 corrected, 取消 cancelled. */
export type JmaInfoType = "発表" | "訂正" | "取消";
/** VXSE51 震度速報 (areas only, first within minutes), VXSE53 震源・震度に関する情報 (down to stations). */
export type JmaKind = "VXSE51" | "VXSE53";

/** 「震度５弱以上未入電」: the station's value has not arrived but is suspected to be 5-lower or more. */
export const UNREPORTED_5_LOWER = "震度５弱以上未入電";

export interface IntensityStation {
  name: string;
  code: string;
  int: Intensity | null;
  unreported: boolean;
}

export interface CityIntensity {
  name: string;
  code: string;
  /** The city's intensity, counting 未入電 as 5-lower. */
  maxInt: Intensity | null;
  /** Set when the city carries Condition 震度５弱以上未入電. */
  unreported: boolean;
  stations: IntensityStation[];
}

export interface AreaIntensity {
  name: string;
  code: string;
  maxInt: Intensity | null;
  /** Set when only a city's 未入電 lifts the area to 5-lower. */
  unreported: boolean;
  cities: CityIntensity[];
}

export interface PrefIntensity {
  name: string;
  code: string;
  maxInt: Intensity | null;
  areas: AreaIntensity[];
}

export interface JmaReport {
  kind: JmaKind;
  status: JmaStatus;
  infoType: JmaInfoType;
  /** Control/Title (震度速報, 震源・震度に関する情報). */
  title: string;
  eventId: string;
  serial: string | null;
  /** Head/ReportDateTime as UTC ms. */
  reportAt: number;
  headline: string;
  hypocenter: string | null;
  magnitude: string | null;
  maxInt: Intensity | null;
  prefs: PrefIntensity[];
}

const ARRAY_TAGS = new Set(["Pref", "Area", "City", "IntensityStation", "Item"]);
const KIND_BY_TITLE: Record<string, JmaKind> = { 震度速報: "VXSE51", "震源・震度に関する情報": "VXSE53" };
const STATUSES: readonly string[] = ["通常", "訓練", "試験"];
const INFO_TYPES: readonly string[] = ["発表", "訂正", "取消"];

/**
 * Reads a JMA 防災情報XML earthquake report (VXSE51 or VXSE53). Never throws:
 * bad XML or a document of another kind comes back as `{ ok: false, error }`.
 */
export function parseJmaReport(xml: string): Parsed<JmaReport> {
  const doc = readXml(xml, ARRAY_TAGS);
  if (!doc.ok) return doc;
  const report = child(doc.value, "Report");
  if (!report) return fail("wrong_document", "Not a JMA report: the root element is not <Report>.", "Report");
  const control = child(report, "Control");
  const head = child(report, "Head");
  if (!control) return fail("missing_field", "The report has no <Control>.", "Report/Control");
  if (!head) return fail("missing_field", "The report has no <Head>.", "Report/Head");

  const title = text(control, "Title");
  const kind = title ? KIND_BY_TITLE[title] : undefined;
  if (!title || !kind) return fail("wrong_document", `Not an earthquake intensity report (Control/Title is ${title ?? "missing"}).`, "Control/Title");
  const status = text(control, "Status");
  if (!status || !STATUSES.includes(status))
    return fail("invalid_field", `Control/Status must be 通常, 訓練 or 試験 (got ${status ?? "nothing"}).`, "Control/Status");
  const infoType = text(head, "InfoType");
  if (!infoType || !INFO_TYPES.includes(infoType))
    return fail("invalid_field", `Head/InfoType must be 発表, 訂正 or 取消 (got ${infoType ?? "nothing"}).`, "Head/InfoType");
  const eventId = text(head, "EventID");
  if (!eventId) return fail("missing_field", "Head/EventID is missing.", "Head/EventID");
  const reportDateTime = text(head, "ReportDateTime");
  const reportAt = reportDateTime ? Date.parse(reportDateTime) : NaN;
  if (!Number.isFinite(reportAt)) return fail("invalid_field", "Head/ReportDateTime is missing or not a date.", "Head/ReportDateTime");

  const body = child(report, "Body");
  const observation = child(child(body, "Intensity"), "Observation");
  const prefs = children(observation, "Pref").map(readPref);
  const earthquake = child(body, "Earthquake");
  const statedMax = intensityOf(text(observation, "MaxInt"));

  return {
    ok: true,
    value: {
      kind,
      status: status as JmaStatus,
      infoType: infoType as JmaInfoType,
      title,
      eventId,
      serial: text(head, "Serial") ?? null,
      reportAt,
      headline: text(child(head, "Headline"), "Text") ?? "",
      hypocenter: text(child(child(earthquake, "Hypocenter"), "Area"), "Name") ?? null,
      magnitude: text(earthquake, "Magnitude") ?? null,
      maxInt: maxIntensity([statedMax, ...prefs.map((p) => p.maxInt)]),
      prefs,
    },
  };
}

function intensityOf(v: string | undefined): Intensity | null {
  const t = v?.trim();
  return t && isIntensity(t) ? t : null;
}

function readPref(node: XmlNode): PrefIntensity {
  const areas = children(node, "Area").map(readArea);
  return {
    name: text(node, "Name") ?? "",
    code: text(node, "Code") ?? "",
    maxInt: maxIntensity([intensityOf(text(node, "MaxInt")), ...areas.map((a) => a.maxInt)]),
    areas,
  };
}

function readArea(node: XmlNode): AreaIntensity {
  const cities = children(node, "City").map(readCity);
  const stated = intensityOf(text(node, "MaxInt"));
  const maxInt = maxIntensity([stated, ...cities.map((c) => c.maxInt)]);
  return {
    name: text(node, "Name") ?? "",
    code: text(node, "Code") ?? "",
    // An area whose only strong news is a city's 未入電 may state a lower MaxInt (or none); the city lifts it to 5-.
    maxInt,
    unreported: maxInt === "5-" && stated !== "5-" && cities.some((c) => c.unreported),
    cities,
  };
}

function readCity(node: XmlNode): CityIntensity {
  const unreported = text(node, "Condition") === UNREPORTED_5_LOWER;
  const stations = children(node, "IntensityStation").map((s): IntensityStation => {
    const raw = text(s, "Int");
    return { name: text(s, "Name") ?? "", code: text(s, "Code") ?? "", int: intensityOf(raw), unreported: raw === UNREPORTED_5_LOWER };
  });
  const stated = intensityOf(text(node, "MaxInt"));
  const lifted: Intensity | null = unreported ? "5-" : null;
  return {
    name: text(node, "Name") ?? "",
    code: text(node, "Code") ?? "",
    maxInt: maxIntensity([stated, lifted]),
    unreported,
    stations,
  };
}

/** One place of the report with its intensity, for matching against the network's area and city codes. */
export interface ReportedPlace {
  level: "area" | "city";
  code: string;
  name: string;
  maxInt: Intensity;
  unreported: boolean;
}

/** Every area and city of the report that has an intensity. */
export function reportedPlaces(report: JmaReport): ReportedPlace[] {
  const out: ReportedPlace[] = [];
  for (const p of report.prefs)
    for (const a of p.areas) {
      if (a.maxInt) out.push({ level: "area", code: a.code, name: a.name, maxInt: a.maxInt, unreported: a.unreported });
      for (const c of a.cities) if (c.maxInt) out.push({ level: "city", code: c.code, name: c.name, maxInt: c.maxInt, unreported: c.unreported });
    }
  return out;
}
