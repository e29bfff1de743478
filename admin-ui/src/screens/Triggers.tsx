import { useCallback, useState } from "preact/hooks";
import { api } from "../api";
import { dateTime } from "../format";
import { addStrings, adminLang, t } from "../i18n";
import { navigate } from "../router";
import type { ApiKey, ApiKeyCreated, JmaPlaces, ReportList, Template, TriggerOutcome, TriggerRules } from "../types";
import { ErrorNote, fieldError, Link, Loaded, Notice, Page, ScrollRegion, Submit, useLoad } from "../ui";

addStrings({
  ja: {
    "tg.rules": "地震で自動的に始める",
    "tg.enabled": "気象庁の地震情報で安否確認を始める",
    "tg.threshold": "この震度以上",
    "tg.mode": "始め方",
    "tg.mode.prepare": "下書きを作り、管理者の確定を待つ",
    "tg.mode.auto": "すぐに送信する（確定操作なし）",
    "tg.template": "テンプレート",
    "tg.areaCodes": "地域コード（3桁、カンマ区切り）",
    "tg.cityCodes": "市町村コード（7桁、カンマ区切り）",
    "tg.maxAge": "これより古い情報では始めない（分）",
    "tg.feedUrl": "気象庁フィードのURL",
    "tg.save": "保存する",
    "tg.saved": "保存しました。",
    "tg.reports": "受け取った情報",
    "tg.feed": "フィード：最終取得 {at}・最終成功 {ok}",
    "tg.feedError": "フィードのエラー：{e}",
    "tg.received": "受信",
    "tg.title": "情報",
    "tg.max": "最大震度（対象地域）",
    "tg.decision": "判断",
    "tg.reason": "理由",
    "tg.replay": "訓練として再生",
    "tg.replayed": "訓練の下書きを作りました。",
    "tg.open": "開く",
    "tg.noReports": "まだ情報はありません。",
    "tg.keys": "外部システムのAPIキー",
    "tg.keyName": "名前",
    "tg.keyPerms": "権限",
    "tg.perm.cap": "CAPの警報を送る",
    "tg.perm.trigger": "安否確認を始める",
    "tg.perm.feed": "安否確認の状況を読む（フィード）",
    "tg.places": "対象の地域",
    "tg.unknownPlace": "（一覧にない番号）",
    "tg.keyAuto": "確定操作なしで送信",
    "tg.keyCreate": "キーを作る",
    "tg.keyShown": "このキーは今しか表示されません。控えてください：",
    "tg.revoke": "無効にする",
    "tg.revoked": "無効",
    "tg.lastUsed": "最終利用 {at}",
    "tg.d.trigger": "送信",
    "tg.d.prepare": "下書き",
    "tg.d.no_trigger": "対象外",
    "tg.d.note": "記録のみ",
    "tg.d.withdraw": "取り消し",
    "tg.d.note_cancel": "取消の記録",
    "tg.d.error": "エラー",
  },
  en: {
    "tg.rules": "Start automatically on earthquakes",
    "tg.enabled": "Start a roll-call from JMA earthquake reports",
    "tg.threshold": "From this intensity",
    "tg.mode": "How",
    "tg.mode.prepare": "Prepare a draft for an admin to confirm",
    "tg.mode.auto": "Send at once (no confirm)",
    "tg.template": "Template",
    "tg.areaCodes": "Area codes (3 digits, comma-separated)",
    "tg.cityCodes": "City codes (7 digits, comma-separated)",
    "tg.maxAge": "Ignore reports older than (minutes)",
    "tg.feedUrl": "JMA feed URL",
    "tg.save": "Save",
    "tg.saved": "Saved.",
    "tg.reports": "Reports received",
    "tg.feed": "Feed: last poll {at}, last success {ok}",
    "tg.feedError": "Feed error: {e}",
    "tg.received": "Received",
    "tg.title": "Report",
    "tg.max": "Max intensity (watched area)",
    "tg.decision": "Decision",
    "tg.reason": "Why",
    "tg.replay": "Replay as a drill",
    "tg.replayed": "A drill draft was prepared.",
    "tg.open": "Open",
    "tg.noReports": "No reports yet.",
    "tg.keys": "API keys of outside systems",
    "tg.keyName": "Name",
    "tg.keyPerms": "Permissions",
    "tg.perm.cap": "Send CAP alerts",
    "tg.perm.trigger": "Start roll-calls",
    "tg.perm.feed": "Read the roll-call feed",
    "tg.places": "Places",
    "tg.unknownPlace": "(not in the list)",
    "tg.keyAuto": "Send without confirm",
    "tg.keyCreate": "Create a key",
    "tg.keyShown": "This key is shown only now. Keep it:",
    "tg.revoke": "Revoke",
    "tg.revoked": "Revoked",
    "tg.lastUsed": "Last used {at}",
    "tg.d.trigger": "Sent",
    "tg.d.prepare": "Draft",
    "tg.d.no_trigger": "Not for us",
    "tg.d.note": "Noted",
    "tg.d.withdraw": "Withdrawn",
    "tg.d.note_cancel": "Cancellation noted",
    "tg.d.error": "Error",
  },
});

const INTENSITIES = ["1", "2", "3", "4", "5-", "5+", "6-", "6+", "7"] as const;
const intensityLabel = (v: string) => (adminLang() === "ja" ? `震度${v.replace("-", "弱").replace("+", "強")}` : `Shindo ${v}`);
const codes = (s: string) =>
  s
    .split(/[,、\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** Automatic triggers (JMA earthquake reports, CAP, outside systems): rules, what came in, keys. */
export function Triggers() {
  const rules = useLoad(useCallback(() => api.get<TriggerRules>("/api/triggers/rules"), []));
  const templates = useLoad(useCallback(() => api.get<{ items: Template[] }>("/api/templates"), []));
  return (
    <Page title={t("nav.triggers")}>
      <Loaded result={rules}>{(r) => <RulesForm initial={r} templates={templates.data?.items ?? []} />}</Loaded>
      <Reports />
      <Keys />
    </Page>
  );
}

function RulesForm({ initial, templates }: { initial: TriggerRules; templates: Template[] }) {
  const [rules, setRules] = useState(initial);
  const places = useLoad(useCallback(() => api.get<JmaPlaces>("/api/triggers/places"), []));
  const [areas, setAreas] = useState(initial.areaCodes.join(", "));
  const [cities, setCities] = useState(initial.cityCodes.join(", "));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const set = (patch: Partial<TriggerRules>) => {
    setSaved(false);
    setRules({ ...rules, ...patch });
  };
  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const next = await api.put<TriggerRules>("/api/triggers/rules", { ...rules, areaCodes: codes(areas), cityCodes: codes(cities) });
      setRules(next);
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const err = (f: string) => {
    const m =
      fieldError(error, f) ??
      (error && (error as { field?: string }).field?.startsWith(`${f}.`) ? fieldError(error, (error as { field: string }).field) : null);
    return m ? (
      <p class="field-error" role="alert">
        {m}
      </p>
    ) : null;
  };
  return (
    <form class="card" onSubmit={save} noValidate>
      <h2>{t("tg.rules")}</h2>
      <div class="field check">
        <input id="tg-enabled" type="checkbox" checked={rules.enabled} onChange={(e) => set({ enabled: (e.currentTarget as HTMLInputElement).checked })} />
        <label for="tg-enabled">{t("tg.enabled")}</label>
      </div>
      <div class="field">
        <label for="tg-threshold">{t("tg.threshold")}</label>
        <select
          id="tg-threshold"
          class="short"
          value={rules.threshold}
          onChange={(e) => set({ threshold: (e.currentTarget as HTMLSelectElement).value as TriggerRules["threshold"] })}
        >
          {INTENSITIES.map((v) => (
            <option key={v} value={v}>
              {intensityLabel(v)}
            </option>
          ))}
        </select>
      </div>
      <fieldset class="field">
        <legend>{t("tg.mode")}</legend>
        {(["prepare", "auto"] as const).map((m) => (
          <div class="field check" key={m}>
            <input type="radio" id={`tg-mode-${m}`} name="tg-mode" checked={rules.mode === m} onChange={() => set({ mode: m })} />
            <label for={`tg-mode-${m}`}>{t(`tg.mode.${m}`)}</label>
          </div>
        ))}
      </fieldset>
      <div class="field">
        <label for="tg-template">{t("tg.template")}</label>
        <select id="tg-template" value={rules.templateRef} onChange={(e) => set({ templateRef: (e.currentTarget as HTMLSelectElement).value })}>
          {templates.map((tp) => (
            <option key={tp.ref} value={tp.ref}>
              {tp.name}
            </option>
          ))}
        </select>
        {err("templateRef")}
      </div>
      <div class="field">
        <label for="tg-areas">{t("tg.areaCodes")}</label>
        <input
          id="tg-areas"
          value={areas}
          onInput={(e) => {
            setSaved(false);
            setAreas((e.currentTarget as HTMLInputElement).value);
          }}
        />
        <PlaceNames codes={codes(areas)} names={places.data?.areas} />
        {err("areaCodes")}
      </div>
      <div class="field">
        <label for="tg-cities">{t("tg.cityCodes")}</label>
        <input
          id="tg-cities"
          value={cities}
          onInput={(e) => {
            setSaved(false);
            setCities((e.currentTarget as HTMLInputElement).value);
          }}
        />
        <PlaceNames codes={codes(cities)} names={places.data?.cities} />
        {err("cityCodes")}
      </div>
      <div class="field">
        <label for="tg-age">{t("tg.maxAge")}</label>
        <input
          id="tg-age"
          type="number"
          class="short"
          value={String(rules.maxReportAgeMinutes)}
          onInput={(e) => set({ maxReportAgeMinutes: Number((e.currentTarget as HTMLInputElement).value) })}
        />
        {err("maxReportAgeMinutes")}
      </div>
      <div class="field">
        <label for="tg-feed">{t("tg.feedUrl")}</label>
        <input id="tg-feed" type="url" value={rules.feedUrl} onInput={(e) => set({ feedUrl: (e.currentTarget as HTMLInputElement).value })} />
        {err("feedUrl")}
      </div>
      <ErrorNote error={error} fields={["templateRef", "areaCodes", "cityCodes", "maxReportAgeMinutes", "feedUrl"]} />
      {saved ? <Notice>{t("tg.saved")}</Notice> : null}
      <Submit busy={busy}>{t("tg.save")}</Submit>
    </form>
  );
}

function Reports() {
  const list = useLoad(useCallback(() => api.get<ReportList>("/api/triggers/reports", { query: { limit: 50 } }), []));
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<TriggerOutcome | null>(null);
  async function replay(id: number) {
    setError(null);
    try {
      const r = await api.post<TriggerOutcome>(`/api/triggers/reports/${id}/replay`);
      setDone(r);
      if (r.rollcallId) navigate(`/rollcalls/${r.rollcallId}`);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section class="card" aria-labelledby="tg-rep">
      <h2 id="tg-rep">{t("tg.reports")}</h2>
      <ErrorNote error={error} />
      {done ? <Notice>{t("tg.replayed")}</Notice> : null}
      <Loaded result={list}>
        {(r) => (
          <>
            <p class="help">{t("tg.feed", { at: dateTime(r.feed.lastPolledAt), ok: dateTime(r.feed.lastOkAt) })}</p>
            {r.feed.lastError ? <p class="warn">{t("tg.feedError", { e: r.feed.lastError })}</p> : null}
            {r.reports.length === 0 ? (
              <p>{t("tg.noReports")}</p>
            ) : (
              <ScrollRegion labelledBy="tg-rep">
                <table class="wide">
                  <thead>
                    <tr>
                      <th scope="col">{t("tg.received")}</th>
                      <th scope="col">{t("tg.title")}</th>
                      <th scope="col">{t("tg.max")}</th>
                      <th scope="col">{t("tg.decision")}</th>
                      <th scope="col">{t("tg.reason")}</th>
                      <th scope="col" />
                    </tr>
                  </thead>
                  <tbody>
                    {r.reports.map((x) => (
                      <tr key={x.id}>
                        <td class="nowrap">{dateTime(x.receivedAt)}</td>
                        <td>
                          {x.drill ? <span class="badge drill">{t("drill")}</span> : null} {x.title}
                        </td>
                        <td>{x.watchedMax ? intensityLabel(x.watchedMax) : "—"}</td>
                        <td>{t(`tg.d.${x.decision}`, x.decision)}</td>
                        <td>{adminLang() === "ja" ? x.reason.ja : x.reason.en}</td>
                        <td>
                          {x.rollcallId ? <Link href={`/rollcalls/${x.rollcallId}`}>{t("tg.open")}</Link> : null}{" "}
                          {x.replayable ? (
                            <button type="button" class="btn small" onClick={() => replay(x.id)}>
                              {t("tg.replay")}
                            </button>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollRegion>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}

/** The codes typed, each with its name (「351 東京都多摩東部」), so the admin sees the places, not only numbers. */
function PlaceNames({ codes, names }: { codes: string[]; names: Record<string, string> | undefined }) {
  if (!names || codes.length === 0) return null;
  return (
    <ul class="place-names" aria-label={t("tg.places")}>
      {codes.map((c) => (
        <li key={c}>
          {c} {names[c] ?? t("tg.unknownPlace")}
        </li>
      ))}
    </ul>
  );
}

const PERMS = ["cap", "trigger", "feed"] as const;

function Keys() {
  const list = useLoad(useCallback(() => api.get<{ keys: ApiKey[] }>("/api/triggers/keys"), []));
  const [name, setName] = useState("");
  const [perms, setPerms] = useState<string[]>(["trigger"]);
  const [autoSend, setAutoSend] = useState(false);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function create(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      setCreated(await api.post<ApiKeyCreated>("/api/triggers/keys", { name, permissions: perms, autoSend }));
      setName("");
      list.reload();
    } catch (err) {
      setError(err);
    }
  }
  async function revoke(id: number) {
    setError(null);
    try {
      await api.del(`/api/triggers/keys/${id}`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section class="card" aria-labelledby="tg-keys">
      <h2 id="tg-keys">{t("tg.keys")}</h2>
      <Loaded result={list}>
        {(r) => (
          <ul>
            {r.keys.map((k) => (
              <li key={k.id}>
                <strong>{k.name}</strong> <code>{k.prefix}…</code> {k.permissions.map((p) => t(`tg.perm.${p}`, p)).join("、")}
                {k.autoSend ? `・${t("tg.keyAuto")}` : ""} {k.lastUsedAt ? t("tg.lastUsed", { at: dateTime(k.lastUsedAt) }) : ""}{" "}
                {k.revokedAt ? (
                  <span class="badge closed">{t("tg.revoked")}</span>
                ) : (
                  <button type="button" class="btn small" onClick={() => revoke(k.id)}>
                    {t("tg.revoke")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {created ? (
        <p class="warn" role="status">
          {t("tg.keyShown")} <code class="wrap">{created.key}</code>
        </p>
      ) : null}
      <form onSubmit={create} noValidate>
        <div class={`field${fieldError(error, "name") ? " has-error" : ""}`}>
          <label for="tg-kname">{t("tg.keyName")}</label>
          <input id="tg-kname" value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          {fieldError(error, "name") ? (
            <p class="field-error" role="alert">
              {fieldError(error, "name")}
            </p>
          ) : null}
        </div>
        <fieldset class="field">
          <legend>{t("tg.keyPerms")}</legend>
          {PERMS.map((p) => (
            <div class="field check" key={p}>
              <input
                type="checkbox"
                id={`tg-p-${p}`}
                checked={perms.includes(p)}
                onChange={(e) => setPerms((e.currentTarget as HTMLInputElement).checked ? [...perms, p] : perms.filter((x) => x !== p))}
              />
              <label for={`tg-p-${p}`}>{t(`tg.perm.${p}`)}</label>
            </div>
          ))}
        </fieldset>
        <div class="field check">
          <input id="tg-kauto" type="checkbox" checked={autoSend} onChange={(e) => setAutoSend((e.currentTarget as HTMLInputElement).checked)} />
          <label for="tg-kauto">{t("tg.keyAuto")}</label>
        </div>
        <ErrorNote error={error} fields={["name"]} />
        <button type="submit" class="btn">
          {t("tg.keyCreate")}
        </button>
      </form>
    </section>
  );
}
