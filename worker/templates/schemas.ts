import { refineText } from "../lib/validation";
import { z } from "@hono/zod-openapi";
import { CHANNELS } from "../delivery/types";
import { FACILITY_TYPES } from "../directory/facility-types";
import { FACILITY_FIELDS, isFacilityField, type FacilityField } from "./answers";
import { LANGS, type Lang } from "./languages";

/** Languages live in ./languages.ts (one list); re-exported here for the modules that always took them from schemas. */
export { LANGS, langOf, type Lang } from "./languages";

/** Questions a template may ask. Their options are fixed in code: replies and aggregates count them. */
export const QUESTIONS = ["safety", "availability", "comment", "ack"] as const;
export type Question = (typeof QUESTIONS)[number];

/** The answer lists live in ./answers.ts (no zod: the admin UI bundles them); re-exported here. */
export {
  AVAILABILITY,
  FACILITY_CHOICE_FIELDS,
  FACILITY_FIELDS,
  FACILITY_OPTIONS,
  SAFETY,
  STAFFING,
  USABLE,
  YES_NO,
  type FacilityChoiceField,
  type FacilityField,
} from "./answers";

const text = (max: number) => z.string().max(max);

/**
 * One set of facility fields: known names, each once (the page and the CSV ask them in
 * the EMIS order whatever the order written). An unknown name is refused by name, in
 * both languages (`params.ja`, as the validation hook reads a refinement of our own).
 */
const FacilityFieldListSchema = z
  .array(z.string())
  .max(FACILITY_FIELDS.length)
  .superRefine((list, ctx) => {
    list.forEach((v, i) => {
      if (!isFacilityField(v))
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `unknown field ${JSON.stringify(v)} (one of ${FACILITY_FIELDS.join(", ")})`,
          params: { ja: `「${v}」という項目はありません（${FACILITY_FIELDS.join("、")} から選んでください）。` },
        });
    });
    if (new Set(list).size !== list.length) ctx.addIssue({ code: "custom", message: "a field is named twice", params: { ja: "同じ項目が2回あります。" } });
  })
  .openapi({ items: { type: "string", enum: [...FACILITY_FIELDS] } }) as unknown as z.ZodType<FacilityField[]>;

/**
 * Which facility fields a facility admin answers, by facility type (施設の状況の項目):
 * `all` for every type, `byType` for the types that differ. Absent: each type's
 * default (DEFAULT_FACILITY_FIELDS in answers.ts).
 */
export const FacilityFieldsSettingSchema = z
  .object({
    all: FacilityFieldListSchema.optional(),
    byType: z
      .object(
        Object.fromEntries(FACILITY_TYPES.map((t) => [t, FacilityFieldListSchema.optional()])) as Record<
          (typeof FACILITY_TYPES)[number],
          z.ZodOptional<z.ZodType<FacilityField[]>>
        >,
        { error: (iss) => (iss.code === "unrecognized_keys" ? `unknown facility type ${iss.keys.map((k) => JSON.stringify(k)).join(", ")}` : undefined) },
      )
      .strict()
      .optional(),
  })
  .strict()
  .openapi("FacilityFieldsSetting");

/** One message in every part a channel needs. */
export const MessageSetSchema = z
  .object({
    sms: text(1000),
    emailSubject: text(200),
    emailText: text(20_000),
    emailHtml: text(40_000),
    pushTitle: text(200),
    pushBody: text(500),
  })
  .openapi("MessageSet");
export type MessageSet = z.infer<typeof MessageSetSchema>;

const ChannelEnum = z.enum(CHANNELS);

/** A wave of the escalation schedule (送信の段階). */
export const WaveSchema = z
  .object({
    delayMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60),
    channels: z.array(ChannelEnum).min(1).max(3),
    fallback: z.boolean(),
    onlyUnreplied: z.boolean(),
    audience: z.enum(["recipients", "facility_admins"]),
  })
  .openapi("Wave");
export type Wave = z.infer<typeof WaveSchema>;

const perLang = <T extends z.ZodType>(schema: T) => z.object({ ja: schema, en: schema });

/**
 * Messages per language: Japanese is required (every other language falls back to
 * it, see messagesFor in files.ts); the others are optional so that admin copies
 * and roll-call snapshots written before a language existed stay valid.
 */
const perLangMessages = <T extends z.ZodType>(schema: T) =>
  z.object(Object.fromEntries(LANGS.map((l) => [l, l === "ja" ? schema : schema.optional()])) as { ja: T } & { [K in Exclude<Lang, "ja">]: z.ZodOptional<T> });

/** The whole of a template: what the files define and what an admin copy in D1 holds. */
export const TemplateBodySchema = z
  .object({
    name: perLang(z.string().min(1).max(100)),
    kind: z.enum(["rollcall", "notice"]),
    questions: z.array(z.enum(QUESTIONS)).min(1),
    facilityQuestions: z.boolean(),
    facilityFields: FacilityFieldsSettingSchema.optional(),
    commentMax: z.number().int().min(0).max(1000),
    /** Check on the patients of the patient groups in a roll-call of this template (患者さんの確認); a roll-call may say otherwise. */
    patientChecks: z.boolean().default(false),
    /** Minutes after the confirm before an unchecked high-need patient is raised to the group's managers (twice that: the facility admins). */
    patientCheckMinutes: z.number().int().min(5).max(720).default(60),
    waves: z
      .array(WaveSchema)
      .min(1)
      .max(10)
      .refine(
        (w) => w[0]!.delayMinutes === 0 && w[0]!.audience === "recipients",
        refineText("最初の段は0分に対象者へ送ります。", "The first wave goes to the recipients at 0 minutes."),
      )
      .refine(
        (w) => w.every((x, i) => i === 0 || x.delayMinutes >= w[i - 1]!.delayMinutes),
        refineText("段は時間の順に並べてください。", "Waves are in order of their delay."),
      ),
    messages: perLangMessages(MessageSetSchema),
    digest: perLangMessages(MessageSetSchema),
  })
  .refine(
    (t) => t.kind !== "notice" || (t.questions.length === 1 && t.questions[0] === "ack"),
    refineText("お知らせでは「確認しました」だけをたずねます。", "A notice asks only for the acknowledgement.", ["questions"]),
  )
  .refine(
    (t) => t.kind !== "rollcall" || t.questions.includes("safety"),
    refineText("安否確認では安否をたずねます。", "A roll-call asks for safety.", ["questions"]),
  )
  .openapi("TemplateBody");
export type TemplateBody = z.infer<typeof TemplateBodySchema>;

/** "safety", "notice" (files) or "db:<id>" (an admin copy). */
export const TemplateRefSchema = z.string().regex(/^([a-z][a-z0-9_-]{0,40}|db:\d{1,10})$/, "a file template key or db:<id>");

export const TemplateSchema = z
  .object({
    ref: z.string(),
    id: z.number().nullable(),
    source: z.enum(["file", "db"]),
    name: z.string(),
    basedOn: z.string().nullable(),
    body: TemplateBodySchema,
    updatedAt: z.string().nullable(),
  })
  .openapi("Template");
export type Template = z.infer<typeof TemplateSchema>;

export const CopyTemplateSchema = z.object({ basedOn: z.string().min(1).max(50), name: z.string().trim().min(1).max(100) }).openapi("CopyTemplate");
export const EditTemplateSchema = z
  .object({ name: z.string().trim().min(1).max(100).optional(), body: TemplateBodySchema.optional() })
  .strict()
  .openapi("EditTemplate");
