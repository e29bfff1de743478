import { useState } from "preact/hooks";
import { api } from "../api";
import { t, tx } from "../i18n";
import { passkeysSupported, registerPasskey } from "../staff/passkey";
import type { Me } from "../types";
import { ErrorNote, Field, Notice, Page, Submit, useAction } from "../ui";

/** Registers a passkey for the signed-in person (a sign-in option for everyone). */
export function PasskeyForm() {
  const [name, setName] = useState("");
  const { busy, error, run } = useAction();
  const [done, setDone] = useState(false);
  async function add(e: Event) {
    e.preventDefault();
    await run(async () => {
      await registerPasskey(name.trim() || navigator.platform || "passkey");
      setDone(true);
    });
  }
  return (
    <form class="card narrow" onSubmit={add} noValidate>
      <h2>{tx("pk.title")}</h2>
      <p>{tx("pk.intro")}</p>
      {passkeysSupported() ? (
        <>
          <Field label={t("pk.name")} name="name" value={name} onInput={setName} error={error} maxLength={60} />
          <ErrorNote error={error} fields={["name"]} />
          {done ? <Notice>{tx("pk.added")}</Notice> : null}
          <Submit busy={busy}>{tx("pk.add")}</Submit>
        </>
      ) : (
        <p class="warn">{tx("pk.unsupported")}</p>
      )}
    </form>
  );
}

/** Change one's password (also the forced screen when it has expired). */
export function PasswordForm({ expired, onDone }: { expired?: boolean; onDone: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const { busy, error, run } = useAction();
  const [done, setDone] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    await run(async () => {
      await api.post("/api/me/password", { current, next });
      setDone(true);
      setCurrent("");
      setNext("");
      onDone();
    });
  }
  return (
    <form onSubmit={submit} class="card narrow" noValidate>
      <h2>{tx("pw.title")}</h2>
      {expired ? <p class="warn">{tx("pw.expired")}</p> : null}
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
      {done ? <Notice>{tx("pw.done")}</Notice> : null}
      <Submit busy={busy}>{tx("pw.submit")}</Submit>
    </form>
  );
}

/** TOTP enrolment: the secret and the otpauth URI are shown as text to copy into an app. */
export function MfaForm({ required, onDone }: { required?: boolean; onDone: () => void }) {
  const [setup, setSetup] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState("");
  const { busy, error, run } = useAction();
  const [done, setDone] = useState(false);

  const start = () => run(async () => setSetup(await api.post<{ secret: string; uri: string }>("/api/me/totp/setup")));
  async function submit(e: Event) {
    e.preventDefault();
    await run(async () => {
      await api.post("/api/me/totp/enable", { code: code.trim() });
      setDone(true);
      onDone();
    });
  }
  if (done) return <Notice>{tx("mfa.done")}</Notice>;
  return (
    <div class="card narrow">
      <h2>{tx("mfa.title")}</h2>
      {required ? <p class="warn">{tx("mfa.required")}</p> : null}
      {!setup ? (
        <>
          <ErrorNote error={error} />
          <button type="button" class="btn primary" onClick={start} disabled={busy}>
            {tx("mfa.start")}
          </button>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <dl class="secret">
            <dt>{tx("mfa.secret")}</dt>
            <dd>
              <code data-testid="totp-secret">{setup.secret}</code>
            </dd>
            <dt>{tx("mfa.uri")}</dt>
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
          <Submit busy={busy}>{tx("mfa.submit")}</Submit>
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
      {me.totpEnabled ? <p class="card narrow">{tx("mfa.enabled")}</p> : <MfaForm onDone={onChanged} />}
      <PasskeyForm />
    </Page>
  );
}
