import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { dateTime } from "../format";
import { addStrings, adminLang, t } from "../i18n";
import type { AuditEntry } from "../types";
import { ErrorNote, Loading, Page } from "../ui";
import { AUDIT_ACTION_LIST, AUDIT_ACTIONS, AUDIT_DETAIL_KEYS, AUDIT_DETAIL_VALUES, AUDIT_OBJECT_TYPES } from "../../../worker/audit/actions";

addStrings({
  ja: { "audit.all": "すべての操作", "audit.system": "システム" },
  en: { "audit.all": "Every action", "audit.system": "System" },
});

interface AuditPage {
  entries: AuditEntry[];
  nextBefore: number | null;
}

type Words = { ja: string; en: string };
const inLang = (w: Words | undefined, raw: string) => (w ? w[adminLang()] : raw);

/** An action in words (「サインイン」), never its code. */
export const actionWords = (action: string) => inLang((AUDIT_ACTIONS as Record<string, Words>)[action], action);

/** A detail value as a person reads it. */
function valueWords(v: unknown): string {
  if (v === true) return t("common.yes");
  if (v === false) return t("common.no");
  if (v === null || v === undefined || v === "") return "—";
  if (Array.isArray(v)) return v.map(valueWords).join("、");
  if (typeof v === "object")
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${inLang(AUDIT_DETAIL_KEYS[k], k)} ${valueWords(x)}`)
      .join("、");
  if (typeof v !== "string") return String(v);
  // A value may be a known word, a field's name (fields: ["type", "district"]) or a facility type (clinic).
  const w = AUDIT_DETAIL_VALUES[v] ?? AUDIT_DETAIL_KEYS[v];
  return w ? inLang(w, v) : t(`ft.${v}`, v);
}

function Detail({ detail }: { detail: Record<string, unknown> }) {
  const entries = Object.entries(detail);
  if (!entries.length) return null;
  return (
    <dl class="audit-detail">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{inLang(AUDIT_DETAIL_KEYS[k], k)}</dt>
          <dd>{valueWords(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Audit() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
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
        <div class="toolbar">
          <label for="audit-action">{t("audit.filter")}</label>
          <select id="audit-action" value={applied} onChange={(e) => setApplied((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{t("audit.all")}</option>
            {AUDIT_ACTION_LIST.map((a) => (
              <option key={a} value={a}>
                {actionWords(a)}
              </option>
            ))}
          </select>
        </div>
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
          <table class="cards">
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
                  <td class="nowrap" data-label={t("audit.at")}>
                    {dateTime(e.at)}
                  </td>
                  <td data-label={t("audit.actor")}>{e.actorName ?? (e.actorId === null ? t("audit.system") : `#${e.actorId}`)}</td>
                  <td data-label={t("audit.action")}>{actionWords(e.action)}</td>
                  <td data-label={t("audit.object")}>
                    {e.objectType ? `${inLang(AUDIT_OBJECT_TYPES[e.objectType], e.objectType)} ${e.objectId ? `#${e.objectId}` : ""}` : "—"}
                  </td>
                  <td class="detail" data-label={t("audit.detail")}>
                    <Detail detail={e.detail} />
                  </td>
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
