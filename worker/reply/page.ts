import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Recipient, Rollcall } from "../rollcall/data";
import type { Answers } from "../rollcall/schemas";
import { phoneForPeople } from "../directory/contact";
import { senderName } from "../rollcall/render";
import { label, wording, type Wording } from "../templates/files";
import { languageOf } from "../templates/languages";
import { escapeHtml, rubyHtml, rubyPlain } from "../templates/ruby";
import { facilityCommentMax, facilityFieldsAsked } from "../templates/answers";
import {
  AVAILABILITY,
  FACILITY_CHOICE_FIELDS,
  FACILITY_FIELDS,
  FACILITY_OPTIONS,
  langOf,
  SAFETY,
  type FacilityChoiceField,
  type Lang,
} from "../templates/schemas";
import type { Reply } from "./data";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Small on purpose: one inline style sheet, no script, large touch targets. */
export const CSS = `body{margin:0;font:18px/1.5 system-ui,sans-serif;color:#111;background:#f6f6f4}main{max-width:34rem;margin:auto;padding:1rem}
h1{font-size:1.35rem;margin:.5rem 0}.drill{background:#ffe08a;padding:.5rem .75rem;font-weight:700;border-radius:6px}
fieldset{border:0;margin:1rem 0;padding:0}legend{font-weight:700;margin-bottom:.4rem}
label.o{display:flex;align-items:center;gap:.6rem;min-height:3rem;padding:.3rem .8rem;margin:.35rem 0;background:#fff;border:2px solid #bbb;border-radius:8px}
label.o input{width:1.4rem;height:1.4rem}input[type=text],textarea{width:100%;box-sizing:border-box;font:inherit;padding:.6rem;border:2px solid #bbb;border-radius:8px}
button{display:block;width:100%;min-height:3.2rem;margin:.6rem 0;font:inherit;font-weight:700;border:0;border-radius:8px;background:#b00020;color:#fff}
button.s{background:#fff;color:#111;border:2px solid #888}.err{background:#fde2e1;border-left:6px solid #b00020;padding:.6rem}
dl{background:#fff;padding:.8rem;border-radius:8px}dt{font-weight:700}dd{margin:0 0 .5rem}.note{color:#444;font-size:.95rem}
.from,.who{margin:.2rem 0;color:#333}a.b{display:block;box-sizing:border-box;min-height:3.2rem;margin:.6rem 0;padding:.75rem;text-align:center;font-weight:700;text-decoration:none;border-radius:8px;background:#0b5394;color:#fff}
.pc{border:2px solid #0b5394;border-radius:8px;padding:.6rem .9rem;margin:1rem 0;background:#fff}.now{background:#fff;border:3px solid #b00020;border-radius:8px;padding:.6rem .9rem;margin:1rem 0}.now ol{margin:.3rem 0;padding-left:1.3rem}.now li{margin:.45rem 0}.now a{font-weight:700;color:#b00020}
rt{font-size:.6em}`;

function layout(lang: Lang, title: string, body: Html): Html {
  return html`<!doctype html><html lang="${languageOf(lang).htmlLang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${rubyPlain(title)}</title><style>${raw(CSS)}</style></head><body><main>${body}</main></body></html>`;
}

type Vars = Record<string, string | number>;

/**
 * A wording as HTML: escaped, its furigana (やさしい日本語's `{来|く}る`) as <ruby>, the
 * placeholders filled with escaped values (names and titles as typed). A value that is
 * wording itself (a field's label) comes as HTML in `htmlVars`, its ruby kept.
 */
function lt(w: Wording, key: string, vars: Vars = {}, htmlVars: Record<string, HtmlEscapedString> = {}): HtmlEscapedString {
  const text = rubyHtml(w[key] ?? `[${key}]`).replace(/\{(\w+)\}/g, (m, k: string) =>
    k in htmlVars ? String(htmlVars[k]) : k in vars ? escapeHtml(String(vars[k])) : m,
  );
  return raw(text);
}

/**
 * Who is asking and whose answer it is, above every form: the network (the networkName
 * setting, else the service's name), the roll-call's title and text, the person and
 * their facility. The roll-calls have no deadline to show (no such field).
 */
function heading(w: Wording, ctx: PageContext, lang: Lang): Html {
  const rc = ctx.rollcall;
  const p = ctx.recipient;
  return html`<p class="from">${lt(w, "from", { sender: senderName(ctx.networkName ?? "", lang) })}</p>${rc.drill ? html`<p class="drill">${lt(w, "drill")} ${lt(w, "drill.note")}</p>` : ""}<h1>${rc.title}</h1>${rc.message ? html`<p>${rc.message}</p>` : ""}<p class="who">${p.facilityName ? lt(w, "whose", { name: p.name, facility: p.facilityName }) : lt(w, "whose.person", { name: p.name })}</p>`;
}

/**
 * The form's flat fields (what the page posts) from stored answers: the facility's
 * choices under their own names (collapse, electricity …), its comment as facilityComment.
 */
export type FormValues = {
  safety?: string;
  availability?: string;
  arrival?: string;
  ack?: string;
  comment?: string;
  facilityComment?: string;
} & Partial<Record<FacilityChoiceField, string>>;

/** The names the page posts. */
export const FORM_FIELDS = ["safety", "availability", "arrival", "ack", "comment", ...FACILITY_CHOICE_FIELDS, "facilityComment"] as const;

export function formFromAnswers(a: Answers | undefined, comment = ""): FormValues {
  const { comment: facilityComment, ...choices } = a?.facility ?? {};
  return { safety: a?.safety, availability: a?.availability, arrival: a?.arrival, ack: a?.ack, comment, ...choices, facilityComment };
}

export function answersFromForm(f: FormValues): Answers {
  const pick = (v: string | undefined) => (v ? v : undefined);
  const facility = Object.fromEntries(
    [...FACILITY_CHOICE_FIELDS.map((k) => [k, pick(f[k])] as const), ["comment", pick(f.facilityComment?.trim())] as const].filter(([, v]) => v),
  ) as Answers["facility"];
  const out: Record<string, unknown> = { safety: pick(f.safety), availability: pick(f.availability), arrival: pick(f.arrival?.trim()), ack: pick(f.ack) };
  if (facility && Object.keys(facility).length) out.facility = facility;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as Answers;
}

function radios(w: Wording, name: string, options: readonly string[], current: string | undefined, required: boolean): Html {
  return html`<fieldset><legend>${lt(w, `${name}.label`)}</legend>${options.map(
    (o) =>
      html`<label class="o"><input type="radio" name="${name}" value="${o}"${current === o ? raw(" checked") : ""}${required ? raw(" required") : ""}>${lt(w, `${name}.${o}`)}</label>`,
  )}</fieldset>`;
}

function hidden(values: FormValues): Html {
  return html`${Object.entries(values)
    .filter(([, v]) => v)
    .map(([k, v]) => html`<input type="hidden" name="${k}" value="${v as string}">`)}`;
}

export interface PageContext {
  rollcall: Rollcall;
  recipient: Recipient;
  /** The networkName setting (the page says who is asking); empty or absent: the service's name. */
  networkName?: string;
  /** The patient checks of the recipient's patient groups in this roll-call (counts only); absent or null: none. */
  patients?: { total: number; unchecked: number } | null;
}

/**
 * 患者さんの確認: a member of patient groups that this roll-call checks is asked here,
 * in the roll-call's own page, to check on them; the checks themselves are behind the
 * sign-in (the patient's name, address and phone are for members only, not for a link).
 */
function patientsPart(w: Wording, ctx: PageContext): Html | "" {
  const p = ctx.patients;
  if (!p || p.total === 0) return "";
  return html`<section class="pc"><h2>${lt(w, "patients.heading")}</h2><p>${lt(w, "patients.body", { total: p.total, unchecked: p.unchecked })}</p>
<a class="b" href="/rollcalls/${ctx.rollcall.id}/patients">${lt(w, "patients.open")}</a><p class="note">${lt(w, "patients.signin")}</p></section>`;
}

/** The facility's part of the form: the fields of the recipient's facility type (none for staff). */
function facilityPart(w: Wording, ctx: PageContext, values: FormValues): Html | "" {
  const fields = facilityFieldsAsked(ctx.rollcall.template, ctx.recipient);
  if (!fields.length) return "";
  const max = facilityCommentMax(ctx.rollcall.template.commentMax);
  return html`<h2>${lt(w, "facility.heading")}</h2>${fields.map((k) =>
    k === "comment"
      ? html`<fieldset><legend><label for="facilityComment">${lt(w, "facilityComment.label", { max })}</label></legend><textarea id="facilityComment" name="facilityComment" rows="2" maxlength="${max}">${values.facilityComment ?? ""}</textarea></fieldset>`
      : radios(w, k, FACILITY_OPTIONS[k], values[k], false),
  )}`;
}

/** The answer form, filled with `values` (the last answer, or what was posted when fixing an error). */
export function formPage(ctx: PageContext, values: FormValues, opts: { error?: { field: string; code: string; max?: number }; previous?: Reply } = {}): Html {
  const lang = langOf(ctx.recipient.lang);
  const w = wording(lang);
  const t = ctx.rollcall.template;
  const asks = new Set(t.questions);
  const err = opts.error;
  return layout(
    lang,
    ctx.rollcall.title,
    html`${heading(w, ctx, lang)}
${err ? html`<p class="err" role="alert">${lt(w, "error.heading")}: ${lt(w, `error.${err.code}`, { max: err.max ?? maxOf(ctx, err.field) }, { field: fieldLabel(w, ctx, err.field, false) })}</p>` : ""}
${opts.previous ? html`<p class="note">${lt(w, "previous", { at: when(opts.previous.createdAt, lang) })}</p>` : ""}
<p>${lt(w, t.kind === "notice" ? "intro.notice" : "intro")}</p>
<form method="post">
${asks.has("safety") ? radios(w, "safety", SAFETY, values.safety, true) : ""}
${asks.has("availability") ? radios(w, "availability", AVAILABILITY, values.availability, false) : ""}
${asks.has("availability") ? html`<fieldset><legend><label for="arrival">${lt(w, "arrival.label")}</label></legend><input type="text" id="arrival" name="arrival" maxlength="40" value="${values.arrival ?? ""}"></fieldset>` : ""}
${asks.has("ack") ? radios(w, "ack", ["yes"], values.ack, true) : ""}
${facilityPart(w, ctx, values)}
${asks.has("comment") || t.kind === "notice" ? html`<fieldset><legend><label for="comment">${lt(w, "comment.label", { max: t.commentMax })}</label></legend><textarea id="comment" name="comment" rows="3" maxlength="${t.commentMax}">${values.comment ?? ""}</textarea></fieldset>` : ""}
<button type="submit">${lt(w, "button.next")}</button>
</form>${patientsPart(w, ctx)}`,
  );
}

function summary(w: Wording, ctx: PageContext, a: Answers, comment: string): Html {
  const asks = new Set(ctx.rollcall.template.questions);
  const row = (key: string, value: Html | string | undefined) => (value ? html`<dt>${fieldLabel(w, ctx, key)}</dt><dd>${value}</dd>` : "");
  return html`<dl>
${asks.has("safety") ? row("safety", a.safety && lt(w, `safety.${a.safety}`)) : ""}
${asks.has("availability") ? row("availability", a.availability && lt(w, `availability.${a.availability}`)) : ""}
${row("arrival", a.arrival)}
${asks.has("ack") ? row("ack", a.ack && lt(w, "ack.yes")) : ""}
${FACILITY_FIELDS.map((k) => (k === "comment" ? row("facilityComment", a.facility?.comment) : row(k, a.facility?.[k] && lt(w, `${k}.${a.facility[k]}`))))}
${row("comment", comment ? comment : undefined)}
</dl>`;
}

/**
 * What to do now, after answering 重傷・要救助: call 119, tell the facility (its phone
 * from the directory as a tel: link when it has one), stay where it is safe.
 */
function severeNow(w: Wording, ctx: PageContext, a: Answers): Html | "" {
  if (a.safety !== "severe") return "";
  const p = ctx.recipient;
  const tell = p.facilityPhone
    ? html`<a href="tel:${p.facilityPhone}">${lt(w, "severe.tellPhone", { facility: p.facilityName ?? "", phone: phoneForPeople(p.facilityPhone) })}</a>`
    : p.facilityName
      ? lt(w, "severe.tell", { facility: p.facilityName })
      : lt(w, "severe.tellAny");
  return html`<section class="now"><h2>${lt(w, "severe.heading")}</h2><ol>
<li><a href="tel:119">${lt(w, "severe.call")}</a></li>
<li>${tell}</li>
<li>${lt(w, "severe.stay")}</li>
</ol></section>`;
}

/** Step two: what will be sent, with Send (confirm=1) and Change (edit=1). */
export function confirmPage(ctx: PageContext, a: Answers, comment: string): Html {
  const lang = langOf(ctx.recipient.lang);
  const w = wording(lang);
  return layout(
    lang,
    ctx.rollcall.title,
    html`${heading(w, ctx, lang)}<h2>${lt(w, "confirm.heading")}</h2><p class="note">${lt(w, "confirm.note")}</p>
${summary(w, ctx, a, comment)}
<form method="post">${hidden({ ...formFromAnswers(a, comment) })}
<button type="submit" name="confirm" value="1">${lt(w, "button.send")}</button>
<button type="submit" name="edit" value="1" class="s">${lt(w, "button.back")}</button>
</form>`,
  );
}

/** Opens the form filled with the last answer (GET ?change=1). */
const CHANGE_HREF = "?change=1";

/** Step three: what was recorded, what to do now after 重傷・要救助, and how to change it. */
export function donePage(ctx: PageContext, reply: Reply): Html {
  const lang = langOf(ctx.recipient.lang);
  const w = wording(lang);
  return layout(
    lang,
    ctx.rollcall.title,
    html`${heading(w, ctx, lang)}<h2 role="status">${lt(w, "done.heading")}</h2>${severeNow(w, ctx, reply.answers)}
${summary(w, ctx, reply.answers, reply.comment)}<p class="note">${when(reply.createdAt, lang)} · ${lt(w, "done.change")}</p>
<p><a href="${CHANGE_HREF}">${lt(w, "done.again")}</a></p>`,
  );
}

/**
 * A link opened again after answering: 回答済み, the answer first with when it was
 * given, then 変更する (the form, filled) rather than the form straight away.
 */
export function answeredPage(ctx: PageContext, last: Reply): Html {
  const lang = langOf(ctx.recipient.lang);
  const w = wording(lang);
  return layout(
    lang,
    ctx.rollcall.title,
    html`${heading(w, ctx, lang)}<h2 role="status">${lt(w, "answered.heading")}</h2>
${summary(w, ctx, last.answers, last.comment)}<p class="note">${lt(w, "answered.at", { at: when(last.createdAt, lang) })} ${lt(w, "done.change")}</p>
${severeNow(w, ctx, last.answers)}<a class="b" href="${CHANGE_HREF}">${lt(w, "button.change")}</a>${patientsPart(w, ctx)}`,
  );
}

export function closedPage(ctx: PageContext, last: Reply | null): Html {
  const lang = langOf(ctx.recipient.lang);
  const w = wording(lang);
  return layout(
    lang,
    ctx.rollcall.title,
    html`${heading(w, ctx, lang)}<h2>${lt(w, "closed.heading")}</h2><p>${lt(w, "closed.body")}</p>${last ? summary(w, ctx, last.answers, last.comment) : ""}`,
  );
}

/** No person is known here, so both languages. */
export function notFoundPage(): Html {
  const ja = wording("ja");
  const en = wording("en");
  return layout(
    "ja",
    label(ja, "notfound.heading"),
    html`<h1>${lt(ja, "notfound.heading")}</h1><p>${lt(ja, "notfound.body")}</p><h1 lang="en">${lt(en, "notfound.heading")}</h1><p lang="en">${lt(en, "notfound.body")}</p>`,
  );
}

/** The most characters a field takes (what the label's `{max}` says). */
function maxOf(ctx: PageContext, field: string): number {
  const t = ctx.rollcall.template;
  return field === "facility.comment" || field === "facilityComment" ? facilityCommentMax(t.commentMax) : t.commentMax;
}

/**
 * A field's label for the summary: an example in brackets (（例: 30分後…）) is dropped, the
 * comment's limit is kept with its number (ひとこと（任意、200文字まで）); an error names the
 * field without either. A placeholder is always filled, never shown raw.
 */
function fieldLabel(w: Wording, ctx: PageContext, field: string, keepLimit = true): HtmlEscapedString {
  const key = field === "facility.comment" ? "facilityComment" : field.startsWith("facility.") ? field.slice("facility.".length) : field;
  const l = w[`${key}.label`];
  if (!l) return raw(rubyHtml(key));
  const short = l.replace(/（[^（）]*）|\([^()]*\)/g, (hint) => (keepLimit && hint.includes("{max}") ? hint : "")).trim() || l;
  return raw(rubyHtml(short).replace(/\{max\}/g, String(maxOf(ctx, key))));
}

/** One formatter per language (making one costs more than the rest of a page). */
const formats = new Map<Lang, Intl.DateTimeFormat>();
function when(ms: number, lang: Lang): string {
  let f = formats.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(languageOf(lang).locale, { timeZone: "Asia/Tokyo", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
    formats.set(lang, f);
  }
  return f.format(new Date(ms));
}
