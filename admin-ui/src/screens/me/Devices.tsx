import { useCallback, useState } from "preact/hooks";
import { api } from "../../api";
import { dateTime } from "../../format";
import { t, tx } from "../../i18n";
import { guessDeviceName, pushSupport, subscribe } from "../../staff/push";
import type { Device, DeviceList, DeviceTest, VapidKey } from "../../types";
import { ErrorNote, Field, Loaded, Notice, Page, Submit, useLoad } from "../../ui";

/** Push on this phone: subscribe, name, test, remove (each device separately). */
export function Devices() {
  const vapid = useLoad(useCallback(() => api.get<VapidKey>("/api/push/vapid-public-key"), []));
  const list = useLoad(useCallback(() => api.get<DeviceList>("/api/me/devices"), []));
  return (
    <Page title={t("dev.title")}>
      <p>{tx("dev.intro")}</p>
      <Loaded result={vapid}>{(v) => <Enable vapid={v} onAdded={() => list.reload()} />}</Loaded>
      <section aria-labelledby="dev-list">
        <h2 id="dev-list">{tx("dev.list")}</h2>
        <Loaded result={list}>
          {(d) =>
            d.items.length === 0 ? (
              <p>{tx("dev.none")}</p>
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
      <h2 id="dev-others">{tx("dev.others.title")}</h2>
      <p class="help">{tx("dev.others.intro")}</p>
      {note ? <Notice>{note}</Notice> : null}
      <ErrorNote error={error} />
      <div class="buttons">
        <button type="button" class="btn danger" disabled={busy} onClick={signOutOthers} data-testid="sign-out-others">
          {tx("dev.others.button")}
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
  if (vapid.mode === "unavailable") return <p class="warn">{tx("dev.unavailable")}</p>;
  if (!vapid.publicKey) return <p class="warn">{tx("dev.sandbox")}</p>;
  if (support !== "ok") return <p class="warn">{tx(`dev.why.${support}`)}</p>;
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
      {done ? <Notice>{tx("dev.enabled")}</Notice> : null}
      <Submit busy={busy}>{tx("dev.enable")}</Submit>
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
        {tx("dev.added", { t: dateTime(d.createdAt) })}
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
          <Submit busy={busy}>{tx("dev.save")}</Submit>
        </form>
      ) : null}
      <div class="buttons">
        <button type="button" class="btn primary" disabled={busy} onClick={test} aria-label={`${t("dev.test")}：${d.name}`}>
          {tx("dev.test")}
        </button>
        <button type="button" class="btn" disabled={busy} onClick={() => setRenaming(!renaming)} aria-label={`${t("dev.rename")}：${d.name}`}>
          {tx("dev.rename")}
        </button>
        <button type="button" class="btn danger" disabled={busy} onClick={remove} aria-label={`${t("dev.remove")}：${d.name}`}>
          {tx("dev.remove")}
        </button>
      </div>
    </li>
  );
}
