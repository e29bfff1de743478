/**
 * The system as users run it, for the process test and the benchmarks: `wrangler dev`
 * (workerd with local D1, Queues, Durable Objects) on a throwaway `--persist-to`
 * directory, seeded with the demo network, its providers pointed at the local fakes.
 * Only 127.0.0.1 is ever contacted.
 */
import { execFileSync, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import webpush from "web-push";
import { ROOT } from "./fakes.mjs";

export const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
export const CHILD_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "1", NO_COLOR: "1", FORCE_COLOR: "0" };
/** The network admin the seed creates (its email is moved into the fake mail domain). */
export const ADMIN = { local: "admin", password: "Ishikai-demo-2026" };

export function freePort() {
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

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function wrangler(args, timeout = 600_000) {
  return execFileSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: CHILD_ENV,
    stdio: ["ignore", "pipe", "pipe"],
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
}

/** Runs SQL against the local D1 of a state directory; answers the rows of the last statement. */
export function d1(stateDir, sql) {
  const out = wrangler(["d1", "execute", "DB", "--local", "--persist-to", stateDir, "--json", "--command", sql]);
  const parsed = JSON.parse(out.slice(out.indexOf("[")));
  return parsed[parsed.length - 1]?.results ?? [];
}

export function d1File(stateDir, file) {
  wrangler(["d1", "execute", "DB", "--local", "--persist-to", stateDir, "--file", file, "--yes"]);
}

/**
 * A fresh state directory with the migrations applied and `people` demo people
 * (scripts/demo/generate.mjs), every email moved into the fake mail domain, and, with
 * `push`, one push subscription per person at the push fake. Answers where it is and
 * how to reach what it seeded.
 */
export async function seededState({ people, fakes, client, push = true, log = () => {} }) {
  const stateDir = mkdtempSync(join(tmpdir(), "anpi-bench-"));
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir]);
  const { generate } = await import(join(ROOT, "scripts", "demo", "generate.mjs"));
  // The generator gives every facility its minimum staff (about 530 people in all); smaller
  // runs keep the first `people` and deregister the rest (removed_at: out of every scope).
  const r = generate({ people: Math.max(people, 600), out: join(stateDir, "demo-sql") });
  for (const f of r.files) d1File(stateDir, f);
  if (r.people > people) d1(stateDir, `UPDATE people SET removed_at = ${Date.now()} WHERE id > ${people}`);
  r.people = Math.min(people, r.people);
  log(`seeded ${r.people} people in ${r.facilities} facilities`);

  const [twilio, pushTenant, mailDomain] = await Promise.all([client.twilioAccount(), push ? client.pushTenant() : null, client.mailDomain()]);
  const extra = [`UPDATE contacts SET value = substr(value, 1, instr(value, '@')) || '${mailDomain}' WHERE kind = 'email';`];
  if (push) {
    const ids = d1(stateDir, "SELECT id FROM people WHERE removed_at IS NULL ORDER BY id").map((x) => x.id);
    const subs = [];
    for (let i = 0; i < ids.length; i += 50) subs.push(...(await Promise.all(ids.slice(i, i + 50).map(() => client.pushSubscribe(pushTenant)))));
    const now = Date.now();
    for (let i = 0; i < ids.length; i += 200) {
      const rows = ids.slice(i, i + 200).map((id, k) => {
        const s = subs[i + k];
        return `(${id}, '${s.endpoint}', '${s.keys.p256dh}', '${s.keys.auth}', 'bench', ${now})`;
      });
      extra.push(`INSERT INTO push_subscriptions (person_id, endpoint, p256dh, auth, device_name, created_at) VALUES ${rows.join(",")};`);
    }
    log(`${subs.length} push subscriptions`);
  }
  const file = join(stateDir, "bench-extra.sql");
  writeFileSync(file, extra.join("\n"));
  d1File(stateDir, file);
  const vapid = webpush.generateVAPIDKeys();
  const vars = {
    TWILIO_ACCOUNT_SID: twilio.sid,
    TWILIO_AUTH_TOKEN: twilio.token,
    TWILIO_FROM: "+15005550006",
    TWILIO_API_BASE: fakes.twilioUrl,
    // One long code sends 1 segment/s (Twilio); the benchmarks measure the system, not that limit.
    SMS_RATE_PER_SECOND: "1000",
    SMTP_URL: `smtp://anpi:smtp-secret@127.0.0.1:${fakes.smtpPort}`,
    MAIL_FROM: "安否確認 <anpi@example.org>",
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: "mailto:anpi-admin@example.org",
  };
  return { stateDir, people: r.people, twilio, pushTenant, mailDomain, vars, adminEmail: `${ADMIN.local}@${mailDomain}` };
}

/**
 * Starts `wrangler dev` in its own process group on a free port. `vars` become
 * `--var KEY:VALUE`; `config` picks another wrangler config (the floor workers).
 */
export async function startWrangler({ stateDir, vars = {}, config, logFile, port, testScheduled = false, extraArgs = [] }) {
  port ??= await freePort();
  const inspectorPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = [
    WRANGLER,
    "dev",
    ...(config ? ["--config", config] : []),
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    stateDir,
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    ...(testScheduled ? ["--test-scheduled"] : []),
    ...Object.entries({ PUBLIC_URL: base, ...vars }).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: CHILD_ENV, stdio: ["ignore", "pipe", "pipe"], detached: true });
  if (logFile) {
    mkdirSync(join(logFile, ".."), { recursive: true });
    const out = createWriteStream(logFile, { flags: "a" });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
  } else {
    child.stdout.resume();
    child.stderr.resume();
  }
  const until = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode})${logFile ? `; see ${logFile}` : ""}`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status < 500) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error("wrangler dev did not answer within 120 s");
    await sleep(300);
  }
  return { child, base, port, inspectorPort, stop: (signal = "SIGTERM") => killGroup(child, signal) };
}

/** Stops a wrangler dev and everything it started (workerd), waiting for it to go. */
export async function killGroup(child, signal = "SIGTERM") {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, signal);
  } catch {
    return;
  }
  await Promise.race([gone, sleep(10_000)]);
  // workerd children of the group: make sure none is left holding the state files.
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    /* all gone */
  }
  await sleep(300);
}

/** The pids of the workerd processes under a wrangler dev (its process group). */
export function workerdPids(child) {
  try {
    const out = execFileSync("ps", ["-o", "pid=,comm=", "-g", String(child.pid)]).toString();
    return out
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter(([, c]) => c?.includes("workerd"))
      .map(([p]) => Number(p));
  } catch {
    return [];
  }
}

/** User + system CPU seconds of a process (/proc/<pid>/stat). */
export function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return 0;
  }
}

export async function signIn(base, email, password) {
  const res = await fetch(`${base}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in ${res.status}: ${await res.text()}`);
  return /anpi_sid=[^;]+/.exec(res.headers.get("set-cookie") ?? "")[0];
}

export async function api(base, cookie, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { cookie, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A template with every channel in the first wave and no later waves (a copy of "safety"). */
export async function allChannelsTemplate(base, cookie, channels = ["push", "sms", "email"]) {
  const t = await api(base, cookie, "POST", "/api/templates", { basedOn: "safety", name: `bench ${Date.now()}` });
  const body = { ...t.body, waves: [{ delayMinutes: 0, channels, fallback: channels.length > 1, onlyUnreplied: false, audience: "recipients" }] };
  await api(base, cookie, "PATCH", `/api/templates/${t.id}`, { body });
  return `db:${t.id}`;
}

/**
 * A copy of wrangler.toml in `dir` with absolute paths. wrangler.toml itself routes
 * `/__scheduled` (the cron trigger of `--test-scheduled`) to the worker first, as
 * `npm start` needs it too.
 */
export function configWithScheduled(dir) {
  let toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  toml = toml
    .replace(/^main = "(.+)"$/m, (_m, p) => `main = "${join(ROOT, p)}"`)
    .replace(/^directory = "(.+)"$/m, (_m, p) => `directory = "${join(ROOT, p)}"`)
    .replace(/^migrations_dir = "(.+)"$/m, (_m, p) => `migrations_dir = "${join(ROOT, p)}"`);
  const file = join(dir, "wrangler.toml");
  writeFileSync(file, toml);
  return file;
}

export function removeState(dir) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}
