/**
 * The address of a roll-call's Durable Object (its escalation schedule and live
 * board), apart from the class: the roll-call engine starts and closes the schedule
 * through it without importing the board's object, which builds boards with the
 * engine's own aggregates.
 */
export function rollcallObject(env: Pick<Env, "ROLLCALL">, rollcallId: number) {
  return env.ROLLCALL.get(env.ROLLCALL.idFromName(`rollcall:${rollcallId}`));
}
