import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { appointableRoles, canDeregister, canEditPerson, managesFacility, managesPerson } from "../../../worker/directory/rules";
import { LANGUAGES } from "../../../worker/templates/languages";
import { api } from "../api";
import { phone } from "../format";
import { addStrings, t } from "../i18n";
import { FACILITY_TYPES, label, langGloss } from "../labels";
import { navigate, useLocation } from "../router";
import type {
  Facility,
  FacilityCreate,
  FacilityList,
  FacilityUpdate,
  InvitationCreate,
  InvitationCreated,
  Me,
  MembershipRole,
  Person,
  PersonCreate,
  PersonUpdate,
} from "../types";
import { ErrorNote, Field, Link, Loaded, Notice, Page, SelectField, Submit, useAction, useLoad } from "../ui";

/**
 * Changing the directory by hand (issue 14): add and edit a person (fix a phone or an
 * email), their facilities and roles, deregister them; add, edit and remove a facility;
 * invite someone. Each control is offered only where directory/rules.ts (the server's
 * own rules) allows it; the server checks again and its refusal is shown in words.
 */

addStrings({
  ja: {
    "de.addPerson": "職員を追加",
    "de.addFacility": "事業所を追加",
    "de.invite": "招待する",
    "de.save": "保存する",
    "de.saved": "保存しました。",
    "de.created": "登録しました。",
    "de.register": "登録する",
    "de.back": "名簿に戻る",
    "de.name": "名前",
    "de.kana": "ふりがな",
    "de.kanaHelp": "ひらがなでもカタカナでも入れられます。",
    "de.job": "職種",
    "de.jobHelp": "例：看護師、介護福祉士、薬剤師（一覧にない職種も入れられます）",
    "de.facility": "事業所",
    "de.role": "役割",
    "de.noFacility": "なし（ネットワーク全体の役割だけ）",
    "de.globalRole": "ネットワーク全体の役割",
    "de.globalNone": "なし",
    "de.mobile": "携帯電話",
    "de.mobileHelp": "090-1234-5678 の形で保存します。全角やハイフンなしでも入れられます。",
    "de.email": "メールアドレス",
    "de.contactHelp": "安否確認を届けるため、携帯電話かメールのどちらかは必ず入れてください。",
    "de.lang": "ことば（通知・SMS・メール・回答ページ）",
    "de.phones": "電話（SMSは送りません）",
    "de.profile": "登録内容",
    "de.memberships": "所属と役割",
    "de.noMemberships": "所属している事業所はありません。",
    "de.changeRole": "役割を変える",
    "de.roleChanged": "役割を変えました。",
    "de.leaveFacility": "この事業所から外す",
    "de.leftFacility": "{facility}から外しました。",
    "de.addMembership": "ほかの事業所にも所属させる",
    "de.addTo": "所属させる",
    "de.added": "{facility}に所属させました。",
    "de.roleOf": "{facility}での役割",
    "de.removeTitle": "登録の解除",
    "de.removeStart": "登録を解除する…",
    "de.removeWhat":
      "{name}さんの登録を解除します。サインインできなくなり、すべての所属とグループから外れます。メールと携帯電話の登録も消え、安否確認は届かなくなります。これまでの回答と記録は残ります。",
    "de.removeConfirm": "登録を解除する",
    "de.removed": "{name}さんの登録を解除しました。",
    "de.removeElsewhere": "ほかの事業所にも所属しているため、登録の解除はできません。「この事業所から外す」を使ってください。",
    "de.removeSelf": "自分の登録の解除は「わたし」の画面からできます。",
    "de.readOnly": "この人の登録内容を変更する権限はありません。",
    "de.type": "種別",
    "de.typeChoose": "選んでください",
    "de.typeHelp": "種別を変えられるのはネットワーク管理者だけです。",
    "de.district": "地区",
    "de.phone": "電話番号",
    "de.phoneHelp": "例：042-380-1234（全角でも入れられます）",
    "de.address": "住所",
    "de.staffOf": "この事業所の職員",
    "de.inviteHere": "この事業所に招待する",
    "de.facilityReadOnly": "変更できるのは自分の事業所だけです。",
    "de.facilityRemoveTitle": "事業所の削除",
    "de.facilityRemoveStart": "事業所を削除する…",
    "de.facilityRemoveWhat":
      "「{name}」を名簿から外します。職員はこの事業所の所属から外れ、事業所のグループも終わります。職員の登録と、これまでの回答と記録は残ります。",
    "de.facilityRemoveConfirm": "削除する",
    "de.facilityRemoved": "「{name}」を削除しました。",
    "de.facilityCreated": "「{name}」を登録しました。",
    "de.newPerson": "職員の追加",
    "de.newFacility": "事業所の追加",
    "de.inviteTitle": "招待する",
    "de.inviteIntro": "招待された人は、届いたリンクから名前とパスワードを決めて参加します。リンクは7日間有効です。",
    "de.inviteName": "招待する人の名前",
    "de.sendBy": "送り方",
    "de.byEmail": "メール",
    "de.bySms": "携帯電話（SMS）",
    "de.message": "ひとこと（招待のページに出ます）",
    "de.sendInvite": "招待を送る",
    "de.invited": "{name}さんに招待を送りました。",
    "de.invitedSandbox": "{name}さんに招待を送りました（テスト環境のため「送信箱（テスト）」に届いています）。",
    "de.noChoices": "職員を追加できる事業所がありません。",
  },
  en: {
    "de.addPerson": "Add a person",
    "de.addFacility": "Add a facility",
    "de.invite": "Invite",
    "de.save": "Save",
    "de.saved": "Saved.",
    "de.created": "Registered.",
    "de.register": "Register",
    "de.back": "Back to the directory",
    "de.name": "Name",
    "de.kana": "Reading (kana)",
    "de.kanaHelp": "Hiragana or katakana.",
    "de.job": "Job",
    "de.jobHelp": "For example 看護師, 介護福祉士, 薬剤師 (other jobs may be typed)",
    "de.facility": "Facility",
    "de.role": "Role",
    "de.noFacility": "None (a network-wide role only)",
    "de.globalRole": "Network-wide role",
    "de.globalNone": "None",
    "de.mobile": "Mobile",
    "de.mobileHelp": "Stored as 090-1234-5678; full-width digits and no hyphens work too.",
    "de.email": "Email",
    "de.contactHelp": "Give a mobile or an email, so the roll-call can reach the person.",
    "de.lang": "Language (notifications, SMS, email, reply page)",
    "de.phones": "Phone (never texted)",
    "de.profile": "Details",
    "de.memberships": "Facilities and roles",
    "de.noMemberships": "Not at any facility.",
    "de.changeRole": "Change the role",
    "de.roleChanged": "Role changed.",
    "de.leaveFacility": "Take out of this facility",
    "de.leftFacility": "Taken out of {facility}.",
    "de.addMembership": "Also at another facility",
    "de.addTo": "Add",
    "de.added": "Added to {facility}.",
    "de.roleOf": "Role at {facility}",
    "de.removeTitle": "Deregister",
    "de.removeStart": "Deregister…",
    "de.removeWhat":
      "This deregisters {name}: they can no longer sign in and leave every facility and group; their email and mobile are released and roll-calls no longer reach them. Their past answers and the records stay.",
    "de.removeConfirm": "Deregister",
    "de.removed": "{name} is deregistered.",
    "de.removeElsewhere": "This person also works at another facility, so they cannot be deregistered here. Take them out of this facility instead.",
    "de.removeSelf": "You deregister yourself on the “Me” screen.",
    "de.readOnly": "You may not change this person's details.",
    "de.type": "Type",
    "de.typeChoose": "Choose",
    "de.typeHelp": "Only a network admin changes the type.",
    "de.district": "District",
    "de.phone": "Phone",
    "de.phoneHelp": "For example 042-380-1234 (full-width digits work too)",
    "de.address": "Address",
    "de.staffOf": "People of this facility",
    "de.inviteHere": "Invite to this facility",
    "de.facilityReadOnly": "You may change only your own facility.",
    "de.facilityRemoveTitle": "Remove the facility",
    "de.facilityRemoveStart": "Remove the facility…",
    "de.facilityRemoveWhat":
      "This removes 「{name}」 from the directory: its people leave it and its group ends. The people stay registered; past answers and the records stay.",
    "de.facilityRemoveConfirm": "Remove",
    "de.facilityRemoved": "「{name}」 is removed.",
    "de.facilityCreated": "「{name}」 is registered.",
    "de.newPerson": "Add a person",
    "de.newFacility": "Add a facility",
    "de.inviteTitle": "Invite",
    "de.inviteIntro": "The invitee opens the link, chooses a name and a password, and joins. The link lasts 7 days.",
    "de.inviteName": "The invitee's name",
    "de.sendBy": "Send by",
    "de.byEmail": "Email",
    "de.bySms": "Mobile (SMS)",
    "de.message": "A note (shown on the invitation page)",
    "de.sendInvite": "Send the invitation",
    "de.invited": "Invitation sent to {name}.",
    "de.invitedSandbox": "Invitation sent to {name} (this is a test setup: it is in the sandbox outbox).",
    "de.noChoices": "There is no facility you may add people to.",
  },
});

/** Jobs people write most (職種 stays free text: these are suggestions). */
const JOBS = [
  "医師",
  "歯科医師",
  "薬剤師",
  "看護師",
  "准看護師",
  "保健師",
  "理学療法士",
  "作業療法士",
  "言語聴覚士",
  "介護福祉士",
  "訪問介護員",
  "介護支援専門員",
  "社会福祉士",
  "医療ソーシャルワーカー",
  "事務",
];

const ROLE_ORDER: readonly MembershipRole[] = ["admin", "delegate", "staff"];
const GLOBAL_ROLES = ["network_admin", "viewer"] as const;

export const isNetworkAdmin = (me: Me) => me.globalRole === "network_admin";

/** The roles the caller may give in a facility, in the order of the screens. */
export const rolesFor = (me: Me, facilityId: number) => {
  const may = appointableRoles(me, facilityId);
  return ROLE_ORDER.filter((r) => may.has(r));
};

/** Whether the caller may add people anywhere (a network admin, an admin or delegate). */
export const mayAddPeople = (me: Me) => isNetworkAdmin(me) || me.facilities.some((f) => rolesFor(me, f.facilityId).length > 0);

export const mayEdit = (me: Me, p: Person) => canEditPerson(me, { id: p.id, globalRole: p.globalRole ?? null }, p.facilities);

export { managesFacility };

/** A one-shot message for the next screen (after a change that leaves this one). */
let flash: string | null = null;
export function takeFlash(): string | null {
  const f = flash;
  flash = null;
  return f;
}
function leave(to: string, message: string) {
  flash = message;
  navigate(to);
}

/** The facilities the caller may add people to: every facility for a network admin, else those they manage. */
function useFacilityChoices(me: Me): { choices: Facility[] | null; error: unknown } {
  const [choices, setChoices] = useState<Facility[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    (async () => {
      if (isNetworkAdmin(me)) {
        const all: Facility[] = [];
        let cursor: string | null = null;
        do {
          const page: FacilityList = await api.get<FacilityList>("/api/facilities", { query: { limit: 200, cursor } });
          all.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        return all;
      }
      const ids = me.facilities.filter((f) => rolesFor(me, f.facilityId).length > 0).map((f) => f.facilityId);
      return Promise.all(ids.map((id) => api.get<Facility>(`/api/facilities/${id}`)));
    })().then(
      (list) => live && setChoices(list),
      (err: unknown) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [me]);
  return { choices, error };
}

/** The person's language: each in its own name, glossed in the screen's words (नेपाली（ネパール語）). */
function LangSelect({ value, onChange, error }: { value: string; onChange: (v: string) => void; error: unknown }) {
  return (
    <SelectField label={t("de.lang")} name="lang" value={value} onChange={onChange} error={error}>
      {LANGUAGES.map((l) => (
        <option key={l.code} value={l.code} lang={l.htmlLang}>
          {l.name}
          {langGloss(l)}
        </option>
      ))}
    </SelectField>
  );
}

function JobList() {
  return (
    <datalist id="de-jobs">
      {JOBS.map((j) => (
        <option key={j} value={j} />
      ))}
    </datalist>
  );
}

/** A person's or a facility's name and its reading. */
function NameKana({ v, set, error }: { v: { name: string; kana: string }; set: (k: "name" | "kana") => (value: string) => void; error: unknown }) {
  return (
    <>
      <Field label={t("de.name")} name="name" value={v.name} onInput={set("name")} error={error} required maxLength={100} autoComplete="off" />
      <Field label={t("de.kana")} name="kana" value={v.kana} onInput={set("kana")} error={error} help={t("de.kanaHelp")} maxLength={100} />
    </>
  );
}

/** 職種: free text, with the usual jobs suggested. */
function JobField({ value, onInput, error }: { value: string; onInput: (v: string) => void; error: unknown }) {
  return (
    <>
      <JobList />
      <Field label={t("de.job")} name="job" value={value} onInput={onInput} error={error} help={t("de.jobHelp")} maxLength={50} list="de-jobs" />
    </>
  );
}

/** A person's mobile (stored as 090-1234-5678). */
function MobileField({ value, onInput, error }: { value: string; onInput: (v: string) => void; error: unknown }) {
  return (
    <Field
      label={t("de.mobile")}
      name="mobile"
      type="tel"
      inputMode="tel"
      value={value}
      onInput={onInput}
      error={error}
      help={t("de.mobileHelp")}
      maxLength={40}
      autoComplete="off"
    />
  );
}

/** A person's email. */
function EmailField({ value, onInput, error }: { value: string; onInput: (v: string) => void; error: unknown }) {
  return (
    <Field label={t("de.email")} name="email" type="email" inputMode="email" value={value} onInput={onInput} error={error} maxLength={254} autoComplete="off" />
  );
}

/** The facility a form is on, among those the caller may choose (`children`: any further option). */
function FacilitySelect({
  choices,
  value,
  onChange,
  error,
  children,
}: {
  choices: Facility[];
  value: string;
  onChange: (v: string) => void;
  error?: unknown;
  children?: ComponentChildren;
}) {
  return (
    <SelectField label={t("de.facility")} name="facilityId" value={value} onChange={onChange} error={error}>
      {choices.map((f) => (
        <option key={f.id} value={String(f.id)}>
          {f.name}
        </option>
      ))}
      {children}
    </SelectField>
  );
}

/** The role a form gives, among those the caller may give there. */
function RoleSelect({
  roles,
  value,
  onChange,
  error,
}: {
  roles: readonly MembershipRole[];
  value: MembershipRole;
  onChange: (r: MembershipRole) => void;
  error?: unknown;
}) {
  return (
    <SelectField label={t("de.role")} name="role" value={value} onChange={(v) => onChange(v as MembershipRole)} error={error}>
      {roles.map((r) => (
        <option key={r} value={r}>
          {label("mr", r)}
        </option>
      ))}
    </SelectField>
  );
}

/** A network-wide role, or none (only a network admin gives one). */
function GlobalRoleSelect({ value, onChange, error }: { value: string; onChange: (v: string) => void; error: unknown }) {
  return (
    <SelectField label={t("de.globalRole")} name="globalRole" value={value} onChange={onChange} error={error}>
      <option value="">{t("de.globalNone")}</option>
      {GLOBAL_ROLES.map((r) => (
        <option key={r} value={r}>
          {t(`role.${r}`)}
        </option>
      ))}
    </SelectField>
  );
}

/** A destructive step in two: the button opens what it does, in words, with the final button and やめる. */
function ConfirmStep({
  title,
  start,
  what,
  confirm,
  onConfirm,
}: {
  title: string;
  start: string;
  what: string;
  confirm: string;
  onConfirm: () => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const { busy, error, run } = useAction();
  const go = () => run(onConfirm, { stayBusy: true });
  return (
    <section class="card narrow danger-zone" aria-labelledby="de-danger">
      <h2 id="de-danger">{title}</h2>
      {open ? (
        <div role="alertdialog" aria-labelledby="de-danger" aria-describedby="de-danger-what">
          <p id="de-danger-what" class="warn">
            {what}
          </p>
          <ErrorNote error={error} />
          <div class="buttons">
            <button type="button" class="btn danger" onClick={go} disabled={busy} aria-busy={busy ? "true" : undefined}>
              {confirm}
            </button>
            <button type="button" class="btn" onClick={() => setOpen(false)} disabled={busy}>
              {t("common.cancel")}
            </button>
          </div>
        </div>
      ) : (
        <button type="button" class="btn" onClick={() => setOpen(true)}>
          {start}
        </button>
      )}
    </section>
  );
}

/** The body of a change: only the fields that differ from the stored values. */
function changed<T extends object>(next: T, stored: Partial<Record<keyof T, unknown>>): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(next) as (keyof T)[]) if (next[k] !== stored[k]) out[k] = next[k];
  return out;
}

const blankToNull = (s: string) => (s.trim() ? s : null);

/**
 * The facility a form is on: the one chosen, else the one the link asked for, else the
 * first the caller may add to; "" (no facility) only when a network admin chose it.
 */
function pickFacility(choices: Facility[] | null, chosen: string | null, asked: string | null, noneAllowed: boolean): string {
  if (chosen === "" && noneAllowed) return "";
  const valid = (id: string | null): id is string => id !== null && !!choices?.some((f) => String(f.id) === id);
  if (valid(chosen)) return chosen;
  if (valid(asked)) return asked;
  return choices?.[0] ? String(choices[0].id) : "";
}

/** The role a form gives: the one chosen while the caller may give it, else 一般, else the lowest they may give. */
const pickRole = (roles: readonly MembershipRole[], chosen: MembershipRole): MembershipRole =>
  roles.includes(chosen) ? chosen : roles.includes("staff") ? "staff" : (roles[roles.length - 1] ?? "staff");

/** The facility and the role a form gives (pickFacility, pickRole), with what the caller chose and the link's ?facility=. */
function useFacilityRole(me: Me, choices: Facility[] | null, noneAllowed: boolean) {
  const { query } = useLocation();
  const [facilityId, setFacilityId] = useState<string | null>(null);
  const [role, setRole] = useState<MembershipRole>("staff");
  const fid = pickFacility(choices, facilityId, query.get("facility"), noneAllowed);
  const roles = fid ? rolesFor(me, Number(fid)) : [];
  return { fid, setFacilityId, roles, r: pickRole(roles, role), setRole };
}

// ------------------------------------------------------------------ people

export function PersonNew({ me }: { me: Me }) {
  const { choices, error: loadError } = useFacilityChoices(me);
  const admin = isNetworkAdmin(me);
  const [v, setV] = useState({ name: "", kana: "", job: "", globalRole: "", mobile: "", email: "", lang: "ja" });
  const set = (k: keyof typeof v) => (value: string) => setV((old) => ({ ...old, [k]: value }));
  const { fid, setFacilityId, roles, r, setRole } = useFacilityRole(me, choices, admin);
  const { busy, error, run } = useAction();
  async function save(e: Event) {
    e.preventDefault();
    const body: PersonCreate = {
      name: v.name,
      kana: v.kana,
      job: v.job,
      lang: v.lang as PersonCreate["lang"],
      email: v.email.trim() || undefined,
      mobile: v.mobile.trim() || undefined,
      ...(fid ? { facilityId: Number(fid), role: r } : {}),
      ...(admin && v.globalRole ? { globalRole: v.globalRole as (typeof GLOBAL_ROLES)[number] } : {}),
    };
    await run(
      async () => {
        const p = await api.post<Person>("/api/people", body);
        leave(`/directory/people/${p.id}`, t("de.created"));
      },
      { stayBusy: true },
    );
  }
  return (
    <Page title={t("de.newPerson")} actions={<BackLink tab="people" />}>
      <ErrorNote error={loadError} />
      {choices === null ? null : !choices.length && !admin ? (
        <p>{t("de.noChoices")}</p>
      ) : (
        <form class="card narrow" onSubmit={save} noValidate>
          <NameKana v={v} set={set} error={error} />
          <JobField value={v.job} onInput={set("job")} error={error} />
          <FacilitySelect choices={choices} value={fid} onChange={setFacilityId} error={error}>
            {admin ? <option value="">{t("de.noFacility")}</option> : null}
          </FacilitySelect>
          {fid ? <RoleSelect roles={roles} value={r} onChange={setRole} error={error} /> : null}
          {admin ? <GlobalRoleSelect value={v.globalRole} onChange={set("globalRole")} error={error} /> : null}
          <p class="help">{t("de.contactHelp")}</p>
          <MobileField value={v.mobile} onInput={set("mobile")} error={error} />
          <EmailField value={v.email} onInput={set("email")} error={error} />
          <LangSelect value={v.lang} onChange={set("lang")} error={error} />
          <ErrorNote error={error} fields={["name", "kana", "job", "facilityId", "role", "globalRole", "mobile", "email", "lang"]} />
          <Submit busy={busy}>{t("de.register")}</Submit>
        </form>
      )}
    </Page>
  );
}

function BackLink({ tab }: { tab: string }) {
  return (
    <Link href={`/directory?tab=${tab}`} class="btn">
      {t("de.back")}
    </Link>
  );
}

export function PersonPage({ me, id }: { me: Me; id: number }) {
  const result = useLoad(useCallback(() => api.get<Person>(`/api/people/${id}`), [id]));
  const [note, setNote] = useState<string | null>(() => takeFlash());
  return (
    <Page title={result.data?.name ?? t("dir.people")} actions={<BackLink tab="people" />}>
      {note ? <Notice>{note}</Notice> : null}
      <Loaded result={result}>{(p) => <PersonView me={me} initial={p} reload={result.reload} say={setNote} />}</Loaded>
    </Page>
  );
}

function PersonView({ me, initial, reload, say }: { me: Me; initial: Person; reload: () => void; say: (s: string | null) => void }) {
  const [person, setPerson] = useState(initial);
  useEffect(() => setPerson(initial), [initial]);
  const editable = mayEdit(me, person);
  const self = person.id === me.personId;
  const removable = !self && canDeregister(me, { id: person.id, globalRole: person.globalRole ?? null }, person.facilities);
  const leavable = person.facilities.some((m) => appointableRoles(me, m.facilityId).has(m.role));
  return (
    <>
      {editable ? (
        <PersonForm
          key={`${person.id}-${person.updatedAt}`}
          me={me}
          person={person}
          onSaved={(p) => {
            setPerson(p);
            say(t("de.saved"));
          }}
        />
      ) : (
        <section class="card narrow" aria-labelledby="de-profile">
          <h2 id="de-profile">{t("de.profile")}</h2>
          <dl class="facts">
            <dt>{t("de.kana")}</dt>
            <dd>{person.kana || "—"}</dd>
            <dt>{t("de.job")}</dt>
            <dd>{person.job || "—"}</dd>
          </dl>
          <p class="help">{t("de.readOnly")}</p>
        </section>
      )}
      <Memberships me={me} person={person} reload={reload} say={say} />
      {removable ? (
        <ConfirmStep
          title={t("de.removeTitle")}
          start={t("de.removeStart")}
          what={t("de.removeWhat", { name: person.name })}
          confirm={t("de.removeConfirm")}
          onConfirm={async () => {
            await api.del(`/api/people/${person.id}`);
            leave("/directory?tab=people", t("de.removed", { name: person.name }));
          }}
        />
      ) : !self && leavable && person.facilities.length > 1 ? (
        <section class="card narrow" aria-labelledby="de-danger">
          <h2 id="de-danger">{t("de.removeTitle")}</h2>
          <p>{t("de.removeElsewhere")}</p>
        </section>
      ) : self ? (
        <p class="help">
          <Link href="/me/leave">{t("de.removeSelf")}</Link>
        </p>
      ) : null}
    </>
  );
}

function PersonForm({ me, person, onSaved }: { me: Me; person: Person; onSaved: (p: Person) => void }) {
  const stored = {
    name: person.name,
    kana: person.kana,
    job: person.job,
    lang: person.lang ?? "ja",
    mobile: phone(person.mobile),
    email: person.email ?? "",
    globalRole: person.globalRole ?? "",
  };
  const [v, setV] = useState(stored);
  const set = (k: keyof typeof stored) => (value: string) => setV((old) => ({ ...old, [k]: value }));
  const { busy, error, run } = useAction();
  const mayGiveGlobal = isNetworkAdmin(me) && person.id !== me.personId;
  async function save(e: Event) {
    e.preventDefault();
    const diff = changed(v, stored);
    const body: PersonUpdate = {
      ...(diff.name !== undefined ? { name: diff.name } : {}),
      ...(diff.kana !== undefined ? { kana: diff.kana } : {}),
      ...(diff.job !== undefined ? { job: diff.job } : {}),
      ...(diff.lang !== undefined ? { lang: diff.lang as PersonUpdate["lang"] } : {}),
      ...(diff.mobile !== undefined ? { mobile: blankToNull(diff.mobile) } : {}),
      ...(diff.email !== undefined ? { email: blankToNull(diff.email) } : {}),
      ...(diff.globalRole !== undefined && mayGiveGlobal ? { globalRole: (diff.globalRole || null) as PersonUpdate["globalRole"] } : {}),
    };
    // Saved, the form is drawn anew (its key is the stored version).
    await run(async () => onSaved(await api.patch<Person>(`/api/people/${person.id}`, body)), { stayBusy: true });
  }
  return (
    <form class="card narrow" onSubmit={save} noValidate aria-labelledby="de-profile">
      <h2 id="de-profile">{t("de.profile")}</h2>
      <NameKana v={v} set={set} error={error} />
      <JobField value={v.job} onInput={set("job")} error={error} />
      <p class="help">{t("de.contactHelp")}</p>
      <MobileField value={v.mobile} onInput={set("mobile")} error={error} />
      <EmailField value={v.email} onInput={set("email")} error={error} />
      {person.phones?.length ? (
        <p>
          {t("de.phones")}：{person.phones.map(phone).join("、")}
        </p>
      ) : null}
      <LangSelect value={v.lang} onChange={set("lang")} error={error} />
      {mayGiveGlobal ? (
        <GlobalRoleSelect value={v.globalRole} onChange={set("globalRole")} error={error} />
      ) : person.globalRole ? (
        <p>
          {t("de.globalRole")}：{t(`role.${person.globalRole}`)}
        </p>
      ) : null}
      <ErrorNote error={error} fields={["name", "kana", "job", "mobile", "email", "lang", "globalRole"]} />
      <Submit busy={busy}>{t("de.save")}</Submit>
    </form>
  );
}

/** The person's facilities with their roles: change a role, take them out, add them to another, where the caller may. */
function Memberships({ me, person, reload, say }: { me: Me; person: Person; reload: () => void; say: (s: string | null) => void }) {
  const { busy, error, run } = useAction();
  const act = (change: () => Promise<unknown>, done: string) =>
    run(async () => {
      await change();
      say(done);
      reload();
    });
  const adding = managesPerson(me, person.facilities) && person.id !== me.personId;
  return (
    <section class="card narrow" aria-labelledby="de-ms">
      <h2 id="de-ms">{t("de.memberships")}</h2>
      {person.facilities.length === 0 ? <p>{t("de.noMemberships")}</p> : null}
      <ul class="memberships">
        {person.facilities.map((m) => (
          <MembershipRow
            key={m.facilityId}
            me={me}
            m={m}
            busy={busy}
            canLeave={person.facilities.length > 1}
            onRole={(role) => act(() => api.put(`/api/facilities/${m.facilityId}/members/${person.id}`, { role }), `${m.facilityName}：${t("de.roleChanged")}`)}
            onLeave={() => act(() => api.del(`/api/facilities/${m.facilityId}/members/${person.id}`), t("de.leftFacility", { facility: m.facilityName }))}
          />
        ))}
      </ul>
      <ErrorNote error={error} />
      {adding ? (
        <AddMembership
          me={me}
          person={person}
          busy={busy}
          onAdd={(f, role) => act(() => api.put(`/api/facilities/${f.id}/members/${person.id}`, { role }), t("de.added", { facility: f.name }))}
        />
      ) : null}
    </section>
  );
}

function MembershipRow({
  me,
  m,
  busy,
  canLeave,
  onRole,
  onLeave,
}: {
  me: Me;
  m: Person["facilities"][number];
  busy: boolean;
  canLeave: boolean;
  onRole: (role: MembershipRole) => void;
  onLeave: () => void;
}) {
  const roles = rolesFor(me, m.facilityId);
  // A holder of a role the caller could not have given is left as it is (the server's rule).
  const mine = roles.includes(m.role);
  const [role, setRole] = useState<MembershipRole>(m.role);
  return (
    <li>
      <p class="membership-name">
        <strong>{m.facilityName}</strong>（{label("ft", m.facilityType)}）
      </p>
      {mine && roles.length > 1 ? (
        <div class="buttons">
          <label class="sr-only" for={`de-role-${m.facilityId}`}>
            {t("de.roleOf", { facility: m.facilityName })}
          </label>
          <select
            id={`de-role-${m.facilityId}`}
            class="short"
            value={role}
            onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value as MembershipRole)}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {label("mr", r)}
              </option>
            ))}
          </select>
          <button type="button" class="btn" disabled={busy || role === m.role} onClick={() => onRole(role)}>
            {t("de.changeRole")}
          </button>
        </div>
      ) : (
        <p>
          {t("de.role")}：{label("mr", m.role)}
        </p>
      )}
      {mine && canLeave ? (
        <button type="button" class="btn" disabled={busy} onClick={onLeave}>
          {t("de.leaveFacility")}
        </button>
      ) : null}
    </li>
  );
}

function AddMembership({ me, person, busy, onAdd }: { me: Me; person: Person; busy: boolean; onAdd: (f: Facility, role: MembershipRole) => void }) {
  const { choices } = useFacilityChoices(me);
  const open = (choices ?? []).filter((f) => !person.facilities.some((m) => m.facilityId === f.id));
  const [facilityId, setFacilityId] = useState("");
  const [role, setRole] = useState<MembershipRole>("staff");
  const chosen = open.find((f) => String(f.id) === facilityId) ?? open[0];
  if (!chosen) return null;
  const roles = rolesFor(me, chosen.id);
  const r = pickRole(roles, role);
  return (
    <fieldset class="add-membership">
      <legend>{t("de.addMembership")}</legend>
      <FacilitySelect choices={open} value={String(chosen.id)} onChange={setFacilityId} />
      <RoleSelect roles={roles} value={r} onChange={setRole} />
      <button type="button" class="btn" disabled={busy} onClick={() => onAdd(chosen, r)}>
        {t("de.addTo")}
      </button>
    </fieldset>
  );
}

// ------------------------------------------------------------------ facilities

export function FacilityNew({ me }: { me: Me }) {
  return (
    <Page title={t("de.newFacility")} actions={<BackLink tab="facilities" />}>
      {isNetworkAdmin(me) ? <FacilityForm me={me} /> : <p>{t("forbidden.screen")}</p>}
    </Page>
  );
}

export function FacilityPage({ me, id }: { me: Me; id: number }) {
  const result = useLoad(useCallback(() => api.get<Facility>(`/api/facilities/${id}`), [id]));
  const [note, setNote] = useState<string | null>(() => takeFlash());
  return (
    <Page title={result.data?.name ?? t("dir.facilities")} actions={<BackLink tab="facilities" />}>
      {note ? <Notice>{note}</Notice> : null}
      <Loaded result={result}>
        {(f) => (
          <>
            <p class="buttons">
              <Link href={`/directory?tab=people&facility=${f.id}`} class="btn">
                {t("de.staffOf")}
              </Link>
              {rolesFor(me, f.id).length ? (
                <Link href={`/directory/invite?facility=${f.id}`} class="btn">
                  {t("de.inviteHere")}
                </Link>
              ) : null}
            </p>
            {managesFacility(me, f.id) ? (
              <FacilityForm
                key={f.updatedAt}
                me={me}
                facility={f}
                onSaved={() => {
                  setNote(t("de.saved"));
                  result.reload();
                }}
              />
            ) : (
              <section class="card narrow" aria-labelledby="de-fac">
                <h2 id="de-fac">{t("de.profile")}</h2>
                <dl class="facts">
                  <dt>{t("de.kana")}</dt>
                  <dd>{f.kana || "—"}</dd>
                  <dt>{t("de.type")}</dt>
                  <dd>{label("ft", f.type)}</dd>
                  <dt>{t("de.district")}</dt>
                  <dd>{f.district || "—"}</dd>
                  <dt>{t("de.phone")}</dt>
                  <dd>{phone(f.phone) || "—"}</dd>
                </dl>
                <p class="help">{t("de.facilityReadOnly")}</p>
              </section>
            )}
            {isNetworkAdmin(me) ? (
              <ConfirmStep
                title={t("de.facilityRemoveTitle")}
                start={t("de.facilityRemoveStart")}
                what={t("de.facilityRemoveWhat", { name: f.name })}
                confirm={t("de.facilityRemoveConfirm")}
                onConfirm={async () => {
                  await api.del(`/api/facilities/${f.id}`);
                  leave("/directory?tab=facilities", t("de.facilityRemoved", { name: f.name }));
                }}
              />
            ) : null}
          </>
        )}
      </Loaded>
    </Page>
  );
}

function FacilityForm({ me, facility, onSaved }: { me: Me; facility?: Facility; onSaved?: () => void }) {
  const stored = {
    name: facility?.name ?? "",
    kana: facility?.kana ?? "",
    type: facility?.type ?? "",
    district: facility?.district ?? "",
    phone: phone(facility?.phone),
    address: facility?.address ?? "",
  };
  const [v, setV] = useState(stored);
  const set = (k: keyof typeof stored) => (value: string) => setV((old) => ({ ...old, [k]: value }));
  const { busy, error, run } = useAction();
  const typeEditable = isNetworkAdmin(me);
  async function save(e: Event) {
    e.preventDefault();
    // Saved, the screen leaves (a new facility) or draws the form anew (its key is the stored version).
    await run(
      async () => {
        if (!facility) {
          const body = {
            name: v.name,
            kana: v.kana,
            type: v.type || undefined,
            district: v.district,
            address: v.address,
            phone: v.phone.trim() || null,
          } as FacilityCreate;
          const f = await api.post<Facility>("/api/facilities", body);
          leave(`/directory/facilities/${f.id}`, t("de.facilityCreated", { name: f.name }));
          return;
        }
        const diff = changed(v, stored);
        const body: FacilityUpdate = {
          ...(diff.name !== undefined ? { name: diff.name } : {}),
          ...(diff.kana !== undefined ? { kana: diff.kana } : {}),
          ...(diff.type !== undefined && typeEditable ? { type: diff.type as FacilityUpdate["type"] } : {}),
          ...(diff.district !== undefined ? { district: diff.district } : {}),
          ...(diff.address !== undefined ? { address: diff.address } : {}),
          ...(diff.phone !== undefined ? { phone: blankToNull(diff.phone) } : {}),
        };
        await api.patch<Facility>(`/api/facilities/${facility.id}`, body);
        onSaved?.();
      },
      { stayBusy: true },
    );
  }
  return (
    <form class="card narrow" onSubmit={save} noValidate aria-labelledby="de-fac">
      <h2 id="de-fac">{t("de.profile")}</h2>
      <NameKana v={v} set={set} error={error} />
      {typeEditable ? (
        <SelectField label={t("de.type")} name="type" value={v.type} onChange={set("type")} error={error}>
          {facility ? null : <option value="">{t("de.typeChoose")}</option>}
          {FACILITY_TYPES.map((ft) => (
            <option key={ft} value={ft}>
              {label("ft", ft)}
            </option>
          ))}
        </SelectField>
      ) : (
        <div class="field">
          <p class="field-label">{t("de.type")}</p>
          <p>{label("ft", v.type)}</p>
          <p class="help">{t("de.typeHelp")}</p>
        </div>
      )}
      <Field label={t("de.district")} name="district" value={v.district} onInput={set("district")} error={error} maxLength={50} />
      <Field
        label={t("de.phone")}
        name="phone"
        type="tel"
        inputMode="tel"
        value={v.phone}
        onInput={set("phone")}
        error={error}
        help={t("de.phoneHelp")}
        maxLength={40}
        autoComplete="off"
      />
      <Field label={t("de.address")} name="address" value={v.address} onInput={set("address")} error={error} maxLength={200} autoComplete="off" />
      <ErrorNote error={error} fields={["name", "kana", "type", "district", "phone", "address"]} />
      <Submit busy={busy}>{facility ? t("de.save") : t("de.register")}</Submit>
    </form>
  );
}

// ------------------------------------------------------------------ invitations

export function Invite({ me }: { me: Me }) {
  const { choices, error: loadError } = useFacilityChoices(me);
  const { fid, setFacilityId, roles, r, setRole } = useFacilityRole(me, choices, false);
  const [name, setName] = useState("");
  const [by, setBy] = useState<"email" | "mobile">("email");
  const [address, setAddress] = useState("");
  const [lang, setLang] = useState("ja");
  const [message, setMessage] = useState("");
  const { busy, error, run } = useAction();
  async function send(e: Event) {
    e.preventDefault();
    const body: InvitationCreate = {
      facilityId: fid ? Number(fid) : undefined,
      role: r,
      name,
      lang: lang as InvitationCreate["lang"],
      message,
      ...(by === "email" ? { email: address } : { mobile: address }),
    };
    await run(
      async () => {
        const inv = await api.post<InvitationCreated>("/api/invitations", body);
        leave("/directory?tab=invitations", t(inv.sandbox ? "de.invitedSandbox" : "de.invited", { name: inv.name }));
      },
      { stayBusy: true },
    );
  }
  return (
    <Page title={t("de.inviteTitle")} actions={<BackLink tab="invitations" />}>
      <p>{t("de.inviteIntro")}</p>
      <ErrorNote error={loadError} />
      {choices === null ? null : !choices.length ? (
        <p>{t("de.noChoices")}</p>
      ) : (
        <form class="card narrow" onSubmit={send} noValidate>
          <FacilitySelect choices={choices} value={fid} onChange={setFacilityId} error={error} />
          <RoleSelect roles={roles} value={r} onChange={setRole} error={error} />
          <Field label={t("de.inviteName")} name="name" value={name} onInput={setName} error={error} required maxLength={100} autoComplete="off" />
          <fieldset>
            <legend>{t("de.sendBy")}</legend>
            <div class="choices">
              {(["email", "mobile"] as const).map((k) => (
                <div class="field check" key={k}>
                  <input id={`de-by-${k}`} type="radio" name="by" value={k} checked={by === k} onChange={() => setBy(k)} />
                  <label for={`de-by-${k}`}>{k === "email" ? t("de.byEmail") : t("de.bySms")}</label>
                </div>
              ))}
            </div>
          </fieldset>
          {by === "email" ? (
            <EmailField key="email" value={address} onInput={setAddress} error={error} />
          ) : (
            <MobileField key="mobile" value={address} onInput={setAddress} error={error} />
          )}
          <LangSelect value={lang} onChange={setLang} error={error} />
          <Field label={t("de.message")} name="message" value={message} onInput={setMessage} error={error} multiline rows={3} maxLength={500} />
          <ErrorNote error={error} fields={["facilityId", "role", "name", "email", "mobile", "lang", "message"]} />
          <Submit busy={busy}>{t("de.sendInvite")}</Submit>
        </form>
      )}
    </Page>
  );
}
