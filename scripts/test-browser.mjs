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
 * Ends with the line `N passed, N failed` and a non-zero exit code on any failure.
 */
import { spawn, execFileSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium } from "./ensure-chromium.mjs";
import { seedDatabase } from "../test/browser/seed.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ARTIFACTS = join(ROOT, "test-artifacts");
const TOTAL_BUDGET_MS = Number(process.env.BROWSER_TEST_BUDGET_MS || 12 * 60_000);
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

const started = Date.now();
let wrangler = null;
let stateDir = null;

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
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || why ? 1 : 0);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => finish(0, 1, `stopped by ${sig}`));
process.on("exit", stopWrangler);
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

async function main() {
  const chromium = ensureChromium();
  if (!existsSync(join(ROOT, "admin-ui", "dist", "index.html"))) return finish(0, 1, "admin-ui/dist is missing: run `npm run build` first.");
  mkdirSync(ARTIFACTS, { recursive: true });

  stateDir = mkdtempSync(join(tmpdir(), "anpi-browser-"));
  const port = await freePort();
  const inspectorPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1", FORCE_COLOR: "0" };

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
      "--port", String(port),
      "--ip", "127.0.0.1",
      "--inspector-port", String(inspectorPort),
      "--persist-to", stateDir,
      "--var", `PUBLIC_URL:${base}`,
      "--show-interactive-dev-session=false",
      "--live-reload=false",
    ),
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  wrangler.stdout.pipe(out);
  wrangler.stderr.pipe(out);
  await waitForHealth(base, logFile);
  log(`wrangler dev is up at ${base} (${Math.round((Date.now() - started) / 1000)} s)`);

  const specs = readdirSync(join(ROOT, "test", "browser"))
    .filter((f) => f.endsWith(".spec.mjs"))
    // BROWSER_SPEC=board runs only the spec files whose name contains it (while working on one).
    .filter((f) => !process.env.BROWSER_SPEC || f.includes(process.env.BROWSER_SPEC))
    .sort()
    .map((f) => join("test", "browser", f));
  const tapFile = join(stateDir, "results.tap");
  const budgetLeft = Math.max(30_000, TOTAL_BUDGET_MS - (Date.now() - started) - 15_000);
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
      {
        cwd: ROOT,
        stdio: "inherit",
        env: {
          ...env,
          BASE_URL: base,
          CHROMIUM_PATH: chromium,
          ARTIFACTS_DIR: ARTIFACTS,
          DEMO_ACCOUNTS: JSON.stringify(accounts),
        },
      },
    );
    const kill = setTimeout(() => child.kill("SIGKILL"), budgetLeft).unref();
    child.on("exit", (c) => {
      clearTimeout(kill);
      resolve(c ?? 1);
    });
  });
  const { pass, fail, cancelled } = countTap(tapFile);
  writeFileSync(join(ARTIFACTS, "results.tap"), existsSync(tapFile) ? readFileSync(tapFile) : "");
  if (pass === null || fail === null) return finish(pass ?? 0, Math.max(1, fail ?? 0), "the test run ended without a summary");
  const failed = fail + cancelled;
  if (code !== 0 && failed === 0) return finish(pass, 1, `node --test exited with ${code}`);
  finish(pass, failed);
}

main().catch((err) => finish(0, 1, err instanceof Error ? err.stack ?? err.message : String(err)));
