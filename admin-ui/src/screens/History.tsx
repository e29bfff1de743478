import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { count, dateTime, percent } from "../format";
import { addStrings, t } from "../i18n";
import { label } from "../labels";
import type { RollcallList, RollcallListItem } from "../types";
import { ErrorNote, Link, Loading, Page } from "../ui";
import { ROLLCALL_STATES } from "../../../worker/rollcall/state";

addStrings({
  ja: {
    "hi.kind": "種類",
    "hi.allKinds": "本番と訓練",
    "hi.onlyReal": "本番のみ",
    "hi.onlyDrill": "訓練のみ",
    "hi.state": "状態",
    "hi.allStates": "すべて",
    "hi.title": "件名",
    "hi.created": "作成",
    "hi.replied": "回答",
    "hi.empty": "安否確認はまだありません。",
    "hi.more": "さらに表示",
  },
  en: {
    "hi.kind": "Kind",
    "hi.allKinds": "Real and drills",
    "hi.onlyReal": "Real only",
    "hi.onlyDrill": "Drills only",
    "hi.state": "State",
    "hi.allStates": "All",
    "hi.title": "Title",
    "hi.created": "Created",
    "hi.replied": "Answered",
    "hi.empty": "No roll-calls yet.",
    "hi.more": "Show more",
  },
});

const STATES = ROLLCALL_STATES;

export function History() {
  const [drill, setDrill] = useState("");
  const [state, setState] = useState("");
  const [items, setItems] = useState<RollcallListItem[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (before: number | null) => {
      setError(null);
      try {
        const r = await api.get<RollcallList>("/api/rollcalls", { query: { drill, state, before, limit: 50 } });
        setItems((old) => (before && old ? [...old, ...r.items] : r.items));
        setNext(r.nextBefore);
      } catch (err) {
        setError(err);
      }
    },
    [drill, state],
  );
  useEffect(() => {
    setItems(null);
    void load(null);
  }, [load]);

  return (
    <Page title={t("nav.rollcalls")}>
      <div class="toolbar">
        <label for="hi-drill">{t("hi.kind")}</label>
        <select id="hi-drill" value={drill} onChange={(e) => setDrill((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">{t("hi.allKinds")}</option>
          <option value="false">{t("hi.onlyReal")}</option>
          <option value="true">{t("hi.onlyDrill")}</option>
        </select>
        <label for="hi-state">{t("hi.state")}</label>
        <select id="hi-state" value={state} onChange={(e) => setState((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">{t("hi.allStates")}</option>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {label("state", s)}
            </option>
          ))}
        </select>
      </div>
      <ErrorNote error={error} />
      {items === null ? error ? null : <Loading /> : items.length === 0 ? <p>{t("hi.empty")}</p> : <RollcallTable items={items} />}
      {next !== null ? (
        <button type="button" class="btn" onClick={() => load(next)}>
          {t("hi.more")}
        </button>
      ) : null}
    </Page>
  );
}

export function RollcallTable({ items }: { items: RollcallListItem[] }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t("hi.title")}</th>
            <th scope="col">{t("hi.kind")}</th>
            <th scope="col">{t("hi.state")}</th>
            <th scope="col">{t("hi.created")}</th>
            <th scope="col" class="num">
              {t("hi.replied")}
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id}>
              <td>
                <Link href={`/rollcalls/${r.id}`}>{r.title}</Link>
              </td>
              <td>
                <span class={`badge ${r.drill ? "drill" : "real"}`}>{r.drill ? t("drill") : t("real")}</span>
              </td>
              <td>
                <span class={`badge ${r.state}`}>{label("state", r.state)}</span>
              </td>
              <td class="nowrap">{dateTime(r.confirmedAt ?? r.createdAt)}</td>
              <td class="num">
                {count(r.replied)} / {count(r.recipients)}（{percent(r.replied, r.recipients)}）
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
