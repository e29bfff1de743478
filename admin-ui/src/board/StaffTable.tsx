/**
 * Who can come, per 職種 and by when (すぐ, 30分以内, 1時間以内, それ以降, 未定): what the
 * association plans with. The groups are worker/board/arrival.ts's.
 */
import { count } from "../format";
import { addStrings, t } from "../i18n";
import type { BoardData } from "../types";
import { ARRIVAL_GROUPS } from "../../../worker/board/arrival";

addStrings({
  ja: {
    "st.title": "出勤できる人（職種ごと）",
    "st.help": "「出勤可能」「条件付き」と答えた人を、到着の見込みで分けています（回答した時刻から）。",
    "st.job": "職種",
    "st.total": "計",
    "st.none": "まだいません。",
    "st.noJob": "職種の登録なし",
    "st.g.now": "すぐ",
    "st.g.m30": "30分以内",
    "st.g.m60": "1時間以内",
    "st.g.later": "それ以降",
    "st.g.unknown": "時間未定",
  },
  en: {
    "st.title": "Who can come in, by job",
    "st.help": "People who answered they can come (or with conditions), by when they expect to arrive (from when they answered).",
    "st.job": "Job",
    "st.total": "Total",
    "st.none": "Nobody yet.",
    "st.noJob": "No job given",
    "st.g.now": "Now",
    "st.g.m30": "Within 30 min",
    "st.g.m60": "Within 1 h",
    "st.g.later": "Later",
    "st.g.unknown": "Time unknown",
  },
});

type Row = BoardData["staff"]["all"][number];

export function StaffTable({ rows }: { rows: Row[] }) {
  if (!rows.length) return <p>{t("st.none")}</p>;
  const total = (r: Row) => ARRIVAL_GROUPS.reduce((n, g) => n + r[g], 0);
  return (
    <>
      <p class="help">{t("st.help")}</p>
      <div class="table-wrap">
        <table class="cards staff" data-testid="staff-by-job">
          <thead>
            <tr>
              <th scope="col">{t("st.job")}</th>
              {ARRIVAL_GROUPS.map((g) => (
                <th scope="col" class="num" key={g}>
                  {t(`st.g.${g}`)}
                </th>
              ))}
              <th scope="col" class="num">
                {t("st.total")}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.job}>
                <th scope="row">{r.job || t("st.noJob")}</th>
                {ARRIVAL_GROUPS.map((g) => (
                  <td class="num" key={g} data-label={t(`st.g.${g}`)}>
                    {count(r[g])}
                  </td>
                ))}
                <td class="num" data-label={t("st.total")}>
                  <strong>{count(total(r))}</strong>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
