import { z } from "@hono/zod-openapi";
import { kanaInput, MembershipRoleSchema, nameInput, PersonLangSchema } from "../directory/schemas";

/** The signed-in person's own profile: name, reading, job, language, photo, facilities, channels. */

/** 512 KB: a face photo resized in the browser (e.g. 512×512 JPEG) fits well under it. */
export const PHOTO_MAX_BYTES = 512 * 1024;
export const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;
export type PhotoType = (typeof PHOTO_TYPES)[number];

export const ChannelSchema = z
  .object({
    id: z.number(),
    kind: z.enum(["email", "mobile"]),
    value: z.string().openapi({ description: "The person's own address (only they and their admins see it)" }),
    verified: z.boolean(),
    verifiedAt: z.string().nullable(),
    lastOkAt: z.string().nullable().openapi({ description: "Last time a message to it was accepted or delivered" }),
  })
  .openapi("Channel");

export const MyProfileSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    kana: z.string(),
    job: z.string(),
    lang: PersonLangSchema,
    photoUrl: z.string().nullable().openapi({ description: "GET it with the session; changes when the photo changes" }),
    facilities: z.array(z.object({ facilityId: z.number(), facilityName: z.string(), role: MembershipRoleSchema })),
    channels: z.array(ChannelSchema).openapi({ description: "Email and mobile, each with whether it is verified" }),
    devices: z.number().openapi({ description: "Active push devices (GET /api/me/devices)" }),
    passkeys: z.number(),
    totpEnabled: z.boolean(),
  })
  .openapi("MyProfile");
export type MyProfile = z.infer<typeof MyProfileSchema>;

export const MyProfileUpdateSchema = z
  .object({
    name: nameInput.optional(),
    kana: kanaInput.optional(),
    job: z.string().max(50).optional().openapi({ description: "職種" }),
    lang: PersonLangSchema.optional(),
  })
  .openapi("MyProfileUpdate");
export type MyProfileUpdate = z.infer<typeof MyProfileUpdateSchema>;

export const PhotoResultSchema = z.object({ photoUrl: z.string(), bytes: z.number(), type: z.enum(PHOTO_TYPES) }).openapi("PhotoResult");

export const ContactAddSchema = z
  .object({
    kind: z.enum(["email", "mobile"]).openapi({ description: "One email and one mobile per person: adding a kind one has replaces it" }),
    value: z.string().max(320).openapi({ description: "A mobile number (070/080/090, any width or hyphens) or an email address", example: "090-1234-5678" }),
  })
  .openapi("ContactAdd");

export const ContactAddedSchema = z
  .object({
    channel: ChannelSchema,
    replaced: z.boolean().openapi({ description: "The earlier address of this kind was removed" }),
  })
  .openapi("ContactAdded");
