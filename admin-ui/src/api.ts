import { apiLang, t } from "./i18n";
import type { ApiErrorBody } from "./types";

/** An API answer other than 2xx, carrying the `{error:{code,message,field}}` shape. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

type Listener = () => void;
let onSignedOut: Listener = () => {};
/** Called when any request answers 401 unauthorized (the session ended). */
export function whenSignedOut(fn: Listener) {
  onSignedOut = fn;
}

export interface RequestOptions {
  /** Raw body (CSV bytes, text) with its content type, instead of JSON. */
  raw?: { body: BodyInit; type: string };
  query?: Record<string, string | number | boolean | undefined | null>;
}

async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  // The API answers its `message` in Japanese or English (worker/lib/errors.ts errorLang):
  // やさしい日本語 reads the Japanese, the other languages the English.
  const headers: Record<string, string> = { accept: "application/json", "accept-language": apiLang() };
  let payload: BodyInit | undefined;
  if (opts.raw) {
    payload = opts.raw.body;
    headers["content-type"] = opts.raw.type;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  let url = path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
    const s = q.toString();
    if (s) url += (url.includes("?") ? "&" : "?") + s;
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  } catch {
    throw new ApiFailure(0, "network", t("err.network"));
  }
  if (res.ok) {
    const type = res.headers.get("content-type") ?? "";
    return (type.includes("json") ? await res.json() : await res.text()) as T;
  }
  let err: { code: string; message: string; field?: string } = { code: `http_${res.status}`, message: res.statusText || t("err.generic") };
  try {
    const parsed = (await res.json()) as Partial<ApiErrorBody>;
    if (parsed.error?.code) err = parsed.error;
  } catch {
    /* not JSON: keep the status text */
  }
  if (res.status === 401 && err.code === "unauthorized") onSignedOut();
  throw new ApiFailure(res.status, err.code, err.message, err.field);
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>("GET", path, undefined, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>("POST", path, body ?? (opts?.raw ? undefined : {}), opts),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  put: <T>(path: string, body: unknown, opts?: RequestOptions) => request<T>("PUT", path, opts?.raw ? undefined : body, opts),
  del: <T>(path: string, body?: unknown) => request<T>("DELETE", path, body),
};

/** The message to show for a failure: a Japanese wording for known codes, else the server's. */
export function failureMessage(e: unknown): string {
  if (e instanceof ApiFailure) {
    const known = t(`code.${e.code}`, "");
    return known || e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
