import { useCallback, useState } from "preact/hooks";
import type { z } from "zod";
import type * as Pt from "../../../worker/patients/schemas";
import { CARE_LEVEL_WORDS, CARE_LEVELS, dependsOnPower, NEED_FLAGS, NEED_WORDS, NO_NEEDS, type NeedFlag, type Needs } from "../../../worker/patients/needs";
import { api } from "../api";
import { dateTime } from "../format";
import { addStrings, adminLang, t } from "../i18n";
import { navigate } from "../router";
import type { Me } from "../types";
import { ErrorNote, Field, Link, Loaded, Notice, Page, Submit, useAction, useLoad } from "../ui";
import { MyCheckBanners } from "./CheckBanner";
import "./patients.css";

type Patient = Pt.Patient;
type PatientList = z.infer<typeof Pt.PatientListSchema>;
type PatientItem = Pt.PatientItem;
type Summary = Pt.PatientSummary;
type Candidate = z.infer<typeof Pt.CandidateSchema>;
type NeedsInput = z.input<typeof Pt.NeedsInputSchema>;
type Preview = z.infer<typeof Pt.PostPreviewSchema>;

addStrings({
  ja: {
    "pt.intro": "災害のとき最初に確認する在宅の患者さんです。参加している患者グループだけが見えます。",
    "pt.mine": "参加している患者グループ",
    "pt.none": "参加している患者グループはありません。招待が届いたら、メールかSMSのリンクから参加してください。",
    "pt.open": "患者グループを作る",
    "pt.high": "優先",
    "pt.physician": "主治医",
    "pt.role.manager": "管理者",
    "pt.role.member": "メンバー",
    "pt.readOnly": "読むだけ",
    "pt.members": "メンバー {n}人",
    "pt.memberCount": "{n}人が参加",
    "pt.battery": "バッテリー {n}時間",
    "pt.counts": "患者グループの集計（地区・必要別）",
    "pt.counts.intro": "名前や住所は表示しません。患者の情報は患者グループのメンバーだけが見られます。",
    "pt.counts.total": "患者グループ {n}件",
    "pt.counts.district": "地区",
    "pt.counts.all": "合計",
    "pt.counts.blank": "（地区なし）",
    "pt.counts.byDistrict": "地区ごと",
    "pt.counts.n": "{n}件",
    "pt.new.title": "患者グループを作る",
    "pt.new.intro": "患者さんの同意書を得てから作ります（運用ポリシー3）。作った人が管理者になり、主治医が責任者です。",
    "pt.name": "患者さんの名前",
    "pt.kana": "フリガナ",
    "pt.birthDate": "生年月日",
    "pt.address": "住所",
    "pt.district": "地区",
    "pt.district.help": "市の集計は地区ごとです（本町、東町 など）。",
    "pt.phone": "電話番号（自宅）",
    "pt.needs": "災害時の必要",
    "pt.batteryHours": "バッテリーで動く時間（時間）",
    "pt.careLevel": "要介護度",
    "pt.careLevel.none": "なし・不明",
    "pt.evacuationPlace": "避難先",
    "pt.consent": "同意書",
    "pt.consent.givenOn": "同意を得た日",
    "pt.consent.to": "同意を受けた人",
    "pt.consent.me": "わたし",
    "pt.consent.physician": "主治医",
    "pt.physician.pick": "主治医（責任者）",
    "pt.physician.me": "医師のかたは、選ばなければご自身が主治医になります。",
    "pt.physician.search": "主治医を名前で探す",
    "pt.search": "探す",
    "pt.choose": "選ぶ",
    "pt.chosen": "選んだ人：{name}",
    "pt.noMatch": "見つかりませんでした。",
    "pt.create": "作成する",
    "pt.physicianInvited": "主治医に招待を送りました。主治医が承諾すると参加します。",
    "pt.physicianNotInvited": "主治医に招待を送れませんでした。メンバーの招待から送り直してください。",
    "pt.back": "患者グループの一覧へ",
    "pt.age": "{n}歳",
    "pt.call": "電話する",
    "pt.consent.line": "{day}に{to}さんが同意を受けました（記録：{by}さん）",
    "pt.consent.doc": "同意書を開く",
    "pt.consent.upload": "同意書のファイルを登録（PDF・JPEG・PNG）",
    "pt.consent.uploaded": "同意書を登録しました。",
    "pt.facilities": "関わっている事業所",
    "pt.opened": "{at} {name}さんが作成",
    "pt.posts": "書き込み",
    "pt.posts.none": "書き込みはまだありません。",
    "pt.post.text": "この患者さんについて書く",
    "pt.post.help": "この患者さんに関することだけを書いてください。",
    "pt.post.check": "内容を確認する",
    "pt.post.confirmHead": "この内容で書き込みますか？",
    "pt.post.confirm": "確定して書き込む",
    "pt.post.edit": "直す",
    "pt.post.done": "書き込みました。",
    "pt.post.remove": "この書き込みを削除",
    "pt.post.removeReason": "削除の理由（記録に残ります）",
    "pt.post.removed": "書き込みを削除しました。",
    "pt.member.readOnly": "読むだけにする",
    "pt.member.writable": "書き込めるようにする",
    "pt.member.manager": "管理者にする",
    "pt.member.unmanager": "メンバーに戻す",
    "pt.member.remove": "外す",
    "pt.member.misuse": "不正利用で外す",
    "pt.member.removeConfirm": "{name}さんを患者グループから外しますか？すぐに見られなくなります。",
    "pt.leave": "この患者グループから抜ける",
    "pt.leaveConfirm": "抜けると、この患者さんの情報はすぐに見られなくなります。抜けますか？",
    "pt.invite": "メンバーを招待",
    "pt.invite.intro": "この患者さんに関わる事業所のスタッフだけを招待してください。招待された人が自分で承諾して参加します。",
    "pt.invite.search": "ネットワークの人を名前で探す",
    "pt.invite.send": "招待を送る",
    "pt.invite.outside": "ネットワークの外の人を招待",
    "pt.invite.outsideName": "名前",
    "pt.invite.email": "メールアドレス",
    "pt.invite.mobile": "携帯電話番号",
    "pt.invite.message": "招待の理由（患者さんの名前は書かないでください）",
    "pt.invite.sent": "{name}さんに招待を送りました。",
    "pt.invite.pending": "承諾待ちの招待",
    "pt.invite.until": "{at}まで",
    "pt.edit": "患者さんの情報を直す",
    "pt.save": "保存する",
    "pt.saved": "保存しました。",
    "pt.close": "患者グループを閉じる",
    "pt.closeConfirm": "この患者グループを閉じますか？全員がすぐに見られなくなります。記録は残ります。",
    "pt.closed": "患者グループを閉じました。",
    "pt.cancel": "やめる",
    "pt.you": "（あなた）",
  },
  en: {
    "pt.intro": "Home patients to check first in a disaster. You see only the patient groups you are in.",
    "pt.mine": "My patient groups",
    "pt.none": "You are in no patient group. When an invitation comes, join from its email or SMS link.",
    "pt.open": "Open a patient group",
    "pt.high": "Priority",
    "pt.physician": "Physician",
    "pt.role.manager": "Manager",
    "pt.role.member": "Member",
    "pt.readOnly": "Read-only",
    "pt.members": "{n} members",
    "pt.memberCount": "{n} in the group",
    "pt.battery": "Battery {n} h",
    "pt.counts": "Patient groups by district and need",
    "pt.counts.intro": "No names or addresses. Only a group's members see the patient.",
    "pt.counts.total": "{n} patient groups",
    "pt.counts.district": "District",
    "pt.counts.all": "Total",
    "pt.counts.blank": "(no district)",
    "pt.counts.byDistrict": "By district",
    "pt.counts.n": "{n}",
    "pt.new.title": "Open a patient group",
    "pt.new.intro": "Open it after the patient's written consent (policy §3). You manage it; the physician is responsible.",
    "pt.name": "Patient's name",
    "pt.kana": "Reading (kana)",
    "pt.birthDate": "Date of birth",
    "pt.address": "Address",
    "pt.district": "District",
    "pt.district.help": "The city's counts go by district.",
    "pt.phone": "Home phone",
    "pt.needs": "Disaster needs",
    "pt.batteryHours": "Battery time (hours)",
    "pt.careLevel": "Care level",
    "pt.careLevel.none": "None / unknown",
    "pt.evacuationPlace": "Evacuation place",
    "pt.consent": "Consent",
    "pt.consent.givenOn": "Consent given on",
    "pt.consent.to": "Given to",
    "pt.consent.me": "Me",
    "pt.consent.physician": "The physician",
    "pt.physician.pick": "Physician (responsible)",
    "pt.physician.me": "A doctor who chooses nobody is the physician themselves.",
    "pt.physician.search": "Find the physician by name",
    "pt.search": "Search",
    "pt.choose": "Choose",
    "pt.chosen": "Chosen: {name}",
    "pt.noMatch": "Nobody found.",
    "pt.create": "Open",
    "pt.physicianInvited": "The physician was invited; they join when they accept.",
    "pt.physicianNotInvited": "The physician could not be invited. Invite them again under members.",
    "pt.back": "Back to patient groups",
    "pt.age": "{n} years",
    "pt.call": "Call",
    "pt.consent.line": "Given on {day} to {to} (recorded by {by})",
    "pt.consent.doc": "Open the consent",
    "pt.consent.upload": "Add the consent file (PDF, JPEG, PNG)",
    "pt.consent.uploaded": "Consent file stored.",
    "pt.facilities": "Facilities serving the patient",
    "pt.opened": "Opened {at} by {name}",
    "pt.posts": "Posts",
    "pt.posts.none": "No posts yet.",
    "pt.post.text": "Write about this patient",
    "pt.post.help": "Write only about this patient.",
    "pt.post.check": "Check",
    "pt.post.confirmHead": "Post this?",
    "pt.post.confirm": "Confirm and post",
    "pt.post.edit": "Edit",
    "pt.post.done": "Posted.",
    "pt.post.remove": "Remove this post",
    "pt.post.removeReason": "Why (kept in the audit)",
    "pt.post.removed": "Post removed.",
    "pt.member.readOnly": "Make read-only",
    "pt.member.writable": "Let them post",
    "pt.member.manager": "Make manager",
    "pt.member.unmanager": "Make member",
    "pt.member.remove": "Remove",
    "pt.member.misuse": "Remove for misuse",
    "pt.member.removeConfirm": "Remove {name} from this group? Their access ends at once.",
    "pt.leave": "Leave this patient group",
    "pt.leaveConfirm": "After leaving you no longer see this patient. Leave?",
    "pt.invite": "Invite a member",
    "pt.invite.intro": "Invite only staff of facilities serving this patient. They accept the invitation themselves.",
    "pt.invite.search": "Find someone in the network by name",
    "pt.invite.send": "Send invitation",
    "pt.invite.outside": "Invite someone outside the network",
    "pt.invite.outsideName": "Name",
    "pt.invite.email": "Email",
    "pt.invite.mobile": "Mobile",
    "pt.invite.message": "Why (do not write the patient's name)",
    "pt.invite.sent": "Invitation sent to {name}.",
    "pt.invite.pending": "Pending invitations",
    "pt.invite.until": "until {at}",
    "pt.edit": "Change the patient's details",
    "pt.save": "Save",
    "pt.saved": "Saved.",
    "pt.close": "Close this patient group",
    "pt.closeConfirm": "Close this patient group? Nobody can see it any more; the history stays.",
    "pt.closed": "The patient group was closed.",
    "pt.cancel": "Cancel",
    "pt.you": " (you)",
  },
});

const word = (w: { ja: string; en: string }) => w[adminLang()];
const POWER: readonly NeedFlag[] = ["ventilator", "oxygen", "suction", "poweredDevice"];
const today = () => new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
const mayCount = (me: Me) => me.roles.includes("network_admin") || me.roles.includes("viewer");

/** The needs as badges: power and living alone stand out. */
export function NeedBadges({ needs }: { needs: Needs }) {
  return (
    <ul class="pt-badges" aria-label={t("pt.needs")}>
      {NEED_FLAGS.filter((k) => needs[k]).map((k) => (
        <li key={k} class={`badge${POWER.includes(k) ? " pt-power" : k === "livesAlone" ? " pt-alone" : ""}`}>
          {word(NEED_WORDS[k])}
        </li>
      ))}
      {dependsOnPower(needs) && needs.batteryHours !== null ? <li class="badge pt-power">{t("pt.battery", { n: needs.batteryHours })}</li> : null}
      {needs.careLevel ? <li class="badge">{word(CARE_LEVEL_WORDS[needs.careLevel])}</li> : null}
    </ul>
  );
}

// ---------------------------------------------------------------- the list

export function Patients({ me }: { me: Me }) {
  const list = useLoad(useCallback(() => api.get<PatientList>("/api/patients"), []));
  return (
    <Page
      title={t("nav.patients")}
      actions={
        list.data?.mayOpen ? (
          <Link href="/patients/new" class="btn primary">
            {t("pt.open")}
          </Link>
        ) : null
      }
    >
      {/* An open roll-call's patient checks come first: the day they are there, they are the work. */}
      <MyCheckBanners />
      <p>{t("pt.intro")}</p>
      {mayCount(me) ? <Counts /> : null}
      <h2>{t("pt.mine")}</h2>
      <Loaded result={list}>
        {(d) =>
          d.items.length === 0 ? (
            <p>{t("pt.none")}</p>
          ) : (
            <ul class="pt-list" data-testid="patients">
              {d.items.map((p) => (
                <li key={p.id}>
                  <PatientCard p={p} />
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </Page>
  );
}

function PatientCard({ p }: { p: PatientItem }) {
  return (
    <Link href={`/patients/${p.id}`} class={`pt-card${p.highNeed ? " high" : ""}`}>
      <p class="pt-name">
        {p.name}
        {p.kana ? <span class="pt-kana">{p.kana}</span> : null}
      </p>
      <p class="pt-meta">
        {[
          p.district,
          `${t("pt.physician")} ${p.physician.name}`,
          t(`pt.role.${p.myRole}`),
          p.readOnly ? t("pt.readOnly") : "",
          t("pt.members", { n: p.members }),
        ]
          .filter(Boolean)
          .join("・")}
      </p>
      <NeedBadges needs={p.needs} />
    </Link>
  );
}

function Counts() {
  const r = useLoad(useCallback(() => api.get<Summary>("/api/patients/summary"), []));
  return (
    <section class="card" aria-labelledby="pt-counts">
      <h2 id="pt-counts">{t("pt.counts")}</h2>
      <p class="help">{t("pt.counts.intro")}</p>
      <Loaded result={r}>
        {(s) => (
          <>
            <p class="lead">{t("pt.counts.total", { n: s.total })}</p>
            <div data-testid="patient-counts">
              <ul class="pt-tiles" aria-label={t("pt.needs")}>
                {NEED_FLAGS.map((k) => (
                  <li key={k} class={`pt-tile${POWER.includes(k) && s.needs[k] ? " pt-power" : ""}`}>
                    <span class="pt-tile-n">{s.needs[k]}</span>
                    <span>{word(NEED_WORDS[k])}</span>
                  </li>
                ))}
              </ul>
              <h3>{t("pt.counts.byDistrict")}</h3>
              <ul class="pt-list">
                {s.districts.map((d) => (
                  <li key={d.district} class="pt-district">
                    <strong>{d.district || t("pt.counts.blank")}</strong> {t("pt.counts.n", { n: d.total })}
                    <span class="pt-meta">
                      {" "}
                      {NEED_FLAGS.filter((k) => d.needs[k] > 0)
                        .map((k) => `${word(NEED_WORDS[k])} ${d.needs[k]}`)
                        .join("・")}
                    </span>
                  </li>
                ))}
              </ul>
            </div>
          </>
        )}
      </Loaded>
    </section>
  );
}

// ---------------------------------------------------------------- the patient's fields

interface Fields {
  name: string;
  kana: string;
  birthDate: string;
  address: string;
  district: string;
  phone: string;
  needs: Needs;
}

function needsBody(n: Needs): NeedsInput {
  return { ...n, batteryHours: dependsOnPower(n) ? n.batteryHours : null };
}

function PatientFields({ value, onChange, error }: { value: Fields; onChange: (f: Fields) => void; error: unknown }) {
  const set = (k: keyof Omit<Fields, "needs">) => (v: string) => onChange({ ...value, [k]: v });
  const needs = value.needs;
  const setNeed = (k: NeedFlag, on: boolean) => onChange({ ...value, needs: { ...needs, [k]: on } });
  return (
    <>
      <Field label={t("pt.name")} name="name" value={value.name} onInput={set("name")} error={error} required maxLength={100} />
      <Field label={t("pt.kana")} name="kana" value={value.kana} onInput={set("kana")} error={error} maxLength={100} />
      <div class="field">
        <label for="pt-birth">{t("pt.birthDate")}</label>
        <input id="pt-birth" type="date" value={value.birthDate} onInput={(e) => set("birthDate")((e.currentTarget as HTMLInputElement).value)} />
      </div>
      <Field label={t("pt.address")} name="address" value={value.address} onInput={set("address")} error={error} maxLength={200} />
      <Field
        label={t("pt.district")}
        name="district"
        value={value.district}
        onInput={set("district")}
        error={error}
        help={t("pt.district.help")}
        maxLength={50}
      />
      <Field label={t("pt.phone")} name="phone" type="tel" inputMode="tel" value={value.phone} onInput={set("phone")} error={error} maxLength={40} />
      <fieldset class="pt-needs-form">
        <legend>{t("pt.needs")}</legend>
        {NEED_FLAGS.map((k) => (
          <label key={k} class={`pt-toggle${needs[k] ? " on" : ""}`}>
            <input type="checkbox" name={k} checked={needs[k]} onChange={(e) => setNeed(k, (e.currentTarget as HTMLInputElement).checked)} />
            {word(NEED_WORDS[k])}
          </label>
        ))}
      </fieldset>
      {dependsOnPower(needs) ? (
        <Field
          label={t("pt.batteryHours")}
          name="needs.batteryHours"
          type="number"
          inputMode="numeric"
          value={needs.batteryHours === null ? "" : String(needs.batteryHours)}
          onInput={(v) => onChange({ ...value, needs: { ...needs, batteryHours: v === "" ? null : Number(v) } })}
          error={error}
        />
      ) : null}
      <div class="field">
        <label for="pt-care">{t("pt.careLevel")}</label>
        <select
          id="pt-care"
          value={needs.careLevel ?? ""}
          onChange={(e) => {
            const v = (e.currentTarget as HTMLSelectElement).value;
            onChange({ ...value, needs: { ...needs, careLevel: v ? (v as Needs["careLevel"]) : null } });
          }}
        >
          <option value="">{t("pt.careLevel.none")}</option>
          {CARE_LEVELS.map((l) => (
            <option key={l} value={l}>
              {word(CARE_LEVEL_WORDS[l])}
            </option>
          ))}
        </select>
      </div>
      <Field
        label={t("pt.evacuationPlace")}
        name="needs.evacuationPlace"
        value={needs.evacuationPlace}
        onInput={(v) => onChange({ ...value, needs: { ...needs, evacuationPlace: v } })}
        error={error}
        maxLength={200}
      />
    </>
  );
}

const fieldsBody = (f: Fields) => ({
  name: f.name,
  kana: f.kana,
  birthDate: f.birthDate || null,
  address: f.address,
  district: f.district,
  phone: f.phone.trim() ? f.phone : null,
  needs: needsBody(f.needs),
});

/** Finds people of the network by name (GET /api/patients/people) and picks one. */
function PersonPicker({ label, physician, onPick }: { label: string; physician: boolean; onPick: (c: Candidate) => void }) {
  const [q, setQ] = useState("");
  const [found, setFound] = useState<Candidate[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function search() {
    setError(null);
    try {
      setFound((await api.get<{ items: Candidate[] }>("/api/patients/people", { query: { q, physician: physician ? "true" : undefined } })).items);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <div class="card">
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <Field label={label} name="q" type="search" value={q} onInput={setQ} error={error} maxLength={50} />
        <button type="submit" class="btn">
          {t("pt.search")}
        </button>
      </form>
      <ErrorNote error={error} fields={["q"]} />
      {found === null ? null : found.length === 0 ? (
        <p>{t("pt.noMatch")}</p>
      ) : (
        <ul class="pt-list">
          {found.map((c) => (
            <li key={c.id} class="pt-member">
              <span>
                <strong>{c.name}</strong> {c.job}
                <span class="pt-meta"> {c.facilities.map((f) => f.name).join("、")}</span>
              </span>
              <button type="button" class="btn small" onClick={() => onPick(c)} aria-label={`${t("pt.choose")}：${c.name}`}>
                {t("pt.choose")}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- opening a group

export function PatientNew() {
  const [fields, setFields] = useState<Fields>({ name: "", kana: "", birthDate: "", address: "", district: "", phone: "", needs: NO_NEEDS });
  const [givenOn, setGivenOn] = useState(today());
  const [consentTo, setConsentTo] = useState<"me" | "physician">("me");
  const [physician, setPhysician] = useState<Candidate | null>(null);
  const { busy, error, run } = useAction();
  async function submit(e: Event) {
    e.preventDefault();
    await run(async () => {
      const p = await api.post<Patient & { physicianInvitation: "none" | "sent" | "failed" }>("/api/patients", {
        ...fieldsBody(fields),
        consent: { givenOn, ...(consentTo === "physician" && physician ? { to: physician.id } : {}) },
        ...(physician ? { physicianId: physician.id } : {}),
      });
      navigate(`/patients/${p.id}${p.physicianInvitation === "none" ? "" : `?invited=${p.physicianInvitation}`}`);
    });
  }
  return (
    <Page title={t("pt.new.title")}>
      <p>{t("pt.new.intro")}</p>
      <div class="card narrow" data-testid="patient-new">
        {/* The physician's search is a form of its own, so it stands outside the group's form; the create button names that form. */}
        <form id="pt-open" onSubmit={submit}>
          <PatientFields value={fields} onChange={setFields} error={error} />
        </form>
        <h2>{t("pt.physician.pick")}</h2>
        <p class="help">{t("pt.physician.me")}</p>
        {physician ? <Notice>{t("pt.chosen", { name: physician.name })}</Notice> : null}
        <PersonPicker label={t("pt.physician.search")} physician onPick={setPhysician} />
        <h2>{t("pt.consent")}</h2>
        <div class="field">
          <label for="pt-given">{t("pt.consent.givenOn")}</label>
          <input
            id="pt-given"
            form="pt-open"
            type="date"
            required
            value={givenOn}
            max={today()}
            onInput={(e) => setGivenOn((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        {physician ? (
          <fieldset class="quick">
            <legend>{t("pt.consent.to")}</legend>
            {(["me", "physician"] as const).map((k) => (
              <label key={k} class={`pt-toggle${consentTo === k ? " on" : ""}`}>
                <input type="radio" name="consentTo" checked={consentTo === k} onChange={() => setConsentTo(k)} />
                {k === "me" ? t("pt.consent.me") : `${t("pt.consent.physician")}（${physician.name}）`}
              </label>
            ))}
          </fieldset>
        ) : null}
        <ErrorNote error={error} fields={["name", "kana", "address", "district", "phone", "needs.batteryHours", "needs.evacuationPlace"]} />
        <div class="buttons pt-actions">
          <button type="submit" form="pt-open" class="btn primary big" disabled={busy} aria-busy={busy ? "true" : undefined}>
            {t("pt.create")}
          </button>
          <Link href="/patients" class="btn">
            {t("pt.cancel")}
          </Link>
        </div>
      </div>
    </Page>
  );
}

// ---------------------------------------------------------------- one patient

export function PatientPage({ id, me }: { id: number; me: Me }) {
  const r = useLoad(useCallback(() => api.get<Patient>(`/api/patients/${id}`), [id]));
  const invited = new URLSearchParams(location.search).get("invited");
  return (
    <Loaded result={r}>
      {(p) => (
        <Page title={p.name}>
          <p>
            <Link href="/patients">{t("pt.back")}</Link>
          </p>
          {invited === "sent" ? <Notice>{t("pt.physicianInvited")}</Notice> : null}
          {invited === "failed" ? <p class="warn">{t("pt.physicianNotInvited")}</p> : null}
          <PatientHead p={p} />
          <Posts p={p} reload={r.reload} />
          <Members p={p} me={me} reload={r.reload} />
          {p.may.manage ? <Invite p={p} reload={r.reload} /> : null}
          {p.may.manage ? <EditPatient p={p} reload={r.reload} /> : null}
          <GroupEnd p={p} me={me} />
        </Page>
      )}
    </Loaded>
  );
}

function PatientHead({ p }: { p: Patient }) {
  return (
    <section class={`card pt-card${p.highNeed ? " high" : ""}`} data-testid="patient-head">
      <p class="pt-meta">
        {[p.kana, p.age !== null ? t("pt.age", { n: p.age }) : "", p.district, t(`pt.role.${p.myRole}`), p.readOnly ? t("pt.readOnly") : ""]
          .filter(Boolean)
          .join("・")}
      </p>
      <NeedBadges needs={p.needs} />
      <dl class="pairs">
        <dt>{t("pt.address")}</dt>
        <dd>{p.address || "—"}</dd>
        <dt>{t("pt.phone")}</dt>
        <dd>
          {p.phone ? (
            <a class="btn pt-tel" href={`tel:${p.phone.replace(/[^\d+]/g, "")}`}>
              {t("pt.call")} {p.phone}
            </a>
          ) : (
            "—"
          )}
        </dd>
        <dt>{t("pt.evacuationPlace")}</dt>
        <dd>{p.needs.evacuationPlace || "—"}</dd>
        <dt>{t("pt.physician")}</dt>
        <dd>{p.physician.name}</dd>
        <dt>{t("pt.facilities")}</dt>
        <dd>{p.facilities.length ? p.facilities.map((f) => `${f.name}（${t(`ft.${f.type}`)}）`).join("、") : "—"}</dd>
        <dt>{t("pt.consent")}</dt>
        <dd>
          {t("pt.consent.line", { day: p.consent.givenOn, to: p.consent.to.name, by: p.consent.recordedBy.name })}
          {p.consent.document ? (
            <div>
              <a href={p.consent.document.url} target="_blank" rel="noopener">
                {t("pt.consent.doc")}
              </a>
            </div>
          ) : null}
        </dd>
      </dl>
      <p class="help">{t("pt.opened", { at: dateTime(p.openedAt), name: p.openedBy.name })}</p>
    </section>
  );
}

/** Posts with the confirm step (確定操作, §5): check, then confirm; managers remove. */
function Posts({ p, reload }: { p: Patient; reload: () => void }) {
  const [text, setText] = useState("");
  const [preview, setPreview] = useState<Preview["preview"] | null>(null);
  const { busy, error, setError, run } = useAction();
  const [note, setNote] = useState<string | null>(null);
  async function check(e: Event) {
    e.preventDefault();
    setNote(null);
    await run(async () => setPreview((await api.post<Preview>(`/api/patients/${p.id}/posts`, { text })).preview));
  }
  const confirm = () =>
    run(async () => {
      await api.post(`/api/patients/${p.id}/posts`, { text, confirm: true });
      setText("");
      setPreview(null);
      setNote(t("pt.post.done"));
      reload();
    });
  async function remove(postId: number) {
    const reason = window.prompt(t("pt.post.removeReason"), "");
    if (reason === null) return;
    setError(null);
    try {
      await api.del(`/api/patients/${p.id}/posts/${postId}?reason=${encodeURIComponent(reason)}`);
      setNote(t("pt.post.removed"));
      reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section class="card" aria-labelledby="pt-posts">
      <h2 id="pt-posts">{t("pt.posts")}</h2>
      {note ? <Notice>{note}</Notice> : null}
      <ErrorNote error={error} fields={["text"]} />
      {p.may.post ? (
        preview ? (
          <div class="pt-preview" data-testid="post-preview">
            <p>
              <strong>{t("pt.post.confirmHead")}</strong>
            </p>
            <p class="pt-text">{preview.text}</p>
            <p class="help">{preview.note}</p>
            <div class="buttons pt-actions">
              <button type="button" class="btn primary big" disabled={busy} onClick={confirm}>
                {t("pt.post.confirm")}
              </button>
              <button type="button" class="btn" onClick={() => setPreview(null)}>
                {t("pt.post.edit")}
              </button>
            </div>
          </div>
        ) : (
          <form onSubmit={check}>
            <Field
              label={t("pt.post.text")}
              name="text"
              multiline
              rows={4}
              value={text}
              onInput={setText}
              error={error}
              help={t("pt.post.help")}
              maxLength={2000}
            />
            <Submit busy={busy} class="btn primary">
              {t("pt.post.check")}
            </Submit>
          </form>
        )
      ) : null}
      {p.posts.length === 0 ? (
        <p>{t("pt.posts.none")}</p>
      ) : (
        <ul class="pt-list" data-testid="posts">
          {p.posts.map((x) => (
            <li key={x.id} class="pt-post">
              <p class="pt-meta">
                {x.author.name}
                {x.author.job ? `（${x.author.job}）` : ""}・{dateTime(x.createdAt)}
              </p>
              <p class="pt-text">{x.text}</p>
              {p.may.removePosts ? (
                <button type="button" class="btn small" onClick={() => remove(x.id)}>
                  {t("pt.post.remove")}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Members({ p, me, reload }: { p: Patient; me: Me; reload: () => void }) {
  const [error, setError] = useState<unknown>(null);
  async function change(personId: number, body: { readOnly?: boolean; role?: "manager" | "member" }) {
    setError(null);
    try {
      await api.patch(`/api/patients/${p.id}/members/${personId}`, body);
      reload();
    } catch (err) {
      setError(err);
    }
  }
  async function remove(personId: number, name: string, misuse: boolean) {
    if (!window.confirm(t("pt.member.removeConfirm", { name }))) return;
    setError(null);
    try {
      await api.del(`/api/patients/${p.id}/members/${personId}${misuse ? "?reason=misuse" : ""}`);
      reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section class="card" aria-labelledby="pt-members">
      <h2 id="pt-members">{t("pt.members", { n: p.members.length })}</h2>
      <ErrorNote error={error} />
      <ul class="pt-list" data-testid="members">
        {p.members.map((m) => (
          <li key={m.personId} class="pt-member">
            <span>
              <strong>{m.name}</strong>
              {m.personId === me.personId ? t("pt.you") : ""} {m.job}
              <span class="pt-meta"> {m.facilities.map((f) => f.name).join("、")}</span>
              <span class="pt-badges">
                {m.physician ? <span class="badge pt-role">{t("pt.physician")}</span> : null}
                <span class="badge pt-role">{t(`pt.role.${m.role}`)}</span>
                {m.readOnly ? <span class="badge">{t("pt.readOnly")}</span> : null}
              </span>
            </span>
            {p.may.manage && m.personId !== me.personId && !m.physician ? (
              <span class="buttons">
                {m.role === "member" ? (
                  <button type="button" class="btn small" onClick={() => change(m.personId, { readOnly: !m.readOnly })}>
                    {m.readOnly ? t("pt.member.writable") : t("pt.member.readOnly")}
                  </button>
                ) : null}
                <button type="button" class="btn small" onClick={() => change(m.personId, { role: m.role === "manager" ? "member" : "manager" })}>
                  {m.role === "manager" ? t("pt.member.unmanager") : t("pt.member.manager")}
                </button>
                <button type="button" class="btn small" onClick={() => remove(m.personId, m.name, false)}>
                  {t("pt.member.remove")}
                </button>
                <button type="button" class="btn small danger" onClick={() => remove(m.personId, m.name, true)}>
                  {t("pt.member.misuse")}
                </button>
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {p.invitations.length ? (
        <>
          <h3>{t("pt.invite.pending")}</h3>
          <ul class="pt-list">
            {p.invitations.map((i) => (
              <li key={i.id} class="pt-meta">
                {i.name}（{i.recipient}）{t("pt.invite.until", { at: dateTime(i.expiresAt) })}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function Invite({ p, reload }: { p: Patient; reload: () => void }) {
  const [message, setMessage] = useState("");
  const [outside, setOutside] = useState({ name: "", email: "", mobile: "" });
  const [note, setNote] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  async function send(body: Record<string, unknown>, name: string) {
    setNote(null);
    await run(async () => {
      await api.post(`/api/patients/${p.id}/invitations`, { ...body, message });
      setNote(t("pt.invite.sent", { name }));
      setOutside({ name: "", email: "", mobile: "" });
      reload();
    });
  }
  return (
    <section class="card" aria-labelledby="pt-invite">
      <h2 id="pt-invite">{t("pt.invite")}</h2>
      <p class="help">{t("pt.invite.intro")}</p>
      {note ? <Notice>{note}</Notice> : null}
      <ErrorNote error={error} fields={["name", "email", "mobile", "message"]} />
      <Field label={t("pt.invite.message")} name="message" value={message} onInput={setMessage} error={error} maxLength={500} />
      <PersonPicker label={t("pt.invite.search")} physician={false} onPick={(c) => void send({ personId: c.id }, c.name)} />
      <details>
        <summary>{t("pt.invite.outside")}</summary>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void send(
              { name: outside.name, ...(outside.email ? { email: outside.email } : {}), ...(outside.mobile ? { mobile: outside.mobile } : {}) },
              outside.name,
            );
          }}
        >
          <Field label={t("pt.invite.outsideName")} name="name" value={outside.name} onInput={(v) => setOutside({ ...outside, name: v })} error={error} />
          <Field
            label={t("pt.invite.email")}
            name="email"
            type="email"
            value={outside.email}
            onInput={(v) => setOutside({ ...outside, email: v })}
            error={error}
          />
          <Field
            label={t("pt.invite.mobile")}
            name="mobile"
            type="tel"
            inputMode="tel"
            value={outside.mobile}
            onInput={(v) => setOutside({ ...outside, mobile: v })}
            error={error}
          />
          <Submit busy={busy}>{t("pt.invite.send")}</Submit>
        </form>
      </details>
    </section>
  );
}

function EditPatient({ p, reload }: { p: Patient; reload: () => void }) {
  const [fields, setFields] = useState<Fields>({
    name: p.name,
    kana: p.kana,
    birthDate: p.birthDate ?? "",
    address: p.address,
    district: p.district,
    phone: p.phone ?? "",
    needs: p.needs,
  });
  const { busy, error, setError, run } = useAction();
  const [note, setNote] = useState<string | null>(null);
  async function save(e: Event) {
    e.preventDefault();
    await run(async () => {
      await api.patch(`/api/patients/${p.id}`, fieldsBody(fields));
      setNote(t("pt.saved"));
      reload();
    });
  }
  async function upload(e: Event) {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    setError(null);
    try {
      await api.put(`/api/patients/${p.id}/consent`, undefined, { raw: { body: file, type: file.type || "application/pdf" } });
      setNote(t("pt.consent.uploaded"));
      reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <details class="card">
      <summary>{t("pt.edit")}</summary>
      {note ? <Notice>{note}</Notice> : null}
      <ErrorNote error={error} fields={["name", "kana", "address", "district", "phone", "needs.batteryHours", "needs.evacuationPlace"]} />
      <form onSubmit={save}>
        <PatientFields value={fields} onChange={setFields} error={error} />
        <Submit busy={busy}>{t("pt.save")}</Submit>
      </form>
      <div class="field">
        <label for="pt-consent-file">{t("pt.consent.upload")}</label>
        <input id="pt-consent-file" type="file" accept="application/pdf,image/jpeg,image/png" onChange={upload} />
      </div>
    </details>
  );
}

/** Leave, or (managers) close the group. */
function GroupEnd({ p, me }: { p: Patient; me: Me }) {
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  async function leave() {
    if (!window.confirm(t("pt.leaveConfirm"))) return;
    try {
      await api.del(`/api/patients/${p.id}/members/${me.personId}`);
      navigate("/patients");
    } catch (err) {
      setError(err);
    }
  }
  async function close() {
    if (!window.confirm(t("pt.closeConfirm"))) return;
    try {
      await api.post(`/api/patients/${p.id}/close`);
      setDone(t("pt.closed"));
      navigate("/patients");
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section class="buttons pt-actions">
      {done ? <Notice>{done}</Notice> : null}
      <ErrorNote error={error} />
      <button type="button" class="btn" onClick={leave}>
        {t("pt.leave")}
      </button>
      {p.may.manage ? (
        <button type="button" class="btn danger" onClick={close}>
          {t("pt.close")}
        </button>
      ) : null}
    </section>
  );
}
