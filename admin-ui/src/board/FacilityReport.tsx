/**
 * A facility's report (施設の状況) in the terms of EMIS 緊急時入力: the board's short
 * cell (what is in trouble, or 問題なし) and the facility page's full list. The fields,
 * their order and what counts as trouble come from worker/templates/answers.ts.
 */
import { Fragment } from "preact";
import { addStrings, t } from "../i18n";
import {
  FACILITY_CHOICE_FIELDS,
  FACILITY_FIELDS,
  FACILITY_LABELS_JA,
  FACILITY_OPTIONS,
  FACILITY_VALUES_JA,
  facilityProblems,
  type FacilityField,
} from "../../../worker/templates/answers";

export type Report = Partial<Record<FacilityField, string | null>>;

const jaValues = Object.fromEntries(FACILITY_CHOICE_FIELDS.flatMap((k) => FACILITY_OPTIONS[k].map((v) => [`fr.v.${k}.${v}`, FACILITY_VALUES_JA[k][v] ?? v])));
const jaLabels = Object.fromEntries(FACILITY_FIELDS.map((k) => [`fr.f.${k}`, FACILITY_LABELS_JA[k]]));

addStrings({
  ja: {
    ...jaLabels,
    ...jaValues,
    "fr.heading": "施設の状況",
    "fr.none": "報告なし",
    "fr.ok": "問題なし",
    "fr.csv": "事業所の状況をCSVで書き出す",
    // The board's short words for a field in trouble.
    "fr.p.collapse": "倒壊・倒壊の恐れ",
    "fr.p.electricity": "電気 使えない",
    "fr.p.water": "水 使えない",
    "fr.p.medicalGas": "医療ガス 使えない",
    "fr.p.supplies": "医薬品・資器材 使えない",
    "fr.p.manyPatients": "多数の患者受診",
    "fr.p.staffing": "職員 不足",
    "fr.p.accepting": "受け入れ不可",
    "fr.p.casualties": "人的被害あり",
  },
  en: {
    "fr.f.collapse": "Collapse or risk of it",
    "fr.f.electricity": "Electricity",
    "fr.f.water": "Water",
    "fr.f.medicalGas": "Medical gas",
    "fr.f.supplies": "Medicines and supplies",
    "fr.f.manyPatients": "Many patients",
    "fr.f.staffing": "Staff",
    "fr.f.accepting": "Taking patients or users",
    "fr.f.casualties": "Injuries (users or staff)",
    "fr.f.comment": "Comment",
    "fr.v.collapse.yes": "Yes",
    "fr.v.collapse.no": "No",
    "fr.v.electricity.usable": "Working",
    "fr.v.electricity.unusable": "Not working",
    "fr.v.water.usable": "Working",
    "fr.v.water.unusable": "Not working",
    "fr.v.medicalGas.usable": "Working",
    "fr.v.medicalGas.unusable": "Not working",
    "fr.v.supplies.usable": "Usable",
    "fr.v.supplies.unusable": "Not usable",
    "fr.v.manyPatients.yes": "Yes",
    "fr.v.manyPatients.no": "No",
    "fr.v.staffing.enough": "Enough",
    "fr.v.staffing.short": "Short",
    "fr.v.accepting.yes": "Can take them",
    "fr.v.accepting.no": "Cannot",
    "fr.v.casualties.yes": "Yes",
    "fr.v.casualties.no": "No",
    "fr.heading": "Facility status",
    "fr.none": "No report",
    "fr.ok": "No problems",
    "fr.csv": "Export facilities CSV",
    "fr.p.collapse": "Collapse risk",
    "fr.p.electricity": "No power",
    "fr.p.water": "No water",
    "fr.p.medicalGas": "No medical gas",
    "fr.p.supplies": "No supplies",
    "fr.p.manyPatients": "Many patients",
    "fr.p.staffing": "Short of staff",
    "fr.p.accepting": "Not taking patients",
    "fr.p.casualties": "Injuries",
  },
});

/** A field's answer in words (使える, 不足 …); the comment as written. */
export const reportValue = (k: FacilityField, v: string | null | undefined): string => (!v ? "—" : k === "comment" ? v : t(`fr.v.${k}.${v}`, v));

/** The fields in trouble in the board's short words (倒壊・倒壊の恐れ, 電気 使えない …), in the EMIS order. */
export const problemWords = (report: Report | null | undefined): string[] => facilityProblems(report ?? null).map((k) => t(`fr.p.${k}`));

const shortComment = (c: string) => ([...c].length > 40 ? `${[...c].slice(0, 40).join("")}…` : c);

/** The board's cell: what is in trouble (bold, in words), or 問題なし; the comment's start below; — without a report. */
export function FacilityReportCell({ report }: { report: Report | null | undefined }) {
  if (!report) return <span class="help">—</span>;
  const problems = problemWords(report);
  return (
    <>
      {problems.length ? <strong class="warn-line">{problems.join("・")}</strong> : <span>{t("fr.ok")}</span>}
      {report.comment ? <div class="help">{shortComment(report.comment)}</div> : null}
    </>
  );
}

/** The facility page's list: every answered field in the EMIS order, the ones in trouble in bold. */
export function FacilityReportList({ report }: { report: Report }) {
  const problems = new Set(facilityProblems(report));
  const answered = FACILITY_FIELDS.filter((k) => report[k]);
  if (!answered.length) return <p>{t("fr.none")}</p>;
  return (
    <dl class="pairs" data-testid="facility-report">
      {answered.map((k) => (
        <Fragment key={k}>
          <dt>{t(`fr.f.${k}`)}</dt>
          <dd>{problems.has(k) ? <strong class="warn-line">{reportValue(k, report[k])}</strong> : reportValue(k, report[k])}</dd>
        </Fragment>
      ))}
    </dl>
  );
}
