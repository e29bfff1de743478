import { auditStatement } from "../audit/log";
import { checkMobile } from "../directory/contact";
import { clock } from "../lib/clock";
import { randomToken, sha256Hex, timingSafeEqual } from "../lib/crypto";
import { ApiError, conflict, notFound, jaEn, type Bilingual } from "../lib/errors";
import { alertNetworkAdmins, sendDirect } from "../messages/send";
import { langOfPerson, say } from "../messages/wording";
import { loadSettings, type Settings } from "../system/settings";
import * as data from "./data";
import { CODE_TTL_MS, LINK_TTL_MS, MAX_ATTEMPTS, MAX_REQUESTS_PER_HOUR } from "./schemas";

/** Contact verification: who may be sent a code or link, sending it, and using it. */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 32 random bytes, 43 base64url characters. */
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

type Lang = ReturnType<typeof langOfPerson>;

// ---------------------------------------------------------------- the decision

export type SendRefusal = { reason: "country"; message: Bilingual } | { reason: "contact_hourly" | "account_daily" | "number_daily" | "network_ceiling" };

export type SendDecision = { ok: true } | ({ ok: false } & SendRefusal);

/** The hash a destination number is counted under (the number itself is not stored). */
export const numberHash = (e164: string) => sha256Hex(`verification-sms:${e164}`);

/**
 * May this person be sent a verification to this contact now? The one place that
 * decides it. Every request: at most MAX_REQUESTS_PER_HOUR per contact. An SMS code
 * besides: the number must be of an allowed country (the setting may have narrowed
 * since the number was added), at most `verificationCodesPerAccountPerDay` for the
 * person, `verificationCodesPerNumberPerDay` for the number whoever holds it, and
 * `verificationSmsDailyCeiling` for the whole network, over the last 24 hours.
 *
 * An allowed SMS is counted here, in the statement that checks the limits (so racing
 * requests cannot overrun them); the caller then sends it. Reaching the network ceiling
 * alerts the network admins, once a day.
 */
export async function mayBeSentVerification(
  env: Env,
  personId: number,
  contact: data.ContactRow,
  settings: Settings,
  now = clock.now(),
): Promise<SendDecision> {
  const db = env.DB;
  if (contact.kind === "email") {
    const n = await data.requestsSince(db, contact.id, now - HOUR);
    return n < MAX_REQUESTS_PER_HOUR ? { ok: true } : { ok: false, reason: "contact_hourly" };
  }
  const country = checkMobile(contact.value, { extraCountryCodes: settings.mobileExtraCountryCodes });
  if (!country.ok) return { ok: false, reason: "country", message: country.message };
  const w: data.SmsWindow = { personId, numberHash: await numberHash(contact.value), contactId: contact.id, now, hourAgo: now - HOUR, dayAgo: now - DAY };
  const ceiling = settings.verificationSmsDailyCeiling;
  const reserved = await data.reserveSms(db, w, {
    perContactPerHour: MAX_REQUESTS_PER_HOUR,
    perAccountPerDay: settings.verificationCodesPerAccountPerDay,
    perNumberPerDay: settings.verificationCodesPerNumberPerDay,
    networkPerDay: ceiling,
  });
  if (reserved !== null) {
    if ((await data.networkSmsSince(db, w.dayAgo)) >= ceiling) await alertCeilingOnce(env, ceiling, now);
    return { ok: true };
  }
  const n = await data.smsCounts(db, w);
  if (n.networkDay >= ceiling) await alertCeilingOnce(env, ceiling, now);
  if (n.contactHour >= MAX_REQUESTS_PER_HOUR) return { ok: false, reason: "contact_hourly" };
  if (n.accountDay >= settings.verificationCodesPerAccountPerDay) return { ok: false, reason: "account_daily" };
  if (n.numberDay >= settings.verificationCodesPerNumberPerDay) return { ok: false, reason: "number_daily" };
  // The ceiling, or a race lost to another request that took the last slot.
  return { ok: false, reason: "network_ceiling" };
}

/** The answer for a refusal: 429 naming the contact (`id`), in plain Japanese. */
export function refusalError(r: SendRefusal, s: Settings): ApiError {
  switch (r.reason) {
    case "country":
      return new ApiError("country_not_allowed", r.message, "id");
    case "contact_hourly":
      return new ApiError(
        "too_many_requests",
        jaEn(
          "この連絡先への確認の送信が多すぎます。1時間ほどおいてからもう一度お試しください。",
          "Too many checks sent to this contact. Wait about an hour and try again.",
        ),
        "id",
      );
    case "account_daily":
      return new ApiError(
        "account_daily_limit",
        jaEn(
          `確認コードのSMSは1日${s.verificationCodesPerAccountPerDay}回までです。明日もう一度お試しください。`,
          `At most ${s.verificationCodesPerAccountPerDay} code SMS a day. Try again tomorrow.`,
        ),
        "id",
      );
    case "number_daily":
      return new ApiError(
        "number_daily_limit",
        jaEn(
          `この番号への確認コードのSMSは1日${s.verificationCodesPerNumberPerDay}回までです。明日もう一度お試しください。`,
          `At most ${s.verificationCodesPerNumberPerDay} code SMS a day to this number. Try again tomorrow.`,
        ),
        "id",
      );
    case "network_ceiling":
      return new ApiError(
        "network_daily_ceiling",
        jaEn(
          "本日は確認コードのSMSを送れる上限に達しました。明日もう一度お試しください。メールアドレスは今日も確認できます。",
          "Today's limit of code SMS is reached. Try again tomorrow; email addresses can still be checked today.",
        ),
        "id",
      );
  }
}

/** The calendar day in Japan (UTC+9, no daylight saving), e.g. "2026-04-01". */
const japanDay = (at: number) => new Date(at + 9 * HOUR).toISOString().slice(0, 10);

/**
 * Tells every network admin (SMS and email, as for trigger alerts) that the network's
 * verification SMS reached the daily ceiling: someone may be pumping SMS. Once a day:
 * the first caller to claim the day's row sends; the audit entry goes in one batch with
 * the record of how many alerts went out.
 */
async function alertCeilingOnce(env: Env, ceiling: number, now: number): Promise<void> {
  const day = japanDay(now);
  if (!(await data.claimCeilingAlert(env.DB, day, now))) return;
  const link = `${env.PUBLIC_URL.replace(/\/+$/, "")}/audit`;
  const subject = "【要確認】確認コードのSMSが1日の上限に達しました";
  const sms = `【要確認】連絡先の確認コードのSMSが1日の上限（${ceiling}通）に達したため、送信を止めています。不正な利用のおそれがあります。監査ログを確認してください。\n${link}`;
  const text = `${sms}\n\nVerification SMS reached the network's daily ceiling (${ceiling}); no more are sent today. Someone may be pumping SMS: check the audit log. The ceiling is the setting verificationSmsDailyCeiling.`;
  const accepted = await alertNetworkAdmins(env, { kind: "admin_alert", subject, sms, email: text, link });
  await env.DB.batch([
    data.recordCeilingAlert(env.DB, day, accepted),
    auditStatement(env.DB, {
      actorId: null,
      action: "verification.sms_ceiling_reached",
      objectType: "network",
      detail: { day, ceiling, alertsAccepted: accepted },
    }),
  ]);
}

// ---------------------------------------------------------------- sending

/** A uniform 6-digit code (rejection sampling: no modulo bias). */
function sixDigits(): string {
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0]! < 4_294_000_000) return String(buf[0]! % 1_000_000).padStart(6, "0");
  }
}

const hex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((h) => parseInt(h, 16)));
const codeHash = (salt: string, code: string) => sha256Hex(`${salt}:${code}`);

/** One of the person's own live contacts, or 404 (someone else's is not found either). */
export async function ownContact(db: D1Database, personId: number, id: number): Promise<data.ContactRow> {
  const contact = await data.activeContact(db, id);
  if (!contact || contact.personId !== personId) throw notFound(jaEn("連絡先", "contact"));
  return contact;
}

export interface Started {
  method: "code" | "link";
  expiresAt: number;
  sandbox: boolean;
}

/** Sends a code (mobile) or a link (email) to one's own unverified contact, when `mayBeSentVerification` allows it. */
export async function startVerification(env: Env, personId: number, contactId: number): Promise<Started> {
  const db = env.DB;
  const contact = await ownContact(db, personId, contactId);
  if (contact.verifiedAt !== null) throw conflict("id", jaEn("この連絡先は確認済みです。", "This contact is verified already."));
  const settings = await loadSettings(env);
  const now = clock.now();
  const decision = await mayBeSentVerification(env, personId, contact, settings, now);
  if (!decision.ok) throw refusalError(decision, settings);

  const lang = langOfPerson(await data.personLang(db, personId));
  const salt = randomToken(16);
  const mobile = contact.kind === "mobile";
  const secret = mobile ? sixDigits() : randomToken(32);
  const expiresAt = now + (mobile ? CODE_TTL_MS : LINK_TTL_MS);
  await db.batch([
    ...data.startStatements(db, {
      contactId: contact.id,
      personId,
      method: mobile ? "code" : "link",
      secretHash: mobile ? await codeHash(salt, secret) : await sha256Hex(secret),
      salt: mobile ? salt : "",
      createdAt: now,
      expiresAt,
    }),
    data.forgetOldSms(db, now - 2 * DAY),
    auditStatement(db, { actorId: personId, action: "contact.verification_sent", objectType: "contact", objectId: contact.id, detail: { kind: contact.kind } }),
  ]);
  const link = mobile ? "" : `${env.PUBLIC_URL.replace(/\/+$/, "")}/verify/${secret}`;
  const sent = await sendDirect(env, {
    kind: mobile ? "contact_code" : "contact_link",
    channel: mobile ? "sms" : "email",
    to: contact.value,
    personId,
    senderId: null,
    facilityId: null,
    subject: mobile ? undefined : say(lang, "link.subject"),
    text: mobile ? say(lang, "code.sms", { code: secret }) : say(lang, "link.email", { link }),
    link,
  });
  if (!sent.ok)
    throw new ApiError(
      "send_failed",
      jaEn(
        `${mobile ? "SMS" : "メール"}を送れませんでした（${sent.error}）。${mobile ? "番号" : "アドレス"}を確かめて、もう一度お試しください。`,
        `The ${mobile ? "SMS" : "email"} could not be sent (${sent.error}). Check the ${contact.kind} and try again.`,
      ),
      "id",
    );
  return { method: mobile ? "code" : "link", expiresAt, sandbox: sent.sandbox };
}

// ---------------------------------------------------------------- using a code or a link

/** Checks the SMS code of one's own mobile; 5 wrong tries kill it. Returns when it was verified. */
export async function confirmCode(env: Env, personId: number, contactId: number, code: string): Promise<number> {
  const db = env.DB;
  const contact = await ownContact(db, personId, contactId);
  if (contact.kind !== "mobile")
    throw new ApiError("invalid", jaEn("メールアドレスはメールのリンクで確認します。", "Email addresses are verified by the link in the email."), "id");
  const now = clock.now();
  const v = await data.latestCode(db, contact.id);
  if (!v || v.usedAt !== null)
    throw new ApiError(
      "no_code",
      jaEn("この番号の確認コードはありません。新しいコードを送ってください。", "There is no open code for this number: ask for a new one."),
      "code",
    );
  if (v.deadAt !== null)
    throw new ApiError(
      "code_spent",
      v.attempts >= MAX_ATTEMPTS
        ? jaEn(
            "まちがいが多すぎたため、このコードは使えなくなりました。新しいコードを送ってください。",
            "Too many wrong codes: this code no longer works. Ask for a new one.",
          )
        : jaEn("新しいコードを送りました。そちらを入れてください。", "A newer code was sent: use that one."),
      "code",
    );
  if (v.expiresAt <= now)
    throw new ApiError(
      "code_expired",
      jaEn("確認コードの期限（10分）が切れました。新しいコードを送ってください。", "This code has expired (10 minutes). Ask for a new one."),
      "code",
    );
  const given = await codeHash(v.salt, code);
  if (!timingSafeEqual(hex(given), hex(v.secretHash))) {
    const attempts = await data.countWrong(db, v.id, MAX_ATTEMPTS, now);
    if (attempts === null)
      throw new ApiError(
        "code_spent",
        jaEn("この確認コードはもう使えません。新しいコードを送ってください。", "This code no longer works. Ask for a new one."),
        "code",
      );
    const left = MAX_ATTEMPTS - attempts;
    if (left <= 0)
      throw new ApiError(
        "code_dead",
        jaEn(
          "5回まちがえたため、このコードは使えなくなりました。新しいコードを送ってください。",
          "Wrong code, 5 times: this code no longer works. Ask for a new one.",
        ),
        "code",
      );
    throw new ApiError(
      "wrong_code",
      jaEn(`確認コードが違います。あと${left}回入力できます。`, `Wrong code. ${left} ${left === 1 ? "try" : "tries"} left.`),
      "code",
    );
  }
  const [used] = await db.batch([
    ...data.useStatements(db, v, now),
    auditStatement(db, {
      actorId: personId,
      action: "contact.verified",
      objectType: "contact",
      objectId: contact.id,
      detail: { kind: "mobile", method: "code" },
    }),
  ]);
  if (used!.meta.changes !== 1)
    throw new ApiError(
      "code_spent",
      jaEn("この確認コードはもう使えません。新しいコードを送ってください。", "This code no longer works. Ask for a new one."),
      "code",
    );
  return now;
}

export type LinkState = { kind: "notfound" } | { kind: "gone"; lang: Lang } | { kind: "open"; v: data.VerificationRow; lang: Lang };

/** What an email link stands for now: unknown, no longer usable, or open. */
export async function linkState(db: D1Database, token: string): Promise<LinkState> {
  if (!LINK_TOKEN.test(token)) return { kind: "notfound" };
  const v = await data.linkByHash(db, await sha256Hex(token));
  if (!v) return { kind: "notfound" };
  const lang = langOfPerson(await data.personLang(db, v.personId));
  const contact = await data.activeContact(db, v.contactId);
  if (v.usedAt !== null || v.deadAt !== null || v.expiresAt <= clock.now() || !contact) return { kind: "gone", lang };
  return { kind: "open", v, lang };
}

/** Uses an open link: the email is verified. False when it was used or replaced meanwhile. */
export async function useLink(db: D1Database, v: data.VerificationRow): Promise<boolean> {
  const [used] = await db.batch([
    ...data.useStatements(db, v, clock.now()),
    auditStatement(db, {
      actorId: v.personId,
      action: "contact.verified",
      objectType: "contact",
      objectId: v.contactId,
      detail: { kind: "email", method: "link" },
    }),
  ]);
  return used!.meta.changes === 1;
}
