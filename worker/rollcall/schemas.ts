import { refineText } from "../lib/validation";
import { z } from "@hono/zod-openapi";
import { DELIVERY_STATES, type DeliveryState } from "../delivery/types";
import { PROXY_REACHED } from "../templates/answers";
import { AVAILABILITY, FACILITY_CHOICE_FIELDS, FACILITY_FIELDS, SAFETY, STAFFING, TemplateRefSchema, USABLE, YES_NO } from "../templates/schemas";
import { FACILITY_TYPES } from "../directory/schemas";
import { ROLLCALL_STATES } from "./state";

export { FACILITY_TYPES };

const ids = z.array(z.number().int().positive()).max(1000);

/** Who is asked: the whole network, facility types, facilities, or groups. Exactly one, never empty. */
export const ScopeSchema = z
  .object({
    all: z.literal(true).optional(),
    facilityTypes: z.array(z.enum(FACILITY_TYPES)).max(FACILITY_TYPES.length).optional(),
    facilityIds: ids.optional(),
    groupIds: ids.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const given = (["all", "facilityTypes", "facilityIds", "groupIds"] as const).filter((k) => s[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        ...refineText(
          "送り先は「全体」「種別」「事業所」「グループ」のどれか1つで指定してください。",
          "Give exactly one of all, facilityTypes, facilityIds, groupIds.",
          [],
        ),
      });
      return;
    }
    const k = given[0]!;
    const v = s[k];
    if (Array.isArray(v) && v.length === 0) ctx.addIssue({ code: "custom", ...refineText("送り先を1つ以上選んでください。", "The scope is empty.", [k]) });
  })
  .openapi("Scope");
export type Scope = z.infer<typeof ScopeSchema>;

/**
 * Which patients the roll-call checks on (患者さんの確認, issue 15): `{}` the open patient
 * groups with a member among the recipients (so the roll-call's scope: all, by
 * facility, by type, by group), `districts` narrows them to the patients living there.
 */
export const PatientCheckScopeSchema = z
  .object({ districts: z.array(z.string().trim().min(1).max(50)).min(1).max(100).optional() })
  .strict()
  .openapi("PatientCheckScope");
export type PatientCheckScope = z.infer<typeof PatientCheckScopeSchema>;

export const CreateRollcallSchema = z
  .object({
    title: z.string().trim().min(1).max(100),
    message: z.string().trim().max(1000).default(""),
    template: TemplateRefSchema,
    scope: ScopeSchema,
    drill: z.boolean(),
    patientChecks: z.union([z.boolean(), PatientCheckScopeSchema]).optional().openapi({
      description:
        "Check on the patients of the patient groups too: true (those with a member among the recipients), {districts}, or false. Absent: the template's patientChecks setting",
    }),
  })
  .openapi("CreateRollcall");

const count = z.number().int();

export const PreviewMessageSchema = z
  .object({
    channel: z.enum(["push", "sms", "email"]),
    lang: z.string(),
    audience: z.enum(["recipients", "facility_admins"]),
    subject: z.string().optional(),
    text: z.string(),
    html: z.string().optional(),
    sms: z.object({ encoding: z.enum(["GSM-7", "UCS-2"]), units: count, segments: count, perSegment: count }).optional(),
  })
  .openapi("PreviewMessage");

export const PreviewSchema = z
  .object({
    recipients: count,
    byChannel: z.object({ push: count, sms: count, email: count }),
    /** Who the first wave reaches on each channel, the fallback included. */
    firstWave: z.object({ push: count, sms: count, email: count }),
    unreachable: count,
    unreachablePeople: z.array(z.object({ personId: count, name: z.string(), facility: z.string().nullable() })),
    byLang: z.record(z.string(), count),
    waves: z.array(
      z.object({ wave: count, delayMinutes: count, channels: z.array(z.string()), onlyUnreplied: z.boolean(), fallback: z.boolean(), audience: z.string() }),
    ),
    messages: z.array(PreviewMessageSchema),
    /** What one SMS segment costs, in yen (the smsYenPerSegment setting), for the estimate beside each SMS. */
    smsYenPerSegment: z.number(),
  })
  .openapi("RollcallPreview");
export type Preview = z.infer<typeof PreviewSchema>;

export const RollcallSchema = z
  .object({
    id: count,
    title: z.string(),
    message: z.string(),
    template: z.string(),
    templateName: z.string(),
    kind: z.enum(["rollcall", "notice"]),
    scope: ScopeSchema,
    drill: z.boolean(),
    state: z.enum(ROLLCALL_STATES),
    ownerFacilityId: count.nullable(),
    source: z.string(),
    /** The patient checks: null for none. */
    patientChecks: PatientCheckScopeSchema.nullable(),
    notes: z.array(z.object({ at: z.string(), text: z.string() })),
    createdAt: z.string(),
    confirmedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
  })
  .openapi("Rollcall");

export const DraftSchema = z.object({ rollcall: RollcallSchema, preview: PreviewSchema }).openapi("RollcallDraft");

export const ListItemSchema = RollcallSchema.extend({ recipients: count, replied: count }).openapi("RollcallListItem");
export const ListQuery = z.object({
  drill: z
    .enum(["true", "false"])
    .optional()
    .openapi({ param: { name: "drill", in: "query" } }),
  state: z
    .enum(ROLLCALL_STATES)
    .optional()
    .openapi({ param: { name: "state", in: "query" } }),
  before: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ param: { name: "before", in: "query" } }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ param: { name: "limit", in: "query" } }),
  /** Test messages (readiness, source 'test') stay out of the history and counts unless asked for. */
  tests: z
    .enum(["exclude", "only", "include"])
    .default("exclude")
    .openapi({ param: { name: "tests", in: "query" } }),
});

const tally = z.record(z.string(), count);

/** Deliveries of one channel per state: the one shape of the counts, on the board and in the aggregates. */
export const DeliveryCountsSchema = z
  .object(Object.fromEntries(DELIVERY_STATES.map((s) => [s, count])) as Record<DeliveryState, typeof count>)
  .openapi("DeliveryCounts");
export type DeliveryCounts = z.infer<typeof DeliveryCountsSchema>;
/** {@link DeliveryCountsSchema} for every channel (cancelled included: not sent because the roll-call closed). */
export const DeliveryProgressSchema = z.record(z.enum(["push", "sms", "email"]), DeliveryCountsSchema);
export type DeliveryProgress = z.infer<typeof DeliveryProgressSchema>;

/** A facility's report as the board and the facility page show it (施設の状況): every field, null where not answered. */
export const FacilityReportSchema = z
  .object(Object.fromEntries(FACILITY_FIELDS.map((k) => [k, z.string().nullable()])) as Record<(typeof FACILITY_FIELDS)[number], z.ZodNullable<z.ZodString>>)
  .openapi("FacilityReport");

export const AggregatesSchema = z
  .object({
    recipients: count,
    replied: count,
    byAnswer: z.object({
      safety: tally,
      availability: tally,
      ack: count,
      /** The facility reports' answers per field (the comment is not counted). */
      facility: z.object(Object.fromEntries(FACILITY_CHOICE_FIELDS.map((k) => [k, tally])) as Record<(typeof FACILITY_CHOICE_FIELDS)[number], typeof tally>),
      viaProxy: count,
    }),
    byFacilityType: z.array(z.object({ type: z.string(), recipients: count, replied: count })),
    byFacility: z.array(
      z.object({
        facilityId: count.nullable(),
        name: z.string().nullable(),
        type: z.string().nullable(),
        recipients: count,
        replied: count,
        safety: tally,
        report: FacilityReportSchema.nullable(),
      }),
    ),
    nonResponders: z.object({
      items: z.array(z.object({ personId: count, name: z.string(), facilityId: count.nullable(), facility: z.string().nullable() })),
      nextAfter: count.nullable(),
    }),
    delivery: DeliveryProgressSchema,
  })
  .openapi("RollcallAggregates");
export type Aggregates = z.infer<typeof AggregatesSchema>;

export const DetailSchema = z
  .object({ rollcall: RollcallSchema, aggregates: AggregatesSchema.nullable(), preview: PreviewSchema.nullable(), escalation: z.unknown() })
  .openapi("RollcallDetail");

/** How many rows a page of a roll-call's long lists holds (its non-responders here and on the board, the board's facilities and phone checks). */
export const PageLimitQuery = z.coerce
  .number()
  .int()
  .min(1)
  .max(500)
  .default(100)
  .openapi({ param: { name: "limit", in: "query" } });

export const DetailQuery = z.object({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .openapi({ param: { name: "after", in: "query" } }),
  limit: PageLimitQuery,
});

/** Answers as stored (replies.answers) and as the proxy reply API takes them. */
export const AnswersSchema = z
  .object({
    safety: z.enum(SAFETY).optional(),
    availability: z.enum(AVAILABILITY).optional(),
    arrival: z.string().trim().max(40).optional(),
    ack: z.literal("yes").optional(),
    /** A facility admin's report for the facility (施設の状況), in the EMIS terms; the fields the facility's type is not asked are dropped. */
    facility: z
      .object({
        collapse: z.enum(YES_NO).optional(),
        electricity: z.enum(USABLE).optional(),
        water: z.enum(USABLE).optional(),
        medicalGas: z.enum(USABLE).optional(),
        supplies: z.enum(USABLE).optional(),
        manyPatients: z.enum(YES_NO).optional(),
        staffing: z.enum(STAFFING).optional(),
        accepting: z.enum(YES_NO).optional(),
        casualties: z.enum(YES_NO).optional(),
        /** At most the template's commentMax (200 when it has none). */
        comment: z.string().trim().max(1000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi("Answers");
export type Answers = z.infer<typeof AnswersSchema>;

export const ProxyReplySchema = z
  .object({
    answers: AnswersSchema,
    comment: z.string().max(2000).default(""),
    reachedBy: z
      .enum(PROXY_REACHED)
      .optional()
      .openapi({ description: "How the person was reached: phone (電話), in_person (対面), family (家族から), other (その他)" }),
  })
  .openapi("ProxyReply");

export const ReplyRecordSchema = z
  .object({
    replyId: count,
    personId: count,
    answers: AnswersSchema,
    comment: z.string(),
    via: z.string(),
    proxyBy: count.nullable(),
    reachedBy: z.enum(PROXY_REACHED).nullable(),
    at: z.string(),
  })
  .openapi("ReplyRecord");

export type RollcallListQuery = z.infer<typeof ListQuery>;
export type RollcallDetailQuery = z.infer<typeof DetailQuery>;
export type ProxyReply = z.infer<typeof ProxyReplySchema>;
export type ReplyRecord = z.infer<typeof ReplyRecordSchema>;
