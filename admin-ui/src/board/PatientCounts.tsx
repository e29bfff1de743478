/**
 * The board's 患者さんの確認 (issue 15): the roll-call's patient checks counted, checked
 * of all, the unchecked with the late and high-need ones, by result and by need (and
 * district, folded). No names: the board's readers are not all members of the groups;
 * each member opens their own checks from the link.
 */
import { CHECK_RESULT_WORDS, CHECK_RESULTS, NEED_WORDS } from "../../../worker/patients/needs";
import { count } from "../format";
import { addStrings, adminLang, t } from "../i18n";
import type { BoardData } from "../types";
import { Link } from "../ui";
import "../screens/patient-checks.css";

addStrings({
  ja: {
    "pcc.title": "患者さんの確認",
    "pcc.checked": "確認済み",
    "pcc.unchecked": "未確認",
    "pcc.claimed": "うち担当あり {n}人",
    "pcc.late": "至急（時間を過ぎた）",
    "pcc.highNeed": "高リスク未確認",
    "pcc.byResult": "結果",
    "pcc.byNeed": "必要ごと",
    "pcc.need": "必要",
    "pcc.total": "対象",
    "pcc.byDistrict": "地区ごと",
    "pcc.district": "地区",
    "pcc.blank": "（地区なし）",
    "pcc.noNames": "名前は表示しません。患者さんの情報は患者グループのメンバーだけが見られます。",
    "pcc.mine": "自分の担当の患者さん",
  },
  en: {
    "pcc.title": "Patient checks",
    "pcc.checked": "Checked",
    "pcc.unchecked": "Not checked",
    "pcc.claimed": "{n} with someone on it",
    "pcc.late": "Urgent (past the time)",
    "pcc.highNeed": "High need, not checked",
    "pcc.byResult": "Results",
    "pcc.byNeed": "By need",
    "pcc.need": "Need",
    "pcc.total": "Patients",
    "pcc.byDistrict": "By district",
    "pcc.district": "District",
    "pcc.blank": "(no district)",
    "pcc.noNames": "No names: only a group's members see its patient.",
    "pcc.mine": "My patients to check",
  },
});

type Counts = NonNullable<BoardData["patients"]>;

export function PatientCounts({ rollcallId, counts: p }: { rollcallId: number; counts: Counts }) {
  const lang = adminLang();
  const unchecked = p.total - p.checked;
  const needs = p.byNeed.filter((n) => n.total > 0);
  return (
    <section class="card pc-counts" aria-labelledby="bd-pc" data-testid="patient-checks">
      <h2 id="bd-pc">{t("pcc.title")}</h2>
      <ul class="stats">
        <li class="stat">
          <span class="label">{t("pcc.checked")}</span>
          <span class="value" data-testid="pc-checked">
            {count(p.checked)} / {count(p.total)}
          </span>
        </li>
        <li class="stat">
          <span class="label">{t("pcc.unchecked")}</span>
          <span class="value" data-testid="pc-unchecked">
            {count(unchecked)}
          </span>
          {p.claimed ? <span class="help">{t("pcc.claimed", { n: count(p.claimed) })}</span> : null}
        </li>
        <li class={`stat${p.late ? " pc-late" : ""}`}>
          <span class="label">{t("pcc.late")}</span>
          <span class="value" data-testid="pc-late">
            {count(p.late)}
          </span>
        </li>
        <li class={`stat${p.highNeedUnchecked ? " pc-late" : ""}`}>
          <span class="label">{t("pcc.highNeed")}</span>
          <span class="value" data-testid="pc-high-need">
            {count(p.highNeedUnchecked)}
          </span>
        </li>
      </ul>
      <h3 class="sr-only">{t("pcc.byResult")}</h3>
      <ul class="pc-results" data-testid="pc-results">
        {CHECK_RESULTS.map((k) => (
          <li key={k}>
            {CHECK_RESULT_WORDS[k][lang]} <strong>{count(p.byResult[k])}</strong>
          </li>
        ))}
      </ul>
      {needs.length ? (
        <CountTable
          testId="pc-by-need"
          caption={t("pcc.byNeed")}
          head={t("pcc.need")}
          rows={needs.map((n) => ({ key: n.need, label: NEED_WORDS[n.need][lang], total: n.total, checked: n.checked }))}
        />
      ) : null}
      {p.byDistrict.length > 1 ? (
        <details>
          <summary>{t("pcc.byDistrict")}</summary>
          <CountTable
            caption={t("pcc.byDistrict")}
            head={t("pcc.district")}
            rows={p.byDistrict.map((d) => ({ key: d.district, label: d.district || t("pcc.blank"), total: d.total, checked: d.checked }))}
          />
        </details>
      ) : null}
      <p class="help">{t("pcc.noNames")}</p>
      <p>
        <Link href={`/rollcalls/${rollcallId}/patients`} class="btn">
          {t("pcc.mine")}
        </Link>
      </p>
    </section>
  );
}

/** One table of checks counted by a label (a need, a district): how many, how many checked. */
function CountTable({
  testId,
  caption,
  head,
  rows,
}: {
  testId?: string;
  caption: string;
  head: string;
  rows: { key: string; label: string; total: number; checked: number }[];
}) {
  return (
    <div class="table-wrap">
      <table data-testid={testId}>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head}</th>
            <th scope="col" class="num">
              {t("pcc.total")}
            </th>
            <th scope="col" class="num">
              {t("pcc.checked")}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{r.label}</th>
              <td class="num">{count(r.total)}</td>
              <td class="num">{count(r.checked)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
