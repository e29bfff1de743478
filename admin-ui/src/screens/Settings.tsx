import { useCallback, useState } from "preact/hooks";
import { api } from "../api";
import { addStrings, t } from "../i18n";
import type { Settings as SettingsT } from "../types";
import { ErrorNote, Field, type FieldProps, fieldError, Loaded, Notice, Page, Submit, useAction, useLoad } from "../ui";

addStrings({
  ja: {
    "settings.networkName": "ネットワークの短い名前（SMSと通知の差出人）",
    "settings.networkName.help": "例：小金井市医師会。SMSや通知の最初に出ます。リンクだけのSMSは詐欺（スミッシング）と間違われるためです。20文字まで。",
    "settings.smsYenPerSegment": "SMS 1通の料金（円、送信前の見積もり用）",
  },
  en: {
    "settings.networkName": "The network's short name (sender of SMS and notifications)",
    "settings.networkName.help":
      "For example 小金井市医師会. It starts every SMS and notification: an SMS with only a link is taken for phishing. Up to 20 characters.",
    "settings.smsYenPerSegment": "Price of one SMS segment (yen, for the estimate before sending)",
  },
});

type Key = keyof SettingsT;
/** Words typed as they are. */
const TEXT_KEYS = ["networkName"] as const;
const NUMBER_KEYS: Key[] = [
  "smsYenPerSegment",
  "passwordMinLength",
  "passwordMaxAgeDays",
  "sessionIdleMinutes",
  "sessionAbsoluteHours",
  "loginMaxFailuresPerAccountAndAddress",
  "loginMaxFailuresPerAddress",
  "loginLockMinutes",
  "loginSlowAfterAccountFailures",
  "loginNotifyAfterAccountFailures",
  "verificationCodesPerAccountPerDay",
  "verificationCodesPerNumberPerDay",
  "verificationSmsDailyCeiling",
];
/** Lists typed as comma-separated words. */
const LIST_KEYS = ["mobileExtraCountryCodes"] as const;
const listText = (v: unknown) => (Array.isArray(v) ? v.join(", ") : String(v ?? ""));
const listValue = (text: string) =>
  text
    .split(/[,、\s]+/)
    .map((x) => x.replace(/^\+/, "").trim())
    .filter(Boolean);
const BOOL_KEYS: Key[] = ["passwordRequireLettersAndDigits", "passwordRotationOffWithMfa", "mfaRequiredForAdmins"];

export function Settings() {
  const loaded = useLoad(useCallback(() => api.get<SettingsT>("/api/settings"), []));
  return <Page title={t("settings.title")}>{<Loaded result={loaded}>{(s) => <SettingsForm initial={s} />}</Loaded>}</Page>;
}

function SettingsForm({ initial }: { initial: SettingsT }) {
  const asValues = (x: SettingsT) => ({ ...x, mobileExtraCountryCodes: listText(x.mobileExtraCountryCodes) }) as unknown as Record<string, string | boolean>;
  const [values, setValues] = useState<Record<string, string | boolean>>(() => asValues(initial));
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    // Send only what changed, so the audit entry says exactly what was changed.
    const patch: Record<string, number | boolean | string | string[]> = {};
    for (const k of TEXT_KEYS) if (values[k] !== initial[k]) patch[k] = String(values[k]);
    for (const k of NUMBER_KEYS) {
      const v = Number(values[k]);
      if (v !== initial[k]) patch[k] = Number.isFinite(v) && String(values[k]).trim() !== "" ? v : NaN;
    }
    for (const k of BOOL_KEYS) if (values[k] !== initial[k]) patch[k] = Boolean(values[k]);
    for (const k of LIST_KEYS) if (values[k] !== listText(initial[k])) patch[k] = listValue(String(values[k]));
    await run(async () => {
      const next = await api.patch<SettingsT>("/api/settings", patch);
      Object.assign(initial, next);
      setValues(asValues(next));
      setSaved(true);
    });
  }

  /** A setting typed into a box: how it is typed differs by its kind (`how`). */
  const typed = (k: Key, how: Pick<FieldProps, "type" | "inputMode" | "class" | "maxLength" | "help">) => (
    <Field
      key={k}
      id={`s-${k}`}
      label={t(`settings.${k}`)}
      name={k}
      {...how}
      value={String(values[k])}
      onInput={(v) => {
        setSaved(false);
        setValues({ ...values, [k]: v });
      }}
      error={error}
    />
  );

  return (
    <form onSubmit={submit} class="card" noValidate>
      {TEXT_KEYS.map((k) => typed(k, { maxLength: 20, help: t(`settings.${k}.help`) }))}
      {NUMBER_KEYS.map((k) => typed(k, { type: "number", inputMode: "numeric", class: "short" }))}
      {LIST_KEYS.map((k) => typed(k, { inputMode: "numeric", help: t(`settings.${k}.help`) }))}
      {BOOL_KEYS.map((k) => {
        const msg = fieldError(error, k);
        return (
          <div class="field check" key={k}>
            <input
              id={`s-${k}`}
              name={k}
              type="checkbox"
              checked={Boolean(values[k])}
              onChange={(e) => {
                setSaved(false);
                setValues({ ...values, [k]: (e.currentTarget as HTMLInputElement).checked });
              }}
            />
            <label for={`s-${k}`}>{t(`settings.${k}`)}</label>
            {msg ? (
              <p class="field-error" role="alert">
                {msg}
              </p>
            ) : null}
          </div>
        );
      })}
      <ErrorNote error={error} fields={[...TEXT_KEYS, ...NUMBER_KEYS, ...BOOL_KEYS, ...LIST_KEYS]} />
      {saved ? <Notice>{t("settings.saved")}</Notice> : null}
      <Submit busy={busy}>{t("settings.save")}</Submit>
    </form>
  );
}
