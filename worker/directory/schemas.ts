import { refineText } from "../lib/validation";
import { z } from "@hono/zod-openapi";
import { pathId } from "../lib/schemas";
import { FACILITY_TYPES } from "./facility-types";
import { LANGS } from "../templates/languages";
import { checkEmail, checkMobileShape, checkPhone, isKatakana, normalizeKana } from "./contact";

/**
 * The directory's API shapes: validation, the OpenAPI document and the admin UI's
 * types all come from here.
 */

export { FACILITY_TYPES };

/** 施設種別 */
export const FacilityTypeSchema = z.enum(FACILITY_TYPES).openapi("FacilityType");
export type FacilityType = z.infer<typeof FacilityTypeSchema>;

/** Japanese labels for the UI, in the order of DESIGN.md. */
export const FACILITY_TYPE_LABELS: Readonly<Record<FacilityType, string>> = {
  clinic: "診療所",
  hospital: "病院",
  dental: "歯科診療所",
  pharmacy: "薬局",
  visiting_nurse: "訪問看護ステーション",
  visiting_rehab: "訪問リハビリ",
  care_manager: "居宅介護支援事業所",
  home_care: "訪問介護事業所",
  community_support: "地域包括支援センター",
  city_division: "市役所・介護福祉課",
};

/** 管理者 admin, 代行 delegate (appointed by the admin, §2), 一般 staff. */
export const MembershipRoleSchema = z.enum(["admin", "delegate", "staff"]).openapi("MembershipRole");
export type MembershipRole = z.infer<typeof MembershipRoleSchema>;

export const MEMBERSHIP_ROLE_LABELS: Readonly<Record<MembershipRole, string>> = {
  admin: "管理者",
  delegate: "管理者代行",
  staff: "一般",
};

export const GlobalRoleSchema = z.enum(["network_admin", "viewer"]).openapi("GlobalRole");

/** Languages a person may choose (the one list is worker/templates/languages.ts): Japanese, English, the languages of Japan's foreign care workforce, やさしい日本語 (ja-easy). */
export const PERSON_LANGS = LANGS;
export const PersonLangSchema = z.enum(LANGS).openapi("PersonLang");
export type PersonLang = z.infer<typeof PersonLangSchema>;

export const GroupKindSchema = z.enum(["network", "facility", "custom"]).openapi("GroupKind");

const iso = z.string().openapi({ example: "2026-04-01T00:00:00.000Z" });
const pageLimit = z.coerce.number().int().min(1).max(200).default(50);
const cursor = z.string().max(400).optional().openapi({ description: "`nextCursor` of the previous page" });
/** Query flags are strings; z.coerce.boolean would read "false" as true. */
const flag = z.enum(["true", "false"]).optional();

// ---- inputs that need parsing, checked here so the 400 names the field ----

export const nameInput = z
  .string()
  .max(100)
  .refine((s) => s.replace(/[\s\u3000]/g, "").length > 0, refineText("名前を入れてください。", "Enter a name."));
export const kanaInput = z
  .string()
  .max(100)
  .refine(
    (s) => isKatakana(normalizeKana(s)),
    refineText("フリガナはカタカナかひらがなで入れてください。", "Write the reading in kana (カタカナ or ひらがな)."),
  );
const mobileInput = z
  .string()
  .max(40)
  .superRefine((s, ctx) => {
    // The form only: the handler checks the country against the settings (requireMobile).
    const r = checkMobileShape(s);
    if (!r.ok) ctx.addIssue({ code: "custom", ...refineText(r.message.ja, r.message.en) });
  })
  .openapi({ example: "090-1234-5678", description: "Any common Japanese notation; stored as E.164" });
const emailInput = z
  .string()
  .max(254)
  .superRefine((s, ctx) => {
    const r = checkEmail(s);
    if (!r.ok) ctx.addIssue({ code: "custom", ...refineText(r.message.ja, r.message.en) });
  })
  .openapi({ example: "hanako@example.org" });
const phoneInput = z
  .string()
  .max(40)
  .superRefine((s, ctx) => {
    const r = checkPhone(s);
    if (!r.ok) ctx.addIssue({ code: "custom", ...refineText(r.message.ja, r.message.en) });
  })
  .openapi({ example: "042-380-1234" });

// ---- facilities ----

export const FacilitySchema = z
  .object({
    id: z.number(),
    type: FacilityTypeSchema,
    typeLabel: z.string().openapi({ example: "診療所" }),
    name: z.string(),
    kana: z.string(),
    address: z.string(),
    district: z.string(),
    phone: z.string().nullable().openapi({ description: "E.164" }),
    lat: z.number().nullable(),
    lng: z.number().nullable(),
    groupId: z.number().nullable().openapi({ description: "The facility's group" }),
    createdAt: iso,
    updatedAt: iso,
    removedAt: iso.nullable(),
  })
  .openapi("Facility");
export type Facility = z.infer<typeof FacilitySchema>;

const facilityFields = {
  type: FacilityTypeSchema,
  name: nameInput,
  kana: kanaInput.default(""),
  address: z.string().max(200).default(""),
  district: z.string().max(50).default(""),
  phone: phoneInput.nullable().optional(),
  lat: z.number().min(-90).max(90).nullable().optional(),
  lng: z.number().min(-180).max(180).nullable().optional(),
};

export const FacilityCreateSchema = z.object(facilityFields).openapi("FacilityCreate");
export type FacilityCreate = z.infer<typeof FacilityCreateSchema>;

export const FacilityUpdateSchema = z
  .object({
    type: FacilityTypeSchema.optional().openapi({ description: "Network admin only" }),
    name: nameInput.optional(),
    kana: kanaInput.optional(),
    address: z.string().max(200).optional(),
    district: z.string().max(50).optional(),
    phone: phoneInput.nullable().optional(),
    lat: z.number().min(-90).max(90).nullable().optional(),
    lng: z.number().min(-180).max(180).nullable().optional(),
  })
  .openapi("FacilityUpdate");
export type FacilityUpdate = z.infer<typeof FacilityUpdateSchema>;

export const FacilityListQuerySchema = z.object({
  type: FacilityTypeSchema.optional(),
  district: z.string().max(50).optional(),
  q: z.string().max(100).optional().openapi({ description: "Start of the name or the reading (ひらがな works too)" }),
  includeRemoved: flag.openapi({ description: "Network admin only" }),
  limit: pageLimit,
  cursor,
});
export type FacilityListQuery = z.infer<typeof FacilityListQuerySchema>;

export const FacilityListSchema = z.object({ items: z.array(FacilitySchema), total: z.number(), nextCursor: z.string().nullable() }).openapi("FacilityList");

// ---- people ----

export const PersonFacilitySchema = z
  .object({
    facilityId: z.number(),
    facilityName: z.string(),
    facilityType: FacilityTypeSchema,
    role: MembershipRoleSchema,
  })
  .openapi("PersonFacility");

/**
 * A person as the caller may see them. Everyone in scope sees the profile (name,
 * reading, job, photo, facilities). `email` and `mobile` are present only for the
 * person themselves, their facility's admins and delegates, and network admins, and
 * only where asked for; `null` then means "none on file".
 */
export const PersonSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    kana: z.string(),
    job: z.string().openapi({ description: "職種" }),
    photoKey: z.string().nullable(),
    facilities: z.array(PersonFacilitySchema),
    lang: z.string().optional(),
    globalRole: GlobalRoleSchema.nullable().optional(),
    email: z.string().nullable().optional(),
    mobile: z.string().nullable().optional().openapi({ description: "E.164" }),
    phones: z
      .array(z.string())
      .optional()
      .openapi({ description: "Home or office numbers (E.164) for phone checks, with email and mobile: called, never texted" }),
    createdAt: iso.optional(),
    updatedAt: iso.optional(),
    removedAt: iso.nullable().optional(),
  })
  .openapi("Person");
export type Person = z.infer<typeof PersonSchema>;

export const PersonCreateSchema = z
  .object({
    name: nameInput,
    kana: kanaInput.default(""),
    job: z.string().max(50).default(""),
    lang: PersonLangSchema.default("ja"),
    facilityId: z.number().int().positive().optional().openapi({ description: "Required except for a network admin creating a network admin or viewer" }),
    role: MembershipRoleSchema.default("staff"),
    email: emailInput.nullable().optional(),
    mobile: mobileInput.nullable().optional(),
    globalRole: GlobalRoleSchema.nullable().optional().openapi({ description: "Network admin only" }),
  })
  .openapi("PersonCreate");
export type PersonCreate = z.infer<typeof PersonCreateSchema>;

export const PersonUpdateSchema = z
  .object({
    name: nameInput.optional(),
    kana: kanaInput.optional(),
    job: z.string().max(50).optional(),
    lang: PersonLangSchema.optional(),
    email: emailInput.nullable().optional(),
    mobile: mobileInput.nullable().optional(),
    globalRole: GlobalRoleSchema.nullable().optional().openapi({ description: "Network admin only, not on oneself" }),
  })
  .openapi("PersonUpdate");
export type PersonUpdate = z.infer<typeof PersonUpdateSchema>;

export const PersonListQuerySchema = z.object({
  q: z.string().max(100).optional().openapi({
    description:
      "Start of the name or the reading (フリガナ; ひらがな and half-width ｶﾅ work too), spaces ignored; variant kanji match (山崎 finds 山﨑, 斉藤 finds 齋藤)",
  }),
  facilityId: z.coerce.number().int().positive().optional(),
  role: MembershipRoleSchema.optional(),
  job: z.string().max(50).optional(),
  includeRemoved: flag.openapi({ description: "Network admin only" }),
  contacts: flag.openapi({ description: "Include email and mobile where you may see them (each such read is audited)" }),
  limit: pageLimit,
  cursor,
});
export type PersonListQuery = z.infer<typeof PersonListQuerySchema>;

export const PersonListSchema = z.object({ items: z.array(PersonSchema), total: z.number(), nextCursor: z.string().nullable() }).openapi("PersonList");

export const PersonQuerySchema = z.object({
  contacts: flag.openapi({ description: "Set to false to leave out email and mobile (default true)" }),
});

export const MembershipSetSchema = z.object({ role: MembershipRoleSchema }).openapi("MembershipSet");

export const MembershipSchema = z
  .object({
    personId: z.number(),
    facilityId: z.number(),
    role: MembershipRoleSchema,
    appointedBy: z.number().nullable(),
    createdAt: iso,
  })
  .openapi("Membership");
export type Membership = z.infer<typeof MembershipSchema>;

export const FacilityMemberParams = z.object({ id: pathId("id"), personId: pathId("personId", 2) });

// ---- groups ----

/**
 * The network group (全体グループ, one, everyone joins on registration), one group per
 * facility (its members join with their membership and leave with it), and custom
 * groups an admin creates and owns. Closing keeps the history and ends access.
 */
export const GroupSchema = z
  .object({
    id: z.number(),
    kind: GroupKindSchema,
    name: z.string(),
    facilityId: z.number().nullable(),
    ownerId: z.number().nullable(),
    createdAt: iso,
    closedAt: iso.nullable(),
  })
  .openapi("Group");
export type Group = z.infer<typeof GroupSchema>;

export const GroupCreateSchema = z.object({ name: nameInput }).openapi("GroupCreate");
export const GroupUpdateSchema = z.object({ name: nameInput }).openapi("GroupUpdate");

export const GroupListQuerySchema = z.object({
  kind: GroupKindSchema.optional(),
  includeClosed: flag.openapi({ description: "Network admin only" }),
});
export type GroupListQuery = z.infer<typeof GroupListQuerySchema>;

export const GroupListSchema = z.object({ items: z.array(GroupSchema) }).openapi("GroupList");

export const GroupMemberSchema = z
  .object({
    personId: z.number(),
    name: z.string(),
    kana: z.string(),
    job: z.string(),
    photoKey: z.string().nullable(),
    role: z.enum(["owner", "member"]),
    joinedAt: iso,
  })
  .openapi("GroupMember");

export const GroupMemberListSchema = z
  .object({ items: z.array(GroupMemberSchema), total: z.number(), nextCursor: z.string().nullable() })
  .openapi("GroupMemberList");

export const GroupMemberQuerySchema = z.object({ limit: pageLimit, cursor });
export type GroupMemberQuery = z.infer<typeof GroupMemberQuerySchema>;

export const GroupMemberAddSchema = z.object({ personId: z.number().int().positive() }).openapi("GroupMemberAdd");

export const GroupMemberParams = FacilityMemberParams;
