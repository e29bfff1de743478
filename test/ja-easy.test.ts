import { describe, expect, it } from "vitest";
import { STAFF } from "../admin-ui/src/locales/ja-easy";
import { label, parseSettings } from "../worker/templates/files";
import { TEMPLATE_FILES } from "../worker/templates/files.generated";
import { bareKanji, rubyHtml, rubyParts, rubyPlain } from "../worker/templates/ruby";

/**
 * やさしい日本語 keeps a few kanji, each with its reading (issue 14): `{来|く}る` in the
 * wording files, <ruby> on the pages. These phrases may keep their kanji bare: the drill
 * mark every text starts with, and a button's name as an iPhone shows it.
 */
const ALLOWED = ["【訓練】", "「ホーム画面に追加」"];

/** The kanji of a string that have no reading, outside the allowed phrases. */
const kanjiWithoutRuby = (text: string) => bareKanji(ALLOWED.reduce((s, a) => s.split(a).join(""), text));

describe("furigana notation", () => {
  it("reads {base|reading} apart from the {placeholders}", () => {
    expect(rubyParts("しごとに {来|く}ることが {n}かい")).toEqual(["しごとに ", { base: "来", reading: "く" }, "ることが {n}かい"]);
    expect(rubyPlain("いつごろ {着|つ}きますか")).toBe("いつごろ つきますか");
    expect(rubyHtml("{時間|じかん}まで <b>")).toBe("<ruby>時間<rt>じかん</rt></ruby>まで &lt;b&gt;");
    expect(rubyHtml('{<i>|"x"}')).toBe("<ruby>&lt;i&gt;<rt>&quot;x&quot;</rt></ruby>");
    expect(bareKanji("{来|く}る 人 {時間|じかん}")).toEqual(["人"]);
  });

  it("reads as the kana wherever no markup is possible (SMS, push, titles)", () => {
    expect(label({ k: "しごとに {来|く}ることが できますか（{max}もじ）" }, "k", { max: 200 })).toBe("しごとに くることが できますか（200もじ）");
  });
});

describe("やさしい日本語 files", () => {
  for (const path of ["page/ja-easy.txt", "i18n/ja-easy.txt"])
    it(`${path}: every kanji has its reading`, () => {
      const bad = [...parseSettings(TEMPLATE_FILES[path]!)]
        .map(([key, values]) => [key, kanjiWithoutRuby(values.join("\n"))] as const)
        .filter(([, kanji]) => kanji.length);
      expect(bad, `kanji without {漢字|かんじ} in templates/${path}`).toEqual([]);
    });

  it("messages/*.ja-easy.* (SMS, push, email: plain text, no ruby possible) keep no kanji", () => {
    const files = Object.keys(TEMPLATE_FILES).filter((p) => /^messages\/[a-z]+\.ja-easy\./.test(p));
    expect(files.length).toBeGreaterThan(0);
    const bad = files.map((p) => [p, kanjiWithoutRuby(TEMPLATE_FILES[p]!)] as const).filter(([, kanji]) => kanji.length);
    expect(bad).toEqual([]);
  });

  it("admin-ui/src/locales/ja-easy.ts (the staff screens): every kanji has its reading", () => {
    const bad = Object.entries(STAFF)
      .map(([key, text]) => [key, kanjiWithoutRuby(text)] as const)
      .filter(([, kanji]) => kanji.length);
    expect(bad, "kanji without {漢字|かんじ} in the staff screens' やさしい日本語").toEqual([]);
  });

  it("keep the kanji of the reply page with furigana (来る, 着きます)", () => {
    const page = TEMPLATE_FILES["page/ja-easy.txt"]!;
    expect(page).toContain("{来|く}る");
    expect(page).toContain("{着|つ}きますか");
  });
});
