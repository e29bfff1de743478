/**
 * The second browser run's system: the provider fakes of test/fakes/ in this (the
 * harness) process and a `wrangler dev` whose providers point at them, so the specs
 * named `*.fakes.spec.mjs` see real SMS, push and mail go out and read them back from
 * the fakes (not the sandbox outbox). Reuses the process test's and the benchmarks'
 * plumbing (bench/lib/fakes.mjs, bench/lib/system.mjs) and the browser seed.
 *
 * The origin is http://localhost:<port> (not 127.0.0.1): WebAuthn refuses an IP
 * address as the relying party ID, and the passkey walk needs one.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import webpush from "web-push";
import { fakeClient, startFakes } from "../../bench/lib/fakes.mjs";
import { CHILD_ENV, freePort, killGroup, removeState, startWrangler, WRANGLER } from "../../bench/lib/system.mjs";
import { seedDatabase } from "./seed.mjs";

/**
 * Starts fakes + seeded wrangler dev. Answers `{ base, accounts, specEnv, stop, stopNow }`:
 * `specEnv` carries the fakes' control URLs and this run's tenants for the specs.
 */
export async function startFakesSystem({ root, artifacts, log = () => {} }) {
  let fakes = null;
  let wrangler = null;
  const stateDir = mkdtempSync(join(tmpdir(), "anpi-browser-fakes-"));
  const stopNow = () => {
    // Synchronous, for exit paths: the whole process group of wrangler dev (workerd too).
    if (wrangler && wrangler.child.exitCode === null) {
      try {
        process.kill(-wrangler.child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    removeState(stateDir);
  };
  const stop = async () => {
    if (wrangler) await killGroup(wrangler.child);
    if (fakes) await fakes.close().catch(() => {});
    removeState(stateDir);
  };
  try {
    fakes = await startFakes();
    const client = fakeClient(fakes);
    const [twilio, pushTenant, mailDomain] = await Promise.all([client.twilioAccount(), client.pushTenant(), client.mailDomain()]);
    log(`fakes up (twilio ${fakes.twilioUrl}, push ${fakes.pushUrl}, smtp :${fakes.smtpPort})`);

    const port = await freePort();
    const base = `http://localhost:${port}`;
    execFileSync(process.execPath, [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], {
      cwd: root,
      env: CHILD_ENV,
      stdio: ["ignore", "ignore", "inherit"],
      timeout: 120_000,
    });
    const accounts = await seedDatabase({ root, stateDir, env: CHILD_ENV, wrangler: WRANGLER, publicUrl: base });
    log(`fakes run seeded (${accounts.source})`);

    const vapid = webpush.generateVAPIDKeys();
    const vars = {
      PUBLIC_URL: base,
      TWILIO_ACCOUNT_SID: twilio.sid,
      TWILIO_AUTH_TOKEN: twilio.token,
      TWILIO_FROM: "+15005550006",
      TWILIO_API_BASE: fakes.twilioUrl,
      SMTP_URL: `smtp://anpi:smtp-secret@127.0.0.1:${fakes.smtpPort}`,
      MAIL_FROM: "安否確認 <anpi@example.org>",
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: "mailto:anpi-admin@example.org",
    };
    wrangler = await startWrangler({ stateDir, vars, port, logFile: join(artifacts, "wrangler-dev-fakes.log") });
    return {
      base,
      accounts,
      stop,
      stopNow,
      specEnv: {
        BASE_URL: base,
        FAKE_TWILIO_URL: fakes.twilioUrl,
        FAKE_TWILIO_SID: twilio.sid,
        FAKE_TWILIO_TOKEN: twilio.token,
        FAKE_TWILIO_FROM: vars.TWILIO_FROM,
        FAKE_PUSH_URL: fakes.pushUrl,
        FAKE_PUSH_TENANT: pushTenant,
        FAKE_VAPID_PUBLIC_KEY: vapid.publicKey,
        FAKE_SMTP_CONTROL_URL: fakes.smtpControlUrl,
        FAKE_MAIL_DOMAIN: mailDomain,
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The fakes' control APIs, from a spec (environment set by scripts/test-browser.mjs). */
export function fakesFromEnv() {
  const e = process.env;
  for (const k of ["FAKE_TWILIO_URL", "FAKE_TWILIO_SID", "FAKE_PUSH_URL", "FAKE_PUSH_TENANT", "FAKE_SMTP_CONTROL_URL", "FAKE_MAIL_DOMAIN"]) {
    if (!e[k]) throw new Error(`${k} is not set: run the *.fakes.spec.mjs files through scripts/test-browser.mjs`);
  }
  const client = fakeClient({ twilioUrl: e.FAKE_TWILIO_URL, pushUrl: e.FAKE_PUSH_URL, smtpControlUrl: e.FAKE_SMTP_CONTROL_URL });
  return {
    client,
    twilio: { sid: e.FAKE_TWILIO_SID, token: e.FAKE_TWILIO_TOKEN, from: e.FAKE_TWILIO_FROM },
    pushTenant: e.FAKE_PUSH_TENANT,
    vapidPublicKey: e.FAKE_VAPID_PUBLIC_KEY,
    mailDomain: e.FAKE_MAIL_DOMAIN,
  };
}

/** Polls `read` (every 300 ms, up to `ms`) until `pick` finds an item; fails with `what`. */
export async function waitFor(read, pick, what, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const items = await read();
    const hit = items.find(pick);
    if (hit) return hit;
    if (Date.now() > until) throw new Error(`${what}: nothing arrived within ${ms / 1000} s (got ${items.length})`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
