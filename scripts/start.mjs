#!/usr/bin/env node
/**
 * `npm start`: the whole system on this machine. Builds the admin UI, applies the
 * D1 migrations locally, seeds the demo network when the directory is empty,
 * starts `wrangler dev`, waits for /healthz, then prints the URL and the demo
 * sign-ins. Ctrl-C stops wrangler. Works offline.
 *
 *   npm start [-- --port 8787] [--persist-to DIR] [--large] [--skip-build]
 */
import { spawn } from "node:child_process";
import { DEMO_ACCOUNTS } from "./demo/accounts.mjs";
import { applyMigrations, childEnv, countPeople, ROOT, run, seedDemo, WRANGLER } from "./demo/local-db.mjs";

function parseArgs(argv) {
  const o = { port: 8787, persistTo: undefined, large: false, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--port") o.port = Number(argv[++i]);
    else if (a === "--persist-to") o.persistTo = argv[++i];
    else if (a === "--large") o.large = true;
    else if (a === "--skip-build") o.build = false;
    else throw new Error(`Unknown option ${a}. Options: --port N, --persist-to DIR, --large, --skip-build`);
  }
  return o;
}

const step = (msg) => console.log(`\x1b[36m▸\x1b[0m ${msg}`);

/** Box-drawing widths: CJK characters take two columns in a terminal. */
const width = (s) =>
  [...s].reduce((n, ch) => n + (/[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/.test(ch) ? 2 : 1), 0);

export function banner(url) {
  const lines = [
    `安否確認 roll-call is running: ${url}`,
    `API reference: ${url}/api/docs`,
    "",
    "Demo sign-ins (local demo data only):",
    ...DEMO_ACCOUNTS.flatMap((a) => [`  ${a.label}`, `    ${a.email}  /  ${a.password}`]),
    "",
    "Admin multi-factor is off in the local demo (setting mfaRequiredForAdmins).",
    "Messages go to the sandbox outbox in the admin UI. Ctrl-C stops.",
  ];
  const w = Math.max(...lines.map(width));
  const pad = (s) => s + " ".repeat(w - width(s));
  return [`╔${"═".repeat(w + 2)}╗`, ...lines.map((l) => `║ ${pad(l)} ║`), `╚${"═".repeat(w + 2)}╝`].join("\n");
}

async function waitForHealth(url, child, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url}/healthz did not answer within ${timeoutMs / 1000} s`);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.build) {
    step("Building the admin UI …");
    const npm = process.env.npm_execpath;
    await run(npm ? process.execPath : "npm", npm ? [npm, "run", "build"] : ["run", "build"], { quiet: true });
  }
  step("Applying D1 migrations (local) …");
  await applyMigrations(o.persistTo);
  const people = await countPeople(o.persistTo);
  if (people === 0) await seedDemo(o.persistTo, { large: o.large, log: step });
  else step(`The local directory has ${people} people; not seeding (npm run seed -- --reset starts afresh).`);

  step("Starting wrangler dev …");
  // Reply links are built from PUBLIC_URL (wrangler.toml says localhost:8787); follow the port.
  const url = `http://localhost:${o.port}`;
  const args = [
    "dev",
    "--port",
    String(o.port),
    "--ip",
    "127.0.0.1",
    "--show-interactive-dev-session=false",
    "--test-scheduled",
    ...(o.port === 8787 ? [] : ["--var", `PUBLIC_URL:${url}`]),
    ...(o.persistTo ? ["--persist-to", o.persistTo] : []),
  ];
  const child = spawn(WRANGLER, args, { cwd: ROOT, env: childEnv(), stdio: ["ignore", "inherit", "inherit"] });
  const stop = (signal) => {
    if (child.exitCode === null) child.kill(signal);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

  await waitForHealth(`http://127.0.0.1:${o.port}`, child);
  console.log(`\n${banner(url)}\n`);
  tickCron(`http://127.0.0.1:${o.port}`);
}

/**
 * `wrangler dev` does not fire cron triggers by itself, so the every-minute work
 * (the delivery sweeper that re-queues what a reload dropped, the JMA poll when
 * switched on) is fired here through wrangler's `/__scheduled` test route.
 */
function tickCron(base) {
  const timer = setInterval(() => {
    fetch(`${base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => {});
  }, 60_000);
  timer.unref();
}

main().catch((err) => {
  console.error(`\n✗ ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
