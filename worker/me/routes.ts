import { authOf, route } from "../auth/access";
import { networkGroup } from "../directory/data";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { errorResponses, jsonOk } from "../lib/schemas";
import { replyToken, replyUrl } from "../reply/token";
import { fillTokenHashes } from "../rollcall/tokens";
import * as data from "./data";
import { MyGroupListSchema, MyRollcallListSchema, type MyRollcall } from "./schemas";

const TAG = "me";
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const rollcalls = route({
  method: "get",
  path: "/api/me/rollcalls",
  summary: "The open roll-calls one is asked in, each with one's own reply link and latest answer (the staff home's 回答する buttons)",
  description: "The reply link is the person's own: the response is never cached and the link is never logged.",
  tags: [TAG],
  access: "signed_in",
  responses: { 200: jsonOk(MyRollcallListSchema), ...errorResponses },
});

const groups = route({
  method: "get",
  path: "/api/me/groups",
  summary: "The groups one belongs to, each saying whether one can leave it (POST /api/groups/{id}/leave)",
  tags: [TAG],
  access: "signed_in",
  responses: { 200: jsonOk(MyGroupListSchema), ...errorResponses },
});

export const meRoutes = domainApp()
  .openapi(rollcalls, async (c) => {
    const auth = authOf(c);
    const rows = await data.openRollcallsOf(c.env.DB, auth.personId);
    const items: MyRollcall[] = await Promise.all(
      rows.map(async (r) => {
        // The link shown must work even before a wave reached the person.
        if (r.tokenMissing) await fillTokenHashes(c.env, r.id, [auth.personId], r.salt);
        return {
          id: r.id,
          title: r.title,
          drill: r.drill,
          state: r.state,
          confirmedAt: iso(r.confirmedAt),
          replyUrl: replyUrl(c.env, await replyToken(c.env, r.id, r.salt, auth.personId)),
          repliedAt: iso(r.repliedAt),
          answer:
            r.answers && r.answeredAt !== null
              ? { safety: r.answers.safety ?? null, availability: r.answers.availability ?? null, ack: r.answers.ack === "yes", at: new Date(r.answeredAt).toISOString() }
              : null,
        };
      }),
    );
    c.header("cache-control", "no-store");
    return c.json({ items }, 200);
  })
  .openapi(groups, async (c) => {
    const auth = authOf(c);
    const db = c.env.DB;
    await networkGroup(db, clock.now()); // made on first use, as GET /api/groups does
    const rows = await data.groupsOf(db, auth.personId);
    const items = rows.map((g) => ({
      id: g.id,
      name: g.name,
      kind: g.kind,
      role: g.role,
      leavable: g.kind === "custom" ? g.role !== "owner" : g.kind === "facility" && !g.stillInFacility,
    }));
    return c.json({ items }, 200);
  });
