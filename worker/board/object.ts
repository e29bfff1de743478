import { DurableObject } from "cloudflare:workers";

/** One per roll-call: live aggregates for the board and the escalation schedule. */
export class RollCallObject extends DurableObject<Env> {}
