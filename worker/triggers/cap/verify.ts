import { ApiError, jaEn, type Bilingual } from "../../lib/errors";
import { sha256Hex, timingSafeEqual } from "../../lib/crypto";
import * as data from "../data";
import type { StoredApiKey } from "../data";
import type { ApiPermission } from "../schemas";

/**
 * Signed requests from outside systems (CAP in, API triggers).
 *
 *   Authorization: Bearer <api key>
 *   X-Anpi-Timestamp: <unix seconds>
 *   X-Anpi-Nonce: <16 to 128 characters A-Z a-z 0-9 _ ->
 *   X-Anpi-Signature: sha256=<hex HMAC-SHA256(api key, "<timestamp>.<nonce>.<raw body>")>
 *
 * Only the SHA-256 of a key is stored, so a copy of the database cannot sign. The
 * signature binds the body to the time and the nonce; a request older than the
 * replay window, or a nonce seen before inside it, is refused.
 */
export const SIGNATURE_HEADERS = { timestamp: "x-anpi-timestamp", nonce: "x-anpi-nonce", signature: "x-anpi-signature" } as const;
export const REPLAY_WINDOW_MS = 5 * 60_000;
const NONCE = /^[A-Za-z0-9_-]{16,128}$/;
const KEY_SHAPE = /^anpi_[A-Za-z0-9_-]{43}$/;

type Unauthorized = "unauthorized" | "invalid_key" | "unsigned";
type Refused = "forbidden" | "bad_signature" | "stale_request" | "replayed";
const unauthorized = (code: Unauthorized, text: Bilingual, field?: string) => new ApiError(code, text, field);
const refused = (code: Refused, text: Bilingual, field?: string) => new ApiError(code, text, field);

/** The key in force behind a bearer header, or a 401. */
export async function keyFromHeader(db: D1Database, authorization: string | undefined, permission: ApiPermission): Promise<StoredApiKey> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  if (!m)
    throw unauthorized(
      "unauthorized",
      jaEn("連携のAPIキーを Authorization: Bearer <key> で送ってください。", "Send the integration's API key as Authorization: Bearer <key>."),
      "authorization",
    );
  const presented = m[1]!;
  const key = KEY_SHAPE.test(presented) ? await data.activeApiKeyByHash(db, await sha256Hex(presented)) : null;
  if (!key) throw unauthorized("invalid_key", jaEn("このAPIキーは登録がないか、取り消されています。", "The API key is unknown or revoked."), "authorization");
  if (!key.permissions.includes(permission))
    throw refused(
      "forbidden",
      jaEn(
        `このAPIキーでは${permission === "cap" ? "CAPの警報を送れません" : permission === "trigger" ? "安否確認を始められません" : "フィードを読めません"}。`,
        `This API key may not ${permission === "cap" ? "send CAP alerts" : permission === "trigger" ? "start roll-calls" : "read the feed"}.`,
      ),
      "authorization",
    );
  return key;
}

export async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message));
  return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Checks key, permission, signature, time and nonce, in that order, and changes
 * nothing unless all hold (the nonce is recorded last). Throws 401/403 ApiErrors.
 */
export async function verifySignedRequest(
  db: D1Database,
  req: { header(name: string): string | undefined; rawBody: string },
  permission: ApiPermission,
  now: number,
): Promise<StoredApiKey> {
  const key = await keyFromHeader(db, req.header("authorization"), permission);
  const presented = /^Bearer\s+(\S+)$/i.exec(req.header("authorization") ?? "")![1]!;
  const signature = req.header(SIGNATURE_HEADERS.signature);
  const timestamp = req.header(SIGNATURE_HEADERS.timestamp);
  const nonce = req.header(SIGNATURE_HEADERS.nonce);
  if (!signature)
    throw unauthorized(
      "unsigned",
      jaEn("署名がありません。X-Anpi-Signature を送ってください。", "The request is not signed: send X-Anpi-Signature."),
      SIGNATURE_HEADERS.signature,
    );
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    throw unauthorized("unsigned", jaEn("X-Anpi-Timestamp（UNIX秒）を送ってください。", "Send X-Anpi-Timestamp (unix seconds)."), SIGNATURE_HEADERS.timestamp);
  if (!nonce || !NONCE.test(nonce))
    throw unauthorized(
      "unsigned",
      jaEn("X-Anpi-Nonce（英数字・_・- の16〜128文字）を送ってください。", "Send X-Anpi-Nonce (16 to 128 letters, digits, _ or -)."),
      SIGNATURE_HEADERS.nonce,
    );
  const m = /^sha256=([0-9a-f]{64})$/.exec(signature);
  const expected = await hmacHex(presented, `${timestamp}.${nonce}.${req.rawBody}`);
  if (!m || !timingSafeEqual(new TextEncoder().encode(m[1]!), new TextEncoder().encode(expected)))
    throw refused("bad_signature", jaEn("署名が本文と合いません。", "The signature does not match the body."), SIGNATURE_HEADERS.signature);
  const at = Number(timestamp) * 1000;
  if (Math.abs(now - at) > REPLAY_WINDOW_MS)
    throw refused("stale_request", jaEn("時刻が5分の範囲を外れています。", "The timestamp is outside the 5-minute window."), SIGNATURE_HEADERS.timestamp);
  if (!(await data.useNonce(db, key.id, nonce, now, at + REPLAY_WINDOW_MS)))
    throw refused("replayed", jaEn("このリクエストはすでに受け取っています。", "This request was already received."), SIGNATURE_HEADERS.nonce);
  return key;
}
