import { Hono } from "hono";
import { html, raw } from "hono/html";
import type { AppEnv } from "../env";

/**
 * A self-contained API reference page built from the OpenAPI document: no CDN,
 * so it works offline and on a congested network.
 */
export function docsPage(getDoc: () => Record<string, any>) {
  return new Hono<AppEnv>().get("/api/docs", (c) => {
    const doc = getDoc();
    const ops: { method: string; path: string; op: any }[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths ?? {}))
      for (const [method, op] of Object.entries<any>(item)) ops.push({ method: method.toUpperCase(), path, op });
    const rows = ops.map(
      ({ method, path, op }) => html`<tr><td><code>${method}</code></td><td><code>${path}</code></td><td>${op.summary ?? ""}</td><td>${
        Array.isArray(op["x-access"]) ? op["x-access"].join(", ") : (op["x-access"] ?? "")
      }</td></tr>`,
    );
    return c.html(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>API reference</title><style>body{font:15px/1.5 system-ui,sans-serif;margin:1rem auto;max-width:70rem;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}</style></head>
<body><h1>${doc.info?.title ?? "API"} ${doc.info?.version ?? ""}</h1>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Errors are <code>{"error":{"code","message","field"}}</code>. The session is an HttpOnly cookie set by <code>POST /api/session</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Who</th></tr></thead><tbody>${rows}</tbody></table>${raw("")}</body></html>`);
  });
}
