/**
 * The provider fakes of test/fakes/ for runs outside vitest (the process test and the
 * benchmarks). They are TypeScript with extensionless imports, so they are bundled once
 * with esbuild (already installed with wrangler and vite) and imported.
 */
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Starts the Twilio, push and SMTP fakes on 127.0.0.1; returns their addresses and a `close()`. */
export async function startFakes() {
  // Inside node_modules so the bundle's bare imports (twilio, http_ece, smtp-server) resolve.
  const out = join(ROOT, "node_modules", ".cache", "anpi-bench", "fakes.mjs");
  await build({
    entryPoints: [join(ROOT, "test", "fakes", "global-setup.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile: out,
    logLevel: "error",
  });
  const mod = await import(pathToFileURL(out).href);
  return mod.startFakes();
}

/**
 * A control call; a connection reset (a pooled keep-alive socket the fake closed while the
 * client reused it, which a loaded 2-core machine makes likely after a long pause such as
 * seeding) is retried on a fresh connection, a few times.
 */
async function call(url, init = {}, tries = 4) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    const code = e?.cause?.code;
    if (tries > 1 && (code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE")) {
      await new Promise((r) => setTimeout(r, 100));
      return call(url, init, tries - 1);
    }
    throw e;
  }
  if (!res.ok) throw new Error(`fake ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}
const post = (url, body) =>
  call(url, { method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });

/** The control APIs of the fakes (see test/fakes/*.ts), from Node. */
export function fakeClient(f) {
  return {
    twilioAccount: () => post(`${f.twilioUrl}/__accounts`),
    twilioMessages: (sid) => call(`${f.twilioUrl}/__accounts/${sid}/messages`),
    twilioStats: (sid) => call(`${f.twilioUrl}/__accounts/${sid}/stats`),
    twilioMode: (sid, m) => post(`${f.twilioUrl}/__accounts/${sid}/mode`, m),
    pushTenant: async () => (await post(`${f.pushUrl}/__tenants`)).tenant,
    pushSubscribe: (t) => post(`${f.pushUrl}/__tenants/${t}/subscriptions`),
    pushReceived: (t) => call(`${f.pushUrl}/__tenants/${t}/received`),
    pushStats: (t) => call(`${f.pushUrl}/__tenants/${t}/stats`),
    mailDomain: async () => (await post(`${f.smtpControlUrl}/__tenants`)).domain,
    mailReceived: (d) => call(`${f.smtpControlUrl}/__tenants/${d}/received`),
    mailStats: (d) => call(`${f.smtpControlUrl}/__tenants/${d}/stats`),
  };
}
