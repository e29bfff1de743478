/**
 * The local D1 database of `wrangler dev`, driven through wrangler's own CLI so the
 * files land exactly where `wrangler dev` reads them. Nothing here needs the internet.
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "./generate.mjs";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const WRANGLER = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "wrangler.cmd" : "wrangler");

/**
 * Children run offline-clean: telemetry off, no fetch of the `Request.cf` sample from
 * Cloudflare, and no prompts (stdin closed, CI set: wrangler takes the default answer).
 */
export const childEnv = () => ({
  ...process.env,
  // The project's Node 22 (the `node` devDependency) first, even when this script
  // was started with an older system Node rather than through npm.
  PATH: [join(ROOT, "node_modules", ".bin"), process.env.PATH ?? ""].join(process.platform === "win32" ? ";" : ":"),
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  CI: process.env.CI ?? "true",
});

const persistArgs = (persistTo) => (persistTo ? ["--persist-to", persistTo] : []);

/** Runs a command; resolves with its stdout, rejects with its output on failure. */
export function run(cmd, args, { quiet = true, env = childEnv() } = {}) {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (!quiet) process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      err += d;
      if (!quiet) process.stderr.write(d);
    });
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? ok(out) : fail(new Error(`${[cmd, ...args].join(" ")} exited with ${code}\n${out}\n${err}`))));
  });
}

export async function applyMigrations(persistTo) {
  await run(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", ...persistArgs(persistTo)]);
}

/** Number of people in the local directory (0 on a fresh database). */
export async function countPeople(persistTo) {
  const out = await run(WRANGLER, ["d1", "execute", "DB", "--local", ...persistArgs(persistTo), "--json", "--command", "SELECT COUNT(*) AS n FROM people"]);
  const parsed = JSON.parse(out.slice(out.indexOf("[")));
  return Number(parsed[0]?.results?.[0]?.n ?? 0);
}

/** Generates the demo network and loads it; returns the counts. */
export async function seedDemo(persistTo, { large = false, log = console.log } = {}) {
  const r = generate({ large, out: join(ROOT, ".wrangler", "demo") });
  log(`Seeding the demo network: ${r.facilities} facilities, ${r.people} people …`);
  for (const file of r.files) await run(WRANGLER, ["d1", "execute", "DB", "--local", ...persistArgs(persistTo), "--file", file]);
  return r;
}

/** Deletes the local state (D1, queues, Durable Objects, R2) of `wrangler dev`. */
export function wipeLocalState(persistTo) {
  const dir = persistTo ? resolve(ROOT, persistTo) : join(ROOT, ".wrangler", "state");
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  return dir;
}
