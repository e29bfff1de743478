import { z } from "@hono/zod-openapi";
import { checkEmail, checkMobileShape, checkPhone, type ContactResult } from "../directory/contact";
import { FacilityTypeSchema, kanaInput, nameInput, PersonLangSchema } from "../directory/schemas";
import { refineText } from "../lib/validation";
import { pathId } from "../lib/schemas";
import { CARE_LEVELS, CHECK_POWER, CHECK_RESULTS, NEED_FLAGS, type CheckResult, type NeedFlag } from "./needs";

/**
 * Patient groups (患者グループ, §3–§5): the patient, their disaster needs, the consent,
 * the responsible physician, the members and their posts. The admin UI imports its
 * types from here.
 */

const checked = (check: (s: string) => ContactResult, max: number) =>
  z
    .string()
    .max(max)
    .superRefine((s, ctx) => {
      const r = check(s);
      if (!r.ok) ctx.addIssue({ code: "custom", ...refineText(r.message.ja, r.message.en) });
    });

/** A calendar day, YYYY-MM-DD (a real one). */
const day = (ja: string, en: string) =>
  z
    .string()
    .max(10)
    .refine(
      (s) => {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
        const d = new Date(`${s}T00:00:00Z`);
        return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
      },
      refineText(ja, en),
    )
    .openapi({ example: "2026-04-01", description: "YYYY-MM-DD" });

const text = (max: number) => z.string().max(max);

export const CareLevelSchema = z.enum(CARE_LEVELS).openapi("CareLevel", { description: "要介護度: support1–2 = 要支援1–2, care1–5 = 要介護1–5" });

const needFlags = Object.fromEntries(NEED_FLAGS.map((k) => [k, z.boolean()])) as Record<NeedFlag, z.ZodBoolean>;

/** The needs as the API answers them (worker/patients/needs.ts has the words). */
export const NeedsSchema = z
  .object({
    ...needFlags,
    batteryHours: z.number().nullable().openapi({ description: "Hours the powered devices run on battery; null when not known" }),
    careLevel: CareLevelSchema.nullable(),
    evacuationPlace: z.string().openapi({ description: "避難先" }),
  })
  .openapi("PatientNeeds", {
    description:
      "ventilator 人工呼吸器, oxygen 在宅酸素, suction 吸引器, poweredDevice 電源を要する医療機器, dialysis 人工透析, insulin インスリン, bedridden 寝たきり, livesAlone 独居, evacuationList 避難行動要支援者名簿",
  });

const needFlagInputs = Object.fromEntries(NEED_FLAGS.map((k) => [k, z.boolean().optional()])) as Record<NeedFlag, z.ZodOptional<z.ZodBoolean>>;

/** The needs as sent: every part optional (a new patient starts with none; a change names what changes). */
export const NeedsInputSchema = z
  .object({
    ...needFlagInputs,
    batteryHours: z.number().min(0).max(240).nullable().optional(),
    careLevel: CareLevelSchema.nullable().optional(),
    evacuationPlace: text(200).optional(),
  })
  .openapi("PatientNeedsInput");
export type NeedsInput = z.infer<typeof NeedsInputSchema>;

const patientFields = {
  name: nameInput.openapi({ description: "The patient's name" }),
  kana: kanaInput.optional().openapi({ description: "フリガナ" }),
  birthDate: day("生年月日は 2026-04-01 の形で入れてください。", "birthDate: write it as YYYY-MM-DD.").nullable().optional(),
  address: text(200).optional(),
  district: text(50).optional().openapi({ description: "地区 (本町, 東町, …): the city's counts go by it" }),
  phone: checked(checkPhone, 40).nullable().optional().openapi({ example: "042-381-1234", description: "Home phone; stored as E.164" }),
  facilityIds: z.array(z.number().int().positive()).max(20).optional().openapi({ description: "The facilities serving the patient" }),
  needs: NeedsInputSchema.optional(),
};

export const PatientCreateSchema = z
  .object({
    ...patientFields,
    consent: z
      .object({
        givenOn: day("同意の日付は 2026-04-01 の形で入れてください。", "consent.givenOn: write it as YYYY-MM-DD.").openapi({
          description: "The day the patient gave their written consent (同意書)",
        }),
        to: z
          .number()
          .int()
          .positive()
          .optional()
          .openapi({ description: "The staff member the consent was given to: the caller (default) or the responsible physician" }),
      })
      .openapi({ description: "§3: the group is opened only after the patient's written consent" }),
    physicianId: z.number().int().positive().optional().openapi({
      description: "The responsible physician (主治医), a doctor of a clinic or hospital; a doctor opening the group may leave it out (themselves)",
    }),
  })
  .openapi("PatientCreate");
export type PatientCreate = z.infer<typeof PatientCreateSchema>;

export const PatientUpdateSchema = z
  .object({
    name: patientFields.name.optional(),
    kana: patientFields.kana,
    birthDate: patientFields.birthDate,
    address: patientFields.address,
    district: patientFields.district,
    phone: patientFields.phone,
    facilityIds: patientFields.facilityIds,
    needs: patientFields.needs,
  })
  .openapi("PatientUpdate");
export type PatientUpdate = z.infer<typeof PatientUpdateSchema>;

const personRef = z.object({ id: z.number(), name: z.string() }).openapi("PatientPersonRef");

export const PatientRoleSchema = z
  .enum(["manager", "member"])
  .openapi("PatientRole", { description: "manager 管理者 (invites, removes, closes), member メンバー" });
export type PatientRole = z.infer<typeof PatientRoleSchema>;

/** What the caller may do in this group (the service's rules, for the UI to show only what works). */
const MaySchema = z
  .object({
    post: z.boolean(),
    manage: z.boolean().openapi({ description: "Invite, make read-only, remove members, change the patient, close" }),
    removePosts: z.boolean(),
  })
  .openapi("PatientMay");

/** One of the caller's groups, in the list (high needs first). */
export const PatientItemSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    kana: z.string(),
    district: z.string(),
    needs: NeedsSchema,
    highNeed: z.boolean().openapi({ description: "Depends on power, or lives alone: checked first" }),
    score: z.number().openapi({ description: "Who is checked first (higher first)" }),
    physician: personRef,
    myRole: PatientRoleSchema,
    readOnly: z.boolean(),
    members: z.number(),
    openedAt: z.string(),
  })
  .openapi("PatientItem");
export type PatientItem = z.infer<typeof PatientItemSchema>;

export const PatientListSchema = z
  .object({
    items: z.array(PatientItemSchema),
    mayOpen: z.boolean().openapi({ description: "Whether the caller may open a group (a physician, a care manager or a visiting nurse, §3)" }),
  })
  .openapi("PatientList");

/** The open roll-calls with patient checks of the caller's groups (患者さんの確認), newest first: counts, no patient. */
export const MyChecksSchema = z
  .object({
    items: z.array(
      z.object({ rollcallId: z.number(), title: z.string(), drill: z.boolean(), total: z.number(), unchecked: z.number(), unclaimed: z.number() }),
    ),
  })
  .openapi("MyPatientChecks");

export const PatientMemberSchema = z
  .object({
    personId: z.number(),
    name: z.string(),
    kana: z.string(),
    job: z.string(),
    facilities: z.array(z.object({ id: z.number(), name: z.string(), type: FacilityTypeSchema })),
    role: PatientRoleSchema,
    readOnly: z.boolean(),
    physician: z.boolean().openapi({ description: "The responsible physician (主治医)" }),
    joinedAt: z.string(),
  })
  .openapi("PatientMember");
export type PatientMember = z.infer<typeof PatientMemberSchema>;

export const PatientPostSchema = z
  .object({
    id: z.number(),
    author: z.object({ id: z.number(), name: z.string(), job: z.string() }),
    text: z.string(),
    createdAt: z.string(),
  })
  .openapi("PatientPost");
export type PatientPost = z.infer<typeof PatientPostSchema>;

export const PatientInvitationSchema = z
  .object({ id: z.number(), name: z.string(), recipient: z.string(), expiresAt: z.string() })
  .openapi("PatientPendingInvitation");

export const ConsentSchema = z
  .object({
    givenOn: z.string().openapi({ description: "The day the patient gave the written consent" }),
    to: personRef.openapi({ description: "The staff member it was given to" }),
    recordedBy: personRef,
    recordedAt: z.string(),
    document: z
      .object({ type: z.string(), bytes: z.number(), uploadedAt: z.string(), url: z.string() })
      .nullable()
      .openapi({ description: "The scanned 同意書, when uploaded (GET .../consent; members only, audited)" }),
  })
  .openapi("PatientConsent");

export const PatientSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    kana: z.string(),
    birthDate: z.string().nullable(),
    age: z.number().nullable(),
    address: z.string(),
    district: z.string(),
    phone: z.string().nullable().openapi({ description: "As people write it (042-381-1234)" }),
    facilities: z.array(z.object({ id: z.number(), name: z.string(), type: FacilityTypeSchema })),
    needs: NeedsSchema,
    highNeed: z.boolean(),
    score: z.number(),
    consent: ConsentSchema,
    physician: personRef,
    openedBy: personRef,
    openedAt: z.string(),
    myRole: PatientRoleSchema,
    readOnly: z.boolean(),
    may: MaySchema,
    members: z.array(PatientMemberSchema),
    invitations: z.array(PatientInvitationSchema).openapi({ description: "Pending invitations (managers only; empty for others)" }),
    posts: z.array(PatientPostSchema).openapi({ description: "Newest first; removed posts are not shown" }),
  })
  .openapi("Patient");
export type Patient = z.infer<typeof PatientSchema>;

export const PatientOpenedSchema = PatientSchema.extend({
  physicianInvitation: z
    .enum(["none", "sent", "failed"])
    .openapi({ description: "When someone other than the physician opens the group, the physician is invited (they accept it themselves)" }),
}).openapi("PatientOpened");

export const PatientParams = z.object({ id: pathId("id") });
export const PatientMemberParams = z.object({ id: pathId("id"), personId: pathId("personId", 2) });
export const PatientPostParams = z.object({ id: pathId("id"), postId: pathId("postId", 3) });

export const PatientInvitationCreateSchema = z
  .object({
    personId: z.number().int().positive().optional().openapi({ description: "Someone registered in the network (found with GET /api/patients/people)" }),
    name: nameInput.optional().openapi({ description: "Someone outside the network: their name, with email or mobile" }),
    email: checked(checkEmail, 254).optional(),
    mobile: checked(checkMobileShape, 40).optional(),
    message: text(500).default("").openapi({ description: "Why they are invited (shown on the join page; no patient details in it)" }),
    lang: PersonLangSchema.optional(),
  })
  .openapi("PatientInvitationCreate");
export type PatientInvitationCreate = z.infer<typeof PatientInvitationCreateSchema>;

export const PatientMemberUpdateSchema = z
  .object({
    readOnly: z.boolean().optional().openapi({ description: "A read-only member reads but does not post" }),
    role: PatientRoleSchema.optional(),
  })
  .refine(
    (b) => b.readOnly !== undefined || b.role !== undefined,
    refineText("変える項目（readOnly か role）を入れてください。", "Give readOnly or role.", ["readOnly"]),
  )
  .openapi("PatientMemberUpdate");
export type PatientMemberUpdate = z.infer<typeof PatientMemberUpdateSchema>;

export const MemberRemovalQuery = z.object({
  reason: z.enum(["removed", "misuse"]).default("removed").openapi({ description: "misuse: removed for misuse (§3, 不正利用); a member leaving gives none" }),
});

export const PostRemovalQuery = z.object({ reason: text(200).default("").openapi({ description: "Why the post was removed (kept in the audit)" }) });

export const POST_MAX = 2000;

export const PostCreateSchema = z
  .object({
    text: z
      .string()
      .max(POST_MAX)
      .refine((s) => s.trim().length > 0, refineText("書き込む内容を入れてください。", "Enter the text.")),
    confirm: z.boolean().default(false).openapi({ description: "確定操作 (§5): without it the answer is a preview and nothing is stored" }),
  })
  .openapi("PatientPostCreate");

export const PostPreviewSchema = z
  .object({
    stored: z.literal(false),
    preview: z.object({ text: z.string(), author: z.string(), patient: z.string(), note: z.string() }),
  })
  .openapi("PatientPostPreview");

export const PostStoredSchema = z.object({ stored: z.literal(true), post: PatientPostSchema }).openapi("PatientPostStored");

export const CONSENT_MAX_BYTES = 5 * 1024 * 1024;
export const CONSENT_TYPES = ["application/pdf", "image/jpeg", "image/png"] as const;
export type ConsentType = (typeof CONSENT_TYPES)[number];

export const ConsentStoredSchema = z.object({ type: z.enum(CONSENT_TYPES), bytes: z.number(), uploadedAt: z.string() }).openapi("ConsentStored");

export const PeopleQuerySchema = z.object({
  q: z
    .string()
    .max(50)
    .refine((s) => s.replace(/[\s\u3000]/g, "").length >= 1, refineText("名前を1文字以上入れてください。", "Enter at least one character of the name.")),
  physician: z.enum(["true", "false"]).optional().openapi({ description: "true: only those who may be the responsible physician" }),
});

export const CandidateSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    kana: z.string(),
    job: z.string(),
    facilities: z.array(z.object({ id: z.number(), name: z.string(), type: FacilityTypeSchema })),
    physician: z.boolean().openapi({ description: "May be named the responsible physician" }),
  })
  .openapi("PatientCandidate");

export const CandidateListSchema = z.object({ items: z.array(CandidateSchema) }).openapi("PatientCandidateList");

const needCounts = z.object(Object.fromEntries(NEED_FLAGS.map((k) => [k, z.number()])) as Record<NeedFlag, z.ZodNumber>);

/** Counts of the open groups by district and need: no names, no addresses (network admins and the city viewer). */
export const PatientSummarySchema = z
  .object({
    total: z.number(),
    needs: needCounts,
    careLevels: z.object(Object.fromEntries(CARE_LEVELS.map((k) => [k, z.number()])) as Record<(typeof CARE_LEVELS)[number], z.ZodNumber>),
    districts: z.array(z.object({ district: z.string(), total: z.number(), needs: needCounts })),
  })
  .openapi("PatientSummary");
export type PatientSummary = z.infer<typeof PatientSummarySchema>;

// ---------------------------------------------------------------- patient checks of a roll-call

export const CheckParams = z.object({ id: pathId("id"), patientId: pathId("patientId", 2) });

export const CHECK_TEXT_MAX = 500;

export const CheckClaimSchema = z
  .object({ release: z.boolean().default(false).openapi({ description: "true: let the check go (its holder, or a manager of the group)" }) })
  .openapi("PatientCheckClaim");

export const CheckRecordSchema = z
  .object({
    result: z
      .enum(CHECK_RESULTS)
      .openapi({ description: "safe 無事, needs_help 要支援, hospital 救急搬送・入院, evacuated 避難所へ移動, unreachable 連絡取れず" }),
    power: z
      .enum(CHECK_POWER)
      .optional()
      .openapi({ description: "The devices' power: secured 確保, battery (with batteryHours), stopped 停止. Asked of patients who depend on power" }),
    batteryHours: z.number().min(0).max(240).optional().openapi({ description: "Hours of battery left, with power: battery" }),
    location: text(200).default("").openapi({ description: "Where the patient is now" }),
    comment: text(CHECK_TEXT_MAX).default(""),
    confirm: z.boolean().default(false).openapi({ description: "確定操作: without it the answer is a preview and nothing is recorded" }),
  })
  .openapi("PatientCheckRecord");
export type CheckRecordInput = z.infer<typeof CheckRecordSchema>;

export const CheckItemSchema = z
  .object({
    patientId: z.number(),
    name: z.string(),
    kana: z.string(),
    address: z.string(),
    district: z.string(),
    phone: z.string().nullable().openapi({ description: "National format (090-1234-5678)" }),
    needs: NeedsSchema,
    highNeed: z.boolean(),
    score: z.number().openapi({ description: "Who is checked first (higher first): patients/needs.ts needScore" }),
    state: z.enum(["unclaimed", "claimed", "checked"]),
    claimedBy: z.object({ id: z.number(), name: z.string() }).nullable(),
    mine: z.boolean().openapi({ description: "The caller holds the check" }),
    result: z.enum(CHECK_RESULTS).nullable(),
    power: z.enum(CHECK_POWER).nullable(),
    batteryHours: z.number().nullable(),
    location: z.string(),
    comment: z.string(),
    checkedBy: z.object({ id: z.number(), name: z.string() }).nullable(),
    checkedAt: z.string().nullable(),
    escalation: z.number().openapi({ description: "0 not raised; 1 raised to the managers and physician; 2 to the facility admins" }),
    may: z.object({ claim: z.boolean(), release: z.boolean(), record: z.boolean() }),
  })
  .openapi("PatientCheck");
export type CheckItem = z.infer<typeof CheckItemSchema>;

export const CheckListSchema = z
  .object({
    items: z.array(CheckItemSchema).openapi({ description: "Unchecked high-need first, then by need (needScore)" }),
    title: z.string().openapi({ description: "The roll-call's title" }),
    drill: z.boolean(),
    live: z.boolean().openapi({ description: "Checks are claimed and recorded while the roll-call is open" }),
    minutes: z.number().openapi({ description: "Minutes after the confirm before an unchecked high-need patient is raised" }),
    confirmedAt: z.string().nullable(),
  })
  .openapi("PatientCheckList");

export const CheckPreviewSchema = z
  .object({
    recorded: z.literal(false),
    preview: z.object({ patient: z.string(), result: z.string(), power: z.string().nullable(), location: z.string(), comment: z.string(), by: z.string() }),
  })
  .openapi("PatientCheckPreview");

export const CheckRecordedSchema = z.object({ recorded: z.literal(true), check: CheckItemSchema }).openapi("PatientCheckRecorded");

/** Counts of a roll-call's patient checks, by result and need (and district): no names. Null on a roll-call without checks. */
const resultCounts = z.object({ ...Object.fromEntries(CHECK_RESULTS.map((k) => [k, z.number()])), unchecked: z.number() } as Record<
  CheckResult | "unchecked",
  z.ZodNumber
>);
export const CheckCountsSchema = z
  .object({
    total: z.number(),
    checked: z.number(),
    claimed: z.number().openapi({ description: "Held by a member, not yet recorded" }),
    unclaimed: z.number(),
    late: z.number().openapi({ description: "Unchecked high-need patients past the time (raised)" }),
    highNeedUnchecked: z.number(),
    byResult: resultCounts,
    byNeed: z.array(z.object({ need: z.enum(NEED_FLAGS), total: z.number(), checked: z.number(), byResult: resultCounts })),
    byDistrict: z.array(z.object({ district: z.string(), total: z.number(), checked: z.number(), needs: needCounts })),
  })
  .openapi("PatientCheckCounts");
export type CheckCounts = z.infer<typeof CheckCountsSchema>;
