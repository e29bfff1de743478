import { refineText } from "../lib/validation";
/** The board's HTTP shapes (drill-down, resend); the socket's are in messages.ts. */
import { pathId } from "../lib/schemas";
import { z } from "@hono/zod-openapi";
import { AnswersSchema, FacilityReportSchema } from "../rollcall/schemas";

const id = z.number().int().positive();
const count = z.number().int();
const channel = z.enum(["push", "sms", "email"]);

export const FacilityParams = z.object({ id: pathId("id"), facilityId: pathId("facilityId") });

export const PersonParams = z.object({ id: pathId("id"), personId: pathId("personId") });

/** Contact details: present only for admins in scope, never for the city viewer. */
const ContactsSchema = z.object({ mobile: z.string().nullable(), email: z.string().nullable() });

const ReportSchema = FacilityReportSchema.extend({
  /** Who reported it (a facility admin) and when. */
  by: z.object({ personId: count, name: z.string() }),
  at: z.string(),
});

export const FacilityDetailSchema = z
  .object({
    rollcallId: count,
    facility: z.object({ id: count, name: z.string(), type: z.string(), phone: z.string().nullable() }),
    counts: z.object({
      recipients: count,
      replied: count,
      safety: z.record(z.string(), count),
      /** 出勤可否: who can come in (yes), on conditions, or not. */
      availability: z.record(z.string(), count),
    }),
    report: ReportSchema.nullable(),
    /** Who can come in now: availability yes or conditional (with expected arrival). */
    available: z.array(z.object({ personId: count, name: z.string(), job: z.string(), availability: z.string(), arrival: z.string().nullable() })),
    recipients: z.array(
      z.object({
        personId: count,
        name: z.string(),
        kana: z.string(),
        job: z.string(),
        isFacilityAdmin: z.boolean(),
        repliedAt: z.string().nullable(),
        answers: AnswersSchema.nullable(),
        comment: z.string(),
        via: z.string().nullable(),
        contacts: ContactsSchema.nullable(),
      }),
    ),
    /** Non-responders first; the facility admins to phone. null for the viewer. */
    phoneCheck: z.object({ admins: z.array(z.object({ personId: count, name: z.string(), role: z.string(), mobile: z.string().nullable() })) }).nullable(),
  })
  .openapi("BoardFacility");
export type FacilityDetail = z.infer<typeof FacilityDetailSchema>;

export const PersonDetailSchema = z
  .object({
    rollcallId: count,
    person: z.object({
      id: count,
      name: z.string(),
      kana: z.string(),
      job: z.string(),
      /** Served by `GET /api/rollcalls/{id}/people/{personId}/photo` under the same access; null without a photo. */
      photoUrl: z.string().nullable(),
      facilityId: count.nullable(),
      facility: z.string().nullable(),
      isFacilityAdmin: z.boolean(),
    }),
    repliedAt: z.string().nullable(),
    /** Every version, oldest first. */
    replies: z.array(
      z.object({
        id: count,
        answers: AnswersSchema,
        comment: z.string(),
        commentRemoved: z.boolean(),
        via: z.string(),
        proxyBy: z.object({ personId: count, name: z.string() }).nullable(),
        at: z.string(),
      }),
    ),
    /** Which channels were tried and how each went (no addresses). */
    deliveries: z.array(
      z.object({
        id: count,
        channel,
        wave: count,
        audience: z.enum(["recipients", "facility_admins"]),
        state: z.string(),
        error: z.string().nullable(),
        attempts: count,
        device: z.string().nullable(),
        createdAt: z.string(),
        updatedAt: z.string(),
      }),
    ),
    contacts: z
      .array(
        z.object({
          kind: z.enum(["email", "mobile", "phone"]).openapi({ description: "phone: a home or office number, to call (never texted)" }),
          value: z.string(),
          verified: z.boolean(),
        }),
      )
      .nullable(),
  })
  .openapi("BoardPerson");
export type PersonDetail = z.infer<typeof PersonDetailSchema>;

export const ResendSchema = z
  .object({
    personIds: z.array(id).min(1).max(1000).optional(),
    facilityId: id.optional(),
    /** Default: every channel the person has. */
    channels: z.array(channel).min(1).max(3).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.personIds === undefined) === (b.facilityId === undefined))
      ctx.addIssue({
        code: "custom",
        ...refineText("職員（personIds）か事業所（facilityId）のどちらか1つを指定してください。", "Give either personIds or facilityId.", [
          b.personIds === undefined ? "personIds" : "facilityId",
        ]),
      });
  })
  .openapi("Resend");
export type ResendInput = z.infer<typeof ResendSchema>;

export const ResendResultSchema = z
  .object({
    /** The wave the resend went out as; null when nobody was left to ask. */
    wave: count.nullable(),
    /** People asked again (on at least one channel). */
    people: count,
    deliveries: count,
    alreadyReplied: count,
    /** Unreplied but not reachable: no channel at all, or gone from the directory. */
    unreachable: count,
  })
  .openapi("ResendResult");
