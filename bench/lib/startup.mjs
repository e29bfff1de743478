#!/usr/bin/env node
/**
 * Start-up: the Worker's bundle size and the CPU its start-up (module evaluation)
 * takes, next to the floor (bench/floor/startup.ts, a minimal Hono worker) built and
 * profiled the same way. Each is bundled once with `wrangler deploy --dry-run
 * --outdir --outfile` (the .js files of the outdir are the bundle: uncompressed and
 * gzip size), then `wrangler check startup --worker <bundle>` profiles it RUNS times,
 * interleaved, so both see the same machine. The CPU is wrangler's "Active" (sampled
 * time minus idle, garbage collection included), read from the .cpuprofile it writes.
 * A loaded machine only adds to it, so the table gives the median and the minimum.
 *
 *   node bench/lib/startup.mjs [--runs 5]     prints the rows (bench/run.mjs calls measureStartup)
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const run = promisify(execFile);

/** The targets of issue 12 (Start-up). */
export const STARTUP_TARGETS = { bundleBytes: 4_000_000, cpuMs: 60 };

const WORKERS = [
  { name: "Worker", config: join(ROOT, "wrangler.toml") },
  { name: "floor (minimal Hono worker)", config: join(ROOT, "bench", "floor", "startup.toml") },
];

const wrangler = (args) =>
  run(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });

/** Bundles one worker into dir; the size of its modules (source maps and the README left out). */
async function bundle(config, dir) {
  await wrangler(["deploy", "--dry-run", "--config", config, "--outdir", dir, "--outfile", join(dir, "worker.bundle")]);
  const code = readdirSync(dir)
    .filter((f) => /\.(m?js|cjs)$/.test(f))
    .map((f) => readFileSync(join(dir, f)));
  const all = Buffer.concat(code);
  return { file: join(dir, "worker.bundle"), bytes: all.length, gzipBytes: gzipSync(all).length };
}

/**
 * wrangler's summary of a start-up profile (summarizeStartupProfile): sampled time
 * minus idle, in ms. Also `steadyMs`: the same sum with each sample's time capped at
 * twice the profile's sampling interval (its 10th percentile), which takes out the gaps where a
 * busy machine had descheduled workerd (a loaded 2-core machine adds whole seconds).
 */
export function activeMs(profile) {
  const names = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]));
  const deltas = profile.timeDeltas ?? [];
  const sorted = [...deltas].filter((d) => d > 0).sort((a, b) => a - b);
  const cap = 2 * (sorted[Math.floor(sorted.length / 10)] ?? 0);
  let active = 0;
  let steady = 0;
  let gc = 0;
  deltas.forEach((dt, i) => {
    const name = names.get(profile.samples[i]);
    if (name === "(idle)") return;
    active += dt;
    steady += cap ? Math.min(dt, cap) : dt;
    if (name === "(garbage collector)") gc += dt;
  });
  return { activeMs: active / 1000, steadyMs: steady / 1000, gcMs: gc / 1000 };
}

/** One `wrangler check startup` of a prebuilt bundle: the "Active" it prints, else the profile's. */
async function profileOnce(file, outfile) {
  const { stdout, stderr } = await wrangler(["check", "startup", "--worker", file, "--outfile", outfile]);
  const fromProfile = activeMs(JSON.parse(readFileSync(outfile, "utf8")));
  const printed = `${stdout}\n${stderr}`.match(/Active:\s*([\d.]+)\s*ms/);
  return printed ? { ...fromProfile, activeMs: Number(printed[1]) } : fromProfile;
}

function median(xs) {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Measures the Worker and the floor. Returns { runs, targets, rows }: one row per
 * worker with its bundle and gzip bytes and the start-up CPU of each run, its median,
 * minimum and garbage collection (median). Given `notes` (bench/run.mjs), a failure
 * is noted there and gives null, so the rest of the run is still written.
 */
export async function measureStartup({ runs = 5, log = console.log, notes } = {}) {
  if (!notes) return measure(runs, log);
  try {
    return await measure(runs, log);
  } catch (e) {
    notes.push(`Start-up was not measured: ${String(e?.message ?? e).split("\n")[0]}`);
    return null;
  }
}

async function measure(runs, log) {
  const dir = mkdtempSync(join(tmpdir(), "anpi-startup-"));
  try {
    const built = [];
    for (const [i, w] of WORKERS.entries()) {
      log(`start-up: bundling ${w.name}`);
      built.push({ ...w, ...(await bundle(w.config, join(dir, String(i)))), cpu: [], steady: [], gc: [] });
    }
    const load = [];
    for (let r = 0; r < runs; r++)
      for (const [i, b] of built.entries()) {
        load.push(loadavg()[0]);
        const p = await profileOnce(b.file, join(dir, `${i}-${r}.cpuprofile`));
        b.cpu.push(p.activeMs);
        b.steady.push(p.steadyMs);
        b.gc.push(p.gcMs);
        log(`start-up: ${b.name} run ${r + 1}/${runs}: ${p.activeMs.toFixed(1)} ms (${p.steadyMs.toFixed(1)} ms without descheduled gaps)`);
      }
    const rows = built.map((b) => ({
      name: b.name,
      bundleBytes: b.bytes,
      gzipBytes: b.gzipBytes,
      cpuMs: b.cpu,
      cpuMedianMs: median(b.cpu),
      cpuMinMs: Math.min(...b.cpu),
      gcMedianMs: median(b.gc),
      steadyMs: b.steady,
      steadyMedianMs: median(b.steady),
    }));
    return { runs, targets: STARTUP_TARGETS, rows, loadAverage: median(load) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
const msr = (x) => `${Math.round(x * 10) / 10} ms`;

/** What the Worker missed of the start-up targets, each with its measure (empty when both are met). */
export function startupMissed(s) {
  if (!s) return [];
  const w = s.rows[0];
  const f = s.rows[1];
  const out = [];
  if (w.bundleBytes > s.targets.bundleBytes) out.push(`Start-up: the bundle is ${mb(w.bundleBytes)}, over the ${mb(s.targets.bundleBytes)} target.`);
  if (w.cpuMedianMs > s.targets.cpuMs)
    out.push(
      `Start-up: ${msr(w.cpuMedianMs)} of CPU (median of ${s.runs}; minimum ${msr(w.cpuMinMs)}), over the ${s.targets.cpuMs} ms target (${msr(w.steadyMedianMs)} without the machine's descheduled gaps); the floor measured ${msr(f.cpuMedianMs)} (minimum ${msr(f.cpuMinMs)}) in the same run.`,
    );
  return out;
}

/** The "## Start-up" section of docs/benchmarks.md, as lines. */
export function startupSection(s) {
  const lines = ["## Start-up: bundle size and start-up CPU (`wrangler check startup`)", ""];
  if (!s) return [...lines, "Not measured in this run.", ""];
  const t = s.targets;
  lines.push(
    `Each bundled once with \`wrangler deploy --dry-run --outdir\` (the modules, source maps left out), then profiled ${s.runs} times with \`wrangler check startup --worker\`, the Worker and the floor in turn. Start-up CPU is wrangler's "Active" time (samples minus idle, garbage collection included) of evaluating the modules; a busy machine only adds to it (a sample's time includes any wait while workerd was descheduled), so the median and the minimum are given, and the same sum with each sample capped at twice the sampling interval${s.loadAverage === undefined ? "" : ` (1-minute load average during the runs: ${Math.round(s.loadAverage * 10) / 10}, median)`}.`,
    "",
    "| | bundle | gzip | start-up CPU, median | minimum | of which GC (median) | without descheduled gaps (median) | runs |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
  );
  for (const r of s.rows)
    lines.push(
      `| ${r.name} | ${mb(r.bundleBytes)} | ${mb(r.gzipBytes)} | ${msr(r.cpuMedianMs)} | ${msr(r.cpuMinMs)} | ${msr(r.gcMedianMs)} | ${r.steadyMedianMs === undefined ? "n/a" : msr(r.steadyMedianMs)} | ${r.cpuMs.map((x) => Math.round(x)).join(", ")} ms |`,
    );
  const w = s.rows[0];
  const f = s.rows[1];
  lines.push(
    `| target (issue 12) | ≤ ${mb(t.bundleBytes)} | | ≤ ${t.cpuMs} ms | | | | |`,
    "",
    `Bundle: ${w.bundleBytes <= t.bundleBytes ? "met" : "missed"} (${mb(w.bundleBytes)}). Start-up CPU: ${w.cpuMedianMs <= t.cpuMs ? "met" : "missed"} (${msr(w.cpuMedianMs)}, ${f.cpuMedianMs > 0 ? `${Math.round((w.cpuMedianMs / f.cpuMedianMs) * 10) / 10}× the floor's ${msr(f.cpuMedianMs)}` : "the floor's median below the profiler's resolution"}).`,
    "",
  );
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--runs");
  const s = await measureStartup({ runs: i > 0 ? Number(process.argv[i + 1]) : 5 });
  console.table(
    s.rows.map((r) => ({
      worker: r.name,
      "bundle MB": +(r.bundleBytes / 1e6).toFixed(3),
      "gzip MB": +(r.gzipBytes / 1e6).toFixed(3),
      "CPU median ms": +r.cpuMedianMs.toFixed(1),
      "CPU min ms": +r.cpuMinMs.toFixed(1),
      "GC median ms": +r.gcMedianMs.toFixed(1),
      "no-gap median ms": +r.steadyMedianMs.toFixed(1),
    })),
  );
  console.log(startupSection(s).join("\n"));
  for (const m of startupMissed(s)) console.log(`missed: ${m}`);
}
