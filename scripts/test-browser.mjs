#!/usr/bin/env node
/**
 * Browser tests against a real `wrangler dev` (workerd: D1, Queues, Durable Objects,
 * static assets) on a throwaway state directory, driven by playwright-core and
 * Debian's Chromium. Builds nothing itself: `npm test` has already built admin-ui.
 *
 *   1. make sure Chromium is there (scripts/ensure-chromium.mjs)
 *   2. fresh temp dir; apply migrations; seed the demo network into it
 *   3. `wrangler dev` on a free port, wait for /healthz
 *   4. `node --test` over test/browser/*.spec.mjs (screenshots to test-artifacts/)
 *   5. always stop wrangler and remove the temp dir
 *
 * A second run for the spec files named `*.fakes.spec.mjs`: the provider fakes of
 * test/fakes/ (Twilio REST, a Web Push service that decrypts, SMTP) in this process, and
 * a second `wrangler dev` (own state dir and port, seeded the same way) whose Twilio, SMTP
 * and VAPID settings point at them (test/browser/fakes-server.mjs). Those specs get the
 * fakes' control URLs and tenants as FAKE_* environment variables.
 *
 * Ends with one line `N passed, N failed` over both runs and a non-zero exit code on any failure.
 */
import { spawn, execFileSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium } from "./ensure-chromium.mjs";
import { seedDatabase } from "../test/browser/seed.mjs";
import { startFakesSystem } from "../test/browser/fakes-server.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ARTIFACTS = join(ROOT, "test-artifacts");
/**
 * The whole browser suite's limit: about 10 minutes on a quiet 2-core machine, twice
 * that under load; CI's 90 minutes leave room (npm ci, build, vitest ~15 min, restart).
 */
const TOTAL_BUDGET_MS = Number(process.env.BROWSER_TEST_BUDGET_MS || 25 * 60_000);
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
/** Time the first run leaves for the second (fakes) run. */
const FAKES_RUN_RESERVE_MS = 4 * 60_000;

const started = Date.now();
let wrangler = null;
let stateDir = null;
/** The second run (fakes + its wrangler dev), while it is up. */
let fakesSystem = null;
/** Counts of the runs that have finished, added to the closing line. */
const done = { pass: 0, fail: 0 };

function log(msg) {
  console.log(`[browser] ${msg}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function stopWrangler() {
  if (!wrangler || wrangler.exitCode !== null) return;
  try {
    // wrangler runs in its own process group (detached) so workerd goes with it.
    process.kill(-wrangler.pid, "SIGTERM");
  } catch {
    /* already gone */
  }
}

function cleanup() {
  stopWrangler();
  fakesSystem?.stopNow();
  if (stateDir) {
    try {
      rmSync(stateDir, { recursive: true, force: true });
    } catch {
      /* a workerd still closing its files; the OS temp cleaner will get it */
    }
  }
}

function finish(passed, failed, why) {
  if (why) console.error(`[browser] ${why}`);
  cleanup();
  passed += done.pass;
  failed += done.fail;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || why ? 1 : 0);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => finish(0, 1, `stopped by ${sig}`));
process.on("exit", () => {
  stopWrangler();
  fakesSystem?.stopNow();
});
setTimeout(() => finish(0, 1, `timed out after ${TOTAL_BUDGET_MS / 1000} s`), TOTAL_BUDGET_MS).unref();

async function waitForHealth(base, logFile) {
  const until = Date.now() + 90_000;
  while (Date.now() < until) {
    if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited (${wrangler.exitCode}); see ${logFile}`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`wrangler dev did not answer /healthz within 90 s; see ${logFile}`);
}

function countTap(tapFile) {
  const tap = existsSync(tapFile) ? readFileSync(tapFile, "utf8") : "";
  const num = (k) => {
    const m = new RegExp(`^# ${k} (\\d+)$`, "m").exec(tap);
    return m ? Number(m[1]) : null;
  };
  return { pass: num("pass"), fail: num("fail"), cancelled: num("cancelled") ?? 0 };
}

/**
 * `node --test` over `specs` with `extraEnv`; answers `{ pass, fail }` or `{ why }` when
 * the run ended without a usable summary. The TAP report goes to test-artifacts/`tapName`.
 */
async function runSpecs(specs, extraEnv, tapName, env, reserveMs = 0) {
  const tapFile = join(mkdtempSync(join(tmpdir(), "anpi-tap-")), "results.tap");
  const budgetLeft = Math.max(30_000, TOTAL_BUDGET_MS - (Date.now() - started) - 15_000 - reserveMs);
  const code = await new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        "--test",
        "--test-concurrency=1",
        `--test-timeout=${Math.min(budgetLeft, 180_000)}`,
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        "--test-reporter=tap",
        `--test-reporter-destination=${tapFile}`,
        ...specs,
      ],
      { cwd: ROOT, stdio: "inherit", env: { ...env, ...extraEnv } },
    );
    const kill = setTimeout(() => child.kill("SIGKILL"), budgetLeft).unref();
    child.on("exit", (c) => {
      clearTimeout(kill);
      resolve(c ?? 1);
    });
  });
  const { pass, fail, cancelled } = countTap(tapFile);
  writeFileSync(join(ARTIFACTS, tapName), existsSync(tapFile) ? readFileSync(tapFile) : "");
  rmSync(join(tapFile, ".."), { recursive: true, force: true });
  if (pass === null || fail === null) return { pass: pass ?? 0, fail: Math.max(1, fail ?? 0), why: "the test run ended without a summary" };
  const failed = fail + cancelled;
  if (code !== 0 && failed === 0) return { pass, fail: 1, why: `node --test exited with ${code}` };
  return { pass, fail: failed };
}

/** The first run: the sandbox outbox (no provider secrets), as it always was. */
async function sandboxRun(specs, chromium, env, reserveMs) {
  stateDir = mkdtempSync(join(tmpdir(), "anpi-browser-"));
  const port = await freePort();
  const inspectorPort = await freePort();
  const base = `http://127.0.0.1:${port}`;

  log(`state in ${stateDir}`);
  const wranglerArgs = (...a) => [WRANGLER, ...a];
  execFileSync(process.execPath, wranglerArgs("d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir), {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 120_000,
  });
  const accounts = await seedDatabase({ root: ROOT, stateDir, env, wrangler: WRANGLER, publicUrl: base });
  log(`seeded (${accounts.source})`);

  const logFile = join(ARTIFACTS, "wrangler-dev.log");
  const out = createWriteStream(logFile);
  wrangler = spawn(
    process.execPath,
    wranglerArgs(
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      stateDir,
      "--var",
      `PUBLIC_URL:${base}`,
      "--show-interactive-dev-session=false",
      "--live-reload=false",
    ),
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  wrangler.stdout.pipe(out);
  wrangler.stderr.pipe(out);
  await waitForHealth(base, logFile);
  log(`wrangler dev is up at ${base} (${Math.round((Date.now() - started) / 1000)} s)`);

  const result = await runSpecs(
    specs,
    { BASE_URL: base, CHROMIUM_PATH: chromium, ARTIFACTS_DIR: ARTIFACTS, DEMO_ACCOUNTS: JSON.stringify(accounts) },
    "results.tap",
    env,
    reserveMs,
  );
  cleanup();
  stateDir = null;
  return result;
}

/** The second run: providers pointed at the fakes (test/browser/fakes-server.mjs). */
async function fakesRun(specs, chromium, env) {
  fakesSystem = await startFakesSystem({ root: ROOT, artifacts: ARTIFACTS, log });
  log(`wrangler dev (providers → fakes) is up at ${fakesSystem.base} (${Math.round((Date.now() - started) / 1000)} s)`);
  const result = await runSpecs(
    specs,
    { CHROMIUM_PATH: chromium, ARTIFACTS_DIR: ARTIFACTS, DEMO_ACCOUNTS: JSON.stringify(fakesSystem.accounts), ...fakesSystem.specEnv },
    "results-fakes.tap",
    env,
  );
  await fakesSystem.stop();
  fakesSystem = null;
  return result;
}

async function main() {
  const chromium = ensureChromium();
  if (!existsSync(join(ROOT, "admin-ui", "dist", "index.html"))) return finish(0, 1, "admin-ui/dist is missing: run `npm run build` first.");
  mkdirSync(ARTIFACTS, { recursive: true });
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1", FORCE_COLOR: "0" };

  const all = readdirSync(join(ROOT, "test", "browser"))
    .filter((f) => f.endsWith(".spec.mjs"))
    // BROWSER_SPEC=board runs only the spec files whose name contains it (while working on one).
    .filter((f) => !process.env.BROWSER_SPEC || f.includes(process.env.BROWSER_SPEC))
    .sort();
  const isFakes = (f) => f.endsWith(".fakes.spec.mjs");
  const path = (f) => join("test", "browser", f);
  const sandboxSpecs = all.filter((f) => !isFakes(f)).map(path);
  const fakesSpecs = all.filter(isFakes).map(path);

  // The sandbox run leaves the fakes run its time (start, seed, a few minutes of specs).
  const reserveMs = fakesSpecs.length > 0 ? FAKES_RUN_RESERVE_MS : 0;
  for (const [specs, run, name] of [
    [sandboxSpecs, sandboxRun, "sandbox run"],
    [fakesSpecs, fakesRun, "fakes run"],
  ]) {
    if (specs.length === 0) continue;
    const r = await run(specs, chromium, env, reserveMs);
    log(`${name}: ${r.pass} passed, ${r.fail} failed`);
    if (r.why) return finish(r.pass, r.fail, `${name}: ${r.why}`);
    done.pass += r.pass;
    done.fail += r.fail;
  }
  finish(0, 0);
}

main().catch((err) => finish(0, 1, err instanceof Error ? (err.stack ?? err.message) : String(err)));
