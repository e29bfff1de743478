/**
 * A Twilio REST fake: `POST /2010-04-01/Accounts/{Sid}/Messages.json` with Basic auth
 * (AccountSid:AuthToken) and Twilio's form fields, answered the way Twilio answers
 * (201 with sid and status, or Twilio's error JSON). It also produces status callbacks
 * signed with the account's token exactly as Twilio signs them (X-Twilio-Signature).
 *
 * Control API (JSON): POST /__accounts → {sid, token}; POST /__accounts/{sid}/mode;
 * GET /__accounts/{sid}/messages; GET /__accounts/{sid}/stats;
 * POST /__accounts/{sid}/messages/{msgSid}/callback {status, errorCode?, url?, deliver?}
 * → {url, params, signature} (and POSTs it when `deliver` is true).
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import twilio from "twilio";
import { DEFAULT_MODE, judge, parseMode, readBody, sendJson, type FakeMode } from "./control";

export interface FakeSms {
  sid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | null;
  at: number;
}

interface Account {
  token: string;
  mode: FakeMode;
  messages: FakeSms[];
  /** Every Messages.json request, accepted or not. */
  requests: number;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const hex = (n: number) => randomBytes(n).toString("hex");

export async function startTwilioFake(): Promise<{ url: string; server: Server }> {
  const accounts = new Map<string, Account>();

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://fake");
      const parts = url.pathname.split("/").filter(Boolean);
      if (req.method === "POST" && url.pathname === "/__accounts") {
        const sid = `AC${hex(16)}`;
        const token = hex(16);
        accounts.set(sid, { token, mode: { ...DEFAULT_MODE }, messages: [], requests: 0 });
        return sendJson(res, 201, { sid, token });
      }
      if (parts[0] === "__accounts" && parts[1]) {
        const acct = accounts.get(parts[1]);
        if (!acct) return sendJson(res, 404, { error: "no such account" });
        if (req.method === "POST" && parts[2] === "mode") {
          acct.mode = parseMode(acct.mode, JSON.parse((await readBody(req)).toString() || "{}") as Partial<FakeMode>);
          return sendJson(res, 200, acct.mode);
        }
        if (req.method === "GET" && parts[2] === "messages") return sendJson(res, 200, acct.messages);
        if (req.method === "GET" && parts[2] === "stats") return sendJson(res, 200, { requests: acct.requests, accepted: acct.messages.length });
        if (req.method === "POST" && parts[2] === "messages" && parts[3] && parts[4] === "callback") {
          const msg = acct.messages.find((m) => m.sid === parts[3]);
          if (!msg) return sendJson(res, 404, { error: "no such message" });
          const o = JSON.parse((await readBody(req)).toString() || "{}") as { status: string; errorCode?: string; url?: string; deliver?: boolean };
          const target = o.url ?? msg.statusCallback;
          if (!target) return sendJson(res, 400, { error: "message has no StatusCallback" });
          const params: Record<string, string> = {
            AccountSid: parts[1],
            ApiVersion: "2010-04-01",
            From: msg.from,
            MessageSid: msg.sid,
            MessageStatus: o.status,
            SmsSid: msg.sid,
            SmsStatus: o.status,
            To: msg.to,
            ...(o.errorCode ? { ErrorCode: o.errorCode } : {}),
          };
          const signature = twilio.getExpectedTwilioSignature(acct.token, target, params);
          let delivered: number | null = null;
          if (o.deliver) {
            const r = await fetch(target, {
              method: "POST",
              headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
              body: new URLSearchParams(params),
            });
            delivered = r.status;
          }
          return sendJson(res, 200, { url: target, params, signature, delivered });
        }
        return sendJson(res, 404, { error: "unknown control route" });
      }

      // The REST API itself.
      const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
      if (!m || req.method !== "POST") return sendJson(res, 404, { code: 20404, message: "The requested resource was not found", status: 404 });
      const sid = m[1]!;
      const acct = accounts.get(sid);
      const auth = req.headers.authorization ?? "";
      const expected = acct ? `Basic ${Buffer.from(`${sid}:${acct.token}`).toString("base64")}` : null;
      if (!acct || auth !== expected)
        return sendJson(res, 401, { code: 20003, message: "Authenticate", more_info: "https://www.twilio.com/docs/errors/20003", status: 401 });
      acct.requests++;
      const form = new URLSearchParams((await readBody(req)).toString());
      const to = form.get("To") ?? "";
      const from = form.get("From") ?? "";
      const body = form.get("Body") ?? "";
      const statusCallback = form.get("StatusCallback");
      const bad = (code: number, message: string) =>
        sendJson(res, 400, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 });
      if (!String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return bad(20001, "Expected a form body");
      if (!E164.test(to)) return bad(21211, `The 'To' number ${to ? "is not a valid phone number" : "is required"}.`);
      if (!E164.test(from) && !form.get("MessagingServiceSid")) return bad(21212, "The 'From' number is not a valid phone number.");
      if (!body) return bad(21602, "Message body is required.");
      if (body.length > 1600) return bad(21617, "The concatenated message body exceeds the 1600 character limit.");
      if (statusCallback !== null && !/^https?:\/\//.test(statusCallback)) return bad(21609, "Invalid StatusCallback URL.");

      const verdict = await judge(acct.mode);
      if (verdict.kind === "throttle")
        return sendJson(
          res,
          429,
          { code: 20429, message: "Too Many Requests", more_info: "https://www.twilio.com/docs/errors/20429", status: 429 },
          { "retry-after": String(verdict.retryAfter) },
        );
      if (verdict.kind === "fail") return sendJson(res, verdict.status, { code: 20500, message: "Internal Server Error", status: verdict.status });

      const msg: FakeSms = { sid: `SM${hex(16)}`, to, from, body, statusCallback, at: Date.now() };
      acct.messages.push(msg);
      const now = new Date().toUTCString();
      return sendJson(res, 201, {
        account_sid: sid,
        api_version: "2010-04-01",
        body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: "outbound-api",
        error_code: null,
        error_message: null,
        from,
        messaging_service_sid: form.get("MessagingServiceSid"),
        num_media: "0",
        num_segments: "1",
        price: null,
        price_unit: "USD",
        sid: msg.sid,
        status: "queued",
        subresource_uris: { media: `/2010-04-01/Accounts/${sid}/Messages/${msg.sid}/Media.json` },
        to,
        uri: `/2010-04-01/Accounts/${sid}/Messages/${msg.sid}.json`,
      });
    } catch (e) {
      sendJson(res, 500, { error: String(e) });
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, server };
}
