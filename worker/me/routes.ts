import { authOf, route } from "../auth/access";
import { domainApp } from "../lib/app";
import { errorResponses, jsonOk } from "../lib/schemas";
import { MyGroupListSchema, MyRollcallListSchema } from "./schemas";
import { myGroups, myOpenRollcalls } from "./service";

const TAG = "me";

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
    const items = await myOpenRollcalls(c.env, authOf(c));
    c.header("cache-control", "no-store");
    return c.json({ items }, 200);
  })
  .openapi(groups, async (c) => c.json({ items: await myGroups(c.env.DB, authOf(c)) }, 200));
