import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { PersonLang } from "../directory/schemas";
import { htmlLang, say } from "./wording";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** One inline style sheet, no script, large touch targets: the join and verify pages work on any phone. */
export const CSS = `body{margin:0;font:18px/1.5 system-ui,sans-serif;color:#111;background:#f6f6f4}main{max-width:34rem;margin:auto;padding:1rem}
h1{font-size:1.35rem;margin:.5rem 0}.box{background:#fff;padding:.8rem;border-radius:8px;margin:.8rem 0}
label{display:block;font-weight:700;margin:.8rem 0 .2rem}input{width:100%;box-sizing:border-box;font:inherit;padding:.6rem;border:2px solid #bbb;border-radius:8px}
button,a.b{display:block;box-sizing:border-box;width:100%;min-height:3.2rem;margin:.6rem 0;padding:.7rem;font:inherit;font-weight:700;text-align:center;text-decoration:none;border:0;border-radius:8px;background:#0b5394;color:#fff}
button.s{background:#fff;color:#111;border:2px solid #888}.err{background:#fde2e1;border-left:6px solid #b00020;padding:.6rem}.note{color:#444;font-size:.95rem}`;

/** A small server-rendered page in the person's language. */
export function staffPage(lang: PersonLang, title: string, body: Html): Html {
  return html`<!doctype html><html lang="${htmlLang(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${title} - ${say(lang, "page.brand")}</title><style>${raw(CSS)}</style></head><body><main>${body}</main></body></html>`;
}

/** A page that only says something (done, gone, not found). */
export function noticePage(lang: PersonLang, heading: string, text: string, extra: Html | string = ""): Html {
  return staffPage(lang, heading, html`<h1>${heading}</h1><p>${text}</p>${extra}`);
}

/** A join or verify link nobody issued (or mistyped): in Japanese with the English beside it, since whose link it is is unknown. */
export const unknownLinkPage = (): Html =>
  noticePage("ja", say("ja", "join.notfound.heading"), `${say("ja", "join.notfound.body")} / ${say("en", "join.notfound.body")}`);

/** The headers of a page opened from a link (join, verify, reset, not found): never cached, never indexed. */
export function noStore(c: { header(name: string, value: string): void }): void {
  c.header("cache-control", "no-store");
  c.header("x-robots-tag", "noindex");
}
