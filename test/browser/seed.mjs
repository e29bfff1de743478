/**
 * Seeds the browser tests' throwaway database. Uses the demo generator of
 * `npm start` (scripts/demo/) when it is there, so the tests walk the same
 * network a new user sees; otherwise the small fixture next to this file.
 * Returns who to sign in as, per role.
 */
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURE_ACCOUNTS, FIXTURE_PASSWORD, fixtureSql } from "./fixture.mjs";

function execSqlFile({ root, stateDir, env, wrangler }, file) {
  execFileSync(process.execPath, [wrangler, "d1", "execute", "DB", "--local", "--persist-to", stateDir, "--file", file, "--yes"], {
    cwd: root,
    env,
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 120_000,
  });
}

export async function seedDatabase(ctx) {
  const file = join(ctx.stateDir, "seed.sql");
  writeFileSync(file, fixtureSql());
  execSqlFile(ctx, file);
  const accounts = Object.fromEntries(Object.entries(FIXTURE_ACCOUNTS).map(([role, a]) => [role, { ...a, password: FIXTURE_PASSWORD }]));
  return { source: "test/browser/fixture.mjs", accounts };
}

export const hasDemoGenerator = (root) => existsSync(join(root, "scripts", "demo"));
