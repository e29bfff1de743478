import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { dateTime } from "../format";
import { t } from "../i18n";
import type { AuditEntry } from "../types";
import { ErrorNote, Loading, Page } from "../ui";

interface AuditPage {
  entries: AuditEntry[];
  nextBefore: number | null;
}

export function Audit() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [action, setAction] = useState("");
  const [applied, setApplied] = useState("");
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async (before: number | null, filter: string, append: boolean) => {
    setError(null);
    try {
      const page = await api.get<AuditPage>("/api/audit", { query: { limit: 50, before, action: filter } });
      setEntries((old) => (append && old ? [...old, ...page.entries] : page.entries));
      setNext(page.nextBefore);
    } catch (err) {
      setError(err);
    }
  }, []);
  useEffect(() => {
    void load(null, applied, false);
  }, [applied, load]);

  return (
    <Page title={t("audit.title")}>
      <search>
        <form
          class="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            setApplied(action.trim());
          }}
        >
          <label for="audit-action">{t("audit.filter")}</label>
          <input id="audit-action" value={action} placeholder="auth.sign_in" onInput={(e) => setAction((e.currentTarget as HTMLInputElement).value)} />
          <button class="btn" type="submit">
            {t("common.apply")}
          </button>
        </form>
      </search>
      <ErrorNote error={error} />
      {entries === null ? (
        error ? null : (
          <Loading />
        )
      ) : entries.length === 0 ? (
        <p>{t("audit.empty")}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("audit.at")}</th>
                <th scope="col">{t("audit.actor")}</th>
                <th scope="col">{t("audit.action")}</th>
                <th scope="col">{t("audit.object")}</th>
                <th scope="col">{t("audit.detail")}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td class="nowrap">{dateTime(e.at)}</td>
                  <td>{e.actorName ?? (e.actorId === null ? "—" : `#${e.actorId}`)}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>{e.objectType ? `${e.objectType} ${e.objectId ?? ""}` : "—"}</td>
                  <td class="detail">{Object.keys(e.detail).length ? JSON.stringify(e.detail) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next !== null ? (
        <button type="button" class="btn" onClick={() => load(next, applied, true)}>
          {t("audit.more")}
        </button>
      ) : null}
    </Page>
  );
}
