/**
 * Patient groups for tests: openers of each kind (a doctor of a clinic, a care manager,
 * a visiting nurse), a group opened through the API, a place in it set straight in D1
 * (for the tables that try every place), and the invitation link from the sandbox outbox.
 */
import { env } from "cloudflare:test";
import { clock } from "../../worker/lib/clock";
import { type FacilityType, makeFacility, signedIn, type TestPerson, uniq } from "./factories";
import { api, json } from "./http";

export type Opener = TestPerson & { cookie: string; facilityId: number };

/** A signed-in person with this job at a new facility of this type. */
export async function staffAt(type: FacilityType, job: string, role: "admin" | "delegate" | "staff" = "staff"): Promise<Opener> {
  const facilityId = await makeFacility({ type, name: `${type}${uniq()}` });
  const p = await signedIn({ facilityId, role, job, name: `${job} ${uniq()}` });
  return { ...p, facilityId };
}

export const makeDoctor = () => staffAt("clinic", "医師");
export const makeVisitingNurse = () => staffAt("visiting_nurse", "看護師");
export const makeCareManager = () => staffAt("care_manager", "介護支援専門員");

/** Today in Japan (the consent's day must not be after it). */
export const today = () => new Date(clock.now() + 9 * 3_600_000).toISOString().slice(0, 10);

export interface OpenedPatient {
  id: number;
  name: string;
  physicianInvitation: string;
  [k: string]: unknown;
}

/** Opens a group through the API (a doctor names themselves the physician unless `physicianId` is given). */
export async function openPatient(cookie: string, over: Record<string, unknown> = {}): Promise<OpenedPatient> {
  const res = await api("POST", "/api/patients", {
    cookie,
    body: {
      name: `患者 ${uniq()}`,
      kana: "カンジャ タロウ",
      birthDate: "1940-05-01",
      address: "小金井市本町1-1-1",
      district: "本町",
      phone: "042-381-0000",
      needs: { ventilator: true, batteryHours: 6, bedridden: true, careLevel: "care5" },
      consent: { givenOn: today() },
      ...over,
    },
  });
  if (res.status !== 201) throw new Error(`open failed: ${res.status} ${await res.text()}`);
  return json<OpenedPatient>(res);
}

export type PlaceKind = "stranger" | "member" | "readOnly" | "manager" | "left" | "removed" | "closed";

/** Puts a person in a place in the group, straight in D1 (the tables try every place). */
export async function placeIn(patientId: number, personId: number, place: PlaceKind, by: number): Promise<void> {
  const now = clock.now();
  if (place === "stranger") return;
  const role = place === "manager" ? "manager" : "member";
  const readOnly = place === "readOnly" ? 1 : 0;
  const removed = place === "left" || place === "removed" ? now : null;
  const removal = place === "left" ? "left" : place === "removed" ? "misuse" : null;
  await env.DB.prepare(
    `INSERT INTO patient_members (patient_id, person_id, role, read_only, added_by, created_at, removed_at, removed_by, removal)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5, ?8)`,
  )
    .bind(patientId, personId, role, readOnly, by, now, removed, removal)
    .run();
  if (place === "closed") await env.DB.prepare("UPDATE patients SET closed_at = ?2, closed_by = ?3 WHERE id = ?1").bind(patientId, now, by).run();
}

/** The join path of the newest invitation in the sandbox outbox (to this person, when given): the outbox keeps the link. */
export async function joinPath(personId?: number): Promise<string> {
  const r = await env.DB.prepare(
    "SELECT link FROM direct_messages WHERE kind = 'invitation' AND (?1 IS NULL OR person_id = ?1) AND link != '' ORDER BY id DESC LIMIT 1",
  )
    .bind(personId ?? null)
    .first<{ link: string }>();
  if (!r?.link) throw new Error("no invitation link in the outbox");
  return new URL(r.link).pathname;
}

/** The person's active place: role and read-only, or null. */
export async function memberRow(patientId: number, personId: number): Promise<{ role: string; read_only: number } | null> {
  return env.DB.prepare("SELECT role, read_only FROM patient_members WHERE patient_id = ?1 AND person_id = ?2 AND removed_at IS NULL")
    .bind(patientId, personId)
    .first<{ role: string; read_only: number }>();
}
