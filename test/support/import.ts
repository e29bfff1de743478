/** Helpers for the CSV import tests: CSV text, its encodings, and the preview/commit upload. */
import Encoding from "encoding-japanese";
import { api } from "./http";

export const JA_HEADER = ["氏名", "フリガナ", "事業所名", "職種", "携帯電話", "メールアドレス", "役割"];

/** A CSV text from rows of cells, quoting where RFC 4180 requires, CRLF as Excel writes. */
export function csvText(rows: string[][]): string {
  const cell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return `${rows.map((r) => r.map(cell).join(",")).join("\r\n")}\r\n`;
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

export interface ImportReport {
  ok: boolean;
  committed: boolean;
  encoding: string;
  columns: string[];
  ignoredColumns: string[];
  counts: { rows: number; create: number; update: number; unchanged: number; invalid: number; warned: number };
  rows: {
    row: number;
    line: number;
    name: string;
    facility: string;
    role: string | null;
    mobile: string | null;
    phones: string[];
    email: string | null;
    action: string | null;
    changes: string[];
    problems: { code: string; field: string; message: string }[];
    warnings: { code: string; field: string; message: string }[];
  }[];
  error?: { code: string; message: string; field?: string };
}

export async function upload(step: "preview" | "commit", bytes: Uint8Array | string, cookie: string, query = "", type = "text/csv") {
  const res = await api("POST", `/api/import/people/${step}${query}`, { cookie, body: bytes, headers: { "content-type": type } });
  return { status: res.status, body: (await res.json()) as ImportReport };
}
