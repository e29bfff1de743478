import { z } from "@hono/zod-openapi";
import { auditStatement } from "../audit/log";
import { authOf, route } from "../auth/access";
import type { Auth } from "../auth/scope";
import { normalizeKana, normalizeSpaces } from "../directory/contact";
import * as dir from "../directory/data";
import { domainApp } from "../lib/app";
import { clock } from "../lib/clock";
import { randomToken } from "../lib/crypto";
import { ApiError, badRequest, notFound } from "../lib/errors";
import { ErrorSchema, errorResponses, IdParam, jsonBody, jsonOk, OkSchema } from "../lib/schemas";
import { langOf } from "../templates/languages";
import * as data from "./data";
import { mayReadPhoto, photoUrl, sniffImage } from "./photo";
import { MyProfileSchema, MyProfileUpdateSchema, PHOTO_MAX_BYTES, PHOTO_TYPES, PhotoResultSchema, type MyProfile, type PhotoType } from "./schemas";

const TAG = "profile";
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

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

const tooLarge = { 413: { description: "Over 512 KB (`field` is photo)", content: { "application/json": { schema: ErrorSchema } } } };

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
  responses: { 200: { description: "The image", content: Object.fromEntries(PHOTO_TYPES.map((t) => [t, { schema: z.string().openapi({ format: "binary" }) }])) }, 304: { description: "Not modified" }, ...errorResponses },
});

async function profileOf(db: D1Database, auth: Auth): Promise<MyProfile> {
  const p = await dir.findPerson(db, auth.personId);
  if (!p || p.removedAt) throw notFound("person");
  const [memberships, channels, counts] = await Promise.all([dir.membershipsOf(db, [p.id]), data.channelsOf(db, p.id), data.securityCounts(db, p.id)]);
  return {
    id: p.id,
    name: p.name,
    kana: p.kana,
    job: p.job,
    lang: langOf(p.lang),
    photoUrl: p.photoKey ? photoUrl(p.id, p.photoKey) : null,
    facilities: (memberships.get(p.id) ?? []).map((m) => ({ facilityId: m.facilityId, facilityName: m.facilityName, role: m.role })),
    channels: channels.map((ch) => ({ id: ch.id, kind: ch.kind, value: ch.value, verified: ch.verifiedAt !== null, verifiedAt: iso(ch.verifiedAt), lastOkAt: iso(ch.lastOkAt) })),
    devices: counts.devices,
    passkeys: counts.passkeys,
    totpEnabled: auth.totpEnabled,
  };
}

/** The uploaded bytes, refused before reading when the declared length is already too much. */
async function photoBytes(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  const tooBig = () => new ApiError(413, "too_large", `photo: at most ${PHOTO_MAX_BYTES / 1024} KB; resize it first.`, "photo");
  if (declared > PHOTO_MAX_BYTES) throw tooBig();
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > PHOTO_MAX_BYTES) throw tooBig();
  if (bytes.length === 0) throw badRequest("photo", "photo: the file is empty.");
  return bytes;
}

export const profileRoutes = domainApp()
  .openapi(read, async (c) => c.json(await profileOf(c.env.DB, authOf(c)), 200))
  .openapi(update, async (c) => {
    const auth = authOf(c);
    const body = c.req.valid("json");
    const db = c.env.DB;
    const p = await dir.findPerson(db, auth.personId);
    if (!p || p.removedAt) throw notFound("person");
    const next: dir.NewPerson = {
      name: body.name === undefined ? p.name : normalizeSpaces(body.name),
      kana: body.kana === undefined ? p.kana : normalizeKana(body.kana),
      job: body.job === undefined ? p.job : normalizeSpaces(body.job),
      lang: body.lang ?? p.lang,
      globalRole: p.globalRole,
    };
    const changed = (["name", "kana", "job", "lang"] as const).filter((k) => next[k] !== p[k]);
    if (changed.length)
      await db.batch([
        dir.updatePerson(db, p.id, next, clock.now()),
        auditStatement(db, { actorId: auth.personId, action: "person.updated", objectType: "person", objectId: p.id, detail: { fields: changed, self: true } }),
      ]);
    return c.json(await profileOf(db, auth), 200);
  })
  .openapi(putPhoto, async (c) => {
    const auth = authOf(c);
    const declared = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!(PHOTO_TYPES as readonly string[]).includes(declared)) throw badRequest("photo", "photo: send a JPEG, PNG or WebP image with its Content-Type.");
    const bytes = await photoBytes(c.req.raw);
    const actual = sniffImage(bytes);
    if (actual !== declared) throw badRequest("photo", actual ? `photo: the file is a ${actual}, not ${declared}.` : `photo: the file is not a ${declared} image (JPEG, PNG or WebP only).`);
    const db = c.env.DB;
    const person = await dir.findPerson(db, auth.personId);
    if (!person || person.removedAt) throw notFound("person");
    const key = `people/${auth.personId}/${randomToken(12)}`;
    await c.env.PHOTOS.put(key, bytes, { httpMetadata: { contentType: actual, cacheControl: "private, max-age=300" } });
    try {
      await db.batch([
        data.setPhotoKey(db, auth.personId, key, clock.now()),
        auditStatement(db, { actorId: auth.personId, action: "profile.photo_changed", objectType: "person", objectId: auth.personId, detail: { bytes: bytes.length, type: actual } }),
      ]);
    } catch (err) {
      await c.env.PHOTOS.delete(key);
      throw err;
    }
    if (person.photoKey) await c.env.PHOTOS.delete(person.photoKey);
    return c.json({ photoUrl: photoUrl(auth.personId, key), bytes: bytes.length, type: actual as PhotoType }, 200);
  })
  .openapi(deletePhoto, async (c) => {
    const auth = authOf(c);
    const db = c.env.DB;
    const person = await dir.findPerson(db, auth.personId);
    if (!person?.photoKey) throw notFound("photo");
    await db.batch([
      data.setPhotoKey(db, auth.personId, null, clock.now()),
      auditStatement(db, { actorId: auth.personId, action: "profile.photo_removed", objectType: "person", objectId: auth.personId }),
    ]);
    await c.env.PHOTOS.delete(person.photoKey);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(getPhoto, async (c) => {
    const auth = authOf(c);
    const { id } = c.req.valid("param");
    const db = c.env.DB;
    // Out of sight and no photo look the same: 404, so nobody learns who has one.
    if (!(await mayReadPhoto(db, auth, id))) throw notFound("photo");
    const person = await dir.findPerson(db, id);
    if (!person?.photoKey) throw notFound("photo");
    const etag = `"${person.photoKey.split("/").pop()}"`;
    const headers = { "cache-control": "private, max-age=300", etag, vary: "Cookie" };
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
    const obj = await c.env.PHOTOS.get(person.photoKey);
    if (!obj) throw notFound("photo");
    return c.body(obj.body, 200, { ...headers, "content-type": obj.httpMetadata?.contentType ?? "application/octet-stream", "content-disposition": "inline" });
  });
