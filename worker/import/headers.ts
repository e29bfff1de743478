import { badRequest, jaEn } from "../lib/errors";

/**
 * The columns the import understands. Only `name` is required. `phone` is a home or
 * office number (電話番号（自宅）, 事業所電話), kept for phone checks and never texted;
 * a sheet may have several such columns.
 */
export const COLUMNS = ["name", "kana", "facility", "job", "mobile", "phone", "email", "role", "lang"] as const;
export type Column = (typeof COLUMNS)[number];

/** Header spellings seen in real 連絡網 sheets, after `normalizeHeader`. */
const ALIASES: Record<Column, string[]> = {
  name: ["氏名", "名前", "お名前", "氏名漢字", "職員名", "スタッフ名", "name", "fullname"],
  kana: ["フリガナ", "ふりがな", "カナ", "かな", "氏名カナ", "氏名フリガナ", "よみ", "よみがな", "kana", "furigana", "reading"],
  facility: ["事業所名", "事業所", "施設名", "施設", "所属", "所属事業所", "facility", "facilityname"],
  job: ["職種", "職名", "job", "jobtitle", "occupation", "profession"],
  mobile: ["携帯電話", "携帯", "携帯電話番号", "携帯番号", "ケータイ", "けいたい", "携帯tel", "mobile", "mobilephone", "mobilenumber", "cell", "cellphone"],
  phone: [
    "電話番号",
    "電話",
    "自宅電話",
    "自宅電話番号",
    "自宅tel",
    "固定電話",
    "固定電話番号",
    "事業所電話",
    "事業所電話番号",
    "勤務先電話",
    "勤務先電話番号",
    "職場電話",
    "施設電話",
    "連絡先電話番号",
    "tel",
    "telephone",
    "phone",
    "phonenumber",
  ],
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

/** Columns a sheet may have more than once (自宅 and 事業所): each is read. */
const REPEATABLE: ReadonlySet<Column> = new Set<Column>(["phone"]);

export interface HeaderMap {
  /** Column → index in each record (the first, for a repeatable column). */
  index: Partial<Record<Column, number>>;
  /** Every index of each repeatable column. */
  repeated: Partial<Record<Column, number[]>>;
  /** Headers the import does not use, as written in the file. */
  ignored: string[];
}

export function mapHeaders(header: string[]): HeaderMap {
  const index: Partial<Record<Column, number>> = {};
  const repeated: Partial<Record<Column, number[]>> = {};
  const ignored: string[] = [];
  header.forEach((raw, i) => {
    const col = BY_ALIAS.get(normalizeHeader(raw));
    if (!col) {
      if (raw.trim()) ignored.push(raw.trim());
      return;
    }
    if (REPEATABLE.has(col)) {
      repeated[col] = [...(repeated[col] ?? []), i];
      index[col] ??= i;
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
  return { index, repeated, ignored };
}
