import type { Channel, PushPayload } from "../delivery/types";
import { notFound } from "../lib/errors";
import { replyToken, replyUrl } from "../reply/token";
import { messagesFor, phrase, wording } from "../templates/files";
import { languageOf } from "../templates/languages";
import { fill, type Vars } from "../templates/render";
import { langOf, type Lang, type MessageSet } from "../templates/schemas";
import { addressee, getRollcall, unrepliedForAdmin, type Rollcall } from "./data";

export type Audience = "recipients" | "facility_admins";

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
  const text = (s: string) => fill(s, vars).replace(/\n{3,}/g, "\n\n");
  switch (channel) {
    case "sms":
      return { text: text(set.sms), replyUrl: meta.link };
    case "email":
      return {
        subject: text(set.emailSubject).replace(/\s+/g, " ").trim(),
        text: text(set.emailText),
        html: fill(set.emailHtml, vars, { html: true }),
        replyUrl: meta.link,
      };
    case "push": {
      const title = text(set.pushTitle);
      const body = text(set.pushBody);
      const type = meta.type ?? "rollcall";
      const push: PushPayload = { type, title, body, url: meta.link, tag: meta.tag, lang: languageOf(meta.lang).htmlLang };
      if (type === "rollcall") {
        push.actions = PUSH_ACTIONS.map((action) => ({ action, title: phrase(meta.lang, `action.${action}`) }));
        push.sent = phrase(meta.lang, "push.sent");
        push.failed = phrase(meta.lang, "push.failed");
      }
      return { text: `${title}\n${body}`, push, replyUrl: meta.link };
    }
  }
}

/** Placeholder values shared by every message of a roll-call in one language. */
export function baseVars(rc: Pick<Rollcall, "drill" | "title" | "message">, lang: Lang): Vars {
  return { drill: rc.drill ? (wording(lang).drill ?? "【訓練】") : "", title: rc.title, message: rc.message };
}

/**
 * The roll-call's template snapshot rendered for one person on one channel, in
 * their language, with their reply link. For audience "facility_admins" it is
 * the digest of who in the admin's facilities has not answered, linking to the
 * roll-call in the admin UI.
 */
export async function renderFor(env: Env, rollcallId: number, personId: number, channel: Channel, wave: number, audience: Audience): Promise<RenderedMessage> {
  const rc = await getRollcall(env.DB, rollcallId);
  if (!rc) throw notFound("roll-call");
  const who = await addressee(env.DB, rollcallId, personId);
  if (!who) throw notFound("person");
  const lang = langOf(who.lang);
  const vars: Vars = { ...baseVars(rc, lang), person: who.name, facility: who.facility ?? "" };
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
