#!/usr/bin/env node
/**
 * Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests.
 * A test tool's own browser download cannot work here (no internet beyond the
 * package mirrors), so: install the distribution package when we are root with
 * apt-get, otherwise stop and say exactly what to install.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

function hasAptGet() {
  return spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
}

/** Returns the path of a usable Chromium, installing it if it can; exits with a message if it cannot. */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !hasAptGet()) {
    console.error(
      `Chromium is missing at ${CHROMIUM}. The browser tests need Debian's Chromium:\n` +
        `  sudo apt-get update && sudo apt-get install -y chromium\n` +
        `(or set CHROMIUM_PATH to a Chromium or Chrome binary).`,
    );
    process.exit(2);
  }
  console.log(`Chromium is missing at ${CHROMIUM}: installing Debian's chromium package with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const opts = { stdio: "inherit", env, timeout: 15 * 60_000 };
  try {
    execFileSync("apt-get", ["update"], opts);
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium", "fonts-noto-cjk"], opts);
  } catch (err) {
    console.error(`apt-get could not install chromium (${err instanceof Error ? err.message : err}). Install it by hand: apt-get install -y chromium`);
    process.exit(2);
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`apt-get finished but ${CHROMIUM} is still missing. Install Debian's chromium package by hand.`);
    process.exit(2);
  }
  return CHROMIUM;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`Chromium: ${ensureChromium()}`);
}
