import { authOf, route } from "../auth/access";
import { ADMINS, READERS } from "../auth/roles";
import { domainApp } from "../lib/app";
import { errorResponses, jsonBody, jsonOk } from "../lib/schemas";
import { ReadinessSchema, SendTestResultSchema, SendTestSchema } from "./schemas";
import { readinessFor, sendTest } from "./service";

const get = route({
  method: "get",
  path: "/api/readiness",
  summary: "平時の備え: per facility, the share of staff with a working channel, unconfirmed contacts, the last successful test",
  description: "Network admin: every facility. Facility admins and delegates: their own. City viewer: the network's numbers only.",
  tags: ["readiness"],
  access: READERS,
  responses: { 200: jsonOk(ReadinessSchema), ...errorResponses },
});

const test = route({
  method: "post",
  path: "/api/readiness/test",
  summary: "Send a test message to a facility or the whole network (a notice roll-call, source test, through the real fan-out); audited",
  description:
    "Network admins: `all` or any facility. Facility admins and delegates: their own facility. 409 `too_soon` within 10 minutes of the last test of the same scope.",
  tags: ["readiness"],
  access: ADMINS,
  request: { body: jsonBody(SendTestSchema) },
  responses: {
    201: jsonOk(SendTestResultSchema, "Sent"),
    ...errorResponses,
    409: {
      description: "A test of this scope went out less than 10 minutes ago",
      content: { "application/json": { schema: errorResponses[400].content["application/json"].schema } },
    },
  },
});

/** Readiness before any disaster: the figures, and the test-message button. */
export const readinessRoutes = domainApp()
  .openapi(get, async (c) => c.json(await readinessFor(c.env, authOf(c)), 200))
  .openapi(test, async (c) => c.json(await sendTest(c.env, authOf(c), c.req.valid("json")), 201));
