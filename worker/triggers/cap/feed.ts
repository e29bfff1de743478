import { CAP_NS } from "./parse";

/** What the feed says of one roll-call: no names, no contact details, only counts. */
export interface FeedRollcall {
  id: number;
  title: string;
  message: string;
  drill: boolean;
  state: string;
  createdAt: number;
  confirmedAt: number | null;
  closedAt: number | null;
  recipients: number;
  replied: number;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

/** CAP dateTime: an explicit offset, never "Z" (§3.3.2). Times are given in JST, the network's own. */
export function capDateTime(ms: number): string {
  const jst = new Date(Math.floor(ms / 1000) * 1000 + 9 * 3_600_000).toISOString().slice(0, 19);
  return `${jst}+09:00`;
}

/**
 * One roll-call as a CAP 1.2 alert. A drill is status Exercise; a closed roll-call is
 * an Update that references the first alert (urgency Past). identifier and sender
 * keep to CAP's rules (no spaces, commas, < or &).
 */
export function rollcallAsCap(rc: FeedRollcall, origin: string): string {
  const sender = new URL(origin).host;
  const identifier = `rollcall-${rc.id}`;
  const sent = rc.confirmedAt ?? rc.createdAt;
  const closed = rc.state === "closed" && rc.closedAt !== null;
  const head = closed
    ? `<identifier>${identifier}-closed</identifier><sender>${esc(sender)}</sender><sent>${capDateTime(rc.closedAt!)}</sent>`
    : `<identifier>${identifier}</identifier><sender>${esc(sender)}</sender><sent>${capDateTime(sent)}</sent>`;
  const refs = closed ? `<references>${esc(sender)},${identifier},${capDateTime(sent)}</references>` : "";
  const status = rc.drill ? "Exercise" : "Actual";
  const stateJa = closed ? "終了" : "回答受付中";
  return (
    `<alert xmlns="${CAP_NS}">${head}<status>${status}</status><msgType>${closed ? "Update" : "Alert"}</msgType><scope>Restricted</scope>` +
    `<restriction>連携先システム向け / for the network's partner systems</restriction>${refs}` +
    `<info><language>ja-JP</language><category>Safety</category><event>安否確認</event><responseType>Assess</responseType>` +
    `<urgency>${closed ? "Past" : "Immediate"}</urgency><severity>Unknown</severity><certainty>Observed</certainty>` +
    `<senderName>安否確認システム</senderName><headline>${esc(`${rc.drill ? "【訓練】" : ""}${rc.title}`)}</headline>` +
    `<description>${esc(`${rc.message ? `${rc.message}\n` : ""}${stateJa}: 回答 ${rc.replied} / ${rc.recipients}`)}</description>` +
    `<web>${esc(`${origin.replace(/\/+$/, "")}/rollcalls/${rc.id}`)}</web>` +
    `<parameter><valueName>rollcallState</valueName><value>${esc(rc.state)}</value></parameter>` +
    `<parameter><valueName>recipients</valueName><value>${rc.recipients}</value></parameter>` +
    `<parameter><valueName>replied</valueName><value>${rc.replied}</value></parameter>` +
    `<area><areaDesc>ネットワーク全体 / the network</areaDesc></area></info></alert>`
  );
}

/** An Atom feed whose entries carry the roll-calls as CAP 1.2 (newest first). */
export function capAtomFeed(rollcalls: FeedRollcall[], origin: string, now: number): string {
  const base = origin.replace(/\/+$/, "");
  const updated = rollcalls.reduce((m, r) => Math.max(m, r.closedAt ?? 0, r.confirmedAt ?? 0, r.createdAt), 0) || now;
  const entries = rollcalls
    .map((rc) => {
      const at = rc.closedAt ?? rc.confirmedAt ?? rc.createdAt;
      return (
        `<entry><id>${esc(`${base}/api/triggers/cap.atom#rollcall-${rc.id}`)}</id><title>${esc(`${rc.drill ? "【訓練】" : ""}${rc.title}`)}</title>` +
        `<updated>${new Date(at).toISOString()}</updated><link rel="alternate" href="${esc(`${base}/rollcalls/${rc.id}`)}"/>` +
        `<content type="application/cap+xml">${rollcallAsCap(rc, origin)}</content></entry>`
      );
    })
    .join("\n");
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">` +
    `<id>${esc(`${base}/api/triggers/cap.atom`)}</id><title>安否確認 (CAP 1.2)</title><updated>${new Date(updated).toISOString()}</updated>` +
    `<author><name>安否確認システム</name></author><link rel="self" href="${esc(`${base}/api/triggers/cap.atom`)}"/>\n${entries}\n</feed>\n`
  );
}
