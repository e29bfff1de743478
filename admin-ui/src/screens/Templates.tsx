import { useCallback, useState } from "preact/hooks";
import { api } from "../api";
import { dateTime } from "../format";
import { addStrings, t } from "../i18n";
import { label } from "../labels";
import type { Me, Template } from "../types";
import { ErrorNote, Field, Loaded, Notice, Page, Submit, useLoad } from "../ui";

addStrings({
  ja: {
    "tp.file": "標準（ファイル）",
    "tp.db": "コピー（編集可）",
    "tp.kind.rollcall": "安否確認",
    "tp.kind.notice": "お知らせ",
    "tp.questions": "質問",
    "tp.q.safety": "安否",
    "tp.q.availability": "出勤できるか",
    "tp.q.comment": "コメント",
    "tp.q.ack": "確認しました",
    "tp.patients": "患者さんの確認",
    "tp.patients.on": "あり（{m}分で確認できていなければ管理者に知らせる）",
    "tp.patients.off": "なし",
    "tp.patients.check": "安否確認で患者さんの確認も行う",
    "tp.patients.minutes": "確認の期限（分）",
    "tp.waves": "送信の段階",
    "tp.messages": "メッセージ（日本語）",
    "tp.copy": "コピーして編集",
    "tp.copyName": "コピーの名前",
    "tp.save": "保存する",
    "tp.saved": "保存しました。",
    "tp.remove": "削除する",
    "tp.removeConfirm": "このテンプレートを削除しますか？（これまでの安否確認には影響しません）",
    "tp.name": "名前",
    "tp.sms": "SMS",
    "tp.emailSubject": "メールの件名",
    "tp.emailText": "メール本文",
    "tp.pushTitle": "プッシュ通知の題",
    "tp.pushBody": "プッシュ通知の本文",
    "tp.placeholders": "使える差し込み：{drill} {title} {message} {person} {facility} {link}",
    "tp.updated": "更新 {t}",
    "tp.show": "内容を見る",
  },
  en: {
    "tp.file": "Default (file)",
    "tp.db": "Copy (editable)",
    "tp.kind.rollcall": "Roll-call",
    "tp.kind.notice": "Notice",
    "tp.questions": "Questions",
    "tp.q.safety": "Safety",
    "tp.q.availability": "Can come in",
    "tp.q.comment": "Comment",
    "tp.q.ack": "Acknowledged",
    "tp.patients": "Patient checks",
    "tp.patients.on": "yes (raised to the managers when not done in {m} min)",
    "tp.patients.off": "no",
    "tp.patients.check": "Check on the patients in a roll-call",
    "tp.patients.minutes": "Time to check (minutes)",
    "tp.waves": "Schedule",
    "tp.messages": "Messages (Japanese)",
    "tp.copy": "Copy to edit",
    "tp.copyName": "Name of the copy",
    "tp.save": "Save",
    "tp.saved": "Saved.",
    "tp.remove": "Remove",
    "tp.removeConfirm": "Remove this template? Past roll-calls keep their copy.",
    "tp.name": "Name",
    "tp.sms": "SMS",
    "tp.emailSubject": "Email subject",
    "tp.emailText": "Email text",
    "tp.pushTitle": "Push title",
    "tp.pushBody": "Push text",
    "tp.placeholders": "Placeholders: {drill} {title} {message} {person} {facility} {link}",
    "tp.updated": "Updated {t}",
    "tp.show": "Show",
  },
});

const PARTS = ["sms", "emailSubject", "emailText", "pushTitle", "pushBody"] as const;

export function Templates({ me }: { me: Me }) {
  const loaded = useLoad(useCallback(() => api.get<{ items: Template[] }>("/api/templates"), []));
  const canEdit = me.roles.includes("network_admin");
  return (
    <Page title={t("nav.templates")}>
      <Loaded result={loaded}>
        {(r) => (
          <>
            {r.items.map((tp) => (
              <TemplateCard key={tp.ref} tp={tp} canEdit={canEdit} onChanged={loaded.reload} />
            ))}
          </>
        )}
      </Loaded>
    </Page>
  );
}

function TemplateCard({ tp, canEdit, onChanged }: { tp: Template; canEdit: boolean; onChanged: () => void }) {
  const [copyName, setCopyName] = useState(`${tp.name}（コピー）`);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [name, setName] = useState(tp.name);
  const [msgs, setMsgs] = useState({ ...tp.body.messages.ja });
  const [checks, setChecks] = useState(tp.body.patientChecks);
  const [minutes, setMinutes] = useState(String(tp.body.patientCheckMinutes));
  const editable = canEdit && tp.source === "db";

  async function run(fn: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await fn();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }
  const copy = (e: Event) => {
    e.preventDefault();
    void run(() => api.post("/api/templates", { basedOn: tp.ref, name: copyName })).then((ok) => ok && onChanged());
  };
  const save = (e: Event) => {
    e.preventDefault();
    // A number the server refuses by name when it is not one (body.patientCheckMinutes).
    const m = minutes.trim() === "" || Number.isNaN(Number(minutes)) ? minutes : Number(minutes);
    const body = { ...tp.body, patientChecks: checks, patientCheckMinutes: m, messages: { ...tp.body.messages, ja: msgs } };
    void run(() => api.patch(`/api/templates/${tp.id}`, { name, body })).then((ok) => ok && setSaved(true));
  };
  const remove = () => {
    if (!window.confirm(t("tp.removeConfirm"))) return;
    void run(() => api.del(`/api/templates/${tp.id}`)).then((ok) => ok && onChanged());
  };

  return (
    <section class="card" aria-labelledby={`tp-${tp.ref}`}>
      <h2 id={`tp-${tp.ref}`}>
        {tp.name} <span class="badge">{tp.source === "file" ? t("tp.file") : t("tp.db")}</span> <span class="badge">{t(`tp.kind.${tp.body.kind}`)}</span>
      </h2>
      {tp.updatedAt ? <p class="help">{t("tp.updated", { t: dateTime(tp.updatedAt) })}</p> : null}
      <p>
        {t("tp.questions")}：{tp.body.questions.map((q) => t(`tp.q.${q}`, q)).join("、")}
      </p>
      <p>
        {t("tp.waves")}：{tp.body.waves.map((w) => `${w.delayMinutes}分 ${w.channels.map((c) => label("ch", c)).join("・")}`).join(" → ")}
      </p>
      {tp.body.kind === "rollcall" ? (
        <p data-testid="tp-patients">
          {t("tp.patients")}：{tp.body.patientChecks ? t("tp.patients.on", { m: tp.body.patientCheckMinutes }) : t("tp.patients.off")}
        </p>
      ) : null}
      {editable ? (
        <form onSubmit={save} noValidate>
          <Field label={t("tp.name")} name="name" value={name} onInput={setName} error={error} />
          {tp.body.kind === "rollcall" ? (
            <>
              <label class="check">
                <input type="checkbox" name="body.patientChecks" checked={checks} onChange={(e) => setChecks((e.currentTarget as HTMLInputElement).checked)} />{" "}
                {t("tp.patients.check")}
              </label>
              <Field
                label={t("tp.patients.minutes")}
                name="body.patientCheckMinutes"
                type="number"
                inputMode="numeric"
                value={minutes}
                onInput={setMinutes}
                error={error}
              />
            </>
          ) : null}
          <p class="help">{t("tp.placeholders")}</p>
          {PARTS.map((p) => (
            <Field
              key={p}
              label={t(`tp.${p}`)}
              name={`body.messages.ja.${p}`}
              value={msgs[p]}
              onInput={(v) => setMsgs({ ...msgs, [p]: v })}
              error={error}
              multiline={p === "sms" || p === "emailText" || p === "pushBody"}
              rows={p === "emailText" ? 8 : 3}
            />
          ))}
          <ErrorNote error={error} fields={["name", "body.patientCheckMinutes", ...PARTS.map((p) => `body.messages.ja.${p}`)]} />
          {saved ? <Notice>{t("tp.saved")}</Notice> : null}
          <div class="buttons">
            <Submit busy={busy}>{t("tp.save")}</Submit>
            <button type="button" class="btn danger" disabled={busy} onClick={remove}>
              {t("tp.remove")}
            </button>
          </div>
        </form>
      ) : (
        <details>
          <summary>{t("tp.show")}</summary>
          <h3>{t("tp.messages")}</h3>
          {PARTS.map((p) => (
            <div key={p}>
              <strong>{t(`tp.${p}`)}</strong>
              <pre class="message">{tp.body.messages.ja[p]}</pre>
            </div>
          ))}
        </details>
      )}
      {canEdit && tp.source === "file" ? (
        <form class="toolbar" onSubmit={copy}>
          <label for={`tp-copy-${tp.ref}`}>{t("tp.copyName")}</label>
          <input id={`tp-copy-${tp.ref}`} value={copyName} onInput={(e) => setCopyName((e.currentTarget as HTMLInputElement).value)} />
          <button type="submit" class="btn" disabled={busy}>
            {t("tp.copy")}
          </button>
          <ErrorNote error={error} />
        </form>
      ) : null}
    </section>
  );
}
