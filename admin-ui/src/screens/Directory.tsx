import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { addStrings, t } from "../i18n";
import { FACILITY_TYPES, label } from "../labels";
import { navigate, useLocation } from "../router";
import type { Facility, FacilityList, Group, GroupList, GroupMemberList, Me, Person, PersonList } from "../types";
import { ErrorNote, Link, Loading, Page } from "../ui";

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
  },
});

type Tab = "facilities" | "people" | "groups";
const TABS: Tab[] = ["facilities", "people", "groups"];

export function Directory({ me }: { me: Me }) {
  const { query } = useLocation();
  const tab = (TABS as string[]).includes(query.get("tab") ?? "") ? (query.get("tab") as Tab) : "facilities";
  const setTab = (t: Tab) => navigate(`/directory?tab=${t}`);
  const isAdmin = me.roles.some((r) => r === "network_admin" || r === "facility_admin" || r === "delegate");
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
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "facilities" ? (
          <Facilities />
        ) : tab === "people" ? (
          <People facilityId={Number(query.get("facility")) || undefined} canSeeContacts={isAdmin} />
        ) : (
          <Groups />
        )}
      </div>
    </Page>
  );
}

/** A list that pages with a cursor and reloads when its query changes: `load` is memoized on the query (useCallback). */
function usePaged<T>(load: (cursor: string | null) => Promise<{ items: T[]; total?: number; nextCursor?: string | null }>) {
  const [items, setItems] = useState<T[] | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(
    async (cursor: string | null) => {
      setError(null);
      try {
        const page = await load(cursor);
        setItems((old) => (cursor && old ? [...old, ...page.items] : page.items));
        setTotal(page.total ?? null);
        setNext(page.nextCursor ?? null);
      } catch (err) {
        setError(err);
      }
    },
    [load],
  );
  useEffect(() => {
    setItems(null);
    void run(null);
  }, [run]);
  return { items, total, next, error, more: () => next && run(next) };
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

function Facilities() {
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
      <ErrorNote error={list.error} />
      {list.items === null ? (
        list.error ? null : (
          <Loading />
        )
      ) : (
        <>
          <p role="status">{t("dir.count", { n: list.total ?? list.items.length })}</p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("dir.name")}</th>
                  <th scope="col">{t("dir.kana")}</th>
                  <th scope="col">{t("dir.type")}</th>
                  <th scope="col">{t("dir.district")}</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((f) => (
                  <tr key={f.id}>
                    <td>
                      <Link href={`/directory?tab=people&facility=${f.id}`}>{f.name}</Link>
                    </td>
                    <td>{f.kana}</td>
                    <td>{label("ft", f.type)}</td>
                    <td>{f.district}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {list.next ? (
            <button type="button" class="btn" onClick={list.more}>
              {t("dir.more")}
            </button>
          ) : null}
        </>
      )}
    </>
  );
}

function People({ facilityId, canSeeContacts }: { facilityId?: number; canSeeContacts: boolean }) {
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
      {canSeeContacts ? (
        <div class="field check">
          <input id="dir-contacts" type="checkbox" checked={contacts} onChange={(e) => setContacts((e.currentTarget as HTMLInputElement).checked)} />
          <label for="dir-contacts">{t("dir.showContacts")}</label>
        </div>
      ) : null}
      <ErrorNote error={list.error} />
      {list.items === null ? (
        list.error ? null : (
          <Loading />
        )
      ) : (
        <>
          <p role="status">{t("dir.count", { n: list.total ?? list.items.length })}</p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("dir.name")}</th>
                  <th scope="col">{t("dir.kana")}</th>
                  <th scope="col">{t("dir.job")}</th>
                  <th scope="col">{t("dir.facility")}</th>
                  {contacts ? <th scope="col">{t("dir.mobile")}</th> : null}
                  {contacts ? <th scope="col">{t("dir.email")}</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.items.map((p) => (
                  <tr key={p.id}>
                    <td>{p.name}</td>
                    <td>{p.kana}</td>
                    <td>{p.job}</td>
                    <td>
                      {p.facilities.map((f) => `${f.facilityName}（${label("mr", f.role)}）`).join("、") || (p.globalRole ? t(`role.${p.globalRole}`) : "—")}
                    </td>
                    {contacts ? <td class="nowrap">{p.mobile ?? "—"}</td> : null}
                    {contacts ? <td>{p.email ?? "—"}</td> : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {list.next ? (
            <button type="button" class="btn" onClick={list.more}>
              {t("dir.more")}
            </button>
          ) : null}
        </>
      )}
    </>
  );
}

function Groups() {
  const list = usePaged<Group>(useCallback(() => api.get<GroupList>("/api/groups"), []));
  const [open, setOpen] = useState<Group | null>(null);
  return (
    <>
      <ErrorNote error={list.error} />
      {list.items === null ? (
        list.error ? null : (
          <Loading />
        )
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("dir.name")}</th>
                <th scope="col">{t("dir.kind")}</th>
                <th scope="col">{t("dir.members")}</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((g) => (
                <tr key={g.id}>
                  <td>{g.name}</td>
                  <td>{label("gk", g.kind)}</td>
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
              ))}
            </tbody>
          </table>
        </div>
      )}
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
      {list.items === null ? (
        list.error ? null : (
          <Loading />
        )
      ) : list.items.length === 0 ? (
        <p>{t("dir.empty")}</p>
      ) : (
        <ul>
          {list.items.map((m) => (
            <li key={m.personId}>
              {m.name}（{m.kana}）{m.job ? ` ${m.job}` : ""}
            </li>
          ))}
        </ul>
      )}
      {list.next ? (
        <button type="button" class="btn" onClick={list.more}>
          {t("dir.more")}
        </button>
      ) : null}
    </section>
  );
}
