import { Hono, type MiddlewareHandler } from "hono";
import { html, raw } from "hono/html";
import { requireAccess } from "../auth/access";
import type { AppEnv } from "../env";
import { notFound, jaEn } from "../lib/errors";

declare global {
  interface Env {
    /** Who may read /api/openapi.json and /api/docs: "public", "admins" (signed-in network admins) or "off". */
    API_DOCS?: string;
  }
}

export type ApiDocsMode = "public" | "admins" | "off";

/**
 * Who may read the API description. The `API_DOCS` variable when it says one of the
 * modes; otherwise public in the local demo and the tests, signed-in network admins
 * everywhere else (a deployment that forgets the variable shows nothing to strangers).
 */
export function apiDocsMode(env: Pick<Env, "API_DOCS" | "APP_ENV">): ApiDocsMode {
  const v = env.API_DOCS?.trim().toLowerCase();
  if (v === "public" || v === "admins" || v === "off") return v;
  return env.APP_ENV === "local" || env.APP_ENV === "test" ? "public" : "admins";
}

/** In front of /api/openapi.json and /api/docs: 404 when off, the network-admin rule of every route when "admins". */
export function apiDocsGate(): MiddlewareHandler<AppEnv> {
  const admins = requireAccess(["network_admin"]);
  return async function apiDocs(c, next) {
    const mode = apiDocsMode(c.env);
    if (mode === "off") throw notFound(jaEn("ページ", "route"));
    return mode === "admins" ? admins(c, next) : next();
  };
}

export const DOCS_CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:1rem auto;max-width:70rem;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}`;

/**
 * A self-contained API reference page built from the OpenAPI document: no CDN,
 * so it works offline and on a congested network.
 */
/** What the reference page reads of the OpenAPI document. */
export interface DocsSource {
  info?: { title?: string; version?: string };
  paths?: object;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

export function docsPage(getDoc: () => DocsSource) {
  return new Hono<AppEnv>().get("/api/docs", (c) => {
    const doc = getDoc();
    const ops: { method: string; path: string; summary: string; access: string }[] = [];
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      if (!isRecord(item)) continue;
      for (const [method, op] of Object.entries(item)) {
        if (!isRecord(op)) continue;
        const access = op["x-access"];
        ops.push({
          method: method.toUpperCase(),
          path,
          summary: typeof op.summary === "string" ? op.summary : "",
          access: Array.isArray(access) ? access.join(", ") : typeof access === "string" ? access : "",
        });
      }
    }
    const rows = ops.map(
      ({ method, path, summary, access }) => html`<tr><td><code>${method}</code></td><td><code>${path}</code></td><td>${summary}</td><td>${access}</td></tr>`,
    );
    return c.html(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>API reference</title><style>${raw(DOCS_CSS)}</style></head>
<body><h1>${doc.info?.title ?? "API"} ${doc.info?.version ?? ""}</h1>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Errors are <code>{"error":{"code","message","field"}}</code>. The session is an HttpOnly cookie set by <code>POST /api/session</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Who</th></tr></thead><tbody>${rows}</tbody></table>${raw("")}</body></html>`);
  });
}
