import { useCallback, useEffect, useState } from "preact/hooks";
import { api, ApiFailure } from "../api";
import { dateTime } from "../format";
import { addStrings, t } from "../i18n";
import { label } from "../labels";
import { navigate, useLocation } from "../router";
import type { DirectMessage, DirectMessageList, Me, Outbox as OutboxT, OutboxItem, RollcallList, RollcallListItem, SmsReplyResult } from "../types";
import { ErrorNote, Field, Link, Page, PagedBody, Submit, useAction, usePaged } from "../ui";

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
    "ob.tabs": "送信箱の種類",
    "ob.tab.rollcall": "安否確認",
    "ob.tab.other": "招待・確認コード・テスト",
    "ob.otherIntro": "安否確認以外のメッセージ（招待、連絡先の確認コードとリンク、報告の通知、端末のテスト通知）です。",
    "ob.kind.invitation": "招待",
    "ob.kind.contact_code": "確認コード",
    "ob.kind.contact_link": "確認リンク",
    "ob.kind.report": "報告の通知",
    "ob.kind.push_test": "テスト通知",
    "ob.openLink": "リンクを開く",
    "ob.smsReply": "この人としてSMSで返信",
    "ob.smsReplyHelp": "例：「1 1」（無事・出勤可能）、「無事」。SMSの受信と同じ、署名付きの本物の処理を通ります。",
    "ob.smsSend": "SMSを送る",
    "ob.smsYou": "あなた（{r}）",
    "ob.smsAnswer": "システムからの返信",
    "ob.smsOutcome": "結果：{o}",
    "ob.outcome.recorded": "回答を記録しました",
    "ob.outcome.asked_safety": "安否をたずね返しました（まだ記録していません）",
    "ob.outcome.unparsed": "読み取れませんでした（答え方を返信）",
    "ob.outcome.no_rollcall": "受付中の安否確認がありません",
    "ob.outcome.unknown_sender": "登録のない番号です",
    "ob.kind.trigger_alert": "送信待ちの知らせ",
    "ob.kind.admin_alert": "上限の知らせ",
    "ob.kind.security_notice": "安全のお知らせ",
    "ob.kind.password_reset": "パスワード再設定のリンク",
    "ob.kind.patient_alert": "患者さんの確認の遅れ",
    "ob.withheldRollcall":
      "回答リンクを開くと、その人として回答できます。そのため本文とリンクは、宛先のご本人とネットワーク管理者にだけ表示します。電話で確かめた人の回答は、安否確認の画面の「代理回答」で記録してください。",
    "ob.withheldOther":
      "招待や確認コードのように、本人だけが使うものを含むメッセージは、宛先のご本人とネットワーク管理者にだけ本文とリンクを表示します。ここには送った記録だけを表示します。",
    "ob.withheldOne": "本文とリンクは表示されません（宛先のご本人とネットワーク管理者だけが見られます）。",
  },
  en: {
    "ob.intro":
      "In the sandbox nothing is really sent: messages land here, shown as their recipient would see them. Open a reply link to answer as that person.",
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
    "ob.tabs": "Kind of messages",
    "ob.tab.rollcall": "Roll-calls",
    "ob.tab.other": "Invitations, codes, tests",
    "ob.otherIntro": "Messages outside roll-calls: invitations, contact verification codes and links, report notices, device test pushes.",
    "ob.kind.invitation": "Invitation",
    "ob.kind.contact_code": "Verification code",
    "ob.kind.contact_link": "Verification link",
    "ob.kind.report": "Report notice",
    "ob.kind.push_test": "Test push",
    "ob.openLink": "Open the link",
    "ob.smsReply": "Reply by SMS as this person",
    "ob.smsReplyHelp": 'For example "1 1" (safe, can work) or "無事". Goes through the real Twilio webhook, signed.',
    "ob.smsSend": "Send the SMS",
    "ob.smsYou": "You ({r})",
    "ob.smsAnswer": "The system's answer",
    "ob.smsOutcome": "Outcome: {o}",
    "ob.outcome.recorded": "Answer recorded",
    "ob.outcome.asked_safety": "Asked back for safety (not recorded yet)",
    "ob.outcome.unparsed": "Could not read it (sent how to answer)",
    "ob.outcome.no_rollcall": "No open roll-call",
    "ob.outcome.unknown_sender": "Unknown number",
    "ob.kind.trigger_alert": "Waiting for confirmation",
    "ob.kind.admin_alert": "Limit alert",
    "ob.kind.security_notice": "Security notice",
    "ob.kind.password_reset": "Password reset link",
    "ob.kind.patient_alert": "Late patient checks",
    "ob.withheldRollcall":
      "A reply link answers as its recipient, so text and link are shown only to the recipient and the network admin. Record an answer you took by phone with 代理回答 on the roll-call's screen.",
    "ob.withheldOther":
      "Messages with something only the addressee may use (invitations, codes) show their text and link only to the addressee and the network admin. Here you see that they were sent.",
    "ob.withheldOne": "Text and link not shown (only the addressee and the network admin see them).",
  },
});

/** The sandbox outbox: every message as its recipient would see it, with its reply link. */
export function Outbox({ me }: { me: Me }) {
  const { query } = useLocation();
  const other = query.get("tab") === "other";
  return (
    <Page title={t("nav.outbox")}>
      <nav class="tabs" aria-label={t("ob.tabs")}>
        <Link href="/outbox" current={!other}>
          {t("ob.tab.rollcall")}
        </Link>
        <Link href="/outbox?tab=other" current={other}>
          {t("ob.tab.other")}
        </Link>
      </nav>
      {other ? <DirectMessages /> : <RollcallOutbox me={me} />}
    </Page>
  );
}

function RollcallOutbox({ me }: { me: Me }) {
  const { query } = useLocation();
  const canSms = me.roles.includes("network_admin");
  const rollcallId = Number(query.get("rollcall")) || null;
  const [rollcalls, setRollcalls] = useState<RollcallListItem[]>([]);
  const [listError, setListError] = useState<unknown>(null);

  useEffect(() => {
    api.get<RollcallList>("/api/rollcalls", { query: { limit: 50 } }).then((r) => {
      setRollcalls(r.items.filter((x) => x.state !== "draft" && x.state !== "withdrawn"));
    }, setListError);
  }, []);
  // No roll-call chosen: the latest sent one.
  const latest = rollcalls[0]?.id;
  useEffect(() => {
    if (!rollcallId && latest) navigate(`/outbox?rollcall=${latest}`, true);
  }, [rollcallId, latest]);

  const list = usePaged<OutboxItem, number>(
    useCallback(
      async (after: number | null) => {
        if (!rollcallId) return { items: [] };
        // Each read of the outbox is audited, so it loads on request rather than on a timer.
        const r = await api.get<OutboxT>("/api/outbox", { query: { rollcall: rollcallId, after: after ?? 0, limit: 200 } });
        return { items: r.items, nextCursor: r.next };
      },
      [rollcallId],
    ),
  );
  const error = list.error ?? listError;

  const unavailable = error instanceof ApiFailure && error.status === 404 && /outbox/.test(error.message);
  return (
    <>
      <p>{t("ob.intro")}</p>
      <div class="toolbar">
        <label for="ob-rc">{t("ob.rollcall")}</label>
        <select
          id="ob-rc"
          value={rollcallId ? String(rollcallId) : ""}
          onChange={(e) => navigate(`/outbox?rollcall=${(e.currentTarget as HTMLSelectElement).value}`)}
        >
          {!rollcallId ? <option value="">{t("ob.choose")}</option> : null}
          {rollcalls.map((r) => (
            <option key={r.id} value={String(r.id)}>
              {r.drill ? `【${t("drill")}】` : ""}
              {r.title}（{dateTime(r.confirmedAt ?? r.createdAt)}）
            </option>
          ))}
        </select>
        {rollcallId ? (
          <button type="button" class="btn" onClick={list.reload}>
            {t("ob.reload")}
          </button>
        ) : null}
      </div>
      {unavailable ? <p class="warn">{t("ob.unavailable")}</p> : <ErrorNote error={error} />}
      {!rollcallId ? null : (
        <PagedBody list={{ ...list, error }} moreLabel={t("ob.more")} empty={<p>{t("ob.empty")}</p>}>
          {(items) => (
            <>
              <p role="status">{t("ob.count", { n: items.length })}</p>
              {items.some((m) => m.withheld) ? (
                <p class="warn" data-testid="outbox-withheld">
                  {t("ob.withheldRollcall")}
                </p>
              ) : null}
              <ol class="outbox">
                {items.map((m) => (
                  <li key={m.deliveryId}>
                    <Message m={m} canSms={canSms} />
                  </li>
                ))}
              </ol>
            </>
          )}
        </PagedBody>
      )}
    </>
  );
}

/** One message, shaped like what the recipient's phone or mail app shows. */
function Message({ m, canSms }: { m: OutboxItem; canSms: boolean }) {
  return (
    <article class={`message msg-${m.channel}`} data-testid="outbox-message" data-channel={m.channel} aria-label={`${label("ch", m.channel)} ${m.recipient}`}>
      <div class="meta">
        <strong>{label("ch", m.channel)}</strong>
        <span>{t("ob.to", { r: m.recipient })}</span>
        <span>{t("ob.wave", { n: m.wave })}</span>
        <span>{label("dstate", m.state)}</span>
        <span>{dateTime(m.createdAt)}</span>
      </div>
      {m.withheld ? (
        <p class="help">{t("ob.withheldOne")}</p>
      ) : m.channel === "sms" ? (
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
      {canSms && m.channel === "sms" && m.audience === "recipients" ? <SmsReplyBox deliveryId={m.deliveryId} recipient={m.recipient} /> : null}
    </article>
  );
}

/**
 * Answer as the recipient by SMS: the server signs a simulated inbound message and
 * sends it through the real Twilio webhook; the phone shows the TwiML answer.
 */
function SmsReplyBox({ deliveryId, recipient }: { deliveryId: number; recipient: string }) {
  const [body, setBody] = useState("");
  const { busy, error, run } = useAction();
  const [sent, setSent] = useState<{ body: string; result: SmsReplyResult }[]>([]);
  async function send(e: Event) {
    e.preventDefault();
    await run(async () => {
      const result = await api.post<SmsReplyResult>("/api/outbox/sms-reply", { deliveryId, body });
      setSent((old) => [...old, { body, result }]);
      setBody("");
    });
  }
  return (
    <div class="sms-thread" data-testid="sms-reply-box">
      {sent.map((s, i) => (
        <div key={i} class="phone">
          <p class="sr-only">{t("ob.smsYou", { r: recipient })}</p>
          <pre class="bubble in">{s.body}</pre>
          <p class="sr-only">{t("ob.smsAnswer")}</p>
          <pre class="bubble reply" data-testid="sms-answer">
            {s.result.reply}
          </pre>
          {s.result.outcome ? <p class="help">{t("ob.smsOutcome", { o: t(`ob.outcome.${s.result.outcome}`, s.result.outcome) })}</p> : null}
        </div>
      ))}
      <form class="sms-box" onSubmit={send} noValidate>
        <Field label={t("ob.smsReply")} name="body" value={body} onInput={setBody} error={error} help={t("ob.smsReplyHelp")} maxLength={1600} />
        <Submit busy={busy} class="btn">
          {t("ob.smsSend")}
        </Submit>
      </form>
      <ErrorNote error={error} fields={["body"]} />
    </div>
  );
}

/** Invitations, verification codes and links, report notices and device tests: messages outside roll-calls. */
function DirectMessages() {
  const list = usePaged<DirectMessage, number>(
    useCallback(async (before: number | null) => {
      const r = await api.get<DirectMessageList>("/api/outbox/messages", { query: { before, limit: 100 } });
      return { items: r.items, nextCursor: r.next };
    }, []),
  );
  const error = list.error;
  const unavailable = error instanceof ApiFailure && error.status === 404 && /outbox/.test(error.message);
  return (
    <>
      <p>{t("ob.otherIntro")}</p>
      <div class="toolbar">
        <button type="button" class="btn" onClick={list.reload}>
          {t("ob.reload")}
        </button>
      </div>
      {unavailable ? <p class="warn">{t("ob.unavailable")}</p> : <ErrorNote error={error} />}
      <PagedBody list={list} moreLabel={t("ob.more")} empty={<p>{t("ob.empty")}</p>}>
        {(items) => (
          <>
            {items.some((m) => m.withheld) ? (
              <p class="warn" data-testid="outbox-withheld">
                {t("ob.withheldOther")}
              </p>
            ) : null}
            <ol class="outbox">
              {items.map((m) => (
                <li key={m.id}>
                  <article
                    class={`message msg-${m.channel}`}
                    data-testid="direct-message"
                    data-kind={m.kind}
                    data-channel={m.channel}
                    aria-label={`${t(`ob.kind.${m.kind}`)} ${m.recipient}`}
                  >
                    <div class="meta">
                      <strong>{t(`ob.kind.${m.kind}`)}</strong>
                      <span>{label("ch", m.channel)}</span>
                      <span>{t("ob.to", { r: m.recipient })}</span>
                      <span>{label("dstate", m.state)}</span>
                      <span>{dateTime(m.createdAt)}</span>
                    </div>
                    {m.subject ? <p class="subject">{m.subject}</p> : null}
                    {m.withheld ? <p class="help">{t("ob.withheldOne")}</p> : <pre class={m.channel === "sms" ? "bubble" : ""}>{m.text}</pre>}
                    {m.link ? (
                      <p>
                        <a href={m.link} target="_blank" rel="noopener" class="btn small direct-link">
                          {t("ob.openLink")}
                        </a>
                      </p>
                    ) : null}
                  </article>
                </li>
              ))}
            </ol>
          </>
        )}
      </PagedBody>
    </>
  );
}
