import { env } from "cloudflare:test";
import Encoding from "encoding-japanese";
import { api } from "./helpers";

let n = 0;
/** A name part no other test of the file uses (storage is shared within a file). */
export const uniq = () => `${Date.now().toString(36)}${++n}`;

export const JA_HEADER = ["氏名", "フリガナ", "事業所名", "職種", "携帯電話", "メールアドレス", "役割"];

/** A CSV text from rows of cells, quoting where RFC 4180 requires, CRLF as Excel writes. */
export function csvText(rows: string[][]): string {
  const cell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

export const utf8 = (text: string, bom = false) => {
  const body = new TextEncoder().encode(text);
  if (!bom) return body;
  const out = new Uint8Array(body.length + 3);
  out.set([0xef, 0xbb, 0xbf]);
  out.set(body, 3);
  return out;
};

export const sjis = (text: string) => new Uint8Array(Encoding.convert(Encoding.stringToCode(text), { to: "SJIS", from: "UNICODE" }));

export interface Report {
  ok: boolean;
  committed: boolean;
  encoding: string;
  columns: string[];
  ignoredColumns: string[];
  counts: { rows: number; create: number; update: number; unchanged: number; invalid: number };
  rows: { row: number; line: number; name: string; facility: string; role: string | null; action: string | null; changes: string[]; problems: { code: string; field: string; message: string }[] }[];
  error?: { code: string; message: string; field?: string };
}

export async function upload(step: "preview" | "commit", bytes: Uint8Array | string, cookie: string, query = "", type = "text/csv") {
  const res = await api("POST", `/api/import/people/${step}${query}`, { cookie, body: bytes, headers: { "content-type": type } });
  return { status: res.status, body: (await res.json()) as Report };
}

export async function mfaOff() {
  await env.DB.prepare("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES ('mfaRequiredForAdmins', 'false', 0)").run();
}

/** People holding this email now (active contacts). */
export async function holdersOf(kind: "email" | "mobile", value: string): Promise<number[]> {
  const { results } = await env.DB.prepare("SELECT person_id FROM contacts WHERE kind = ?1 AND value = ?2 AND removed_at IS NULL").bind(kind, value).all<{ person_id: number }>();
  return results.map((r) => r.person_id);
}
