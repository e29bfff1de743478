/** Placeholder filling and SMS segment counting: rendering stays apart from sending. */

export type Vars = Record<string, string | number>;

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/**
 * Replaces `{name}` with its value; unknown placeholders stay as written so a typo
 * shows in the preview. In HTML every value is escaped.
 */
export function fill(template: string, vars: Vars, opts: { html?: boolean } = {}): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => {
    if (!(k in vars)) return m;
    const v = String(vars[k]);
    return opts.html ? escapeHtml(v) : v;
  });
}

/**
 * `fill` in two steps: the values of `fixed` now, the placeholders named in `later`
 * when the answer is called. `prefill(t, a, ks)(b)` equals `fill(t, { ...a, ...b })`
 * when `b` holds just the keys `ks`: a message is filled once per roll-call and
 * language, and only the per-person parts (name, reply link) once per person.
 */
export function prefill(template: string, fixed: Vars, later: readonly string[], opts: { html?: boolean } = {}): (vars: Vars) => string {
  const value = (v: string | number) => (opts.html ? escapeHtml(String(v)) : String(v));
  const parts: (string | { key: string; raw: string })[] = [];
  let literal = "";
  let last = 0;
  for (const m of template.matchAll(/\{(\w+)\}/g)) {
    literal += template.slice(last, m.index);
    last = m.index + m[0].length;
    const key = m[1]!;
    if (later.includes(key)) {
      parts.push(literal, { key, raw: m[0] });
      literal = "";
    } else literal += key in fixed ? value(fixed[key]!) : m[0];
  }
  parts.push(literal + template.slice(last));
  if (parts.length === 1) {
    const done = parts[0] as string;
    return () => done;
  }
  return (vars) => {
    let out = "";
    for (const p of parts) out += typeof p === "string" ? p : p.key in vars ? value(vars[p.key]!) : p.raw;
    return out;
  };
}

/** The GSM 03.38 basic set (one septet each) and its extension table (two septets each). */
const GSM_BASIC = new Set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà");
const GSM_EXTENDED = new Set("^{}\\[~]|€\f");

export interface SmsSize {
  encoding: "GSM-7" | "UCS-2";
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
  /** Units one segment holds: 160/153 (GSM-7), 70/67 (UCS-2) when split. */
  perSegment: number;
}

/** How many SMS segments a text takes: GSM-7 160 (153 when split), else UCS-2 70 (67 when split). */
export function smsSegments(text: string): SmsSize {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENDED.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) {
    const segments = septets <= 160 ? 1 : Math.ceil(septets / 153);
    return { encoding: "GSM-7", units: septets, segments, perSegment: segments === 1 ? 160 : 153 };
  }
  const units = text.length; // UTF-16 code units: a surrogate pair takes two, as on the wire
  const segments = units <= 70 ? 1 : Math.ceil(units / 67);
  return { encoding: "UCS-2", units, segments, perSegment: segments === 1 ? 70 : 67 };
}
