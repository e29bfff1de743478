import { useEffect, useState } from "preact/hooks";
import { ApiFailure, api } from "../api";
import { count } from "../format";
import { addStrings, t } from "../i18n";
import { CHANNELS, FACILITY_TYPES, label, langName } from "../labels";
import { navigate } from "../router";
import type { Draft, Facility, FacilityList, Group, GroupList, Me, Rollcall, RollcallPreview, Scope, Template } from "../types";
import { ErrorNote, Field, fieldError, Page, Submit } from "../ui";

addStrings({
  ja: {
    "tr.compose": "1. 内容を決める",
    "tr.previewStep": "2. 確認して送る",
    "tr.title": "件名",
    "tr.titleHelp": "何が起きたかを短く。メッセージの最初に入ります。",
    "tr.titleMissing": "件名を入れてください（例：地震（12月2日））。",
    "tr.titlePlaceholder": "例：地震（12月2日）",
    "tr.titleQuick": "よく使う件名",
    "tr.event.earthquake": "地震",
    "tr.event.storm": "大雨・台風",
    "tr.event.fire": "火災・事故",
    "tr.event.drill": "訓練",
    "tr.dated": "{event}（{date}）",
    "tr.message": "ひとこと（任意）",
    "tr.messageHelp": "全員へのメッセージに入ります。",
    "tr.template": "テンプレート",
    "tr.drill": "訓練として送る",
    "tr.drillHelp": "訓練では、すべてのメッセージに「訓練」と入ります。",
    "tr.scope": "送る相手",
    "tr.scope.all": "ネットワーク全体",
    "tr.scope.facilityTypes": "事業所の種別で選ぶ",
    "tr.scope.facilityIds": "事業所を選ぶ",
    "tr.scope.groupIds": "グループを選ぶ",
    "tr.preview": "送信内容を確認する",
    "tr.recipients": "対象者",
    "tr.byChannel": "連絡手段ごとの人数（登録あり）",
    "tr.firstWave": "最初に送る人数",
    "tr.unreachable": "連絡手段のない人",
    "tr.unreachableLine": "連絡手段のない人：{n}名（下の一覧）",
    "tr.waves": "送信の段階",
    "tr.wave": "第{n}段　{min}分後：{ch}",
    "tr.waveUnreplied": "（未回答者のみ）",
    "tr.waveAdmins": "（事業所管理者へ未回答者の一覧）",
    "tr.messages": "送られるメッセージ（言語ごと）",
    "tr.langCount": "{lang}（{n}名）",
    "tr.smsSegments": "SMS {segments}通分（{units}文字・{enc}）",
    "tr.smsCost": "SMSは1人{segments}通分（約{yen}円）。SMSが届く{n}人全員に送ると約{total}円です。",
    "tr.enc.UCS-2": "日本語SMS（70文字で1通、長いと67文字ごと）",
    "tr.enc.GSM-7": "英数字だけのSMS（160文字で1通、長いと153文字ごと）",
    "tr.confirm": "{n}名に送信します（{kind}）",
    "tr.confirmHelp": "このボタンを押すと、すぐに送信が始まります。",
    "tr.withdraw": "送らずにやめる",
    "tr.withdrawn": "この下書きは取り消しました。",
    "tr.sent": "送信を始めました。",
    "tr.audience.recipients": "対象者へ",
    "tr.audience.facility_admins": "事業所管理者へ（未回答者の一覧）",
    "tr.subject": "件名",
    "tr.filterFacilities": "事業所名で絞り込み",
    "tr.patientChecks": "患者さんの確認も行う（患者グループのメンバーに）",
    "tr.patientChecksHelp": "対象者が参加している患者グループごとに、メンバーが患者さんの無事を確かめて記録します。",
    "tr.patientChecksLine": "患者さんの確認：{v}",
  },
  en: {
    "tr.compose": "1. Compose",
    "tr.previewStep": "2. Check and send",
    "tr.title": "Title",
    "tr.titleHelp": "What happened, in a few words. It opens every message.",
    "tr.titleMissing": "Enter a title (e.g. Earthquake (2 Dec)).",
    "tr.titlePlaceholder": "e.g. Earthquake (2 Dec)",
    "tr.titleQuick": "Common titles",
    "tr.event.earthquake": "Earthquake",
    "tr.event.storm": "Heavy rain / typhoon",
    "tr.event.fire": "Fire / accident",
    "tr.event.drill": "Drill",
    "tr.dated": "{event} ({date})",
    "tr.message": "A short note (optional)",
    "tr.messageHelp": "Goes into every message.",
    "tr.template": "Template",
    "tr.drill": "Send as a drill",
    "tr.drillHelp": "In a drill every message says 訓練 (drill).",
    "tr.scope": "Who",
    "tr.scope.all": "The whole network",
    "tr.scope.facilityTypes": "By facility type",
    "tr.scope.facilityIds": "Choose facilities",
    "tr.scope.groupIds": "Choose groups",
    "tr.preview": "Preview",
    "tr.recipients": "Recipients",
    "tr.byChannel": "People per channel (on file)",
    "tr.firstWave": "First wave",
    "tr.unreachable": "No channel on file",
    "tr.unreachableLine": "No channel on file: {n} (listed below)",
    "tr.waves": "Schedule",
    "tr.wave": "Wave {n}, after {min} min: {ch}",
    "tr.waveUnreplied": " (only those who have not answered)",
    "tr.waveAdmins": " (facility admins: list of non-responders)",
    "tr.messages": "Messages, by language",
    "tr.langCount": "{lang} ({n})",
    "tr.smsSegments": "SMS: {segments} segment(s) ({units} characters, {enc})",
    "tr.smsCost": "SMS: {segments} segment(s) a person (about ¥{yen}). Sent to all {n} people reachable by SMS: about ¥{total}.",
    "tr.enc.UCS-2": "Japanese SMS: 70 characters a segment, 67 when longer",
    "tr.enc.GSM-7": "Latin-only SMS: 160 characters a segment, 153 when longer",
    "tr.confirm": "Send to {n} people ({kind})",
    "tr.confirmHelp": "Sending starts as soon as you press this button.",
    "tr.withdraw": "Do not send",
    "tr.withdrawn": "This draft was withdrawn.",
    "tr.sent": "Sending has started.",
    "tr.audience.recipients": "To recipients",
    "tr.audience.facility_admins": "To facility admins (non-responders)",
    "tr.subject": "Subject",
    "tr.filterFacilities": "Filter facilities by name",
    "tr.patientChecks": "Check on the patients too (by the members of patient groups)",
    "tr.patientChecksHelp": "In each patient group with a member among the recipients, the members check on the patient and record it.",
    "tr.patientChecksLine": "Patient checks: {v}",
  },
});

type ScopeKind = "all" | "facilityTypes" | "facilityIds" | "groupIds";

/** One tap for the usual titles: what happened and the day, so no message opens with the template's name. */
const TITLE_EVENTS = ["earthquake", "storm", "fire", "drill"] as const;
const datedTitle = (ev: (typeof TITLE_EVENTS)[number]) =>
  t("tr.dated", { event: t(`tr.event.${ev}`), date: new Date().toLocaleDateString("ja-JP", { month: "long", day: "numeric" }) });

/** Compose → preview (counts per channel, exact messages, SMS segments) → explicit confirm. */
export function Trigger({ me }: { me: Me }) {
  const isNetworkAdmin = me.roles.includes("network_admin");
  const [templates, setTemplates] = useState<Template[]>([]);
  const [facilities, setFacilities] = useState<Facility[]>([]);
  const [groups, setGroups] = useState<Group[]>([]);
  const [title, setTitle] = useState("");
  const [message, setMessage] = useState("");
  const [template, setTemplate] = useState("");
  const [drill, setDrill] = useState(true);
  const [patientChecks, setPatientChecks] = useState(true);
  const [kind, setKind] = useState<ScopeKind>(isNetworkAdmin ? "all" : "facilityIds");
  const [types, setTypes] = useState<string[]>([]);
  const [facilityIds, setFacilityIds] = useState<number[]>(() =>
    isNetworkAdmin ? [] : me.facilities.filter((f) => f.role !== "staff").map((f) => f.facilityId),
  );
  const [groupIds, setGroupIds] = useState<number[]>([]);
  const [facilityFilter, setFacilityFilter] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [draft, setDraft] = useState<Draft | null>(null);

  useEffect(() => {
    api.get<{ items: Template[] }>("/api/templates").then((r) => {
      setTemplates(r.items);
      const first = r.items.find((x) => x.body.kind === "rollcall") ?? r.items[0];
      if (first) setTemplate((cur) => cur || first.ref);
    }, setError);
    api.get<FacilityList>("/api/facilities", { query: { limit: 200 } }).then(
      (r) => setFacilities(r.items),
      () => {},
    );
    api.get<GroupList>("/api/groups").then(
      (r) => setGroups(r.items.filter((g) => !g.closedAt)),
      () => {},
    );
  }, []);

  const managed = new Set(me.facilities.filter((f) => f.role !== "staff").map((f) => f.facilityId));
  const filter = facilityFilter.trim();
  const choosableFacilities = (isNetworkAdmin ? facilities : facilities.filter((f) => managed.has(f.id))).filter(
    (f) => !filter || facilityIds.includes(f.id) || f.name.includes(filter) || f.kana.includes(filter),
  );
  const chosen = templates.find((x) => x.ref === template);
  // A notice asks for no answer: it checks on no patients.
  const asksChecks = chosen !== undefined && chosen.body.kind !== "notice";
  // Each template says whether its roll-calls check on patients (the safety template does); the box starts there.
  useEffect(() => {
    if (chosen) setPatientChecks(chosen.body.patientChecks);
  }, [chosen]);
  const kinds: ScopeKind[] = isNetworkAdmin ? ["all", "facilityTypes", "facilityIds", "groupIds"] : ["facilityIds"];

  function scope(): Scope {
    if (kind === "all") return { all: true };
    if (kind === "facilityTypes") return { facilityTypes: types as Scope["facilityTypes"] };
    if (kind === "facilityIds") return { facilityIds };
    return { groupIds };
  }

  async function preview(e: Event) {
    e.preventDefault();
    // The title starts empty: say so in words before the API's own check (its message is for developers).
    if (!title.trim()) {
      setError(new ApiFailure(400, "invalid", t("tr.titleMissing"), "title"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setDraft(await api.post<Draft>("/api/rollcalls", { title, message, template, scope: scope(), drill, patientChecks: asksChecks && patientChecks }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (draft) return <DraftView draft={draft} onBack={() => setDraft(null)} />;

  const scopeMsg = fieldError(error, "scope") ?? fieldError(error, `scope.${kind}`);
  const toggle = <T,>(list: T[], v: T, on: boolean) => (on ? [...list, v] : list.filter((x) => x !== v));
  return (
    <Page title={t("nav.trigger")}>
      <form class="card" onSubmit={preview} noValidate>
        <h2>{t("tr.compose")}</h2>
        <Field
          label={t("tr.title")}
          name="title"
          help={t("tr.titleHelp")}
          placeholder={t("tr.titlePlaceholder")}
          value={title}
          onInput={setTitle}
          error={error}
          maxLength={100}
          required
        />
        <fieldset class="quick">
          <legend class="sr-only">{t("tr.titleQuick")}</legend>
          {TITLE_EVENTS.map((ev) => (
            <button type="button" class="btn small" key={ev} onClick={() => setTitle(datedTitle(ev))}>
              {t(`tr.event.${ev}`)}
            </button>
          ))}
        </fieldset>
        <div class={`field${fieldError(error, "template") ? " has-error" : ""}`}>
          <label for="tr-template">{t("tr.template")}</label>
          <select id="tr-template" value={template} onChange={(e) => setTemplate((e.currentTarget as HTMLSelectElement).value)}>
            {templates.map((tp) => (
              <option key={tp.ref} value={tp.ref}>
                {tp.name}
              </option>
            ))}
          </select>
          {fieldError(error, "template") ? (
            <p class="field-error" role="alert">
              {fieldError(error, "template")}
            </p>
          ) : null}
        </div>
        <Field
          label={t("tr.message")}
          name="message"
          help={t("tr.messageHelp")}
          value={message}
          onInput={setMessage}
          error={error}
          multiline
          rows={3}
          maxLength={1000}
        />
        <div class="field check">
          <input
            id="tr-drill"
            type="checkbox"
            checked={drill}
            onChange={(e) => setDrill((e.currentTarget as HTMLInputElement).checked)}
            aria-describedby="tr-drill-help"
          />
          <label for="tr-drill">{t("tr.drill")}</label>
        </div>
        <p class="help" id="tr-drill-help">
          {t("tr.drillHelp")}
        </p>
        {asksChecks ? (
          <>
            <div class="field check">
              <input
                id="tr-patient-checks"
                type="checkbox"
                checked={patientChecks}
                onChange={(e) => setPatientChecks((e.currentTarget as HTMLInputElement).checked)}
                aria-describedby="tr-patient-checks-help"
              />
              <label for="tr-patient-checks">{t("tr.patientChecks")}</label>
            </div>
            <p class="help" id="tr-patient-checks-help">
              {t("tr.patientChecksHelp")}
            </p>
          </>
        ) : null}
        <fieldset class={`field${scopeMsg ? " has-error" : ""}`}>
          <legend>{t("tr.scope")}</legend>
          {kinds.length > 1
            ? kinds.map((k) => (
                <div class="field check" key={k}>
                  <input type="radio" name="scope-kind" id={`tr-k-${k}`} checked={kind === k} onChange={() => setKind(k)} />
                  <label for={`tr-k-${k}`}>{t(`tr.scope.${k}`)}</label>
                </div>
              ))
            : null}
          {kind === "facilityTypes" ? (
            <div class="choices">
              {FACILITY_TYPES.map((ft) => (
                <div class="field check" key={ft}>
                  <input
                    type="checkbox"
                    id={`tr-ft-${ft}`}
                    checked={types.includes(ft)}
                    onChange={(e) => setTypes(toggle(types, ft, (e.currentTarget as HTMLInputElement).checked))}
                  />
                  <label for={`tr-ft-${ft}`}>{label("ft", ft)}</label>
                </div>
              ))}
            </div>
          ) : kind === "facilityIds" ? (
            <>
              {isNetworkAdmin ? (
                <div class="toolbar choices-filter">
                  <label for="tr-ffilter">{t("tr.filterFacilities")}</label>
                  <input id="tr-ffilter" type="search" value={facilityFilter} onInput={(e) => setFacilityFilter((e.currentTarget as HTMLInputElement).value)} />
                </div>
              ) : null}
              <div class="choices">
                {choosableFacilities.map((f) => (
                  <div class="field check" key={f.id}>
                    <input
                      type="checkbox"
                      id={`tr-f-${f.id}`}
                      checked={facilityIds.includes(f.id)}
                      onChange={(e) => setFacilityIds(toggle(facilityIds, f.id, (e.currentTarget as HTMLInputElement).checked))}
                    />
                    <label for={`tr-f-${f.id}`}>{f.name}</label>
                  </div>
                ))}
              </div>
            </>
          ) : kind === "groupIds" ? (
            <div class="choices">
              {groups.map((g) => (
                <div class="field check" key={g.id}>
                  <input
                    type="checkbox"
                    id={`tr-g-${g.id}`}
                    checked={groupIds.includes(g.id)}
                    onChange={(e) => setGroupIds(toggle(groupIds, g.id, (e.currentTarget as HTMLInputElement).checked))}
                  />
                  <label for={`tr-g-${g.id}`}>{g.name}</label>
                </div>
              ))}
            </div>
          ) : null}
          {scopeMsg ? (
            <p class="field-error" role="alert">
              {scopeMsg}
            </p>
          ) : null}
        </fieldset>
        <ErrorNote error={error} fields={["title", "message", "template", "scope", `scope.${kind}`]} />
        <Submit busy={busy} class="btn primary big">
          {t("tr.preview")}
        </Submit>
      </form>
    </Page>
  );
}

/** A draft: what will be sent, to how many, on which channel; then the explicit confirm. */
export function DraftView({ draft, onBack, onConfirmed }: { draft: Draft; onBack?: () => void; onConfirmed?: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [withdrawn, setWithdrawn] = useState(false);
  const rc = draft.rollcall;
  const p = draft.preview;
  const kindWord = rc.drill ? t("drill") : t("real");
  const confirmText = t("tr.confirm", { n: count(p.recipients), kind: kindWord });

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await api.post<Rollcall>(`/api/rollcalls/${rc.id}/confirm`);
      // Already on the board's address (a draft opened from the history): load it again.
      if (onConfirmed) onConfirmed();
      else navigate(`/rollcalls/${rc.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  async function withdraw() {
    setBusy(true);
    setError(null);
    try {
      await api.post<Rollcall>(`/api/rollcalls/${rc.id}/close`);
      setWithdrawn(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title={`${t("tr.previewStep")}：${rc.title}`}>
      <p>
        <span class={`badge ${rc.drill ? "drill" : "real"}`}>{kindWord}</span> {rc.templateName}
        {rc.kind === "rollcall" ? (
          <span data-testid="preview-patient-checks">・{t("tr.patientChecksLine", { v: t(rc.patientChecks ? "yesno.yes" : "yesno.no") })}</span>
        ) : null}
      </p>
      <PreviewSummary preview={p} />
      {withdrawn ? (
        <p class="notice" role="status">
          {t("tr.withdrawn")}
        </p>
      ) : (
        <section class={`card confirm${rc.drill ? " drill" : ""}`} aria-labelledby="tr-confirm-h">
          <h2 id="tr-confirm-h" class="confirm-line">
            {confirmText}
          </h2>
          <p>{t("tr.confirmHelp")}</p>
          <ErrorNote error={error} />
          <div class="buttons">
            <button type="button" class={`btn big ${rc.drill ? "primary" : "danger"}`} disabled={busy} onClick={confirm}>
              {confirmText}
            </button>
            {onBack ? (
              <button type="button" class="btn" disabled={busy} onClick={onBack}>
                {t("common.back")}
              </button>
            ) : null}
            <button type="button" class="btn" disabled={busy} onClick={withdraw}>
              {t("tr.withdraw")}
            </button>
          </div>
        </section>
      )}
      <PreviewDetails preview={p} />
    </Page>
  );
}

/** What the confirm is about, above it: recipients, the first wave per channel, who cannot be reached. */
function PreviewSummary({ preview: p }: { preview: RollcallPreview }) {
  return (
    <>
      <ul class="stats">
        <li class="stat">
          <span class="label">{t("tr.recipients")}</span>
          <span class="value" data-testid="preview-recipients">
            {count(p.recipients)}
          </span>
        </li>
        {CHANNELS.map((ch) => (
          <li class="stat" key={ch}>
            <span class="label">
              {t("tr.firstWave")}：{label("ch", ch)}
            </span>
            <span class="value" data-testid={`preview-first-${ch}`}>
              {count(p.firstWave[ch])}
            </span>
          </li>
        ))}
      </ul>
      <p class={p.unreachable ? "warn-line" : "help"} data-testid="preview-unreachable">
        {t("tr.unreachableLine", { n: count(p.unreachable) })}
      </p>
      <SmsCost preview={p} />
    </>
  );
}

/** What the SMS costs: the Japanese message's segments at the smsYenPerSegment setting, for everyone reachable by SMS. */
function SmsCost({ preview: p }: { preview: RollcallPreview }) {
  const sms = p.messages.filter((m) => m.channel === "sms" && m.audience === "recipients" && m.sms);
  const m = sms.find((x) => x.lang === "ja") ?? sms[0];
  if (!m?.sms || p.byChannel.sms === 0) return null;
  const yen = m.sms.segments * p.smsYenPerSegment;
  return (
    <p class="help" data-testid="preview-sms-cost">
      {t("tr.smsCost", { segments: m.sms.segments, yen: count(Math.round(yen)), n: count(p.byChannel.sms), total: count(Math.round(yen * p.byChannel.sms)) })}
    </p>
  );
}

/** Below the confirm: channels on file, who cannot be reached, the waves, and every message folded by language. */
function PreviewDetails({ preview: p }: { preview: RollcallPreview }) {
  const langs = [...new Set(p.messages.map((m) => m.lang))];
  return (
    <>
      <p>
        {t("tr.byChannel")}：{CHANNELS.map((ch) => `${label("ch", ch)} ${count(p.byChannel[ch])}`).join("・")}
      </p>
      {p.unreachablePeople.length ? (
        <details>
          <summary>
            {t("tr.unreachable")}（{count(p.unreachable)}）
          </summary>
          <ul>
            {p.unreachablePeople.map((u) => (
              <li key={u.personId}>
                {u.name}
                {u.facility ? `（${u.facility}）` : ""}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <h2>{t("tr.waves")}</h2>
      <ol class="plain">
        {p.waves.map((w) => (
          <li key={w.wave}>
            {t("tr.wave", { n: w.wave, min: w.delayMinutes, ch: w.channels.map((c) => label("ch", c)).join("・") })}
            {w.audience === "facility_admins" ? t("tr.waveAdmins") : w.onlyUnreplied ? t("tr.waveUnreplied") : ""}
          </li>
        ))}
      </ol>
      <h2>{t("tr.messages")}</h2>
      {langs.map((lang, li) => (
        <details class="lang-messages" key={lang} open={li === 0}>
          <summary>{t("tr.langCount", { lang: langName(lang), n: count(p.byLang[lang] ?? 0) })}</summary>
          {p.messages
            .filter((m) => m.lang === lang)
            .map((m, i) => (
              <article class="message" key={i} aria-label={`${label("ch", m.channel)} ${langName(m.lang)} ${t(`tr.audience.${m.audience}`)}`}>
                <div class="meta">
                  <strong>{label("ch", m.channel)}</strong>
                  <span>{langName(m.lang)}</span>
                  <span>{t(`tr.audience.${m.audience}`)}</span>
                </div>
                {m.subject ? (
                  <p>
                    <strong>{t("tr.subject")}：</strong>
                    {m.subject}
                  </p>
                ) : null}
                <pre>{m.text}</pre>
                {m.sms ? (
                  <p class="help" data-testid="sms-segments">
                    {t("tr.smsSegments", { segments: m.sms.segments, units: m.sms.units, enc: t(`tr.enc.${m.sms.encoding}`) })}
                  </p>
                ) : null}
              </article>
            ))}
        </details>
      ))}
    </>
  );
}
