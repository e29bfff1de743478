import { audit, auditStatement } from "../audit/log";
import type { ProbeSource } from "../auth/ratelimit";
import { isNetworkAdmin, isViewer, type Auth } from "../auth/scope";
import { normalizeKana, normalizeSpaces, parsePhone, phoneForPeople } from "../directory/contact";
import * as dir from "../directory/data";
import * as invitationData from "../invitations/data";
import { createPatientInvitation } from "../invitations/service";
import { maskAddress } from "../delivery/channels/sandbox";
import { clock } from "../lib/clock";
import { badRequest, forbidden, notFound, jaEn } from "../lib/errors";
import * as data from "./data";
import { mayBePhysician, openerKind, type OpenerKind } from "./jobs";
import { CARE_LEVELS, NEED_FLAGS, NO_NEEDS, dependsOnPower, isHighNeed, needScore, type Needs } from "./needs";
import type { NeedsInput, Patient, PatientCreate, PatientItem, PatientSummary, PatientUpdate } from "./schemas";

/**
 * Patient groups (患者グループ, §3–§5). The rules first: one function per governed
 * operation decides who may do it, and every path calls it (the routes here, the
 * invitation's acceptance, and the roll-call's patient checks that build on them).
 * Members and posts are in member-service.ts and post-service.ts, the scanned
 * consent in consent.ts; they take their decisions from here.
 */

/** A group and the caller's active place in it (null: not a member now). */
export interface Place {
  patient: data.PatientRecord;
  member: data.MemberRecord | null;
}

export const patientNotFound = () => notFound(jaEn("患者グループ", "patient group"));

/** The group and the caller's place; null when there is no such group. */
export async function placeOf(db: D1Database, auth: Auth, id: number): Promise<Place | null> {
  const patient = await data.findPatient(db, id);
  if (!patient) return null;
  return { patient, member: await data.activeMember(db, id, auth.personId) };
}

// ---------------------------------------------------------------- the rules

/**
 * Who reads the patient: an active member of an open group, and nobody else. A
 * network admin or the city viewer who is not a member, a member who left or was
 * removed, everyone once the group is closed: the group does not exist for them
 * (404, so that its existence does not leak).
 */
export const mayReadPatient = (p: Place | null): p is Place & { member: data.MemberRecord } => !!p && p.patient.closedAt === null && p.member !== null;

/** Who writes about the patient (§5): a member who is not read-only. */
export const mayPost = (p: Place | null): boolean => mayReadPatient(p) && !p.member.readOnly;

/**
 * Who manages the group (§3): its managers, the opener and the responsible physician,
 * acting under the physician. They invite, make members read-only, remove them
 * (for misuse too), change the patient's details and needs, keep the consent and close.
 */
export const mayManageGroup = (p: Place | null): boolean => mayReadPatient(p) && p.member.role === "manager";

/** Who takes a member out: the member themselves (leaving when no longer in charge, §5), or a manager. */
export const mayRemoveMember = (auth: Auth, p: Place | null, personId: number): boolean =>
  mayReadPatient(p) && (personId === auth.personId || p.member.role === "manager");

/**
 * Who removes an inappropriate post (§5): the group's managers, and the network
 * admins, who watch over the posts (MCSの管理者権限ユーザー) even when they are not
 * members (they remove it without reading the group). Only while the group is open.
 */
export const mayRemovePost = (auth: Auth, p: Place | null): boolean => !!p && p.patient.closedAt === null && (mayManageGroup(p) || isNetworkAdmin(auth));

/** Who sees the counts by district and need (never names): the network admins and the city viewer. */
export const maySeeCounts = (auth: Auth): boolean => isNetworkAdmin(auth) || isViewer(auth);

/**
 * Who may open a group (§3): the attending physician, a care manager, or a nurse of a
 * visiting-nurse station, read from the person's 職種 and the types of the facilities
 * they work at now (worker/patients/jobs.ts). Answers as what they open it, or null.
 */
export async function mayOpenGroup(db: D1Database, auth: Auth): Promise<OpenerKind | null> {
  const me = await dir.findPerson(db, auth.personId);
  if (!me || me.removedAt) return null;
  const mine = (await dir.membershipsOf(db, [auth.personId])).get(auth.personId) ?? [];
  return openerKind(
    me.job,
    mine.map((m) => m.facilityType),
  );
}

/** Who looks people up to name a physician or invite a member: those who may open a group, and the managers of an open one. */
export async function mayFindPeople(db: D1Database, auth: Auth): Promise<boolean> {
  if (await mayOpenGroup(db, auth)) return true;
  return (await data.myPatients(db, auth.personId)).some((m) => m.role === "manager");
}

/** 404 for those who may not read the group, 403 for members who may not do this. */
export function refuse(p: Place | null, allowed: boolean, words: { ja: string; en: string }): void {
  if (allowed) return;
  if (!mayReadPatient(p)) throw patientNotFound();
  throw forbidden(jaEn(words.ja, words.en));
}

export const NOT_MANAGER = { ja: "この患者グループの管理者ではありません。", en: "You do not manage this patient group." };

// ---------------------------------------------------------------- presenting

const iso = (ms: number) => new Date(ms).toISOString();

/** Today in Japan, YYYY-MM-DD. */
export const todayInJapan = (now = clock.now()) => new Date(now + 9 * 3_600_000).toISOString().slice(0, 10);

function ageOn(birthDate: string | null, today: string): number | null {
  if (!birthDate) return null;
  const [by, bm, bd] = birthDate.split("-").map(Number) as [number, number, number];
  const [ty, tm, td] = today.split("-").map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

export function presentItem(m: data.MyPatientRow): PatientItem {
  const p = m.patient;
  return {
    id: p.id,
    name: p.name,
    kana: p.kana,
    district: p.district,
    needs: p.needs,
    highNeed: isHighNeed(p.needs),
    score: needScore(p.needs),
    physician: { id: p.physicianId, name: p.physicianName },
    myRole: m.role,
    readOnly: m.readOnly,
    members: m.members,
    openedAt: iso(p.createdAt),
  };
}

/** The whole patient as a member sees it (the caller has passed `mayReadPatient`). */
async function presentPatient(db: D1Database, auth: Auth, place: Place & { member: data.MemberRecord }, now: number): Promise<Patient> {
  const p = place.patient;
  const [members, posts, facilities] = await Promise.all([data.patientMembers(db, p.id), data.patientPosts(db, p.id), data.facilitiesOf(db, p.id)]);
  const memberships = await dir.membershipsOf(
    db,
    members.map((m) => m.personId),
  );
  const manager = mayManageGroup(place);
  const pending = manager ? await invitationData.pendingForPatient(db, p.id, now) : [];
  return {
    id: p.id,
    name: p.name,
    kana: p.kana,
    birthDate: p.birthDate,
    age: ageOn(p.birthDate, todayInJapan(now)),
    address: p.address,
    district: p.district,
    phone: p.phone ? phoneForPeople(p.phone) : null,
    facilities,
    needs: p.needs,
    highNeed: isHighNeed(p.needs),
    score: needScore(p.needs),
    consent: {
      givenOn: p.consent.givenOn,
      to: { id: p.consent.toId, name: p.consent.toName },
      recordedBy: { id: p.consent.recordedById, name: p.consent.recordedByName },
      recordedAt: iso(p.consent.recordedAt),
      document:
        p.consent.key && p.consent.type
          ? {
              type: p.consent.type,
              bytes: p.consent.bytes ?? 0,
              uploadedAt: iso(p.consent.uploadedAt ?? p.consent.recordedAt),
              url: `/api/patients/${p.id}/consent`,
            }
          : null,
    },
    physician: { id: p.physicianId, name: p.physicianName },
    openedBy: { id: p.openedBy, name: p.openedByName },
    openedAt: iso(p.createdAt),
    myRole: place.member.role,
    readOnly: place.member.readOnly,
    may: { post: mayPost(place), manage: manager, removePosts: mayRemovePost(auth, place) },
    members: members.map((m) => ({
      personId: m.personId,
      name: m.name,
      kana: m.kana,
      job: m.job,
      facilities: (memberships.get(m.personId) ?? []).map((f) => ({ id: f.facilityId, name: f.facilityName, type: f.facilityType })),
      role: m.role,
      readOnly: m.readOnly,
      physician: m.personId === p.physicianId,
      joinedAt: iso(m.joinedAt),
    })),
    invitations: pending.map((i) => ({
      id: i.id,
      name: i.name,
      recipient: maskAddress(i.contactKind === "email" ? "email" : "sms", i.contactValue),
      expiresAt: iso(i.expiresAt),
    })),
    posts: posts.map((x) => ({ id: x.id, author: { id: x.authorId, name: x.authorName, job: x.authorJob }, text: x.text, createdAt: iso(x.createdAt) })),
  };
}

// ---------------------------------------------------------------- the patient's fields

/** The needs after a change: what is sent replaces, the rest stays. A battery time needs a device that runs on power. */
function mergeNeeds(base: Needs, input: NeedsInput | undefined): Needs {
  const next: Needs = { ...base };
  if (input) {
    for (const k of NEED_FLAGS) if (input[k] !== undefined) next[k] = input[k]!;
    if (input.batteryHours !== undefined) next.batteryHours = input.batteryHours;
    if (input.careLevel !== undefined) next.careLevel = input.careLevel;
    if (input.evacuationPlace !== undefined) next.evacuationPlace = normalizeSpaces(input.evacuationPlace);
  }
  if (next.batteryHours !== null && !dependsOnPower(next))
    throw badRequest(
      "needs.batteryHours",
      jaEn(
        "バッテリーの時間は、人工呼吸器・在宅酸素・吸引器・電源を要する医療機器のどれかがあるときに入れてください。",
        "needs.batteryHours: give it only with a ventilator, oxygen, suction or another powered device.",
      ),
    );
  return next;
}

function checkBirthDate(birthDate: string | null | undefined, today: string) {
  if (birthDate && (birthDate > today || birthDate < "1900-01-01"))
    throw badRequest("birthDate", jaEn("生年月日が正しくありません。", "birthDate: not a possible date of birth."));
}

async function checkFacilities(db: D1Database, ids: readonly number[] | undefined): Promise<number[] | undefined> {
  if (ids === undefined) return undefined;
  const unique = [...new Set(ids)];
  const found = new Set(await data.activeFacilityIds(db, unique));
  const missing = unique.find((id) => !found.has(id));
  if (missing !== undefined) throw badRequest("facilityIds", jaEn(`事業所（${missing}）が見つかりません。`, `No such facility: ${missing}.`));
  return unique;
}

const phoneOf = (raw: string | null | undefined): string | null => (raw ? parsePhone(raw) : null);

// ---------------------------------------------------------------- opening, reading, changing, closing

/**
 * Opens a patient's group (§3): the caller may open one (`mayOpenGroup`), the patient
 * has given written consent, and a doctor of a clinic or hospital is named the
 * responsible physician. The opener is its first manager. When the opener is not the
 * physician, the physician is invited (they accept it themselves, §5) and joins as a
 * manager; until then the opener manages under their name.
 */
export async function openGroup(
  env: Env,
  auth: Auth,
  body: PatientCreate,
  probe: ProbeSource,
): Promise<{ patient: Patient; physicianInvitation: "none" | "sent" | "failed" }> {
  const db = env.DB;
  const kind = await mayOpenGroup(db, auth);
  if (!kind)
    throw forbidden(
      jaEn(
        "患者グループを作れるのは、主治医（診療所・病院の医師）、ケアマネジャー、訪問看護ステーションの看護師です（§3）。職種と所属をご確認ください。",
        "Only the attending physician (a doctor of a clinic or hospital), a care manager or a nurse of a visiting-nurse station opens a patient group (§3).",
      ),
    );
  const now = clock.now();
  const today = todayInJapan(now);
  const physicianId = body.physicianId ?? (kind === "doctor" ? auth.personId : undefined);
  if (physicianId === undefined)
    throw badRequest("physicianId", jaEn("責任者になる主治医を選んでください。", "Name the responsible physician (physicianId)."), "required");
  const physician = await dir.findPerson(db, physicianId);
  const physicianTypes = ((await dir.membershipsOf(db, [physicianId])).get(physicianId) ?? []).map((m) => m.facilityType);
  if (!physician || physician.removedAt || !mayBePhysician(physician.job, physicianTypes))
    throw badRequest(
      "physicianId",
      jaEn("主治医には、診療所か病院に所属する医師を選んでください。", "The responsible physician must be a doctor of a clinic or hospital."),
    );
  if (body.consent.givenOn > today)
    throw badRequest("consent.givenOn", jaEn("同意の日付が今日より後になっています。", "consent.givenOn: the consent cannot be given in the future."));
  const consentTo = body.consent.to ?? auth.personId;
  if (consentTo !== auth.personId && consentTo !== physicianId)
    throw badRequest(
      "consent.to",
      jaEn("同意を受けた人は、あなたか主治医を選んでください。", "consent.to: the consent was given to you or to the responsible physician."),
    );
  checkBirthDate(body.birthDate, today);
  // The facilities serving the patient: as given, else the opener's and the physician's.
  const facilityIds = (await checkFacilities(db, body.facilityIds)) ?? [
    ...new Set([
      ...((await dir.membershipsOf(db, [auth.personId])).get(auth.personId) ?? []).map((m) => m.facilityId),
      ...((await dir.membershipsOf(db, [physicianId])).get(physicianId) ?? []).map((m) => m.facilityId),
    ]),
  ];
  const needs = mergeNeeds(NO_NEEDS, body.needs);
  const fields: data.PatientFields = {
    name: normalizeSpaces(body.name),
    kana: normalizeKana(body.kana ?? ""),
    birthDate: body.birthDate ?? null,
    address: normalizeSpaces(body.address ?? ""),
    district: normalizeSpaces(body.district ?? ""),
    phone: phoneOf(body.phone),
    needs,
  };
  let id = 0;
  for (let attempt = 0; ; attempt++) {
    id = await data.nextPatientId(db);
    try {
      await db.batch([
        data.insertPatient(db, { ...fields, id, consentGivenOn: body.consent.givenOn, consentTo, physicianId, openedBy: auth.personId, now }),
        ...data.replaceFacilitiesStatements(db, id, facilityIds),
        data.addMember(db, { patientId: id, personId: auth.personId, role: "manager", addedBy: auth.personId, invitationId: null, now }),
        // No name in the audit: the log is read by people who are not members.
        auditStatement(db, {
          actorId: auth.personId,
          action: "patient.opened",
          objectType: "patient",
          objectId: id,
          detail: { as: kind, physicianId, consentGivenOn: body.consent.givenOn, consentTo, district: fields.district, facilityIds },
        }),
      ]);
      break;
    } catch (err) {
      if (attempt < 4 && data.isIdRace(err, "patients")) continue;
      throw err;
    }
  }
  let physicianInvitation: "none" | "sent" | "failed" = "none";
  if (physicianId !== auth.personId) {
    try {
      await createPatientInvitation(
        env,
        auth,
        id,
        { personId: physicianId },
        { message: "患者さんの同意を得て患者グループを作りました。主治医（責任者）としての参加をお願いします。" },
        probe,
      );
      physicianInvitation = "sent";
    } catch {
      physicianInvitation = "failed";
    }
  }
  return { patient: await readPatient(db, auth, id), physicianInvitation };
}

/** The patient, with members and posts, for a member (`mayReadPatient`); every read is audited. */
export async function readPatient(db: D1Database, auth: Auth, id: number): Promise<Patient> {
  const place = await placeOf(db, auth, id);
  if (!mayReadPatient(place)) throw patientNotFound();
  const now = clock.now();
  const patient = await presentPatient(db, auth, place, now);
  await audit(db, { actorId: auth.personId, action: "patient.read", objectType: "patient", objectId: id });
  return patient;
}

/** The caller's open groups, high needs first; the read is audited (it names patients). */
export async function listMyPatients(db: D1Database, auth: Auth): Promise<{ items: PatientItem[]; mayOpen: boolean }> {
  const rows = await data.myPatients(db, auth.personId);
  const items = rows.map(presentItem).sort((a, b) => b.score - a.score || a.kana.localeCompare(b.kana, "ja") || a.id - b.id);
  await audit(db, { actorId: auth.personId, action: "patients.read", detail: { items: items.length } });
  return { items, mayOpen: (await mayOpenGroup(db, auth)) !== null };
}

/** Changes the patient's details, needs and serving facilities (`mayManageGroup`). */
export async function updatePatient(db: D1Database, auth: Auth, id: number, body: PatientUpdate): Promise<Patient> {
  const place = await placeOf(db, auth, id);
  refuse(place, mayManageGroup(place), NOT_MANAGER);
  const p = place!.patient;
  const now = clock.now();
  checkBirthDate(body.birthDate, todayInJapan(now));
  const facilityIds = await checkFacilities(db, body.facilityIds);
  const next: data.PatientFields = {
    name: body.name !== undefined ? normalizeSpaces(body.name) : p.name,
    kana: body.kana !== undefined ? normalizeKana(body.kana) : p.kana,
    birthDate: body.birthDate !== undefined ? body.birthDate : p.birthDate,
    address: body.address !== undefined ? normalizeSpaces(body.address) : p.address,
    district: body.district !== undefined ? normalizeSpaces(body.district) : p.district,
    phone: body.phone !== undefined ? phoneOf(body.phone) : p.phone,
    needs: mergeNeeds(p.needs, body.needs),
  };
  const changed = (Object.keys(next) as (keyof data.PatientFields)[]).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(p[k]));
  if (facilityIds !== undefined) changed.push("facilityIds" as keyof data.PatientFields);
  if (changed.length)
    await db.batch([
      data.updatePatientRow(db, id, next, now),
      ...(facilityIds !== undefined ? data.replaceFacilitiesStatements(db, id, facilityIds) : []),
      auditStatement(db, { actorId: auth.personId, action: "patient.updated", objectType: "patient", objectId: id, detail: { fields: changed } }),
    ]);
  return readPatient(db, auth, id);
}

/**
 * Closes the group when it is no longer used (§3, 「削除機能」): access ends at once for
 * every member, pending invitations are withdrawn, the history stays.
 */
export async function closeGroup(db: D1Database, auth: Auth, id: number): Promise<void> {
  const place = await placeOf(db, auth, id);
  refuse(place, mayManageGroup(place), NOT_MANAGER);
  const now = clock.now();
  await db.batch([
    data.closePatient(db, id, auth.personId, now),
    ...invitationData.revokePendingForPatientStatements(db, id, now),
    auditStatement(db, {
      actorId: auth.personId,
      action: "patient.closed",
      objectType: "patient",
      objectId: id,
      detail: { district: place!.patient.district },
    }),
  ]);
}

// ---------------------------------------------------------------- counts and look-ups

/** The open groups counted by district, need and 要介護度, without names (`maySeeCounts`). */
export async function summary(db: D1Database, auth: Auth): Promise<PatientSummary> {
  if (!maySeeCounts(auth))
    throw forbidden(jaEn("患者の集計を見られるのはネットワーク管理者と市の閲覧者です。", "Only network admins and the city viewer see these counts."));
  const rows = await data.countsByDistrict(db);
  const zero = () => Object.fromEntries(NEED_FLAGS.map((k) => [k, 0])) as PatientSummary["needs"];
  const needs = zero();
  const careLevels = Object.fromEntries(CARE_LEVELS.map((l) => [l, 0])) as PatientSummary["careLevels"];
  for (const r of rows) {
    for (const k of NEED_FLAGS) needs[k] += r.needs[k];
    for (const l of CARE_LEVELS) careLevels[l] += r.careLevels[l];
  }
  return {
    total: rows.reduce((n, r) => n + r.total, 0),
    needs,
    careLevels,
    districts: rows.map((r) => ({ district: r.district, total: r.total, needs: r.needs })),
  };
}

/** People of the network by name, to name the physician or invite (`mayFindPeople`): names, jobs and facilities, never contacts. */
export async function findPeople(db: D1Database, auth: Auth, q: { q: string; physician?: "true" | "false" }) {
  if (!(await mayFindPeople(db, auth)))
    throw forbidden(
      jaEn("人を探せるのは、患者グループを作れる人と、患者グループの管理者です。", "Only those who open or manage patient groups look people up here."),
    );
  const text = normalizeSpaces(q.q);
  const onlyPhysicians = q.physician === "true";
  const page = await dir.listPeople(db, {
    reach: { all: true },
    q: text,
    qKana: normalizeKana(text),
    includeRemoved: false,
    limit: onlyPhysicians ? 50 : 20,
    cursor: null,
  });
  const memberships = await dir.membershipsOf(
    db,
    page.items.map((p) => p.id),
  );
  const items = page.items
    .map((p) => {
      const mine = memberships.get(p.id) ?? [];
      return {
        id: p.id,
        name: p.name,
        kana: p.kana,
        job: p.job,
        facilities: mine.map((m) => ({ id: m.facilityId, name: m.facilityName, type: m.facilityType })),
        physician: mayBePhysician(
          p.job,
          mine.map((m) => m.facilityType),
        ),
      };
    })
    .filter((p) => !onlyPhysicians || p.physician)
    .slice(0, 20);
  return { items };
}
