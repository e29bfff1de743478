import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { count, dateTime, percent } from "../format";
import { t, tx } from "../i18n";
import { may, SCREENS } from "../nav";
import type { Me, RollcallList, RollcallListItem } from "../types";
import { Link, Page } from "../ui";
import { MyCheckBanners } from "./CheckBanner";
import { MyRollcalls, StaffTasks } from "./me/Me";
import { LIVE_STATES } from "../../../worker/rollcall/state";

const READERS = ["network_admin", "facility_admin", "delegate", "viewer"];

/** Home: any active roll-call first, then the tasks this role has. */
export function Home({ me }: { me: Me }) {
  const tasks = SCREENS.filter((s) => s.menu && s.path !== "/" && s.path !== "/account" && s.path !== "/me" && may(me, s.roles));
  const canRead = me.roles.some((r) => READERS.includes(r));
  const [active, setActive] = useState<RollcallListItem[] | null>(null);
  useEffect(() => {
    if (!canRead) return;
    Promise.all(LIVE_STATES.map((state) => api.get<RollcallList>("/api/rollcalls", { query: { state, limit: 20 } }))).then(
      (lists) => setActive(lists.flatMap((l) => l.items)),
      () => setActive([]),
    );
  }, [canRead]);

  return (
    <Page title={t("home.title")}>
      <p class="lead">{tx("home.hello", { name: me.name })}</p>
      {/* Everyone may be asked too: their own answer comes first. */}
      <MyRollcalls />
      {/* A member of patient groups: the checks of an open roll-call (none shown when there are none). */}
      <MyCheckBanners />
      {canRead ? (
        <section aria-labelledby="active-h" class="card">
          <h2 id="active-h">{tx("home.active")}</h2>
          {active === null ? null : active.length === 0 ? (
            <p>{tx("home.noActive")}</p>
          ) : (
            <ul class="active-list">
              {active.map((r) => (
                <li key={r.id}>
                  <Link href={`/rollcalls/${r.id}`} class="tile active">
                    <span class={`badge ${r.drill ? "drill" : "real"}`}>{r.drill ? t("drill") : t("real")}</span> {r.title}
                    <span class="help">
                      {dateTime(r.confirmedAt ?? r.createdAt)}・{t("bd.replied", "回答")} {count(r.replied)} / {count(r.recipients)}（
                      {percent(r.replied, r.recipients)}）
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
      {tasks.length ? (
        <section aria-labelledby="quick-h">
          <h2 id="quick-h">{tx("home.quick")}</h2>
          <ul class="tiles">
            {tasks.map((s) => (
              <li key={s.path}>
                <Link href={s.path} class="tile">
                  {tx(s.label)}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {canRead ? null : <StaffTasks />}
    </Page>
  );
}
