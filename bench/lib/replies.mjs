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
import { cpuSeconds, d1, removeState, startWrangler, workerdPids } from "./system.mjs";

const pct = (xs, p) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/**
 * The replies load: 10 connections, each reply link in turn; with `confirmStep` each reply
 * is two POSTs (the form → the confirm page, then confirm=1 → recorded), as people reply.
 */
export async function drive(base, tokens, seconds, confirmStep) {
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
    seconds,
    requests: result.requests.total,
    replies: confirmed,
    failures,
    errors: result.errors + result.timeouts + result.non2xx,
    perSecond: confirmed / seconds,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    latencies,
  };
}

/** The floor's worker (bench/floor/replies.ts: Hono and one D1 INSERT per request), its links, and how many it stored. */
export async function startRepliesFloor(logs = join(ROOT, "test-artifacts", "bench")) {
  const stateDir = mkdtempSync(join(tmpdir(), "anpi-floor-"));
  const w = await startWrangler({ stateDir, config: join(ROOT, "bench", "floor", "replies.toml"), logFile: join(logs, "floor-replies.log") });
  return {
    base: w.base,
    child: w.child,
    tokens: Array.from({ length: 1000 }, (_, k) => `floor${String(k).padStart(27, "0")}`),
    count: async () => (await (await fetch(`${w.base}/count`)).json()).n,
    stop: async () => {
      await w.stop();
      removeState(stateDir);
    },
  };
}

/** Rounds of one load merged: counts summed, rates over the whole time, percentiles over every request. */
function merged(rounds) {
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const sum = (k) => rounds.reduce((n, r) => n + r[k], 0);
  const latencies = rounds.flatMap((r) => r.latencies);
  return {
    seconds,
    requests: sum("requests"),
    replies: sum("replies"),
    failures: sum("failures"),
    errors: sum("errors"),
    perSecond: sum("replies") / seconds,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    /** workerd CPU (the worker with its local D1 and Durable Objects) per recorded reply. */
    cpuMsPerReply: (sum("cpuSeconds") * 1000) / Math.max(1, sum("replies")),
  };
}

const cpuOf = (child) => (child ? workerdPids(child).reduce((n, p) => n + cpuSeconds(p), 0) : 0);

/** One load with the server's workerd CPU over it. */
async function measured(side, seconds, confirmStep) {
  const cpu0 = cpuOf(side.child);
  const r = await drive(side.base, side.tokens, seconds, confirmStep);
  return { ...r, cpuSeconds: cpuOf(side.child) - cpu0 };
}

/**
 * The system and the floor in turn, `rounds` slices of `seconds / rounds` each, both servers
 * up the whole time: load from elsewhere on a shared machine falls on both alike. The ratio
 * is the median of the rounds' ratios (replies/s of the system over requests/s of the floor).
 */
export async function sideBySide({ system, floor, seconds, rounds = 3, log = () => {} }) {
  const slice = Math.max(5, Math.round(seconds / rounds));
  const s = [];
  const f = [];
  const ratios = [];
  for (let k = 0; k < rounds; k++) {
    s.push(await measured(system, slice, true));
    f.push(await measured(floor, slice, false));
    ratios.push(s[k].perSecond / f[k].perSecond);
    log(
      `replies round ${k + 1}/${rounds}: ${s[k].perSecond.toFixed(1)}/s (${((s[k].cpuSeconds * 1000) / Math.max(1, s[k].replies)).toFixed(1)} ms CPU a reply) against the floor's ${f[k].perSecond.toFixed(1)}/s (${((f[k].cpuSeconds * 1000) / Math.max(1, f[k].replies)).toFixed(1)} ms) (${ratios[k].toFixed(2)})`,
    );
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const out = { system: merged(s), floor: merged(f), ratios, ratio: sorted[Math.floor(sorted.length / 2)] };
  out.cpuRatio = out.system.cpuMsPerReply / out.floor.cpuMsPerReply;
  return out;
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
  const fl = floor ? await startRepliesFloor(logs) : null;
  try {
    const count = () => d1(r.state.stateDir, `SELECT COUNT(*) AS n FROM replies WHERE rollcall_id = ${r.id}`)[0].n;
    const before = count();
    const system = { base: r.wrangler.base, child: r.wrangler.child, tokens: [...r.tokens.values()] };
    if (!fl) {
      const alone = await drive(system.base, system.tokens, seconds, true);
      alone.stored = count() - before;
      delete alone.latencies;
      return { people, seconds, system: alone, floor: null, ratio: null };
    }
    const out = await sideBySide({ system, floor: fl, seconds, log });
    out.system.stored = count() - before;
    out.floor.stored = await fl.count();
    log(`replies: ${JSON.stringify(out.system)}; floor: ${JSON.stringify(out.floor)}`);
    return { people, seconds, ...out };
  } finally {
    await r.stop();
    if (fl) await fl.stop();
  }
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
