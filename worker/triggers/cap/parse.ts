import { CAP_SEVERITIES, type CapSeverity, type Geocode } from "../schemas";
import { child, children, fail, readXml, text, texts, type Parsed, type XmlNode } from "../xml";

/** OASIS Common Alerting Protocol 1.2. */
export const CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2";

/** Statuses accepted here: Actual (real), Exercise (a drill, 訓練), Test (technical, never acted on). */
export const CAP_STATUSES = ["Actual", "Exercise", "Test"] as const;
export type CapStatus = (typeof CAP_STATUSES)[number];
export const CAP_MSG_TYPES = ["Alert", "Update", "Cancel"] as const;
export type CapMsgType = (typeof CAP_MSG_TYPES)[number];

const URGENCIES = ["Immediate", "Expected", "Future", "Past", "Unknown"];
const CERTAINTIES = ["Observed", "Likely", "Possible", "Unlikely", "Unknown"];
const CATEGORIES = ["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"];

export interface CapArea {
  areaDesc: string;
  geocodes: Geocode[];
}

export interface CapInfo {
  language: string;
  categories: string[];
  event: string;
  urgency: string;
  severity: CapSeverity;
  certainty: string;
  headline: string;
  description: string;
  areas: CapArea[];
}

/** A reference to an earlier alert: "sender,identifier,sent". */
export interface CapReference {
  sender: string;
  identifier: string;
  sent: string;
}

export interface CapAlert {
  identifier: string;
  sender: string;
  sent: number;
  status: CapStatus;
  msgType: CapMsgType;
  scope: string;
  references: CapReference[];
  infos: CapInfo[];
}

/** CAP's forbidden characters in identifier and sender (§3.2.1): space, comma, <, &. */
const CAP_ID = /^[^\s,<&]{1,200}$/;
/** CAP dateTime: with an explicit offset, "-00:00" for UTC; "Z" is not allowed by the spec but is accepted here. */
const CAP_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/;

/**
 * Reads and validates a CAP 1.2 alert. Never throws: the first problem comes back
 * with the element it concerns in `field` (alert/info[0]/severity).
 */
export function parseCapAlert(xml: string): Parsed<CapAlert> {
  const doc = readXml(xml, new Set(["info", "area", "geocode", "category", "parameter", "code"]));
  if (!doc.ok) return doc;
  const alert = child(doc.value, "alert");
  if (!alert) return fail("wrong_document", "Not a CAP alert: the root element is not <alert>.", "alert");
  if (!declaresCapNamespace(xml)) return fail("wrong_document", `Not CAP 1.2: the namespace must be ${CAP_NS}.`, "alert/@xmlns");

  const identifier = text(alert, "identifier");
  if (!identifier || !CAP_ID.test(identifier))
    return fail(identifier ? "invalid_field" : "missing_field", "alert/identifier is missing or has spaces, commas, < or &.", "alert/identifier");
  const sender = text(alert, "sender");
  if (!sender || !CAP_ID.test(sender))
    return fail(sender ? "invalid_field" : "missing_field", "alert/sender is missing or has spaces, commas, < or &.", "alert/sender");
  const sentText = text(alert, "sent");
  const sent = sentText && CAP_DATETIME.test(sentText) ? Date.parse(sentText) : NaN;
  if (!Number.isFinite(sent))
    return fail(sentText ? "invalid_field" : "missing_field", "alert/sent must be a date and time with its offset (2026-01-01T09:00:00+09:00).", "alert/sent");
  const status = text(alert, "status");
  if (!status || !(CAP_STATUSES as readonly string[]).includes(status))
    return fail("invalid_field", `alert/status must be Actual, Exercise or Test (got ${status ?? "nothing"}).`, "alert/status");
  const msgType = text(alert, "msgType");
  if (!msgType || !(CAP_MSG_TYPES as readonly string[]).includes(msgType))
    return fail("invalid_field", `alert/msgType must be Alert, Update or Cancel (got ${msgType ?? "nothing"}).`, "alert/msgType");
  const scope = text(alert, "scope");
  if (!scope || !["Public", "Restricted", "Private"].includes(scope))
    return fail("invalid_field", "alert/scope must be Public, Restricted or Private.", "alert/scope");

  const references: CapReference[] = [];
  for (const ref of (text(alert, "references") ?? "").split(/\s+/).filter(Boolean)) {
    const [rSender, rIdentifier, rSent] = ref.split(",");
    if (!rSender || !rIdentifier || !rSent) return fail("invalid_field", "alert/references must list sender,identifier,sent triples.", "alert/references");
    references.push({ sender: rSender, identifier: rIdentifier, sent: rSent });
  }
  if (msgType !== "Alert" && references.length === 0)
    return fail("missing_field", `An ${msgType} must name the alert it concerns in alert/references.`, "alert/references");

  const infos: CapInfo[] = [];
  const infoNodes = children(alert, "info");
  for (const [i, node] of infoNodes.entries()) {
    const info = readInfo(node, `alert/info[${i}]`);
    if (!info.ok) return info;
    infos.push(info.value);
  }
  if (msgType !== "Cancel" && infos.length === 0) return fail("missing_field", "An Alert or Update needs at least one alert/info.", "alert/info");

  return { ok: true, value: { identifier, sender, sent, status: status as CapStatus, msgType: msgType as CapMsgType, scope, references, infos } };
}

/** The parser drops namespaces, so the root's own declaration is read from the start tag (`<alert xmlns=…>` or `<cap:alert xmlns:cap=…>`). */
function declaresCapNamespace(xml: string): boolean {
  const root = /<(?:([A-Za-z_][\w.-]*):)?alert\b([^>]*)>/.exec(xml);
  if (!root) return false;
  const attr = root[1] ? `xmlns:${root[1]}` : "xmlns";
  const m = new RegExp(`\\s${attr.replaceAll(".", "\\.")}\\s*=\\s*["']([^"']*)["']`).exec(root[2] ?? "");
  return m?.[1] === CAP_NS;
}

function readInfo(node: XmlNode, at: string): Parsed<CapInfo> {
  const categories = texts(node, "category");
  if (categories.length === 0 || categories.some((c) => !CATEGORIES.includes(c)))
    return fail("invalid_field", `${at}/category must be one of ${CATEGORIES.join(", ")}.`, `${at}/category`);
  const event = text(node, "event");
  if (!event) return fail("missing_field", `${at}/event is missing.`, `${at}/event`);
  const urgency = text(node, "urgency");
  if (!urgency || !URGENCIES.includes(urgency)) return fail("invalid_field", `${at}/urgency must be one of ${URGENCIES.join(", ")}.`, `${at}/urgency`);
  const severity = text(node, "severity");
  if (!severity || !(CAP_SEVERITIES as readonly string[]).includes(severity))
    return fail("invalid_field", `${at}/severity must be one of ${CAP_SEVERITIES.join(", ")}.`, `${at}/severity`);
  const certainty = text(node, "certainty");
  if (!certainty || !CERTAINTIES.includes(certainty))
    return fail("invalid_field", `${at}/certainty must be one of ${CERTAINTIES.join(", ")}.`, `${at}/certainty`);
  const areas: CapArea[] = [];
  for (const [j, a] of children(node, "area").entries()) {
    const areaDesc = text(a, "areaDesc");
    if (!areaDesc) return fail("missing_field", `${at}/area[${j}]/areaDesc is missing.`, `${at}/area[${j}]/areaDesc`);
    const geocodes: Geocode[] = [];
    for (const g of children(a, "geocode")) {
      const valueName = text(g, "valueName");
      const value = text(g, "value");
      if (!valueName || !value) return fail("missing_field", `${at}/area[${j}]/geocode needs valueName and value.`, `${at}/area[${j}]/geocode`);
      geocodes.push({ valueName, value });
    }
    areas.push({ areaDesc, geocodes });
  }
  return {
    ok: true,
    value: {
      language: text(node, "language") ?? "en-US",
      categories,
      event,
      urgency,
      severity: severity as CapSeverity,
      certainty,
      headline: text(node, "headline") ?? "",
      description: text(node, "description") ?? "",
      areas,
    },
  };
}

/** The key an alert is stored under, and the key of what a reference points at. */
export const capKey = (sender: string, identifier: string) => `${sender}|${identifier}`;
