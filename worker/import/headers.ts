import { badRequest, jaEn } from "../lib/errors";

/** The columns the import understands. Only `name` is required. */
export const COLUMNS = ["name", "kana", "facility", "job", "mobile", "email", "role", "lang"] as const;
export type Column = (typeof COLUMNS)[number];

/** Header spellings seen in real 連絡網 sheets, after `normalizeHeader`. */
const ALIASES: Record<Column, string[]> = {
  name: ["氏名", "名前", "お名前", "氏名漢字", "職員名", "スタッフ名", "name", "fullname"],
  kana: ["フリガナ", "ふりがな", "カナ", "かな", "氏名カナ", "氏名フリガナ", "よみ", "よみがな", "kana", "furigana", "reading"],
  facility: ["事業所名", "事業所", "施設名", "施設", "所属", "所属事業所", "facility", "facilityname"],
  job: ["職種", "職名", "job", "jobtitle", "occupation", "profession"],
  mobile: ["携帯電話", "携帯", "携帯電話番号", "携帯番号", "電話番号", "電話", "mobile", "mobilephone", "mobilenumber", "phone", "cell", "cellphone"],
  email: ["メールアドレス", "メール", "eメール", "email", "mail", "emailaddress"],
  role: ["役割", "権限", "role"],
  lang: ["言語", "使用言語", "lang", "language"],
};

const BY_ALIAS = new Map<string, Column>(COLUMNS.flatMap((c) => ALIASES[c].map((a) => [a, c] as const)));

/** NFKC, lower case, no spaces, separators, required-marks or bracketed notes: 「携帯電話（必須）」 → 「携帯電話」. */
export function normalizeHeader(h: string): string {
  return h
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[([【<].*?[)\]】>]/g, "")
    .replace(/[\s_\-.:*※]/g, "");
}

export interface HeaderMap {
  /** Column → index in each record. */
  index: Partial<Record<Column, number>>;
  /** Headers the import does not use, as written in the file. */
  ignored: string[];
}

export function mapHeaders(header: string[]): HeaderMap {
  const index: Partial<Record<Column, number>> = {};
  const ignored: string[] = [];
  header.forEach((raw, i) => {
    const col = BY_ALIAS.get(normalizeHeader(raw));
    if (!col) {
      if (raw.trim()) ignored.push(raw.trim());
      return;
    }
    if (index[col] !== undefined)
      throw badRequest(
        "file",
        jaEn(
          `同じ意味の列が2つあります（「${header[index[col]]!.trim()}」と「${raw.trim()}」）。1つにしてください。`,
          `Two columns mean the same thing (${col}): 「${header[index[col]]!.trim()}」 and 「${raw.trim()}」. Keep one.`,
        ),
      );
    index[col] = i;
  });
  if (index.name === undefined)
    throw badRequest(
      "file",
      jaEn(
        "1行目は見出しで、「氏名」の列が必要です（例: 氏名,フリガナ,事業所名,職種,携帯電話,メールアドレス,役割）。",
        "The first line must be the header and name a 氏名 (name) column, e.g. 氏名,フリガナ,事業所名,職種,携帯電話,メールアドレス,役割.",
      ),
    );
  return { index, ignored };
}
