import { loadSettings } from "../system/settings";
import type { Audience, Channel, PushPayload } from "../delivery/types";
import { notFound, jaEn } from "../lib/errors";
import { replyToken, replyUrl } from "../reply/token";
import { messagesFor, phrase, wording } from "../templates/files";
import { languageOf } from "../templates/languages";
import { prefill, type Vars } from "../templates/render";
import { langOf, type Lang, type MessageSet } from "../templates/schemas";
import { addressee, getRollcall, unrepliedForAdmin, type Rollcall } from "./data";

/** A message as one channel sends it. Push payloads carry no phone number or email. */
export interface RenderedMessage {
  subject?: string;
  text: string;
  html?: string;
  push?: PushPayload;
  replyUrl: string;
}

/** Where a facility admin's digest points: the roll-call in the admin UI, behind sign-in. */
export const boardUrl = (env: Pick<Env, "PUBLIC_URL">, rollcallId: number) => `${env.PUBLIC_URL.replace(/\/+$/, "")}/rollcalls/${rollcallId}`;

/** Names in a digest SMS or push are left out; the email lists up to this many. */
const DIGEST_NAMES = 100;

/** The one-tap answers a roll-call notification offers (POST /r/{token}/action takes them). */
export const PUSH_ACTIONS = ["safe_yes", "safe_no", "need_help"] as const;

/**
 * Fills one message set for one channel. Pure: the preview and the sender share it.
 * `type` picks the push actions: a roll-call offers the one-tap answers, a notice
 * or a digest opens its page on a tap.
 */
export function renderMessage(
  set: MessageSet,
  channel: Channel,
  vars: Vars,
  meta: { link: string; tag: string; lang: Lang; type?: "rollcall" | "notice" | "digest" },
): RenderedMessage {
  return compileMessage(set, channel, vars, [], meta)({}, meta.link);
}

/**
 * `renderMessage` in two steps: the message set filled with `fixed` once, then per
 * person only the placeholders named in `later` (and the link). The answer of
 * `compileMessage(set, ch, a, ks, meta)(b, link)` equals
 * `renderMessage(set, ch, { ...a, ...b }, { ...meta, link })`.
 */
export function compileMessage(
  set: MessageSet,
  channel: Channel,
  fixed: Vars,
  later: readonly string[],
  meta: { tag: string; lang: Lang; type?: "rollcall" | "notice" | "digest" },
): (vars: Vars, link: string) => RenderedMessage {
  const text = (s: string) => {
    const f = prefill(s, fixed, later);
    return (v: Vars) => f(v).replace(/\n{3,}/g, "\n\n");
  };
  switch (channel) {
    case "sms": {
      const sms = text(set.sms);
      return (v, link) => ({ text: sms(v), replyUrl: link });
    }
    case "email": {
      const subject = text(set.emailSubject);
      const plain = text(set.emailText);
      const html = prefill(set.emailHtml, fixed, later, { html: true });
      return (v, link) => ({ subject: subject(v).replace(/\s+/g, " ").trim(), text: plain(v), html: html(v), replyUrl: link });
    }
    case "push": {
      const title = text(set.pushTitle);
      const body = text(set.pushBody);
      const type = meta.type ?? "rollcall";
      const lang = languageOf(meta.lang).htmlLang;
      const actions = PUSH_ACTIONS.map((action) => ({ action, title: phrase(meta.lang, `action.${action}`) }));
      const sent = phrase(meta.lang, "push.sent");
      const failed = phrase(meta.lang, "push.failed");
      return (v, link) => {
        const t = title(v);
        const b = body(v);
        const push: PushPayload = { type, title: t, body: b, url: link, tag: meta.tag, lang };
        if (type === "rollcall") {
          push.actions = actions.map((a) => ({ ...a }));
          push.sent = sent;
          push.failed = failed;
        }
        return { text: `${t}\n${b}`, push, replyUrl: link };
      };
    }
  }
}

/** The Japanese drill marker: admins write titles in Japanese, whatever the recipient's language. */
const DRILL_JA = "【訓練】";

/**
 * Placeholder values shared by every message of a roll-call in one language. The
 * drill marker stands once, at the start ({drill} opens every template's subject
 * and first line): a title that already carries it loses its own copy.
 */
export function baseVars(rc: Pick<Rollcall, "drill" | "title" | "message">, lang: Lang, networkName: string): Vars {
  const sender = senderName(networkName, lang);
  if (!rc.drill) return { drill: "", title: rc.title, message: rc.message, sender };
  const marker = wording(lang).drill ?? DRILL_JA;
  const title = rc.title.split(marker).join("").split(DRILL_JA).join("").trim() || rc.title;
  return { drill: marker, title, message: rc.message, sender };
}

/** `{sender}`: the network's short name (the networkName setting), else the service's name in the person's language. */
export const senderName = (networkName: string, lang: Lang) => networkName.trim() || (wording(lang)["page.title"] ?? "安否確認");

/**
 * The roll-call's template snapshot rendered for one person on one channel, in
 * their language, with their reply link. For audience "facility_admins" it is
 * the digest of who in the admin's facilities has not answered, linking to the
 * roll-call in the admin UI.
 */
export async function renderFor(env: Env, rollcallId: number, personId: number, channel: Channel, wave: number, audience: Audience): Promise<RenderedMessage> {
  const rc = await getRollcall(env.DB, rollcallId);
  if (!rc) throw notFound(jaEn("安否確認", "roll-call"));
  const who = await addressee(env.DB, rollcallId, personId);
  if (!who) throw notFound(jaEn("職員", "person"));
  const lang = langOf(who.lang);
  const vars: Vars = { ...baseVars(rc, lang, (await loadSettings(env)).networkName), person: who.name, facility: who.facility ?? "" };
  const tag = `rollcall-${rollcallId}`;

  if (audience === "facility_admins") {
    const groups = await unrepliedForAdmin(env.DB, rollcallId, personId);
    const names = groups.flatMap((g) => g.names);
    const shown = groups.map(
      (g) =>
        `${g.facility}\n${g.names
          .slice(0, DIGEST_NAMES)
          .map((n) => `・${n}`)
          .join("\n")}${g.names.length > DIGEST_NAMES ? "\n…" : ""}`,
    );
    const link = boardUrl(env, rollcallId);
    Object.assign(vars, { count: names.length, names: shown.join("\n\n"), facility: groups.map((g) => g.facility).join("、") || vars.facility!, link });
    return renderMessage(messagesFor(rc.template.digest, lang), channel, vars, { link, tag: `${tag}-digest-${wave}`, lang, type: "digest" });
  }

  const link = replyUrl(env, await replyToken(env, rollcallId, rc.salt, personId));
  return renderMessage(messagesFor(rc.template.messages, lang), channel, { ...vars, link }, { link, tag, lang, type: rc.template.kind });
}

/** Who a message is addressed to, as the sender has already read it (addressee() for one person). */
export interface Addressee {
  personId: number;
  name: string;
  lang: string;
  facility: string | null;
}

/** The per-person placeholders of a roll-call message: everything else is filled once. */
const PER_PERSON = ["person", "facility", "link"] as const;

/**
 * `renderFor` for many recipients of one roll-call (audience "recipients"): each
 * (language, channel) is compiled once, and per person only the name, facility and
 * reply link are filled in. Same output as `renderFor`, without its two reads.
 */
export function recipientRenderer(env: Env, rc: Rollcall, networkName: string): (who: Addressee, channel: Channel) => Promise<RenderedMessage> {
  const compiled = new Map<string, (vars: Vars, link: string) => RenderedMessage>();
  const tag = `rollcall-${rc.id}`;
  return async (who, channel) => {
    const lang = langOf(who.lang);
    const key = `${lang}:${channel}`;
    let render = compiled.get(key);
    if (!render) {
      render = compileMessage(messagesFor(rc.template.messages, lang), channel, baseVars(rc, lang, networkName), PER_PERSON, {
        tag,
        lang,
        type: rc.template.kind,
      });
      compiled.set(key, render);
    }
    const link = replyUrl(env, await replyToken(env, rc.id, rc.salt, who.personId));
    return render({ person: who.name, facility: who.facility ?? "", link }, link);
  };
}
