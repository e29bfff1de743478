import { child, children, fail, readXml, text, attr, type Parsed } from "../xml";
import type { JmaKind } from "./parse";

/** One entry of the JMA Atom feed that points at an earthquake intensity report. */
export interface FeedEntry {
  /** The entry's <id> (JMA uses the document URL): the key a report is seen under. */
  id: string;
  kind: JmaKind;
  title: string;
  updated: number;
  url: string;
}

const KINDS: JmaKind[] = ["VXSE51", "VXSE53"];

/**
 * The VXSE51 and VXSE53 entries of a JMA Atom feed, oldest first. Other kinds
 * (tsunami, volcano, 震源に関する情報 VXSE52...) are skipped. Entries that point
 * off the feed's own origin are skipped too: the poller fetches only from JMA.
 */
export function parseJmaFeed(xml: string, feedUrl: string): Parsed<FeedEntry[]> {
  const doc = readXml(xml, new Set(["entry", "link"]));
  if (!doc.ok) return doc;
  const feed = child(doc.value, "feed");
  if (!feed) return fail("wrong_document", "Not an Atom feed: the root element is not <feed>.", "feed");
  const origin = new URL(feedUrl).origin;
  const entries: FeedEntry[] = [];
  for (const e of children(feed, "entry")) {
    const links = children(e, "link");
    const href = attr(links.find((l) => (attr(l, "type") ?? "application/xml").includes("xml")) ?? links[0], "href");
    const id = text(e, "id") ?? href;
    if (!href || !id) continue;
    let url: URL;
    try {
      url = new URL(href, feedUrl);
    } catch {
      continue;
    }
    if (url.origin !== origin) continue;
    const kind = KINDS.find((k) => url.pathname.includes(`_${k}_`));
    if (!kind) continue;
    const updated = Date.parse(text(e, "updated") ?? "");
    entries.push({ id, kind, title: text(e, "title") ?? "", updated: Number.isFinite(updated) ? updated : 0, url: url.href });
  }
  entries.sort((a, b) => a.updated - b.updated || a.id.localeCompare(b.id));
  return { ok: true, value: entries };
}

export type FeedResult =
  | { status: "not_modified" }
  | { status: "ok"; entries: FeedEntry[]; etag: string | null; lastModified: string | null }
  | { status: "error"; message: string };

const USER_AGENT = "anpi-rollcall (disaster roll-call of a city care network)";

/**
 * Fetches the feed politely: a conditional GET with the validators of the last good
 * answer, a timeout, and no throw. Any failure comes back as `{ status: "error" }`
 * and the next minute's run tries again.
 */
export async function fetchJmaFeed(feedUrl: string, validators: { etag: string | null; lastModified: string | null }, timeoutMs: number): Promise<FeedResult> {
  const headers: Record<string, string> = { accept: "application/atom+xml, application/xml;q=0.9", "user-agent": USER_AGENT };
  if (validators.etag) headers["if-none-match"] = validators.etag;
  if (validators.lastModified) headers["if-modified-since"] = validators.lastModified;
  let res: Response;
  try {
    res = await fetch(feedUrl, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    return { status: "error", message: describeFetchError(err, timeoutMs) };
  }
  if (res.status === 304) {
    await res.body?.cancel();
    return { status: "not_modified" };
  }
  if (!res.ok) {
    await res.body?.cancel();
    return { status: "error", message: `The feed answered HTTP ${res.status}.` };
  }
  const body = await readText(res, timeoutMs);
  if (!body.ok) return { status: "error", message: body.message };
  const parsed = parseJmaFeed(body.text, feedUrl);
  if (!parsed.ok) return { status: "error", message: parsed.error.message };
  return { status: "ok", entries: parsed.value, etag: res.headers.get("etag"), lastModified: res.headers.get("last-modified") };
}

/** Fetches one report document. `transient` failures are retried by a later run. */
export async function fetchJmaDocument(
  url: string,
  timeoutMs: number,
): Promise<{ ok: true; text: string } | { ok: false; message: string; transient: boolean }> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: "application/xml", "user-agent": USER_AGENT }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    return { ok: false, message: describeFetchError(err, timeoutMs), transient: true };
  }
  if (!res.ok) {
    await res.body?.cancel();
    return { ok: false, message: `The report answered HTTP ${res.status}.`, transient: res.status >= 500 || res.status === 429 || res.status === 404 };
  }
  const body = await readText(res, timeoutMs);
  return body.ok ? body : { ...body, transient: true };
}

/** Reads a body with a size cap (a runaway answer must not exhaust the Worker's memory). */
async function readText(res: Response, timeoutMs: number): Promise<{ ok: true; text: string } | { ok: false; message: string }> {
  const limit = 5_000_000;
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await res.body?.cancel();
    return { ok: false, message: `The answer is too large (${declared} bytes).` };
  }
  try {
    const buf = await res.arrayBuffer();
    if (buf.byteLength > limit) return { ok: false, message: `The answer is too large (${buf.byteLength} bytes).` };
    return { ok: true, text: new TextDecoder("utf-8").decode(buf) };
  } catch (err) {
    return { ok: false, message: describeFetchError(err, timeoutMs) };
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError")) return `No answer within ${timeoutMs} ms.`;
  return `Could not reach it: ${err instanceof Error ? err.message : String(err)}`;
}
