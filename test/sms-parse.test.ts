import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSmsAck, parseSmsReply } from "../worker/delivery/sms-parse";

describe("reading SMS replies", () => {
  const table: [string, ReturnType<typeof parseSmsReply>][] = [
    ["1 1", { safety: "safe", availability: "yes", comment: "" }],
    ["1,1", { safety: "safe", availability: "yes", comment: "" }],
    ["1、3", { safety: "safe", availability: "no", comment: "" }],
    ["11", { safety: "safe", availability: "yes", comment: "" }],
    ["2 2", { safety: "minor", availability: "conditional", comment: "" }],
    ["3", { safety: "severe", comment: "" }],
    ["１　１", { safety: "safe", availability: "yes", comment: "" }],
    ["１，２", { safety: "safe", availability: "conditional", comment: "" }],
    ["①③", { safety: "safe", availability: "no", comment: "" }],
    ["一 二", { safety: "safe", availability: "conditional", comment: "" }],
    ["  1  1  ", { safety: "safe", availability: "yes", comment: "" }],
    ["無事", { safety: "safe", comment: "" }],
    ["ぶじ", { safety: "safe", comment: "" }],
    ["OK", { safety: "safe", comment: "" }],
    ["ok", { safety: "safe", comment: "" }],
    ["ＯＫ", { safety: "safe", comment: "" }],
    ["Okay", { safety: "safe", comment: "" }],
    ["無事 1", { safety: "safe", availability: "yes", comment: "" }],
    ["無事、出勤可能", { safety: "safe", availability: "yes", comment: "" }],
    ["軽傷 不可", { safety: "minor", availability: "no", comment: "" }],
    ["重傷", { safety: "severe", comment: "" }],
    ["1 2 14時ごろ着きます", { safety: "safe", availability: "conditional", comment: "14時ごろ着きます" }],
    ["無事です", { safety: "safe", comment: "です" }],
    ["1 1 Ｄｒ．山田に連絡済み", { safety: "safe", availability: "yes", comment: "Ｄｒ．山田に連絡済み" }],
    // Not replies: out of range, too many numbers, nothing recognisable.
    ["4 1", null],
    ["1 4", null],
    ["0", null],
    ["111", null],
    ["1 1 1", null],
    ["1 12", null],
    ["", null],
    ["   ", null],
    ["よろしくお願いします", null],
    ["no", null],
    ["STOP", null],
  ];
  it.each(table)("%j → %j", (body, expected) => {
    expect(parseSmsReply(body)).toEqual(expected);
  });

  it("acknowledgements (通常連絡)", () => {
    for (const yes of ["OK", "ｏｋ", "確認", "確認しました", "了解", "はい", "1", "無事"]) expect(parseSmsAck(yes)).toBe(true);
    for (const no of ["", "いいえ", "2", "3 3", "?"]) expect(parseSmsAck(no)).toBe(false);
  });

  it("never throws, and whatever it reads is one of the allowed answers", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (body) => {
        const r = parseSmsReply(body);
        if (r === null) return;
        expect(["safe", "minor", "severe"]).toContain(r.safety);
        if (r.availability !== undefined) expect(["yes", "conditional", "no"]).toContain(r.availability);
        expect(typeof r.comment).toBe("string");
      }),
      { numRuns: 2_000 },
    );
  });
});
