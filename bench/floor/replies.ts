/**
 * The replies floor: a minimal Hono worker that inserts one D1 row per request,
 * the least a reply can cost on this stack.
 */
import { Hono } from "hono";

const app = new Hono<{ Bindings: { DB: D1Database } }>();
let ready: Promise<unknown> | null = null;

app.post("/r/:token", async (c) => {
  ready ??= c.env.DB.prepare(
    "CREATE TABLE IF NOT EXISTS replies (id INTEGER PRIMARY KEY, token TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL)",
  ).run();
  await ready;
  const body = await c.req.text();
  await c.env.DB.prepare("INSERT INTO replies (token, body, created_at) VALUES (?1, ?2, ?3)").bind(c.req.param("token"), body, Date.now()).run();
  return c.html("<!doctype html><p>ok</p>");
});
app.get("/count", async (c) => c.json(await c.env.DB.prepare("SELECT COUNT(*) AS n FROM replies").first()));

export default app;
