import { sha256Hex } from "../lib/crypto";
import type { Settings } from "../system/settings";
import * as data from "./data";

/**
 * Failed password sign-ins (issue 10, #9). Nobody can lock someone else's account:
 * - (account, address) and address keys lock for `loginLockMinutes` after
 *   `loginMaxFailuresPerAccountAndAddress` / `loginMaxFailuresPerAddress` failures;
 * - the account key (any address) never locks. After `loginSlowAfterAccountFailures`
 *   failures the server holds each password attempt on the account until a growing
 *   pause since the last failure has passed (1 s, 2 s, 4 s, then 8 s at most), and
 *   then checks the password as usual, so the right password from a new address
 *   always gets in. A 429 with Retry-After was the other choice; it was not taken
 *   because an attacker who sends one wrong password each time the pause ends keeps
 *   the gate shut for everyone, the owner included;
 * - passkey sign-in does not come here at all.
 * The parallel guessing a pause does not slow is bounded by the two locking keys.
 * Keys hash the email and the address: no address rests in D1 in clear.
 */
export interface SignInKeys {
  /** The whole account, any address: slows down, never locks. */
  account: string;
  /** The account from this address: locks. */
  pair: string;
  /** This address, any account: locks. */
  address: string;
}

export async function throttleKeys(email: string, address: string): Promise<SignInKeys> {
  return {
    account: `acct:${await sha256Hex(email)}`,
    pair: `pair:${await sha256Hex(`${email}\n${address}`)}`,
    address: `ip:${await sha256Hex(address)}`,
  };
}

/** The client address a request came from (Cloudflare sets it; "local" under `wrangler dev` and in tests). */
export const clientAddress = (header: string | undefined | null): string => header?.trim() || "local";

/** The longest pause the account-wide failures put before a password check. */
export const MAX_PAUSE_MS = 8_000;

/** The pause after `failures` account-wide failures (0 below the setting), doubling from 1 s up to `MAX_PAUSE_MS`. */
export function pauseAfter(failures: number, s: Settings): number {
  if (failures < s.loginSlowAfterAccountFailures) return 0;
  return Math.min(MAX_PAUSE_MS, 1000 * 2 ** Math.min(failures - s.loginSlowAfterAccountFailures, 10));
}

export type Gate = { locked: true; until: number } | { locked: false; waitMs: number };

/**
 * Whether a password attempt may go on: refused while its (account, address) or
 * address key is locked; otherwise the time still to wait for the account's pause.
 */
export async function signInGate(db: D1Database, keys: SignInKeys, s: Settings, now: number): Promise<Gate> {
  const rows = await data.readThrottle(db, [keys.account, keys.pair, keys.address]);
  let until = 0;
  for (const key of [keys.pair, keys.address]) {
    const lock = rows.get(key)?.lockedUntil;
    if (lock && lock > now) until = Math.max(until, lock);
  }
  if (until) return { locked: true, until };
  const acct = rows.get(keys.account);
  const window = s.loginLockMinutes * 60_000;
  if (!acct?.lastFailureAt || now - acct.lastFailureAt > window) return { locked: false, waitMs: 0 };
  return { locked: false, waitMs: Math.max(0, acct.lastFailureAt + pauseAfter(acct.failures, s) - now) };
}

/** Waiting for the pause. Tests replace `wait` to see the pause without sleeping. */
export const pacing = {
  wait: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The statements that count one failure against the three keys, for the caller's
 * db.batch with its audit entry. The last statement returns the account's count.
 */
export function failureStatements(db: D1Database, keys: SignInKeys, s: Settings, now: number): D1PreparedStatement[] {
  const window = s.loginLockMinutes * 60_000;
  return [
    data.countLockingFailure(db, keys.pair, now, window, s.loginMaxFailuresPerAccountAndAddress),
    data.countLockingFailure(db, keys.address, now, window, s.loginMaxFailuresPerAddress),
    data.countAccountFailure(db, keys.account, now, window),
  ];
}

/** Claims the one notice of a lock window for the account; true for the one caller that should send it. */
export async function claimNotice(db: D1Database, keys: SignInKeys, s: Settings, now: number): Promise<boolean> {
  const r = await data.claimFailureNotice(db, keys.account, now, s.loginLockMinutes * 60_000).run();
  return r.meta.changes === 1;
}

/** A right password from this address clears its (account, address) count; the account's and address's counts run out by themselves. */
export const successStatement = (db: D1Database, keys: SignInKeys) => data.clearThrottle(db, keys.pair);
