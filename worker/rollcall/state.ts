/**
 * The roll-call's states and the moves between them (安否確認の状態):
 *
 *     draft ──confirm (確定)──▶ open ──close──▶ closed
 *       │
 *       └──withdraw (取り下げ)──▶ withdrawn
 *
 * - draft: prepared by a person or a trigger, previewed, nothing sent.
 * - open: confirmed; the recipients are snapshotted, waves go out, replies are taken.
 * - closed: no more waves or replies; the record stays.
 * - withdrawn: a draft dropped before anything went out (by its admin, or a 取消 report).
 *
 * The table's CHECK constraint (migrations/0002_rollcall.sql) also allows 'sending', a
 * state of the first design that nothing ever wrote. It is left there (dropping it would
 * rebuild the table for nothing) and is no state of the code.
 *
 * No imports: the admin UI reads this module too.
 */
export const ROLLCALL_STATES = ["draft", "open", "closed", "withdrawn"] as const;
export type RollcallState = (typeof ROLLCALL_STATES)[number];

/** Every allowed move; nothing else changes a roll-call's state (rollcall/data.ts `transitionStatement`). */
export const TRANSITIONS = {
  confirm: { from: "draft", to: "open" },
  close: { from: "open", to: "closed" },
  withdraw: { from: "draft", to: "withdrawn" },
} as const satisfies Record<string, { from: RollcallState; to: RollcallState }>;
export type Transition = keyof typeof TRANSITIONS;

/** Whether this move may start from this state. */
export const canMove = (state: RollcallState, move: Transition): boolean => TRANSITIONS[move].from === state;

/** The states in which a roll-call is under way: messages go out and replies are taken. */
export const LIVE_STATES = ["open"] as const satisfies readonly RollcallState[];

/** Whether messages may go out and replies be taken. Takes any stored value (a row read raw). */
export const isLive = (state: string | null | undefined): boolean => (LIVE_STATES as readonly string[]).includes(state ?? "");

/** The states no move leaves: closed and withdrawn. */
export const FINAL_STATES: readonly RollcallState[] = ROLLCALL_STATES.filter((s) => !Object.values(TRANSITIONS).some((t) => t.from === s));

export const isFinal = (state: string): boolean => (FINAL_STATES as readonly string[]).includes(state);

/** Whether it was confirmed and went out (it may have closed since). */
export const wasSent = (state: string): boolean => isLive(state) || state === TRANSITIONS.close.to;

/** The move that ends a roll-call in this state: a draft is withdrawn, a live one closed; none once final. */
export function endingOf(state: RollcallState): Transition | null {
  if (state === TRANSITIONS.withdraw.from) return "withdraw";
  if (state === TRANSITIONS.close.from) return "close";
  return null;
}

/** Each state in words, for messages to a person (「この安否確認は終了しています」). */
export const STATE_WORDS: Record<RollcallState, { ja: string; en: string }> = {
  draft: { ja: "下書き", en: "a draft" },
  open: { ja: "実施中", en: "open" },
  closed: { ja: "終了", en: "closed" },
  withdrawn: { ja: "取り下げ", en: "withdrawn" },
};
/** The words of a stored state (a row read raw); an unknown value is shown as it is. */
export const stateWords = (state: string) => STATE_WORDS[state as RollcallState] ?? { ja: state, en: state };
