import { useEffect, useState } from "preact/hooks";
import { api, ApiFailure } from "../api";
import { count } from "../format";
import { addStrings, t } from "../i18n";
import { label } from "../labels";
import type { Facility, FacilityList, ImportReport, Me } from "../types";
import { ErrorNote, fieldError, Link, Notice, Page } from "../ui";

addStrings({
  ja: {
    "imp.intro":
      "Excelで保存したCSV（Shift_JIS・UTF-8）を選んでください。1行目は見出し（氏名,フリガナ,事業所名,職種,携帯電話,メールアドレス,役割）。まず内容を確認し、問題がなければ取り込みます。",
    "imp.file": "CSVファイル",
    "imp.facility": "取り込む事業所",
    "imp.anyFacility": "CSVの「事業所名」に従う",
    "imp.check": "内容を確認する",
    "imp.commit": "{n}件を取り込む",
    "imp.encoding": "文字コード：{enc}",
    "imp.columns": "使う列：{cols}",
    "imp.ignored": "使わない列：{cols}",
    "imp.counts": "全{rows}行：追加 {create}・更新 {update}・変更なし {unchanged}・問題あり {invalid}",
    "imp.row": "行",
    "imp.line": "ファイルの行",
    "imp.name": "氏名",
    "imp.facilityCol": "事業所",
    "imp.role": "役割",
    "imp.action": "処理",
    "imp.problems": "問題",
    "imp.changes": "変わる項目：{f}",
    "imp.fixFirst": "問題のある行を直してから、もう一度確認してください。1行でも問題があると何も取り込みません。",
    "imp.done": "取り込みました：追加 {create}・更新 {update}。",
    "imp.action.create": "追加",
    "imp.action.update": "更新",
    "imp.action.unchanged": "変更なし",
    "imp.noFile": "ファイルを選んでください。",
    "imp.toDirectory": "名簿を見る",
  },
  en: {
    "imp.intro":
      "Choose a CSV saved from Excel (Shift_JIS or UTF-8). The first line is the header (氏名,フリガナ,事業所名,職種,携帯電話,メールアドレス,役割). Check it first; import when there are no problems.",
    "imp.file": "CSV file",
    "imp.facility": "Import into",
    "imp.anyFacility": "As the 事業所名 column says",
    "imp.check": "Check the file",
    "imp.commit": "Import {n} rows",
    "imp.encoding": "Encoding: {enc}",
    "imp.columns": "Columns used: {cols}",
    "imp.ignored": "Columns ignored: {cols}",
    "imp.counts": "{rows} rows: add {create}, update {update}, unchanged {unchanged}, with problems {invalid}",
    "imp.row": "Row",
    "imp.line": "Line",
    "imp.name": "Name",
    "imp.facilityCol": "Facility",
    "imp.role": "Role",
    "imp.action": "Action",
    "imp.problems": "Problems",
    "imp.changes": "Changes: {f}",
    "imp.fixFirst": "Fix the rows with problems and check again. Nothing is imported while any row has a problem.",
    "imp.done": "Imported: {create} added, {update} updated.",
    "imp.action.create": "Add",
    "imp.action.update": "Update",
    "imp.action.unchanged": "Unchanged",
    "imp.noFile": "Choose a file.",
    "imp.toDirectory": "Open the directory",
  },
});

const noFile = () => new ApiFailure(400, "invalid", t("imp.noFile"), "file");

/** CSV import: row-by-row preview, then an all-or-nothing commit of the same bytes. */
export function Import({ me }: { me: Me }) {
  const [file, setFile] = useState<File | null>(null);
  const [facilityId, setFacilityId] = useState("");
  const [facilities, setFacilities] = useState<Facility[]>([]);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api.get<FacilityList>("/api/facilities", { query: { limit: 200 } }).then(
      (l) => setFacilities(l.items),
      () => {},
    );
  }, []);
  const isNetworkAdmin = me.roles.includes("network_admin");

  async function send(step: "preview" | "commit") {
    if (!file) return setError(noFile());
    setBusy(true);
    setError(null);
    try {
      const bytes = await file.arrayBuffer();
      const r = await api.post<ImportReport>(`/api/import/people/${step}`, undefined, {
        raw: { body: bytes, type: "text/csv" },
        query: { facilityId: facilityId || undefined },
      });
      setReport(r);
    } catch (err) {
      setError(err);
      // A refused commit still carries the row report.
      if (err instanceof ApiFailure && err.status === 422) await send("preview");
    } finally {
      setBusy(false);
    }
  }

  const fileMsg = fieldError(error, "file");
  return (
    <Page title={t("nav.import")}>
      <p>{t("imp.intro")}</p>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void send("preview");
        }}
      >
        <div class={`field${fileMsg ? " has-error" : ""}`}>
          <label for="imp-file">{t("imp.file")}</label>
          <input
            id="imp-file"
            name="file"
            type="file"
            accept=".csv,text/csv"
            aria-invalid={fileMsg ? "true" : undefined}
            aria-describedby={fileMsg ? "imp-file-err" : undefined}
            onChange={(e) => {
              setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null);
              setReport(null);
              setError(null);
            }}
          />
          {fileMsg ? (
            <p class="field-error" id="imp-file-err" role="alert">
              {fileMsg}
            </p>
          ) : null}
        </div>
        {facilities.length > 0 && (isNetworkAdmin || facilities.length > 1) ? (
          <div class="field">
            <label for="imp-facility">{t("imp.facility")}</label>
            <select id="imp-facility" value={facilityId} onChange={(e) => setFacilityId((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">{t("imp.anyFacility")}</option>
              {facilities.map((f) => (
                <option key={f.id} value={String(f.id)}>
                  {f.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <ErrorNote error={error} fields={["file"]} />
        <button type="submit" class="btn primary" disabled={busy}>
          {t("imp.check")}
        </button>
      </form>
      {report ? <ReportView report={report} busy={busy} onCommit={() => send("commit")} /> : null}
    </Page>
  );
}

function ReportView({ report, busy, onCommit }: { report: ImportReport; busy: boolean; onCommit: () => void }) {
  const c = report.counts;
  const writes = c.create + c.update;
  return (
    <section aria-labelledby="imp-h" class="card">
      <h2 id="imp-h">{t("imp.check")}</h2>
      {report.committed ? <Notice>{t("imp.done", { create: c.create, update: c.update })}</Notice> : null}
      <p>{t("imp.encoding", { enc: report.encoding })}</p>
      <p>{t("imp.columns", { cols: report.columns.join("、") })}</p>
      {report.ignoredColumns.length ? <p>{t("imp.ignored", { cols: report.ignoredColumns.join("、") })}</p> : null}
      <p class="lead" data-testid="import-counts">
        {t("imp.counts", { rows: count(c.rows), create: count(c.create), update: count(c.update), unchanged: count(c.unchanged), invalid: count(c.invalid) })}
      </p>
      {!report.ok ? <p class="warn">{t("imp.fixFirst")}</p> : null}
      <div class="table-wrap">
        <table class="preview-table">
          <thead>
            <tr>
              <th scope="col" class="num">
                {t("imp.line")}
              </th>
              <th scope="col">{t("imp.name")}</th>
              <th scope="col">{t("imp.facilityCol")}</th>
              <th scope="col">{t("imp.role")}</th>
              <th scope="col">{t("imp.action")}</th>
              <th scope="col">{t("imp.problems")}</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((r) => (
              <tr key={r.row} class={r.problems.length ? "row-error" : ""}>
                <td class="num">{r.line}</td>
                <td>{r.name}</td>
                <td>{r.facility}</td>
                <td>{r.role ? label("mr", r.role) : "—"}</td>
                <td>
                  {r.action ? t(`imp.action.${r.action}`) : "—"}
                  {r.changes.length ? <div class="help">{t("imp.changes", { f: r.changes.join("、") })}</div> : null}
                </td>
                <td class="errors">
                  {r.problems.map((p, i) => (
                    <div key={i}>{p.message}</div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {report.committed ? (
        <Link href="/directory?tab=people" class="btn">
          {t("imp.toDirectory")}
        </Link>
      ) : report.ok && writes > 0 ? (
        <button type="button" class="btn primary big" disabled={busy} onClick={onCommit}>
          {t("imp.commit", { n: count(writes) })}
        </button>
      ) : null}
    </section>
  );
}
