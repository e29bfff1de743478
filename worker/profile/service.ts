import { auditStatement } from "../audit/log";
import type { Auth } from "../auth/scope";
import { checkEmail, checkMobile, normalizeKana, normalizeSpaces } from "../directory/contact";
import * as dir from "../directory/data";
import { clock } from "../lib/clock";
import { randomToken } from "../lib/crypto";
import { ApiError, badRequest, conflict, notFound, jaEn } from "../lib/errors";
import { assertContactProbeAllowed, countContactProbe, type ProbeSource } from "../auth/ratelimit";
import { loadSettings } from "../system/settings";
import { langOf } from "../templates/languages";
import * as data from "./data";
import { mayReadPhoto, photoUrl, sniffImage } from "./photo";
import type { MyProfile, MyProfileUpdate, PhotoType } from "./schemas";

/**
 * One's own profile: name, language, photo and contacts. Every operation here acts on
 * the caller's own person, except reading a photo, which {@link mayReadPhoto} decides.
 */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function myProfile(db: D1Database, auth: Auth): Promise<MyProfile> {
  const p = await dir.findPerson(db, auth.personId);
  if (!p || p.removedAt) throw notFound(jaEn("職員", "person"));
  const [memberships, channels, counts] = await Promise.all([dir.membershipsOf(db, [p.id]), data.channelsOf(db, p.id), data.securityCounts(db, p.id)]);
  return {
    id: p.id,
    name: p.name,
    kana: p.kana,
    job: p.job,
    lang: langOf(p.lang),
    photoUrl: p.photoKey ? photoUrl(p.id, p.photoKey) : null,
    facilities: (memberships.get(p.id) ?? []).map((m) => ({ facilityId: m.facilityId, facilityName: m.facilityName, role: m.role })),
    channels: channels.map((ch) => ({
      id: ch.id,
      kind: ch.kind,
      value: ch.value,
      verified: ch.verifiedAt !== null,
      verifiedAt: iso(ch.verifiedAt),
      lastOkAt: iso(ch.lastOkAt),
    })),
    devices: counts.devices,
    passkeys: counts.passkeys,
    totpEnabled: auth.totpEnabled,
  };
}

/** Changes one's name, reading, job or language; audited only when something changed. */
export async function updateMyProfile(db: D1Database, auth: Auth, body: MyProfileUpdate): Promise<MyProfile> {
  const p = await dir.findPerson(db, auth.personId);
  if (!p || p.removedAt) throw notFound(jaEn("職員", "person"));
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
  return myProfile(db, auth);
}

// ---------------------------------------------------------------- photo

/**
 * Stores one's photo: the bytes must be the declared type by their magic numbers. The
 * old object goes once the new key is in D1; a failed write drops the new one.
 */
export async function replaceMyPhoto(
  env: Env,
  auth: Auth,
  declared: PhotoType,
  bytes: Uint8Array,
): Promise<{ photoUrl: string; bytes: number; type: PhotoType }> {
  const actual = sniffImage(bytes);
  if (actual !== declared)
    throw badRequest(
      "photo",
      actual
        ? jaEn(`写真のファイルは${actual}で、${declared}ではありません。`, `photo: the file is a ${actual}, not ${declared}.`)
        : jaEn("写真はJPEG・PNG・WebPの画像を送ってください。", `photo: the file is not a ${declared} image (JPEG, PNG or WebP only).`),
    );
  const db = env.DB;
  const person = await dir.findPerson(db, auth.personId);
  if (!person || person.removedAt) throw notFound(jaEn("職員", "person"));
  const key = `people/${auth.personId}/${randomToken(12)}`;
  await env.PHOTOS.put(key, bytes, { httpMetadata: { contentType: actual, cacheControl: "private, max-age=300" } });
  try {
    await db.batch([
      data.setPhotoKey(db, auth.personId, key, clock.now()),
      auditStatement(db, {
        actorId: auth.personId,
        action: "profile.photo_changed",
        objectType: "person",
        objectId: auth.personId,
        detail: { bytes: bytes.length, type: actual },
      }),
    ]);
  } catch (err) {
    await env.PHOTOS.delete(key);
    throw err;
  }
  if (person.photoKey) await env.PHOTOS.delete(person.photoKey);
  return { photoUrl: photoUrl(auth.personId, key), bytes: bytes.length, type: actual };
}

export async function removeMyPhoto(env: Env, auth: Auth): Promise<void> {
  const db = env.DB;
  const person = await dir.findPerson(db, auth.personId);
  if (!person?.photoKey) throw notFound(jaEn("写真", "photo"));
  await db.batch([
    data.setPhotoKey(db, auth.personId, null, clock.now()),
    auditStatement(db, { actorId: auth.personId, action: "profile.photo_removed", objectType: "person", objectId: auth.personId }),
  ]);
  await env.PHOTOS.delete(person.photoKey);
}

/** The photo the caller may see: its key and its ETag. Out of sight and no photo look the same: 404, so nobody learns who has one. */
export async function photoFor(db: D1Database, auth: Auth, personId: number): Promise<{ key: string; etag: string }> {
  if (!(await mayReadPhoto(db, auth, personId))) throw notFound(jaEn("写真", "photo"));
  const person = await dir.findPerson(db, personId);
  if (!person?.photoKey) throw notFound(jaEn("写真", "photo"));
  return { key: person.photoKey, etag: `"${person.photoKey.split("/").pop()}"` };
}

export async function loadPhoto(env: Env, key: string): Promise<R2ObjectBody> {
  const obj = await env.PHOTOS.get(key);
  if (!obj) throw notFound(jaEn("写真", "photo"));
  return obj;
}

// ---------------------------------------------------------------- own contacts

const lastOne = () =>
  badRequest(
    "id",
    jaEn(
      "これはあなたの唯一の連絡先です。先に別の連絡先を追加してから削除してください。",
      "This is your only contact: a roll-call must be able to reach you. Add another one first, then remove this one.",
    ),
    "last_contact",
  );

/** The 409 for an address another account holds. */
const heldByAnother = (kind: "email" | "mobile") =>
  conflict(
    "value",
    jaEn(
      `この${kind === "mobile" ? "番号" : "アドレス"}はほかのアカウントで使われています。`,
      `This ${kind === "mobile" ? "number" : "address"} belongs to another account.`,
    ),
  );

/**
 * Adds one's own email or mobile, unverified, replacing the one of that kind. An address
 * anyone holds is refused (409); answers that another account holds it count against
 * the caller's probe limit.
 */
export async function addMyContact(env: Env, auth: Auth, probe: ProbeSource, input: { kind: "email" | "mobile"; value: string }) {
  const { kind, value: raw } = input;
  const checked = kind === "mobile" ? checkMobile(raw, { extraCountryCodes: (await loadSettings(env)).mobileExtraCountryCodes }) : checkEmail(raw);
  if (!checked.ok) throw badRequest("value", checked.message, checked.code);
  const value = checked.value;
  const db = env.DB;
  await assertContactProbeAllowed(db, probe, "value");
  const holder = await data.addressHolder(db, kind, value);
  if (holder?.personId === auth.personId)
    throw conflict(
      "value",
      jaEn(`この${kind === "mobile" ? "番号" : "アドレス"}はすでにあなたのものです。`, `This ${kind === "mobile" ? "number" : "address"} is yours already.`),
    );
  if (holder) {
    await countContactProbe(db, probe);
    throw heldByAnother(kind);
  }
  const before = await data.channelsOf(db, auth.personId);
  const replaced = before.some((ch) => ch.kind === kind);
  const now = clock.now();
  let inserted: D1Result<{ id: number }>;
  try {
    const results = await db.batch<{ id: number }>([
      data.releaseOwnKind(db, auth.personId, kind, now),
      data.insertOwnContact(db, auth.personId, kind, value, now),
      auditStatement(db, {
        actorId: auth.personId,
        action: replaced ? "contact.replaced" : "contact.added",
        objectType: "person",
        objectId: auth.personId,
        detail: { kind, self: true },
      }),
    ]);
    inserted = results[1]!;
  } catch (err) {
    // Another account took the address between the check and the write: the whole batch rolled back.
    if (data.isAddressTaken(err)) {
      await countContactProbe(db, probe);
      throw heldByAnother(kind);
    }
    throw err;
  }
  const id = inserted.results[0]?.id;
  if (id === undefined) throw notFound(jaEn("職員", "person"));
  return { channel: { id, kind, value, verified: false as const, verifiedAt: null, lastOkAt: null }, replaced };
}

/** Removes one of one's own contacts; the last one stays (a roll-call must be able to reach the person). */
export async function removeMyContact(db: D1Database, auth: Auth, id: number): Promise<void> {
  const mine = await data.channelsOf(db, auth.personId);
  const contact = mine.find((ch) => ch.id === id);
  if (!contact) throw notFound(jaEn("連絡先", "contact"));
  if (mine.length <= 1) throw lastOne();
  const [removed] = await db.batch([
    data.removeOwnContact(db, auth.personId, id, clock.now()),
    auditStatement(db, { actorId: auth.personId, action: "contact.removed", objectType: "contact", objectId: id, detail: { kind: contact.kind, self: true } }),
  ]);
  if (removed!.meta.changes !== 1) {
    // Lost a race with another removal: the contact stays (only the attempt is in the audit log).
    throw new ApiError(
      "last_contact",
      jaEn("これはあなたの唯一の連絡先です。安否確認が届くように残してください。", "This is your only contact: a roll-call must be able to reach you."),
      "id",
    );
  }
}
