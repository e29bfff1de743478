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
    ["1 2 14時ごろ着きます", { safety: "safe", availability: "conditional", arrival: "14時ごろ", comment: "14時ごろ着きます" }], // the arrival is read too
    ["無事です", { safety: "safe", comment: "" }], // 「です」 alone says nothing more (it was the comment before sentences were read)
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
        // A reply may now carry availability alone (the webhook asks back for the safety).
        expect(r.safety !== undefined || r.availability !== undefined).toBe(true);
        if (r.safety !== undefined) expect(["safe", "minor", "severe"]).toContain(r.safety);
        if (r.availability !== undefined) expect(["yes", "conditional", "no"]).toContain(r.availability);
        if (r.arrival !== undefined) expect(r.availability === "yes" || r.availability === "conditional").toBe(true);
        expect(typeof r.comment).toBe("string");
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("reading SMS replies written as sentences", () => {
  type Case = [string, ReturnType<typeof parseSmsReply>];
  const table: Case[] = [
    // The three.
    ["無事です、すぐ行けます", { safety: "safe", availability: "yes", comment: "" }],
    ["けがはありません。出勤できません", { safety: "safe", availability: "no", comment: "" }],
    ["軽いけがです 午後から出られます", { safety: "minor", availability: "conditional", arrival: "午後から", comment: "" }],
    // Kana, kanji and katakana spellings, full- and half-width.
    ["無事です。出勤します", { safety: "safe", availability: "yes", comment: "" }],
    ["大丈夫です！すぐ向かいます", { safety: "safe", availability: "yes", comment: "" }],
    ["元気です 行けます", { safety: "safe", availability: "yes", comment: "" }],
    ["ぶじです、いけます", { safety: "safe", availability: "yes", comment: "" }],
    ["ブジです。イケマス", { safety: "safe", availability: "yes", comment: "" }],
    ["無事です、来られます", { safety: "safe", availability: "yes", comment: "" }],
    ["だいじょうぶ　でられます", { safety: "safe", availability: "yes", comment: "" }],
    ["ｹｶﾞなし 出勤ＯＫ", { safety: "safe", availability: "yes", comment: "" }],
    ["けがなし、しゅっきんかのうです", { safety: "safe", availability: "yes", comment: "" }],
    ["しゅっきんできます", { availability: "yes", comment: "" }],
    // Negation.
    ["無事です。出勤できません", { safety: "safe", availability: "no", comment: "" }],
    ["大丈夫ですが、行けません", { safety: "safe", availability: "no", comment: "" }],
    ["無事。今日は無理です", { safety: "safe", availability: "no", comment: "" }],
    ["無事ですが出勤は難しいです", { safety: "safe", availability: "no", comment: "" }],
    ["けがはないです。出られないです", { safety: "safe", availability: "no", comment: "" }],
    ["無事です、来られません", { safety: "safe", availability: "no", comment: "" }],
    ["無事です 行けない", { safety: "safe", availability: "no", comment: "" }],
    ["行けません", { availability: "no", comment: "" }],
    ["無事ではありません", null], // not fine, but not said how: asked again
    // Injuries in words; 「けがはありません」 is no injury.
    ["けがはありません", { safety: "safe", comment: "" }],
    ["怪我をしました。行けません", { safety: "minor", availability: "no", comment: "" }],
    ["ケガしました", { safety: "minor", comment: "" }],
    ["足首を骨折しました。今日は無理です", { safety: "minor", availability: "no", comment: "足首を骨折しました。" }],
    ["腕から出血、痛いです", { safety: "minor", comment: "腕から出血" }],
    ["無事ですが足が痛いです", { safety: "minor", comment: "無事ですが足が痛いです" }],
    ["重傷です、動けません", { safety: "severe", comment: "" }],
    ["骨折して動けない。助けて", { safety: "severe", comment: "" }],
    ["下敷きになっています 救助お願いします", { safety: "severe", comment: "下敷きになっています" }],
    // Times: conditional, with the arrival as written.
    ["軽傷です。1時間後に着きます", { safety: "minor", availability: "conditional", arrival: "1時間後", comment: "" }],
    ["けがはしていません、30分で行けます", { safety: "safe", availability: "conditional", arrival: "30分で", comment: "" }],
    ["無事です　10時に着きます", { safety: "safe", availability: "conditional", arrival: "10時に", comment: "" }],
    ["無事です。３０分で着きます", { safety: "safe", availability: "conditional", arrival: "30分で", comment: "" }],
    ["元気です、1時間後に出られます", { safety: "safe", availability: "conditional", arrival: "1時間後", comment: "" }],
    ["無事です。明日から出勤できます", { safety: "safe", availability: "conditional", arrival: "明日から", comment: "" }],
    ["大丈夫です。14:30ごろ着きます", { safety: "safe", availability: "conditional", arrival: "14:30ごろ", comment: "" }],
    ["12時に行きます", { availability: "conditional", arrival: "12時に", comment: "" }],
    ["30分で着きます", { availability: "conditional", arrival: "30分で", comment: "" }],
    ["無事です！！遅れますが行きます", { safety: "safe", availability: "conditional", comment: "" }],
    ["今日は無理ですが明日なら行けます", { availability: "conditional", arrival: "明日なら", comment: "" }],
    ["無事です。子どもを預けてから行きます", { safety: "safe", availability: "conditional", comment: "子どもを預けてから行きます" }],
    // Punctuation, spaces and emoji.
    ["無事です😊 すぐ行けます👍", { safety: "safe", availability: "yes", comment: "" }],
    ["無事です🙏", { safety: "safe", comment: "" }],
    ["  無事です。。。  行けます！！  ", { safety: "safe", availability: "yes", comment: "" }],
    ["無事です\n出勤できます", { safety: "safe", availability: "yes", comment: "" }],
    // Someone else's safety is not the person's; it stays the comment.
    ["無事です、家族も無事です。すぐ行けます", { safety: "safe", availability: "yes", comment: "家族も無事です。" }],
    ["家族が骨折しました。私は無事です。出勤できません", { safety: "safe", availability: "no", comment: "家族が骨折しました。" }],
    ["家が半壊しました。私は無事です。出勤は無理です", { safety: "safe", availability: "no", comment: "家が半壊しました。" }],
    // A digit, then a sentence.
    ["1 午後から行けます", { safety: "safe", availability: "conditional", arrival: "午後から", comment: "" }],
    ["1 1時間後に着きます", { safety: "safe", availability: "conditional", arrival: "1時間後", comment: "" }],
    // English, minimally.
    ["safe", { safety: "safe", comment: "" }],
    ["I'm ok, can come in 30 min", { safety: "safe", availability: "conditional", arrival: "in 30 min", comment: "" }],
    ["I’m safe but can’t come", { safety: "safe", availability: "no", comment: "" }],
    ["hurt my leg, can't come", { safety: "minor", availability: "no", comment: "hurt my leg" }],
    ["I'm fine, on my way", { safety: "safe", availability: "yes", comment: "" }],
    // Still nothing to read.
    ["家が半壊しました", null],
    ["token", null],
  ];
  it.each(table)("%j → %j", (body, expected) => {
    expect(parseSmsReply(body)).toEqual(expected);
  });
});

/** The digit forms read before sentences were: each keeps its reading, whatever the width and spaces around it. */
describe("the digit forms that read before", () => {
  const SAFETY = { 1: "safe", 2: "minor", 3: "severe" } as const;
  const AVAILABILITY = { 1: "yes", 2: "conditional", 3: "no" } as const;
  /** A digit 1 to 3 in each form: ASCII, full-width, circled, kanji. */
  const digit = fc
    .constantFrom(1 as const, 2 as const, 3 as const)
    .chain((n) => fc.constantFrom(String(n), "０１２３"[n]!, "⓪①②③"[n]!, "〇一二三"[n]!, "零壱弐参"[n]!).map((text) => ({ n, text })));
  const space = fc.array(fc.constantFrom(" ", "　", "\t", "\n"), { maxLength: 3 }).map((a) => a.join(""));
  const separator = fc
    .array(fc.constantFrom(" ", "　", ",", "，", "、", "。", ".", "．", "・", "/", "／", "-", "_", ":", ";", "\t"), { minLength: 1, maxLength: 3 })
    .map((a) => a.join(""));
  /** Comments that say nothing the sentences read (so the reading is the digits' alone). */
  const comment = fc.constantFrom("Dr.山田に連絡済み", "駐車場にいます", "電話ください", "家の片付け中", "携帯の電池が少ない", "ＰＨＳ不通");

  it("safety and availability: 「1 1」「１，２」「①③」「一 二」「11」", () => {
    fc.assert(
      fc.property(digit, digit, space, fc.option(separator, { nil: "" }), space, (s, a, before, sep, after) => {
        const body = before + s.text + sep + a.text + after;
        expect(parseSmsReply(body)).toEqual({ safety: SAFETY[s.n], availability: AVAILABILITY[a.n], comment: "" });
      }),
      { numRuns: 500 },
    );
  });

  it("safety alone: 「3」「③」「三」", () => {
    fc.assert(
      fc.property(digit, space, space, (s, before, after) => {
        expect(parseSmsReply(before + s.text + after)).toEqual({ safety: SAFETY[s.n], comment: "" });
      }),
      { numRuns: 300 },
    );
  });

  it("with a comment after them, kept as typed", () => {
    fc.assert(
      fc.property(digit, fc.option(digit, { nil: undefined }), separator, separator, comment, space, (s, a, sep1, sep2, c, around) => {
        const digits = s.text + (a ? sep1 + a.text : "");
        const expected = { safety: SAFETY[s.n], ...(a ? { availability: AVAILABILITY[a.n] } : {}), comment: c };
        expect(parseSmsReply(around + digits + sep2 + c + around)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
