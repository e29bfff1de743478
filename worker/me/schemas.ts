import { z } from "@hono/zod-openapi";
import { AVAILABILITY, SAFETY } from "../templates/schemas";
import { LIVE_STATES } from "../rollcall/state";

/** The signed-in person's own roll-calls and groups (the staff home and the leave screen). */

export const MyAnswerSchema = z
  .object({
    safety: z.enum(SAFETY).nullable(),
    availability: z.enum(AVAILABILITY).nullable(),
    ack: z.boolean().openapi({ description: "A notice was acknowledged (確認しました)" }),
    at: z.string().openapi({ description: "When the latest answer was given" }),
  })
  .openapi("MyAnswer");

export const MyRollcallSchema = z
  .object({
    id: z.number(),
    title: z.string(),
    drill: z.boolean(),
    state: z.enum(LIVE_STATES),
    confirmedAt: z.string().nullable(),
    replyUrl: z.string().openapi({ description: "The person's own reply link: shown only to them, never logged" }),
    repliedAt: z.string().nullable().openapi({ description: "First reply; null when not answered yet" }),
    answer: MyAnswerSchema.nullable().openapi({ description: "The latest answer (every change is kept as a version)" }),
  })
  .openapi("MyRollcall");
export type MyRollcall = z.infer<typeof MyRollcallSchema>;

export const MyRollcallListSchema = z.object({ items: z.array(MyRollcallSchema) }).openapi("MyRollcallList");

export const MyGroupSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    kind: z.enum(["network", "facility", "custom"]),
    role: z.enum(["owner", "member"]),
    leavable: z.boolean().openapi({ description: "POST /api/groups/{id}/leave would work: a custom group the person does not own" }),
  })
  .openapi("MyGroup");
export type MyGroup = z.infer<typeof MyGroupSchema>;

export const MyGroupListSchema = z.object({ items: z.array(MyGroupSchema) }).openapi("MyGroupList");
