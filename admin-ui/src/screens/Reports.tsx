import { useCallback, useState } from "preact/hooks";
import { api } from "../api";
import { dateTime } from "../format";
import { addStrings, t } from "../i18n";
import type { StaffReport, StaffReportList } from "../types";
import { ErrorNote, Loaded, Notice, Page, useLoad } from "../ui";

addStrings({
  ja: {
    "rps.intro": "職員からの報告（端末の紛失、システムの不具合、不正アクセスの疑い）です。端末をなくした人は、すべてのサインインと通知を止めてください。",
    "rps.none": "報告はありません。",
    "rps.who": "報告した人",
    "rps.kind": "内容",
    "rps.at": "日時",
    "rps.end": "サインインと通知をすべて止める",
    "rps.endConfirm": "{name}さんのサインインと通知の登録をすべて止めますか？本人はもう一度サインインし、通知を登録し直す必要があります。",
    "rps.ended": "{name}さん：サインイン {s}件と通知の端末 {p}台を止めました。",
    "rps.handledNote": "サインインと通知をすべて止めました",
    "rps.handled": "対応済み {t} {name}",
  },
  en: {
    "rps.intro":
      "Reports from staff (lost device, system fault, suspected unauthorised access). For a lost device, end all of that person's sign-ins and notifications.",
    "rps.none": "No reports.",
    "rps.who": "Reported by",
    "rps.kind": "What",
    "rps.at": "When",
    "rps.end": "End all sign-ins and notifications",
    "rps.endConfirm": "End every sign-in and notification device of {name}? They will have to sign in and turn notifications on again.",
    "rps.ended": "{name}: ended {s} sign-ins and {p} notification devices.",
    "rps.handledNote": "Ended all sign-ins and notifications",
    "rps.handled": "Handled {t} {name}",
  },
});

/** Staff reports for the admin, with the remote wipe (§5, §7). */
export function Reports() {
  const result = useLoad(useCallback(() => api.get<StaffReportList>("/api/reports", { query: { state: "all" } }), []));
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function end(r: StaffReport) {
    if (!window.confirm(t("rps.endConfirm", { name: r.personName }))) return;
    setError(null);
    try {
      const x = await api.post<{ sessions: number; pushSubscriptions: number }>(`/api/people/${r.personId}/end-sessions`);
      // The report is handled by the remote wipe; say so on it.
      if (!r.handledAt) await api.post(`/api/reports/${r.id}/handle`, { note: t("rps.handledNote") });
      setNote(t("rps.ended", { name: r.personName, s: x.sessions, p: x.pushSubscriptions }));
      result.reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Page title={t("nav.reports")}>
      <p>{t("rps.intro")}</p>
      {note ? <Notice>{note}</Notice> : null}
      <ErrorNote error={error} />
      <Loaded result={result}>
        {(d) =>
          d.items.length === 0 ? (
            <p>{t("rps.none")}</p>
          ) : (
            <div class="table-wrap">
              <table data-testid="reports">
                <thead>
                  <tr>
                    <th scope="col">{t("rps.at")}</th>
                    <th scope="col">{t("rps.who")}</th>
                    <th scope="col">{t("rps.kind")}</th>
                    <th scope="col">
                      <span class="sr-only">{t("rps.end")}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((r) => (
                    <tr key={r.id} class={r.kind === "lost_device" && !r.handledAt ? "bad" : ""}>
                      <td>{dateTime(r.createdAt)}</td>
                      <td>{r.personName}</td>
                      <td>
                        {t(`rp.kind.${r.kind}`, r.kind)}
                        {r.note ? <div class="help">{r.note}</div> : null}
                        {r.handledAt ? <div class="help">{t("rps.handled", { t: dateTime(r.handledAt), name: r.handledByName ?? "" })}</div> : null}
                      </td>
                      <td>
                        <button type="button" class="btn small danger" onClick={() => end(r)} aria-label={`${t("rps.end")}：${r.personName}`}>
                          {t("rps.end")}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </Page>
  );
}
