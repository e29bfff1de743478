import { auditStatement } from "../audit/log";
import { canManageFacility, isNetworkAdmin, type Auth } from "../auth/scope";
import { clock } from "../lib/clock";
import { conflict, forbidden, notFound, jaEn } from "../lib/errors";
import { normalizeKana, normalizeSpaces, parsePhone } from "./contact";
import * as data from "./data";
import { withFreshIds } from "./ids";
import type { Facility, FacilityCreate, FacilityListQuery, FacilityUpdate } from "./schemas";
import { assertFacilityNameFree } from "./service";

/**
 * Facilities: listing, registering (with the facility group), changing (its own admins,
 * the type by a network admin only) and removing. The routes in facilities.ts validate,
 * call one of these and present the result.
 */

function applyUpdate(f: Facility, u: FacilityUpdate): data.NewFacility {
  return {
    type: u.type ?? f.type,
    name: u.name === undefined ? f.name : normalizeSpaces(u.name),
    kana: u.kana === undefined ? f.kana : normalizeKana(u.kana),
    address: u.address === undefined ? f.address : normalizeSpaces(u.address),
    district: u.district === undefined ? f.district : normalizeSpaces(u.district),
    phone: u.phone === undefined ? f.phone : u.phone === null ? null : parsePhone(u.phone),
    lat: u.lat === undefined ? f.lat : u.lat,
    lng: u.lng === undefined ? f.lng : u.lng,
  };
}

/** Facilities by type, district or the start of the name / reading; removed ones for a network admin only. */
export async function listFacilitiesFor(db: D1Database, auth: Auth, q: FacilityListQuery) {
  const includeRemoved = q.includeRemoved === "true";
  if (includeRemoved && !isNetworkAdmin(auth))
    throw forbidden(jaEn("削除した事業所はネットワーク管理者だけが見られます。", "Only a network admin sees removed facilities."));
  const text = q.q ? normalizeSpaces(q.q) : "";
  const page = await data.listFacilities(db, {
    type: q.type,
    district: q.district ? normalizeSpaces(q.district) : undefined,
    q: text || undefined,
    qKana: text ? normalizeKana(text) : undefined,
    includeRemoved,
    limit: q.limit,
    cursor: data.decodeCursor(q.cursor),
  });
  return { items: page.items, total: page.total, nextCursor: page.nextCursor && data.encodeCursor(page.nextCursor) };
}

/** Registers a facility and its facility group; the name must be free under facilityNameKey. */
export async function registerFacility(db: D1Database, auth: Auth, body: FacilityCreate): Promise<Facility> {
  const f: data.NewFacility = {
    type: body.type,
    name: normalizeSpaces(body.name),
    kana: normalizeKana(body.kana),
    address: normalizeSpaces(body.address),
    district: normalizeSpaces(body.district),
    phone: body.phone ? parsePhone(body.phone) : null,
    lat: body.lat ?? null,
    lng: body.lng ?? null,
  };
  await assertFacilityNameFree(db, f.name, null);
  const now = clock.now();
  const id = await withFreshIds(db, ["facilities", "groups"], async ([facilityId, groupId]) => {
    try {
      await db.batch([
        data.insertFacility(db, facilityId!, f, now),
        data.insertFacilityGroup(db, groupId!, facilityId!, f.name, now),
        auditStatement(db, {
          actorId: auth.personId,
          action: "facility.created",
          objectType: "facility",
          objectId: facilityId,
          detail: { type: f.type, name: f.name },
        }),
      ]);
    } catch (err) {
      if (data.isUniqueViolation(err, "facilities.name"))
        throw conflict("name", jaEn("この名前の事業所はもう登録されています。", "A facility with this name is already registered."));
      throw err;
    }
    return facilityId!;
  });
  return (await data.findFacility(db, id))!;
}

/** One facility; a removed one for a network admin only. */
export async function readFacility(db: D1Database, auth: Auth, id: number): Promise<Facility> {
  const f = await data.findFacility(db, id);
  if (!f || (f.removedAt && !isNetworkAdmin(auth))) throw notFound(jaEn("事業所", "facility"));
  return f;
}

/** Changes a facility's details (canManageFacility; the type by a network admin); the facility group follows a new name. */
export async function changeFacility(db: D1Database, auth: Auth, id: number, body: FacilityUpdate): Promise<Facility> {
  const f = await data.findFacility(db, id);
  if (!f || f.removedAt) throw notFound(jaEn("事業所", "facility"));
  if (!canManageFacility(auth, id)) throw forbidden(jaEn("変更できるのは自分の事業所だけです。", "You may change only your own facility."));
  if (body.type !== undefined && body.type !== f.type && !isNetworkAdmin(auth))
    throw forbidden(jaEn("事業所の種別はネットワーク管理者だけが変更できます。", "Only a network admin changes the facility type."), "type");
  const next = applyUpdate(f, body);
  if (next.name !== f.name) await assertFacilityNameFree(db, next.name, id);
  const changed = (Object.keys(next) as (keyof data.NewFacility)[]).filter((k) => next[k] !== f[k]);
  if (changed.length) {
    const now = clock.now();
    try {
      await db.batch([
        data.updateFacility(db, id, next, now),
        ...(changed.includes("name") ? [data.renameFacilityGroup(db, id, next.name)] : []),
        auditStatement(db, { actorId: auth.personId, action: "facility.updated", objectType: "facility", objectId: id, detail: { fields: changed } }),
      ]);
    } catch (err) {
      if (data.isUniqueViolation(err, "facilities.name"))
        throw conflict("name", jaEn("この名前の事業所はもう登録されています。", "A facility with this name is already registered."));
      throw err;
    }
  }
  return (await data.findFacility(db, id))!;
}

/** Removes a facility: its memberships and group end, the history stays. */
export async function removeFacility(db: D1Database, auth: Auth, id: number): Promise<void> {
  const f = await data.findFacility(db, id);
  if (!f || f.removedAt) throw notFound(jaEn("事業所", "facility"));
  const now = clock.now();
  await db.batch([
    ...data.removeFacilityStatements(db, id, now),
    auditStatement(db, { actorId: auth.personId, action: "facility.removed", objectType: "facility", objectId: id, detail: { name: f.name } }),
  ]);
}
