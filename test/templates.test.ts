/// <reference types="vite/client" />
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { TEMPLATE_FILES } from "../worker/templates/files.generated";
import { FACILITY_TYPES } from "../worker/directory/facility-types";
import { DEFAULT_FACILITY_FIELDS, facilityFieldsFor } from "../worker/templates/answers";
import { fileTemplates, parseKind, wording } from "../worker/templates/files";
import { fill, smsSegments } from "../worker/templates/render";
import { renderMessage, baseVars } from "../worker/rollcall/render";
import { LANGS } from "../worker/templates/schemas";
import { adminsWithoutMfa } from "./support/db";
import { makeFacility, signedIn } from "./support/factories";
import { api } from "./support/http";

/** The files on disk, read by Vite at test time: the bundled module must match them. */
const onDisk = import.meta.glob("../templates/**/*.{txt,html}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

/** A home-care facility's report: the care set, in the EMIS order. */
const HOME_CARE_FIELDS = ["collapse", "electricity", "water", "staffing", "accepting", "casualties", "comment"];

describe("template files", () => {
  it("are bundled as they are on disk (run `node scripts/build-templates.mjs` after an edit)", () => {
    const disk = Object.fromEntries(Object.entries(onDisk).map(([p, t]) => [p.replace("../templates/", ""), t]));
    expect(Object.keys(TEMPLATE_FILES).sort()).toEqual(Object.keys(disk).sort());
    for (const [path, text] of Object.entries(disk)) expect(TEMPLATE_FILES[path], path).toBe(text);
  });

  it("define the safety roll-call and the acknowledge-only notice with the default waves", () => {
    const safety = fileTemplates().get("safety")!;
    expect(safety.questions).toEqual(["safety", "availability", "comment"]);
    expect(safety.facilityQuestions).toBe(true);
    expect(safety.commentMax).toBe(200);
    expect(safety.waves).toEqual([
      { delayMinutes: 0, channels: ["push", "email"], fallback: true, onlyUnreplied: false, audience: "recipients" },
      { delayMinutes: 5, channels: ["sms"], fallback: false, onlyUnreplied: true, audience: "recipients" },
      { delayMinutes: 10, channels: ["email"], fallback: false, onlyUnreplied: true, audience: "recipients" },
      { delayMinutes: 15, channels: ["push", "email"], fallback: true, onlyUnreplied: true, audience: "facility_admins" },
    ]);
    const notice = fileTemplates().get("notice")!;
    expect(notice.kind).toBe("notice");
    expect(notice.questions).toEqual(["ack"]);
    expect(wording("ja")["ack.yes"]).toBe("確認しました");
  });

  it("choose the facility report's fields by facility type: EMIS's whole set for clinics, hospitals and dental, a pharmacy's part, the care set", () => {
    const safety = fileTemplates().get("safety")!;
    for (const type of FACILITY_TYPES) expect(facilityFieldsFor(safety.facilityFields, type), type).toEqual(DEFAULT_FACILITY_FIELDS[type]);
    // A template without the setting (an admin copy or a roll-call made before it) takes the same defaults.
    for (const type of FACILITY_TYPES) expect(facilityFieldsFor(undefined, type), type).toEqual(DEFAULT_FACILITY_FIELDS[type]);
    expect(facilityFieldsFor(safety.facilityFields, "clinic")).toContain("medicalGas");
    expect(facilityFieldsFor(safety.facilityFields, "home_care")).toEqual(HOME_CARE_FIELDS);
    expect(facilityFieldsFor(safety.facilityFields, "pharmacy")).toEqual([
      "collapse",
      "electricity",
      "water",
      "supplies",
      "staffing",
      "accepting",
      "casualties",
      "comment",
    ]);
    // Asked in the EMIS order, whatever the order written.
    expect(facilityFieldsFor({ all: ["comment", "water", "collapse"] }, "clinic")).toEqual(["collapse", "water", "comment"]);
    expect(facilityFieldsFor({ all: ["water"], byType: { home_care: ["staffing"] } }, "home_care")).toEqual(["staffing"]);
    expect(facilityFieldsFor({ all: ["water"], byType: { home_care: ["staffing"] } }, "hospital")).toEqual(["water"]);
  });

  it("refuse an unknown facility field or facility type in a kind's settings, naming it", () => {
    const base = TEMPLATE_FILES["kinds/safety.txt"]!;
    expect(parseKind("safety", base).facilityFields?.byType?.home_care).toEqual(HOME_CARE_FIELDS);
    expect(() => parseKind("safety", `${base}facilityFields.clinic = collapse gas\n`)).toThrow(
      /templates\/kinds\/safety\.txt: facilityFields\.clinic: unknown field "gas"/,
    );
    expect(() => parseKind("safety", `${base}facilityFields.hospice = collapse\n`)).toThrow(/facilityFields: unknown facility type "hospice"/);
    expect(() => parseKind("safety", base.replace(/^facilityFields = .*$/m, "facilityFields = collapse damage"))).toThrow(
      /facilityFields: unknown field "damage"/,
    );
    expect(() => parseKind("safety", base.replace(/^facilityFields = .*$/m, "facilityFields = water water"))).toThrow(/facilityFields: a field is named twice/);
  });

  it("have every wording key in every language", () => {
    const keys = Object.keys(wording("ja")).sort();
    for (const lang of LANGS) expect(Object.keys(wording(lang)).sort()).toEqual(keys);
  });
});

describe("SMS segments", () => {
  it("counts GSM-7 at 160 (153 when split) and UCS-2 at 70 (67 when split)", () => {
    expect(smsSegments("a".repeat(160))).toMatchObject({ encoding: "GSM-7", segments: 1 });
    expect(smsSegments("a".repeat(161))).toMatchObject({ encoding: "GSM-7", segments: 2, perSegment: 153 });
    expect(smsSegments("{".repeat(80))).toMatchObject({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(smsSegments("あ".repeat(70))).toMatchObject({ encoding: "UCS-2", segments: 1 });
    expect(smsSegments("あ".repeat(71))).toMatchObject({ encoding: "UCS-2", segments: 2, perSegment: 67 });
    expect(smsSegments("あ".repeat(134)).segments).toBe(2);
    expect(smsSegments("あ".repeat(135)).segments).toBe(3);
    expect(smsSegments(`${"a".repeat(69)}😀`).units).toBe(71); // a surrogate pair is two units on the wire
  });

  // A Japanese SMS with only a link is taken for phishing (スミッシング): it names the sender
  // and what happened before the link, and may take two segments for it (issue 14).
  for (const origin of ["https://anpi.example.org", "https://anpi.koganei.or.jp"]) {
    it(`names the sender and the title before the link, in at most two UCS-2 segments (${origin})`, () => {
      const t = fileTemplates().get("safety")!;
      const link = `${origin}/r/${"A".repeat(32)}`;
      for (const drill of [true, false]) {
        const m = renderMessage(
          t.messages.ja,
          "sms",
          { ...baseVars({ drill, title: "震度6弱 小金井市", message: "" }, "ja", "小金井市医師会"), person: "山田 花子", facility: "小金井診療所", link },
          { link, tag: "t", lang: "ja" },
        );
        expect(m.text.endsWith(link)).toBe(true);
        const before = m.text.slice(0, m.text.indexOf(link));
        expect(before).toContain("小金井市医師会");
        expect(before).toContain("震度6弱 小金井市");
        if (drill) expect(m.text.startsWith("【訓練】小金井市医師会")).toBe(true);
        expect(smsSegments(m.text)).toMatchObject({ encoding: "UCS-2" });
        expect(smsSegments(m.text).segments).toBeLessThanOrEqual(2);
      }
    });
  }

  it("names the service when the network has no short name set", () => {
    const t = fileTemplates().get("safety")!;
    const m = renderMessage(
      t.messages.ja,
      "sms",
      { ...baseVars({ drill: false, title: "地震", message: "" }, "ja", " "), link: "L" },
      { link: "L", tag: "t", lang: "ja" },
    );
    expect(m.text.startsWith("安否確認：地震")).toBe(true);
  });

  it("escapes values in HTML and leaves unknown placeholders visible", () => {
    expect(fill("<p>{person}</p>", { person: "<b>&" }, { html: true })).toBe("<p>&lt;b&gt;&amp;</p>");
    expect(fill("{nope} {title}", { title: "x" })).toBe("{nope} x");
  });
});

describe("template API", () => {
  let admin: string;
  let facilityAdmin: string;
  beforeAll(async () => {
    await adminsWithoutMfa();
    admin = (await signedIn({ globalRole: "network_admin" })).cookie;
    facilityAdmin = (await signedIn({ facilityId: await makeFacility(), role: "admin" })).cookie;
  });

  it("lists the file templates to facility admins and refuses their edits", async () => {
    const res = await api("GET", "/api/templates", { cookie: facilityAdmin });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: { ref: string; source: string }[] };
    expect(
      items
        .filter((t) => t.source === "file")
        .map((t) => t.ref)
        .sort(),
    ).toEqual(["notice", "safety"]);
    const copy = await api("POST", "/api/templates", { cookie: facilityAdmin, body: { basedOn: "safety", name: "x" } });
    expect(copy.status).toBe(403);
  });

  it("copies, edits and removes a template, with audit entries", async () => {
    const copied = await api("POST", "/api/templates", { cookie: admin, body: { basedOn: "safety", name: "夜間用" } });
    expect(copied.status).toBe(201);
    const t = (await copied.json()) as {
      id: number;
      ref: string;
      basedOn: string;
      body: { waves: { delayMinutes: number }[]; messages: { ja: { sms: string } } };
    };
    expect(t.ref).toBe(`db:${t.id}`);
    expect(t.basedOn).toBe("safety");
    const body = structuredClone(t.body);
    body.waves[1]!.delayMinutes = 3;
    body.messages.ja.sms = "{drill}安否を回答\n{link}";
    const edited = await api("PATCH", `/api/templates/${t.id}`, { cookie: admin, body: { body } });
    expect(edited.status).toBe(200);
    expect(((await edited.json()) as typeof t).body.waves[1]!.delayMinutes).toBe(3);

    // A broken edit (first wave delayed) is refused, naming the field, and changes nothing.
    const bad = structuredClone(body);
    bad.waves[0]!.delayMinutes = 5;
    const refused = await api("PATCH", `/api/templates/${t.id}`, { cookie: admin, body: { body: bad } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { field: string } }).error.field).toBe("body.waves");

    expect((await api("DELETE", `/api/templates/${t.id}`, { cookie: admin })).status).toBe(200);
    const list = (await (await api("GET", "/api/templates", { cookie: admin })).json()) as { items: { ref: string }[] };
    expect(list.items.map((i) => i.ref)).not.toContain(t.ref);
    const { results } = await env.DB.prepare("SELECT action FROM audit_log WHERE object_type = 'template' AND object_id = ?1 ORDER BY id")
      .bind(String(t.id))
      .all<{ action: string }>();
    expect(results.map((r) => r.action)).toEqual(["template.copied", "template.edited", "template.removed"]);
  });

  it("refuses an unknown facility field or facility type in an admin copy by name, and keeps a set per type", async () => {
    const copied = await api("POST", "/api/templates", { cookie: admin, body: { basedOn: "safety", name: "介護向け" } });
    const t = (await copied.json()) as { id: number; body: Record<string, unknown> };
    for (const [facilityFields, field, name] of [
      [{ all: ["collapse", "gas"] }, "body.facilityFields.all.1", "gas"],
      [{ byType: { hospice: ["collapse"] } }, "body.facilityFields.byType", "hospice"],
    ] as const) {
      const res = await api("PATCH", `/api/templates/${t.id}`, { cookie: admin, body: { body: { ...t.body, facilityFields } } });
      expect(res.status).toBe(400);
      const err = ((await res.json()) as { error: { field: string; message: string } }).error;
      expect(err.field).toBe(field);
      expect(err.message).toContain(name);
    }
    const home = await api("PATCH", `/api/templates/${t.id}`, {
      cookie: admin,
      body: { body: { ...t.body, facilityFields: { byType: { home_care: ["collapse", "staffing", "comment"] } } } },
    });
    expect(home.status).toBe(200);
    expect(((await home.json()) as { body: { facilityFields: unknown } }).body.facilityFields).toEqual({
      byType: { home_care: ["collapse", "staffing", "comment"] },
    });
  });

  it("refuses an unknown source template naming basedOn", async () => {
    const res = await api("POST", "/api/templates", { cookie: admin, body: { basedOn: "nope", name: "x" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe("basedOn");
  });
});
