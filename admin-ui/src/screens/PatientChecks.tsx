import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { z } from "zod";
import type * as Pt from "../../../worker/patients/schemas";
import {
  CHECK_POWER,
  CHECK_POWER_WORDS,
  CHECK_RESULT_WORDS,
  CHECK_RESULTS,
  dependsOnPower,
  type CheckPower,
  type CheckResult,
} from "../../../worker/patients/needs";
import { api, ApiFailure } from "../api";
import { dateTime } from "../format";
import { addStrings, adminLang, t } from "../i18n";
import { watch } from "../live";
import { ErrorNote, Field, fieldError, Link, Loading, Notice, Page, Submit } from "../ui";
import { rollcallHeading } from "./CheckBanner";
import { NeedBadges } from "./Patients";
import "./patients.css";
import "./patient-checks.css";

type CheckList = z.infer<typeof Pt.CheckListSchema>;
type CheckItem = Pt.CheckItem;
type Preview = z.infer<typeof Pt.CheckPreviewSchema>["preview"];

addStrings({
  ja: {
    "pc.summary": "担当の患者さん {n}人・未確認 {u}人",
    "pc.empty": "この安否確認で、あなたが確認する患者さんはいません。患者グループのメンバーには、そのグループの患者さんがここに出ます。",
    "pc.notLive": "この安否確認は受付を終えています。記録はできません。",
    "pc.minutes": "電源が必要な人・独居の人が{m}分たっても未確認のときは、グループの管理者と主治医に知らせます。",
    "pc.state.unclaimed": "未確認",
    "pc.state.claimed": "{name}さんが担当",
    "pc.state.mine": "あなたが担当",
    "pc.state.checked": "確認済み：{result}",
    "pc.urgent": "至急",
    "pc.claim": "担当します",
    "pc.release": "担当を外す",
    "pc.record": "記録する",
    "pc.claimed": "担当になりました。",
    "pc.released": "担当を外しました。",
    "pc.recorded": "記録しました。",
    "pc.result": "確認の結果",
    "pc.needResult": "確認の結果を選んでください。",
    "pc.power": "医療機器の電源",
    "pc.batteryHours": "バッテリーの残り（時間）",
    "pc.batteryLeft": "残り{n}時間",
    "pc.location": "いまいる場所",
    "pc.comment": "コメント",
    "pc.next": "確認へ",
    "pc.confirmHead": "この内容で記録しますか？",
    "pc.patient": "患者さん",
    "pc.by": "記録する人",
    "pc.confirm": "確定する",
    "pc.back": "戻る",
    "pc.cancel": "やめる",
    "pc.checkedBy": "{name}さん・{at}",
    "pc.toPatients": "患者グループの一覧へ",
  },
  en: {
    "pc.summary": "{n} patients for you, {u} not checked",
    "pc.empty": "No patient for you to check in this roll-call. Members of a patient group see its patient here.",
    "pc.notLive": "This roll-call is no longer open: nothing can be recorded.",
    "pc.minutes": "A patient who depends on power or lives alone and is not checked after {m} minutes is raised to the group's managers and physician.",
    "pc.state.unclaimed": "Not checked",
    "pc.state.claimed": "{name} is on it",
    "pc.state.mine": "You are on it",
    "pc.state.checked": "Checked: {result}",
    "pc.urgent": "Urgent",
    "pc.claim": "I'll check",
    "pc.release": "Let it go",
    "pc.record": "Record",
    "pc.claimed": "You are on it.",
    "pc.released": "You let it go.",
    "pc.recorded": "Recorded.",
    "pc.result": "What you found",
    "pc.needResult": "Choose what you found.",
    "pc.power": "Power of the devices",
    "pc.batteryHours": "Battery left (hours)",
    "pc.batteryLeft": "{n} h left",
    "pc.location": "Where they are now",
    "pc.comment": "Comment",
    "pc.next": "Check",
    "pc.confirmHead": "Record this?",
    "pc.patient": "Patient",
    "pc.by": "Recorded by",
    "pc.confirm": "Confirm",
    "pc.back": "Back",
    "pc.cancel": "Cancel",
    "pc.checkedBy": "{name}, {at}",
    "pc.toPatients": "Back to patient groups",
  },
});

const word = (w: { ja: string; en: string }) => w[adminLang()];
/** While the screen is open the list is read again this often (slower in a hidden tab: live.ts watch). */
const REFRESH_MS = 20_000;

/** 患者さんの確認 of one roll-call: the caller's patients, unchecked high need first; claim, record (with the confirm step). */
export function PatientChecks({ id }: { id: number }) {
  const [list, setList] = useState<CheckList | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Reads answer in the order they were asked: a slow periodic read never overwrites the read after an action.
  const asked = useRef(0);
  const shown = useRef(0);
  const handle = useRef<{ stop(): void } | null>(null);
  const load = useCallback(async () => {
    const n = ++asked.current;
    return { n, data: await api.get<CheckList>(`/api/rollcalls/${id}/patients`) };
  }, [id]);
  const show = useCallback((r: { n: number; data: CheckList }) => {
    if (r.n < shown.current) return;
    shown.current = r.n;
    setList(r.data);
    setError(null);
  }, []);
  const failed = useCallback((err: unknown) => {
    setError(err);
    // Gone or not allowed does not get better by asking again.
    if (err instanceof ApiFailure && (err.status === 403 || err.status === 404)) handle.current?.stop();
  }, []);
  useEffect(() => {
    const h = watch(load, show, failed, { intervalMs: REFRESH_MS });
    handle.current = h;
    return () => h.stop();
  }, [load, show, failed]);
  const reload = useCallback(() => void load().then(show, failed), [load, show, failed]);

  const unchecked = list ? list.items.filter((c) => c.state !== "checked").length : 0;
  return (
    <Page title={t("pc.title")}>
      {list ? (
        <p class="pc-rollcall" data-testid="check-rollcall">
          {rollcallHeading(list)}
        </p>
      ) : null}
      <ErrorNote error={error} />
      {list === null ? (
        error ? null : (
          <Loading />
        )
      ) : list.items.length === 0 ? (
        <>
          <p data-testid="checks-empty">{t("pc.empty")}</p>
          <p>
            <Link href="/patients">{t("pc.toPatients")}</Link>
          </p>
        </>
      ) : (
        <>
          <p class="lead" data-testid="checks-summary">
            <strong>{t("pc.summary", { n: list.items.length, u: unchecked })}</strong>
          </p>
          {list.live ? <p class="help">{t("pc.minutes", { m: list.minutes })}</p> : <p class="warn">{t("pc.notLive")}</p>}
          <ul class="pt-list" data-testid="checks">
            {list.items.map((c) => (
              <li key={c.patientId}>
                <CheckCard rollcallId={id} item={c} reload={reload} />
              </li>
            ))}
          </ul>
        </>
      )}
    </Page>
  );
}

/** One patient: who, needs, where, the phone; the state; 担当します / 担当を外す / 記録する. */
function CheckCard({ rollcallId, item: c, reload }: { rollcallId: number; item: CheckItem; reload: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const [recording, setRecording] = useState(false);
  const nameId = `pc-name-${c.patientId}`;
  const urgent = c.escalation > 0 && c.state !== "checked";

  async function claim(release: boolean) {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      await api.post(`/api/rollcalls/${rollcallId}/patients/${c.patientId}/claim`, release ? { release: true } : {});
      setNote(t(release ? "pc.released" : "pc.claimed"));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      // After a 409 too: the list shows who holds it now.
      reload();
    }
  }

  return (
    <article class={`pt-card pc-card${c.highNeed ? " high" : ""}`} aria-labelledby={nameId} data-testid="check" data-state={c.state} data-patient={c.patientId}>
      <h2 class="pt-name" id={nameId}>
        {c.name}
        {c.kana ? <span class="pt-kana">{c.kana}</span> : null}
        {urgent ? <span class="badge pc-urgent">{t("pc.urgent")}</span> : null}
      </h2>
      <NeedBadges needs={c.needs} />
      <p class="pt-meta pc-address">{[c.district, c.address].filter(Boolean).join("・") || "—"}</p>
      {c.phone ? (
        <a class="btn pt-tel" href={`tel:${c.phone.replace(/[^\d+]/g, "")}`} aria-describedby={nameId}>
          {t("pt.call")} {c.phone}
        </a>
      ) : null}
      <CheckState c={c} />
      {note ? <Notice>{note}</Notice> : null}
      <ErrorNote error={error} />
      {recording ? (
        <CheckForm
          rollcallId={rollcallId}
          c={c}
          onDone={() => {
            setRecording(false);
            setNote(t("pc.recorded"));
            reload();
          }}
          onConflict={(err) => {
            setRecording(false);
            setError(err);
            reload();
          }}
          onCancel={() => setRecording(false)}
        />
      ) : c.may.claim || c.may.release || c.may.record ? (
        <div class="buttons pc-actions">
          {c.may.claim ? (
            <button type="button" class="btn primary big" disabled={busy} onClick={() => claim(false)} aria-describedby={nameId}>
              {t("pc.claim")}
            </button>
          ) : null}
          {c.may.record ? (
            <button
              type="button"
              class={`btn big${c.may.claim ? "" : " primary"}`}
              disabled={busy}
              onClick={() => {
                setNote(null);
                setError(null);
                setRecording(true);
              }}
              aria-describedby={nameId}
            >
              {t("pc.record")}
            </button>
          ) : null}
          {c.may.release ? (
            <button type="button" class="btn" disabled={busy} onClick={() => claim(true)} aria-describedby={nameId}>
              {t("pc.release")}
            </button>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}

/** 未確認 / 〇〇さんが担当 / 確認済み：無事, with what was found. */
function CheckState({ c }: { c: CheckItem }) {
  if (c.state === "checked" && c.result) {
    const power = c.power ? word(CHECK_POWER_WORDS[c.power]) + (c.batteryHours !== null ? `（${t("pc.batteryLeft", { n: c.batteryHours })}）` : "") : "";
    return (
      <div data-testid="check-state">
        <p class="pc-state checked">{t("pc.state.checked", { result: word(CHECK_RESULT_WORDS[c.result]) })}</p>
        {power || c.location ? <p class="pt-meta">{[power, c.location].filter(Boolean).join("・")}</p> : null}
        {c.comment ? <p class="pt-meta pt-text">{c.comment}</p> : null}
        {c.checkedBy ? <p class="pt-meta">{t("pc.checkedBy", { name: c.checkedBy.name, at: dateTime(c.checkedAt) })}</p> : null}
      </div>
    );
  }
  return (
    <p class={`pc-state ${c.state}`} data-testid="check-state">
      {c.state === "claimed" && c.claimedBy ? (c.mine ? t("pc.state.mine") : t("pc.state.claimed", { name: c.claimedBy.name })) : t("pc.state.unclaimed")}
    </p>
  );
}

/** What the member found: result, power (for a patient on powered devices), where, a comment; 確認へ → the preview → 確定する. */
function CheckForm({
  rollcallId,
  c,
  onDone,
  onConflict,
  onCancel,
}: {
  rollcallId: number;
  c: CheckItem;
  onDone: () => void;
  onConflict: (err: unknown) => void;
  onCancel: () => void;
}) {
  const powered = dependsOnPower(c.needs);
  const [result, setResult] = useState<CheckResult | null>(c.result);
  const [power, setPower] = useState<CheckPower | null>(c.power);
  const [hours, setHours] = useState(c.batteryHours !== null ? String(c.batteryHours) : "");
  const [location, setLocation] = useState(c.location);
  const [comment, setComment] = useState(c.comment);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const base = `pc-${c.patientId}`;

  function body() {
    const h = Number(hours);
    return {
      result,
      ...(powered && power ? { power } : {}),
      ...(powered && power === "battery" && hours.trim() !== "" && Number.isFinite(h) ? { batteryHours: h } : {}),
      location,
      comment,
    };
  }
  async function post(confirm: boolean) {
    setBusy(true);
    setError(null);
    try {
      const url = `/api/rollcalls/${rollcallId}/patients/${c.patientId}/check`;
      if (!confirm) setPreview((await api.post<{ preview: Preview }>(url, body())).preview);
      else {
        await api.post(url, { ...body(), confirm: true });
        onDone();
      }
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 409) onConflict(err);
      else {
        setError(err);
        setPreview(null);
      }
    } finally {
      setBusy(false);
    }
  }
  /** A choice made clears the message that asked for it. */
  function choose(set: () => void) {
    set();
    if (error instanceof ApiFailure && (error.field === "result" || error.field === "power")) setError(null);
  }
  function check(e: Event) {
    e.preventDefault();
    // Nothing chosen yet: say so in words before the API's own check (its message names the field for developers).
    if (!result) {
      setError(new ApiFailure(400, "invalid", t("pc.needResult"), "result"));
      return;
    }
    void post(false);
  }

  if (preview)
    return (
      <div class="pc-form pt-preview" data-testid="check-preview">
        <p>
          <strong>{t("pc.confirmHead")}</strong>
        </p>
        <dl class="pairs">
          <dt>{t("pc.patient")}</dt>
          <dd>{preview.patient}</dd>
          <dt>{t("pc.result")}</dt>
          <dd>
            <strong>{preview.result}</strong>
          </dd>
          {preview.power ? (
            <>
              <dt>{t("pc.power")}</dt>
              <dd>{preview.power}</dd>
            </>
          ) : null}
          {preview.location ? (
            <>
              <dt>{t("pc.location")}</dt>
              <dd>{preview.location}</dd>
            </>
          ) : null}
          {preview.comment ? (
            <>
              <dt>{t("pc.comment")}</dt>
              <dd class="pt-text">{preview.comment}</dd>
            </>
          ) : null}
          <dt>{t("pc.by")}</dt>
          <dd>{preview.by}</dd>
        </dl>
        <ErrorNote error={error} />
        <div class="buttons pt-actions">
          <button type="button" class="btn primary big" disabled={busy} aria-busy={busy ? "true" : undefined} onClick={() => post(true)}>
            {t("pc.confirm")}
          </button>
          <button type="button" class="btn big" disabled={busy} onClick={() => setPreview(null)}>
            {t("pc.back")}
          </button>
        </div>
      </div>
    );

  const resultMsg = fieldError(error, "result");
  const powerMsg = fieldError(error, "power");
  return (
    <form class="pc-form" onSubmit={check} noValidate data-testid="check-form">
      <Choice
        name={`${base}-result`}
        legend={t("pc.result")}
        options={CHECK_RESULTS.map((k) => ({ value: k, label: word(CHECK_RESULT_WORDS[k]) }))}
        value={result}
        onChoose={(k) => choose(() => setResult(k))}
        message={resultMsg}
      />
      {powered ? (
        <Choice
          name={`${base}-power`}
          legend={t("pc.power")}
          options={CHECK_POWER.map((k) => ({ value: k, label: word(CHECK_POWER_WORDS[k]) }))}
          value={power}
          onChoose={(k) => choose(() => setPower(k))}
          message={powerMsg}
        />
      ) : null}
      {powered && power === "battery" ? (
        <Field label={t("pc.batteryHours")} name="batteryHours" type="number" inputMode="numeric" value={hours} onInput={setHours} error={error} />
      ) : null}
      <Field label={t("pc.location")} name="location" value={location} onInput={setLocation} error={error} maxLength={200} />
      <Field label={t("pc.comment")} name="comment" multiline rows={3} value={comment} onInput={setComment} error={error} maxLength={500} />
      <ErrorNote error={error} fields={["result", "power", "batteryHours", "location", "comment"]} />
      <div class="buttons pt-actions">
        <Submit busy={busy} class="btn primary big">
          {t("pc.next")}
        </Submit>
        <button type="button" class="btn big" disabled={busy} onClick={onCancel}>
          {t("pc.cancel")}
        </button>
      </div>
    </form>
  );
}

/** One question as big radio buttons, with its error below it. */
function Choice<T extends string>(props: {
  name: string;
  legend: string;
  options: { value: T; label: string }[];
  value: T | null | undefined;
  onChoose: (v: T) => void;
  message: string | null | undefined;
}) {
  const err = `${props.name}-err`;
  return (
    <fieldset class="pt-needs-form" aria-describedby={props.message ? err : undefined}>
      <legend>{props.legend}</legend>
      {props.options.map((o) => (
        <label key={o.value} class={`pt-toggle${props.value === o.value ? " on" : ""}`}>
          <input type="radio" name={props.name} value={o.value} checked={props.value === o.value} onChange={() => props.onChoose(o.value)} />
          {o.label}
        </label>
      ))}
      {props.message ? (
        <p class="field-error" id={err} role="alert">
          {props.message}
        </p>
      ) : null}
    </fieldset>
  );
}
