import { useCallback, useState } from "preact/hooks";
import { api, ApiFailure } from "../../api";
import { dateTime, phone } from "../../format";
import { addStrings, t } from "../../i18n";
import type { Channel, Me, MyProfile } from "../../types";
import { ErrorNote, Field, Link, Loaded, Notice, Page, Submit, useLoad } from "../../ui";

addStrings({
  ja: {
    "me.title": "わたしのページ",
    "me.active": "回答が必要な安否確認",
    "me.noActive": "いま回答が必要な安否確認はありません。",
    "me.answer": "回答する",
    "me.answered": "回答済み：{t}",
    "me.change": "回答を変える",
    "me.tasks": "設定",
    "me.ack": "確認しました",
    "nav.me": "わたし",
    "nav.profile": "プロフィール",
    "nav.contacts": "連絡先の確認",
    "nav.devices": "通知（端末）",
    "nav.report": "問題を報告",
    "nav.leave": "グループ・登録解除",
    "ct.title": "連絡先の確認",
    "ct.intro": "安否確認が届くように、連絡先が本当にあなたのものか確認します。携帯電話はSMSの6桁のコード、メールはリンクで確認します。",
    "ct.none": "連絡先が登録されていません。事業所の管理者に登録を頼んでください。",
    "ct.mobile": "携帯電話",
    "ct.email": "メール",
    "ct.verified": "確認済み（{t}）",
    "ct.unverified": "未確認",
    "ct.sendCode": "確認コードをSMSで送る",
    "ct.sendLink": "確認リンクをメールで送る",
    "ct.codeSent": "6桁のコードをSMSで送りました。",
    "ct.linkSent": "確認リンクをメールで送りました。メールのリンクを開いてください。",
    "ct.code": "SMSで届いた6桁のコード",
    "ct.confirm": "確認する",
    "ct.done": "確認できました。",
    "ct.add": "連絡先を追加・変更",
    "ct.addIntro": "携帯電話とメールは1つずつです。同じ種類を追加すると、前のものと入れ替わります。",
    "ct.kind": "種類",
    "ct.value": "携帯電話の番号またはメールアドレス",
    "ct.addButton": "追加する",
    "ct.added": "追加しました。下のボタンで確認してください。",
    "ct.remove": "削除",
    "ct.removeConfirm": "この連絡先を削除しますか？",
    "ct.removed": "削除しました。",
    "ct.lastOne": "これが最後の連絡先なので削除できません。安否確認が届くよう、先に別の連絡先を追加してください。",
    "rp.title": "問題を報告",
    "rp.intro": "事業所の管理者に届きます。スマホをなくしたときは、管理者があなたのサインインと通知をすべて止められます。",
    "rp.kind": "何がありましたか",
    "rp.kind.lost_device": "スマホ・端末をなくした",
    "rp.kind.system_fault": "システムの不具合",
    "rp.kind.unauthorised_access": "不正なアクセスの疑い",
    "rp.note": "くわしく（任意）",
    "rp.send": "報告する",
    "rp.sent": "報告しました。事業所の管理者に知らせました。",
    "lv.title": "グループ・登録解除",
    "lv.groups": "参加しているグループ",
    "lv.noGroups": "抜けられるグループはありません。",
    "lv.leave": "抜ける",
    "lv.leaveConfirm": "「{name}」から抜けますか？",
    "lv.left": "グループから抜けました。",
    "lv.deregister": "登録を解除する",
    "lv.deregisterIntro":
      "事業所を辞めたときなどに使います。記録は残りますが、サインインも通知もできなくなります。元に戻すには、管理者にもう一度招待してもらう必要があります。",
    "lv.typeName": "確認のため、あなたの氏名「{name}」を入力してください",
    "lv.deregisterButton": "登録を解除して、サインアウトする",
    "lv.nameMismatch": "氏名が一致しません。",
    "lv.kind.network": "全体",
    "lv.kind.facility": "事業所",
    "lv.kind.custom": "グループ",
    "lv.cannot.network": "全体グループは登録している全員が入るため、抜けられません。やめるときは下の「登録を解除する」を使ってください。",
    "lv.cannot.facility": "事業所のグループは事業所の所属と一緒です。抜けるには、事業所の管理者に所属の終了を頼んでください。",
    "lv.cannot.owner": "作成者はグループから抜けられません。グループを閉じてください。",
    "lv.goodbye": "登録を解除しました",
    "lv.goodbyeBody": "これまでありがとうございました。サインインも通知も止まりました。",
    "lv.toSignIn": "サインイン画面へ",
  },
  en: {
    "me.title": "My page",
    "me.active": "Roll-calls waiting for your answer",
    "me.noActive": "No roll-call needs your answer now.",
    "me.answer": "Answer",
    "me.answered": "Answered: {t}",
    "me.change": "Change my answer",
    "me.tasks": "Settings",
    "me.ack": "Acknowledged",
    "nav.me": "Me",
    "nav.profile": "Profile",
    "nav.contacts": "Verify contacts",
    "nav.devices": "Notifications (devices)",
    "nav.report": "Report a problem",
    "nav.leave": "Groups and leaving",
    "ct.title": "Verify your contacts",
    "ct.intro": "So that roll-calls reach you, confirm your contacts are yours: a 6-digit SMS code for your mobile, a link for your email.",
    "ct.none": "No contact registered. Ask your facility admin to add one.",
    "ct.mobile": "Mobile",
    "ct.email": "Email",
    "ct.verified": "Verified ({t})",
    "ct.unverified": "Not verified",
    "ct.sendCode": "Send me a code by SMS",
    "ct.sendLink": "Send me a link by email",
    "ct.codeSent": "A 6-digit code was sent by SMS.",
    "ct.linkSent": "A link was sent by email. Open it to confirm.",
    "ct.code": "The 6-digit code from the SMS",
    "ct.confirm": "Confirm",
    "ct.done": "Verified.",
    "ct.add": "Add or change a contact",
    "ct.addIntro": "One mobile and one email each: adding the same kind replaces the old one.",
    "ct.kind": "Kind",
    "ct.value": "Mobile number or email address",
    "ct.addButton": "Add",
    "ct.added": "Added. Verify it with the button below.",
    "ct.remove": "Remove",
    "ct.removeConfirm": "Remove this contact?",
    "ct.removed": "Removed.",
    "ct.lastOne": "This is your last contact, so it cannot be removed: a roll-call must reach you. Add another one first.",
    "rp.title": "Report a problem",
    "rp.intro": "Goes to your facility admin. If you lost your phone, they can end all your sign-ins and notifications at once.",
    "rp.kind": "What happened",
    "rp.kind.lost_device": "I lost my phone or device",
    "rp.kind.system_fault": "Something in the system is broken",
    "rp.kind.unauthorised_access": "Someone may have used my account",
    "rp.note": "Details (optional)",
    "rp.send": "Report",
    "rp.sent": "Reported. Your facility admin has been told.",
    "lv.title": "Groups and leaving",
    "lv.groups": "Your groups",
    "lv.noGroups": "No group you can leave.",
    "lv.leave": "Leave",
    "lv.leaveConfirm": 'Leave "{name}"?',
    "lv.left": "You left the group.",
    "lv.deregister": "Deregister",
    "lv.deregisterIntro":
      "For when you leave your facility. Your history stays, but you can no longer sign in or get notifications. To come back, an admin must invite you again.",
    "lv.typeName": 'To confirm, type your name "{name}"',
    "lv.deregisterButton": "Deregister and sign out",
    "lv.nameMismatch": "The name does not match.",
    "lv.kind.network": "Network",
    "lv.kind.facility": "Facility",
    "lv.kind.custom": "Group",
    "lv.cannot.network": "Everyone registered is in the network group, so it cannot be left. To leave, use Deregister below.",
    "lv.cannot.facility": "A facility group goes with the facility membership. Ask your facility admin to end your membership.",
    "lv.cannot.owner": "The owner cannot leave a group; close it instead.",
    "lv.goodbye": "You are deregistered",
    "lv.goodbyeBody": "Thank you. Sign-in and notifications have stopped.",
    "lv.toSignIn": "To the sign-in page",
  },
});

/** A route the backend does not have (yet): say so instead of a raw 404. */

export interface MyRollcall {
  id: number;
  title: string;
  drill: boolean;
  state: string;
  confirmedAt: string | null;
  replyUrl: string;
  repliedAt: string | null;
  answer: { safety: string | null; availability: string | null; ack: boolean; at: string } | null;
}

/** 「無事・出勤可能」: the latest answer in the words of the reply page. */
function answerSummary(a: NonNullable<MyRollcall["answer"]>): string {
  const parts = [a.safety ? t(`safety.${a.safety}`) : null, a.availability ? t(`availability.${a.availability}`) : null, a.ack ? t("me.ack") : null].filter(
    Boolean,
  );
  return parts.length ? parts.join("・") : dateTime(a.at);
}

/** The roll-calls the signed-in person is asked in, with their own reply link (GET /api/me/rollcalls). */
export function MyRollcalls() {
  const result = useLoad(useCallback(() => api.get<{ items: MyRollcall[] }>("/api/me/rollcalls"), []));
  return (
    <section aria-labelledby="me-active" class="card">
      <h2 id="me-active">{t("me.active")}</h2>
      <Loaded result={result}>
        {(r) =>
          r.items.length === 0 ? (
            <p>{t("me.noActive")}</p>
          ) : (
            <ul class="active-list">
              {r.items.map((x) => (
                <li key={x.id} class="my-rollcall" data-testid="my-rollcall">
                  <p>
                    <span class={`badge ${x.drill ? "drill" : "real"}`}>{x.drill ? t("drill") : t("real")}</span> <strong>{x.title}</strong>
                    <span class="help"> {dateTime(x.confirmedAt)}</span>
                  </p>
                  {x.answer ? (
                    <p class="notice" data-testid="answered">
                      {t("me.answered", { t: answerSummary(x.answer) })} <span class="help">{dateTime(x.answer.at)}</span>
                    </p>
                  ) : null}
                  <a class={`btn big ${x.answer ? "" : "primary"} answer`} href={x.replyUrl} rel="noreferrer">
                    {x.answer ? t("me.change") : t("me.answer")}
                  </a>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

const STAFF_TASKS = [
  ["/me/profile", "nav.profile"],
  ["/me/contacts", "nav.contacts"],
  ["/me/devices", "nav.devices"],
  ["/me/report", "nav.report"],
  ["/me/leave", "nav.leave"],
  ["/account", "nav.account"],
] as const;

export function StaffTasks() {
  return (
    <section aria-labelledby="me-tasks">
      <h2 id="me-tasks">{t("me.tasks")}</h2>
      <ul class="tiles">
        {STAFF_TASKS.map(([href, key]) => (
          <li key={href}>
            <Link href={href} class="tile">
              {t(key)}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The staff home: what needs an answer now, then their own settings. */
export function MeHome({ me }: { me: Me }) {
  return (
    <Page title={t("me.title")}>
      <p class="lead">{t("home.hello", { name: me.name })}</p>
      <MyRollcalls />
      <StaffTasks />
    </Page>
  );
}

/** Mobile by a 6-digit SMS code, email by a link; unverified channels show on the readiness view. */
export function Contacts() {
  const result = useLoad(useCallback(() => api.get<MyProfile>("/api/me"), []));
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function remove(c: Channel) {
    if (!window.confirm(t("ct.removeConfirm"))) return;
    setError(null);
    setNote(null);
    try {
      await api.del(`/api/me/contacts/${c.id}`);
      setNote(t("ct.removed"));
      result.reload();
    } catch (err) {
      setError(err instanceof ApiFailure && err.code === "last_contact" ? new Error(t("ct.lastOne")) : err);
    }
  }
  return (
    <Page title={t("ct.title")}>
      <p>{t("ct.intro")}</p>
      {note ? <Notice>{note}</Notice> : null}
      <ErrorNote error={error} />
      <Loaded result={result}>
        {(p) =>
          p.channels.length === 0 ? (
            <p class="warn">{t("ct.none")}</p>
          ) : (
            <ul class="channels">
              {p.channels.map((c) => (
                <ChannelRow key={c.id} channel={c} onVerified={() => result.reload()} onRemove={p.channels.length > 1 ? () => remove(c) : undefined} />
              ))}
            </ul>
          )
        }
      </Loaded>
      <AddContact
        onAdded={() => {
          setError(null);
          setNote(t("ct.added"));
          result.reload();
        }}
      />
    </Page>
  );
}

/** POST /api/me/contacts: the new address starts unverified; its row then offers the code or link. */
function AddContact({ onAdded }: { onAdded: () => void }) {
  const [kind, setKind] = useState<"mobile" | "email">("mobile");
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function add(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post("/api/me/contacts", { kind, value });
      setValue("");
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="card narrow" onSubmit={add} noValidate aria-labelledby="ct-add">
      <h2 id="ct-add">{t("ct.add")}</h2>
      <p class="help">{t("ct.addIntro")}</p>
      <fieldset>
        <legend>{t("ct.kind")}</legend>
        {(["mobile", "email"] as const).map((k) => (
          <div class="field check" key={k}>
            <input type="radio" id={`ct-kind-${k}`} name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
            <label for={`ct-kind-${k}`}>{t(`ct.${k}`)}</label>
          </div>
        ))}
      </fieldset>
      <Field
        label={t("ct.value")}
        name="value"
        type={kind === "mobile" ? "tel" : "email"}
        autoComplete={kind === "mobile" ? "tel" : "email"}
        value={value}
        onInput={setValue}
        error={error}
        maxLength={320}
        required
      />
      <ErrorNote error={error} fields={["value"]} />
      <Submit busy={busy}>{t("ct.addButton")}</Submit>
    </form>
  );
}

function ChannelRow({ channel: c, onVerified, onRemove }: { channel: Channel; onVerified: () => void; onRemove?: () => void }) {
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const kind = c.kind === "mobile" ? t("ct.mobile") : t("ct.email");
  async function send() {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/me/contacts/${c.id}/verify`);
      setSent(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  async function confirm(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/me/contacts/${c.id}/confirm`, { code: code.trim() });
      setDone(true);
      onVerified();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <li class="card narrow" data-testid="channel" data-kind={c.kind}>
      <h2>
        {kind}：<span class="addr">{c.kind === "mobile" ? phone(c.value) : c.value}</span>
      </h2>
      <p>
        {c.verified ? (
          <span class="badge open">{t("ct.verified", { t: dateTime(c.verifiedAt) })}</span>
        ) : (
          <span class="badge real" data-testid="unverified">
            {t("ct.unverified")}
          </span>
        )}
        {onRemove ? (
          <>
            {" "}
            <button type="button" class="btn small" onClick={onRemove} aria-label={`${t("ct.remove")}：${kind}`}>
              {t("ct.remove")}
            </button>
          </>
        ) : null}
      </p>
      {done ? <Notice>{t("ct.done")}</Notice> : null}
      {!c.verified && !done ? (
        <>
          {sent ? <Notice>{c.kind === "mobile" ? t("ct.codeSent") : t("ct.linkSent")}</Notice> : null}
          <div class="buttons">
            <button type="button" class={`btn${sent ? "" : " primary"}`} onClick={send} disabled={busy}>
              {c.kind === "mobile" ? t("ct.sendCode") : t("ct.sendLink")}
            </button>
          </div>
          {sent && c.kind === "mobile" ? (
            <form onSubmit={confirm} noValidate>
              <Field
                label={t("ct.code")}
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                value={code}
                onInput={setCode}
                error={error}
                maxLength={6}
                required
              />
              <Submit busy={busy}>{t("ct.confirm")}</Submit>
            </form>
          ) : null}
          <ErrorNote error={error} fields={sent ? ["code"] : []} />
        </>
      ) : null}
    </li>
  );
}

const REPORT_KINDS = ["lost_device", "system_fault", "unauthorised_access"] as const;

/** A lost phone, a system fault or suspected unauthorised access, for the facility admins (§5, §7). */
export function Report() {
  const [kind, setKind] = useState<string>("lost_device");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  async function send(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post("/api/me/reports", { kind, note });
      setDone(true);
      setNote("");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Page title={t("rp.title")}>
      <p>{t("rp.intro")}</p>
      <form class="card narrow" onSubmit={send} noValidate>
        <fieldset>
          <legend>{t("rp.kind")}</legend>
          {REPORT_KINDS.map((k) => (
            <div class="field check" key={k}>
              <input type="radio" id={`rp-${k}`} name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
              <label for={`rp-${k}`}>{t(`rp.kind.${k}`)}</label>
            </div>
          ))}
        </fieldset>
        <Field label={t("rp.note")} name="note" value={note} onInput={setNote} error={error} multiline rows={3} maxLength={1000} />
        <ErrorNote error={error} fields={["note"]} />
        {done ? <Notice>{t("rp.sent")}</Notice> : null}
        <Submit busy={busy}>{t("rp.send")}</Submit>
      </form>
    </Page>
  );
}

export interface MyGroup {
  id: number;
  name: string;
  kind: "network" | "facility" | "custom";
  role: "owner" | "member";
  leavable: boolean;
}

/** The refusal of POST /api/groups/{id}/leave in the person's words, with the server's reason beside it. */
function cannotLeave(g: MyGroup, err: unknown): Error {
  const why =
    g.kind === "network" ? t("lv.cannot.network") : g.kind === "facility" ? t("lv.cannot.facility") : g.role === "owner" ? t("lv.cannot.owner") : null;
  const server = err instanceof Error ? err.message : String(err);
  return new Error(why ? `${why}（${server}）` : server);
}

/** Leave a group when no longer in charge; deregister when leaving the facility (§3, §5). */
export function Leave({ me, onGone }: { me: Me; onGone: () => void }) {
  const groups = useLoad(useCallback(() => api.get<{ items: MyGroup[] }>("/api/me/groups"), []));
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [groupError, setGroupError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const [gone, setGone] = useState(false);
  async function leave(g: MyGroup) {
    if (!window.confirm(t("lv.leaveConfirm", { name: g.name }))) return;
    setGroupError(null);
    setNote(null);
    try {
      await api.post(`/api/groups/${g.id}/leave`);
      setNote(t("lv.left"));
      groups.reload();
    } catch (err) {
      setGroupError(err instanceof ApiFailure && (err.status === 409 || err.status === 404 || err.status === 403) ? cannotLeave(g, err) : err);
    }
  }
  async function deregister(e: Event) {
    e.preventDefault();
    setError(null);
    if (typed.trim() !== me.name) {
      setError(new ApiFailure(400, "invalid", t("lv.nameMismatch"), "confirmName"));
      return;
    }
    setBusy(true);
    try {
      await api.del(`/api/people/${me.personId}`);
      setGone(true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  if (gone)
    return (
      <Page title={t("lv.goodbye")}>
        <p data-testid="goodbye">{t("lv.goodbyeBody")}</p>
        <button type="button" class="btn primary" onClick={onGone}>
          {t("lv.toSignIn")}
        </button>
      </Page>
    );
  return (
    <Page title={t("lv.title")}>
      <section aria-labelledby="lv-groups">
        <h2 id="lv-groups">{t("lv.groups")}</h2>
        {note ? <Notice>{note}</Notice> : null}
        <ErrorNote error={groupError} />
        <Loaded result={groups}>
          {(r) =>
            r.items.length === 0 ? (
              <p>{t("lv.noGroups")}</p>
            ) : (
              <ul class="plain-list">
                {r.items.map((g) => (
                  <li key={g.id} data-testid="my-group">
                    <span class="badge">{t(`lv.kind.${g.kind}`)}</span> {g.name}{" "}
                    <button type="button" class="btn small" onClick={() => leave(g)} aria-label={`${t("lv.leave")}：${g.name}`}>
                      {t("lv.leave")}
                    </button>
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </section>
      <form class="card narrow confirm" onSubmit={deregister} noValidate aria-labelledby="lv-dereg">
        <h2 id="lv-dereg">{t("lv.deregister")}</h2>
        <p>{t("lv.deregisterIntro")}</p>
        <Field label={t("lv.typeName", { name: me.name })} name="confirmName" value={typed} onInput={setTyped} error={error} autoComplete="off" />
        <ErrorNote error={error} fields={["confirmName"]} />
        <Submit busy={busy} class="btn danger">
          {t("lv.deregisterButton")}
        </Submit>
      </form>
    </Page>
  );
}
