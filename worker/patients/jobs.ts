import type { FACILITY_TYPES } from "../directory/facility-types";

type FacilityType = (typeof FACILITY_TYPES)[number];

/**
 * Who may open a patient group (§3), by 職種 and facility type: the attending
 * physician (主治医), a care manager (ケアマネジャー), or a nurse of a visiting-nurse
 * station (訪問看護指示書を交付された事業所の看護師). The directory keeps 職種 as the
 * words people write (「医師」, 「看護師, 感染管理」, 「主任介護支援専門員」), so the
 * words are read here, once. No zod and no worker runtime: the admin UI bundles it.
 */

export type OpenerKind = "doctor" | "care_manager" | "nurse";

/** The words of each kind of 職種, as people write them (NFKC, case ignored). */
const JOB_WORDS: Readonly<Record<OpenerKind, readonly string[]>> = {
  doctor: ["医師", "主治医", "在宅医", "内科医", "外科医", "doctor", "physician"],
  care_manager: ["ケアマネジャー", "ケアマネージャー", "ケアマネ", "介護支援専門員", "主任介護支援専門員", "care manager"],
  nurse: ["看護師", "准看護師", "訪問看護師", "nurse"],
};

/** Where each kind works when it opens a group (§3): the facility types of its active memberships. */
export const OPENER_FACILITY_TYPES: Readonly<Record<OpenerKind, readonly FacilityType[]>> = {
  doctor: ["clinic", "hospital"],
  care_manager: ["care_manager", "community_support"],
  nurse: ["visiting_nurse"],
};

export const OPENER_WORDS: Readonly<Record<OpenerKind, { ja: string; en: string }>> = {
  doctor: { ja: "医師（主治医）", en: "Physician" },
  care_manager: { ja: "ケアマネジャー", en: "Care manager" },
  nurse: { ja: "訪問看護ステーションの看護師", en: "Visiting nurse" },
};

/** The kinds a 職種 text names: 「看護師, 感染管理」 → nurse; 「歯科医師」 is none (a dentist is not the 主治医). */
export function jobKinds(job: string): Set<OpenerKind> {
  const parts = job
    .normalize("NFKC")
    .toLowerCase()
    .split(/[,、，・/／;；\s]+/)
    .filter(Boolean);
  const kinds = new Set<OpenerKind>();
  for (const [kind, words] of Object.entries(JOB_WORDS) as [OpenerKind, readonly string[]][]) {
    if (parts.some((p) => words.includes(p)) || words.some((w) => w.includes(" ") && job.normalize("NFKC").toLowerCase().includes(w))) kinds.add(kind);
  }
  return kinds;
}

/** As what a person may open a group: their 職種 and the type of a facility they work at now, or null. */
export function openerKind(job: string, facilityTypes: readonly FacilityType[]): OpenerKind | null {
  for (const kind of jobKinds(job)) if (facilityTypes.some((t) => OPENER_FACILITY_TYPES[kind].includes(t))) return kind;
  return null;
}

/** Whether a person may be named the group's responsible physician (主治医): a doctor of a clinic or hospital. */
export const mayBePhysician = (job: string, facilityTypes: readonly FacilityType[]): boolean =>
  jobKinds(job).has("doctor") && facilityTypes.some((t) => OPENER_FACILITY_TYPES.doctor.includes(t));
