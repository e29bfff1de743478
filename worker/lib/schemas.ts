import { z } from "@hono/zod-openapi";
import { ERROR_CODE_LIST, ERROR_CODES } from "./errors";

/** Shared API shapes. The admin UI imports its types from these. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODE_LIST).openapi({
        description: `One of the API's error codes, each with its one status: ${ERROR_CODE_LIST.map((c) => `${c} (${ERROR_CODES[c]})`).join(", ")}.`,
      }),
      message: z.string().openapi({ description: "For a person: short and plain." }),
      field: z.string().optional().openapi({ description: "The input field the error is about, when there is one." }),
    }),
  })
  .openapi("Error");

/** A positive integer path parameter `{name}`. */
export const pathId = (name: string, example = 1) =>
  z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name, in: "path" }, example });

/** A secret token path parameter `{token}` (reply, invitation, verification and push action links). */
export const TokenParam = z.object({
  token: z
    .string()
    .max(200)
    .openapi({ param: { name: "token", in: "path" } }),
});

export const IdParam = z.object({ id: pathId("id") });

/** An error response of the API, described. */
export const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ErrorSchema } } });

/** An HTML page response (the pages people open from a link). */
export const htmlPage = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });

export const errorResponses = {
  400: { description: "Bad input; `field` names it", content: { "application/json": { schema: ErrorSchema } } },
  401: { description: "Not signed in", content: { "application/json": { schema: ErrorSchema } } },
  403: { description: "Not allowed for this role or object", content: { "application/json": { schema: ErrorSchema } } },
  404: { description: "Not found", content: { "application/json": { schema: ErrorSchema } } },
} as const;

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const jsonOk = <T extends z.ZodType>(schema: T, description = "OK") => ({
  description,
  content: { "application/json": { schema } },
});

export const OkSchema = z.object({ ok: z.literal(true) }).openapi("Ok");
