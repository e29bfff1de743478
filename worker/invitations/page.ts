import { html } from "hono/html";
import { noticePage, staffPage, type Html } from "../messages/page";
import { say } from "../messages/wording";
import type { InvitationRecord } from "./data";

/**
 * Shown when the browser is signed in as someone other than the invitee. Plain
 * Japanese by design (the issue asks for it) and naming no address: whoever holds the
 * link may read it.
 */
export const OTHER_SIGNED_IN =
  "この招待は、いまサインインしている方とは別の宛先に送られたものです。参加すると、招待された宛先の方のアカウントになります。サインイン中のアカウントには何も加わりません。";

/** After an existing invitee's account joined, in a browser signed in as someone else. */
export const OTHER_JOINED =
  "参加したのは、招待された宛先の方のアカウントです。いまサインインしているアカウントには何も加わっていません。ご本人のアカウントでサインインし直してください。";

/** The address of the invitation has changed hands since it was sent. */
export const MOVED_HEADING = "この招待は使えません";
export const MOVED_TEXT = "招待を送ったあとで、招待された宛先の登録が変わりました。何も変更していません。招待した方に、新しい招待を頼んでください。";

/** The join page (/join/{token}): who invites, to what, why; accept with a password, or decline. */
export function joinPage(
  inv: InvitationRecord,
  opts: { existing: boolean; minLength: number; otherSignedIn?: boolean; values?: { name?: string; kana?: string }; error?: { field: string; text: string } },
): Html {
  const l = inv.lang;
  const role = inv.facilityId !== null ? say(l, `role.${inv.role}`) : say(l, "role.member");
  const err = opts.error;
  const invalid = (f: string) => (err?.field === f ? html` aria-invalid="true" aria-describedby="err"` : "");
  const fields = opts.existing
    ? html`<p class="box">${say(l, "join.existing")}</p>`
    : html`<label for="name">${say(l, "join.name")}</label><input id="name" name="name" autocomplete="name" maxlength="100" required value="${opts.values?.name ?? inv.name}"${invalid("name")}>
<label for="kana">${say(l, "join.kana")}</label><input id="kana" name="kana" maxlength="100" value="${opts.values?.kana ?? ""}"${invalid("kana")}>
<label for="password">${say(l, "join.password")}</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="${opts.minLength}" maxlength="128" required${invalid("password")}>
<p class="note">${say(l, "join.password.rule", { min: opts.minLength })}</p>
<label for="password2">${say(l, "join.password2")}</label><input id="password2" name="password2" type="password" autocomplete="new-password" maxlength="128" required${invalid("password2")}>`;
  return staffPage(
    l,
    say(l, "join.title"),
    html`<h1>${say(l, "join.title")}</h1>
${opts.otherSignedIn ? html`<p class="box" role="note">${OTHER_SIGNED_IN}</p>` : ""}
${err ? html`<div class="err" id="err" role="alert"><strong>${say(l, "join.error.heading")}</strong><br>${err.text}</div>` : ""}
<p>${say(l, "join.invites", { inviter: inv.inviterName, place: inv.place })}</p>
<p>${say(l, "join.role", { role })}</p>
${inv.groupId !== null || inv.patientId !== null ? html`<p class="note">${say(l, "join.outside")}</p>` : ""}
${inv.message ? html`<div class="box"><strong>${say(l, "join.message")}</strong><p>${inv.message}</p></div>` : ""}
<p class="note">${say(l, "join.why")}</p>
<p class="note">${say(l, "join.expires", { at: new Date(inv.expiresAt).toLocaleString("ja-JP", { timeZone: "Asia/Tokyo" }) })}</p>
<form method="post">${fields}<button name="decision" value="accept">${say(l, "join.accept")}</button></form>
<form method="post"><button class="s" name="decision" value="decline" formnovalidate>${say(l, "join.decline")}</button></form>`,
  );
}

export function joinedPage(inv: InvitationRecord, opts: { newPerson: boolean; admin: boolean; appUrl: string; otherSignedIn?: boolean }): Html {
  const l = inv.lang;
  const extra = html`${opts.otherSignedIn ? html`<p class="box" role="note">${OTHER_JOINED}</p>` : ""}${opts.admin ? html`<p class="note">${say(l, "join.done.mfa")}</p>` : ""}<a class="b" href="${opts.appUrl}">${say(l, "join.open")}</a>`;
  return noticePage(l, say(l, "join.done.heading"), opts.newPerson ? say(l, "join.done.body") : say(l, "join.existing"), extra);
}

export const declinedPage = (inv: InvitationRecord): Html => noticePage(inv.lang, say(inv.lang, "join.declined.heading"), say(inv.lang, "join.declined.body"));

export const gonePage = (inv: InvitationRecord, reason: "expired" | "accepted" | "declined" | "revoked"): Html =>
  noticePage(inv.lang, say(inv.lang, "join.gone.heading"), say(inv.lang, `join.gone.${reason}`));

export const movedPage = (inv: InvitationRecord): Html => noticePage(inv.lang, MOVED_HEADING, MOVED_TEXT);
