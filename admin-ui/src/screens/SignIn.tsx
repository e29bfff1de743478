import { useState } from "preact/hooks";
import { api, ApiFailure } from "../api";
import { t, tx } from "../i18n";
import { passkeysSupported, signInWithPasskey } from "../staff/passkey";
import type { Me } from "../types";
import { ErrorNote, Field, Notice, Submit, useAction } from "../ui";

/** The account's email address, as signing in and a forgotten password both take it. */
function EmailField(props: { value: string; onInput: (v: string) => void; error: unknown; help?: string; autoFocus?: boolean }) {
  return <Field label={t("signin.email")} name="email" type="email" autoComplete="username" inputMode="email" required {...props} />;
}

/**
 * 「パスワードを忘れた方」: the address, then the same answer whether or not it has an
 * account (the server decides nothing visible). The link in the email opens /reset/{token}.
 */
function ForgotPassword({ initialEmail, onBack }: { initialEmail: string; onBack: () => void }) {
  const [email, setEmail] = useState(initialEmail);
  const { busy, error, run } = useAction();
  const [sent, setSent] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    await run(async () => {
      await api.post("/api/password-reset", { email });
      setSent(true);
    });
  }

  return (
    <main id="main" class="signin">
      <h1>{tx("app.title")}</h1>
      <form onSubmit={submit} class="card narrow" noValidate>
        <h2>{tx("forgot.title")}</h2>
        {sent ? (
          <Notice>{tx("forgot.sent")}</Notice>
        ) : (
          <>
            <EmailField help={t("forgot.help")} value={email} onInput={setEmail} error={error} autoFocus />
            <ErrorNote error={error} fields={["email"]} />
            <Submit busy={busy}>{busy ? t("forgot.working") : t("forgot.submit")}</Submit>
          </>
        )}
        <button type="button" class="btn link" onClick={onBack}>
          {tx("forgot.back")}
        </button>
      </form>
    </main>
  );
}

/** Email and password; a one-time code field appears when the server asks for it. */
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [needCode, setNeedCode] = useState(false);
  const { busy, error, run } = useAction();
  const [forgot, setForgot] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    await run(async () => {
      try {
        onSignedIn(await api.post<Me>("/api/session", { email, password, ...(needCode && code ? { code: code.trim() } : {}) }));
      } catch (err) {
        // Asked for the one-time code: not a failure, the code field appears.
        if (err instanceof ApiFailure && err.code === "code_required") setNeedCode(true);
        else throw err;
      }
    });
  }

  const passkey = () =>
    run(async () => {
      try {
        onSignedIn(await signInWithPasskey());
      } catch (err) {
        throw err instanceof Error && err.name === "NotAllowedError" ? new Error(t("pk.cancelled")) : err;
      }
    });

  if (forgot) return <ForgotPassword initialEmail={email} onBack={() => setForgot(false)} />;

  return (
    <main id="main" class="signin">
      <h1>{tx("app.title")}</h1>
      <form onSubmit={submit} class="card narrow" noValidate>
        <h2>{tx("signin.title")}</h2>
        <EmailField value={email} onInput={setEmail} error={error} />
        <Field
          label={t("signin.password")}
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onInput={setPassword}
          error={error}
          required
        />
        {needCode ? (
          <Field
            label={t("signin.code")}
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            help={t("signin.codeHelp")}
            value={code}
            onInput={setCode}
            error={error}
            autoFocus
            maxLength={10}
          />
        ) : null}
        <ErrorNote error={error} fields={["email", "password", "code"]} />
        <Submit busy={busy}>{busy ? t("signin.working") : t("signin.submit")}</Submit>
        <button type="button" class="btn link" onClick={() => setForgot(true)}>
          {tx("forgot.link")}
        </button>
      </form>
      {passkeysSupported() ? (
        <div class="card narrow passkey">
          <p class="help">{tx("pk.or")}</p>
          <button type="button" class="btn" disabled={busy} onClick={passkey}>
            {tx("pk.signIn")}
          </button>
        </div>
      ) : null}
    </main>
  );
}
