import { useEffect, useState } from "preact/hooks";
import { api, ApiFailure } from "../api";
import { count } from "../format";
import { addStrings, t } from "../i18n";
import { label } from "../labels";
import type { Facility, FacilityList, ImportReport, ImportRow, Me } from "../types";
import { ErrorNote, fieldError, Link, Notice, Page } from "../ui";

addStrings({
  ja: {
    "imp.intro":
      "Excelで保存したCSV（Shift_JIS・UTF-8）を選んでください。1行目は見出し（氏名,フリガナ,事業所名,職種,携帯電話,電話番号,メールアドレス,役割）。ほかの列（内線、備考など）はそのままで構いません。まず内容を確認し、問題がなければ取り込みます。",
    "imp.file": "CSVファイル",
    "imp.facility": "取り込む事業所",
    "imp.anyFacility": "CSVの「事業所名」に従う",
    "imp.check": "内容を確認する",
    "imp.commit": "{n}件を取り込む",
    "imp.encoding": "文字コード：{enc}",
    "imp.columns": "取り込む列：{cols}",
    "imp.ignored": "取り込まない列：{cols}",
    "imp.counts": "全{rows}行：追加 {create}・更新 {update}・変更なし {unchanged}・問題あり {invalid}",
    "imp.warned": "注意のある行：{n}（取り込めます）",
    "imp.row": "行",
    "imp.line": "ファイルの行",
    "imp.name": "氏名",
    "imp.facilityCol": "事業所",
    "imp.role": "役割",
    "imp.action": "処理",
    "imp.problems": "問題・注意",
    "imp.mobile": "携帯電話",
    "imp.phone": "電話（SMSなし）",
    "imp.email": "メール",
    "imp.changes": "変わる項目：{f}",
    "imp.storedNote": "携帯電話・電話・メールは、保存される形で表示しています。番号が違うときはCSVを直してください。",
    "imp.col.name": "氏名",
    "imp.col.kana": "フリガナ",
    "imp.col.facility": "事業所名",
    "imp.col.job": "職種",
    "imp.col.mobile": "携帯電話",
    "imp.col.phone": "電話番号",
    "imp.col.email": "メールアドレス",
    "imp.col.role": "役割",
    "imp.col.lang": "言語",
    "imp.p.missing_name": "氏名なし",
    "imp.p.missing_facility": "事業所なし",
    "imp.p.unknown_facility": "事業所が見つからない",
    "imp.p.facility_out_of_scope": "取り込めない事業所",
    "imp.p.ambiguous_facility": "事業所を決められない",
    "imp.p.bad_phone": "電話番号の誤り",
    "imp.p.bad_email": "メールアドレスの誤り",
    "imp.p.duplicate_email": "メールアドレスの重複",
    "imp.p.duplicate_mobile": "携帯電話番号の重複",
    "imp.p.email_taken": "使われているメールアドレス",
    "imp.p.mobile_taken": "使われている携帯電話番号",
    "imp.p.duplicate_person": "同じ人の行",
    "imp.p.ambiguous_person": "同じ名前の人",
    "imp.p.unknown_role": "役割の誤り",
    "imp.p.role_not_allowed": "付けられない役割",
    "imp.p.not_editable": "変更できない人",
    "imp.p.unknown_lang": "言語の誤り",
    "imp.p.too_long": "長すぎる",
    "imp.w.landline_in_mobile": "携帯電話の列に固定電話",
    "imp.w.no_contact": "連絡手段なし",
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
      "Choose a CSV saved from Excel (Shift_JIS or UTF-8). The first line is the header (氏名,フリガナ,事業所名,職種,携帯電話,電話番号,メールアドレス,役割). Other columns (内線, 備考 …) may stay. Check it first; import when there are no problems.",
    "imp.file": "CSV file",
    "imp.facility": "Import into",
    "imp.anyFacility": "As the 事業所名 column says",
    "imp.check": "Check the file",
    "imp.commit": "Import {n} rows",
    "imp.encoding": "Encoding: {enc}",
    "imp.columns": "Columns imported: {cols}",
    "imp.ignored": "Columns not imported: {cols}",
    "imp.counts": "{rows} rows: add {create}, update {update}, unchanged {unchanged}, with problems {invalid}",
    "imp.warned": "Rows with a warning: {n} (they can be imported)",
    "imp.row": "Row",
    "imp.line": "Line",
    "imp.name": "Name",
    "imp.facilityCol": "Facility",
    "imp.role": "Role",
    "imp.action": "Action",
    "imp.problems": "Problems and warnings",
    "imp.mobile": "Mobile",
    "imp.phone": "Phone (no SMS)",
    "imp.email": "Email",
    "imp.changes": "Changes: {f}",
    "imp.storedNote": "Mobile, phone and email are shown as they will be stored. If a number is wrong, fix the CSV.",
    "imp.col.name": "name",
    "imp.col.kana": "reading",
    "imp.col.facility": "facility",
    "imp.col.job": "job",
    "imp.col.mobile": "mobile",
    "imp.col.phone": "phone",
    "imp.col.email": "email",
    "imp.col.role": "role",
    "imp.col.lang": "language",
    "imp.p.missing_name": "No name",
    "imp.p.missing_facility": "No facility",
    "imp.p.unknown_facility": "Unknown facility",
    "imp.p.facility_out_of_scope": "Facility not allowed",
    "imp.p.ambiguous_facility": "Facility unclear",
    "imp.p.bad_phone": "Wrong phone number",
    "imp.p.bad_email": "Wrong email",
    "imp.p.duplicate_email": "Email twice",
    "imp.p.duplicate_mobile": "Mobile twice",
    "imp.p.email_taken": "Email in use",
    "imp.p.mobile_taken": "Mobile in use",
    "imp.p.duplicate_person": "Same person twice",
    "imp.p.ambiguous_person": "Same name",
    "imp.p.unknown_role": "Wrong role",
    "imp.p.role_not_allowed": "Role not allowed",
    "imp.p.not_editable": "Cannot change this person",
    "imp.p.unknown_lang": "Wrong language",
    "imp.p.too_long": "Too long",
    "imp.w.landline_in_mobile": "Landline in the mobile column",
    "imp.w.no_contact": "No way to reach",
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

/** Column codes (name, mobile …) as the sheet's headers say them. */
const columnWords = (cols: string[]) => cols.map((c) => t(`imp.col.${c}`, c)).join("、");

function Notes({ items, kind }: { items: ImportRow["problems"] | ImportRow["warnings"]; kind: "p" | "w" }) {
  return (
    <>
      {items.map((p, i) => (
        <div key={i} class={kind === "p" ? "imp-problem" : "imp-warning"}>
          <strong>{t(`imp.${kind}.${p.code}`, "")}</strong> {p.message}
        </div>
      ))}
    </>
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
      <p data-testid="import-columns">{t("imp.columns", { cols: columnWords(report.columns) })}</p>
      {report.ignoredColumns.length ? <p data-testid="import-ignored">{t("imp.ignored", { cols: report.ignoredColumns.join("、") })}</p> : null}
      <p class="lead" data-testid="import-counts">
        {t("imp.counts", { rows: count(c.rows), create: count(c.create), update: count(c.update), unchanged: count(c.unchanged), invalid: count(c.invalid) })}
      </p>
      {c.warned ? <p data-testid="import-warned">{t("imp.warned", { n: count(c.warned) })}</p> : null}
      {!report.ok ? <p class="warn">{t("imp.fixFirst")}</p> : null}
      <p class="help">{t("imp.storedNote")}</p>
      <div class="table-wrap">
        <table class="preview-table cards" data-testid="import-rows">
          <thead>
            <tr>
              <th scope="col" class="num">
                {t("imp.line")}
              </th>
              <th scope="col">{t("imp.name")}</th>
              <th scope="col">{t("imp.facilityCol")}</th>
              <th scope="col">{t("imp.role")}</th>
              <th scope="col">{t("imp.mobile")}</th>
              <th scope="col">{t("imp.phone")}</th>
              <th scope="col">{t("imp.email")}</th>
              <th scope="col">{t("imp.action")}</th>
              <th scope="col">{t("imp.problems")}</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((r) => (
              <tr key={r.row} class={r.problems.length ? "row-error bad" : r.warnings.length ? "row-warn" : ""}>
                <td class="num" data-label={t("imp.line")}>
                  {r.line}
                </td>
                <th scope="row" class="nowrap">
                  {r.name || "—"}
                </th>
                <td data-label={t("imp.facilityCol")}>{r.facility || "—"}</td>
                <td data-label={t("imp.role")}>{r.role ? label("mr", r.role) : "—"}</td>
                <td class="nowrap" data-label={t("imp.mobile")}>
                  {r.mobile ?? "—"}
                </td>
                <td class="nowrap" data-label={t("imp.phone")}>
                  {r.phones.length ? r.phones.join("、") : "—"}
                </td>
                <td class="addr" data-label={t("imp.email")}>
                  {r.email ?? "—"}
                </td>
                <td data-label={t("imp.action")}>
                  {r.action ? t(`imp.action.${r.action}`) : "—"}
                  {r.changes.length ? <div class="help">{t("imp.changes", { f: columnWords(r.changes) })}</div> : null}
                </td>
                <td class="notes">
                  <Notes items={r.problems} kind="p" />
                  <Notes items={r.warnings} kind="w" />
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
