import { audit } from "../audit/log";
import { authOf, route } from "../auth/access";
import { sandboxInUse } from "../delivery/channels";
import { domainApp } from "../lib/app";
import { notFound, jaEn } from "../lib/errors";
import { errorResponses, jsonOk } from "../lib/schemas";
import { listSandboxMessages } from "./data";
import { DirectMessageListSchema, DirectMessageQuery } from "./schemas";
import { outboxFacilities, presentDirectMessage } from "./service";

const list = route({
  method: "get",
  path: "/api/outbox/messages",
  summary: "The sandbox outbox of messages outside roll-calls: invitations, verification codes and links, report notices, device tests",
  description:
    "Only while some channel has no provider secrets (the local default); 404 once every provider is configured. Each reader sees the messages addressed to them or sent by them; facility admins and delegates also those for their facilities; network admins all. The text and link of a message that carries a secret (invitation, verification code or link) only its addressee and the network admin read; others get the record with `text` and `link` empty and `withheld` true.",
  tags: ["delivery"],
  access: "signed_in",
  request: { query: DirectMessageQuery },
  responses: { 200: jsonOk(DirectMessageListSchema), ...errorResponses },
});

export const messageRoutes = domainApp().openapi(list, async (c) => {
  const auth = authOf(c);
  if (!sandboxInUse(c.env)) throw notFound(jaEn("送信箱（すべての経路が本番の送信先です）", "outbox (every channel has a real provider)"));
  const q = c.req.valid("query");
  const rows = await listSandboxMessages(c.env.DB, {
    readerId: auth.personId,
    facilityIds: outboxFacilities(auth),
    kind: q.kind,
    before: q.before,
    limit: q.limit,
  });
  const items = rows.map((m) => presentDirectMessage(auth, m));
  await audit(c.env.DB, {
    actorId: auth.personId,
    action: "outbox.messages_read",
    detail: { items: items.length, withheld: items.filter((m) => m.withheld).length },
  });
  return c.json({ items, next: rows.length === q.limit ? rows[rows.length - 1]!.id : null }, 200);
});
