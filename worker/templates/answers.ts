/**
 * The answers a reply may give (the one list of each): the reply page, the SMS
 * parser, the zod schemas, the aggregates and the admin UI all take them from here.
 * No zod and no worker runtime here, so the admin UI bundles it as it is; the
 * schemas re-export it (worker/templates/schemas.ts).
 */
import { FACILITY_TYPES } from "../directory/facility-types";

type FacilityType = (typeof FACILITY_TYPES)[number];

export const SAFETY = ["safe", "minor", "severe"] as const;
export const AVAILABILITY = ["yes", "conditional", "no"] as const;
export const YES_NO = ["yes", "no"] as const;

export const USABLE = ["usable", "unusable"] as const;
export const STAFFING = ["enough", "short"] as const;

/**
 * What facility admins answer for their facility (施設の状況), in the terms and the
 * order of EMIS 緊急時入力 and the care offices' report to the city (the CSV's order):
 * 倒壊・倒壊の恐れ, 電気, 水, 医療ガス, 医薬品・衛生資器材, 多数の患者受診, 職員の状況,
 * 患者・利用者の受け入れ, 人的被害, and a short comment.
 */
export const FACILITY_FIELDS = [
  "collapse",
  "electricity",
  "water",
  "medicalGas",
  "supplies",
  "manyPatients",
  "staffing",
  "accepting",
  "casualties",
  "comment",
] as const;
export type FacilityField = (typeof FACILITY_FIELDS)[number];
/** The fields answered by choosing (all but the comment). */
export type FacilityChoiceField = Exclude<FacilityField, "comment">;
export const FACILITY_CHOICE_FIELDS = FACILITY_FIELDS.filter((k): k is FacilityChoiceField => k !== "comment");
export const FACILITY_OPTIONS: Readonly<Record<FacilityChoiceField, readonly string[]>> = {
  collapse: YES_NO,
  electricity: USABLE,
  water: USABLE,
  medicalGas: USABLE,
  supplies: USABLE,
  manyPatients: YES_NO,
  staffing: STAFFING,
  accepting: YES_NO,
  casualties: YES_NO,
};
/** The answer that means the field is in trouble (the board's "what needs me now"). */
export const FACILITY_TROUBLE: Readonly<Record<FacilityChoiceField, string>> = {
  collapse: "yes",
  electricity: "unusable",
  water: "unusable",
  medicalGas: "unusable",
  supplies: "unusable",
  manyPatients: "yes",
  staffing: "short",
  accepting: "no",
  casualties: "yes",
};

/** The fields of a report in trouble, in the EMIS order; none for no report. */
export function facilityProblems(report: Partial<Record<FacilityField, string | null>> | null): FacilityField[] {
  if (!report) return [];
  return FACILITY_CHOICE_FIELDS.filter((k) => report[k] === FACILITY_TROUBLE[k]);
}

/** The Japanese words of the admin side (the board, the facility page, the CSV); the reply page has its own per language (templates/page/). */
export const FACILITY_LABELS_JA: Readonly<Record<FacilityField, string>> = {
  collapse: "倒壊・倒壊の恐れ",
  electricity: "電気",
  water: "水",
  medicalGas: "医療ガス",
  supplies: "医薬品・衛生資器材",
  manyPatients: "多数の患者受診",
  staffing: "職員の状況",
  accepting: "患者・利用者の受け入れ",
  casualties: "人的被害",
  comment: "コメント",
};
export const FACILITY_VALUES_JA: Readonly<Record<FacilityChoiceField, Readonly<Record<string, string>>>> = {
  collapse: { yes: "あり", no: "なし" },
  electricity: { usable: "使える", unusable: "使えない" },
  water: { usable: "使える", unusable: "使えない" },
  medicalGas: { usable: "使える", unusable: "使えない" },
  supplies: { usable: "使える", unusable: "使えない" },
  manyPatients: { yes: "あり", no: "なし" },
  staffing: { enough: "足りている", short: "不足" },
  accepting: { yes: "受け入れ可", no: "不可" },
  casualties: { yes: "あり", no: "なし" },
};
/** A field's answer in Japanese ("" for none; the text as it is for the comment or an unknown value). */
export function facilityValueJa(k: FacilityField, v: string | null | undefined): string {
  if (!v) return "";
  return k === "comment" ? v : (FACILITY_VALUES_JA[k][v] ?? v);
}

/** The sets the network starts with: EMIS's whole input for hospitals, clinics and dental; a pharmacy's part; the care offices' report to the city. */
export const FACILITY_FIELDS_EMIS: readonly FacilityField[] = FACILITY_FIELDS;
export const FACILITY_FIELDS_PHARMACY: readonly FacilityField[] = [
  "collapse",
  "electricity",
  "water",
  "supplies",
  "staffing",
  "accepting",
  "casualties",
  "comment",
];
export const FACILITY_FIELDS_CARE: readonly FacilityField[] = ["collapse", "electricity", "water", "staffing", "accepting", "casualties", "comment"];

/** Each facility type's set when a template names none (admin copies and roll-calls made before the setting). */
export const DEFAULT_FACILITY_FIELDS: Readonly<Record<FacilityType, readonly FacilityField[]>> = {
  clinic: FACILITY_FIELDS_EMIS,
  hospital: FACILITY_FIELDS_EMIS,
  dental: FACILITY_FIELDS_EMIS,
  pharmacy: FACILITY_FIELDS_PHARMACY,
  visiting_nurse: FACILITY_FIELDS_CARE,
  visiting_rehab: FACILITY_FIELDS_CARE,
  care_manager: FACILITY_FIELDS_CARE,
  home_care: FACILITY_FIELDS_CARE,
  community_support: FACILITY_FIELDS_CARE,
  city_division: FACILITY_FIELDS_CARE,
};

/** A template's facilityFields setting: the set for every type (`all`) and the types that differ (`byType`). */
export interface FacilityFieldsSetting {
  all?: readonly FacilityField[];
  byType?: Partial<Record<FacilityType, readonly FacilityField[]>>;
}

/**
 * What a facility of this type answers (in the EMIS order): the template's set for
 * the type, else its set for every type, else the type's default. An unknown or
 * missing type takes the template's set for every type, else the whole EMIS set.
 */
export function facilityFieldsFor(setting: FacilityFieldsSetting | undefined, type: string | null | undefined): FacilityField[] {
  const known = type != null && (FACILITY_TYPES as readonly string[]).includes(type) ? (type as FacilityType) : null;
  const chosen = (known && setting?.byType?.[known]) ?? setting?.all ?? (known ? DEFAULT_FACILITY_FIELDS[known] : FACILITY_FIELDS);
  return FACILITY_FIELDS.filter((k) => chosen.includes(k));
}
export const isFacilityField = (k: string): k is FacilityField => (FACILITY_FIELDS as readonly string[]).includes(k);

/** How a facility admin reached the person they answer for (代理回答): 電話, 対面, 家族から, その他. */
export const PROXY_REACHED = ["phone", "in_person", "family", "other"] as const;
export type ProxyReached = (typeof PROXY_REACHED)[number];

/** The facility comment's limit: the template's commentMax, 200 when the template takes no comment. */
export const FACILITY_COMMENT_MAX = 200;
export const facilityCommentMax = (commentMax: number): number => (commentMax > 0 ? commentMax : FACILITY_COMMENT_MAX);

/** The fields a recipient answers for their facility: none unless the template asks and they are its admin; else their facility type's set. */
export function facilityFieldsAsked(
  template: { facilityQuestions: boolean; facilityFields?: FacilityFieldsSetting },
  recipient: { isFacilityAdmin: boolean; facilityType: string | null },
): FacilityField[] {
  return template.facilityQuestions && recipient.isFacilityAdmin ? facilityFieldsFor(template.facilityFields, recipient.facilityType) : [];
}
