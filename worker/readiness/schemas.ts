import { refineText } from "../lib/validation";
/** Readiness (平時の備え): can the network reach its people before any disaster? Shapes shared with the admin UI. */
import { z } from "@hono/zod-openapi";
import { RollcallSchema } from "../rollcall/schemas";

const count = z.number().int();

/**
 * Counts over a set of staff. A channel "works" when it is known to: a mobile or email
 * that was verified or last took a message successfully (a delivery or a test); a push
 * subscription that is active (404/410 from the push service revokes it).
 */
const CountsShape = {
  staff: count,
  /** Staff with at least one working channel. */
  reachable: count,
  /** Staff with an active push subscription. */
  push: count,
  /** Staff with a working mobile number (SMS). */
  mobile: count,
  /** Staff with a working email address. */
  email: count,
  /** Contacts never confirmed: not verified and no message known to have reached them. */
  unverified: count,
  unverifiedByKind: z.object({ mobile: count, email: count }),
  /** Staff with no channel at all, working or not. */
  noChannel: count,
  /** Staff a test message has reached (a test roll-call's delivery, or a push device test). */
  tested: count,
  /** The last time a test message reached one of them (ISO). */
  lastTestAt: z.string().nullable(),
};

export const ReadinessFacilitySchema = z.object({ facilityId: count, name: z.string(), type: z.string(), ...CountsShape }).openapi("ReadinessFacility");
export type ReadinessFacility = z.infer<typeof ReadinessFacilitySchema>;

export const ReadinessTotalsSchema = z.object(CountsShape).openapi("ReadinessTotals");
export type ReadinessTotals = z.infer<typeof ReadinessTotalsSchema>;

export const ReadinessTestSummarySchema = z
  .object({
    rollcallId: count,
    /** null: the whole network. */
    facilityId: count.nullable(),
    state: z.string(),
    sentAt: z.string().nullable(),
    recipients: count,
    /** Recipients at least one message of the test reached. */
    reached: count,
    /** Recipients who pressed 確認しました. */
    acknowledged: count,
  })
  .openapi("ReadinessTest");

export const ReadinessSchema = z
  .object({
    generatedAt: z.string(),
    /** network: every facility (network admin); facilities: their own (facility admins); aggregate: numbers only (city viewer). */
    view: z.enum(["network", "facilities", "aggregate"]),
    /** Distinct people: someone in two facilities counts once. */
    totals: ReadinessTotalsSchema,
    byFacilityType: z.array(z.object({ type: z.string(), staff: count, reachable: count, tested: count })),
    /** null for the viewer. */
    facilities: z.array(ReadinessFacilitySchema).nullable(),
    /** Names (never contacts) of staff with no working channel, to fix first; at most 200. null for the viewer. */
    unreachable: z.array(z.object({ personId: count, name: z.string(), facilityId: count, facility: z.string() })).nullable(),
    /** The latest test messages in view, newest first. */
    tests: z.array(ReadinessTestSummarySchema),
  })
  .openapi("Readiness");
export type Readiness = z.infer<typeof ReadinessSchema>;

export const SendTestSchema = z
  .object({
    all: z.literal(true).optional(),
    facilityId: z.number().int().positive().optional(),
    /** A notice template (kind notice); default the file template "notice". */
    template: z.string().min(1).max(40).optional(),
    /** Shown in the message; a default explains the test. */
    message: z.string().trim().max(500).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.all === undefined) === (b.facilityId === undefined))
      ctx.addIssue({
        code: "custom",
        ...refineText("全体（all）か事業所（facilityId）のどちらか1つを指定してください。", "Give either all or facilityId.", [
          b.all === undefined ? "facilityId" : "all",
        ]),
      });
  })
  .openapi("ReadinessSendTest");
export type SendTestInput = z.infer<typeof SendTestSchema>;

export const SendTestResultSchema = z
  .object({
    rollcall: RollcallSchema,
    /** Everyone asked. */
    people: count,
    /** Who the first wave reaches on each channel (the fallback included). */
    byChannel: z.object({ push: count, sms: count, email: count }),
    unreachable: count,
  })
  .openapi("ReadinessSendTestResult");
