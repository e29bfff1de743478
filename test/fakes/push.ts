/**
 * A Web Push service fake, playing both the push service and the browser that holds
 * the subscription: it creates subscriptions (a P-256 key pair and an auth secret, as
 * a browser does), receives the encrypted POST, checks the VAPID Authorization header
 * (RFC 8292: ES256 JWT whose `aud` is the endpoint's origin), requires TTL and an
 * aes128gcm body, and decrypts the payload (RFC 8291) with `http_ece`.
 *
 * Control API (JSON): POST /__tenants → {tenant}; POST /__tenants/{t}/subscriptions
 * → {id, endpoint, keys}; POST /__tenants/{t}/subscriptions/{id}/gone (answers 410
 * from then on); POST /__tenants/{t}/mode; GET /__tenants/{t}/received; GET /__tenants/{t}/stats.
 */
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from "node:crypto";
import { createServer, type Server } from "node:http";
import { decrypt } from "http_ece";
import { DEFAULT_MODE, judge, newTenantId, parseMode, readBody, sendJson, type FakeMode } from "./control";

export interface FakePush {
  subscriptionId: string;
  /** The decrypted payload, as the service worker would read it. */
  payload: string;
  ttl: number;
  urgency: string | null;
  topic: string | null;
  vapid: { aud: string; sub: string; exp: number; publicKey: string };
  bytes: number;
  at: number;
}

interface Subscription {
  ecdh: ECDH;
  auth: Buffer;
  gone: boolean;
}

interface Tenant {
  mode: FakeMode;
  subscriptions: Map<string, Subscription>;
  received: FakePush[];
  requests: number;
}

const b64u = (b: Buffer) => b.toString("base64url");

/** Verifies `vapid t=<jwt>, k=<key>` (RFC 8292); returns the claims or a reason. */
function checkVapid(header: string, origin: string): { ok: true; claims: FakePush["vapid"] } | { ok: false; reason: string } {
  const m = /^vapid\s+t=([^,\s]+),\s*k=([^,\s]+)$/i.exec(header.trim());
  if (!m) return { ok: false, reason: "Authorization is not a vapid header" };
  const [h, p, s] = m[1]!.split(".");
  if (!h || !p || !s) return { ok: false, reason: "malformed JWT" };
  const raw = Buffer.from(m[2]!, "base64url");
  if (raw.length !== 65 || raw[0] !== 4) return { ok: false, reason: "k is not an uncompressed P-256 key" };
  const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33)) }, format: "jwk" });
  const good = verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"));
  if (!good) return { ok: false, reason: "bad JWT signature" };
  const head = JSON.parse(Buffer.from(h, "base64url").toString()) as { alg?: string };
  const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as { aud?: string; sub?: string; exp?: number };
  if (head.alg !== "ES256") return { ok: false, reason: "alg must be ES256" };
  if (claims.aud !== origin) return { ok: false, reason: `aud ${claims.aud} is not ${origin}` };
  const now = Date.now() / 1000;
  if (!claims.exp || claims.exp < now || claims.exp > now + 24 * 3600 + 60) return { ok: false, reason: "exp missing or out of range" };
  if (!claims.sub || !/^(mailto:|https:)/.test(claims.sub)) return { ok: false, reason: "sub must be mailto: or https:" };
  return { ok: true, claims: { aud: claims.aud, sub: claims.sub, exp: claims.exp, publicKey: m[2]! } };
}

export async function startPushFake(): Promise<{ url: string; server: Server }> {
  const tenants = new Map<string, Tenant>();
  let base = "";

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://fake");
      const parts = url.pathname.split("/").filter(Boolean);
      if (req.method === "POST" && url.pathname === "/__tenants") {
        const tenant = newTenantId("p");
        tenants.set(tenant, { mode: { ...DEFAULT_MODE }, subscriptions: new Map(), received: [], requests: 0 });
        return sendJson(res, 201, { tenant });
      }
      if (parts[0] === "__tenants" && parts[1]) {
        const t = tenants.get(parts[1]);
        if (!t) return sendJson(res, 404, { error: "no such tenant" });
        if (req.method === "POST" && parts[2] === "subscriptions" && !parts[3]) {
          const id = randomBytes(6).toString("hex");
          const ecdh = createECDH("prime256v1");
          ecdh.generateKeys();
          const auth = randomBytes(16);
          t.subscriptions.set(id, { ecdh, auth, gone: false });
          return sendJson(res, 201, { id, endpoint: `${base}/push/${parts[1]}/${id}`, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } });
        }
        if (req.method === "POST" && parts[2] === "subscriptions" && parts[3] && parts[4] === "gone") {
          const s = t.subscriptions.get(parts[3]);
          if (!s) return sendJson(res, 404, { error: "no such subscription" });
          s.gone = true;
          return sendJson(res, 200, { ok: true });
        }
        if (req.method === "POST" && parts[2] === "mode") {
          t.mode = parseMode(t.mode, JSON.parse((await readBody(req)).toString() || "{}") as Partial<FakeMode>);
          return sendJson(res, 200, t.mode);
        }
        if (req.method === "GET" && parts[2] === "received") return sendJson(res, 200, t.received);
        if (req.method === "GET" && parts[2] === "stats") return sendJson(res, 200, { requests: t.requests, accepted: t.received.length });
        return sendJson(res, 404, { error: "unknown control route" });
      }

      // The push service endpoint: POST /push/{tenant}/{subscription}.
      if (parts[0] !== "push" || !parts[1] || !parts[2] || req.method !== "POST") return sendJson(res, 404, { error: "not found" });
      const t = tenants.get(parts[1]);
      const sub = t?.subscriptions.get(parts[2]);
      if (!t || !sub) return sendJson(res, 404, { error: "no such subscription" });
      t.requests++;
      const body = await readBody(req);
      if (sub.gone) return sendJson(res, 410, { error: "subscription expired" });
      const vapid = checkVapid(String(req.headers.authorization ?? ""), base);
      if (!vapid.ok) return sendJson(res, 401, { error: vapid.reason });
      const ttl = req.headers.ttl;
      if (ttl === undefined || !/^\d+$/.test(String(ttl))) return sendJson(res, 400, { error: "TTL header required" });
      if (req.headers["content-encoding"] !== "aes128gcm") return sendJson(res, 415, { error: "Content-Encoding must be aes128gcm" });
      if (body.length > 4096) return sendJson(res, 413, { error: "payload too large" });

      const verdict = await judge(t.mode);
      if (verdict.kind === "throttle") return sendJson(res, 429, { error: "too many requests" }, { "retry-after": String(verdict.retryAfter) });
      if (verdict.kind === "fail") return sendJson(res, verdict.status, { error: "push service failure" });

      const payload = decrypt(body, { version: "aes128gcm", privateKey: sub.ecdh, authSecret: b64u(sub.auth) }).toString("utf8");
      t.received.push({
        subscriptionId: parts[2],
        payload,
        ttl: Number(ttl),
        urgency: (req.headers.urgency as string | undefined) ?? null,
        topic: (req.headers.topic as string | undefined) ?? null,
        vapid: vapid.claims,
        bytes: body.length,
        at: Date.now(),
      });
      res.writeHead(201, { location: `${base}/messages/${randomBytes(8).toString("hex")}` });
      res.end();
    } catch (e) {
      sendJson(res, 500, { error: String(e) });
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  return { url: base, server };
}
