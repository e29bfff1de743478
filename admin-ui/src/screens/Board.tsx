import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { count, dateTime, percent, time } from "../format";
import { addStrings, t } from "../i18n";
import { label } from "../labels";
import { watch, type LiveHandle } from "../live";
import type { Aggregates, Me, Rollcall, RollcallDetail } from "../types";
import { ErrorNote, Link, Loading, Page } from "../ui";
import { DraftView } from "./Trigger";

addStrings({
  ja: {
    "bd.rate": "回答率",
    "bd.replied": "回答",
    "bd.recipients": "対象",
    "bd.unanswered": "未回答",
    "bd.safety": "安否",
    "bd.availability": "出勤",
    "bd.delivery": "送信の状況",
    "bd.byType": "種別ごと",
    "bd.byFacility": "事業所ごと",
    "bd.facility": "事業所",
    "bd.type": "種別",
    "bd.repliedOf": "回答 / 対象",
    "bd.damage": "施設の被害",
    "bd.electricity": "電気",
    "bd.water": "水道",
    "bd.patients": "受け入れ",
    "bd.nonResponders": "未回答の人",
    "bd.noneLeft": "全員が回答しました。",
    "bd.more": "さらに表示",
    "bd.close": "締め切る",
    "bd.closeConfirm": "この安否確認を締め切りますか？締め切ると回答も再送もできなくなります。",
    "bd.export": "CSVで書き出す",
    "bd.outbox": "送信箱を見る",
    "bd.bigscreen": "大画面",
    "bd.normal": "通常表示",
    "bd.print": "印刷",
    "bd.updated": "更新 {t}",
    "bd.started": "開始 {t}",
    "bd.closedAt": "終了 {t}",
    "bd.proxy": "代理回答",
    "bd.proxySave": "記録する",
    "bd.viaProxy": "代理回答 {n}件",
    "bd.ack": "確認 {n}件",
    "bd.loadError": "最新の状況を読み込めません。自動で再試行します。",
  },
  en: {
    "bd.rate": "Response rate",
    "bd.replied": "Answered",
    "bd.recipients": "Asked",
    "bd.unanswered": "No answer",
    "bd.safety": "Safety",
    "bd.availability": "Availability",
    "bd.delivery": "Delivery",
    "bd.byType": "By facility type",
    "bd.byFacility": "By facility",
    "bd.facility": "Facility",
    "bd.type": "Type",
    "bd.repliedOf": "Answered / asked",
    "bd.damage": "Damage",
    "bd.electricity": "Power",
    "bd.water": "Water",
    "bd.patients": "Can take patients",
    "bd.nonResponders": "Not answered yet",
    "bd.noneLeft": "Everyone has answered.",
    "bd.more": "Show more",
    "bd.close": "Close",
    "bd.closeConfirm": "Close this roll-call? Nobody can answer and nothing is resent after closing.",
    "bd.export": "Export CSV",
    "bd.outbox": "Open the outbox",
    "bd.bigscreen": "Large screen",
    "bd.normal": "Normal view",
    "bd.print": "Print",
    "bd.updated": "Updated {t}",
    "bd.started": "Started {t}",
    "bd.closedAt": "Closed {t}",
    "bd.proxy": "Reply for them",
    "bd.proxySave": "Record",
    "bd.viaProxy": "{n} by proxy",
    "bd.ack": "{n} acknowledged",
    "bd.loadError": "Cannot load the latest state. Retrying by itself.",
  },
});

const ADMIN_ROLES = ["network_admin", "facility_admin", "delegate"];

/** The live board of one roll-call (a draft shows its preview and confirm instead). */
export function Board({ id, me }: { id: number; me: Me }) {
  const [detail, setDetail] = useState<RollcallDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  const [big, setBig] = useState(false);
  const live = useRef<LiveHandle | null>(null);

  useEffect(() => {
    setDetail(null);
    const h = watch(
      () => api.get<RollcallDetail>(`/api/rollcalls/${id}`),
      (d) => {
        setDetail(d);
        setError(null);
        setUpdatedAt(Date.now());
        // A closed roll-call no longer changes.
        if (d.rollcall.state === "closed" || d.rollcall.state === "withdrawn" || d.rollcall.state === "draft") h.stop();
      },
      setError,
    );
    live.current = h;
    return () => h.stop();
  }, [id]);

  useEffect(() => {
    document.body.classList.toggle("bigscreen", big);
    return () => document.body.classList.remove("bigscreen");
  }, [big]);

  if (!detail) return error ? <ErrorNote error={error} /> : <Loading />;
  const rc = detail.rollcall;
  if (rc.state === "draft" && detail.preview) return <DraftView draft={{ rollcall: rc, preview: detail.preview }} />;
  const isAdmin = me.roles.some((r) => ADMIN_ROLES.includes(r));
  const a = detail.aggregates;

  async function close() {
    if (!window.confirm(t("bd.closeConfirm"))) return;
    try {
      await api.post<Rollcall>(`/api/rollcalls/${rc.id}/close`);
      const d = await api.get<RollcallDetail>(`/api/rollcalls/${rc.id}`);
      setDetail(d);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <Page
      title={rc.title}
      actions={
        <>
          {isAdmin && (rc.state === "open" || rc.state === "sending") ? (
            <button type="button" class="btn danger" onClick={close}>
              {t("bd.close")}
            </button>
          ) : null}
          {rc.state !== "withdrawn" ? (
            <a class="btn" href={`/api/rollcalls/${rc.id}/export.csv`} download>
              {t("bd.export")}
            </a>
          ) : null}
          {isAdmin ? (
            <Link href={`/outbox?rollcall=${rc.id}`} class="btn">
              {t("bd.outbox")}
            </Link>
          ) : null}
          <button type="button" class="btn" aria-pressed={big ? "true" : "false"} onClick={() => setBig(!big)}>
            {big ? t("bd.normal") : t("bd.bigscreen")}
          </button>
          <button type="button" class="btn" onClick={() => window.print()}>
            {t("bd.print")}
          </button>
        </>
      }
    >
      <p class="board-meta">
        <span class={`badge ${rc.drill ? "drill" : "real"}`}>{rc.drill ? t("drill") : t("real")}</span>{" "}
        <span class={`badge ${rc.state}`} data-testid="rollcall-state">
          {label("state", rc.state)}
        </span>{" "}
        {rc.confirmedAt ? t("bd.started", { t: dateTime(rc.confirmedAt) }) : null} {rc.closedAt ? t("bd.closedAt", { t: dateTime(rc.closedAt) }) : null}{" "}
        <span class="help" aria-live="off">
          {updatedAt ? t("bd.updated", { t: time(updatedAt) }) : null}
        </span>
      </p>
      {error ? (
        <p class="warn" role="status">
          {t("bd.loadError")}
        </p>
      ) : null}
      {rc.message ? <p>{rc.message}</p> : null}
      {a ? <BoardBody rc={rc} a={a} isAdmin={isAdmin} onChanged={() => live.current?.refresh()} /> : null}
    </Page>
  );
}

function Tally({ kind, tally, order }: { kind: string; tally: Record<string, number>; order: readonly string[] }) {
  return (
    <>
      {order.map((k) => (
        <li class="stat" key={k}>
          <span class="label">{label(kind, k)}</span>
          <span class="value" data-testid={`${kind}-${k}`}>
            {count(tally[k] ?? 0)}
          </span>
        </li>
      ))}
    </>
  );
}

function BoardBody({ rc, a, isAdmin, onChanged }: { rc: Rollcall; a: Aggregates; isAdmin: boolean; onChanged: () => void }) {
  const unanswered = a.recipients - a.replied;
  return (
    <>
      <section aria-labelledby="bd-sum">
        <h2 id="bd-sum" class="sr-only">
          {t("bd.rate")}
        </h2>
        <ul class="stats">
          <li class="stat">
            <span class="label">{t("bd.rate")}</span>
            <span class="value" data-testid="response-rate">
              {percent(a.replied, a.recipients)}
            </span>
          </li>
          <li class="stat">
            <span class="label">{t("bd.replied")}</span>
            <span class="value" data-testid="replied">
              {count(a.replied)}
            </span>
          </li>
          <li class="stat">
            <span class="label">{t("bd.recipients")}</span>
            <span class="value" data-testid="recipients">
              {count(a.recipients)}
            </span>
          </li>
          <li class="stat">
            <span class="label">{t("bd.unanswered")}</span>
            <span class="value" data-testid="unanswered">
              {count(unanswered)}
            </span>
          </li>
        </ul>
        <div class="bar" role="img" aria-label={`${t("bd.rate")} ${percent(a.replied, a.recipients)}`}>
          <span class="delivered" style={{ width: percent(a.replied, a.recipients) === "—" ? "0%" : percent(a.replied, a.recipients) }} />
        </div>
      </section>
      {rc.kind === "rollcall" ? (
        <section aria-labelledby="bd-safety">
          <h2 id="bd-safety">
            {t("bd.safety")}・{t("bd.availability")}
          </h2>
          <ul class="stats">
            <Tally kind="safety" tally={a.byAnswer.safety} order={["safe", "minor", "severe"]} />
            <Tally kind="availability" tally={a.byAnswer.availability} order={["yes", "conditional", "no"]} />
          </ul>
          {a.byAnswer.viaProxy ? <p>{t("bd.viaProxy", { n: a.byAnswer.viaProxy })}</p> : null}
        </section>
      ) : (
        <p>{t("bd.ack", { n: a.byAnswer.ack })}</p>
      )}
      <DeliveryProgress delivery={a.delivery} />
      {a.byFacilityType.length ? (
        <section aria-labelledby="bd-type">
          <h2 id="bd-type">{t("bd.byType")}</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("bd.type")}</th>
                  <th scope="col" class="num">
                    {t("bd.repliedOf")}
                  </th>
                  <th scope="col" class="num">
                    {t("bd.rate")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {a.byFacilityType.map((r) => (
                  <tr key={r.type}>
                    <td>{label("ft", r.type)}</td>
                    <td class="num">
                      {count(r.replied)} / {count(r.recipients)}
                    </td>
                    <td class="num">{percent(r.replied, r.recipients)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      <section aria-labelledby="bd-fac">
        <h2 id="bd-fac">{t("bd.byFacility")}</h2>
        {/* Scrolls sideways on a phone: focusable so keyboard users can scroll it too. */}
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="bd-fac">
          <table data-testid="facility-table" class="wide">
            <thead>
              <tr>
                <th scope="col">{t("bd.facility")}</th>
                <th scope="col" class="num">
                  {t("bd.repliedOf")}
                </th>
                <th scope="col">{t("bd.safety")}</th>
                <th scope="col">{t("bd.damage")}</th>
                <th scope="col">{t("bd.electricity")}</th>
                <th scope="col">{t("bd.water")}</th>
                <th scope="col">{t("bd.patients")}</th>
              </tr>
            </thead>
            <tbody>
              {a.byFacility.map((f) => {
                const bad = (f.safety.severe ?? 0) > 0 || f.report?.damage === "unusable";
                const done = f.recipients > 0 && f.replied === f.recipients;
                return (
                  <tr key={f.facilityId ?? "none"} class={bad ? "bad" : done ? "ok" : ""}>
                    <td>
                      {f.name ?? "—"}
                      {f.type ? <div class="help">{label("ft", f.type)}</div> : null}
                    </td>
                    <td class="num">
                      {count(f.replied)} / {count(f.recipients)}
                    </td>
                    <td>
                      {(["safe", "minor", "severe"] as const)
                        .filter((k) => f.safety[k])
                        .map((k) => `${label("safety", k)} ${f.safety[k]}`)
                        .join("・") || "—"}
                    </td>
                    <td>{f.report?.damage ? label("damage", f.report.damage) : "—"}</td>
                    <td>{f.report?.electricity ? label("yesno", f.report.electricity) : "—"}</td>
                    <td>{f.report?.water ? label("yesno", f.report.water) : "—"}</td>
                    <td>{f.report?.patients ? label("yesno", f.report.patients) : "—"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
      <NonResponders rc={rc} first={a.nonResponders} isAdmin={isAdmin} onChanged={onChanged} />
    </>
  );
}

const DSTATES = ["queued", "sending", "sent", "delivered", "failed"] as const;

function DeliveryProgress({ delivery }: { delivery: Aggregates["delivery"] }) {
  const channels = Object.keys(delivery);
  if (!channels.length) return null;
  return (
    <section aria-labelledby="bd-del">
      <h2 id="bd-del">{t("bd.delivery")}</h2>
      {channels.map((ch) => {
        const d = delivery[ch]!;
        const total = DSTATES.reduce((s, k) => s + d[k], 0);
        return (
          <div key={ch} class="delivery" data-testid={`delivery-${ch}`}>
            <strong>{label("ch", ch)}</strong>{" "}
            <span class="help">{DSTATES.map((k) => `${label("dstate", k)} ${count(d[k])}`).join("・")}</span>
            <div class="bar" role="img" aria-label={`${label("ch", ch)}: ${DSTATES.map((k) => `${label("dstate", k)} ${d[k]}`).join(", ")}`}>
              {DSTATES.map((k) => (d[k] ? <span key={k} class={k === "sending" ? "queued" : k} style={{ width: `${(d[k] / total) * 100}%` }} /> : null))}
            </div>
          </div>
        );
      })}
      <ul class="legend" aria-hidden="true">
        {(["queued", "sent", "delivered", "failed"] as const).map((k) => (
          <li key={k}>
            <i class={`bar-key ${k}`} />
            {label("dstate", k)}
          </li>
        ))}
      </ul>
    </section>
  );
}

type NR = Aggregates["nonResponders"];

function NonResponders({ rc, first, isAdmin, onChanged }: { rc: Rollcall; first: NR; isAdmin: boolean; onChanged: () => void }) {
  const [extra, setExtra] = useState<NR["items"]>([]);
  const [next, setNext] = useState<number | null>(first.nextAfter);
  const [proxyFor, setProxyFor] = useState<number | null>(null);
  useEffect(() => {
    setExtra([]);
    setNext(first.nextAfter);
  }, [first]);
  const items = [...first.items, ...extra.filter((x) => !first.items.some((y) => y.personId === x.personId))];

  async function more() {
    if (next === null) return;
    const d = await api.get<RollcallDetail>(`/api/rollcalls/${rc.id}`, { query: { after: next } });
    if (d.aggregates) {
      setExtra((old) => [...old, ...d.aggregates!.nonResponders.items]);
      setNext(d.aggregates.nonResponders.nextAfter);
    }
  }
  const canProxy = isAdmin && rc.state === "open" && rc.kind === "rollcall";
  return (
    <section aria-labelledby="bd-nr">
      <h2 id="bd-nr">
        {t("bd.nonResponders")}（{count(items.length)}
        {next !== null ? "+" : ""}）
      </h2>
      {items.length === 0 ? (
        <p>{t("bd.noneLeft")}</p>
      ) : (
        <div class="table-wrap">
          <table data-testid="non-responders">
            <thead>
              <tr>
                <th scope="col">{t("dir.name", "名前")}</th>
                <th scope="col">{t("bd.facility")}</th>
                {canProxy ? <th scope="col">{t("bd.proxy")}</th> : null}
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.personId}>
                  <td>{p.name}</td>
                  <td>{p.facility ?? "—"}</td>
                  {canProxy ? (
                    <td>
                      {proxyFor === p.personId ? (
                        <ProxyForm rollcallId={rc.id} personId={p.personId} name={p.name} onDone={() => (setProxyFor(null), onChanged())} />
                      ) : (
                        <button type="button" class="btn small" onClick={() => setProxyFor(p.personId)}>
                          {t("bd.proxy")}
                        </button>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next !== null ? (
        <button type="button" class="btn" onClick={more}>
          {t("bd.more")}
        </button>
      ) : null}
    </section>
  );
}

/** 代理回答: a facility admin records the answer of someone reached by phone. */
function ProxyForm({ rollcallId, personId, name, onDone }: { rollcallId: number; personId: number; name: string; onDone: () => void }) {
  const [safety, setSafety] = useState("safe");
  const [availability, setAvailability] = useState("yes");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    try {
      await api.post(`/api/rollcalls/${rollcallId}/replies/${personId}`, { answers: { safety, availability }, comment: "" });
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <form onSubmit={save} class="proxy" aria-label={`${t("bd.proxy")}: ${name}`}>
      <label for={`px-s-${personId}`} class="sr-only">
        {t("bd.safety")}
      </label>
      <select id={`px-s-${personId}`} value={safety} onChange={(e) => setSafety((e.currentTarget as HTMLSelectElement).value)}>
        {["safe", "minor", "severe"].map((k) => (
          <option key={k} value={k}>
            {label("safety", k)}
          </option>
        ))}
      </select>
      <label for={`px-a-${personId}`} class="sr-only">
        {t("bd.availability")}
      </label>
      <select id={`px-a-${personId}`} value={availability} onChange={(e) => setAvailability((e.currentTarget as HTMLSelectElement).value)}>
        {["yes", "conditional", "no"].map((k) => (
          <option key={k} value={k}>
            {label("availability", k)}
          </option>
        ))}
      </select>
      <button type="submit" class="btn small primary" disabled={busy}>
        {t("bd.proxySave")}
      </button>
      <ErrorNote error={error} />
    </form>
  );
}
