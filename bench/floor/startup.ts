/**
 * The start-up floor: a minimal Hono worker with one route, bundled and profiled
 * the same way as the Worker (`wrangler deploy --dry-run`, `wrangler check startup`),
 * the least a Worker on this stack costs to load.
 */
import { Hono } from "hono";

const app = new Hono();

app.get("/healthz", (c) => c.json({ ok: true }));

export default app;
