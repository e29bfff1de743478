import { languageOf } from "../../worker/templates/languages";
import { getLang } from "./i18n";

/** Everyone in the network is in Japan: times are always shown in JST, whatever the device says. */
const TZ = "Asia/Tokyo";

function fmt(opts: Intl.DateTimeFormatOptions) {
  return new Intl.DateTimeFormat(languageOf(getLang()).locale, { timeZone: TZ, ...opts });
}

/** 2026/11/28 14:05 (JST). Accepts UTC ms or an ISO string. */
export function dateTime(at: number | string | null | undefined): string {
  if (at === null || at === undefined || at === "") return "—";
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return "—";
  return fmt({ year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false }).format(d);
}

export function time(at: number | string | null | undefined): string {
  if (at === null || at === undefined || at === "") return "—";
  return fmt({ hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(new Date(at));
}

/** 1,482 */
export const count = (n: number) => new Intl.NumberFormat("ja-JP").format(n);

/**
 * 42% — under 1% with its first digit (0.5%, 0.03%), so the first answers do not read
 * as 0%; never 100% before everyone has answered (99.6% reads 99.6%).
 */
export function percent(part: number, whole: number): string {
  if (whole <= 0) return "—";
  const r = (part / whole) * 100;
  if (r > 0 && r < 1) return `${Number(r.toPrecision(1))}%`;
  const whole100 = Math.round(r);
  if (whole100 === 100 && part < whole) return `${Math.floor(r * 10) / 10}%`;
  return `${whole100}%`;
}

/**
 * A Japanese number as people read it (+819012345678 → 090-1234-5678); `tel:` links
 * keep the E.164 form. Other countries' numbers are shown as stored.
 */
export function phone(e164: string | null | undefined): string {
  if (!e164) return "";
  const m = /^\+81(\d{9,10})$/.exec(e164);
  if (!m) return e164;
  const n = `0${m[1]}`;
  if (/^0[5789]0\d{8}$/.test(n)) return `${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`; // mobile, IP phone
  if (/^0120\d{6}$/.test(n)) return `${n.slice(0, 4)}-${n.slice(4, 7)}-${n.slice(7)}`; // free dial
  if (/^0[36]\d{8}$/.test(n)) return `${n.slice(0, 2)}-${n.slice(2, 6)}-${n.slice(6)}`; // Tokyo, Osaka
  if (n.length === 10) return `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`; // e.g. 042-3xx-xxxx
  return n;
}
