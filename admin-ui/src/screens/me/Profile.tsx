import { useCallback, useState } from "preact/hooks";
import { api } from "../../api";
import { setLang, t, tx, type Lang } from "../../i18n";
import { PhotoProblem, resizePhoto } from "../../staff/photo";
import type { MyProfile, PhotoResult } from "../../types";
import { ErrorNote, Field, Loaded, Notice, Page, Submit, useLoad } from "../../ui";
import { langGloss } from "../../labels";
// A plain list without imports: the picker shows each language in its own script.
import { LANGUAGES } from "../../../../worker/templates/languages";

/** Raw files larger than this are refused before decoding (a phone photo is 2–8 MB). */
const MAX_INPUT_MB = 20;

export function Profile({ onChanged }: { onChanged?: () => void }) {
  const result = useLoad(useCallback(() => api.get<MyProfile>("/api/me"), []));
  return (
    <Page title={t("prof.title")}>
      <Loaded result={result}>
        {(p) => (
          <>
            <PhotoCard profile={p} onChanged={() => result.reload()} />
            <ProfileForm
              profile={p}
              onSaved={() => {
                result.reload();
                onChanged?.();
              }}
            />
            {p.facilities.length ? (
              <section class="card narrow" aria-labelledby="prof-fac">
                <h2 id="prof-fac">{tx("prof.facilities")}</h2>
                <ul>
                  {p.facilities.map((f) => (
                    <li key={f.facilityId}>
                      {f.facilityName}（{t(`mr.${f.role}`)}）
                    </li>
                  ))}
                </ul>
              </section>
            ) : null}
          </>
        )}
      </Loaded>
    </Page>
  );
}

function ProfileForm({ profile, onSaved }: { profile: MyProfile; onSaved: () => void }) {
  const [name, setName] = useState(profile.name);
  const [kana, setKana] = useState(profile.kana);
  const [job, setJob] = useState(profile.job);
  const [lang, setLangCode] = useState<string>(profile.lang);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await api.patch<MyProfile>("/api/me", { name, kana, job, lang });
      // The screens follow the chosen language (on this device, over a choice in the header).
      void setLang(lang as Lang, { remember: true });
      setDone(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="card narrow" onSubmit={save} noValidate>
      <Field label={t("prof.name")} name="name" value={name} onInput={setName} error={error} autoComplete="name" required maxLength={100} />
      <Field label={t("prof.kana")} name="kana" value={kana} onInput={setKana} error={error} maxLength={100} />
      <Field label={t("prof.job")} name="job" value={job} onInput={setJob} error={error} help={t("prof.jobHelp")} maxLength={50} />
      <div class="field">
        <label for="prof-lang">{tx("prof.lang")}</label>
        <select id="prof-lang" name="lang" value={lang} onChange={(e) => setLangCode((e.currentTarget as HTMLSelectElement).value)}>
          {LANGUAGES.map((l) => (
            <option key={l.code} value={l.code} lang={l.htmlLang}>
              {l.name}
              {langGloss(l)}
            </option>
          ))}
        </select>
      </div>
      <ErrorNote error={error} fields={["name", "kana", "job"]} />
      {done ? <Notice>{tx("prof.saved")}</Notice> : null}
      <Submit busy={busy}>{tx("prof.save")}</Submit>
    </form>
  );
}

function PhotoCard({ profile, onChanged }: { profile: MyProfile; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  async function choose(e: Event) {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      if (file.size > MAX_INPUT_MB * 1024 * 1024) throw new Error(t("prof.photo.huge", { mb: MAX_INPUT_MB }));
      let small: Blob;
      try {
        small = await resizePhoto(file);
      } catch (err) {
        throw err instanceof PhotoProblem ? new Error(t(`prof.photo.${err.code}`)) : err;
      }
      await api.put<PhotoResult>("/api/me/photo", undefined, { raw: { body: small, type: "image/jpeg" } });
      setNote(t("prof.uploaded"));
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await api.del("/api/me/photo");
      setNote(t("prof.photoRemoved"));
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card narrow" aria-labelledby="prof-photo">
      <h2 id="prof-photo">{tx("prof.photo")}</h2>
      <div class="person-head">
        {profile.photoUrl ? (
          <img class="face" src={profile.photoUrl} alt={t("prof.photoAlt")} width={128} height={128} data-testid="my-photo" />
        ) : (
          <div class="face none" aria-hidden="true">
            {tx("prof.noPhoto")}
          </div>
        )}
        <div>
          <p class="help" id="prof-photo-help">
            {tx("prof.photoHelp")}
          </p>
          <label class="btn file-btn">
            {busy ? t("prof.working") : t("prof.choose")}
            <input type="file" accept="image/jpeg,image/png,image/webp" class="sr-only" onChange={choose} disabled={busy} aria-describedby="prof-photo-help" />
          </label>
          {profile.photoUrl ? (
            <button type="button" class="btn link" onClick={remove} disabled={busy}>
              {tx("prof.photoRemove")}
            </button>
          ) : null}
        </div>
      </div>
      {note ? <Notice>{note}</Notice> : null}
      <ErrorNote error={error} />
    </section>
  );
}
