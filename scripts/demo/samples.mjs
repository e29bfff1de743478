#!/usr/bin/env node
/**
 * Writes the sample contact lists people can try in the import screen, for
 * facilities of the demo network: docs/samples/staff-sjis.csv (Shift_JIS, as
 * Excel on Windows saves 「CSV (コンマ区切り)」) for 小金井本町クリニック, usable by its
 * admin, and docs/samples/staff-utf8.csv (UTF-8 with BOM, 「CSV UTF-8」) across
 * several facilities, for the network admin. Numbers are fictional (090-1999-xxxx).
 */
import Encoding from "encoding-japanese";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./local-db.mjs";

const cell = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csv = (rows) => `${rows.map((r) => r.map(cell).join(",")).join("\r\n")}\r\n`;

const clinic = [
  ["氏名", "フリガナ", "事業所名", "職種", "携帯電話", "メールアドレス", "役割"],
  ["森 さくら", "モリ サクラ", "小金井本町クリニック", "看護師", "", "staff@demo.example", "一般"],
  ["髙橋 一郎", "タカハシ イチロウ", "小金井本町クリニック", "医師", "090-1999-0001", "ichiro.takahashi@example.jp", "一般"],
  ["山﨑 恵子", "やまざき けいこ", "小金井本町クリニック", "看護師", "０９０－１９９９－０００２", "keiko.yamazaki@example.jp", "一般"],
  ["渡辺 翔太", "ﾜﾀﾅﾍﾞ ｼｮｳﾀ", "", "臨床検査技師", "+81 90 1999 0003", "", "一般"],
  ["佐々木 由美", "ササキ ユミ", "", "事務", "09019990004", "yumi.sasaki@example.jp", "代行"],
  ["小川 直樹", "オガワ ナオキ", "小金井本町クリニック", "看護師", "090-1999-0005", "naoki.ogawa@example.jp", ""],
  ["Nguyen Thi Lan", "グエン ティ ラン", "小金井本町クリニック", "看護助手", "090-1999-0006", "lan.nguyen.koganei@example.jp", "一般"],
  ["藤井 麻衣", "フジイ マイ", "小金井本町クリニック", "事務", "090-1999-0007", "", "一般"],
  ["中島 学", "ナカジマ マナブ", "小金井本町クリニック", "医師", "", "manabu.nakajima@example.jp", "一般"],
  ["石田 沙織", "イシダ サオリ", "小金井本町クリニック", "看護師", "090-1999-0009", "saori.ishida@example.jp", "一般"],
];

const network = [
  ["氏名", "フリガナ", "事業所名", "職種", "携帯電話", "メールアドレス", "役割", "言語"],
  ["田村 陽子", "タムラ ヨウコ", "緑町病院", "看護師, 感染管理", "090-1999-0101", "yoko.tamura@example.jp", "一般", ""],
  ["上田 健一", "ウエダ ケンイチ", "緑町病院", "理学療法士", "090-1999-0102", "kenichi.ueda@example.jp", "代行", ""],
  ["John Miller", "ジョン ミラー", "緑町病院", "医師", "090-1999-0103", "john.miller.koganei@example.jp", "一般", "en"],
  ["野口 葵", "ノグチ アオイ", "連雀通り歯科", "歯科衛生士", "090-1999-0104", "aoi.noguchi@example.jp", "一般", ""],
  ["宮崎 拓也", "ミヤザキ タクヤ", "小金井梶野町薬局", "薬剤師", "090-1999-0105", "takuya.miyazaki@example.jp", "一般", ""],
  ["Tran Van Minh", "チャン ヴァン ミン", "小金井貫井北町ヘルパーステーション", "訪問介護員", "090-1999-0106", "", "一般", "vi"],
  ["工藤 千尋", "クドウ チヒロ", "武蔵野訪問看護ステーション", "看護師", "090-1999-0107", "chihiro.kudo@example.jp", "一般", ""],
  ["酒井 誠", "サカイ マコト", "中町居宅介護支援事業所", "介護支援専門員", "090-1999-0108", "makoto.sakai@example.jp", "一般", ""],
  ["柴田 典子", "シバタ ノリコ", "小金井市緑町地域包括支援センター", "保健師", "090-1999-0109", "noriko.shibata@example.jp", "一般", ""],
  ["横山 湊", "ヨコヤマ ミナト", "前原町薬局", "薬剤師", "", "minato.yokoyama@example.jp", "一般", ""],
];

const sjis = Uint8Array.from(Encoding.convert(Encoding.stringToCode(csv(clinic)), { to: "SJIS", from: "UNICODE" }));
writeFileSync(join(ROOT, "docs", "samples", "staff-sjis.csv"), sjis);
writeFileSync(join(ROOT, "docs", "samples", "staff-utf8.csv"), `\uFEFF${csv(network)}`);
console.log("wrote docs/samples/staff-sjis.csv and docs/samples/staff-utf8.csv");
