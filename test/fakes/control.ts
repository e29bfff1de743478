/**
 * Shared plumbing of the provider fakes (run in Node by the vitest globalSetup).
 *
 * Every fake keeps its state per *tenant* (a Twilio account, a push tenant, a mail
 * domain) so test files running in parallel never see each other's messages or modes.
 * A test creates its own tenant through the control API, points the worker at it,
 * sets a failure mode when it wants one, and reads what the fake received.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** How a fake misbehaves. Applied to each provider request, in this order: stall, 429, failure. */
export interface FakeMode {
  /** Share of requests (0..1) that fail with `failStatus`. 1 = always. */
  failRate: number;
  /** Status of a failure (HTTP) or the SMTP reply code (e.g. 451 transient, 550 permanent). */
  failStatus: number;
  /** Milliseconds to wait before answering (a stalled provider). */
  stallMs: number;
  /** When set, answer 429 with this Retry-After (seconds). */
  retryAfter: number | null;
  /** Apply the failure / 429 only to the next N requests, then behave. null = until changed. */
  times: number | null;
}

export const DEFAULT_MODE: FakeMode = { failRate: 0, failStatus: 500, stallMs: 0, retryAfter: null, times: null };

export type Verdict = { kind: "ok" } | { kind: "fail"; status: number } | { kind: "throttle"; retryAfter: number };

/** Decides what to do with one provider request; waits out a stall first. */
export async function judge(mode: FakeMode): Promise<Verdict> {
  if (mode.stallMs > 0) await new Promise((r) => setTimeout(r, mode.stallMs));
  const active = mode.times === null || mode.times > 0;
  if (!active) return { kind: "ok" };
  let verdict: Verdict = { kind: "ok" };
  if (mode.retryAfter !== null) verdict = { kind: "throttle", retryAfter: mode.retryAfter };
  else if (mode.failRate > 0 && Math.random() < mode.failRate) verdict = { kind: "fail", status: mode.failStatus };
  if (verdict.kind !== "ok" && mode.times !== null) mode.times--;
  return verdict;
}

export function parseMode(current: FakeMode, patch: Partial<FakeMode>): FakeMode {
  return { ...current, ...patch };
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

let seq = 0;
export const newTenantId = (prefix: string) => `${prefix}${Date.now().toString(36)}${(++seq).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
