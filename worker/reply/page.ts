import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Recipient, Rollcall } from "../rollcall/data";
import type { Answers } from "../rollcall/schemas";
import { label, wording, type Wording } from "../templates/files";
import { languageOf } from "../templates/languages";
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
dl{background:#fff;padding:.8rem;border-radius:8px}dt{font-weight:700}dd{margin:0 0 .5rem}.note{color:#444;font-size:.95rem}`;

function layout(lang: Lang, title: string, body: Html): Html {
  return html`<!doctype html><html lang="${languageOf(lang).htmlLang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${title}</title><style>${raw(CSS)}</style></head><body><main>${body}</main></body></html>`;
}

function heading(w: Wording, rc: Pick<Rollcall, "drill" | "title" | "message">): Html {
  return html`${rc.drill ? html`<p class="drill">${label(w, "drill")} ${label(w, "drill.note")}</p>` : ""}<h1>${rc.title}</h1>${rc.message ? html`<p>${rc.message}</p>` : ""}`;
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
  return html`<fieldset><legend>${label(w, `${name}.label`)}</legend>${options.map(
    (o) =>
      html`<label class="o"><input type="radio" name="${name}" value="${o}"${current === o ? raw(" checked") : ""}${required ? raw(" required") : ""}>${label(w, `${name}.${o}`)}</label>`,
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
}

/** The facility's part of the form: the fields of the recipient's facility type (none for staff). */
function facilityPart(w: Wording, ctx: PageContext, values: FormValues): Html | "" {
  const fields = facilityFieldsAsked(ctx.rollcall.template, ctx.recipient);
  if (!fields.length) return "";
  const max = facilityCommentMax(ctx.rollcall.template.commentMax);
  return html`<h2>${label(w, "facility.heading")}</h2>${fields.map((k) =>
    k === "comment"
      ? html`<fieldset><legend><label for="facilityComment">${label(w, "facilityComment.label", { max })}</label></legend><textarea id="facilityComment" name="facilityComment" rows="2" maxlength="${max}">${values.facilityComment ?? ""}</textarea></fieldset>`
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
    html`${heading(w, ctx.rollcall)}
${err ? html`<p class="err" role="alert">${label(w, "error.heading")}: ${label(w, `error.${err.code}`, { field: fieldLabel(w, err.field), max: err.max ?? (err.field === "facility.comment" ? facilityCommentMax(t.commentMax) : t.commentMax) })}</p>` : ""}
${opts.previous ? html`<p class="note">${label(w, "previous", { at: when(opts.previous.createdAt, lang) })}</p>` : ""}
<p>${label(w, t.kind === "notice" ? "intro.notice" : "intro")}</p>
<form method="post">
${asks.has("safety") ? radios(w, "safety", SAFETY, values.safety, true) : ""}
${asks.has("availability") ? radios(w, "availability", AVAILABILITY, values.availability, false) : ""}
${asks.has("availability") ? html`<fieldset><legend><label for="arrival">${label(w, "arrival.label")}</label></legend><input type="text" id="arrival" name="arrival" maxlength="40" value="${values.arrival ?? ""}"></fieldset>` : ""}
${asks.has("ack") ? radios(w, "ack", ["yes"], values.ack, true) : ""}
${facilityPart(w, ctx, values)}
${asks.has("comment") || t.kind === "notice" ? html`<fieldset><legend><label for="comment">${label(w, "comment.label", { max: t.commentMax })}</label></legend><textarea id="comment" name="comment" rows="3" maxlength="${t.commentMax}">${values.comment ?? ""}</textarea></fieldset>` : ""}
<button type="submit">${label(w, "button.next")}</button>
</form>`,
  );
}

function summary(w: Wording, ctx: PageContext, a: Answers, comment: string): Html {
  const asks = new Set(ctx.rollcall.template.questions);
  // The label without its hint in brackets (（任意、{max}文字まで）): the summary shows what was given.
  const row = (key: string, value: string | undefined) => (value ? html`<dt>${fieldLabel(w, key)}</dt><dd>${value}</dd>` : "");
  return html`<dl>
${asks.has("safety") ? row("safety", a.safety && label(w, `safety.${a.safety}`)) : ""}
${asks.has("availability") ? row("availability", a.availability && label(w, `availability.${a.availability}`)) : ""}
${row("arrival", a.arrival)}
${asks.has("ack") ? row("ack", a.ack && label(w, "ack.yes")) : ""}
${FACILITY_FIELDS.map((k) => (k === "comment" ? row("facilityComment", a.facility?.comment) : row(k, a.facility?.[k] && label(w, `${k}.${a.facility[k]}`))))}
${row("comment", comment ? comment : undefined)}
</dl>`;
}

/** Step two: what will be sent, with Send (confirm=1) and Change (edit=1). */
export function confirmPage(ctx: PageContext, a: Answers, comment: string): Html {
  const lang = langOf(ctx.recipient.lang);
  const w = wording(lang);
  return layout(
    lang,
    ctx.rollcall.title,
    html`${heading(w, ctx.rollcall)}<h2>${label(w, "confirm.heading")}</h2><p class="note">${label(w, "confirm.note")}</p>
${summary(w, ctx, a, comment)}
<form method="post">${hidden({ ...formFromAnswers(a, comment) })}
<button type="submit" name="confirm" value="1">${label(w, "button.send")}</button>
<button type="submit" name="edit" value="1" class="s">${label(w, "button.back")}</button>
</form>`,
  );
}

/** Step three: what was recorded. */
export function donePage(ctx: PageContext, reply: Reply): Html {
  const lang = langOf(ctx.recipient.lang);
  const w = wording(lang);
  return layout(
    lang,
    ctx.rollcall.title,
    html`${heading(w, ctx.rollcall)}<h2 role="status">${label(w, "done.heading")}</h2>
${summary(w, ctx, reply.answers, reply.comment)}<p class="note">${when(reply.createdAt, lang)} · ${label(w, "done.change")}</p>
<p><a href="">${label(w, "done.again")}</a></p>`,
  );
}

export function closedPage(ctx: PageContext, last: Reply | null): Html {
  const lang = langOf(ctx.recipient.lang);
  const w = wording(lang);
  return layout(
    lang,
    ctx.rollcall.title,
    html`${heading(w, ctx.rollcall)}<h2>${label(w, "closed.heading")}</h2><p>${label(w, "closed.body")}</p>${last ? summary(w, ctx, last.answers, last.comment) : ""}`,
  );
}

/** No person is known here, so both languages. */
export function notFoundPage(): Html {
  const ja = wording("ja");
  const en = wording("en");
  return layout(
    "ja",
    label(ja, "notfound.heading"),
    html`<h1>${label(ja, "notfound.heading")}</h1><p>${label(ja, "notfound.body")}</p><h1 lang="en">${label(en, "notfound.heading")}</h1><p lang="en">${label(en, "notfound.body")}</p>`,
  );
}

function fieldLabel(w: Wording, field: string): string {
  const key = field === "facility.comment" ? "facilityComment" : field.startsWith("facility.") ? field.slice("facility.".length) : field;
  const l = w[`${key}.label`];
  return l ? l.replace(/（.*?）|\(.*?\)/g, "").trim() : key;
}

const when = (ms: number, lang: Lang) =>
  new Intl.DateTimeFormat(languageOf(lang).locale, { timeZone: "Asia/Tokyo", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(
    new Date(ms),
  );
