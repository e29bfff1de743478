/**
 * Seeds the browser tests' throwaway database. Uses the demo generator of
 * `npm start` (scripts/demo/) when it is there, so the tests walk the same
 * network a new user sees; otherwise the small fixture next to this file.
 * Returns who to sign in as, per role.
 */
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FIXTURE_ACCOUNTS, FIXTURE_PASSWORD, fixtureSql } from "./fixture.mjs";

function execSqlFile({ root, stateDir, env, wrangler }, file) {
  execFileSync(process.execPath, [wrangler, "d1", "execute", "DB", "--local", "--persist-to", stateDir, "--file", file, "--yes"], {
    cwd: root,
    env,
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 180_000,
  });
}

export async function seedDatabase(ctx) {
  const demo = join(ctx.root, "scripts", "demo");
  if (existsSync(join(demo, "generate.mjs")) && existsSync(join(demo, "accounts.mjs"))) {
    const { generate } = await import(pathToFileURL(join(demo, "generate.mjs")).href);
    const { DEMO_ACCOUNTS } = await import(pathToFileURL(join(demo, "accounts.mjs")).href);
    const people = Number(process.env.BROWSER_DEMO_PEOPLE || 1500);
    const r = generate({ people, out: join(ctx.stateDir, "demo-sql") });
    for (const file of r.files) execSqlFile(ctx, file);
    const accounts = Object.fromEntries(DEMO_ACCOUNTS.map((a) => [a.role, { email: a.email, password: a.password, name: a.name }]));
    return { source: `scripts/demo (${r.facilities} facilities, ${r.people} people)`, accounts };
  }
  const file = join(ctx.stateDir, "seed.sql");
  writeFileSync(file, fixtureSql());
  execSqlFile(ctx, file);
  const accounts = Object.fromEntries(Object.entries(FIXTURE_ACCOUNTS).map(([role, a]) => [role, { ...a, password: FIXTURE_PASSWORD }]));
  return { source: "test/browser/fixture.mjs", accounts };
}
