import { createHash } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../env";
import { errorBody, jaEn, errorLang } from "../lib/errors";
import { noStore, noticePage, CSS as STAFF_CSS } from "../messages/page";
import { CSS as REPLY_CSS } from "../reply/page";
import { DOCS_CSS } from "./docs";

/**
 * Response headers of what the worker itself answers: the API, the webhooks and the
 * server-rendered pages (reply /r/*, join /join/*, verify /verify/*, password reset /reset/*, /api/docs).
 * The admin UI is static assets; its headers are admin-ui/public/_headers.
 */

/**
 * The paths the worker answers (wrangler.toml `run_worker_first`). Everything else is
 * the admin UI, served by the assets layer before the worker runs; it reaches the
 * worker only where the worker is called directly (the tests), and then goes to the
 * ASSETS binding untouched, with the headers of _headers.
 */
export const WORKER_PREFIXES = ["/api", "/r", "/webhooks", "/join", "/verify", "/reset"] as const;
export const servedByWorker = (path: string): boolean => path === "/healthz" || WORKER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));

/** Every inline style sheet of the server-rendered pages; the CSP admits exactly these (by hash), and no script at all. */
const PAGE_STYLES = [REPLY_CSS, STAFF_CSS, DOCS_CSS];
export const styleHash = (css: string) => `'sha256-${createHash("sha256").update(css, "utf8").digest("base64")}'`;

/** Built on the first answer, not at start-up: hashing the style sheets costs a few ms. */
const pageHeaders = () =>
  secureHeaders({
    crossOriginEmbedderPolicy: false,
    referrerPolicy: "no-referrer",
    xFrameOptions: "DENY",
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: PAGE_STYLES.map(styleHash),
      imgSrc: ["'self'", "data:"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  });

let secure: MiddlewareHandler | undefined;

/** secureHeaders on the worker's own answers only (a static asset's response is immutable, and carries _headers). */
export const workerHeaders: MiddlewareHandler<AppEnv> = (c, next) => {
  if (!servedByWorker(c.req.path)) return next();
  secure ??= pageHeaders();
  return secure(c, next);
};

/**
 * No route matched. Under the worker's prefixes a plain 404: JSON for the API and the
 * webhooks, a small Japanese page for the links people open (/r, /join, /verify, /reset).
 * Anything else is the admin UI (its SPA fallback included): the ASSETS binding.
 */
export async function notFoundResponse(c: Context<AppEnv>): Promise<Response> {
  const path = c.req.path;
  if (!servedByWorker(path)) return c.env.ASSETS.fetch(c.req.raw);
  if (path === "/api" || path.startsWith("/api/") || path.startsWith("/webhooks"))
    return c.json(errorBody("not_found", jaEn("このURLはありません。", "No such route."), undefined, errorLang(c.req.header("Accept-Language"))), 404);
  noStore(c);
  return c.html(
    noticePage("ja", "ページが見つかりません", "リンクが正しいか、もう一度確かめてください。届いたメッセージのリンクを、そのまま開いてください。"),
    404,
  );
}
