#!/usr/bin/env node
/**
 * Deterministic demo network for 小金井市: facilities of every type, their staff with
 * Japanese names and readings, example-domain emails, fictional mobiles, one admin
 * per facility, a few delegates, the network group with everyone, about 80 home
 * patients in their patient groups, and the demo sign-ins of accounts.mjs. Writes SQL
 * files for `wrangler d1 execute DB --local --file <file>`, applied in order.
 *
 *   node scripts/demo/generate.mjs [--large] [--people N] [--seed S] [--out DIR]
 *
 * --large makes 100,000 people in about 1,200 facilities, for benchmarks.
 * Numbers are fictional: mobiles 090-10xx-xxxx, facility phones 042-3xx-xxxx;
 * emails use the reserved example domains. Delivery in the local demo goes to the
 * sandbox outbox, never to a provider.
 */
import { randomBytes, scryptSync } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_ACCOUNTS, DEMO_FACILITY } from "./accounts.mjs";

/** mulberry32: small, fast and the same on every machine. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

// [kanji, kana, centre lat, centre lng]
const DISTRICTS = [
  ["本町", "ホンチョウ", 35.7005, 139.509],
  ["東町", "ヒガシチョウ", 35.7005, 139.527],
  ["緑町", "ミドリチョウ", 35.713, 139.504],
  ["中町", "ナカチョウ", 35.696, 139.515],
  ["前原町", "マエハラチョウ", 35.693, 139.502],
  ["梶野町", "カジノチョウ", 35.707, 139.529],
  ["関野町", "セキノチョウ", 35.715, 139.518],
  ["貫井北町", "ヌクイキタマチ", 35.713, 139.493],
  ["貫井南町", "ヌクイミナミマチ", 35.696, 139.489],
  ["桜町", "サクラチョウ", 35.706, 139.5],
];

const PREFIXES = [
  ["さくら", "サクラ"],
  ["みどり", "ミドリ"],
  ["けやき", "ケヤキ"],
  ["はけの森", "ハケノモリ"],
  ["野川", "ノガワ"],
  ["武蔵野", "ムサシノ"],
  ["駅前", "エキマエ"],
  ["ひかり", "ヒカリ"],
  ["あおば", "アオバ"],
  ["つばさ", "ツバサ"],
  ["なごみ", "ナゴミ"],
  ["こがねい", "コガネイ"],
  ["たんぽぽ", "タンポポ"],
  ["ひまわり", "ヒマワリ"],
  ["すずらん", "スズラン"],
  ["栗山", "クリヤマ"],
  ["公園通り", "コウエンドオリ"],
  ["連雀通り", "レンジャクドオリ"],
  ["小金井橋", "コガネイバシ"],
  ["玉川上水", "タマガワジョウスイ"],
];

/** Per type: how many, name suffixes, relative size, jobs (first is the admin's), and a staff minimum. */
const TYPES = {
  clinic: {
    count: 30,
    suffix: [
      ["クリニック", "クリニック"],
      ["内科クリニック", "ナイカクリニック"],
      ["診療所", "シンリョウジョ"],
      ["整形外科", "セイケイゲカ"],
      ["小児科", "ショウニカ"],
    ],
    weight: 1.6,
    min: 3,
    jobs: [
      ["医師", 2],
      ["看護師", 4],
      ["臨床検査技師", 1],
      ["事務", 3],
    ],
  },
  hospital: {
    count: 6,
    suffix: [
      ["病院", "ビョウイン"],
      ["総合病院", "ソウゴウビョウイン"],
      ["記念病院", "キネンビョウイン"],
    ],
    weight: 14,
    min: 30,
    jobs: [
      ["医師", 3],
      ["看護師", 8],
      ["薬剤師", 1],
      ["理学療法士", 1],
      ["作業療法士", 1],
      ["言語聴覚士", 0.4],
      ["医療ソーシャルワーカー", 0.4],
      ["管理栄養士", 0.4],
      ["事務", 2],
    ],
  },
  dental: {
    count: 18,
    suffix: [
      ["歯科", "シカ"],
      ["歯科医院", "シカイイン"],
      ["デンタルクリニック", "デンタルクリニック"],
    ],
    weight: 1.1,
    min: 3,
    jobs: [
      ["歯科医師", 2],
      ["歯科衛生士", 3],
      ["歯科技工士", 0.5],
      ["事務", 1.5],
    ],
  },
  pharmacy: {
    count: 22,
    suffix: [
      ["薬局", "ヤッキョク"],
      ["調剤薬局", "チョウザイヤッキョク"],
    ],
    weight: 1,
    min: 2,
    jobs: [
      ["薬剤師", 3],
      ["事務", 1.5],
    ],
  },
  visiting_nurse: {
    count: 12,
    suffix: [["訪問看護ステーション", "ホウモンカンゴステーション"]],
    weight: 1.7,
    min: 4,
    jobs: [
      ["看護師", 6],
      ["理学療法士", 1],
      ["作業療法士", 0.6],
      ["事務", 1],
    ],
  },
  visiting_rehab: {
    count: 5,
    suffix: [["訪問リハビリセンター", "ホウモンリハビリセンター"]],
    weight: 1.1,
    min: 3,
    jobs: [
      ["理学療法士", 3],
      ["作業療法士", 2],
      ["言語聴覚士", 1],
    ],
  },
  care_manager: {
    count: 12,
    suffix: [
      ["居宅介護支援事業所", "キョタクカイゴシエンジギョウショ"],
      ["ケアプランセンター", "ケアプランセンター"],
    ],
    weight: 0.8,
    min: 2,
    jobs: [
      ["介護支援専門員", 4],
      ["事務", 0.6],
    ],
  },
  home_care: {
    count: 10,
    suffix: [
      ["ヘルパーステーション", "ヘルパーステーション"],
      ["訪問介護事業所", "ホウモンカイゴジギョウショ"],
    ],
    weight: 2.6,
    min: 5,
    jobs: [
      ["サービス提供責任者", 1],
      ["訪問介護員", 6],
      ["事務", 0.5],
    ],
  },
  community_support: {
    count: 4,
    suffix: [["地域包括支援センター", "チイキホウカツシエンセンター"]],
    weight: 1.2,
    min: 4,
    jobs: [
      ["保健師", 1],
      ["社会福祉士", 1],
      ["主任介護支援専門員", 1],
    ],
  },
  city_division: {
    count: 1,
    suffix: [["", ""]],
    weight: 1.2,
    min: 4,
    jobs: [
      ["行政職", 3],
      ["保健師", 1],
    ],
  },
};

// [kanji, kana, romaji]
const SURNAMES = [
  ["佐藤", "サトウ", "sato"],
  ["鈴木", "スズキ", "suzuki"],
  ["高橋", "タカハシ", "takahashi"],
  ["田中", "タナカ", "tanaka"],
  ["伊藤", "イトウ", "ito"],
  ["渡辺", "ワタナベ", "watanabe"],
  ["山本", "ヤマモト", "yamamoto"],
  ["中村", "ナカムラ", "nakamura"],
  ["小林", "コバヤシ", "kobayashi"],
  ["加藤", "カトウ", "kato"],
  ["吉田", "ヨシダ", "yoshida"],
  ["山田", "ヤマダ", "yamada"],
  ["佐々木", "ササキ", "sasaki"],
  ["山口", "ヤマグチ", "yamaguchi"],
  ["松本", "マツモト", "matsumoto"],
  ["井上", "イノウエ", "inoue"],
  ["木村", "キムラ", "kimura"],
  ["林", "ハヤシ", "hayashi"],
  ["斎藤", "サイトウ", "saito"],
  ["清水", "シミズ", "shimizu"],
  ["山崎", "ヤマザキ", "yamazaki"],
  ["森", "モリ", "mori"],
  ["池田", "イケダ", "ikeda"],
  ["橋本", "ハシモト", "hashimoto"],
  ["阿部", "アベ", "abe"],
  ["石川", "イシカワ", "ishikawa"],
  ["山下", "ヤマシタ", "yamashita"],
  ["中島", "ナカジマ", "nakajima"],
  ["石井", "イシイ", "ishii"],
  ["小川", "オガワ", "ogawa"],
  ["前田", "マエダ", "maeda"],
  ["岡田", "オカダ", "okada"],
  ["長谷川", "ハセガワ", "hasegawa"],
  ["藤田", "フジタ", "fujita"],
  ["後藤", "ゴトウ", "goto"],
  ["近藤", "コンドウ", "kondo"],
  ["村上", "ムラカミ", "murakami"],
  ["遠藤", "エンドウ", "endo"],
  ["青木", "アオキ", "aoki"],
  ["坂本", "サカモト", "sakamoto"],
  ["斉藤", "サイトウ", "saito"],
  ["福田", "フクダ", "fukuda"],
  ["太田", "オオタ", "ota"],
  ["西村", "ニシムラ", "nishimura"],
  ["藤井", "フジイ", "fujii"],
  ["金子", "カネコ", "kaneko"],
  ["岡本", "オカモト", "okamoto"],
  ["藤原", "フジワラ", "fujiwara"],
  ["中野", "ナカノ", "nakano"],
  ["三浦", "ミウラ", "miura"],
  ["原田", "ハラダ", "harada"],
  ["中川", "ナカガワ", "nakagawa"],
  ["松田", "マツダ", "matsuda"],
  ["竹内", "タケウチ", "takeuchi"],
  ["小野", "オノ", "ono"],
  ["田村", "タムラ", "tamura"],
  ["中山", "ナカヤマ", "nakayama"],
  ["和田", "ワダ", "wada"],
  ["石田", "イシダ", "ishida"],
  ["森田", "モリタ", "morita"],
  ["上田", "ウエダ", "ueda"],
  ["原", "ハラ", "hara"],
  ["柴田", "シバタ", "shibata"],
  ["酒井", "サカイ", "sakai"],
  ["工藤", "クドウ", "kudo"],
  ["横山", "ヨコヤマ", "yokoyama"],
  ["宮崎", "ミヤザキ", "miyazaki"],
  ["宮本", "ミヤモト", "miyamoto"],
  ["内田", "ウチダ", "uchida"],
  ["高木", "タカギ", "takagi"],
  ["髙橋", "タカハシ", "takahashi"],
  ["山﨑", "ヤマザキ", "yamazaki"],
  ["小金井", "コガネイ", "koganei"],
  ["武田", "タケダ", "takeda"],
  ["野口", "ノグチ", "noguchi"],
];
const GIVEN = [
  ["太郎", "タロウ", "taro"],
  ["一郎", "イチロウ", "ichiro"],
  ["健太", "ケンタ", "kenta"],
  ["翔太", "ショウタ", "shota"],
  ["大輔", "ダイスケ", "daisuke"],
  ["拓也", "タクヤ", "takuya"],
  ["直樹", "ナオキ", "naoki"],
  ["誠", "マコト", "makoto"],
  ["浩", "ヒロシ", "hiroshi"],
  ["修", "オサム", "osamu"],
  ["亮", "リョウ", "ryo"],
  ["剛", "ツヨシ", "tsuyoshi"],
  ["隆", "タカシ", "takashi"],
  ["学", "マナブ", "manabu"],
  ["聡", "サトシ", "satoshi"],
  ["蓮", "レン", "ren"],
  ["悠斗", "ユウト", "yuto"],
  ["陽翔", "ハルト", "haruto"],
  ["大翔", "ヒロト", "hiroto"],
  ["湊", "ミナト", "minato"],
  ["和也", "カズヤ", "kazuya"],
  ["正人", "マサト", "masato"],
  ["達也", "タツヤ", "tatsuya"],
  ["健一", "ケンイチ", "kenichi"],
  ["康介", "コウスケ", "kosuke"],
  ["花子", "ハナコ", "hanako"],
  ["陽子", "ヨウコ", "yoko"],
  ["美穂", "ミホ", "miho"],
  ["由美", "ユミ", "yumi"],
  ["恵子", "ケイコ", "keiko"],
  ["直子", "ナオコ", "naoko"],
  ["真由美", "マユミ", "mayumi"],
  ["智子", "トモコ", "tomoko"],
  ["久美子", "クミコ", "kumiko"],
  ["裕子", "ユウコ", "yuko"],
  ["さくら", "サクラ", "sakura"],
  ["結衣", "ユイ", "yui"],
  ["葵", "アオイ", "aoi"],
  ["陽菜", "ヒナ", "hina"],
  ["美咲", "ミサキ", "misaki"],
  ["彩", "アヤ", "aya"],
  ["愛", "アイ", "ai"],
  ["麻衣", "マイ", "mai"],
  ["沙織", "サオリ", "saori"],
  ["千尋", "チヒロ", "chihiro"],
  ["明美", "アケミ", "akemi"],
  ["幸子", "サチコ", "sachiko"],
  ["典子", "ノリコ", "noriko"],
  ["香織", "カオリ", "kaori"],
  ["奈々", "ナナ", "nana"],
];
/** A few staff from abroad, who read roll-calls in English or Vietnamese. */
const FOREIGN = [
  ["Nguyen Thi Lan", "グエン ティ ラン", "lan.nguyen", "vi"],
  ["Tran Van Minh", "チャン ヴァン ミン", "minh.tran", "vi"],
  ["Pham Thi Hoa", "ファム ティ ホア", "hoa.pham", "vi"],
  ["Le Van Duc", "レ ヴァン ドゥック", "duc.le", "vi"],
  ["Maria Santos", "マリア サントス", "maria.santos", "en"],
  ["John Miller", "ジョン ミラー", "john.miller", "en"],
  ["Priya Sharma", "プリヤ シャルマ", "priya.sharma", "en"],
  ["Anna Reyes", "アンナ レジェス", "anna.reyes", "en"],
];

const KANJI_DIGITS = ["", "第二", "第三", "第四", "第五", "第六", "第七", "第八", "第九"];
const KANA_DIGITS = ["", "ダイニ", "ダイサン", "ダイヨン", "ダイゴ", "ダイロク", "ダイナナ", "ダイハチ", "ダイキュウ"];

/** scrypt in worker/auth/password.ts's format, so the worker verifies it. */
export function hashPassword(password, salt = randomBytes(16)) {
  const N = 16384,
    r = 8,
    p = 5;
  const key = scryptSync(password.normalize("NFKC"), salt, 32, { N, r, p, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** The demo network as rows. `scale` multiplies the facility counts (10 for --large). */
export function buildNetwork({ people = 1500, seed = 20260901, scale = 1 } = {}) {
  const rnd = prng(seed);
  const facilities = [];
  const taken = new Set();
  const addFacility = (type, name, kana, district) => {
    const [d, , lat, lng] = district;
    const id = facilities.length + 1;
    const chome = rnd.int(1, 5);
    facilities.push({
      id,
      type,
      name,
      kana,
      district: d,
      address: `東京都小金井市${d}${chome}-${rnd.int(1, 20)}-${rnd.int(1, 30)}`,
      phone: `+81423${String(rnd.int(0, 99)).padStart(2, "0")}${String(rnd.int(0, 9999)).padStart(4, "0")}`,
      lat: +(lat + (rnd.next() - 0.5) * 0.008).toFixed(5),
      lng: +(lng + (rnd.next() - 0.5) * 0.01).toFixed(5),
    });
    taken.add(name);
    return id;
  };
  // The demo accounts' clinic comes first so its id is stable.
  addFacility(
    DEMO_FACILITY.type,
    DEMO_FACILITY.name,
    DEMO_FACILITY.kana,
    DISTRICTS.find((d) => d[0] === DEMO_FACILITY.district),
  );
  for (const [type, spec] of Object.entries(TYPES)) {
    const count = type === "city_division" ? 1 : spec.count * scale - (type === DEMO_FACILITY.type ? 1 : 0);
    for (let i = 0; i < count; i++) {
      if (type === "city_division") {
        addFacility(type, "小金井市役所 介護福祉課", "コガネイシヤクショ カイゴフクシカ", DISTRICTS[0]);
        continue;
      }
      const district = rnd.pick(DISTRICTS);
      const [suffix, suffixKana] = rnd.pick(spec.suffix);
      const style = rnd.next();
      let [stem, stemKana] = style < 0.35 ? [`小金井${district[0]}`, `コガネイ${district[1]}`] : style < 0.55 ? [district[0], district[1]] : rnd.pick(PREFIXES);
      if (type === "community_support") [stem, stemKana] = [`小金井市${district[0]}`, `コガネイシ${district[1]}`];
      let n = 0;
      while (taken.has(`${stem}${KANJI_DIGITS[n % 9]}${n >= 9 ? n : ""}${suffix}`)) n++;
      addFacility(
        type,
        `${stem}${KANJI_DIGITS[n % 9]}${n >= 9 ? n : ""}${suffix}`,
        `${stemKana}${KANA_DIGITS[n % 9]}${n >= 9 ? n : ""}${suffixKana}`,
        district,
      );
    }
  }

  // Staff per facility in proportion to its type's weight, with some spread.
  const shares = facilities.map((f) => TYPES[f.type].weight * (0.6 + rnd.next() * 0.8));
  const total = shares.reduce((a, b) => a + b, 0);
  const demoCount = DEMO_ACCOUNTS.length;
  const sizes = facilities.map((f, i) => Math.max(TYPES[f.type].min, Math.round(((people - demoCount) * shares[i]) / total)));
  let diff = people - demoCount - sizes.reduce((a, b) => a + b, 0);
  // Round-robin to the exact count. Shrinking stops at each type's minimum first; a small
  // network (e.g. --people 300, under the minimums' sum) then goes down to one person (the
  // admin) per facility. A full round that changes nothing ends the pass: it used to spin forever.
  const settle = (floor) => {
    for (let i = 0, idle = 0; diff !== 0 && idle < sizes.length; i = (i + 1) % sizes.length) {
      if (diff > 0) {
        sizes[i]++;
        diff--;
        idle = 0;
      } else if (sizes[i] > floor(i)) {
        sizes[i]--;
        diff++;
        idle = 0;
      } else idle++;
    }
  };
  settle((i) => TYPES[facilities[i].type].min);
  settle(() => 1);
  if (diff !== 0)
    throw new Error(
      `--people ${people} is too small: this network needs at least ${facilities.length + demoCount} (one per facility and the ${demoCount} demo accounts).`,
    );

  const persons = [];
  const memberships = [];
  const contacts = [];
  let mobileSeq = 0;
  const addPerson = (p) => {
    const id = persons.length + 1;
    persons.push({ id, lang: "ja", globalRole: null, password: null, ...p });
    return id;
  };
  const addMobile = (personId) => contacts.push({ personId, kind: "mobile", value: `+819010${String(mobileSeq++).padStart(6, "0")}` });

  // Demo sign-ins first: ids 1..7 (the visiting nurse and the care manager at the first facility of their type).
  for (const a of DEMO_ACCOUNTS) {
    const id = addPerson({ name: a.name, kana: a.kana, job: a.job, globalRole: a.globalRole ?? null, password: a.password });
    contacts.push({ personId: id, kind: "email", value: a.email });
    addMobile(id);
    const facilityId = a.facilityType ? facilities.find((f) => f.type === a.facilityType).id : 1;
    if (a.facility) memberships.push({ personId: id, facilityId, role: a.facility, appointedBy: a.facility === "staff" ? null : 1 });
  }
  const networkAdminId = 1;
  const demoAdminId = 2;

  let foreign = 0;
  facilities.forEach((f, fi) => {
    const jobs = TYPES[f.type].jobs;
    const jobWeight = jobs.reduce((a, [, w]) => a + w, 0);
    const pickJob = () => {
      let x = rnd.next() * jobWeight;
      for (const [job, w] of jobs) {
        x -= w;
        if (x < 0) return job;
      }
      return jobs[0][0];
    };
    let adminId = f.id === 1 ? demoAdminId : null;
    const delegates = f.id === 1 ? 0 : f.type === "hospital" ? 2 : rnd.chance(0.12) ? 1 : 0;
    for (let k = 0; k < sizes[fi]; k++) {
      const isForeign = (f.type === "home_care" || f.type === "hospital" || f.type === "visiting_nurse") && rnd.chance(0.02);
      let name,
        kana,
        local,
        lang = "ja";
      if (isForeign) {
        const [n, kn, l, lg] = FOREIGN[foreign++ % FOREIGN.length];
        [name, kana, local, lang] = [n, kn, l, lg];
      } else {
        const [s, sk, sr] = rnd.pick(SURNAMES);
        const [g, gk, gr] = rnd.pick(GIVEN);
        [name, kana, local] = [`${s} ${g}`, `${sk} ${gk}`, `${gr}.${sr}`];
      }
      const role = adminId === null ? "admin" : k <= delegates ? "delegate" : "staff";
      const job = role === "admin" ? jobs[0][0] : pickJob();
      const id = addPerson({ name, kana, job, lang });
      if (role === "admin") adminId = id;
      memberships.push({ personId: id, facilityId: f.id, role, appointedBy: role === "delegate" ? adminId : role === "admin" ? networkAdminId : null });
      const mobile = rnd.chance(0.93);
      if (mobile) addMobile(id);
      if (!mobile || rnd.chance(0.85)) contacts.push({ personId: id, kind: "email", value: `${local}.${id}@example.jp` });
    }
  });
  const patients = buildPatients({ facilities, persons, memberships, seed, count: 80 * scale });
  return { facilities, persons, memberships, contacts, networkAdminId, patients };
}

/**
 * Who the patients' needs are: [how many of 80, needs, battery hours range]. Ventilators
 * and oxygen first (they hang on power), then dialysis and insulin, many bedridden,
 * several alone; the rest are frail people living at home.
 */
const PATIENT_PROFILES = [
  [4, { ventilator: true, suction: true, bedridden: true, careLevel: "care5", evacuationList: true }, [4, 10]],
  [8, { oxygen: true, careLevel: "care2", evacuationList: true }, [2, 8]],
  [2, { suction: true, bedridden: true, careLevel: "care5" }, [3, 6]],
  [4, { poweredDevice: true, careLevel: "care4", evacuationList: true }, [3, 12]],
  [6, { dialysis: true, careLevel: "care1" }, null],
  [10, { insulin: true, careLevel: "support2" }, null],
  [26, { bedridden: true, careLevel: "care4", evacuationList: true }, null],
  [20, { careLevel: "care1" }, null],
];
const PATIENT_NOTES = [
  "訪問しました。バイタル安定、ご本人の表情も穏やかです。",
  "停電時の連絡先とバッテリーの残り時間をご家族と確認しました。",
  "酸素濃縮器の点検が済みました。予備のボンベは2本です。",
  "次回の訪問は木曜日の午前です。",
  "ご家族から連絡あり：来週は娘さんが泊まりに来られます。",
  "褥瘡の処置をしました。経過は良好です。",
  "避難先（小学校）までの移動は車いすが必要です。",
  "インスリンの在庫を確認しました。10日分あります。",
];
const EVACUATION_PLACES = [
  "小金井第一小学校",
  "小金井第二小学校",
  "前原小学校",
  "緑小学校",
  "東小学校",
  "本町小学校",
  "南小学校",
  "自宅で待機（福祉避難所の調整中）",
];

/**
 * About 80 home patients (§3–§5) with their groups: each opened after the consent by its
 * physician (a doctor of a clinic), or by a care manager or visiting nurse with the
 * physician responsible; members from clinics, visiting-nurse stations, care-manager and
 * home-care offices. The demo visiting nurse and care manager are members of several,
 * the first ventilator patient among them. Deterministic (its own seed), fictional.
 */
function buildPatients({ facilities, persons, memberships, seed, count }) {
  const rnd = prng(seed + 15);
  const facilityOf = new Map(facilities.map((f) => [f.id, f]));
  const pool = (type, jobs) =>
    memberships
      .filter((m) => facilityOf.get(m.facilityId).type === type && jobs.includes(persons[m.personId - 1].job))
      .map((m) => ({ personId: m.personId, facilityId: m.facilityId, district: facilityOf.get(m.facilityId).district }));
  const doctors = pool("clinic", ["医師"]);
  const nurses = pool("visiting_nurse", ["看護師"]);
  const careManagers = pool("care_manager", ["介護支援専門員"]);
  const helpers = pool("home_care", ["訪問介護員", "サービス提供責任者"]);
  if (!doctors.length || !nurses.length || !careManagers.length) return [];
  const demoNurse = persons.find((p) => p.password && DEMO_ACCOUNTS.find((a) => a.role === "visiting_nurse")?.password === p.password);
  const demoCm = persons.find((p) => p.password && DEMO_ACCOUNTS.find((a) => a.role === "care_manager")?.password === p.password);
  const near = (list, district) => {
    const close = list.filter((x) => x.district === district);
    return rnd.pick(close.length && rnd.chance(0.7) ? close : list);
  };
  const byId = (list, id) => list.find((x) => x.personId === id);
  const profiles = PATIENT_PROFILES.flatMap(([n, needs, battery]) => Array.from({ length: Math.max(1, Math.round((n * count) / 80)) }, () => [needs, battery]));
  const day = 86_400_000;
  const patients = [];
  profiles.slice(0, count).forEach(([base, battery], i) => {
    const id = i + 1;
    const district = rnd.pick(DISTRICTS);
    const [s, sk] = rnd.pick(SURNAMES);
    const [g, gk] = rnd.pick(GIVEN);
    const needs = { ...base };
    if (battery) needs.batteryHours = rnd.int(battery[0], battery[1]);
    // Several live alone: the oxygen, insulin and dialysis patients now and then, most of the frail ones.
    needs.livesAlone = base.ventilator ? i === 0 : base.careLevel === "care1" && !base.dialysis ? rnd.chance(0.6) : rnd.chance(base.bedridden ? 0.15 : 0.3);
    if (base.careLevel)
      needs.careLevel = rnd.pick(
        base.bedridden ? ["care3", "care4", "care5"] : base.careLevel === "support2" ? ["support1", "support2", "care1"] : ["care1", "care2", "care3"],
      );
    if (base.ventilator) needs.careLevel = "care5";
    needs.evacuationList = base.evacuationList ?? rnd.chance(0.3);
    needs.evacuationPlace = rnd.pick(EVACUATION_PLACES);
    const physician = near(doctors, district[0]);
    // The demo nurse is in the first ventilator and oxygen groups and some bedridden ones; the demo care manager in a spread.
    const withNurse = demoNurse && (i < 2 || i === 4 || i === 5 || (base.bedridden && i % 9 === 0));
    const withCm = demoCm && (i === 0 || i === 3 || i % 11 === 6);
    const nurse = withNurse
      ? byId(nurses, demoNurse.id)
      : needs.ventilator || needs.oxygen || needs.suction || needs.poweredDevice || base.bedridden || rnd.chance(0.4)
        ? near(nurses, district[0])
        : null;
    const cm = withCm ? byId(careManagers, demoCm.id) : rnd.chance(0.85) ? near(careManagers, district[0]) : null;
    const helper = helpers.length && (base.bedridden || needs.livesAlone) && rnd.chance(0.6) ? near(helpers, district[0]) : null;
    const opener = rnd.chance(0.7) ? physician : cm && rnd.chance(0.65) ? cm : (nurse ?? physician);
    const members = [{ ...physician, role: "manager" }];
    if (opener.personId !== physician.personId) members.push({ ...opener, role: "manager" });
    for (const m of [nurse, cm, helper]) if (m && !members.some((x) => x.personId === m.personId)) members.push({ ...m, role: "member" });
    const posts = Array.from({ length: rnd.int(0, 2) }, () => ({
      authorId: rnd.pick(members).personId,
      text: rnd.pick(PATIENT_NOTES),
      daysAgo: rnd.int(0, 20),
    }));
    patients.push({
      id,
      name: `${s} ${g}`,
      kana: `${sk} ${gk}`,
      birthDate: `${rnd.int(1928, 1962)}-${String(rnd.int(1, 12)).padStart(2, "0")}-${String(rnd.int(1, 28)).padStart(2, "0")}`,
      address: `東京都小金井市${district[0]}${rnd.int(1, 5)}-${rnd.int(1, 20)}-${rnd.int(1, 30)}`,
      district: district[0],
      phone: `+81423${String(rnd.int(0, 99)).padStart(2, "0")}${String(rnd.int(0, 9999)).padStart(4, "0")}`,
      needs,
      consentDaysAgo: rnd.int(20, 700),
      openedBy: opener.personId,
      physicianId: physician.personId,
      members,
      facilityIds: [...new Set(members.map((m) => m.facilityId))],
      posts,
      day,
    });
  });
  return patients;
}

const q = (v) => (v === null || v === undefined ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replace(/'/g, "''")}'`);

/** Multi-row INSERTs of at most `per` rows, so each statement stays well under D1's 100 KB. */
function inserts(table, columns, rows, per = 200) {
  const out = [];
  for (let i = 0; i < rows.length; i += per) {
    const values = rows
      .slice(i, i + per)
      .map((r) => `(${r.map(q).join(",")})`)
      .join(",\n");
    out.push(`INSERT INTO ${table} (${columns.join(", ")}) VALUES\n${values};`);
  }
  return out;
}

/** The seed as SQL statements, in foreign-key order. Expects an empty directory (the migrations applied). */
export function toSql(net, now = Date.now()) {
  const salt = (email) => Buffer.from(email.padEnd(16, "#").slice(0, 16)); // demo only: deterministic output
  const statements = [];
  statements.push(
    ...inserts(
      "facilities",
      ["id", "type", "name", "kana", "address", "district", "phone", "lat", "lng", "created_at", "updated_at"],
      net.facilities.map((f) => [f.id, f.type, f.name, f.kana, f.address, f.district, f.phone, f.lat, f.lng, now, now]),
    ),
  );
  statements.push(
    ...inserts(
      "people",
      ["id", "name", "kana", "job", "lang", "global_role", "password_hash", "password_changed_at", "created_at", "updated_at"],
      net.persons.map((p) => {
        const email = p.password ? DEMO_ACCOUNTS.find((a) => a.password === p.password).email : null;
        return [
          p.id,
          p.name,
          p.kana,
          p.job,
          p.lang,
          p.globalRole,
          p.password ? hashPassword(p.password, salt(email)) : null,
          p.password ? now : null,
          now,
          now,
        ];
      }),
    ),
  );
  statements.push(
    ...inserts(
      "memberships",
      ["person_id", "facility_id", "role", "appointed_by", "created_at"],
      net.memberships.map((m) => [m.personId, m.facilityId, m.role, m.appointedBy, now]),
    ),
  );
  statements.push(
    ...inserts(
      "contacts",
      ["person_id", "kind", "value", "verified_at", "created_at"],
      net.contacts.map((c) => [c.personId, c.kind, c.value, now, now]),
    ),
  );
  // Groups: the network group (created by migration 0004; kept if already there), one per facility, one custom.
  statements.push(`INSERT OR IGNORE INTO groups (kind, name, created_at) VALUES ('network', '全体グループ', ${now});`);
  statements.push(`UPDATE groups SET owner_id = ${net.networkAdminId} WHERE kind = 'network' AND owner_id IS NULL;`);
  statements.push(
    ...inserts(
      "groups",
      ["kind", "name", "facility_id", "created_at"],
      net.facilities.map((f) => ["facility", f.name, f.id, now]),
    ),
  );
  statements.push(`INSERT INTO groups (kind, name, owner_id, created_at) VALUES ('custom', '災害対策委員会', ${net.networkAdminId}, ${now});`);
  // The sender every SMS and push names before its link (the networkName setting).
  statements.push(`INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('networkName', '"小金井市医師会"', ${now}, ${net.networkAdminId});`);
  statements.push(
    `INSERT INTO group_members (group_id, person_id, role, created_at)
     SELECT g.id, p.id, CASE WHEN p.id = ${net.networkAdminId} THEN 'owner' ELSE 'member' END, ${now} FROM people p, groups g WHERE g.kind = 'network' AND p.global_role IS NOT 'viewer';`,
  );
  statements.push(
    `INSERT INTO group_members (group_id, person_id, role, created_at)
     SELECT g.id, m.person_id, CASE WHEN m.role = 'admin' THEN 'owner' ELSE 'member' END, ${now} FROM memberships m JOIN groups g ON g.kind = 'facility' AND g.facility_id = m.facility_id;`,
  );
  statements.push(
    `INSERT INTO group_members (group_id, person_id, role, created_at)
     SELECT (SELECT id FROM groups WHERE kind = 'custom' AND name = '災害対策委員会'), m.person_id, 'member', ${now}
     FROM memberships m JOIN facilities f ON f.id = m.facility_id WHERE m.role = 'admin' AND f.type IN ('hospital', 'community_support', 'city_division');`,
  );
  statements.push(...patientSql(net.patients ?? [], now));
  return statements;
}

const NEED_COLUMNS = [
  ["ventilator", "ventilator"],
  ["oxygen", "oxygen"],
  ["suction", "suction"],
  ["poweredDevice", "powered_device"],
  ["dialysis", "dialysis"],
  ["insulin", "insulin"],
  ["bedridden", "bedridden"],
  ["livesAlone", "lives_alone"],
  ["evacuationList", "evacuation_list"],
];

/** The patient groups as rows (migration 0015): the patient, the members as after their invitations were accepted, a few posts. */
function patientSql(patients, now) {
  if (!patients.length) return [];
  const dayOf = (ms) => new Date(ms + 9 * 3_600_000).toISOString().slice(0, 10);
  const out = [];
  out.push(
    ...inserts(
      "patients",
      [
        "id",
        "name",
        "kana",
        "birth_date",
        "address",
        "district",
        "phone",
        ...NEED_COLUMNS.map(([, c]) => c),
        "battery_hours",
        "care_level",
        "evacuation_place",
        "consent_given_on",
        "consent_to",
        "consent_recorded_by",
        "consent_recorded_at",
        "physician_id",
        "opened_by",
        "created_at",
        "updated_at",
      ],
      patients.map((p) => {
        const opened = now - p.consentDaysAgo * p.day + 3 * 3_600_000;
        return [
          p.id,
          p.name,
          p.kana,
          p.birthDate,
          p.address,
          p.district,
          p.phone,
          ...NEED_COLUMNS.map(([k]) => (p.needs[k] ? 1 : 0)),
          p.needs.batteryHours ?? null,
          p.needs.careLevel ?? null,
          p.needs.evacuationPlace ?? "",
          dayOf(now - p.consentDaysAgo * p.day),
          p.openedBy,
          p.openedBy,
          opened,
          p.physicianId,
          p.openedBy,
          opened,
          opened,
        ];
      }),
    ),
  );
  out.push(
    ...inserts(
      "patient_facilities",
      ["patient_id", "facility_id"],
      patients.flatMap((p) => p.facilityIds.map((f) => [p.id, f])),
    ),
  );
  out.push(
    ...inserts(
      "patient_members",
      ["patient_id", "person_id", "role", "added_by", "created_at"],
      patients.flatMap((p) => p.members.map((m) => [p.id, m.personId, m.role, p.openedBy, now - p.consentDaysAgo * p.day + 4 * 3_600_000])),
    ),
  );
  out.push(
    ...inserts(
      "patient_posts",
      ["patient_id", "author_id", "text", "created_at"],
      patients.flatMap((p) => p.posts.map((x) => [p.id, x.authorId, x.text, now - x.daysAgo * p.day - 2 * 3_600_000])),
    ),
  );
  return out;
}

/** Writes the statements into files of about `maxBytes` each; returns their paths in order. */
export function writeSqlFiles(statements, dir, maxBytes = 4 * 1024 * 1024) {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (/^seed-\d+\.sql$/.test(f)) rmSync(join(dir, f));
  const files = [];
  let part = [];
  let size = 0;
  const flush = () => {
    if (!part.length) return;
    const file = join(dir, `seed-${String(files.length + 1).padStart(3, "0")}.sql`);
    writeFileSync(file, `-- Demo network for 小金井市 (fictional). Generated by scripts/demo/generate.mjs.\n${part.join("\n")}\n`);
    files.push(file);
    part = [];
    size = 0;
  };
  for (const s of statements) {
    const bytes = Buffer.byteLength(s);
    if (size + bytes > maxBytes) flush();
    part.push(s);
    size += bytes;
  }
  flush();
  return files;
}

export function parseArgs(argv) {
  const opts = { large: false, people: undefined, seed: 20260901, out: ".wrangler/demo" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--large") opts.large = true;
    else if (a === "--people") {
      opts.people = Number(argv[++i]);
      if (!Number.isInteger(opts.people) || opts.people < 1) throw new Error(`--people wants a whole number of people, not ${argv[i]}`);
    } else if (a === "--seed") opts.seed = Number(argv[++i]);
    else if (a === "--out") opts.out = argv[++i];
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

/** Generates the demo network and writes its SQL files; returns their paths and counts. */
export function generate({ large = false, people, seed = 20260901, out = ".wrangler/demo" } = {}) {
  const net = buildNetwork({ people: people ?? (large ? 100_000 : 1500), seed, scale: large ? 10 : 1 });
  const files = writeSqlFiles(toSql(net), resolve(out));
  return { files, facilities: net.facilities.length, people: net.persons.length, contacts: net.contacts.length, patients: net.patients.length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const r = generate(parseArgs(process.argv.slice(2)));
  console.log(`${r.facilities} facilities, ${r.people} people, ${r.contacts} contacts, ${r.patients} patient groups in ${Date.now() - t0} ms:`);
  for (const f of r.files) console.log(`  ${f}`);
}
