import type { Auth } from "../auth/scope";
import { networkGroup } from "../directory/data";
import { clock } from "../lib/clock";
import { replyToken, replyUrl } from "../reply/token";
import { fillTokenHashes } from "../rollcall/tokens";
import * as data from "./data";
import type { MyGroup, MyRollcall } from "./schemas";

/** The staff home: what the signed-in person is asked and belongs to, their own only. */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The open roll-calls one is asked in, each with one's own reply link and latest answer. */
export async function myOpenRollcalls(env: Env, auth: Auth): Promise<MyRollcall[]> {
  const rows = await data.openRollcallsOf(env.DB, auth.personId);
  return Promise.all(
    rows.map(async (r) => {
      // The link shown must work even before a wave reached the person.
      if (r.tokenMissing) await fillTokenHashes(env, r.id, [auth.personId], r.salt);
      return {
        id: r.id,
        title: r.title,
        drill: r.drill,
        state: r.state,
        confirmedAt: iso(r.confirmedAt),
        replyUrl: replyUrl(env, await replyToken(env, r.id, r.salt, auth.personId)),
        repliedAt: iso(r.repliedAt),
        answer:
          r.answers && r.answeredAt !== null
            ? {
                safety: r.answers.safety ?? null,
                availability: r.answers.availability ?? null,
                ack: r.answers.ack === "yes",
                at: new Date(r.answeredAt).toISOString(),
              }
            : null,
      };
    }),
  );
}

/**
 * Whether one may leave a group (POST /api/groups/{id}/leave): a custom group unless one
 * owns it; a facility group once one is no longer in the facility; never the network's.
 */
const mayLeave = (g: data.MyGroupRow): boolean => (g.kind === "custom" ? g.role !== "owner" : g.kind === "facility" && !g.stillInFacility);

/** The groups one belongs to, each saying whether one can leave it. */
export async function myGroups(db: D1Database, auth: Auth): Promise<MyGroup[]> {
  await networkGroup(db, clock.now()); // made on first use, as GET /api/groups does
  const rows = await data.groupsOf(db, auth.personId);
  return rows.map((g) => ({ id: g.id, name: g.name, kind: g.kind, role: g.role, leavable: mayLeave(g) }));
}
