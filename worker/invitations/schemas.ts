import { refineText } from "../lib/validation";
import { z } from "@hono/zod-openapi";
import { checkEmail, checkMobileShape, type ContactResult } from "../directory/contact";
import { MembershipRoleSchema, nameInput, PersonLangSchema } from "../directory/schemas";

/** Invitations (§4, §5): sent by email or SMS, accepted or declined by the invitee on /join/{token}. */

export const INVITATION_DAYS = 7;

export const InvitationStateSchema = z.enum(["pending", "accepted", "declined", "revoked", "expired"]).openapi("InvitationState");
export type InvitationState = z.infer<typeof InvitationStateSchema>;

const checked = (check: (s: string) => ContactResult) =>
  z
    .string()
    .max(254)
    .superRefine((s, ctx) => {
      const r = check(s);
      if (!r.ok) ctx.addIssue({ code: "custom", ...refineText(r.message.ja, r.message.en) });
    });

export const InvitationCreateSchema = z
  .object({
    facilityId: z.number().int().positive().optional().openapi({ description: "Invite to work at this facility (one of facilityId or groupId)" }),
    groupId: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: "Invite into this custom group; the invitee is never registered as any facility's employee (§4)" }),
    role: MembershipRoleSchema.default("staff").openapi({ description: "The role in the facility (facility invitations only)" }),
    name: nameInput.openapi({ description: "The invitee's name, as the inviter knows it; they may correct it" }),
    email: checked(checkEmail).optional().openapi({ description: "Send the invitation here (one of email or mobile)", example: "hanako@example.org" }),
    mobile: checked(checkMobileShape).optional().openapi({ description: "Send the invitation by SMS here", example: "090-1234-5678" }),
    message: z.string().max(500).default("").openapi({ description: "Why they are invited (shown on the join page)" }),
    lang: PersonLangSchema.default("ja").openapi({ description: "The invitee's language (message and join page)" }),
  })
  .openapi("InvitationCreate");
export type InvitationCreate = z.infer<typeof InvitationCreateSchema>;

export const InvitationSchema = z
  .object({
    id: z.number(),
    facilityId: z.number().nullable(),
    groupId: z.number().nullable(),
    patientId: z.number().nullable().openapi({ description: "A patient group's invitation (POST /api/patients/{id}/invitations)" }),
    place: z.string().openapi({ description: "The facility's or group's name (a patient group by its physician, never the patient)" }),
    role: MembershipRoleSchema.nullable().openapi({ description: "null for a group invitation" }),
    name: z.string(),
    channel: z.enum(["email", "sms"]),
    recipient: z.string().openapi({ description: "Masked address" }),
    message: z.string(),
    lang: PersonLangSchema,
    invitedBy: z.number(),
    state: InvitationStateSchema,
    acceptedPersonId: z.number().nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi("Invitation");
export type Invitation = z.infer<typeof InvitationSchema>;

export const InvitationCreatedSchema = InvitationSchema.extend({
  sent: z.boolean().openapi({ description: "Whether the channel took the message" }),
  sandbox: z.boolean().openapi({ description: "Delivered to the sandbox outbox (GET /api/outbox/messages), not a real provider" }),
}).openapi("InvitationCreated");

export const InvitationListQuery = z.object({
  facilityId: z.coerce.number().int().positive().optional(),
  groupId: z.coerce.number().int().positive().optional(),
  state: InvitationStateSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional(),
});

export const InvitationListSchema = z.object({ items: z.array(InvitationSchema), next: z.number().nullable() }).openapi("InvitationList");

/** The join form as posted by the page (application/x-www-form-urlencoded). */
export const JoinFormSchema = z.object({
  decision: z.enum(["accept", "decline"]),
  name: z.string().max(100).default(""),
  kana: z.string().max(100).default(""),
  password: z.string().max(200).default(""),
  password2: z.string().max(200).default(""),
});
export type JoinForm = z.infer<typeof JoinFormSchema>;
