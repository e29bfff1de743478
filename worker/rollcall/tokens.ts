import { replyToken, tokenHash } from "../reply/token";
import * as data from "./data";

/**
 * Stores the token hashes of these recipients where they are still missing, so their
 * reply links work from the moment a link is produced. The confirm snapshot leaves
 * them NULL (one statement for any scope); whoever produces links fills them first:
 * the delivery plan page (every wave), a board resend, and the person's own
 * GET /api/me/rollcalls. Answers how many were filled.
 */
export async function fillTokenHashes(env: Env, rollcallId: number, personIds: number[], salt?: string): Promise<number> {
  if (personIds.length === 0) return 0;
  const missing = await data.recipientsWithoutTokenHash(env.DB, rollcallId, personIds);
  if (missing.length === 0) return 0;
  const s = salt ?? (await data.rollcallSalt(env.DB, rollcallId));
  if (s === null) return 0;
  const rows = await Promise.all(missing.map(async (personId) => ({ personId, tokenHash: await tokenHash(await replyToken(env, rollcallId, s, personId)) })));
  await env.DB.batch(data.tokenHashStatements(env.DB, rollcallId, rows));
  return rows.length;
}
