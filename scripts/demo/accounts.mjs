/**
 * The demo sign-ins, one per role (and a visiting nurse and a care manager, members
 * of patient groups): the only accounts of the local demo with a password. An account
 * with `facilityType` works at the first facility of that type, the others at the clinic.
 * The generator writes them, `npm start` prints them, the README lists them. They exist
 * only in local demo data; never load this seed anywhere else.
 */
export const DEMO_FACILITY = { name: "小金井本町クリニック", kana: "コガネイホンチョウクリニック", type: "clinic", district: "本町" };

export const DEMO_ACCOUNTS = [
  {
    role: "network_admin",
    label: "ネットワーク管理者 (医師会) network admin",
    email: "admin@demo.example",
    password: "Ishikai-demo-2026",
    name: "中村 聡",
    kana: "ナカムラ サトシ",
    job: "医師会事務局",
    globalRole: "network_admin",
  },
  {
    role: "facility_admin",
    label: "事業所管理者 facility admin (小金井本町クリニック)",
    email: "clinic-admin@demo.example",
    password: "Clinic-demo-2026",
    name: "本田 美穂",
    kana: "ホンダ ミホ",
    job: "医師",
    facility: "admin",
  },
  {
    role: "delegate",
    label: "管理者代行 delegate (小金井本町クリニック)",
    email: "delegate@demo.example",
    password: "Delegate-demo-2026",
    name: "石井 健太",
    kana: "イシイ ケンタ",
    job: "事務",
    facility: "delegate",
  },
  {
    role: "staff",
    label: "一般スタッフ staff (小金井本町クリニック)",
    email: "staff@demo.example",
    password: "Staff-demo-2026",
    name: "森 さくら",
    kana: "モリ サクラ",
    job: "看護師",
    facility: "staff",
  },
  {
    role: "visiting_nurse",
    label: "訪問看護師 visiting nurse (訪問看護ステーション, 患者グループのメンバー)",
    email: "nurse@demo.example",
    password: "Nurse-demo-2026",
    name: "西田 由紀",
    kana: "ニシダ ユキ",
    job: "看護師",
    facility: "staff",
    facilityType: "visiting_nurse",
  },
  {
    role: "care_manager",
    label: "ケアマネジャー care manager (居宅介護支援事業所, 患者グループのメンバー)",
    email: "caremanager@demo.example",
    password: "Caremgr-demo-2026",
    name: "大野 和子",
    kana: "オオノ カズコ",
    job: "介護支援専門員",
    facility: "staff",
    facilityType: "care_manager",
  },
  {
    role: "viewer",
    label: "閲覧 viewer (市役所 介護福祉課)",
    email: "city@demo.example",
    password: "City-demo-2026",
    name: "青木 直子",
    kana: "アオキ ナオコ",
    job: "介護福祉課",
    globalRole: "viewer",
  },
];
