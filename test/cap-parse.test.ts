import { describe, expect, it } from "vitest";
import { decideCap } from "../worker/triggers/cap/decide";
import { capAtomFeed, rollcallAsCap } from "../worker/triggers/cap/feed";
import { parseCapAlert, type CapAlert } from "../worker/triggers/cap/parse";
import { DEFAULT_RULES } from "../worker/triggers/schemas";
import { cap, capVariant } from "./fixtures/cap";

function alert(xml: string): CapAlert {
  const r = parseCapAlert(xml);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe("CAP 1.2 parsing", () => {
  it("reads the alert, every info and their areas with geocodes", () => {
    const a = alert(cap.alert);
    expect(a).toMatchObject({
      identifier: "koganei-bousai-2026-0001",
      sender: "bousai.city.koganei.example.jp",
      status: "Actual",
      msgType: "Alert",
      scope: "Public",
      references: [],
    });
    expect(a.sent).toBe(Date.parse("2026-11-28T00:15:00Z"));
    expect(a.infos).toHaveLength(2);
    expect(a.infos[0]).toMatchObject({ language: "ja-JP", event: "地震", severity: "Severe", headline: "小金井市で震度5強の地震" });
    expect(a.infos[0]!.areas[0]).toEqual({ areaDesc: "東京都小金井市", geocodes: [{ valueName: "JIS X0402", value: "13210" }] });
  });

  it("reads references of an Update or Cancel", () => {
    const a = alert(capVariant({ identifier: "c-2", msgType: "Cancel", references: "bousai.city.koganei.example.jp,c-1,2026-11-28T09:15:00+09:00" }));
    expect(a.references).toEqual([{ sender: "bousai.city.koganei.example.jp", identifier: "c-1", sent: "2026-11-28T09:15:00+09:00" }]);
  });

  it("names the element that is wrong", () => {
    const cases: [string, string][] = [
      ["<alert", "body"],
      [cap.alert.replace('xmlns="urn:oasis:names:tc:emergency:cap:1.2"', 'xmlns="urn:oasis:names:tc:emergency:cap:1.1"'), "alert/@xmlns"],
      [cap.alert.replace("<identifier>koganei-bousai-2026-0001</identifier>", ""), "alert/identifier"],
      [cap.alert.replace("<identifier>koganei-bousai-2026-0001</identifier>", "<identifier>has space</identifier>"), "alert/identifier"],
      [cap.alert.replace("<sender>bousai.city.koganei.example.jp</sender>", ""), "alert/sender"],
      [cap.alert.replace("2026-11-28T09:15:00+09:00", "yesterday"), "alert/sent"],
      [cap.alert.replace("<status>Actual</status>", "<status>Draft</status>"), "alert/status"],
      [cap.alert.replace("<msgType>Alert</msgType>", "<msgType>Ack</msgType>"), "alert/msgType"],
      [capVariant({ identifier: "x", msgType: "Cancel" }), "alert/references"],
      [cap.alert.replace("<severity>Severe</severity>", "<severity>Bad</severity>"), "alert/info[0]/severity"],
      [cap.alert.replace("<event>地震</event>", ""), "alert/info[0]/event"],
      [cap.alert.replace("<areaDesc>東京都小平市</areaDesc>", ""), "alert/info[0]/area[1]/areaDesc"],
      [cap.alert.replace(/<info>[\s\S]*<\/info>/, ""), "alert/info"],
    ];
    for (const [xml, field] of cases) {
      const r = parseCapAlert(xml);
      expect(r.ok, field).toBe(false);
      if (!r.ok) expect(r.error.field ?? "body").toBe(field);
    }
  });
});

describe("CAP decision", () => {
  const rules = { ...DEFAULT_RULES };
  const none = { rollcall: null };
  it("an Actual alert naming the network's geocode at Severe prepares a roll-call (auto mode: sends)", () => {
    expect(decideCap(alert(cap.alert), rules, none)).toMatchObject({ decision: "prepare", drill: false, matchedAreas: ["東京都小金井市", "Koganei, Tokyo"] });
    expect(decideCap(alert(cap.alert), { ...rules, mode: "auto" }, none).decision).toBe("trigger");
  });
  it("Exercise is a drill; Test is never acted on", () => {
    expect(decideCap(alert(capVariant({ identifier: "e", status: "Exercise" })), rules, none)).toMatchObject({ decision: "prepare", drill: true });
    expect(decideCap(alert(capVariant({ identifier: "t", status: "Test" })), { ...rules, mode: "auto" }, none).decision).toBe("no_trigger");
  });
  it("another area, or a severity below the threshold, starts nothing", () => {
    expect(decideCap(alert(capVariant({ identifier: "o", geocode: "27100" })), rules, none).reason.en).toContain("no watched area");
    expect(decideCap(alert(capVariant({ identifier: "m", severity: "Moderate" })), rules, none).reason.en).toContain("below the threshold (Severe)");
  });
  it("one roll-call per alert thread: Update notes, a repeated Alert is a duplicate, Cancel withdraws a draft", () => {
    const upd = alert(capVariant({ identifier: "u", msgType: "Update", references: "s,a,2026-11-28T09:15:00+09:00" }));
    expect(decideCap(upd, rules, { rollcall: { id: 5, state: "open" } }).decision).toBe("note");
    expect(decideCap(alert(cap.alert), rules, { rollcall: { id: 5, state: "open" } }).decision).toBe("no_trigger");
    const cancel = alert(capVariant({ identifier: "c", msgType: "Cancel", references: "s,a,2026-11-28T09:15:00+09:00" }));
    expect(decideCap(cancel, rules, { rollcall: { id: 5, state: "draft" } }).decision).toBe("withdraw");
    expect(decideCap(cancel, rules, { rollcall: { id: 5, state: "open" } }).decision).toBe("note_cancel");
    expect(decideCap(cancel, rules, none).decision).toBe("no_trigger");
  });
});

describe("CAP out", () => {
  const rc = {
    id: 12,
    title: "地震 小金井市 震度5弱",
    message: "",
    drill: true,
    state: "open",
    createdAt: Date.parse("2026-11-28T00:15:00Z"),
    confirmedAt: Date.parse("2026-11-28T00:16:00Z"),
    closedAt: null,
    recipients: 40,
    replied: 12,
  };
  it("a roll-call is a valid CAP 1.2 alert that this parser reads back; drills are Exercise", () => {
    const back = alert(rollcallAsCap(rc, "https://anpi.example.org"));
    expect(back).toMatchObject({ identifier: "rollcall-12", sender: "anpi.example.org", status: "Exercise", msgType: "Alert", scope: "Restricted" });
    expect(back.sent).toBe(rc.confirmedAt);
    expect(alert(rollcallAsCap({ ...rc, drill: false }, "https://anpi.example.org")).status).toBe("Actual");
    const closed = alert(rollcallAsCap({ ...rc, state: "closed", closedAt: rc.confirmedAt + 3_600_000 }, "https://anpi.example.org"));
    expect(closed).toMatchObject({ msgType: "Update", references: [{ sender: "anpi.example.org", identifier: "rollcall-12" }] });
  });
  it("escapes titles, and the feed is well-formed Atom", () => {
    const xml = capAtomFeed([{ ...rc, title: "A & B <test>" }], "https://anpi.example.org", 0);
    expect(xml).toContain("A &amp; B &lt;test&gt;");
    expect(xml).toContain('<content type="application/cap+xml"><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">');
  });
});
