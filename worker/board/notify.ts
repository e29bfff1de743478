import { rollcallObject } from "./stub";
import { errorText } from "../lib/redact";
import type { UpdateReason } from "./messages";

/**
 * Tells the roll-call's board that something changed. Never fails the caller: D1 is
 * the source of truth, and the next change (or a client's refresh) catches up.
 */
export async function boardChanged(env: Pick<Env, "ROLLCALL">, rollcallId: number, reason: UpdateReason): Promise<void> {
  try {
    await rollcallObject(env, rollcallId).noteChange(reason);
  } catch (err) {
    console.error("board: noteChange failed", rollcallId, errorText(err));
  }
}
