import { isNetworkAdmin, type Auth } from "../auth/scope";
import * as dir from "../directory/data";
import type { PhotoType } from "./schemas";

/** What the bytes are, by their magic numbers: JPEG FF D8 FF, PNG 89 50 4E 47 0D 0A 1A 0A, WebP RIFF....WEBP. */
export function sniffImage(b: Uint8Array): PhotoType | null {
  const at = (i: number, ...bytes: number[]) => bytes.every((x, k) => b[i + k] === x);
  if (b.length >= 3 && at(0, 0xff, 0xd8, 0xff)) return "image/jpeg";
  if (b.length >= 8 && at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (b.length >= 12 && at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return "image/webp";
  return null;
}

/**
 * Whose faces the caller may see: their own, and those of people they share a
 * facility or a facility/custom group with (admins see their facility's people that
 * way); network admins everyone. Unlike the directory's names, the city viewer sees
 * no faces beyond the groups they are in: a photo is for the people one works with (§5).
 */
export async function photoReach(db: D1Database, auth: Auth): Promise<dir.Reach> {
  if (isNetworkAdmin(auth)) return { all: true };
  const facilityIds = new Set(auth.facilities.map((f) => f.facilityId));
  const groupIds: number[] = [];
  for (const { group } of await dir.groupsOfPerson(db, auth.personId)) {
    if (group.kind === "network") continue;
    groupIds.push(group.id);
    if (group.kind === "facility" && group.facilityId) facilityIds.add(group.facilityId);
  }
  return { all: false, selfId: auth.personId, facilityIds: [...facilityIds], groupIds };
}

/**
 * The one photo rule, for every path that serves a face (`GET /api/people/{id}/photo`,
 * the board's person drill-down and its photo): whether the caller may see this
 * person's photo at all. Within {@link photoReach}; a removed person's only for
 * network admins. Whether there is a photo is the caller's to check.
 */
export async function mayReadPhoto(db: D1Database, auth: Auth, personId: number): Promise<boolean> {
  const person = await dir.findPerson(db, personId);
  if (!person || (person.removedAt && !isNetworkAdmin(auth))) return false;
  return dir.withinReach(db, await photoReach(db, auth), personId);
}

export const photoUrl = (personId: number, key: string) => `/api/people/${personId}/photo?v=${encodeURIComponent(key.split("/").pop() ?? "")}`;
