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
