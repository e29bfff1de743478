import { useCallback, useState } from "preact/hooks";
import { api } from "../../api";
import { dateTime } from "../../format";
import { addStrings, t } from "../../i18n";
import { guessDeviceName, pushSupport, subscribe } from "../../staff/push";
import type { Device, DeviceList, DeviceTest, VapidKey } from "../../types";
import { ErrorNote, Field, Loaded, Notice, Page, Submit, useLoad } from "../../ui";

addStrings({
  ja: {
    "dev.title": "通知を受け取る端末",
    "dev.intro": "安否確認をこの端末に通知で受け取れます。通知のボタンから、ページを開かずに回答できます。",
    "dev.name": "端末の名前",
    "dev.nameHelp": "例：私用のスマホ、事業所のタブレット",
    "dev.pc": "のパソコン",
    "dev.enable": "この端末で通知を受け取る",
    "dev.enabled": "この端末を登録しました。",
    "dev.list": "登録した端末",
    "dev.none": "まだ登録した端末はありません。",
    "dev.this": "この端末",
    "dev.added": "登録 {t}",
    "dev.lastOk": "最後に届けた {t}",
    "dev.lastTest": "テストが届いた {t}",
    "dev.testPending": "テストを送信済み（到着の確認待ち）",
    "dev.test": "テストを送る",
    "dev.testSent": "テストを送りました。通知が届くか確かめてください。",
    "dev.testSandbox": "テストを送りました（テスト環境のため送信箱に届きます）。",
    "dev.remove": "削除",
    "dev.removeConfirm": "「{name}」を削除しますか？この端末には通知が届かなくなります。",
    "dev.removed": "削除しました。",
    "dev.sandbox": "テスト環境です：通知は実際には送られず、送信箱に届きます。",
    "dev.unavailable": "この環境では通知を使えません。",
    "dev.why.no-sw": "このブラウザは通知に対応していません。",
    "dev.why.no-push": "このブラウザは通知に対応していません。",
    "dev.why.ios-needs-home-screen": "iPhoneでは、共有ボタンから「ホーム画面に追加」し、ホーム画面のアイコンから開くと通知を受け取れます。",
    "dev.why.denied": "通知が拒否されています。ブラウザの設定でこのサイトの通知を許可してください。",
    "dev.permission": "通知が許可されませんでした。",
    "dev.rename": "名前を変える",
    "dev.save": "保存",
    "dev.others.title": "ほかの端末のサインイン",
    "dev.others.intro":
      "スマホをなくしたときや、ほかのパソコンでサインインしたままのときに使います。この端末はサインインしたままです。通知は止まらないので、なくした端末は上の一覧から削除してください。",
    "dev.others.button": "ほかの端末をすべてサインアウト",
    "dev.others.confirm": "この端末以外のサインインをすべて終わりにしますか？ほかの端末では、もう一度サインインが必要になります。",
    "dev.others.done": "ほかの端末のサインインを{n}件終わりにしました。",
    "dev.others.none": "ほかにサインインしている端末はありませんでした。",
  },
  en: {
    "dev.title": "Devices for notifications",
    "dev.intro": "Get roll-calls on this device as notifications. Answer from the notification's buttons without opening a page.",
    "dev.name": "Device name",
    "dev.nameHelp": "For example: my phone, the office tablet",
    "dev.pc": "computer",
    "dev.enable": "Get notifications on this device",
    "dev.enabled": "This device is registered.",
    "dev.list": "Your devices",
    "dev.none": "No device registered yet.",
    "dev.this": "This device",
    "dev.added": "Added {t}",
    "dev.lastOk": "Last delivered {t}",
    "dev.lastTest": "Test arrived {t}",
    "dev.testPending": "Test sent (waiting for it to arrive)",
    "dev.test": "Send me a test",
    "dev.testSent": "Test sent. Check that the notification arrives.",
    "dev.testSandbox": "Test sent (sandbox: it lands in the outbox).",
    "dev.remove": "Remove",
    "dev.removeConfirm": 'Remove "{name}"? It will get no more notifications.',
    "dev.removed": "Removed.",
    "dev.sandbox": "Sandbox: notifications are not really sent; they land in the outbox.",
    "dev.unavailable": "Notifications are not available here.",
    "dev.why.no-sw": "This browser cannot take notifications.",
    "dev.why.no-push": "This browser cannot take notifications.",
    "dev.why.ios-needs-home-screen": "On an iPhone, use Share → Add to Home Screen, then open the app from its icon to get notifications.",
    "dev.why.denied": "Notifications are blocked. Allow them for this site in the browser settings.",
    "dev.permission": "Notifications were not allowed.",
    "dev.rename": "Rename",
    "dev.save": "Save",
    "dev.others.title": "Sign-ins on other devices",
    "dev.others.intro":
      "For a lost phone, or a computer where you are still signed in. This device stays signed in. Notifications do not stop: remove a lost device from the list above.",
    "dev.others.button": "Sign out all other devices",
    "dev.others.confirm": "End every sign-in except this device? The other devices will have to sign in again.",
    "dev.others.done": "Ended {n} sign-ins on other devices.",
    "dev.others.none": "No other device was signed in.",
  },
});

/** Push on this phone: subscribe, name, test, remove (each device separately). */
export function Devices() {
  const vapid = useLoad(useCallback(() => api.get<VapidKey>("/api/push/vapid-public-key"), []));
  const list = useLoad(useCallback(() => api.get<DeviceList>("/api/me/devices"), []));
  return (
    <Page title={t("dev.title")}>
      <p>{t("dev.intro")}</p>
      <Loaded result={vapid}>{(v) => <Enable vapid={v} onAdded={() => list.reload()} />}</Loaded>
      <section aria-labelledby="dev-list">
        <h2 id="dev-list">{t("dev.list")}</h2>
        <Loaded result={list}>
          {(d) =>
            d.items.length === 0 ? (
              <p>{t("dev.none")}</p>
            ) : (
              <ul class="devices">
                {d.items.map((x) => (
                  <DeviceRow key={x.id} device={x} onChanged={() => list.reload()} />
                ))}
              </ul>
            )
          }
        </Loaded>
      </section>
      <SignOutOthers />
    </Page>
  );
}

/** DELETE /api/me/sessions: every sign-in but this one ends (a lost phone, §5). */
function SignOutOthers() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  async function signOutOthers() {
    if (!window.confirm(t("dev.others.confirm"))) return;
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      const r = await api.del<{ sessions: number }>("/api/me/sessions");
      setNote(r.sessions > 0 ? t("dev.others.done", { n: r.sessions }) : t("dev.others.none"));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="dev-others" class="card narrow">
      <h2 id="dev-others">{t("dev.others.title")}</h2>
      <p class="help">{t("dev.others.intro")}</p>
      {note ? <Notice>{note}</Notice> : null}
      <ErrorNote error={error} />
      <div class="buttons">
        <button type="button" class="btn danger" disabled={busy} onClick={signOutOthers} data-testid="sign-out-others">
          {t("dev.others.button")}
        </button>
      </div>
    </section>
  );
}

function Enable({ vapid, onAdded }: { vapid: VapidKey; onAdded: () => void }) {
  const [name, setName] = useState(() => guessDeviceName(t("dev.pc")));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const support = pushSupport();
  if (vapid.mode === "unavailable") return <p class="warn">{t("dev.unavailable")}</p>;
  if (!vapid.publicKey) return <p class="warn">{t("dev.sandbox")}</p>;
  if (support !== "ok") return <p class="warn">{t(`dev.why.${support}`)}</p>;
  const key = vapid.publicKey;
  async function enable(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const subscription = await subscribe(key);
      await api.post("/api/me/devices", { subscription, name });
      setDone(true);
      onAdded();
    } catch (err) {
      setError(err instanceof Error && err.message === "permission" ? new Error(t("dev.permission")) : err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="card narrow" onSubmit={enable} noValidate>
      <Field label={t("dev.name")} name="name" value={name} onInput={setName} help={t("dev.nameHelp")} error={error} maxLength={60} required />
      <ErrorNote error={error} fields={["name"]} />
      {done ? <Notice>{t("dev.enabled")}</Notice> : null}
      <Submit busy={busy}>{t("dev.enable")}</Submit>
    </form>
  );
}

function DeviceRow({ device: d, onChanged }: { device: Device; onChanged: () => void }) {
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(d.name);
  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const test = () =>
    run(async () => {
      const r = await api.post<DeviceTest>(`/api/me/devices/${d.id}/test`);
      setNote(r.sandbox ? t("dev.testSandbox") : t("dev.testSent"));
      onChanged();
    });
  const remove = () => {
    if (!window.confirm(t("dev.removeConfirm", { name: d.name }))) return;
    void run(async () => {
      await api.del(`/api/me/devices/${d.id}`);
      onChanged();
    });
  };
  const rename = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api.patch(`/api/me/devices/${d.id}`, { name });
      setRenaming(false);
      onChanged();
    });
  };
  const waiting = d.lastTestSentAt && (!d.lastTestAt || d.lastTestAt < d.lastTestSentAt);
  return (
    <li class="card device" data-testid="device">
      <h3>{d.name}</h3>
      <p class="help">
        {t("dev.added", { t: dateTime(d.createdAt) })}
        {d.lastOkAt ? `・${t("dev.lastOk", { t: dateTime(d.lastOkAt) })}` : ""}
      </p>
      <p data-testid="device-test-state">
        {d.lastTestAt && !waiting ? t("dev.lastTest", { t: dateTime(d.lastTestAt) }) : waiting ? t("dev.testPending") : null}
      </p>
      {note ? <Notice>{note}</Notice> : null}
      <ErrorNote error={error} fields={renaming ? ["name"] : []} />
      {renaming ? (
        <form onSubmit={rename} class="inline-form" noValidate>
          <Field label={t("dev.name")} name="name" value={name} onInput={setName} error={error} maxLength={60} />
          <Submit busy={busy}>{t("dev.save")}</Submit>
        </form>
      ) : null}
      <div class="buttons">
        <button type="button" class="btn primary" disabled={busy} onClick={test} aria-label={`${t("dev.test")}：${d.name}`}>
          {t("dev.test")}
        </button>
        <button type="button" class="btn" disabled={busy} onClick={() => setRenaming(!renaming)} aria-label={`${t("dev.rename")}：${d.name}`}>
          {t("dev.rename")}
        </button>
        <button type="button" class="btn danger" disabled={busy} onClick={remove} aria-label={`${t("dev.remove")}：${d.name}`}>
          {t("dev.remove")}
        </button>
      </div>
    </li>
  );
}
