#!/usr/bin/env node
/**
 * `npm run seed`: loads the demo network into the local D1 when it is empty.
 * `npm run seed -- --reset` first deletes all local state (.wrangler/state: D1,
 * queues, Durable Objects, R2), then migrates and seeds afresh. Stop `npm start` first.
 *
 *   npm run seed [-- --reset] [--large] [--persist-to DIR]
 */
import { DEMO_ACCOUNTS } from "./demo/accounts.mjs";
import { applyMigrations, countPeople, seedDemo, wipeLocalState } from "./demo/local-db.mjs";

const argv = process.argv.slice(2);
const reset = argv.includes("--reset");
const large = argv.includes("--large");
const at = argv.indexOf("--persist-to");
const persistTo = at >= 0 ? argv[at + 1] : undefined;
for (const [i, a] of argv.entries())
  if (!["--reset", "--large", "--persist-to"].includes(a) && argv[i - 1] !== "--persist-to") {
    console.error(`Unknown option ${a}. Options: --reset, --large, --persist-to DIR`);
    process.exit(2);
  }

try {
  if (reset) console.log(`Deleted the local state in ${wipeLocalState(persistTo)}.`);
  await applyMigrations(persistTo);
  const people = await countPeople(persistTo);
  if (people > 0) {
    console.log(`The local directory already has ${people} people; nothing loaded. Use --reset to start afresh.`);
  } else {
    const t0 = Date.now();
    const r = await seedDemo(persistTo, { large });
    console.log(`Loaded ${r.facilities} facilities and ${r.people} people in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
    console.log("Demo sign-ins:");
    for (const a of DEMO_ACCOUNTS) console.log(`  ${a.email} / ${a.password}  (${a.label})`);
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
