/**
 * The replies measure of bench/run.mjs, runnable alone (no fan-out first): a
 * confirmed roll-call whose reply links are derived here (bench/lib/board.mjs
 * rollcallWithLinks), `autocannon` with 10 connections posting the form and then
 * confirm=1 (two POSTs per recorded reply, as run.mjs counts them), next to the
 * floor worker (bench/floor/replies.ts: Hono and one D1 INSERT per request).
 *
 *   node bench/lib/replies.mjs [--people 10000] [--seconds 30] [--no-floor]
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { rollcallWithLinks } from "./board.mjs";
import { fakeClient, ROOT, startFakes } from "./fakes.mjs";
import { d1, removeState, startWrangler } from "./system.mjs";

const pct = (xs, p) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/** The same load as run.mjs's `replies()`. */
async function drive(base, tokens, seconds, confirmStep) {
  let i = 0;
  let confirmed = 0;
  let failures = 0;
  const latencies = [];
  const post = (body, pick) => ({
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    setupRequest: (req, ctx) => {
      if (pick) ctx.token = tokens[i++ % tokens.length];
      return { ...req, path: `/r/${ctx.token}`, body };
    },
  });
  const inst = autocannon({
    url: base,
    connections: 10,
    duration: seconds,
    requests: [
      ...(confirmStep ? [post("safety=safe&availability=yes&comment=bench", true)] : []),
      {
        ...post("safety=safe&availability=yes&comment=bench&confirm=1", !confirmStep),
        onResponse: (status) => {
          if (status === 200) confirmed++;
          else failures++;
        },
      },
    ],
  });
  inst.on("response", (_c, _s, _b, t) => latencies.push(t));
  const result = await inst;
  return {
    requests: result.requests.total,
    replies: confirmed,
    failures,
    errors: result.errors + result.timeouts + result.non2xx,
    perSecond: confirmed / seconds,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
  };
}

export async function repliesAlone({
  fakes,
  client,
  people = 10_000,
  seconds = 30,
  floor = true,
  log = console.log,
  logs = join(ROOT, "test-artifacts", "bench"),
}) {
  const r = await rollcallWithLinks({ fakes, client, people, log, logs, name: "replies" });
  let system;
  try {
    const count = () => d1(r.state.stateDir, `SELECT COUNT(*) AS n FROM replies WHERE rollcall_id = ${r.id}`)[0].n;
    const before = count();
    system = await drive(r.wrangler.base, [...r.tokens.values()], seconds, true);
    system.stored = count() - before;
    log(`replies: ${JSON.stringify(system)}`);
  } finally {
    await r.stop();
  }
  let floorResult = null;
  if (floor) {
    const stateDir = mkdtempSync(join(tmpdir(), "anpi-floor-"));
    const w = await startWrangler({ stateDir, config: join(ROOT, "bench", "floor", "replies.toml"), logFile: join(logs, "floor-replies.log") });
    try {
      const tokens = Array.from({ length: 1000 }, (_, k) => `floor${String(k).padStart(27, "0")}`);
      floorResult = await drive(w.base, tokens, seconds, false);
      floorResult.stored = (await (await fetch(`${w.base}/count`)).json()).n;
      log(`replies floor: ${JSON.stringify(floorResult)}`);
    } finally {
      await w.stop();
      removeState(stateDir);
    }
  }
  return { people, seconds, system, floor: floorResult, ratio: floorResult ? system.perSecond / floorResult.perSecond : null };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop())) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const fakes = await startFakes();
  try {
    const out = await repliesAlone({
      fakes,
      client: fakeClient(fakes),
      people: arg("people", 10_000),
      seconds: arg("seconds", 30),
      floor: !process.argv.includes("--no-floor"),
      log: (m) => console.log(`[replies] ${m}`),
    });
    const dir = join(ROOT, "test-artifacts", "bench");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "replies-alone.json"), JSON.stringify(out, null, 2));
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await fakes.close();
  }
  process.exit(0);
}
