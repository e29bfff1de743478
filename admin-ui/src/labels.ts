import { addStrings, getLang, t } from "./i18n";
import { FACILITY_TYPES } from "../../worker/directory/facility-types";
import { LANGUAGES } from "../../worker/templates/languages";

/**
 * Domain words: facility types, group kinds, channels, states (ja / en). The answers, the
 * roles in a facility and 訓練/本番 are staff words too: locales/*.ts, in every language.
 */
addStrings({
  ja: {
    "ft.clinic": "診療所",
    "ft.hospital": "病院",
    "ft.dental": "歯科診療所",
    "ft.pharmacy": "薬局",
    "ft.visiting_nurse": "訪問看護ステーション",
    "ft.visiting_rehab": "訪問リハビリ",
    "ft.care_manager": "居宅介護支援事業所",
    "ft.home_care": "訪問介護事業所",
    "ft.community_support": "地域包括支援センター",
    "ft.city_division": "市役所・介護福祉課",
    "gk.network": "全体",
    "gk.facility": "事業所",
    "gk.custom": "任意",
    "yesno.yes": "あり",
    "yesno.no": "なし",
    "ch.push": "プッシュ通知",
    "ch.sms": "SMS",
    "ch.email": "メール",
    "state.draft": "下書き",
    "state.sending": "送信中",
    "state.open": "受付中",
    "state.closed": "終了",
    "state.withdrawn": "取り消し",
    "dstate.queued": "待機",
    "dstate.sending": "送信中",
    "dstate.sent": "送信済み",
    "dstate.delivered": "到達",
    "dstate.failed": "失敗",
    "dstate.cancelled": "取り消し",
    unanswered: "未回答",
  },
  en: {
    "ft.clinic": "Clinic",
    "ft.hospital": "Hospital",
    "ft.dental": "Dental clinic",
    "ft.pharmacy": "Pharmacy",
    "ft.visiting_nurse": "Visiting nurse station",
    "ft.visiting_rehab": "Visiting rehab",
    "ft.care_manager": "Care-manager office",
    "ft.home_care": "Home-care office",
    "ft.community_support": "Community support centre",
    "ft.city_division": "City care division",
    "gk.network": "Network",
    "gk.facility": "Facility",
    "gk.custom": "Custom",
    "yesno.yes": "Yes",
    "yesno.no": "No",
    "ch.push": "Push",
    "ch.sms": "SMS",
    "ch.email": "Email",
    "state.draft": "Draft",
    "state.sending": "Sending",
    "state.open": "Open",
    "state.closed": "Closed",
    "state.withdrawn": "Withdrawn",
    "dstate.queued": "Queued",
    "dstate.sending": "Sending",
    "dstate.sent": "Sent",
    "dstate.delivered": "Delivered",
    "dstate.failed": "Failed",
    "dstate.cancelled": "Cancelled",
    unanswered: "No answer",
  },
});

export { FACILITY_TYPES };
export const CHANNELS = ["push", "sms", "email"] as const;

/** A label for a value of a known kind, or the value itself. */
export const label = (kind: string, value: string | null | undefined) => (value ? t(`${kind}.${value}`, value) : "—");

const LANGUAGE_NAMES = new Map<string, string>(LANGUAGES.map((l) => [l.code, l.name]));

/** A language code as its name, in that language (ja → 日本語, vi → Tiếng Việt). */
export const langName = (code: string) => LANGUAGE_NAMES.get(code) ?? code;

/** The gloss beside a language's own name in a picker, in the screen's language: 「Tiếng Việt（ベトナム語）」. */
export const langGloss = (l: { code: string; name: string; english: string; japanese: string }) => {
  const gloss = getLang() === "ja" || getLang() === "ja-easy" ? l.japanese : l.english;
  return l.name === gloss ? "" : `（${gloss}）`;
};
