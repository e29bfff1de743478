/**
 * An SMTP fake (`smtp-server`) that receives real mail and reads enough MIME to check
 * it: the Subject (RFC 2047 encoded words), From, To, and the text and HTML parts
 * (quoted-printable or base64). State is kept per recipient domain: a test creates a
 * domain through the control API and sends to addresses in it.
 *
 * SMTP: AUTH is required (PLAIN/LOGIN, user "anpi", password "smtp-secret"), no TLS.
 * Control API on a separate HTTP port: POST /__tenants → {domain};
 * POST /__tenants/{domain}/mode (failStatus is the SMTP reply code: 451 transient, 550 permanent);
 * GET /__tenants/{domain}/received; GET /__tenants/{domain}/stats.
 */
import { createServer, type Server } from "node:http";
import { SMTPServer } from "smtp-server";
import { DEFAULT_MODE, judge, newTenantId, parseMode, readBody, sendJson, type FakeMode } from "./control";

export const SMTP_USER = "anpi";
export const SMTP_PASSWORD = "smtp-secret";

export interface FakeMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  at: number;
}

interface Tenant {
  mode: FakeMode;
  received: FakeMail[];
  attempts: number;
}

function decodeWords(s: string): string {
  return s.replace(/\s*=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_all, charset: string, enc: string, data: string) => {
    const buf = enc.toUpperCase() === "B" ? Buffer.from(data, "base64") : qp(data.replace(/_/g, " "));
    return new TextDecoder(charset).decode(buf);
  });
}

function qp(s: string): Buffer {
  const bytes: number[] = [];
  const src = s.replace(/=\r?\n/g, "");
  for (let i = 0; i < src.length; i++) {
    if (src[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(src.slice(i + 1, i + 3))) {
      bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(src[i]!, "utf8"));
  }
  return Buffer.from(bytes);
}

function splitHeaders(raw: string): { headers: Record<string, string>; body: string } {
  const idx = raw.search(/\r?\n\r?\n/);
  const head = idx < 0 ? raw : raw.slice(0, idx);
  const body = idx < 0 ? "" : raw.slice(idx).replace(/^\r?\n\r?\n/, "");
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const c = line.indexOf(":");
    if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  return { headers, body };
}

function decodePart(headers: Record<string, string>, body: string): string {
  const cte = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  const charset = /charset="?([^";]+)"?/i.exec(headers["content-type"] ?? "")?.[1] ?? "utf-8";
  const buf = cte === "base64" ? Buffer.from(body.replace(/\s+/g, ""), "base64") : cte === "quoted-printable" ? qp(body) : Buffer.from(body, "utf8");
  return new TextDecoder(charset).decode(buf);
}

/** Reads the text and HTML parts of a (possibly multipart) message. */
export function parseMail(raw: string): Omit<FakeMail, "to" | "at"> {
  const { headers, body } = splitHeaders(raw);
  let text = "";
  let html = "";
  const walk = (h: Record<string, string>, b: string) => {
    const type = h["content-type"] ?? "text/plain";
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (/^multipart\//i.test(type) && boundary) {
      for (const chunk of b.split(`--${boundary}`).slice(1)) {
        if (chunk.startsWith("--")) break;
        const part = splitHeaders(chunk.replace(/^\r?\n/, ""));
        walk(part.headers, part.body.replace(/\r?\n$/, ""));
      }
    } else if (/^text\/html/i.test(type)) html ||= decodePart(h, b);
    else if (/^text\/plain/i.test(type)) text ||= decodePart(h, b);
  };
  walk(headers, body);
  return { from: headers.from ?? "", subject: decodeWords(headers.subject ?? ""), text, html, headers };
}

export async function startSmtpFake(): Promise<{ port: number; controlUrl: string; servers: { close(cb?: () => void): void }[] }> {
  const tenants = new Map<string, Tenant>();
  const tenantOf = (address: string) => tenants.get(address.split("@")[1]?.toLowerCase() ?? "");

  const smtp = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    size: 1024 * 1024,
    onAuth(auth, _session, cb) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) cb(null, { user: auth.username });
      else cb(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      const t = tenantOf(address.address);
      if (!t) return cb(Object.assign(new Error("No such user here"), { responseCode: 550 }));
      t.attempts++;
      void judge(t.mode).then((v) => {
        if (v.kind === "throttle") cb(Object.assign(new Error(`Too many messages, try again in ${v.retryAfter}s`), { responseCode: 451 }));
        else if (v.kind === "fail") cb(Object.assign(new Error("Mailbox unavailable"), { responseCode: v.status }));
        else cb();
      });
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const mail = parseMail(Buffer.concat(chunks).toString("utf8"));
        const to = session.envelope.rcptTo.map((r) => r.address);
        for (const addr of to) tenantOf(addr)?.received.push({ ...mail, to, at: Date.now() });
        cb();
      });
    },
  });
  // A client that vanishes mid-session (a killed worker) is that client's problem, not the server's.
  smtp.on("error", () => {});
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
  const smtpAddr = smtp.server.address();
  const port = typeof smtpAddr === "object" && smtpAddr ? smtpAddr.port : 0;

  const control: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const parts = url.pathname.split("/").filter(Boolean);
    if (req.method === "POST" && url.pathname === "/__tenants") {
      const domain = `${newTenantId("m")}.mail.test`;
      tenants.set(domain, { mode: { ...DEFAULT_MODE }, received: [], attempts: 0 });
      return sendJson(res, 201, { domain });
    }
    const t = parts[0] === "__tenants" && parts[1] ? tenants.get(parts[1]) : undefined;
    if (!t) return sendJson(res, 404, { error: "no such tenant" });
    if (req.method === "POST" && parts[2] === "mode") {
      t.mode = parseMode(t.mode, JSON.parse((await readBody(req)).toString() || "{}") as Partial<FakeMode>);
      return sendJson(res, 200, t.mode);
    }
    if (req.method === "GET" && parts[2] === "received") return sendJson(res, 200, t.received);
    if (req.method === "GET" && parts[2] === "stats") return sendJson(res, 200, { requests: t.attempts, accepted: t.received.length });
    return sendJson(res, 404, { error: "unknown control route" });
  });
  await new Promise<void>((r) => control.listen(0, "127.0.0.1", r));
  const cAddr = control.address();
  const controlUrl = `http://127.0.0.1:${typeof cAddr === "object" && cAddr ? cAddr.port : 0}`;
  return { port, controlUrl, servers: [smtp, control] };
}
