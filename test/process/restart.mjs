#!/usr/bin/env node
/**
 * `wrangler dev` killed (SIGKILL) in the middle of a fan-out and started again on the
 * same state: the roll-call must still finish, with nothing lost and nothing sent twice.
 *
 *   node test/process/restart.mjs [--people 150]
 *
 * The real process, the real local D1/Queues/Durable Objects, the provider fakes of
 * test/fakes/ in this Node process. Local Queues keep messages in memory only, so
 * what was in flight at the kill is gone after the restart: the delivery sweeper
 * (worker/delivery/sweeper.ts, run by the cron) finds those deliveries and plan
 * pages and queues them again. wrangler dev does not run crons by itself; the test
 * calls the scheduled handler through `--test-scheduled` as the cron would each minute.
 *
 * One exception is allowed and reported: a send that the provider had accepted but
 * whose success the worker had not yet written when it was killed is sent again
 * after its lease runs out (no provider here takes an idempotency key). Such a
 * duplicate may only be a delivery that was 'sending' at the kill.
 *
 * Ends with `N passed, N failed`; exit code 1 on any failure. Bounded: 4 minutes.
 */
import http from "node:http";
import { join } from "node:path";
import { fakeClient, ROOT, startFakes } from "../../bench/lib/fakes.mjs";
import {
  ADMIN,
  allChannelsTemplate,
  configWithScheduled,
  api,
  d1,
  killGroup,
  removeState,
  seededState,
  signIn,
  sleep,
  startWrangler,
} from "../../bench/lib/system.mjs";

const BUDGET_MS = 4 * 60_000;
const people = Number(process.argv[process.argv.indexOf("--people") + 1] || 0) || 150;
const started = Date.now();
const log = (m) => console.log(`[restart] ${((Date.now() - started) / 1000).toFixed(1)}s ${m}`);

let passed = 0;
let failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "  ✓" : "  ✗"} ${what}`);
};

let fakes = null;
let wrangler = null;
let stateDir = null;
async function finish(why) {
  if (why) {
    console.error(`[restart] ${why}`);
    failed++;
  }
  if (wrangler) await killGroup(wrangler.child);
  if (fakes) await fakes.close().catch(() => {});
  if (stateDir) removeState(stateDir);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}
setTimeout(() => void finish(`timed out after ${BUDGET_MS / 1000} s`), BUDGET_MS).unref();
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => void finish(`stopped by ${sig}`));

/** The cron, through --test-scheduled. Plain http: fetch's Sec-Fetch-Mode: navigate would get the SPA's index.html. */
function scheduled(base) {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}/__scheduled?cron=*+*+*+*+*`, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () =>
          res.statusCode === 200 && !body.includes("<html") ? resolve() : reject(new Error(`scheduled: ${res.statusCode} ${body.slice(0, 200)}`)),
        );
      })
      .on("error", reject);
  });
}

async function received(client, s) {
  const [sms, push, mail] = await Promise.all([client.twilioMessages(s.twilio.sid), client.pushReceived(s.pushTenant), client.mailReceived(s.mailDomain)]);
  return { sms, push, mail, total: sms.length + push.length + mail.length };
}

async function main() {
  fakes = await startFakes();
  const client = fakeClient(fakes);
  const s = await seededState({ people, fakes, client, log });
  stateDir = s.stateDir;
  const logFile = join(ROOT, "test-artifacts", "restart-wrangler.log");
  // Lost messages count as lost after 20 s instead of 2 min, so the test takes one minute, not three.
  s.vars.DELIVERY_SWEEP_AFTER_SECONDS = "20";
  const config = configWithScheduled(stateDir);
  wrangler = await startWrangler({ stateDir, vars: s.vars, logFile, testScheduled: true, config });
  log(`wrangler dev up at ${wrangler.base}`);

  const cookie = await signIn(wrangler.base, s.adminEmail, ADMIN.password);
  const template = await allChannelsTemplate(wrangler.base, cookie);
  const draft = await api(wrangler.base, cookie, "POST", "/api/rollcalls", { title: "再起動試験", template, scope: { all: true }, drill: true });
  const id = draft.rollcall.id;
  const expected = draft.preview.byChannel.push + draft.preview.byChannel.sms + draft.preview.byChannel.email;
  log(`roll-call ${id}: ${draft.preview.recipients} recipients, ${expected} messages expected (${JSON.stringify(draft.preview.byChannel)})`);
  await api(wrangler.base, cookie, "POST", `/api/rollcalls/${id}/confirm`);

  // Kill when a fifth of the messages have been accepted: the fan-out is in full swing.
  for (const until = Date.now() + 90_000; ; ) {
    const r = await received(client, s);
    if (r.total >= expected / 5) break;
    if (Date.now() > until) throw new Error(`the fan-out did not get going within 90 s (${r.total} received)`);
    await sleep(50);
  }
  await killGroup(wrangler.child, "SIGKILL");
  wrangler = null;
  const atKill = await received(client, s);
  const inFlight = d1(stateDir, `SELECT id, idem_key FROM deliveries WHERE rollcall_id = ${id} AND state = 'sending'`);
  const byState = d1(stateDir, `SELECT state, COUNT(*) AS n FROM deliveries WHERE rollcall_id = ${id} GROUP BY state`);
  log(`killed with ${atKill.total}/${expected} received; deliveries ${JSON.stringify(byState)}`);
  check(atKill.total < expected, `killed mid fan-out (${atKill.total} of ${expected} sent)`);

  wrangler = await startWrangler({ stateDir, vars: s.vars, logFile, testScheduled: true, config });
  log("restarted");
  // The cron, each 10 s instead of each minute; the clock is real, so leases (60 s) run out for real.
  let last = -1;
  let stableSince = Date.now();
  const progress = async () => {
    const agg = (await api(wrangler.base, cookie, "GET", `/api/rollcalls/${id}`)).aggregates.delivery;
    const all = Object.values(agg);
    return {
      open: all.reduce((n, c) => n + c.queued + c.sending, 0),
      made: all.reduce((n, c) => n + c.queued + c.sending + c.sent + c.delivered + c.failed, 0),
    };
  };
  for (let done = false; !done; ) {
    await scheduled(wrangler.base);
    for (let k = 0; k < 20 && !done; k++) {
      const r = await received(client, s);
      if (r.total !== last) {
        last = r.total;
        stableSince = Date.now();
      }
      const p = await progress();
      done = p.open === 0 && p.made >= expected && r.total >= expected;
      if (Date.now() - stableSince > 150_000) throw new Error(`no progress for 150 s: ${r.total}/${expected} received, ${JSON.stringify(p)}`);
      if (!done) await sleep(500);
      if (k === 19) log(`${r.total}/${expected} received, ${JSON.stringify(p)}`);
    }
  }
  log("finished");

  // What the fakes received, per delivery: the idempotency key's person and channel (one push device each here).
  const r = await received(client, s);
  const rows = d1(
    stateDir,
    `SELECT d.id, d.idem_key, d.person_id, d.channel, d.state, ct.value AS address, ps.endpoint
     FROM deliveries d LEFT JOIN contacts ct ON d.channel IN ('sms','email') AND ct.id = d.address_id
     LEFT JOIN push_subscriptions ps ON d.channel = 'push' AND ps.id = d.address_id WHERE d.rollcall_id = ${id}`,
  );
  const count = new Map();
  const add = (k) => count.set(k, (count.get(k) ?? 0) + 1);
  for (const m of r.sms) add(`sms:${m.to}`);
  for (const m of r.mail) for (const to of m.to) add(`email:${to}`);
  for (const m of r.push) add(`push:${m.subscriptionId}`);
  const keyOf = (d) => (d.channel === "push" ? `push:${d.endpoint.split("/").pop()}` : `${d.channel}:${d.address}`);
  const inFlightIds = new Set(inFlight.map((d) => d.id));
  const lost = rows.filter((d) => !count.get(keyOf(d)));
  const twice = rows.filter((d) => (count.get(keyOf(d)) ?? 0) > 1);
  const twiceOutside = twice.filter((d) => !inFlightIds.has(d.id) || count.get(keyOf(d)) > 2);

  check(rows.length === expected, `one delivery per person and channel (${rows.length} of ${expected})`);
  check(new Set(rows.map((d) => d.idem_key)).size === rows.length, "idempotency keys unique");
  check(
    rows.every((d) => d.state === "sent"),
    `every delivery ended sent (${JSON.stringify(Object.fromEntries(rows.reduce((m, d) => m.set(d.state, (m.get(d.state) ?? 0) + 1), new Map())))})`,
  );
  check(lost.length === 0, `nothing lost: every delivery reached its fake (${lost.length} missing)`);
  check(
    twiceOutside.length === 0,
    `nothing sent twice, except a send in flight at the kill (${twice.length} such, of ${inFlight.length} in flight; ${twiceOutside.length} others)`,
  );
  check(r.total === expected + twice.length, `fakes received ${r.total} = ${expected} + ${twice.length} re-sent in-flight`);
  const agg = await api(wrangler.base, cookie, "GET", `/api/rollcalls/${id}`);
  const sent = Object.values(agg.aggregates.delivery).reduce((n, c) => n + c.sent + c.delivered, 0);
  check(sent === expected, `the roll-call's delivery progress shows every message sent (${sent})`);
}

main().then(
  () => finish(),
  (err) => finish(err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
