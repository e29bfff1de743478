import { badRequest, jaEn } from "../lib/errors";

/** One record of the file and the physical line it starts on (1-based), for messages a person can find in Excel. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 records: quoted fields with commas, doubled quotes and line breaks;
 * CRLF, LF or CR line ends. A dozen lines of state machine, kept here rather than
 * taking a dependency, because the import needs each record's starting line and
 * none of the installed packages parses CSV.
 */
export function parseCsv(text: string, delimiter = ","): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let quoteOpenedAt = 0;
  const endField = () => {
    fields.push(field);
    field = "";
  };
  const endRecord = () => {
    endField();
    records.push({ line: recordLine, fields });
    fields = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n" || (ch === "\r" && text[i + 1] !== "\n")) line++;
        field += ch;
      }
    } else if (ch === '"' && field.trim() === "") {
      // Excel never writes a quote after spaces, but people do; the spaces go.
      field = "";
      quoted = true;
      quoteOpenedAt = line;
    } else if (ch === delimiter) endField();
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      recordLine = line;
    } else field += ch;
  }
  if (quoted)
    throw badRequest("file", jaEn(`${quoteOpenedAt}行目で始まった「"」が閉じていません。`, `A quoted field opened on line ${quoteOpenedAt} is never closed.`));
  if (field !== "" || fields.length > 0) endRecord();
  return records;
}

/** Comma unless the header line has tabs and no commas (Excel's 「テキスト (タブ区切り)」 and 「Unicode テキスト」). */
export function guessDelimiter(text: string): "," | "\t" {
  const firstLine = text.slice(0, text.search(/\r|\n|$/));
  return firstLine.includes("\t") && !firstLine.includes(",") ? "\t" : ",";
}
