#!/usr/bin/env node
/**
 * Creates the first network admin of a deployment (or of a local database),
 * so nobody has to hand-write SQL with a password hash.
 *
 *   npm run create-admin -- --email you@example.jp --name "医師会 太郎" [--remote]
 *
 * Asks for the password on the terminal (or reads ADMIN_PASSWORD), checks it
 * against the default policy, hashes it with scrypt in the worker's format and
 * runs one SQL file through `wrangler d1 execute DB`. The admin enrols TOTP at
 * the first sign-in when `mfaRequiredForAdmins` is on (it is, outside the demo).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { hashPassword } from "./demo/generate.mjs";

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const email = opt("email")?.trim().toLowerCase();
const name = opt("name")?.trim();
const remote = args.includes("--remote");
if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || !name) {
  console.error('Usage: npm run create-admin -- --email you@example.jp --name "氏名" [--remote]');
  process.exit(2);
}

let password = process.env.ADMIN_PASSWORD;
if (!password) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  password = await rl.question("Password (13+ characters, or 8+ mixing letters and digits): ");
  rl.close();
}
if (password.length < 8 || !/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) {
  console.error("The password needs at least 8 characters mixing letters and digits.");
  process.exit(2);
}

const q = (s) => `'${String(s).replaceAll("'", "''")}'`;
const now = Date.now();
const sql = `INSERT INTO people (name, kana, lang, global_role, password_hash, password_changed_at, created_at, updated_at)
VALUES (${q(name)}, '', 'ja', 'network_admin', ${q(hashPassword(password))}, ${now}, ${now}, ${now});
INSERT INTO contacts (person_id, kind, value, verified_at, created_at)
VALUES (last_insert_rowid(), 'email', ${q(email)}, ${now}, ${now});
`;
const dir = mkdtempSync(join(tmpdir(), "anpi-admin-"));
const file = join(dir, "admin.sql");
writeFileSync(file, sql, { mode: 0o600 });
const res = spawnSync("npx", ["wrangler", "d1", "execute", "DB", remote ? "--remote" : "--local", "--file", file, "--yes"], {
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
process.exit(res.status ?? 1);
