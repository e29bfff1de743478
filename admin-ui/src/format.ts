import { getLang } from "./i18n";

/** Everyone in the network is in Japan: times are always shown in JST, whatever the device says. */
const TZ = "Asia/Tokyo";

function fmt(opts: Intl.DateTimeFormatOptions) {
  return new Intl.DateTimeFormat(getLang() === "ja" ? "ja-JP" : "en-GB", { timeZone: TZ, ...opts });
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

export const percent = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)}%` : "—");
