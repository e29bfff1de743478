import { useState } from "preact/hooks";
import { api } from "../api";
import { addStrings, t } from "../i18n";
import { passkeysSupported, registerPasskey } from "../staff/passkey";
import type { Me } from "../types";
import { ErrorNote, Field, Notice, Page, Submit } from "../ui";

addStrings({
  ja: {
    "pk.title": "パスキー",
    "pk.intro": "パスワードの代わりに、この端末の指紋・顔認証・画面ロックでサインインできます。",
    "pk.name": "パスキーの名前",
    "pk.add": "この端末にパスキーを作る",
    "pk.added": "パスキーを登録しました。次回から「パスキーでサインイン」を使えます。",
    "pk.unsupported": "このブラウザはパスキーに対応していません。",
  },
  en: {
    "pk.title": "Passkeys",
    "pk.intro": "Sign in with this device's fingerprint, face or screen lock instead of a password.",
    "pk.name": "Passkey name",
    "pk.add": "Create a passkey on this device",
    "pk.added": 'Passkey added. Next time use "Sign in with a passkey".',
    "pk.unsupported": "This browser does not support passkeys.",
  },
});

/** Registers a passkey for the signed-in person (a sign-in option for everyone). */
export function PasskeyForm() {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  async function add(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await registerPasskey(name.trim() || navigator.platform || "passkey");
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="card narrow" onSubmit={add} noValidate>
      <h2>{t("pk.title")}</h2>
      <p>{t("pk.intro")}</p>
      {passkeysSupported() ? (
        <>
          <Field label={t("pk.name")} name="name" value={name} onInput={setName} error={error} maxLength={60} />
          <ErrorNote error={error} fields={["name"]} />
          {done ? <Notice>{t("pk.added")}</Notice> : null}
          <Submit busy={busy}>{t("pk.add")}</Submit>
        </>
      ) : (
        <p class="warn">{t("pk.unsupported")}</p>
      )}
    </form>
  );
}

/** Change one's password (also the forced screen when it has expired). */
export function PasswordForm({ expired, onDone }: { expired?: boolean; onDone: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post("/api/me/password", { current, next });
      setDone(true);
      setCurrent("");
      setNext("");
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} class="card narrow" noValidate>
      <h2>{t("pw.title")}</h2>
      {expired ? <p class="warn">{t("pw.expired")}</p> : null}
      <Field
        label={t("pw.current")}
        name="current"
        type="password"
        autoComplete="current-password"
        value={current}
        onInput={setCurrent}
        error={error}
        required
      />
      <Field
        label={t("pw.next")}
        name="next"
        type="password"
        autoComplete="new-password"
        help={t("pw.nextHelp")}
        value={next}
        onInput={setNext}
        error={error}
        required
      />
      <ErrorNote error={error} fields={["current", "next"]} />
      {done ? <Notice>{t("pw.done")}</Notice> : null}
      <Submit busy={busy}>{t("pw.submit")}</Submit>
    </form>
  );
}

/** TOTP enrolment: the secret and the otpauth URI are shown as text to copy into an app. */
export function MfaForm({ required, onDone }: { required?: boolean; onDone: () => void }) {
  const [setup, setSetup] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  async function start() {
    setBusy(true);
    setError(null);
    try {
      setSetup(await api.post<{ secret: string; uri: string }>("/api/me/totp/setup"));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post("/api/me/totp/enable", { code: code.trim() });
      setDone(true);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  if (done) return <Notice>{t("mfa.done")}</Notice>;
  return (
    <div class="card narrow">
      <h2>{t("mfa.title")}</h2>
      {required ? <p class="warn">{t("mfa.required")}</p> : null}
      {!setup ? (
        <>
          <ErrorNote error={error} />
          <button type="button" class="btn primary" onClick={start} disabled={busy}>
            {t("mfa.start")}
          </button>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <dl class="secret">
            <dt>{t("mfa.secret")}</dt>
            <dd>
              <code data-testid="totp-secret">{setup.secret}</code>
            </dd>
            <dt>{t("mfa.uri")}</dt>
            <dd>
              <code class="wrap" data-testid="totp-uri">
                {setup.uri}
              </code>
            </dd>
          </dl>
          <Field
            label={t("mfa.code")}
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onInput={setCode}
            error={error}
            maxLength={10}
            required
          />
          <ErrorNote error={error} fields={["code"]} />
          <Submit busy={busy}>{t("mfa.submit")}</Submit>
        </form>
      )}
    </div>
  );
}

export function Account({ me, onChanged }: { me: Me; onChanged: () => void }) {
  return (
    <Page title={t("nav.account")}>
      <p>
        {me.name}（{me.roles.map((r) => t(`role.${r}`)).join("・")}）
      </p>
      <PasswordForm onDone={onChanged} />
      {me.totpEnabled ? <p class="card narrow">{t("mfa.enabled")}</p> : <MfaForm onDone={onChanged} />}
      <PasskeyForm />
    </Page>
  );
}
