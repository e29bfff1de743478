import Encoding from "encoding-japanese";
import { badRequest, jaEn } from "../lib/errors";

/** The encodings a contact list (連絡網) arrives in: Excel on Windows saves Shift_JIS (CP932) unless told otherwise. */
export type SourceEncoding = "UTF-8" | "UTF-8 (BOM)" | "Shift_JIS" | "UTF-16";

export interface DecodedFile {
  text: string;
  encoding: SourceEncoding;
}

const startsWith = (bytes: Uint8Array, sig: number[]) => sig.every((b, i) => bytes[i] === b);

/**
 * Turns the uploaded bytes into text. Detection is encoding-japanese's; we only
 * narrow the candidates to what spreadsheets write and refuse everything else
 * with a message the person can act on.
 */
export function decodeCsv(bytes: Uint8Array): DecodedFile {
  if (bytes.length === 0) throw badRequest("file", jaEn("ファイルが空です。", "The file is empty."));
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0]))
    throw badRequest(
      "file",
      jaEn(
        "これはExcelのファイルで、CSVではありません。Excelで「名前を付けて保存」→「CSV」で保存したファイルを取り込んでください。",
        "This is an Excel workbook, not CSV. In Excel use 「名前を付けて保存」→「CSV」 and upload that file.",
      ),
      "not_csv",
    );

  let text: string;
  let encoding: SourceEncoding;
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) {
    text = utf8(bytes.subarray(3));
    encoding = "UTF-8 (BOM)";
  } else if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) {
    // Excel's 「Unicode テキスト」 is UTF-16 with a byte-order mark, tab separated.
    text = Encoding.convert(bytes, { to: "UNICODE", from: "UTF16", type: "string" }).replace(/^\uFEFF/, "");
    encoding = "UTF-16";
  } else {
    const detected = Encoding.detect(bytes, ["BINARY", "ASCII", "UTF8", "SJIS"]);
    if (detected === "ASCII" || detected === "UTF8") {
      text = utf8(bytes);
      encoding = "UTF-8";
    } else if (detected === "SJIS") {
      text = Encoding.convert(bytes, { to: "UNICODE", from: "SJIS", type: "string" });
      encoding = "Shift_JIS";
    } else {
      throw notText();
    }
  }
  // Control characters other than tab and line breaks mean a binary file that slipped through detection.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: they mark a binary file in a CSV upload
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/.test(text)) throw notText();
  return { text, encoding };
}

function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw notText();
  }
}

const notText = () =>
  badRequest(
    "file",
    jaEn(
      "CSVのテキストファイルではありません。CSV（UTF-8かShift_JIS）で保存してから取り込んでください。",
      "This file is not a CSV text file. Save the sheet as CSV (UTF-8 or Shift_JIS) and upload it again.",
    ),
    "not_csv",
  );
