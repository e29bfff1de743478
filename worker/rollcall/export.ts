import { auditStatement } from "../audit/log";
import type { Auth } from "../auth/scope";
import { readableRollcall } from "../board/service";
import { phoneForPeople } from "../directory/contact";
import { FACILITY_TYPE_LABELS } from "../directory/schemas";
import { FACILITY_FIELDS, FACILITY_LABELS_JA, facilityValueJa } from "../templates/answers";
import { label, wording } from "../templates/files";
import { exportRows, facilityExportRows, type ExportRow, type FacilityExportRow, type Rollcall } from "./data";
import { facilityReport } from "./service";

const FACILITY_TYPE_JA: Readonly<Record<string, string>> = FACILITY_TYPE_LABELS;

/** How a proxy reply's person was reached, in the sheet's words. */
const PROXY_REACHED_JA: Readonly<Record<string, string>> = { phone: "電話", in_person: "対面", family: "家族から", other: "その他" };

/**
 * One CSV cell: quoted when needed (RFC 4180), and a leading = + - @ or tab/CR
 * defused with an apostrophe so a spreadsheet never runs a comment as a formula.
 */
export function csvCell(v: string | number | null | undefined): string {
  let s = v == null ? "" : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The facility report's columns in the EMIS order; its comment apart from the person's. */
const facilityHeader = FACILITY_FIELDS.map((k) => (k === "comment" ? "施設のコメント" : FACILITY_LABELS_JA[k]));

/** Local time in Japan (the network's time zone), as Excel reads it. */
const jst = (ms: number | null) => (ms == null ? "" : new Date(ms + 9 * 3600_000).toISOString().slice(0, 19).replace("T", " "));

/**
 * The roll-call's answers as CSV: UTF-8 with a BOM and CRLF, so Excel opens it in
 * Japanese. Every row names the roll-call (種別 本番/訓練, title, start), so sheets
 * from several roll-calls can be put together; phones as people write them.
 */
export function toCsv(rows: ExportRow[], rc: Pick<Rollcall, "drill" | "title" | "confirmedAt">, withContacts: boolean): string {
  const w = wording("ja");
  const opt = (q: string, v: string | undefined) => (v ? label(w, `${q}.${v}`) : "");
  const header = [
    "種別",
    "件名",
    "開始日時",
    "施設",
    "施設種別",
    "氏名",
    "ふりがな",
    "職種",
    "管理者",
    "回答",
    "安否",
    "出勤可否",
    "到着見込み",
    "確認",
    ...facilityHeader,
    "コメント",
    "回答方法",
    "代理回答者",
    "代理回答の連絡方法",
    "最初の回答日時",
    "最新の回答日時",
    ...(withContacts ? ["携帯電話", "メール"] : []),
  ];
  const kind = rc.drill ? "訓練" : "本番";
  const started = jst(rc.confirmedAt);
  const lines = [header.map(csvCell).join(",")];
  for (const r of rows) {
    const a = r.answers ?? {};
    const f = a.facility ?? {};
    lines.push(
      [
        kind,
        rc.title,
        started,
        r.facility,
        r.facilityType ? (FACILITY_TYPE_JA[r.facilityType] ?? r.facilityType) : "",
        r.name,
        r.kana,
        r.job,
        r.isFacilityAdmin ? "○" : "",
        r.repliedAt ? "済" : label(w, "unanswered"),
        opt("safety", a.safety),
        opt("availability", a.availability),
        a.arrival ?? "",
        a.ack ? label(w, "ack.yes") : "",
        ...FACILITY_FIELDS.map((k) => facilityValueJa(k, f[k])),
        r.comment,
        r.via ? label(w, `via.${r.via}`) : "",
        r.proxyBy ?? "",
        r.proxyReached ? (PROXY_REACHED_JA[r.proxyReached] ?? r.proxyReached) : "",
        jst(r.repliedAt),
        jst(r.answeredAt),
        ...(withContacts ? [r.mobile ? phoneForPeople(r.mobile) : "", r.email ?? ""] : []),
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

/**
 * The export of one roll-call: everyone asked and their latest answer, in the part the
 * caller may read and with contacts where the board shows them (the board's one
 * decision, never the city viewer's), audited. The CSV text and its file name.
 */
export async function exportRollcall(env: Env, auth: Auth, id: number): Promise<{ csv: string; filename: string }> {
  const { rc, audience } = await readableRollcall(env, auth, id);
  const { facilityIds, contacts: withContacts } = audience;
  const rows = await exportRows(env.DB, rc.id, { facilityIds, withContacts });
  await auditStatement(env.DB, {
    actorId: auth.personId,
    action: "rollcall.exported",
    objectType: "rollcall",
    objectId: rc.id,
    detail: { rows: rows.length, contacts: withContacts },
  }).run();
  return { csv: toCsv(rows, rc, withContacts), filename: `rollcall-${rc.id}${rc.drill ? "-drill" : ""}.csv` };
}

/**
 * The facility sheet: one row per facility of the roll-call, its report in the EMIS
 * order with the words of the board (使える / 使えない …), then its counts. The same
 * conventions as the answers' CSV (BOM, CRLF, the formula guard); the facility's phone
 * only with contacts (never for the city viewer).
 */
export function toFacilitiesCsv(rows: FacilityExportRow[], withContacts: boolean): string {
  const header = [
    "事業所名",
    "種別",
    "地区",
    ...(withContacts ? ["電話"] : []),
    "報告者",
    "報告日時",
    ...FACILITY_FIELDS.map((k) => FACILITY_LABELS_JA[k]),
    "回答",
    "対象",
  ];
  const lines = [header.map(csvCell).join(",")];
  for (const f of rows) {
    const latest = facilityReport(f.reports.map((r) => ({ ...r, isFacilityAdmin: true })));
    lines.push(
      [
        f.name,
        FACILITY_TYPE_JA[f.type] ?? f.type,
        f.district,
        ...(withContacts ? [f.phone ? phoneForPeople(f.phone) : ""] : []),
        latest?.from.name ?? "",
        jst(latest?.from.answeredAt ?? null),
        ...FACILITY_FIELDS.map((k) => facilityValueJa(k, latest?.report[k])),
        f.replied,
        f.recipients,
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

/**
 * The facility sheet of one roll-call (facilities.csv): the facilities in the part the
 * caller may read, by the board's one decision (as {@link exportRollcall}), audited.
 */
export async function exportFacilities(env: Env, auth: Auth, id: number): Promise<{ csv: string; filename: string }> {
  const { rc, audience } = await readableRollcall(env, auth, id);
  const { facilityIds, contacts: withContacts } = audience;
  const rows = await facilityExportRows(env.DB, rc.id, { facilityIds, withContacts });
  await auditStatement(env.DB, {
    actorId: auth.personId,
    action: "rollcall.facilities_exported",
    objectType: "rollcall",
    objectId: rc.id,
    detail: { rows: rows.length, contacts: withContacts },
  }).run();
  return { csv: toFacilitiesCsv(rows, withContacts), filename: `rollcall-${rc.id}${rc.drill ? "-drill" : ""}-facilities.csv` };
}
