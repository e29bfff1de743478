/**
 * The one source of "now" (UTC ms). Tests move it to check expiry and escalation
 * without sleeping; production never calls `set`.
 */
let offset = 0;
export const clock = {
  now: (): number => Date.now() + offset,
  /** Shift the clock by `ms` (tests only). */
  advance(ms: number) {
    offset += ms;
  },
  reset() {
    offset = 0;
  },
};
