import { ApiError, jaEn } from "../lib/errors";
import { base64url, sha256Hex } from "../lib/crypto";

declare global {
  interface Env {
    /** Secret key of the reply tokens (`wrangler secret put REPLY_TOKEN_KEY`, 32+ random bytes). */
    REPLY_TOKEN_KEY?: string;
  }
}

/** Used only when APP_ENV is "local" or "test", so the demo and the tests need no secret. */
const DEVELOPMENT_KEY = "anpi-development-reply-token-key-not-for-production";

/** 24 bytes = 192 bits, 32 base64url characters: room for the reply link in one SMS segment. */
export const TOKEN_BYTES = 24;
export const TOKEN_LENGTH = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32}$/;

const keys = new Map<string, Promise<CryptoKey>>();

function tokenKey(env: Pick<Env, "REPLY_TOKEN_KEY" | "APP_ENV">): Promise<CryptoKey> {
  let secret = env.REPLY_TOKEN_KEY;
  if (!secret) {
    if (env.APP_ENV !== "local" && env.APP_ENV !== "test")
      throw new ApiError(
        "not_configured",
        jaEn(
          "サーバーの設定（REPLY_TOKEN_KEY）がありません。管理者に連絡してください。",
          "The REPLY_TOKEN_KEY secret is missing: set it with `wrangler secret put REPLY_TOKEN_KEY`.",
        ),
      );
    secret = DEVELOPMENT_KEY;
  }
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(secret, key);
  }
  return key;
}

/**
 * The reply token of one person in one roll-call: HMAC-SHA256 over
 * `rollcallId:personId:salt`, truncated to 24 bytes. Derived again for every
 * wave, so the raw token is never stored; only its `tokenHash` is.
 */
export async function replyToken(env: Pick<Env, "REPLY_TOKEN_KEY" | "APP_ENV">, rollcallId: number, salt: string, personId: number): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await tokenKey(env), new TextEncoder().encode(`${rollcallId}:${personId}:${salt}`));
  return base64url(new Uint8Array(mac).slice(0, TOKEN_BYTES));
}

/** SHA-256 hex of a token: what rollcall_recipients.token_hash holds. */
export const tokenHash = (token: string): Promise<string> => sha256Hex(token);

/** Whether a string has the shape of a reply token (checked before any lookup). */
export const isTokenShaped = (token: string): boolean => TOKEN_SHAPE.test(token);

/** The public reply link. */
export function replyUrl(env: Pick<Env, "PUBLIC_URL">, token: string): string {
  return `${env.PUBLIC_URL.replace(/\/+$/, "")}/r/${token}`;
}
