import { audit, auditStatement } from "../audit/log";
import { isNetworkAdmin, managedFacilityIds, type Auth } from "../auth/scope";
import { clock } from "../lib/clock";
import { ApiError, notFound, jaEn } from "../lib/errors";
import { sendDirect } from "../messages/send";
import { langOfPerson, say } from "../messages/wording";
import * as data from "./data";
import { MAX_REPORTS_PER_HOUR, type ReportKind } from "./schemas";

/**
 * Incident reports (a lost device, a fault, suspected unauthorised access): anyone
 * files one to their facility admins; the admins read and handle those of their
 * facilities, network admins all.
 */

/** Admin scope: null = every report (network admin), else the facilities they administer. */
const scopeOf = (auth: Auth): number[] | null => (isNetworkAdmin(auth) ? null : managedFacilityIds(auth));

/** The one rule of who may see and handle a report: an admin of one of the reporter's facilities, or a network admin. */
export function mayHandle(auth: Auth, r: data.ReportRow): boolean {
  const scope = scopeOf(auth);
  return scope === null || r.facilityIds.some((f) => scope.includes(f));
}

/** Files a report and notifies the reporter's admins; `notified` counts the notices sent. */
export async function fileReport(env: Env, auth: Auth, input: { kind: ReportKind; note: string }): Promise<{ report: data.ReportRow; notified: number }> {
  const { kind, note } = input;
  const db = env.DB;
  const now = clock.now();
  if ((await data.reportsSince(db, auth.personId, now - 3_600_000)) >= MAX_REPORTS_PER_HOUR)
    throw new ApiError(
      "too_many_requests",
      jaEn(
        "この1時間に何件か報告が届いています。管理者に届いています。急ぐときは電話してください。",
        "Several reports were filed in the last hour; your admins have them. Call them if it is urgent.",
      ),
    );
  const facilityIds = auth.facilities.map((f) => f.facilityId);
  let id = 0;
  for (let attempt = 0; ; attempt++) {
    id = await data.nextReportId(db);
    try {
      await db.batch([
        data.insertReport(db, { id, personId: auth.personId, kind, note: note.trim(), facilityIds, at: now }),
        auditStatement(db, { actorId: auth.personId, action: "report.filed", objectType: "report", objectId: id, detail: { kind, facilityIds } }),
      ]);
      break;
    } catch (err) {
      if (attempt < 4 && data.isReportIdTaken(err)) continue;
      throw err;
    }
  }
  // The notice names the reporter and the kind, never the note (it may say more than an SMS should carry).
  const link = `${env.PUBLIC_URL.replace(/\/+$/, "")}/reports`;
  let notified = 0;
  for (const admin of await data.reportRecipients(db, facilityIds, auth.personId)) {
    const lang = langOfPerson(admin.lang);
    const vars = { name: auth.name, kind: say(lang, `report.kind.${kind}`), link };
    const r = await sendDirect(env, {
      kind: "report",
      channel: admin.kind === "email" ? "email" : "sms",
      to: admin.value,
      personId: admin.personId,
      senderId: auth.personId,
      facilityId: admin.facilityId,
      subject: say(lang, "report.subject", vars),
      text: say(lang, "report.text", vars),
      link,
    });
    if (r.ok) notified++;
  }
  return { report: (await data.findReport(db, id))!, notified };
}

export interface ReportQuery {
  state: data.ReportState;
  before?: number;
  limit: number;
}

/** One's own reports. */
export const myReports = (db: D1Database, auth: Auth, q: ReportQuery) =>
  data.listReports(db, { facilityIds: null, personId: auth.personId, state: q.state, before: q.before, limit: q.limit });

/** The reports the admin may handle; the read is audited (they name people). */
export async function reportsFor(db: D1Database, auth: Auth, q: ReportQuery): Promise<data.ReportRow[]> {
  const rows = await data.listReports(db, { facilityIds: scopeOf(auth), state: q.state, before: q.before, limit: q.limit });
  await audit(db, { actorId: auth.personId, action: "reports.read", detail: { items: rows.length } });
  return rows;
}

/** Marks a report handled, once; out of the admin's scope is 404. */
export async function handleReport(db: D1Database, auth: Auth, id: number, note: string): Promise<data.ReportRow> {
  const r = await data.findReport(db, id);
  if (!r || !mayHandle(auth, r)) throw notFound(jaEn("報告", "report"));
  if (r.handledAt !== null) throw new ApiError("conflict", jaEn("この報告はもう対応済みです。", "This report was handled already."), "id");
  const [done] = await db.batch([
    data.markHandled(db, id, auth.personId, note.trim(), clock.now()),
    auditStatement(db, {
      actorId: auth.personId,
      action: "report.handled",
      objectType: "report",
      objectId: id,
      detail: { personId: r.personId, kind: r.kind },
    }),
  ]);
  if (done!.meta.changes !== 1) throw new ApiError("conflict", jaEn("この報告はもう対応済みです。", "This report was handled already."), "id");
  return (await data.findReport(db, id))!;
}
