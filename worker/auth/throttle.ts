import { sha256Hex } from "../lib/crypto";
import type { Settings } from "../system/settings";
import * as data from "./data";

/** Keys for failed sign-ins: one per account (the email, hashed) and one per client address. */
export async function throttleKeys(email: string, address: string): Promise<[string, string]> {
  return [`acct:${await sha256Hex(email)}`, `addr:${address}`];
}

/** The time until which sign-in is refused for any of the keys, or null. */
export async function lockedUntil(db: D1Database, keys: string[], now: number): Promise<number | null> {
  const rows = await data.readThrottle(db, keys);
  let until: number | null = null;
  for (const row of rows.values()) if (row.lockedUntil && row.lockedUntil > now) until = Math.max(until ?? 0, row.lockedUntil);
  return until;
}

/** Counts a failure against both keys, locking a key that reaches its limit within the window. */
export async function recordFailure(db: D1Database, [account, address]: [string, string], s: Settings, now: number) {
  const rows = await data.readThrottle(db, [account, address]);
  const window = s.loginLockMinutes * 60_000;
  const writes = ([
    [account, s.loginMaxFailuresPerAccountAndAddress],
    [address, s.loginMaxFailuresPerAddress],
  ] as const).map(([key, limit]) => {
    const prev = rows.get(key);
    const fresh = !prev || now - prev.windowStart > window;
    const failures = fresh ? 1 : prev.failures + 1;
    return data.writeThrottle(db, key, {
      failures: failures >= limit ? 0 : failures,
      windowStart: fresh || failures >= limit ? now : prev.windowStart,
      lockedUntil: failures >= limit ? now + window : (prev?.lockedUntil ?? null),
    });
  });
  await db.batch(writes);
}

export async function recordSuccess(db: D1Database, accountKey: string) {
  await data.clearThrottle(db, accountKey).run();
}
