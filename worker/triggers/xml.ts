import { XMLParser, XMLValidator } from "fast-xml-parser";

/** Why a document could not be read. `field` names the element that is wrong or missing. */
export interface XmlProblem {
  code: "xml_malformed" | "xml_too_large" | "xml_doctype" | "wrong_document" | "missing_field" | "invalid_field";
  message: string;
  field?: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: XmlProblem };

/** Reports and alerts are small: the largest JMA sample is 400 kB. */
export const MAX_XML_BYTES = 2_000_000;

export type XmlNode = Record<string, unknown>;

/**
 * Parses untrusted XML into plain objects without throwing.
 * Element values stay strings (codes such as "0421300" keep their leading zero),
 * namespace prefixes are dropped, and the named elements are always arrays so a
 * single Pref or City reads the same as many. A DOCTYPE is refused outright:
 * neither JMA nor CAP uses one, and it is the door to entity-expansion attacks.
 */
export function readXml(text: string, arrayTags: ReadonlySet<string>): Parsed<XmlNode> {
  if (text.length > MAX_XML_BYTES) return fail("xml_too_large", `The document is larger than ${MAX_XML_BYTES} bytes.`);
  if (/<!DOCTYPE/i.test(text)) return fail("xml_doctype", "Documents with a DOCTYPE are not accepted.");
  const valid = XMLValidator.validate(text);
  if (valid !== true) return fail("xml_malformed", `Not well-formed XML (line ${valid.err.line}): ${valid.err.msg}`);
  try {
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "@",
      removeNSPrefix: true,
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: true,
      ignoreDeclaration: true,
      ignorePiTags: true,
      isArray: (tagName) => arrayTags.has(tagName),
    });
    const doc: unknown = parser.parse(text);
    if (!isNode(doc)) return fail("xml_malformed", "The document is empty.");
    return { ok: true, value: doc };
  } catch (err) {
    return fail("xml_malformed", `Not well-formed XML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function fail<T>(code: XmlProblem["code"], message: string, field?: string): Parsed<T> {
  return { ok: false, error: field ? { code, message, field } : { code, message } };
}

export function isNode(v: unknown): v is XmlNode {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A child element as a node (the first, if repeated). */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  const v = node?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return isNode(first) ? first : undefined;
}

/** Child elements as a list, whether the document held one or many. */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const v = node?.[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter(isNode);
}

/** The text of a child element (its `#text` when it carries attributes); undefined when absent or empty. */
export function text(node: XmlNode | undefined, name: string): string | undefined {
  const v = node?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  const s = typeof first === "string" ? first : isNode(first) && typeof first["#text"] === "string" ? first["#text"] : undefined;
  const t = s?.trim();
  return t ? t : undefined;
}

/** The texts of repeated child elements. */
export function texts(node: XmlNode | undefined, name: string): string[] {
  const v = node?.[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v])
    .map((x) => (typeof x === "string" ? x : isNode(x) && typeof x["#text"] === "string" ? x["#text"] : ""))
    .map((s) => s.trim())
    .filter(Boolean);
}

export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const v = node?.[`@${name}`];
  return typeof v === "string" ? v : undefined;
}
