import { z } from "@hono/zod-openapi";
import { ScopeSchema, type Scope } from "../rollcall/schemas";
import { INTENSITIES } from "./jma/intensity";

/** The default JMA feed: 高頻度フィード（地震火山）. */
export const DEFAULT_JMA_FEED_URL = "https://www.data.jma.go.jp/developer/xml/feed/eqvol.xml";

/** Where a roll-call started by a trigger goes: the same scope as a manual roll-call's. */
export const TriggerScopeSchema = ScopeSchema;
export type TriggerScope = Scope;

/** "safety", "notice" (file templates) or "db:<id>" (an admin copy). */
const TemplateRef = z.string().regex(/^([a-z][a-z0-9_-]{0,40}|db:\d{1,10})$/, "a file template key or db:<id>");

export const CAP_SEVERITIES = ["Extreme", "Severe", "Moderate", "Minor", "Unknown"] as const;
export type CapSeverity = (typeof CAP_SEVERITIES)[number];

/** A CAP area geocode the network watches, e.g. { valueName: "JIS X0402", value: "13210" } (小金井市). */
export const GeocodeSchema = z.object({ valueName: z.string().min(1).max(100), value: z.string().min(1).max(100) }).openapi("Geocode");
export type Geocode = z.infer<typeof GeocodeSchema>;

/**
 * What the network admin sets: which JMA areas (地震情報／細分区域, 3 digits) and cities
 * (市町村等, 7 digits) count, from which intensity, with which template, and whether to
 * send at once (auto) or prepare the roll-call for an admin to confirm (確定操作).
 */
export const TriggerRulesSchema = z
  .object({
    enabled: z.boolean(),
    areaCodes: z.array(z.string().regex(/^\d{3}$/, "a 3-digit JMA area code")).max(50),
    cityCodes: z.array(z.string().regex(/^\d{7}$/, "a 7-digit JMA city code")).max(200),
    threshold: z.enum(INTENSITIES),
    templateRef: TemplateRef,
    scope: TriggerScopeSchema,
    mode: z.enum(["auto", "prepare"]),
    feedUrl: z.url({ protocol: /^https?$/ }).max(500),
    /** Reports older than this (by their ReportDateTime) are recorded but never start a roll-call. */
    maxReportAgeMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    capGeocodes: z.array(GeocodeSchema).max(200),
    capMinSeverity: z.enum(CAP_SEVERITIES),
  })
  .openapi("TriggerRules");
export type TriggerRules = z.infer<typeof TriggerRulesSchema>;

/** The names of the JMA areas and cities by code, for the screens (「351 東京都多摩東部」). */
export const JmaPlacesSchema = z.object({ areas: z.record(z.string(), z.string()), cities: z.record(z.string(), z.string()) }).openapi("JmaPlaces");

/** 小金井市 and its neighbours (武蔵野, 三鷹, 府中, 調布, 小平, 国分寺, 西東京), and the area 東京都多摩東部. */
export const DEFAULT_RULES: TriggerRules = {
  enabled: true,
  areaCodes: ["351"],
  cityCodes: ["1321000", "1320300", "1320400", "1320600", "1320800", "1321100", "1321400", "1322900"],
  threshold: "5-",
  templateRef: "safety",
  scope: { all: true },
  mode: "prepare",
  feedUrl: DEFAULT_JMA_FEED_URL,
  maxReportAgeMinutes: 180,
  capGeocodes: [{ valueName: "JIS X0402", value: "13210" }],
  capMinSeverity: "Severe",
};

export const DECISIONS = ["trigger", "prepare", "no_trigger", "note", "withdraw", "note_cancel", "error"] as const;
export type DecisionKind = (typeof DECISIONS)[number];

export const ReasonSchema = z.object({ ja: z.string(), en: z.string() }).openapi("TriggerReason");
export type Reason = z.infer<typeof ReasonSchema>;

export const TriggerReportSchema = z
  .object({
    id: z.number().int(),
    source: z.enum(["jma", "cap", "api"]),
    kind: z.string(),
    externalId: z.string(),
    eventId: z.string().nullable(),
    status: z.string(),
    infoType: z.string(),
    title: z.string(),
    reportAt: z.string().nullable(),
    receivedAt: z.string(),
    watchedMax: z.string().nullable(),
    decision: z.enum(DECISIONS),
    reason: ReasonSchema,
    rollcallId: z.number().int().nullable(),
    drill: z.boolean(),
    replayable: z.boolean(),
  })
  .openapi("TriggerReport");
export type TriggerReport = z.infer<typeof TriggerReportSchema>;

export const FeedStateSchema = z
  .object({
    lastPolledAt: z.string().nullable(),
    lastOkAt: z.string().nullable(),
    lastError: z.string().nullable(),
  })
  .openapi("JmaFeedState");

export const ReportListSchema = z.object({ reports: z.array(TriggerReportSchema), feed: FeedStateSchema }).openapi("TriggerReportList");

export const ReportListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional(),
});
export type ReportListQueryInput = z.infer<typeof ReportListQuery>;

export const API_PERMISSIONS = ["cap", "trigger", "feed"] as const;
export type ApiPermission = (typeof API_PERMISSIONS)[number];

export const ApiKeyCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    permissions: z.array(z.enum(API_PERMISSIONS)).min(1).max(3),
    /** The key's roll-calls are confirmed at once, without an admin's 確定操作. */
    autoSend: z.boolean().default(false),
  })
  .strict()
  .openapi("ApiKeyCreate");
export type ApiKeyCreate = z.infer<typeof ApiKeyCreateSchema>;

export const ApiKeySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    prefix: z.string(),
    permissions: z.array(z.enum(API_PERMISSIONS)),
    autoSend: z.boolean(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const ApiKeyCreatedSchema = ApiKeySchema.extend({
  /** Shown once; only its hash is kept. */
  key: z.string(),
}).openapi("ApiKeyCreated");

/** `POST /api/triggers/rollcalls`: a roll-call started by an integration. */
export const ApiTriggerSchema = z
  .object({
    title: z.string().trim().min(1).max(100),
    templateRef: TemplateRef,
    scope: TriggerScopeSchema,
    drill: z.boolean(),
    /** The caller's own id for this request: a retry with the same ref starts nothing new. */
    ref: z.string().trim().min(1).max(100).optional(),
  })
  .strict()
  .openapi("ApiTrigger");
export type ApiTrigger = z.infer<typeof ApiTriggerSchema>;

export const TriggerOutcomeSchema = z
  .object({
    decision: z.enum(DECISIONS),
    reason: ReasonSchema,
    rollcallId: z.number().int().nullable(),
    state: z.string().nullable(),
    duplicate: z.boolean(),
  })
  .openapi("TriggerOutcome");
export type TriggerOutcome = z.infer<typeof TriggerOutcomeSchema>;
