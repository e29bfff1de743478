import { z } from "@hono/zod-openapi";
import { authOf, route } from "../auth/access";
import { domainApp } from "../lib/app";
import { ApiError, badRequest, jaEn } from "../lib/errors";
import { errorResponse, errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { MyProfileSchema, MyProfileUpdateSchema, PHOTO_MAX_BYTES, PHOTO_TYPES, PhotoResultSchema, type PhotoType } from "./schemas";
import * as service from "./service";

const TAG = "profile";

const read = route({
  method: "get",
  path: "/api/me",
  summary: "One's own profile: name, reading, job, language, photo, facilities, contact channels (verified or not), device and passkey counts",
  tags: [TAG],
  access: "signed_in",
  responses: { 200: jsonOk(MyProfileSchema), ...errorResponses },
});

const update = route({
  method: "patch",
  path: "/api/me",
  summary: "Change one's name, reading, job or language (contacts: PATCH /api/people/{id}, then verify them)",
  tags: [TAG],
  access: "signed_in",
  request: { body: jsonBody(MyProfileUpdateSchema) },
  responses: { 200: jsonOk(MyProfileSchema), ...errorResponses },
});

const tooLarge = { 413: errorResponse("Over 512 KB (`field` is photo)") };

const putPhoto = route({
  method: "put",
  path: "/api/me/photo",
  summary: "Upload one's face photo: the raw image bytes (JPEG, PNG or WebP, resized in the browser) with its Content-Type, at most 512 KB",
  description: "The bytes are checked by their magic numbers; a file whose bytes are not the declared type is refused with 400 naming `photo`.",
  tags: [TAG],
  access: "signed_in",
  request: {
    body: {
      required: true,
      content: Object.fromEntries(PHOTO_TYPES.map((t) => [t, { schema: z.string().openapi({ format: "binary" }) }])),
    },
  },
  responses: { 200: jsonOk(PhotoResultSchema), ...errorResponses, ...tooLarge },
});

const deletePhoto = route({
  method: "delete",
  path: "/api/me/photo",
  summary: "Remove one's photo",
  tags: [TAG],
  access: "signed_in",
  responses: { 200: jsonOk(OkSchema), ...errorResponses },
});

const getPhoto = route({
  method: "get",
  path: "/api/people/{id}/photo",
  summary: "A person's photo, for people who share a facility or a group with them (and network admins); private cache",
  tags: [TAG],
  access: "signed_in",
  request: { params: IdParam, query: z.object({ v: z.string().max(40).optional().openapi({ description: "Cache buster from photoUrl" }) }) },
  responses: {
    200: { description: "The image", content: Object.fromEntries(PHOTO_TYPES.map((t) => [t, { schema: z.string().openapi({ format: "binary" }) }])) },
    304: { description: "Not modified" },
    ...errorResponses,
  },
});

/** The uploaded bytes, refused before reading when the declared length is already too much. */
async function photoBytes(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  const tooBig = () =>
    new ApiError(
      "too_large",
      jaEn(`写真は${PHOTO_MAX_BYTES / 1024}KBまでです。小さくしてから送ってください。`, `photo: at most ${PHOTO_MAX_BYTES / 1024} KB; resize it first.`),
      "photo",
    );
  if (declared > PHOTO_MAX_BYTES) throw tooBig();
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > PHOTO_MAX_BYTES) throw tooBig();
  if (bytes.length === 0) throw badRequest("photo", jaEn("写真のファイルが空です。", "photo: the file is empty."));
  return bytes;
}

export const profileRoutes = domainApp()
  .openapi(read, async (c) => c.json(await service.myProfile(c.env.DB, authOf(c)), 200))
  .openapi(update, async (c) => c.json(await service.updateMyProfile(c.env.DB, authOf(c), c.req.valid("json")), 200))
  .openapi(putPhoto, async (c) => {
    const auth = authOf(c);
    const declared = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!(PHOTO_TYPES as readonly string[]).includes(declared))
      throw badRequest("photo", jaEn("写真はJPEG・PNG・WebPの画像を送ってください。", "photo: send a JPEG, PNG or WebP image with its Content-Type."));
    const bytes = await photoBytes(c.req.raw);
    return c.json(await service.replaceMyPhoto(c.env, auth, declared as PhotoType, bytes), 200);
  })
  .openapi(deletePhoto, async (c) => {
    await service.removeMyPhoto(c.env, authOf(c));
    return c.json({ ok: true as const }, 200);
  })
  .openapi(getPhoto, async (c) => {
    const { key, etag } = await service.photoFor(c.env.DB, authOf(c), c.req.valid("param").id);
    const headers = { "cache-control": "private, max-age=300", etag, vary: "Cookie" };
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
    const obj = await service.loadPhoto(c.env, key);
    return c.body(obj.body, 200, { ...headers, "content-type": obj.httpMetadata?.contentType ?? "application/octet-stream", "content-disposition": "inline" });
  });
