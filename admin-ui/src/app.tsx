import { useCallback, useEffect, useState } from "preact/hooks";
import { api, ApiFailure, whenSignedOut } from "./api";
import { LANGUAGES } from "../../worker/templates/languages";
import { getLang, onLangChange, setLang, startLang, t, tx, type Lang } from "./i18n";
import "./labels";
import { may, SCREENS, screenFor } from "./nav";
import { match, navigate, useLocation } from "./router";
import { Account, MfaForm, PasswordForm } from "./screens/Account";
import { Audit } from "./screens/Audit";
import { Home } from "./screens/Home";
import { Board } from "./screens/Board";
import { FacilityDrill, PersonDrill } from "./screens/BoardDrill";
import { Directory } from "./screens/Directory";
import { FacilityNew, FacilityPage, Invite, PersonNew, PersonPage } from "./screens/DirectoryEdit";
import { History } from "./screens/History";
import { Import } from "./screens/Import";
import { Outbox } from "./screens/Outbox";
import { PatientChecks } from "./screens/PatientChecks";
import { PatientNew, PatientPage, Patients } from "./screens/Patients";
import { Settings } from "./screens/Settings";
import { Templates } from "./screens/Templates";
import { Trigger } from "./screens/Trigger";
import { Triggers } from "./screens/Triggers";
import { SignIn } from "./screens/SignIn";
import { Devices } from "./screens/me/Devices";
import { Contacts, Leave, MeHome, Report } from "./screens/me/Me";
import { Profile } from "./screens/me/Profile";
import { Readiness } from "./screens/Readiness";
import { Reports } from "./screens/Reports";
import type { Me } from "./types";
import { ErrorNote, Link, Loading, Page } from "./ui";

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [bootError, setBootError] = useState<unknown>(null);
  const [, setLangTick] = useState(0);
  const { path } = useLocation();

  const loadMe = useCallback(async () => {
    try {
      const m = await api.get<Me>("/api/session");
      setMe(m);
      setBootError(null);
      // The person's own language, unless this device chose one in the header.
      void setLang(startLang(m.lang));
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) setMe(null);
      else setBootError(err);
    }
  }, []);
  useEffect(() => {
    const off = onLangChange(() => setLangTick((n) => n + 1));
    void setLang(startLang());
    whenSignedOut(() => setMe(null));
    void loadMe();
    return off;
  }, [loadMe]);

  async function signOut() {
    try {
      await api.del("/api/session");
    } finally {
      setMe(null);
      navigate("/", true);
    }
  }

  // Every language of the templates, each in its own name; the choice stays on this device.
  const langButton = (
    <select
      class="btn small short"
      aria-label={t("lang.label")}
      value={getLang()}
      onChange={(e) => void setLang((e.currentTarget as HTMLSelectElement).value as Lang, { remember: true })}
      data-testid="lang"
    >
      {LANGUAGES.map((l) => (
        <option key={l.code} value={l.code} lang={l.htmlLang}>
          {l.name}
        </option>
      ))}
    </select>
  );

  if (me === undefined)
    return (
      <main id="main" class="signin">
        {bootError ? <ErrorNote error={bootError} /> : <Loading />}
      </main>
    );
  if (me === null)
    return (
      <>
        <div class="topbar plain">{langButton}</div>
        <SignIn
          onSignedIn={(m) => {
            setMe(m);
            void setLang(startLang(m.lang));
          }}
        />
      </>
    );

  // A session that must change its password or enrol MFA may do nothing else.
  const restricted = me.passwordExpired ? "password" : me.mustEnrolMfa ? "mfa" : null;
  const menu = SCREENS.filter((s) => s.menu && may(me, s.roles));

  return (
    <>
      <a href="#main" class="skip">
        {tx("app.skip")}
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          {tx("app.title")}
        </Link>
        <span class="who">
          {me.name}
          <span class="roles">{me.roles.map((r) => t(`role.${r}`)).join("・")}</span>
        </span>
        {langButton}
        <button type="button" class="btn link" onClick={signOut}>
          {tx("nav.signOut")}
        </button>
      </header>
      {restricted ? null : (
        <nav aria-label={t("nav.label")} class="menu">
          <ul>
            {menu.map((s) => (
              <li key={s.path}>
                <Link href={s.path} current={screenFor(path)?.path === s.path}>
                  {tx(s.label)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main">
        {restricted === "password" ? (
          <PasswordForm expired onDone={loadMe} />
        ) : restricted === "mfa" ? (
          <MfaForm required onDone={loadMe} />
        ) : (
          <Screen
            me={me}
            path={path}
            reloadMe={loadMe}
            signedOut={() => {
              setMe(null);
              navigate("/", true);
            }}
          />
        )}
      </main>
    </>
  );
}

function Screen({ me, path, reloadMe, signedOut }: { me: Me; path: string; reloadMe: () => void; signedOut: () => void }) {
  const screen = screenFor(path);
  if (!screen)
    return (
      <Page title={t("notFound.title")}>
        <Link href="/">{tx("nav.home")}</Link>
      </Page>
    );
  if (!may(me, screen.roles))
    return (
      <Page title={t(screen.label)}>
        <p>{tx("forbidden.screen")}</p>
      </Page>
    );
  if (path === "/") return <Home me={me} />;
  if (path === "/settings") return <Settings />;
  if (path === "/audit") return <Audit />;
  if (path === "/account") return <Account me={me} onChanged={reloadMe} />;
  if (path === "/rollcalls/new") return <Trigger me={me} />;
  if (path === "/rollcalls") return <History />;
  const facility = match("/rollcalls/:id/facilities/:facilityId", path);
  if (facility && Number(facility.id) > 0 && Number(facility.facilityId) > 0)
    return <FacilityDrill id={Number(facility.id)} facilityId={Number(facility.facilityId)} me={me} />;
  const person = match("/rollcalls/:id/people/:personId", path);
  if (person && Number(person.id) > 0 && Number(person.personId) > 0) return <PersonDrill id={Number(person.id)} personId={Number(person.personId)} />;
  const checks = match("/rollcalls/:id/patients", path);
  if (checks && Number(checks.id) > 0) return <PatientChecks key={checks.id} id={Number(checks.id)} />;
  const board = match("/rollcalls/:id", path);
  if (board && Number(board.id) > 0) return <Board id={Number(board.id)} me={me} />;
  if (path === "/directory") return <Directory me={me} />;
  if (path === "/directory/import") return <Import me={me} />;
  if (path === "/directory/people/new") return <PersonNew me={me} />;
  if (path === "/directory/facilities/new") return <FacilityNew me={me} />;
  if (path === "/directory/invite") return <Invite me={me} />;
  const dirPerson = match("/directory/people/:id", path);
  if (dirPerson && Number(dirPerson.id) > 0) return <PersonPage key={dirPerson.id} me={me} id={Number(dirPerson.id)} />;
  const dirFacility = match("/directory/facilities/:id", path);
  if (dirFacility && Number(dirFacility.id) > 0) return <FacilityPage key={dirFacility.id} me={me} id={Number(dirFacility.id)} />;
  if (path === "/templates") return <Templates me={me} />;
  if (path === "/outbox") return <Outbox me={me} />;
  if (path === "/readiness") return <Readiness me={me} />;
  if (path === "/reports") return <Reports />;
  if (path === "/patients") return <Patients me={me} />;
  if (path === "/patients/new") return <PatientNew />;
  const patient = match("/patients/:id", path);
  if (patient && Number(patient.id) > 0) return <PatientPage id={Number(patient.id)} me={me} />;
  if (path === "/me") return <MeHome me={me} />;
  if (path === "/me/profile") return <Profile onChanged={reloadMe} />;
  if (path === "/me/contacts") return <Contacts />;
  if (path === "/me/devices") return <Devices />;
  if (path === "/me/report") return <Report />;
  if (path === "/me/leave") return <Leave me={me} onGone={signedOut} />;
  if (path === "/triggers") return <Triggers />;
  return (
    <Page title={t("notFound.title")}>
      <Link href="/">{tx("nav.home")}</Link>
    </Page>
  );
}
