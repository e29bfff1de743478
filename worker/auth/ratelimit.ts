import type { Context } from "hono";
import type { AppEnv } from "../env";
import { clock } from "../lib/clock";
import { ApiError, jaEn } from "../lib/errors";
import { rateLimitCounts, rateLimitEventStatements } from "./data";

/**
 * A small sliding-window limiter kept in D1 (table rate_limit_events): each counted
 * event is a row under a key, and a key is over its limit when it holds `limit` rows
 * younger than the window. The auth domain owns it with its other throttles; its SQL
 * is in auth/data.ts.
 */
export interface Limit {
  key: string;
  limit: number;
  windowMs: number;
}

/** The keys (of those given) that have reached their limit now. */
export async function overLimit(db: D1Database, limits: readonly Limit[], now = clock.now()): Promise<Limit[]> {
  if (limits.length === 0) return [];
  const counts = await rateLimitCounts(
    db,
    limits.map((l) => ({ key: l.key, since: now - l.windowMs })),
  );
  return limits.filter((l, i) => counts[i]! >= l.limit);
}

/** Counts one event under each key, and forgets events older than a day (no window here is longer). */
export function countStatements(db: D1Database, keys: readonly string[], now = clock.now()): D1PreparedStatement[] {
  return rateLimitEventStatements(db, keys, now, now - 24 * 3_600_000);
}

// ---------------------------------------------------------------- contact probes

/**
 * Answers that tell whether an email or mobile belongs to some account (409 "belongs
 * to another account") let a signed-in person test addresses one by one. They are
 * counted per person and per client address; past the limit every such check (the
 * free addresses too) answers 429, so the refusal itself reveals nothing.
 */
export const CONTACT_PROBES_PER_PERSON_PER_HOUR = 20;
/** Higher than per person: a facility's staff often share one address (NAT). */
export const CONTACT_PROBES_PER_ADDRESS_PER_HOUR = 60;

export interface ProbeSource {
  personId: number;
  /** The client address (`cf-connecting-ip`). */
  address: string;
}

/** Who is asking, for `assertContactProbeAllowed` and `countContactProbe`. */
export function probeSource(c: Context<AppEnv>, personId: number): ProbeSource {
  return { personId, address: c.req.header("cf-connecting-ip") ?? "local" };
}

const probeLimits = (s: ProbeSource): Limit[] => [
  { key: `contact-probe:person:${s.personId}`, limit: CONTACT_PROBES_PER_PERSON_PER_HOUR, windowMs: 3_600_000 },
  { key: `contact-probe:addr:${s.address}`, limit: CONTACT_PROBES_PER_ADDRESS_PER_HOUR, windowMs: 3_600_000 },
];

/**
 * Throws 429 (field `field`) when the person or the address has had too many
 * "belongs to another account" answers in the last hour. Call it before looking
 * the address up, whatever the address, so the answer does not depend on it.
 */
export async function assertContactProbeAllowed(db: D1Database, s: ProbeSource, field: string): Promise<void> {
  if ((await overLimit(db, probeLimits(s))).length > 0)
    throw new ApiError(
      "too_many_requests",
      jaEn(
        "ほかのアカウントの連絡先と重なる入力が続いたため、しばらく受け付けません。1時間ほどおいてからもう一度お試しください。",
        "Too many entries matched other accounts' contacts; wait about an hour and try again.",
      ),
      field,
    );
}

/** Counts one "belongs to another account" answer; run it just before throwing the 409. */
export async function countContactProbe(db: D1Database, s: ProbeSource): Promise<void> {
  await db.batch(
    countStatements(
      db,
      probeLimits(s).map((l) => l.key),
    ),
  );
}
