/**
 * The board case of issue 12: a roll-call of `people` recipients, `boards` WebSocket
 * boards open (the network admin's), replies at `rate` a second for `seconds`; for
 * each reply, the time from its answer (the confirm POST's 200) to every board
 * showing it (the person in an update's `changes.replied`), and the size of each
 * socket message. The recipients have no channel (their contacts are removed before
 * the confirm), so no fan-out runs beside it; the reply links are derived here with
 * the key the worker is given, exactly as the worker derives them (reply/token.ts).
 *
 * Alone: node bench/lib/board.mjs [--people 10000] [--boards 100] [--rate 100] [--seconds 20]
 * bench/run.mjs calls {@link boardCase}.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import WebSocket from "ws";
import { fakeClient, ROOT, startFakes } from "./fakes.mjs";
import { ADMIN, api, d1, d1File, removeState, seededState, signIn, sleep, startWrangler } from "./system.mjs";

const pct = (xs, p) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

const token = (key, rollcallId, salt, personId) =>
  createHmac("sha256", key).update(`${rollcallId}:${personId}:${salt}`).digest().subarray(0, 24).toString("base64url");

/**
 * A confirmed roll-call of `people` recipients nobody can be sent to (no fan-out runs
 * beside the measurement), with every reply link derived here and its hash stored.
 * `stop()` ends wrangler and removes the state.
 */
export async function rollcallWithLinks({ fakes, client, people, log, logs, name }) {
  log(`${name}: seeding ${people} people`);
  const s = await seededState({ people, fakes, client, push: false, log });
  const key = randomBytes(32).toString("base64url");
  const w = await startWrangler({ stateDir: s.stateDir, vars: { ...s.vars, REPLY_TOKEN_KEY: key }, logFile: join(logs, `${name}-${people}.log`) });
  const stop = async () => {
    await w.stop();
    removeState(s.stateDir);
  };
  try {
    const cookie = await signIn(w.base, s.adminEmail, ADMIN.password);
    // Nobody reachable: the confirm plans no delivery, so only replies load the system.
    d1(s.stateDir, `UPDATE contacts SET removed_at = ${Date.now()} WHERE removed_at IS NULL`);
    const draft = await api(w.base, cookie, "POST", "/api/rollcalls", { title: `${name} ${people}`, template: "safety", scope: { all: true }, drill: true });
    const id = draft.rollcall.id;
    await api(w.base, cookie, "POST", `/api/rollcalls/${id}/confirm`);
    const salt = d1(s.stateDir, `SELECT salt FROM rollcalls WHERE id = ${id}`)[0].salt;
    const ids = d1(s.stateDir, `SELECT person_id FROM rollcall_recipients WHERE rollcall_id = ${id} ORDER BY person_id`).map((r) => r.person_id);
    const tokens = new Map(ids.map((p) => [p, token(key, id, salt, p)]));
    const sql = [];
    for (let i = 0; i < ids.length; i += 200) {
      const rows = ids.slice(i, i + 200).map((p) => `(${p}, '${createHash("sha256").update(tokens.get(p)).digest("hex")}')`);
      sql.push(
        `UPDATE rollcall_recipients SET token_hash = v.column2 FROM (VALUES ${rows.join(",")}) AS v WHERE rollcall_recipients.rollcall_id = ${id} AND rollcall_recipients.person_id = v.column1 AND token_hash IS NULL;`,
      );
    }
    const file = join(s.stateDir, "bench-tokens.sql");
    writeFileSync(file, sql.join("\n"));
    // The plan pages fill the hashes themselves (rollcall/tokens.ts), even for people with no channel: wait for them,
    // since writing beside the running worker can lock the database under it (SQLITE_BUSY, 503s).
    const missing = () => d1(s.stateDir, `SELECT COUNT(*) AS n FROM rollcall_recipients WHERE rollcall_id = ${id} AND token_hash IS NULL`)[0].n;
    for (const until = Date.now() + 90_000; Date.now() < until && missing() > 0; ) await sleep(3_000);
    for (let attempt = 1; missing() > 0; attempt++) {
      try {
        d1File(s.stateDir, file);
        break;
      } catch (e) {
        if (attempt >= 6) throw e;
        await sleep(2_000);
      }
    }
    log(`${name}: roll-call ${id}, ${ids.length} recipients, ${ids.length} reply links`);
    return { state: s, wrangler: w, cookie, id, ids, tokens, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export async function boardCase({
  fakes,
  client,
  people = 10_000,
  boards = 100,
  rate = 100,
  seconds = 20,
  log = console.log,
  logs = join(ROOT, "test-artifacts", "bench"),
}) {
  const r = await rollcallWithLinks({ fakes, client, people, log, logs, name: "board" });
  const { wrangler: w, cookie, id, ids, tokens } = r;
  const sockets = [];
  try {
    // The boards.
    const shownAt = Array.from({ length: boards }, () => new Map());
    const sizes = { snapshot: [], update: [] };
    const opened = [];
    for (let k = 0; k < boards; k++) {
      const ws = new WebSocket(`${w.base.replace("http", "ws")}/api/rollcalls/${id}/live`, { headers: { cookie, origin: w.base } });
      opened.push(
        new Promise((ok, fail) => {
          ws.once("message", ok);
          ws.once("error", fail);
          ws.once("unexpected-response", (_req, res) => fail(new Error(`board ${res.statusCode}`)));
        }),
      );
      ws.on("message", (data) => {
        const now = Date.now();
        const text = String(data);
        if (text === "pong") return;
        const m = JSON.parse(text);
        if (m.type === "snapshot") {
          sizes.snapshot.push(Buffer.byteLength(text));
          for (const p of m.board.aggregates.nonResponders.items) shownAt[k].delete(p.personId);
        } else if (m.type === "update") {
          sizes.update.push(Buffer.byteLength(text));
          for (const p of m.changes.replied) if (!shownAt[k].has(p)) shownAt[k].set(p, now);
        }
      });
      sockets.push(ws);
    }
    await Promise.all(opened);
    await sleep(1_500);
    const snapshotBytes = Buffer.byteLength(await (await fetch(`${w.base}/api/rollcalls/${id}/board`, { headers: { cookie } })).text());
    log(`board case: ${boards} boards open; replies at ${rate}/s for ${seconds} s`);

    // Replies at a steady rate, each a person answering for the first time (the confirm POST).
    const answered = new Map();
    const failures = [];
    const total = Math.min(ids.length, rate * seconds);
    const t0 = Date.now();
    const inflight = [];
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      const p = ids[i];
      const sent = Date.now();
      inflight.push(
        fetch(`${w.base}/r/${tokens.get(p)}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: `safety=${i % 10 === 0 ? "minor" : "safe"}&availability=yes&confirm=1`,
        })
          .then(async (res) => {
            await res.arrayBuffer();
            if (res.status === 200) answered.set(p, { sent, at: Date.now() });
            else failures.push(res.status);
          })
          // A connection dropped under load (the request or its body): counted, not fatal.
          .catch((e) => failures.push(String(e))),
      );
    }
    await Promise.all(inflight);
    const sendWall = Date.now() - t0;
    // Let the last updates arrive.
    const until = Date.now() + 10_000;
    while (Date.now() < until && [...answered.keys()].some((p) => shownAt.some((b) => !b.has(p)))) await sleep(100);

    const latencies = [];
    const fromSend = [];
    let missing = 0;
    for (const [p, a] of answered) {
      const seen = shownAt.map((b) => b.get(p));
      if (seen.some((x) => x === undefined)) {
        missing++;
        continue;
      }
      latencies.push(Math.max(0, Math.max(...seen) - a.at));
      fromSend.push(Math.max(...seen) - a.sent);
    }
    const u = sizes.update;
    const result = {
      people: ids.length,
      boards,
      rate,
      seconds,
      replies: answered.size,
      failures: failures.length,
      achievedRate: answered.size / (sendWall / 1000),
      notShownEverywhere: missing,
      p50: pct(latencies, 50),
      p95: pct(latencies, 95),
      max: latencies.length ? Math.max(...latencies) : Number.NaN,
      p95FromRequest: pct(fromSend, 95),
      updates: u.length / boards,
      updateBytes: { mean: u.length ? u.reduce((a, b) => a + b, 0) / u.length : Number.NaN, p95: pct(u, 95), max: u.length ? Math.max(...u) : Number.NaN },
      snapshotBytes: pct(sizes.snapshot, 50),
      boardJsonBytes: snapshotBytes,
    };
    log(`board case: ${JSON.stringify(result)}`);
    return result;
  } finally {
    for (const ws of sockets) ws.terminate();
    await r.stop();
  }
}

/** The board case's lines for docs/benchmarks.md. */
export function boardCaseReport(r) {
  if (!r) return [];
  const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)} ms` : "n/a");
  const kb = (x) => (Number.isFinite(x) ? `${(x / 1024).toFixed(1)} KB` : "n/a");
  return [
    `## Board case: ${r.people.toLocaleString("en")} recipients, ${r.boards} boards, replies at ${r.rate}/s for ${r.seconds} s (bench/lib/board.mjs)`,
    "",
    "| replies | achieved/s | p50 | p95 | max | p95 from the request | updates per board | update bytes (mean / p95 / max) | snapshot | JSON board |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    `| ${r.replies} | ${r.achievedRate.toFixed(1)} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.max)} | ${ms(r.p95FromRequest)} | ${r.updates.toFixed(1)} | ${kb(r.updateBytes.mean)} / ${kb(r.updateBytes.p95)} / ${kb(r.updateBytes.max)} | ${kb(r.snapshotBytes)} | ${kb(r.boardJsonBytes)} |`,
    "",
    `Latency: from a reply's answer (the confirm POST's 200) to the last of the ${r.boards} boards receiving the update that names the person. Target: p95 ≤ 1 s (${r.p95 <= 1000 ? "met" : "missed"}); updates at most 20 KB (${r.updateBytes.max <= 20 * 1024 ? "met" : "missed"}). ${r.notShownEverywhere ? `${r.notShownEverywhere} replies did not reach every board within 10 s.` : "Every reply reached every board."} ${r.failures ? `${r.failures} replies failed.` : ""}`,
    "",
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const fakes = await startFakes();
  try {
    const r = await boardCase({
      fakes,
      client: fakeClient(fakes),
      people: arg("people", 10_000),
      boards: arg("boards", 100),
      rate: arg("rate", 100),
      seconds: arg("seconds", 20),
      log: (m) => console.log(`[board] ${m}`),
    });
    const dir = join(ROOT, "test-artifacts", "bench");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "board.json"), JSON.stringify(r, null, 2));
    console.log(boardCaseReport(r).join("\n"));
  } finally {
    await fakes.close();
  }
  process.exit(0);
}
