import { audit } from "../audit/log";
import type { Auth } from "../auth/scope";
import { forbidden, notFound, jaEn } from "../lib/errors";
import { mayReadPhoto } from "../profile/photo";
import { recipientOf } from "../rollcall/data";
import { answerCounts, facilityReport } from "../rollcall/service";
import * as data from "./data";
import type { FacilityDetail, PersonDetail } from "./schemas";
import { readableRollcall, type Audience } from "./service";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const inScope = (a: Audience, facilityId: number | null) => a.facilityIds === null || (facilityId !== null && a.facilityIds.includes(facilityId));

/** One facility on the board: its recipients and answers, damage report, who can come in; contacts for admins only. */
export async function facilityDetail(env: Env, auth: Auth, id: number, facilityId: number): Promise<FacilityDetail> {
  const { rc, audience } = await readableRollcall(env, auth, id);
  if (!inScope(audience, facilityId)) throw forbidden(jaEn("この施設を見る権限がありません。", "You may not see this facility."));
  const [facility, recipients] = await Promise.all([data.facility(env.DB, facilityId), data.facilityRecipients(env.DB, rc.id, facilityId, audience.contacts)]);
  if (!facility || recipients.length === 0) throw notFound(jaEn("この安否確認の事業所", "facility in this roll-call"));

  const { safety, availability } = answerCounts(recipients.map((r) => r.answers));
  const latest = facilityReport(recipients);
  const report: FacilityDetail["report"] = latest
    ? { ...latest.report, by: { personId: latest.from.personId, name: latest.from.name }, at: new Date(latest.from.answeredAt).toISOString() }
    : null;
  const phone = audience.contacts ? await data.phoneCheck(env.DB, rc.id, [facilityId]) : null;
  if (audience.contacts)
    await audit(env.DB, {
      actorId: auth.personId,
      action: "board.facility_contacts_read",
      objectType: "rollcall",
      objectId: rc.id,
      detail: { facilityId, people: recipients.length },
    });
  return {
    rollcallId: rc.id,
    facility: { id: facility.id, name: facility.name, type: facility.type, phone: audience.contacts ? facility.phone : null },
    counts: { recipients: recipients.length, replied: recipients.filter((r) => r.repliedAt !== null).length, safety, availability },
    report,
    available: recipients
      .filter((r) => r.answers?.availability === "yes" || r.answers?.availability === "conditional")
      .map((r) => ({ personId: r.personId, name: r.name, job: r.job, availability: r.answers!.availability!, arrival: r.answers?.arrival ?? null })),
    recipients: recipients.map((r) => ({
      personId: r.personId,
      name: r.name,
      kana: r.kana,
      job: r.job,
      isFacilityAdmin: r.isFacilityAdmin,
      repliedAt: iso(r.repliedAt),
      answers: r.answers,
      comment: r.comment,
      via: r.via,
      contacts: audience.contacts ? { mobile: r.mobile, email: r.email } : null,
    })),
    phoneCheck: phone
      ? {
          admins: phone.flatMap((p) =>
            p.personId !== null && p.name !== null && p.role !== null ? [{ personId: p.personId, name: p.name, role: p.role, mobile: p.mobile }] : [],
          ),
        }
      : null,
  };
}

export const photoPath = (rollcallId: number, personId: number) => `/api/rollcalls/${rollcallId}/people/${personId}/photo`;

/** A recipient the person may see on this board (404 when not asked, 403 outside their facilities). */
async function readableRecipient(env: Env, auth: Auth, id: number, personId: number) {
  const { rc, audience } = await readableRollcall(env, auth, id);
  const recipient = await recipientOf(env.DB, rc.id, personId);
  if (!recipient) throw notFound(jaEn("対象者", "recipient"));
  if (!inScope(audience, recipient.facilityId)) throw forbidden(jaEn("この人を見る権限がありません。", "You may not see this person."));
  return { rc, audience, recipient };
}

/** One person on the board: photo (when the photo rule allows), every reply version, every delivery; contacts for admins only. */
export async function personDetail(env: Env, auth: Auth, id: number, personId: number): Promise<PersonDetail> {
  const { rc, audience, recipient } = await readableRecipient(env, auth, id, personId);
  const [profile, replies, deliveries, contacts, photoAllowed] = await Promise.all([
    data.profile(env.DB, personId),
    data.replyVersions(env.DB, rc.id, personId),
    data.personDeliveries(env.DB, rc.id, personId),
    audience.contacts ? data.contactsOf(env.DB, personId) : Promise.resolve(null),
    mayReadPhoto(env.DB, auth, personId),
  ]);
  if (!profile) throw notFound(jaEn("職員", "person"));
  if (contacts)
    await audit(env.DB, {
      actorId: auth.personId,
      action: "board.person_contacts_read",
      objectType: "person",
      objectId: personId,
      detail: { rollcallId: rc.id },
    });
  return {
    rollcallId: rc.id,
    person: {
      id: profile.id,
      name: profile.name,
      kana: profile.kana,
      job: profile.job,
      photoUrl: profile.photoKey && photoAllowed ? photoPath(rc.id, personId) : null,
      facilityId: recipient.facilityId,
      facility: recipient.facilityName,
      isFacilityAdmin: recipient.isFacilityAdmin,
    },
    repliedAt: iso(recipient.repliedAt),
    replies: replies.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
    deliveries: deliveries.map((d) => ({
      id: d.id,
      channel: d.channel,
      wave: d.wave,
      audience: d.audience,
      state: d.state,
      error: d.error,
      attempts: d.attempts,
      device: d.deviceName,
      createdAt: new Date(d.createdAt).toISOString(),
      updatedAt: new Date(d.updatedAt).toISOString(),
    })),
    contacts,
  };
}

/**
 * The photo object of a recipient: the person's drill-down, and then the one photo
 * rule of the profile domain (404 when it refuses, as `GET /api/people/{id}/photo`).
 */
export async function personPhoto(env: Env, auth: Auth, id: number, personId: number): Promise<R2ObjectBody> {
  await readableRecipient(env, auth, id, personId);
  if (!(await mayReadPhoto(env.DB, auth, personId))) throw notFound(jaEn("写真", "photo"));
  const profile = await data.profile(env.DB, personId);
  const photo = profile?.photoKey ? await env.PHOTOS.get(profile.photoKey) : null;
  if (!photo) throw notFound(jaEn("写真", "photo"));
  return photo;
}
