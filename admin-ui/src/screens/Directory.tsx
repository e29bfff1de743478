import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { dateTime, phone } from "../format";
import { addStrings, t } from "../i18n";
import { FACILITY_TYPES, label } from "../labels";
import { navigate, useLocation } from "../router";
import type { Facility, FacilityList, Group, GroupList, GroupMemberList, Invitation, InvitationList, Me, Person, PersonList } from "../types";
import { ErrorNote, Link, Notice, Page, PagedBody, usePaged } from "../ui";
import { isNetworkAdmin, managesFacility, mayAddPeople, mayEdit, rolesFor, takeFlash } from "./DirectoryEdit";

addStrings({
  ja: {
    "dir.facilities": "事業所",
    "dir.people": "職員",
    "dir.groups": "グループ",
    "dir.search": "名前・ふりがなで検索",
    "dir.type": "種別",
    "dir.allTypes": "すべての種別",
    "dir.name": "名前",
    "dir.kana": "ふりがな",
    "dir.district": "地区",
    "dir.job": "職種",
    "dir.facility": "所属",
    "dir.email": "メール",
    "dir.mobile": "携帯電話",
    "dir.count": "{n}件",
    "dir.more": "さらに表示",
    "dir.showContacts": "連絡先も表示（記録されます）",
    "dir.staffOf": "{name}の職員",
    "dir.members": "メンバー",
    "dir.kind": "種類",
    "dir.empty": "該当なし",
    "dir.import": "CSVで取り込む",
    "dir.clear": "絞り込みを外す",
    "dir.invitations": "招待",
    "dir.actions": "操作",
    "dir.edit": "編集",
    "dir.invitee": "招待した人",
    "dir.place": "招待先",
    "dir.role": "役割",
    "dir.sentTo": "送り先",
    "dir.state": "状態",
    "dir.expires": "期限",
    "dir.pendingOnly": "承諾待ちだけ",
    "dir.allStates": "すべて",
    "dir.revoke": "取り消す",
    "dir.revokeOf": "{name}さんへの招待を取り消す",
    "dir.revoked": "{name}さんへの招待を取り消しました。",
    "dir.noInvitations": "承諾待ちの招待はありません。",
    "inv.pending": "承諾待ち",
    "inv.accepted": "参加しました",
    "inv.declined": "辞退されました",
    "inv.revoked": "取り消し",
    "inv.expired": "期限切れ",
  },
  en: {
    "dir.facilities": "Facilities",
    "dir.people": "People",
    "dir.groups": "Groups",
    "dir.search": "Search by name or reading",
    "dir.type": "Type",
    "dir.allTypes": "All types",
    "dir.name": "Name",
    "dir.kana": "Reading",
    "dir.district": "District",
    "dir.job": "Job",
    "dir.facility": "Facility",
    "dir.email": "Email",
    "dir.mobile": "Mobile",
    "dir.count": "{n} found",
    "dir.more": "Show more",
    "dir.showContacts": "Show contact details (this is logged)",
    "dir.staffOf": "Staff of {name}",
    "dir.members": "Members",
    "dir.kind": "Kind",
    "dir.empty": "Nothing found",
    "dir.import": "Import a CSV",
    "dir.clear": "Clear the filter",
    "dir.invitations": "Invitations",
    "dir.actions": "Actions",
    "dir.edit": "Edit",
    "dir.invitee": "Invitee",
    "dir.place": "Invited to",
    "dir.role": "Role",
    "dir.sentTo": "Sent to",
    "dir.state": "State",
    "dir.expires": "Expires",
    "dir.pendingOnly": "Pending only",
    "dir.allStates": "All",
    "dir.revoke": "Withdraw",
    "dir.revokeOf": "Withdraw the invitation to {name}",
    "dir.revoked": "The invitation to {name} is withdrawn.",
    "dir.noInvitations": "No invitation is pending.",
    "inv.pending": "Pending",
    "inv.accepted": "Joined",
    "inv.declined": "Declined",
    "inv.revoked": "Withdrawn",
    "inv.expired": "Expired",
  },
});

type Tab = "facilities" | "people" | "groups" | "invitations";
const TABS: Tab[] = ["facilities", "people", "groups", "invitations"];

export function Directory({ me }: { me: Me }) {
  const { query } = useLocation();
  const tab = (TABS as string[]).includes(query.get("tab") ?? "") ? (query.get("tab") as Tab) : "facilities";
  const setTab = (t: Tab) => navigate(`/directory?tab=${t}`);
  const isAdmin = me.roles.some((r) => r === "network_admin" || r === "facility_admin" || r === "delegate");
  // What the last change (on a screen that has closed) did, said once.
  const [note, setNote] = useState<string | null>(() => takeFlash());
  return (
    <Page
      title={t("nav.directory")}
      actions={
        isAdmin ? (
          <Link href="/directory/import" class="btn">
            {t("dir.import")}
          </Link>
        ) : null
      }
    >
      <div class="tabs" role="tablist" aria-label={t("nav.directory")}>
        {TABS.map((k) => (
          <button
            type="button"
            role="tab"
            id={`tab-${k}`}
            aria-controls={`panel-${k}`}
            aria-selected={tab === k ? "true" : "false"}
            key={k}
            onClick={() => setTab(k)}
          >
            {t(`dir.${k}`)}
          </button>
        ))}
      </div>
      {note ? <Notice>{note}</Notice> : null}
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "facilities" ? (
          <Facilities me={me} />
        ) : tab === "people" ? (
          <People me={me} facilityId={Number(query.get("facility")) || undefined} canSeeContacts={isAdmin} />
        ) : tab === "invitations" ? (
          <Invitations me={me} say={setNote} />
        ) : (
          <Groups />
        )}
      </div>
    </Page>
  );
}

function SearchBar({ value, onSearch, children }: { value: string; onSearch: (q: string) => void; children?: ComponentChildren }) {
  const [q, setQ] = useState(value);
  return (
    <search>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          onSearch(q.trim());
        }}
      >
        <label for="dir-q">{t("dir.search")}</label>
        <input id="dir-q" type="search" value={q} onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)} />
        {children}
        <button class="btn primary" type="submit">
          {t("common.search")}
        </button>
      </form>
    </search>
  );
}

/** A row's 編集, described by the row's name (its header cell) for a screen reader. */
function EditLink({ href, of }: { href: string; of: string }) {
  return (
    <Link href={href} class="btn small" describedBy={of}>
      {t("dir.edit")}
    </Link>
  );
}

/** A directory list as a table (cards on a phone), with how many it holds above it where `count` is given. */
function DirTable({ count, testid, head, children }: { count?: number; testid?: string; head: ComponentChildren; children: ComponentChildren }) {
  return (
    <>
      {count === undefined ? null : <p role="status">{t("dir.count", { n: count })}</p>}
      <div class="table-wrap">
        <table class="cards dir-list" data-testid={testid}>
          <thead>
            <tr>{head}</tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
    </>
  );
}

/** A directory list that pages: its failure, its table (with its count where `counted`), and さらに表示. */
function DirList<T>({
  list,
  counted,
  testid,
  head,
  row,
}: {
  list: ReturnType<typeof usePaged<T>>;
  counted?: boolean;
  testid?: string;
  head: ComponentChildren;
  row: (item: T) => ComponentChildren;
}) {
  return (
    <>
      <ErrorNote error={list.error} />
      <PagedBody list={list} moreLabel={t("dir.more")}>
        {(items) => (
          <DirTable count={counted ? (list.total ?? items.length) : undefined} testid={testid} head={head}>
            {items.map(row)}
          </DirTable>
        )}
      </PagedBody>
    </>
  );
}

function Facilities({ me }: { me: Me }) {
  const [q, setQ] = useState("");
  const [type, setType] = useState("");
  const list = usePaged<Facility>(
    useCallback((cursor: string | null) => api.get<FacilityList>("/api/facilities", { query: { q, type, cursor, limit: 100 } }), [q, type]),
  );
  return (
    <>
      <SearchBar value={q} onSearch={setQ}>
        <label for="dir-type" class="sr-only">
          {t("dir.type")}
        </label>
        <select id="dir-type" value={type} onChange={(e) => setType((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">{t("dir.allTypes")}</option>
          {FACILITY_TYPES.map((ft) => (
            <option value={ft} key={ft}>
              {label("ft", ft)}
            </option>
          ))}
        </select>
      </SearchBar>
      {isNetworkAdmin(me) ? (
        <p class="buttons">
          <Link href="/directory/facilities/new" class="btn primary">
            {t("de.addFacility")}
          </Link>
        </p>
      ) : null}
      <DirList
        list={list}
        counted
        testid="dir-facilities"
        head={
          <>
            <th scope="col">{t("dir.name")}</th>
            <th scope="col">{t("dir.kana")}</th>
            <th scope="col">{t("dir.type")}</th>
            <th scope="col">{t("dir.district")}</th>
            <th scope="col">{t("dir.actions")}</th>
          </>
        }
        row={(f) => (
          <tr key={f.id}>
            <th scope="row" id={`dir-f${f.id}`}>
              <Link href={`/directory?tab=people&facility=${f.id}`}>{f.name}</Link>
            </th>
            <td data-label={t("dir.kana")}>{f.kana}</td>
            <td data-label={t("dir.type")}>{label("ft", f.type)}</td>
            <td data-label={t("dir.district")}>{f.district || "—"}</td>
            <td>{managesFacility(me, f.id) ? <EditLink href={`/directory/facilities/${f.id}`} of={`dir-f${f.id}`} /> : null}</td>
          </tr>
        )}
      />
    </>
  );
}

function People({ me, facilityId, canSeeContacts }: { me: Me; facilityId?: number; canSeeContacts: boolean }) {
  const [q, setQ] = useState("");
  const [contacts, setContacts] = useState(false);
  const [facility, setFacility] = useState<Facility | null>(null);
  useEffect(() => {
    setFacility(null);
    if (facilityId) api.get<Facility>(`/api/facilities/${facilityId}`).then(setFacility, () => {});
  }, [facilityId]);
  const list = usePaged<Person>(
    useCallback(
      (cursor: string | null) => api.get<PersonList>("/api/people", { query: { q, facilityId, cursor, limit: 100, contacts: contacts ? "true" : undefined } }),
      [q, facilityId, contacts],
    ),
  );
  return (
    <>
      {facilityId ? (
        <p>
          <strong>{facility ? t("dir.staffOf", { name: facility.name }) : ""}</strong> <Link href="/directory?tab=people">{t("dir.clear")}</Link>
        </p>
      ) : null}
      <SearchBar value={q} onSearch={setQ} />
      {mayAddPeople(me) ? (
        <p class="buttons">
          <Link href={`/directory/people/new${facilityId ? `?facility=${facilityId}` : ""}`} class="btn primary">
            {t("de.addPerson")}
          </Link>
          <Link href={`/directory/invite${facilityId && (isNetworkAdmin(me) || rolesFor(me, facilityId).length) ? `?facility=${facilityId}` : ""}`} class="btn">
            {t("de.invite")}
          </Link>
        </p>
      ) : null}
      {canSeeContacts ? (
        <div class="field check">
          <input id="dir-contacts" type="checkbox" checked={contacts} onChange={(e) => setContacts((e.currentTarget as HTMLInputElement).checked)} />
          <label for="dir-contacts">{t("dir.showContacts")}</label>
        </div>
      ) : null}
      <DirList
        list={list}
        counted
        testid="dir-people"
        head={
          <>
            <th scope="col">{t("dir.name")}</th>
            <th scope="col">{t("dir.kana")}</th>
            <th scope="col">{t("dir.job")}</th>
            <th scope="col">{t("dir.facility")}</th>
            {contacts ? <th scope="col">{t("dir.mobile")}</th> : null}
            {contacts ? <th scope="col">{t("dir.email")}</th> : null}
            <th scope="col">{t("dir.actions")}</th>
          </>
        }
        row={(p) => (
          <tr key={p.id}>
            <th scope="row" id={`dir-p${p.id}`}>
              {p.name}
            </th>
            <td data-label={t("dir.kana")}>{p.kana || "—"}</td>
            <td data-label={t("dir.job")}>{p.job || "—"}</td>
            <td data-label={t("dir.facility")}>
              {p.facilities.map((f) => `${f.facilityName}（${label("mr", f.role)}）`).join("、") || (p.globalRole ? t(`role.${p.globalRole}`) : "—")}
            </td>
            {contacts ? (
              <td class="nowrap" data-label={t("dir.mobile")}>
                {phone(p.mobile) || "—"}
              </td>
            ) : null}
            {contacts ? (
              <td class="addr" data-label={t("dir.email")}>
                {p.email ?? "—"}
              </td>
            ) : null}
            <td>{mayEdit(me, p) ? <EditLink href={`/directory/people/${p.id}`} of={`dir-p${p.id}`} /> : null}</td>
          </tr>
        )}
      />
    </>
  );
}

function Groups() {
  const list = usePaged<Group>(useCallback(() => api.get<GroupList>("/api/groups"), []));
  const [open, setOpen] = useState<Group | null>(null);
  return (
    <>
      <DirList
        list={list}
        head={
          <>
            <th scope="col">{t("dir.name")}</th>
            <th scope="col">{t("dir.kind")}</th>
            <th scope="col">{t("dir.members")}</th>
          </>
        }
        row={(g) => (
          <tr key={g.id}>
            <th scope="row">{g.name}</th>
            <td data-label={t("dir.kind")}>{label("gk", g.kind)}</td>
            <td>
              <button
                type="button"
                class="btn small"
                onClick={() => setOpen(open?.id === g.id ? null : g)}
                aria-expanded={open?.id === g.id ? "true" : "false"}
              >
                {t("dir.members")}
              </button>
            </td>
          </tr>
        )}
      />
      {open ? <GroupMembers group={open} /> : null}
    </>
  );
}

function GroupMembers({ group }: { group: Group }) {
  const list = usePaged(
    useCallback((cursor: string | null) => api.get<GroupMemberList>(`/api/groups/${group.id}/members`, { query: { cursor, limit: 200 } }), [group.id]),
  );
  return (
    <section class="card" aria-labelledby="gm-h">
      <h2 id="gm-h">
        {group.name}：{t("dir.members")}
      </h2>
      <ErrorNote error={list.error} />
      <PagedBody list={list} moreLabel={t("dir.more")} empty={<p>{t("dir.empty")}</p>}>
        {(items) => (
          <ul>
            {items.map((m) => (
              <li key={m.personId}>
                {m.name}（{m.kana}）{m.job ? ` ${m.job}` : ""}
              </li>
            ))}
          </ul>
        )}
      </PagedBody>
    </section>
  );
}

/** Who may withdraw an invitation (invitations/routes.ts mayManage): its inviter, an admin of its facility, a network admin. */
const mayRevoke = (me: Me, i: Invitation) => isNetworkAdmin(me) || i.invitedBy === me.personId || (i.facilityId !== null && managesFacility(me, i.facilityId));

function Invitations({ me, say }: { me: Me; say: (s: string | null) => void }) {
  const [pendingOnly, setPendingOnly] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const list = usePaged<Invitation>(
    useCallback(
      async (cursor: string | null) => {
        const page = await api.get<InvitationList>("/api/invitations", { query: { state: pendingOnly ? "pending" : undefined, before: cursor, limit: 50 } });
        return { items: page.items, nextCursor: page.next === null ? null : String(page.next) };
      },
      [pendingOnly],
    ),
  );
  const [gone, setGone] = useState<Set<number>>(new Set());
  async function revoke(i: Invitation) {
    setError(null);
    try {
      await api.del(`/api/invitations/${i.id}`);
      setGone((old) => new Set([...old, i.id]));
      say(t("dir.revoked", { name: i.name }));
    } catch (err) {
      setError(err);
    }
  }
  const items = list.items?.filter((i) => !(pendingOnly && gone.has(i.id))) ?? null;
  return (
    <>
      <div class="toolbar">
        <Link href="/directory/invite" class="btn primary">
          {t("de.invite")}
        </Link>
        <label for="dir-inv-state" class="sr-only">
          {t("dir.state")}
        </label>
        <select
          id="dir-inv-state"
          class="short"
          value={pendingOnly ? "pending" : ""}
          onChange={(e) => setPendingOnly((e.currentTarget as HTMLSelectElement).value === "pending")}
        >
          <option value="pending">{t("dir.pendingOnly")}</option>
          <option value="">{t("dir.allStates")}</option>
        </select>
      </div>
      <ErrorNote error={list.error ?? error} />
      <PagedBody list={{ ...list, items }} moreLabel={t("dir.more")} empty={<p>{pendingOnly ? t("dir.noInvitations") : t("dir.empty")}</p>}>
        {(items) => (
          <DirTable
            testid="dir-invitations"
            head={
              <>
                <th scope="col">{t("dir.invitee")}</th>
                <th scope="col">{t("dir.place")}</th>
                <th scope="col">{t("dir.role")}</th>
                <th scope="col">{t("dir.sentTo")}</th>
                <th scope="col">{t("dir.state")}</th>
                <th scope="col">{t("dir.expires")}</th>
                <th scope="col">{t("dir.actions")}</th>
              </>
            }
          >
            {items.map((i) => {
              const state = gone.has(i.id) ? "revoked" : i.state;
              return (
                <tr key={i.id}>
                  <th scope="row">{i.name}</th>
                  <td data-label={t("dir.place")}>{i.place}</td>
                  <td data-label={t("dir.role")}>{i.role ? label("mr", i.role) : "—"}</td>
                  <td class="addr" data-label={t("dir.sentTo")}>
                    {label("ch", i.channel)}：{i.recipient}
                  </td>
                  <td data-label={t("dir.state")}>{t(`inv.${state}`)}</td>
                  <td class="nowrap" data-label={t("dir.expires")}>
                    {dateTime(i.expiresAt)}
                  </td>
                  <td>
                    {state === "pending" && mayRevoke(me, i) ? (
                      <button type="button" class="btn small" onClick={() => revoke(i)} aria-label={t("dir.revokeOf", { name: i.name })}>
                        {t("dir.revoke")}
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </DirTable>
        )}
      </PagedBody>
    </>
  );
}
