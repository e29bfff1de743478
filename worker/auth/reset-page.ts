import { html } from "hono/html";
import type { PersonLang } from "../directory/schemas";
import { noticePage, staffPage, type Html } from "../messages/page";
import { say } from "../messages/wording";

/**
 * The pages of a reset link (/reset/{token}): small, server-rendered, no script, in
 * the person's language, like the join and verify pages. They name no address.
 */

/** The form: the new password twice. */
export function resetPage(lang: PersonLang, opts: { minLength: number; error?: { field: string; text: string } }): Html {
  const err = opts.error;
  const invalid = (f: string) => (err?.field === f ? html` aria-invalid="true" aria-describedby="err"` : "");
  return staffPage(
    lang,
    say(lang, "reset.title"),
    html`<h1>${say(lang, "reset.title")}</h1>
${err ? html`<div class="err" id="err" role="alert"><strong>${say(lang, "join.error.heading")}</strong><br>${err.text}</div>` : ""}
<p>${say(lang, "reset.body")}</p>
<form method="post"><label for="password">${say(lang, "reset.password")}</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="${opts.minLength}" maxlength="128" required${invalid("password")}>
<p class="note">${say(lang, "join.password.rule", { min: opts.minLength })}</p>
<label for="password2">${say(lang, "reset.password2")}</label><input id="password2" name="password2" type="password" autocomplete="new-password" maxlength="128" required${invalid("password2")}>
<button>${say(lang, "reset.button")}</button></form>`,
  );
}

/** Done: sign in with the new password (and the one-time code, where the person has the app). */
export const resetDonePage = (lang: PersonLang, opts: { totpEnabled: boolean; signInUrl: string }): Html =>
  noticePage(
    lang,
    say(lang, "reset.done.heading"),
    say(lang, "reset.done.body"),
    html`<p class="note">${say(lang, "reset.done.sessions")}</p>${opts.totpEnabled ? html`<p class="note">${say(lang, "reset.done.mfa")}</p>` : ""}<a class="b" href="${opts.signInUrl}">${say(lang, "reset.signin")}</a>`,
  );

/** Used, replaced or expired: nothing changed; ask for a new link. */
export const resetGonePage = (lang: PersonLang, reason: "expired" | "used" | "replaced"): Html =>
  noticePage(lang, say(lang, "reset.gone.heading"), `${say(lang, `reset.gone.${reason}`)} ${say(lang, "reset.gone.again")}`, resetAgainLink(lang));

/** A token nobody issued (or mistyped): in Japanese and English, the person being unknown. */
export const resetNotFoundPage = (): Html =>
  noticePage("ja", say("ja", "reset.gone.heading"), `${say("ja", "reset.notfound.body")} / ${say("en", "reset.notfound.body")}`, resetAgainLink("ja"));

const resetAgainLink = (lang: PersonLang) => html`<a class="b" href="/">${say(lang, "reset.signin")}</a>`;
