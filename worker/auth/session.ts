import { langOf } from "../templates/languages";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { clock } from "../lib/clock";
import { randomToken, sha256Hex } from "../lib/crypto";
import { auditStatement } from "../audit/log";
import { loadSettings, type Settings } from "../system/settings";
import * as data from "./data";
import { passwordExpired } from "./password";
import { holdsAdminRole, rolesOf, type Auth } from "./scope";

export const SESSION_COOKIE = "anpi_sid";
/** last_seen_at is written at most this often, to spare D1's single writer. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Starts a new session with a fresh random id (never reuses one) and sets the cookie;
 * `extra` (the sign-in's audit entry) lands in the same batch as the session row.
 */
export async function startSession(c: Context, personId: number, extra: D1PreparedStatement[] = []): Promise<void> {
  const id = randomToken(32);
  const at = clock.now();
  await c.env.DB.batch([data.insertSession(c.env.DB, await sha256Hex(id), personId, at, c.req.header("user-agent") ?? ""), ...extra]);
  const settings = await loadSettings(c.env);
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: "/",
    maxAge: settings.sessionAbsoluteHours * 3600,
  });
}

export function clearSessionCookie(c: Context) {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
}

/**
 * Resolves the cookie to an `Auth`, or null when there is none or it has expired
 * (idle or absolute). Expired sessions are revoked on sight.
 */
export async function resolveSession(c: Context): Promise<Auth | null> {
  const id = getCookie(c, SESSION_COOKIE);
  if (!id || id.length > 100) return null;
  return authOfSession(c.env, await sha256Hex(id), { touch: true });
}

/**
 * The one rule for whether a session still holds, by its id hash: not revoked, the
 * person not removed, within the idle and absolute limits of the settings (an expired
 * session is revoked on sight). Answers who the person is now. `touch` counts this
 * as activity (a request does; the live board's re-check does not).
 */
export async function authOfSession(env: Env, idHash: string, opts: { touch: boolean }): Promise<Auth | null> {
  const db: D1Database = env.DB;
  const session = await data.findSession(db, idHash);
  if (!session) return null;
  const settings = await loadSettings(env);
  const now = clock.now();
  if (now - session.lastSeenAt > settings.sessionIdleMinutes * 60_000 || now - session.createdAt > settings.sessionAbsoluteHours * 3_600_000) {
    await data.revokeSession(db, idHash, now).run();
    return null;
  }
  const account = await data.findAccount(db, session.personId);
  if (!account) return null;
  if (opts.touch && now - session.lastSeenAt > TOUCH_EVERY_MS) await data.touchSession(db, idHash, now).run();
  const facilities = await data.facilityRolesOf(db, account.id);
  return authFor(account, facilities, idHash, settings, now);
}

export function authFor(account: data.AccountRow, facilities: Auth["facilities"], sessionHash: string, settings: Settings, now: number): Auth {
  return {
    personId: account.id,
    name: account.name,
    sessionHash,
    globalRole: account.globalRole,
    facilities,
    totpEnabled: account.totpEnabled,
    passwordExpired: passwordExpired(account.passwordChangedAt, account.totpEnabled, settings, now),
    mustEnrolMfa: settings.mfaRequiredForAdmins && !account.totpEnabled && holdsAdminRole(account.globalRole, facilities),
    lang: account.lang,
  };
}

/**
 * The end of every successful sign-in (password, passkey, accepted invitation): a new
 * session, the audit entry, and who the person now is.
 */
export async function completeSignIn(c: Context, account: data.AccountRow, method: "password" | "passkey" | "invitation"): Promise<Auth> {
  await startSession(c, account.id, [auditStatement(c.env.DB, { actorId: account.id, action: "auth.sign_in", detail: { method } })]);
  const facilities = await data.facilityRolesOf(c.env.DB, account.id);
  return authFor(account, facilities, "", await loadSettings(c.env), clock.now());
}

/** The signed-in person as the API answers it (`Me`). */
export const meOf = (a: Auth) => ({
  personId: a.personId,
  name: a.name,
  roles: [...rolesOf(a)],
  globalRole: a.globalRole,
  facilities: a.facilities,
  totpEnabled: a.totpEnabled,
  passwordExpired: a.passwordExpired,
  mustEnrolMfa: a.mustEnrolMfa,
  lang: langOf(a.lang),
});
