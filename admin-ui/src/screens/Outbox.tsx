import { useEffect, useState } from "preact/hooks";
import { api, ApiFailure } from "../api";
import { dateTime } from "../format";
import { addStrings, t } from "../i18n";
import { label } from "../labels";
import { navigate, useLocation } from "../router";
import type { Outbox as OutboxT, OutboxItem, RollcallList, RollcallListItem } from "../types";
import { ErrorNote, Loading, Page } from "../ui";

addStrings({
  ja: {
    "ob.intro": "テスト環境では、実際には送らずにここへ届きます。受け取った人に見える形のまま表示します。回答リンクを開くと、その人として回答できます。",
    "ob.rollcall": "安否確認",
    "ob.choose": "選んでください",
    "ob.reload": "最新にする",
    "ob.empty": "まだメッセージはありません。送信の準備中なら、少し待って「最新にする」を押してください。",
    "ob.to": "宛先：{r}",
    "ob.wave": "第{n}段",
    "ob.open": "回答ページを開く",
    "ob.more": "さらに表示",
    "ob.unavailable": "本番の送信設定があるため、送信箱はありません。",
    "ob.count": "{n}件",
  },
  en: {
    "ob.intro": "In the sandbox nothing is really sent: messages land here, shown as their recipient would see them. Open a reply link to answer as that person.",
    "ob.rollcall": "Roll-call",
    "ob.choose": "Choose one",
    "ob.reload": "Refresh",
    "ob.empty": "No messages yet. If sending is being prepared, wait a moment and press Refresh.",
    "ob.to": "To: {r}",
    "ob.wave": "Wave {n}",
    "ob.open": "Open the reply page",
    "ob.more": "Show more",
    "ob.unavailable": "Real providers are configured: there is no sandbox outbox.",
    "ob.count": "{n} messages",
  },
});

/** The sandbox outbox: every message as its recipient would see it, with its reply link. */
export function Outbox() {
  const { query } = useLocation();
  const rollcallId = Number(query.get("rollcall")) || null;
  const [rollcalls, setRollcalls] = useState<RollcallListItem[]>([]);
  const [items, setItems] = useState<OutboxItem[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api.get<RollcallList>("/api/rollcalls", { query: { limit: 50 } }).then((r) => {
      const sent = r.items.filter((x) => x.state !== "draft" && x.state !== "withdrawn");
      setRollcalls(sent);
      if (!rollcallId && sent[0]) navigate(`/outbox?rollcall=${sent[0].id}`, true);
    }, setError);
  }, []);

  async function load(after: number) {
    if (!rollcallId) return;
    setError(null);
    try {
      // Each read of the outbox is audited, so it loads on request rather than on a timer.
      const r = await api.get<OutboxT>("/api/outbox", { query: { rollcall: rollcallId, after, limit: 200 } });
      setItems((old) => (after && old ? [...old, ...r.items] : r.items));
      setNext(r.next);
    } catch (err) {
      setError(err);
    }
  }
  useEffect(() => {
    setItems(null);
    void load(0);
  }, [rollcallId]);

  const unavailable = error instanceof ApiFailure && error.status === 404 && /outbox/.test(error.message);
  return (
    <Page
      title={t("nav.outbox")}
      actions={
        rollcallId ? (
          <button type="button" class="btn" onClick={() => load(0)}>
            {t("ob.reload")}
          </button>
        ) : null
      }
    >
      <p>{t("ob.intro")}</p>
      <div class="toolbar">
        <label for="ob-rc">{t("ob.rollcall")}</label>
        <select id="ob-rc" value={rollcallId ? String(rollcallId) : ""} onChange={(e) => navigate(`/outbox?rollcall=${(e.currentTarget as HTMLSelectElement).value}`)}>
          {!rollcallId ? <option value="">{t("ob.choose")}</option> : null}
          {rollcalls.map((r) => (
            <option key={r.id} value={String(r.id)}>
              {r.drill ? `【${t("drill")}】` : ""}
              {r.title}（{dateTime(r.confirmedAt ?? r.createdAt)}）
            </option>
          ))}
        </select>
      </div>
      {unavailable ? <p class="warn">{t("ob.unavailable")}</p> : <ErrorNote error={error} />}
      {!rollcallId ? null : items === null ? (
        error ? null : <Loading />
      ) : items.length === 0 ? (
        <p>{t("ob.empty")}</p>
      ) : (
        <>
          <p role="status">{t("ob.count", { n: items.length })}</p>
          <ol class="outbox">
            {items.map((m) => (
              <li key={m.deliveryId}>
                <Message m={m} />
              </li>
            ))}
          </ol>
        </>
      )}
      {next !== null ? (
        <button type="button" class="btn" onClick={() => load(next)}>
          {t("ob.more")}
        </button>
      ) : null}
    </Page>
  );
}

/** One message, shaped like what the recipient's phone or mail app shows. */
function Message({ m }: { m: OutboxItem }) {
  return (
    <article class={`message msg-${m.channel}`} data-testid="outbox-message" data-channel={m.channel} aria-label={`${label("ch", m.channel)} ${m.recipient}`}>
      <div class="meta">
        <strong>{label("ch", m.channel)}</strong>
        <span>{t("ob.to", { r: m.recipient })}</span>
        <span>{t("ob.wave", { n: m.wave + 1 })}</span>
        <span>{label("dstate", m.state)}</span>
        <span>{dateTime(m.createdAt)}</span>
      </div>
      {m.channel === "sms" ? (
        <div class="phone">
          <pre class="bubble">{m.text}</pre>
        </div>
      ) : m.channel === "push" ? (
        <div class="notification">
          {m.subject ? <strong>{m.subject}</strong> : null}
          <pre>{m.text}</pre>
        </div>
      ) : (
        <div class="mail">
          {m.subject ? <p class="subject">{m.subject}</p> : null}
          <pre>{m.text}</pre>
        </div>
      )}
      {m.replyUrl ? (
        <p>
          <a href={m.replyUrl} target="_blank" rel="noopener" class="btn small reply-link">
            {t("ob.open")}
          </a>
        </p>
      ) : null}
    </article>
  );
}
