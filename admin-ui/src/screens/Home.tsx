import { t } from "../i18n";
import { may, SCREENS } from "../nav";
import type { Me } from "../types";
import { Link, Page } from "../ui";

/** Home: any active roll-call first, then the tasks this role has. */
export function Home({ me }: { me: Me }) {
  const tasks = SCREENS.filter((s) => s.menu && s.path !== "/" && s.path !== "/account" && may(me, s.roles));
  return (
    <Page title={t("home.title")}>
      <p class="lead">{t("home.hello", { name: me.name })}</p>
      <section aria-labelledby="active-h" class="card">
        <h2 id="active-h">{t("home.active")}</h2>
        <p>{t("home.noActive")}</p>
      </section>
      {tasks.length ? (
        <section aria-labelledby="quick-h">
          <h2 id="quick-h">{t("home.quick")}</h2>
          <ul class="tiles">
            {tasks.map((s) => (
              <li key={s.path}>
                <Link href={s.path} class="tile">
                  {t(s.label)}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </Page>
  );
}
