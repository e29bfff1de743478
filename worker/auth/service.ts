import { auditStatement, type AuditEntry } from "../audit/log";
import * as dir from "../directory/data";
import { canEditPerson, reachOf } from "../directory/scope";
import { clock } from "../lib/clock";
import { randomToken, sha256Hex } from "../lib/crypto";
import { ApiError, badRequest, conflict, forbidden, notFound, jaEn, type Bilingual } from "../lib/errors";
import { errorText } from "../lib/redact";
import { sendDirect } from "../messages/send";
import { langOfPerson, say } from "../messages/wording";
import { loadSettings, type Settings } from "../system/settings";
import type { PersonLang } from "../directory/schemas";
import * as data from "./data";
import { hashPassword, passwordProblem, verifyPassword } from "./password";
import { countStatements, overLimit } from "./ratelimit";
import { holdsAdminRole, type Auth } from "./scope";
import { claimNotice, failureStatements, pacing, signInGate, successStatement, throttleKeys } from "./throttle";
import { matchTotp, newTotpSecret, totpUri } from "./totp";

/**
 * The auth domain's governed operations. Routes validate input, call these and
 * present the result; the rules live here.
 */

// ---------------------------------------------------------------- ending sessions

/**
 * Who may end another person's sessions (§7 remote wipe): whoever may edit that
 * person (§2: delegates act under the admin who appointed them), by the directory's
 * one rule `canEditPerson`. 404 when the person is out of the caller's sight (or
 * deregistered), 403 when seen but not theirs.
 */
export async function authorizeEndSessions(db: D1Database, auth: Auth, personId: number): Promise<void> {
  const person = await dir.findPerson(db, personId);
  if (!person || person.removedAt) throw notFound(jaEn("職員", "person"));
  const memberships = (await dir.membershipsOf(db, [personId])).get(personId) ?? [];
  if (canEditPerson(auth, person, memberships)) return;
  if (!(await dir.withinReach(db, await reachOf(db, auth), personId))) throw notFound(jaEn("職員", "person"));
  throw forbidden(jaEn("この人のサインインを終了する権限がありません。", "You may not end this person's sessions."));
}

export interface EndSessions {
  /** The session that stays (the caller's own), or null to end every one. */
  keep: string | null;
  /** Also revoke push subscriptions and passkeys (a lost phone). */
  devices: boolean;
}

/**
 * The statements that end a person's sessions, for the caller's db.batch beside its
 * own change and audit entry: the remote wipe, "sign out my other devices", the
 * password change and (when it exists) the password reset all end sessions here.
 * Results in order: sessions, then with `devices` push subscriptions and passkeys.
 */
export function endSessionsStatements(db: D1Database, personId: number, at: number, o: EndSessions): D1PreparedStatement[] {
  const sessions = o.keep ? data.revokeOtherSessions(db, personId, o.keep, at) : data.revokeAllSessions(db, personId, at);
  return o.devices ? [sessions, data.revokeAllPushSubscriptions(db, personId, at), data.revokeAllPasskeys(db, personId, at)] : [sessions];
}

/** POST /api/people/{id}/end-sessions: every session, push subscription and passkey of the person. */
export async function endPersonSessions(db: D1Database, auth: Auth, personId: number) {
  await authorizeEndSessions(db, auth, personId);
  const at = clock.now();
  const [sessions, subs, passkeys] = await db.batch([
    ...endSessionsStatements(db, personId, at, { keep: null, devices: true }),
    auditStatement(db, { actorId: auth.personId, action: "auth.sessions_ended", objectType: "person", objectId: personId }),
  ]);
  return { sessions: sessions!.meta.changes, pushSubscriptions: subs!.meta.changes, passkeys: passkeys!.meta.changes };
}

/** DELETE /api/me/sessions: every session of the caller but the current one. Anyone may, for themselves (§5). */
export async function endMyOtherSessions(db: D1Database, auth: Auth): Promise<{ sessions: number }> {
  const at = clock.now();
  const [ended] = await db.batch([
    ...endSessionsStatements(db, auth.personId, at, { keep: auth.sessionHash, devices: false }),
    auditStatement(db, { actorId: auth.personId, action: "auth.other_sessions_ended", objectType: "person", objectId: auth.personId }),
  ]);
  const sessions = ended!.meta.changes;
  return { sessions };
}

// ---------------------------------------------------------------- passwords

/**
 * Writes a new password and ends the person's sessions but `keep`, with the audit
 * entry, in one db.batch. The password change keeps the caller's session; a
 * password reset (a person with no session) passes `keep: null`, and `first` the
 * statement that uses its link (which fails the batch when the link is spent).
 */
export async function replacePassword(
  db: D1Database,
  p: { personId: number; next: string; keep: string | null; audit: AuditEntry; first?: (at: number) => D1PreparedStatement[] },
): Promise<{ sessionsEnded: number }> {
  const hash = await hashPassword(p.next);
  const at = clock.now();
  const first = p.first?.(at) ?? [];
  const results = await db.batch([
    ...first,
    data.setPassword(db, p.personId, hash, at),
    ...endSessionsStatements(db, p.personId, at, { keep: p.keep, devices: false }),
    auditStatement(db, p.audit),
  ]);
  return { sessionsEnded: results[first.length + 1]!.meta.changes };
}

/** POST /api/me/password: checks the current password and the rules, then replaces it; other sessions end. */
export async function changeOwnPassword(env: Env, auth: Auth, current: string, next: string): Promise<{ sessionsEnded: number }> {
  const db = env.DB;
  const account = await data.findAccount(db, auth.personId);
  if (!account || !(await verifyPassword(current, account.passwordHash)))
    throw new ApiError("invalid", jaEn("今のパスワードが違います。", "The current password is wrong."), "current");
  if (current === next) throw badRequest("next", jaEn("今のパスワードとは違うものにしてください。", "Choose a password other than the current one."));
  const problem = passwordProblem(next, await loadSettings(env), [account.name]);
  if (problem) throw badRequest("next", problem, "weak_password");
  return replacePassword(db, {
    personId: auth.personId,
    next,
    keep: auth.sessionHash,
    audit: { actorId: auth.personId, action: "auth.password_changed", objectType: "person", objectId: auth.personId },
  });
}

// ---------------------------------------------------------------- password sign-in

const INVALID = () => new ApiError("invalid_credentials", jaEn("メールアドレスかパスワードが違います。", "Email or password is wrong."));

/** A 429 for a locked (account, address) or address key; `retryAfter` in seconds. */
export class SignInLocked extends ApiError {
  constructor(readonly retryAfter: number) {
    super(
      "too_many_attempts",
      jaEn("サインインの失敗が続いたため、しばらく待ってからもう一度お試しください。", "Too many failed sign-ins. Wait a while and try again."),
    );
  }
}

interface Waiter {
  waitUntil(p: Promise<unknown>): void;
}

/**
 * Checks an email, password (and one-time code where set up) under the throttles of
 * `throttle.ts`, and answers the account; the caller starts the session. Never
 * locks the account as a whole; tells the person by email of repeated failures.
 */
export async function checkPasswordSignIn(
  env: Env,
  waiter: Waiter | null,
  input: { email: string; password: string; code?: string; address: string },
): Promise<data.AccountRow> {
  const db = env.DB;
  const settings = await loadSettings(env);
  const keys = await throttleKeys(input.email, input.address);
  const gate = await signInGate(db, keys, settings, clock.now());
  if (gate.locked) {
    await db.batch([auditStatement(db, { actorId: null, action: "auth.sign_in_throttled", detail: {} })]);
    throw new SignInLocked(Math.max(1, Math.ceil((gate.until - clock.now()) / 1000)));
  }
  if (gate.waitMs > 0) await pacing.wait(gate.waitMs);
  const account = await data.findAccountByEmail(db, input.email);
  // verifyPassword hashes even without an account, so both paths take the same time.
  const ok = await verifyPassword(input.password, account?.passwordHash ?? null);
  if (!account || !ok) {
    await failed(env, waiter, keys, settings, account, input.email, {
      actorId: account?.id ?? null,
      action: "auth.sign_in_failed",
      detail: { reason: "password" },
    });
    throw INVALID();
  }
  if (account.totpEnabled && account.totpSecret) {
    if (!input.code) throw new ApiError("code_required", jaEn("認証アプリの6桁のコードを入れてください。", "Enter the one-time code from your app."), "code");
    const step = matchTotp(account.totpSecret, input.code, clock.now());
    const used = step === null ? null : await data.useTotpStep(db, account.id, step).run();
    if (used?.meta.changes !== 1) {
      await failed(env, waiter, keys, settings, account, input.email, { actorId: account.id, action: "auth.sign_in_failed", detail: { reason: "code" } });
      throw new ApiError("invalid_code", jaEn("コードが違うか、すでに使われています。", "The one-time code is wrong or already used."), "code");
    }
  }
  await successStatement(db, keys).run();
  return account;
}

/** Counts a failure (with its audit entry, one batch) and tells the person once per window after enough of them. */
async function failed(
  env: Env,
  waiter: Waiter | null,
  keys: Awaited<ReturnType<typeof throttleKeys>>,
  s: Settings,
  account: data.AccountRow | null,
  email: string,
  entry: AuditEntry,
) {
  const db = env.DB;
  const now = clock.now();
  const results = await db.batch([...failureStatements(db, keys, s, now), auditStatement(db, entry)]);
  const row = (results[2]?.results?.[0] ?? null) as { failures: number } | null;
  if (!account || !row || row.failures < s.loginNotifyAfterAccountFailures) return;
  if (!(await claimNotice(db, keys, s, now))) return;
  // After the answer: the failing caller must not learn by the time taken whether the account exists.
  const sending = notifyRepeatedFailures(env, account, email, row.failures).catch(() => undefined);
  if (waiter) waiter.waitUntil(sending);
  else await sending;
}

/**
 * Tells the person by email that sign-ins with a wrong password keep failing on
 * their account. The email the failures used is theirs (the account was found by
 * it). No address, time of day or password: only the count and what to do.
 */
export async function notifyRepeatedFailures(env: Env, account: data.AccountRow, email: string, failures: number) {
  const lang = langOfPerson(account.lang);
  const link = `${env.PUBLIC_URL.replace(/\/+$/, "")}/account`;
  const vars = { name: account.name, count: failures, link };
  await sendDirect(env, {
    kind: "security_notice",
    channel: "email",
    to: email,
    personId: account.id,
    senderId: null,
    facilityId: null,
    subject: say(lang, "security.failures.subject", vars),
    text: say(lang, "security.failures.text", vars),
    link,
  });
}

// ---------------------------------------------------------------- one's own session and one-time codes

/** Ends the caller's own session (sign-out); the cookie is cleared by the route. */
export async function signOutSession(db: D1Database, auth: Auth): Promise<void> {
  await db.batch([data.revokeSession(db, auth.sessionHash, clock.now()), auditStatement(db, { actorId: auth.personId, action: "auth.sign_out" })]);
}

/** Starts setting up a one-time code app: a new secret, not yet in force (409 when one already is). */
export async function setUpTotp(db: D1Database, auth: Auth): Promise<{ secret: string; uri: string }> {
  if (auth.totpEnabled) throw conflict(undefined, jaEn("認証アプリはもう登録されています。", "A one-time code app is already set up."));
  const secret = newTotpSecret();
  await data.setTotpSecret(db, auth.personId, secret, clock.now()).run();
  return { secret, uri: totpUri(secret, `person-${auth.personId}`) };
}

/** Puts the set-up secret in force once the app shows a code that matches it. */
export async function enableTotp(db: D1Database, auth: Auth, code: string): Promise<void> {
  const account = await data.findAccount(db, auth.personId);
  if (!account?.totpSecret) throw badRequest("code", jaEn("先に登録を始めてください。", "Start the setup first."));
  if (account.totpEnabled) throw conflict(undefined, jaEn("もう登録されています。", "Already set up."));
  const step = matchTotp(account.totpSecret, code, clock.now());
  if (step === null)
    throw new ApiError(
      "wrong_totp",
      jaEn("コードが違います。スマートフォンの時刻を確かめてください。", "The code is wrong. Check the time on your phone."),
      "code",
    );
  await db.batch([
    data.enableTotp(db, auth.personId, step, clock.now()),
    auditStatement(db, { actorId: auth.personId, action: "auth.totp_enabled", objectType: "person", objectId: auth.personId }),
  ]);
}

/** Removes the one-time code app, given a current code; admins keep theirs where the settings require it. */
export async function disableTotp(env: Env, auth: Auth, code: string): Promise<void> {
  const db = env.DB;
  const settings = await loadSettings(env);
  if (settings.mfaRequiredForAdmins && holdsAdminRole(auth.globalRole, auth.facilities))
    throw forbidden(jaEn("管理者は認証アプリを外せません。", "Admins must keep a one-time code app."));
  const account = await data.findAccount(db, auth.personId);
  if (!account?.totpSecret || !account.totpEnabled) throw badRequest("code", jaEn("認証アプリが登録されていません。", "No one-time code app is set up."));
  if (matchTotp(account.totpSecret, code, clock.now()) === null) throw new ApiError("wrong_totp", jaEn("コードが違います。", "The code is wrong."), "code");
  await db.batch([
    data.setTotpSecret(db, auth.personId, null, clock.now()),
    auditStatement(db, { actorId: auth.personId, action: "auth.totp_disabled", objectType: "person", objectId: auth.personId }),
  ]);
}

// ---------------------------------------------------------------- password reset (「パスワードを忘れた方」)

/** A reset link works once, for 30 minutes. */
export const RESET_TTL_MS = 30 * 60_000;
/** Requests per address per hour: past it the answer stays the same, and nothing more is sent (no mail bombing). */
export const RESET_REQUESTS_PER_ADDRESS_PER_HOUR = 3;
/** Requests per client address per hour: past it 429 (a facility's staff share one address, so not lower). */
export const RESET_REQUESTS_PER_CLIENT_PER_HOUR = 20;
const HOUR_MS = 3_600_000;
/** 32 random bytes = 256 bits, 43 base64url characters. */
const RESET_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The one answer to a request, whether or not the address has an account. */
export const RESET_REQUESTED = jaEn(
  "登録があれば、パスワードを決め直すリンクをメールで送りました。30分有効です。",
  "If the address is registered, a link to set a new password is on its way by email. It works for 30 minutes.",
);

export const resetUrl = (env: Pick<Env, "PUBLIC_URL">, token: string) => `${env.PUBLIC_URL.replace(/\/+$/, "")}/reset/${token}`;

/**
 * POST /api/password-reset. Counts the request per client address (429 past the
 * limit: that says nothing about the address asked for) and per address (past the
 * limit the same answer, nothing sent); everything that depends on whether the
 * address has an account (the look-up, the link, the email) runs after the answer
 * (`waiter`), so neither the answer nor its time tells.
 */
export async function requestPasswordReset(env: Env, waiter: Waiter | null, input: { email: string; address: string }): Promise<void> {
  const db = env.DB;
  const client = { key: `reset:ip:${await sha256Hex(input.address)}`, limit: RESET_REQUESTS_PER_CLIENT_PER_HOUR, windowMs: HOUR_MS };
  const address = { key: `reset:email:${await sha256Hex(input.email)}`, limit: RESET_REQUESTS_PER_ADDRESS_PER_HOUR, windowMs: HOUR_MS };
  const over = new Set((await overLimit(db, [client, address])).map((l) => l.key));
  if (over.has(client.key))
    throw new ApiError(
      "too_many_requests",
      jaEn(
        "パスワード再設定の依頼が続いたため、しばらく受け付けません。1時間ほどおいてからもう一度お試しください。",
        "Too many password reset requests from here. Wait about an hour and try again.",
      ),
    );
  const addressOver = over.has(address.key);
  await db.batch(countStatements(db, addressOver ? [client.key] : [client.key, address.key]));
  if (addressOver) return;
  const sending = sendPasswordReset(env, input.email).catch((err) => console.error("password reset", errorText(err)));
  if (waiter) waiter.waitUntil(sending);
  else await sending;
}

/**
 * After the answer: for an active account with this verified email, a new link
 * (replacing the live one) with its audit entry in one batch, then the email in the
 * person's language. Nothing at all for an unknown address.
 */
export async function sendPasswordReset(env: Env, email: string): Promise<void> {
  const db = env.DB;
  const account = await data.findResetAccount(db, email);
  if (!account) return;
  const token = randomToken(32);
  const at = clock.now();
  await db.batch([
    ...data.newResetStatements(db, { personId: account.id, tokenHash: await sha256Hex(token), at, expiresAt: at + RESET_TTL_MS }),
    auditStatement(db, { actorId: null, action: "auth.password_reset_requested", objectType: "person", objectId: account.id }),
  ]);
  const lang = langOfPerson(account.lang);
  const link = resetUrl(env, token);
  const vars = { name: account.name, link, minutes: RESET_TTL_MS / 60_000 };
  const sent = await sendDirect(env, {
    kind: "password_reset",
    channel: "email",
    to: email,
    personId: account.id,
    senderId: null,
    facilityId: null,
    subject: say(lang, "reset.subject", vars),
    text: say(lang, "reset.email", vars),
    link,
  });
  if (!sent.ok) console.error("password reset: the email was not sent", errorText(sent.error));
}

export type ResetView =
  | { kind: "notfound" }
  | { kind: "gone"; lang: PersonLang; reason: "expired" | "used" | "replaced" }
  | { kind: "open"; lang: PersonLang; reset: data.ResetRecord };

/** What /reset/{token} shows: unknown, no longer usable (and why), or the form. Reads only. */
export async function openPasswordReset(db: D1Database, token: string): Promise<ResetView> {
  if (!RESET_TOKEN.test(token)) return { kind: "notfound" };
  const reset = await data.findReset(db, await sha256Hex(token));
  if (!reset) return { kind: "notfound" };
  const lang = langOfPerson(reset.lang);
  if (reset.usedAt !== null) return { kind: "gone", lang, reason: "used" };
  if (reset.replacedAt !== null) return { kind: "gone", lang, reason: "replaced" };
  if (reset.expiresAt <= clock.now()) return { kind: "gone", lang, reason: "expired" };
  return { kind: "open", lang, reset };
}

export type ResetOutcome =
  | { kind: "done"; sessionsEnded: number; totpEnabled: boolean }
  /** Used, replaced or expired between showing the form and posting it: nothing changed. */
  | { kind: "gone" }
  /** A field is wrong: `words` a wording key of the pages, or the password rule's own sentence. */
  | { kind: "problem"; field: "password" | "password2"; words: string | Bilingual };

/**
 * Sets the new password from a live link, under the password rules. In one batch:
 * the link used (single use; it fails the batch when spent meanwhile), the
 * password, every session of the person ended, the audit entry. The one-time code
 * app stays as it is: an admin with one still enters its code at the next sign-in.
 */
export async function resetPassword(
  env: Env,
  view: Extract<ResetView, { kind: "open" }>,
  form: { password: string; password2: string },
): Promise<ResetOutcome> {
  const db = env.DB;
  const account = await data.findAccount(db, view.reset.personId);
  if (!account) return { kind: "gone" };
  const problem = passwordProblem(form.password, await loadSettings(env), [account.name]);
  if (problem) return { kind: "problem", field: "password", words: problem };
  if (form.password !== form.password2) return { kind: "problem", field: "password2", words: "join.error.mismatch" };
  try {
    const { sessionsEnded } = await replacePassword(db, {
      personId: account.id,
      next: form.password,
      keep: null,
      first: (at) => [data.useReset(db, view.reset.id, at)],
      audit: { actorId: account.id, action: "auth.password_reset", objectType: "person", objectId: account.id },
    });
    return { kind: "done", sessionsEnded, totpEnabled: account.totpEnabled };
  } catch (err) {
    if (data.isResetSpent(err)) return { kind: "gone" };
    throw err;
  }
}
