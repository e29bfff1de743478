import type { Access } from "../../worker/auth/access";

/**
 * One entry per route, keyed "METHOD /path" exactly as Hono registers it
 * (`/api/people/:id`). `access` is what the route must enforce; `path` and
 * `body` give a concrete request for the probe (`:params` default to 999999, an object that does not exist).
 * "token" marks routes that carry their own proof (reply links, signed webhooks):
 * the probe checks that a request without it changes nothing and is refused.
 */
export interface RouteProbe {
  access: Access | "token";
  path?: string;
  body?: unknown;
}
export type AccessTable = Record<string, RouteProbe>;
