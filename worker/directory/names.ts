import { normalizeKana } from "./contact";

/**
 * Names as the directory's search matches them. A 連絡網 and a person's own typing
 * rarely agree on the kanji of a family name (山崎 / 山﨑, 高橋 / 髙橋, 斉藤 / 齋藤 / 斎藤),
 * so each common 異体字 is folded to one form, on both sides of the match.
 *
 * The people table keeps the folded forms as indexed columns (`name_key`, `kana_key`,
 * migration 0014), computed by SQLite from this same table: a change here needs a
 * migration that redefines those columns (test/directory.search.test.ts checks they agree).
 */
export const NAME_VARIANTS: readonly (readonly [variant: string, common: string])[] = [
  ["﨑", "崎"],
  ["嵜", "崎"],
  ["碕", "崎"],
  ["髙", "高"],
  ["齋", "斉"],
  ["齊", "斉"],
  ["斎", "斉"],
  ["邊", "辺"],
  ["邉", "辺"],
  ["澤", "沢"],
  ["濱", "浜"],
  ["濵", "浜"],
  ["嶋", "島"],
  ["嶌", "島"],
  ["櫻", "桜"],
  ["廣", "広"],
  ["惠", "恵"],
  ["𠮷", "吉"],
  ["栁", "柳"],
  ["德", "徳"],
  ["國", "国"],
  ["眞", "真"],
  ["實", "実"],
  ["龍", "竜"],
  ["黑", "黒"],
  ["瀨", "瀬"],
  ["澁", "渋"],
  ["條", "条"],
  ["冨", "富"],
  ["舘", "館"],
  ["圓", "円"],
  ["壽", "寿"],
  ["萬", "万"],
  ["會", "会"],
  ["學", "学"],
  ["禮", "礼"],
  ["藏", "蔵"],
  ["檜", "桧"],
  ["槇", "槙"],
  ["藪", "薮"],
  ["曾", "曽"],
  ["瀧", "滝"],
  ["關", "関"],
  ["峯", "峰"],
  ["鐵", "鉄"],
  ["榮", "栄"],
  ["蘆", "芦"],
  ["龜", "亀"],
  ["遙", "遥"],
  ["鷗", "鴎"],
  ["凉", "涼"],
  ["淵", "渕"],
  ["桒", "桑"],
  ["晉", "晋"],
  ["顯", "顕"],
  ["郞", "郎"],
  ["增", "増"],
  ["穗", "穂"],
  ["恆", "恒"],
  ["嶽", "岳"],
  ["莊", "荘"],
  ["靑", "青"],
  ["淸", "清"],
  ["兒", "児"],
  ["聰", "聡"],
  ["彌", "弥"],
  ["與", "与"],
  ["螢", "蛍"],
  ["劍", "剣"],
  ["劒", "剣"],
];

const FOLD = new Map<string, string>(NAME_VARIANTS);

/** Spaces as SQLite's column drops them: ASCII and full-width. */
const SPACES = /[ \u3000]/g;

/**
 * A name as matched: ASCII letters lower-cased (as SQLite's lower()), each variant kanji
 * in its common form, no spaces. 「山﨑　太郎」 and 「山崎太郎」 give the same key.
 */
export function nameKey(name: string): string {
  let out = "";
  for (const ch of name.replace(/[A-Z]/g, (c) => c.toLowerCase())) out += FOLD.get(ch) ?? ch;
  return out.replace(SPACES, "");
}

/** A reading as matched: katakana (ひらがな and half-width ｶﾅ folded), no spaces. 「やまだ たろう」 → 「ヤマダタロウ」. */
export function kanaKey(kana: string): string {
  return normalizeKana(kana).replace(SPACES, "");
}
