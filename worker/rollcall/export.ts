import { auditStatement } from "../audit/log";
import type { Auth } from "../auth/scope";
import { readableRollcall } from "../board/service";
import { phoneForPeople } from "../directory/contact";
import { FACILITY_TYPE_LABELS } from "../directory/schemas";
import { FACILITY_FIELDS, FACILITY_LABELS_JA, facilityValueJa } from "../templates/answers";
import { label, wording } from "../templates/files";
import { exportRows, type ExportRow, type Rollcall } from "./data";

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

/** Local time in Japan (the network's time zone), as Excel reads it. */
/** The facility report's columns in the EMIS order; its comment apart from the person's. */
const facilityHeader = FACILITY_FIELDS.map((k) => (k === "comment" ? "施設のコメント" : FACILITY_LABELS_JA[k]));

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
