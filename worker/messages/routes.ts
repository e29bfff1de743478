import { audit } from "../audit/log";
import { authOf, route } from "../auth/access";
import { isNetworkAdmin, managedFacilityIds } from "../auth/scope";
import { sandboxInUse } from "../delivery/channels";
import { domainApp } from "../lib/app";
import { notFound } from "../lib/errors";
import { errorResponses, jsonOk } from "../lib/schemas";
import { listSandboxMessages } from "./data";
import { DirectMessageListSchema, DirectMessageQuery } from "./schemas";

const list = route({
  method: "get",
  path: "/api/outbox/messages",
  summary: "The sandbox outbox of messages outside roll-calls: invitations, verification codes and links, report notices, device tests",
  description:
    "Only while some channel has no provider secrets (the local default); 404 once every provider is configured. Each reader sees the messages addressed to them or sent by them; facility admins and delegates also those for their facilities; network admins all.",
  tags: ["delivery"],
  access: "signed_in",
  request: { query: DirectMessageQuery },
  responses: { 200: jsonOk(DirectMessageListSchema), ...errorResponses },
});

export const messageRoutes = domainApp().openapi(list, async (c) => {
  const auth = authOf(c);
  if (!sandboxInUse(c.env)) throw notFound("outbox (every channel has a real provider)");
  const q = c.req.valid("query");
  const items = await listSandboxMessages(c.env.DB, {
    readerId: auth.personId,
    facilityIds: isNetworkAdmin(auth) ? null : managedFacilityIds(auth),
    kind: q.kind,
    before: q.before,
    limit: q.limit,
  });
  await audit(c.env.DB, { actorId: auth.personId, action: "outbox.messages_read", detail: { items: items.length } });
  return c.json({ items, next: items.length === q.limit ? items[items.length - 1]!.id : null }, 200);
});
