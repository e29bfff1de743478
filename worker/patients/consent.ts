import { audit, auditStatement } from "../audit/log";
import type { Auth } from "../auth/scope";
import { clock } from "../lib/clock";
import { randomToken } from "../lib/crypto";
import { badRequest, notFound, jaEn } from "../lib/errors";
import * as data from "./data";
import type { ConsentType } from "./schemas";
import { mayManageGroup, mayReadPatient, NOT_MANAGER, patientNotFound, placeOf, refuse } from "./service";

/**
 * The scanned 同意書 (§3: the group is opened on the patient's written consent), kept
 * in R2 beside the photos (the PHOTOS bucket, under consents/{patientId}/) and served
 * only to the group's members under the read rule, every read audited.
 */

/** What the bytes are, by their magic numbers: PDF %PDF-, JPEG FF D8 FF, PNG 89 50 4E 47 0D 0A 1A 0A. */
export function sniffConsent(b: Uint8Array): ConsentType | null {
  const at = (i: number, ...bytes: number[]) => bytes.every((x, k) => b[i + k] === x);
  if (b.length >= 5 && at(0, 0x25, 0x50, 0x44, 0x46, 0x2d)) return "application/pdf";
  if (b.length >= 3 && at(0, 0xff, 0xd8, 0xff)) return "image/jpeg";
  if (b.length >= 8 && at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  return null;
}

/** Stores the scan (`mayManageGroup`); the old one goes once the new key is in D1, a failed write drops the new one. */
export async function storeConsent(env: Env, auth: Auth, id: number, declared: ConsentType, bytes: Uint8Array) {
  const db = env.DB;
  const place = await placeOf(db, auth, id);
  refuse(place, mayManageGroup(place), NOT_MANAGER);
  const actual = sniffConsent(bytes);
  if (actual !== declared)
    throw badRequest(
      "consent",
      jaEn(
        "同意書はPDF・JPEG・PNGのファイルを送ってください（中身と種類が合っていません）。",
        "consent: send a PDF, JPEG or PNG whose bytes match its Content-Type.",
      ),
    );
  const key = `consents/${id}/${randomToken(12)}`;
  await env.PHOTOS.put(key, bytes, { httpMetadata: { contentType: actual, cacheControl: "private, no-store" } });
  const now = clock.now();
  try {
    await db.batch([
      data.setConsentDocument(db, id, { key, type: actual, bytes: bytes.length }, now),
      auditStatement(db, {
        actorId: auth.personId,
        action: "patient.consent_stored",
        objectType: "patient",
        objectId: id,
        detail: { bytes: bytes.length, type: actual },
      }),
    ]);
  } catch (err) {
    await env.PHOTOS.delete(key);
    throw err;
  }
  const old = place!.patient.consent.key;
  if (old) await env.PHOTOS.delete(old);
  return { type: actual, bytes: bytes.length, uploadedAt: new Date(now).toISOString() };
}

/** The scan for a member (`mayReadPatient`), audited; no group, no member and no scan all look the same: 404. */
export async function readConsent(env: Env, auth: Auth, id: number): Promise<{ body: ReadableStream; type: ConsentType }> {
  const db = env.DB;
  const place = await placeOf(db, auth, id);
  if (!mayReadPatient(place)) throw patientNotFound();
  const rec = await data.consentRecord(db, id);
  const obj = rec ? await env.PHOTOS.get(rec.key) : null;
  if (!rec || !obj) throw notFound(jaEn("同意書", "consent document"));
  await audit(db, { actorId: auth.personId, action: "patient.consent_read", objectType: "patient", objectId: id });
  return { body: obj.body, type: rec.type };
}
