/**
 * A patient's disaster needs (災害時の必要), kept as data: the one list, with its words
 * and the order of who is checked first. No zod and no worker runtime here: the
 * admin UI bundles this module as it is, and the patient checks of a roll-call
 * (issue 15, second part) take their priority from it.
 */

/** The needs that are yes or no, in the order the forms and badges show them. */
export const NEED_FLAGS = ["ventilator", "oxygen", "suction", "poweredDevice", "dialysis", "insulin", "bedridden", "livesAlone", "evacuationList"] as const;
export type NeedFlag = (typeof NEED_FLAGS)[number];

export const NEED_WORDS: Readonly<Record<NeedFlag, { ja: string; en: string }>> = {
  ventilator: { ja: "人工呼吸器", en: "Ventilator" },
  oxygen: { ja: "在宅酸素", en: "Home oxygen" },
  suction: { ja: "吸引器", en: "Suction device" },
  poweredDevice: { ja: "電源を要する医療機器", en: "Powered medical device" },
  dialysis: { ja: "人工透析", en: "Dialysis" },
  insulin: { ja: "インスリン", en: "Insulin" },
  bedridden: { ja: "寝たきり", en: "Bedridden" },
  livesAlone: { ja: "独居", en: "Lives alone" },
  evacuationList: { ja: "避難行動要支援者名簿", en: "On the evacuation support list" },
};

/** 要介護度: 要支援1–2, 要介護1–5. */
export const CARE_LEVELS = ["support1", "support2", "care1", "care2", "care3", "care4", "care5"] as const;
export type CareLevel = (typeof CARE_LEVELS)[number];

export const CARE_LEVEL_WORDS: Readonly<Record<CareLevel, { ja: string; en: string }>> = {
  support1: { ja: "要支援1", en: "Support level 1" },
  support2: { ja: "要支援2", en: "Support level 2" },
  care1: { ja: "要介護1", en: "Care level 1" },
  care2: { ja: "要介護2", en: "Care level 2" },
  care3: { ja: "要介護3", en: "Care level 3" },
  care4: { ja: "要介護4", en: "Care level 4" },
  care5: { ja: "要介護5", en: "Care level 5" },
};

export interface Needs extends Record<NeedFlag, boolean> {
  /** How long the powered devices run on their batteries, in hours (null: not known). */
  batteryHours: number | null;
  careLevel: CareLevel | null;
  /** Where the patient goes in an evacuation (避難先). */
  evacuationPlace: string;
}

export const NO_NEEDS: Needs = {
  ventilator: false,
  oxygen: false,
  suction: false,
  poweredDevice: false,
  dialysis: false,
  insulin: false,
  bedridden: false,
  livesAlone: false,
  evacuationList: false,
  batteryHours: null,
  careLevel: null,
  evacuationPlace: "",
};

/** Whether the patient's life hangs on electricity: a ventilator, oxygen, suction or another powered device. */
export const dependsOnPower = (n: Pick<Needs, "ventilator" | "oxygen" | "suction" | "poweredDevice">): boolean =>
  n.ventilator || n.oxygen || n.suction || n.poweredDevice;

/**
 * A high-need patient, checked first and raised when unchecked: one who depends on
 * power, or who lives alone (the roll-call's escalation takes the same rule).
 */
export const isHighNeed = (n: Needs): boolean => HIGH_NEED_FLAGS.some((k) => n[k]);

/** The needs that make a patient high-need ({@link isHighNeed}), as a list for SQL (patients/data.ts). */
export const HIGH_NEED_FLAGS = ["ventilator", "oxygen", "suction", "poweredDevice", "livesAlone"] as const satisfies readonly NeedFlag[];

/**
 * Who is checked first, as a number (higher first): a ventilator before oxygen,
 * a short battery before a long one, then dialysis and insulin (a missed session or
 * dose), then the bedridden and those alone, a bedridden person alone above both.
 */
export function needScore(n: Needs): number {
  let s = 0;
  if (n.ventilator) s += 1000;
  if (n.oxygen) s += 500;
  if (n.suction) s += 300;
  if (n.poweredDevice) s += 250;
  if (dependsOnPower(n) && n.batteryHours !== null) s += Math.max(0, 24 - n.batteryHours) * 10;
  if (n.dialysis) s += 200;
  if (n.insulin) s += 120;
  if (n.bedridden) s += 80;
  if (n.livesAlone) s += 90;
  if (n.bedridden && n.livesAlone) s += 100;
  if (n.careLevel) s += CARE_LEVELS.indexOf(n.careLevel) * 5;
  if (n.evacuationList) s += 10;
  return s;
}

/** The needs that are set, in the list's order (for badges and counts). */
export const needsSet = (n: Needs): NeedFlag[] => NEED_FLAGS.filter((k) => n[k]);

/** What a patient check found (患者さんの確認の結果), in the order the form offers them. */
export const CHECK_RESULTS = ["safe", "needs_help", "hospital", "evacuated", "unreachable"] as const;
export type CheckResult = (typeof CHECK_RESULTS)[number];

export const CHECK_RESULT_WORDS: Readonly<Record<CheckResult, { ja: string; en: string }>> = {
  safe: { ja: "無事", en: "Safe" },
  needs_help: { ja: "要支援", en: "Needs help" },
  hospital: { ja: "救急搬送・入院", en: "To hospital" },
  evacuated: { ja: "避難所へ移動", en: "Evacuated" },
  unreachable: { ja: "連絡取れず", en: "Unreachable" },
};

/** The power of the patient's devices: secured, on battery (with the hours left), or stopped. */
export const CHECK_POWER = ["secured", "battery", "stopped"] as const;
export type CheckPower = (typeof CHECK_POWER)[number];

export const CHECK_POWER_WORDS: Readonly<Record<CheckPower, { ja: string; en: string }>> = {
  secured: { ja: "電源確保", en: "Power secured" },
  battery: { ja: "バッテリーで動いている", en: "On battery" },
  stopped: { ja: "停止", en: "Stopped" },
};
