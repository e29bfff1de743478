/**
 * A fake of JMA's publishing server (runs in Node): an Atom feed at
 * /developer/xml/feed/eqvol.xml that honours If-None-Match / If-Modified-Since, and the
 * report documents under /developer/xml/data/. Tests steer it over /control:
 * - POST /control/entries  [{ name, xml?, fixture?, updated }]  replaces the feed's entries
 * - POST /control/mode     { mode: "up" | "down" | "slow" | "garbage", delayMs? }  (the whole server)
 * - POST /control/documents { fail?: n, slow?: n, delayMs? }  the next n document requests answer 503, or stall
 * - GET  /control/log      the requests seen (path and conditional headers)
 * - POST /control/reset
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const FIXTURES = fileURLToPath(new URL("../fixtures/jma/", import.meta.url));

interface Entry {
  name: string;
  xml: string;
  updated: string;
  title: string;
}

export interface JmaFake {
  url: string;
  server: Server;
}

export async function startJmaFake(): Promise<JmaFake> {
  let entries: Entry[] = [];
  let mode: "up" | "down" | "slow" | "garbage" = "up";
  let delayMs = 0;
  let lastModified = new Date(0).toUTCString();
  let etag = '"0"';
  let version = 0;
  let log: { path: string; ifNoneMatch: string | null; ifModifiedSince: string | null; status: number }[] = [];
  let base = "";
  let docFailures = 0;
  let docStalls = 0;
  let docDelayMs = 0;

  const feedXml = () => `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" lang="ja">
<title>高頻度（地震火山）</title>
<subtitle>JMAXML publishing feed</subtitle>
<updated>${new Date().toISOString()}</updated>
<id>${base}/developer/xml/feed/eqvol.xml#short_${version}</id>
<link href="${base}/developer/xml/feed/eqvol.xml" rel="self"/>
<rights type="html">気象庁</rights>
${entries
  .map(
    (e) => `<entry>
<title>${e.title}</title>
<id>${base}/developer/xml/data/${e.name}</id>
<updated>${e.updated}</updated>
<author><name>気象庁</name></author>
<link type="application/xml" href="${base}/developer/xml/data/${e.name}"/>
<content type="text">【${e.title}】</content>
</entry>`,
  )
  .join("\n")}
</feed>`;

  const body = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });

  const send = (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/xml; charset=utf-8", ...headers });
    res.end(text);
  };

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path.startsWith("/control/")) {
      res.setHeader("content-type", "application/json");
      if (path === "/control/log") return res.end(JSON.stringify(log));
      const input = req.method === "POST" ? await body(req) : "";
      if (path === "/control/reset") {
        entries = [];
        mode = "up";
        docFailures = 0;
        docStalls = 0;
        delayMs = 0;
        log = [];
        version++;
        etag = `"${version}"`;
        lastModified = new Date().toUTCString();
        return res.end("{}");
      }
      if (path === "/control/mode") {
        const m = JSON.parse(input) as { mode: typeof mode; delayMs?: number };
        mode = m.mode;
        delayMs = m.delayMs ?? 0;
        return res.end("{}");
      }
      if (path === "/control/documents") {
        const d = JSON.parse(input) as { fail?: number; slow?: number; delayMs?: number };
        docFailures = d.fail ?? 0;
        docStalls = d.slow ?? 0;
        docDelayMs = d.delayMs ?? 5000;
        return res.end("{}");
      }
      if (path === "/control/entries") {
        const list = JSON.parse(input) as { name: string; xml?: string; fixture?: string; updated: string }[];
        entries = list.map((e) => {
          const xml = e.xml ?? readFileSync(FIXTURES + (e.fixture ?? e.name), "utf8");
          const title = /<Title>([^<]*)<\/Title>/.exec(xml)?.[1] ?? "地震情報";
          return { name: e.name, xml, updated: e.updated, title };
        });
        version++;
        etag = `"${version}"`;
        // HTTP dates have second precision: make each change move it.
        lastModified = new Date(Date.UTC(2020, 0, 1) + version * 1000).toUTCString();
        return res.end("{}");
      }
      res.statusCode = 404;
      return res.end("{}");
    }

    const entry = { path, ifNoneMatch: req.headers["if-none-match"] ?? null, ifModifiedSince: req.headers["if-modified-since"] ?? null, status: 0 };
    log.push(entry);
    if (mode === "down") {
      entry.status = 503;
      return send(res, 503, "Service Unavailable");
    }
    if (mode === "slow") {
      entry.status = -1;
      await new Promise((r) => setTimeout(r, delayMs || 5000));
      if (res.destroyed) return;
    }
    if (path === "/developer/xml/feed/eqvol.xml") {
      if (mode === "garbage") {
        entry.status = 200;
        return send(res, 200, "<feed><entry>broken");
      }
      if ((entry.ifNoneMatch && entry.ifNoneMatch === etag) || (!entry.ifNoneMatch && entry.ifModifiedSince === lastModified)) {
        entry.status = 304;
        res.writeHead(304, { etag, "last-modified": lastModified });
        return res.end();
      }
      entry.status = 200;
      return send(res, 200, feedXml(), { etag, "last-modified": lastModified });
    }
    const m = /^\/developer\/xml\/data\/(.+)$/.exec(path);
    const doc = m ? entries.find((e) => e.name === m[1]) : undefined;
    if (!doc) {
      entry.status = 404;
      return send(res, 404, "Not Found");
    }
    if (docFailures > 0) {
      docFailures--;
      entry.status = 503;
      return send(res, 503, "Service Unavailable");
    }
    if (docStalls > 0) {
      docStalls--;
      entry.status = -1;
      await new Promise((r) => setTimeout(r, docDelayMs));
      if (res.destroyed) return;
    }
    entry.status = 200;
    return send(res, 200, doc.xml);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, server };
}
