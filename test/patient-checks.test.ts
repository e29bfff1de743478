/**
 * Patient checks in a roll-call (issue 15): which patients a roll-call checks, members
 * only, claimed once, recorded after the confirm step, counted on the board without
 * names, and raised on time (a controlled clock) to the managers, then the facility
 * admins.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { escalateChecks } from "../worker/patients/check-service";
import { clock } from "../worker/lib/clock";
import { openBoard } from "./support/board-socket";
import { adminsWithoutMfa, auditSince, count, lastAuditId, replyPath } from "./support/db";
import { draft, openRollcall, signedIn } from "./support/factories";
import { api, errorOf, json, PASSWORD, signIn } from "./support/http";
import { makeDoctor, makeVisitingNurse, type Opener, openPatient, placeIn, staffAt } from "./support/patients";

interface CheckItem {
  patientId: number;
  name: string;
  state: "unclaimed" | "claimed" | "checked";
  highNeed: boolean;
  claimedBy: { id: number; name: string } | null;
  result: string | null;
  power: string | null;
  escalation: number;
  may: { claim: boolean; release: boolean; record: boolean };
}
interface Counts {
  total: number;
  checked: number;
  claimed: number;
  unclaimed: number;
  late: number;
  highNeedUnchecked: number;
  byResult: Record<string, number>;
  byNeed: { need: string; total: number; checked: number }[];
  byDistrict: { district: string; total: number; checked: number; needs: Record<string, number> }[];
}

const MIN = 60_000;
let admin: { id: number; cookie: string };
let viewer: { id: number; cookie: string };
beforeAll(async () => {
  await adminsWithoutMfa();
  admin = await signedIn({ globalRole: "network_admin" });
  viewer = await signedIn({ globalRole: "viewer" });
});
afterEach(() => clock.reset());

const list = async (rollcallId: number, cookie: string) => {
  const res = await api("GET", `/api/rollcalls/${rollcallId}/patients`, { cookie });
  expect(res.status).toBe(200);
  return json<{ items: CheckItem[]; live: boolean; minutes: number }>(res);
};
const claim = (rollcallId: number, patientId: number, cookie: string, body: Record<string, unknown> = {}) =>
  api("POST", `/api/rollcalls/${rollcallId}/patients/${patientId}/claim`, { cookie, body });
const check = (rollcallId: number, patientId: number, cookie: string, body: Record<string, unknown>) =>
  api("POST", `/api/rollcalls/${rollcallId}/patients/${patientId}/check`, { cookie, body });
const board = async (rollcallId: number, cookie: string) => {
  const res = await api("GET", `/api/rollcalls/${rollcallId}/board`, { cookie });
  expect(res.status).toBe(200);
  return json<{ patients: Counts | null }>(res);
};
const row = (rollcallId: number, patientId: number) =>
  env.DB.prepare("SELECT * FROM patient_checks WHERE rollcall_id = ?1 AND patient_id = ?2").bind(rollcallId, patientId).first<Record<string, unknown>>();

/**
 * A small home-care world: a doctor (physician), two visiting nurses of one station, a
 * ventilator patient who lives alone, a diabetic patient (insulin, not high-need), and a
 * patient of another station's group whose members the roll-call does not ask.
 */
async function world() {
  const doctor = await makeDoctor();
  const nurse = await makeVisitingNurse();
  const nurse2 = await signedIn({ facilityId: nurse.facilityId, role: "staff", job: "看護師" });
  const stationAdmin = await signedIn({ facilityId: nurse.facilityId, role: "admin", job: "事務" });
  const ventilator = await openPatient(doctor.cookie, { district: "本町", needs: { ventilator: true, batteryHours: 4, livesAlone: true } });
  const insulin = await openPatient(doctor.cookie, { district: "緑町", needs: { insulin: true } });
  for (const p of [ventilator, insulin]) {
    await placeIn(p.id, nurse.id, "member", doctor.id);
    await placeIn(p.id, nurse2.id, "member", doctor.id);
  }
  const other = await makeVisitingNurse();
  const elsewhere = await openPatient(doctor.cookie, { district: "本町", needs: { oxygen: true } });
  await placeIn(elsewhere.id, other.id, "member", doctor.id);
  return { doctor, nurse, nurse2: { ...nurse2, facilityId: nurse.facilityId } as Opener, stationAdmin, ventilator, insulin, elsewhere, other };
}

/** A drill roll-call of the nurses' station and the doctor's clinic (safety: patient checks on by default). */
const rollcallFor = (w: Awaited<ReturnType<typeof world>>, over: Record<string, unknown> = {}) =>
  openRollcall(admin.cookie, { scope: { facilityIds: [w.nurse.facilityId, w.doctor.facilityId] }, ...over });

describe("which patients a roll-call checks", () => {
  it("checks the open groups with a member among the recipients, fixed at the confirm", async () => {
    const w = await world();
    const d = await draft(admin.cookie, { scope: { facilityIds: [w.nurse.facilityId, w.doctor.facilityId] } });
    expect((d.rollcall as unknown as { patientChecks: unknown }).patientChecks).toEqual({});
    expect(await count("SELECT patient_id FROM patient_checks WHERE rollcall_id = ?1", d.rollcall.id)).toBe(0);
    const res = await api("POST", `/api/rollcalls/${d.rollcall.id}/confirm`, { cookie: admin.cookie });
    expect(res.status).toBe(200);
    const ids = (
      await env.DB.prepare("SELECT patient_id FROM patient_checks WHERE rollcall_id = ?1").bind(d.rollcall.id).all<{ patient_id: number }>()
    ).results.map((r) => r.patient_id);
    // The doctor is a member of all three groups; the other station's nurse was not asked, but the doctor was.
    expect(ids).toEqual(expect.arrayContaining([w.ventilator.id, w.insulin.id, w.elsewhere.id]));
  });

  it("narrows to districts, leaves closed groups out, and checks nobody when told not to", async () => {
    const w = await world();
    await api("POST", `/api/patients/${w.insulin.id}/close`, { cookie: w.doctor.cookie });
    const byDistrict = await rollcallFor(w, { patientChecks: { districts: ["本町"] } });
    const ids = (
      await env.DB.prepare("SELECT patient_id FROM patient_checks WHERE rollcall_id = ?1").bind(byDistrict).all<{ patient_id: number }>()
    ).results.map((r) => r.patient_id);
    expect(ids).toContain(w.ventilator.id);
    expect(ids).toContain(w.elsewhere.id);
    expect(ids).not.toContain(w.insulin.id);
    const none = await rollcallFor(w, { patientChecks: false });
    expect(await count("SELECT patient_id FROM patient_checks WHERE rollcall_id = ?1", none)).toBe(0);
    expect((await board(none, admin.cookie)).patients).toBeNull();
  });

  it("refuses a bad patientChecks with the field named and creates nothing", async () => {
    const w = await world();
    const before = await count("SELECT id FROM rollcalls");
    const res = await api("POST", "/api/rollcalls", {
      cookie: admin.cookie,
      body: { title: "訓練", template: "safety", drill: true, scope: { facilityIds: [w.nurse.facilityId] }, patientChecks: { districts: [] } },
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).field).toContain("patientChecks");
    expect(await count("SELECT id FROM rollcalls")).toBe(before);
  });
});

describe("members see their checks, high need first; nobody else sees names", () => {
  it("lists a member's unchecked ventilator patient before the insulin patient, with the phone and address", async () => {
    const w = await world();
    const rc = await rollcallFor(w);
    const mine = await list(rc, w.nurse.cookie);
    expect(mine).toMatchObject({ live: true, minutes: 60, title: "地震 安否確認", drill: true });
    expect(mine.items.map((i) => i.patientId)).toEqual([w.ventilator.id, w.insulin.id]);
    expect(mine.items[0]).toMatchObject({ highNeed: true, state: "unclaimed", may: { claim: true, release: false, record: true } });
    expect(mine.items[0]).toMatchObject({ address: "小金井市本町1-1-1", phone: "042-381-0000" });
    // The banners' counts: no patient in them, so not audited.
    const since = await lastAuditId();
    const banners = await api("GET", "/api/patients/checks", { cookie: w.nurse.cookie });
    const text = await banners.text();
    expect(JSON.parse(text).items).toContainEqual(expect.objectContaining({ rollcallId: rc, total: 2, unchecked: 2, unclaimed: 2, drill: true }));
    expect(text).not.toContain(w.ventilator.name);
    expect((await auditSince(since)).map((a) => a.action)).not.toContain("patients.read");
    // Every read of the list names patients: audited.
    expect(await count("SELECT id FROM audit_log WHERE action = 'patient.checks_read' AND actor_id = ?1 AND object_id = ?2", w.nurse.id, String(rc))).toBe(1);
  });

  it("asks a member on their own reply page, in their language, with counts and the link, and names no patient there", async () => {
    const w = await world();
    const rc = await rollcallFor(w);
    const page = await api("GET", await replyPath(rc, w.nurse.id));
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain("担当の患者さんの確認");
    expect(text).toContain("患者さん2人の確認をお願いします（未確認 2人）");
    expect(text).toContain(`href="/rollcalls/${rc}/patients"`);
    expect(text).not.toContain(w.ventilator.name);
    // A recipient of no group gets no section.
    const plain = await api("GET", await replyPath(rc, w.stationAdmin.id));
    expect(await plain.text()).not.toContain("担当の患者さんの確認");
  });

  it("gives admins, the viewer and strangers an empty list, and the board only counts", async () => {
    const w = await world();
    const rc = await rollcallFor(w);
    for (const who of [admin, viewer, w.stationAdmin]) expect((await list(rc, who.cookie)).items).toEqual([]);
    // The other station's nurse sees their own group's patient only.
    expect((await list(rc, w.other.cookie)).items.map((i) => i.patientId)).toEqual([w.elsewhere.id]);
    for (const who of [admin, viewer]) {
      const res = await api("GET", `/api/rollcalls/${rc}/board`, { cookie: who.cookie });
      const text = await res.text();
      expect(text).not.toContain(w.ventilator.name);
      expect(text).not.toContain("小金井市本町1-1-1");
      const b = JSON.parse(text) as { patients: Counts };
      expect(b.patients.total).toBeGreaterThanOrEqual(3);
      expect(b.patients.byDistrict.find((d) => d.district === "本町")?.needs.ventilator).toBeGreaterThanOrEqual(1);
    }
    // Claiming or recording someone else's group: 404, so the patient's existence does not leak.
    for (const who of [admin, viewer, w.other]) {
      expect((await claim(rc, w.ventilator.id, who.cookie)).status).toBe(404);
      expect((await check(rc, w.ventilator.id, who.cookie, { result: "safe", power: "secured", confirm: true })).status).toBe(404);
    }
    expect((await row(rc, w.ventilator.id))!.claimed_by).toBeNull();
  });

  it("leaves patients out of the roll-call export", async () => {
    const w = await world();
    const rc = await rollcallFor(w);
    await claim(rc, w.ventilator.id, w.nurse.cookie);
    for (const path of [`/api/rollcalls/${rc}/export.csv`, `/api/rollcalls/${rc}/facilities.csv`]) {
      const res = await api("GET", path, { cookie: admin.cookie });
      expect(res.status, path).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(w.ventilator.name);
      expect(text).not.toContain("小金井市本町1-1-1");
    }
  });
});

describe("claimed once, recorded after the confirm step", () => {
  it("lets one nurse claim; the second gets 409 naming the first; release hands it over", async () => {
    const w = await world();
    const rc = await rollcallFor(w);
    const since = await lastAuditId();
    const first = await claim(rc, w.ventilator.id, w.nurse.cookie);
    expect(first.status).toBe(200);
    expect(await json<CheckItem>(first)).toMatchObject({ state: "claimed", mine: true, claimedBy: { id: w.nurse.id } });
    // Claiming again is harmless.
    expect((await claim(rc, w.ventilator.id, w.nurse.cookie)).status).toBe(200);
    const second = await claim(rc, w.ventilator.id, w.nurse2.cookie);
    expect(second.status).toBe(409);
    const err = await errorOf(second);
    expect(err.field).toBe("claim");
    expect(err.message).toContain("担当しています");
    expect((await row(rc, w.ventilator.id))!.claimed_by).toBe(w.nurse.id);
    // The second nurse may not record it either, nor release it (not a manager).
    expect((await check(rc, w.ventilator.id, w.nurse2.cookie, { result: "safe", power: "secured", confirm: true })).status).toBe(409);
    expect((await claim(rc, w.ventilator.id, w.nurse2.cookie, { release: true })).status).toBe(409);
    // The holder lets it go; the second nurse takes it.
    expect((await claim(rc, w.ventilator.id, w.nurse.cookie, { release: true })).status).toBe(200);
    expect((await claim(rc, w.ventilator.id, w.nurse2.cookie)).status).toBe(200);
    const actions = (await auditSince(since)).map((a) => a.action);
    expect(actions.filter((a) => a === "patient.check_claimed")).toHaveLength(2);
    expect(actions).toContain("patient.check_released");
  });

  it("lets a manager release a member's claim, and refuses read-only members", async () => {
    const w = await world();
    const ro = await signedIn({ facilityId: w.nurse.facilityId, role: "staff", job: "看護師" });
    await placeIn(w.ventilator.id, ro.id, "readOnly", w.doctor.id);
    const rc = await rollcallFor(w);
    expect((await claim(rc, w.ventilator.id, ro.cookie)).status).toBe(403);
    await claim(rc, w.ventilator.id, w.nurse.cookie);
    // The doctor opened the group: its manager.
    const released = await claim(rc, w.ventilator.id, w.doctor.cookie, { release: true });
    expect(released.status).toBe(200);
    expect((await row(rc, w.ventilator.id))!.claimed_by).toBeNull();
  });

  it("answers a preview first and records nothing; the confirm records it, and the board counts it", async () => {
    const w = await world();
    const rc = await rollcallFor(w);
    await claim(rc, w.ventilator.id, w.nurse.cookie);
    const body = { result: "safe", power: "battery", batteryHours: 3, location: "自宅", comment: "家族が付き添い" };
    const preview = await check(rc, w.ventilator.id, w.nurse.cookie, body);
    expect(preview.status).toBe(200);
    expect(await json(preview)).toMatchObject({
      recorded: false,
      preview: { patient: w.ventilator.name, result: "無事", power: "バッテリーで動いている（残り3時間）", location: "自宅" },
    });
    expect((await row(rc, w.ventilator.id))!.checked_at).toBeNull();
    const since = await lastAuditId();
    const done = await check(rc, w.ventilator.id, w.nurse.cookie, { ...body, confirm: true });
    expect(done.status).toBe(201);
    expect(await json(done)).toMatchObject({ recorded: true, check: { state: "checked", result: "safe", power: "battery", batteryHours: 3 } });
    const audit = (await auditSince(since)).find((a) => a.action === "patient.checked");
    expect(audit).toBeDefined();
    expect(JSON.stringify(audit)).not.toContain("家族");
    const counts = (await board(rc, admin.cookie)).patients!;
    expect(counts.checked).toBe(1);
    expect(counts.byResult.safe).toBe(1);
    expect(counts.byNeed.find((n) => n.need === "ventilator")).toMatchObject({ checked: 1 });
    // Checked patients go to the end of the member's list.
    expect((await list(rc, w.nurse.cookie)).items.map((i) => i.patientId)).toEqual([w.insulin.id, w.ventilator.id]);
  });

  it("asks the power of a ventilator patient, names the field, and records nothing", async () => {
    const w = await world();
    const rc = await rollcallFor(w);
    const cases: [Record<string, unknown>, string][] = [
      [{ result: "safe", confirm: true }, "power"],
      [{ result: "safe", power: "battery", confirm: true }, "batteryHours"],
      [{ result: "safe", power: "secured", batteryHours: 2, confirm: true }, "batteryHours"],
      [{ result: "fine", confirm: true }, "result"],
    ];
    for (const [body, field] of cases) {
      const res = await check(rc, w.ventilator.id, w.nurse.cookie, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = await errorOf(res);
      expect(err.field).toBe(field);
      expect(err.message).not.toMatch(/^[A-Za-z]/);
    }
    // The claim's own input, named in words, and nothing held.
    const claimBad = await claim(rc, w.ventilator.id, w.nurse.cookie, { release: "yes" });
    expect(claimBad.status).toBe(400);
    const claimErr = await errorOf(claimBad);
    expect(claimErr.field).toBe("release");
    expect(claimErr.message).toContain("担当を外すかどうか");
    expect((await row(rc, w.ventilator.id))!.claimed_by).toBeNull();
    // English when asked.
    const en = await api("POST", `/api/rollcalls/${rc}/patients/${w.ventilator.id}/check`, {
      cookie: w.nurse.cookie,
      body: { result: "safe", confirm: true },
      headers: { "accept-language": "en" },
    });
    expect((await errorOf(en)).message).toContain("power");
    expect((await row(rc, w.ventilator.id))!.checked_at).toBeNull();
    // Unreachable needs no power; the insulin patient never does.
    expect((await check(rc, w.insulin.id, w.nurse.cookie, { result: "needs_help", confirm: true })).status).toBe(201);
    expect((await check(rc, w.ventilator.id, w.nurse2.cookie, { result: "unreachable", confirm: true })).status).toBe(201);
  });

  it("ends with the roll-call and with the group: closed roll-call 409, closed group 404", async () => {
    const w = await world();
    const rc = await rollcallFor(w);
    await api("POST", `/api/patients/${w.insulin.id}/close`, { cookie: w.doctor.cookie });
    expect((await claim(rc, w.insulin.id, w.nurse.cookie)).status).toBe(404);
    expect((await list(rc, w.nurse.cookie)).items.map((i) => i.patientId)).toEqual([w.ventilator.id]);
    expect((await api("POST", `/api/rollcalls/${rc}/close`, { cookie: admin.cookie })).status).toBe(200);
    const late = await check(rc, w.ventilator.id, w.nurse.cookie, { result: "safe", power: "secured", confirm: true });
    expect(late.status).toBe(409);
    expect((await errorOf(late)).field).toBe("state");
    expect((await list(rc, w.nurse.cookie)).live).toBe(false);
  });
});

describe("the board is told", () => {
  it("sends the counts to open boards when a check is recorded, and the viewer's board too", async () => {
    const w = await world();
    const rc = await rollcallFor(w);
    const admins = await openBoard(rc, admin.cookie);
    const city = await openBoard(rc, viewer.cookie);
    await admins.until((m) => m.type === "snapshot");
    await city.until((m) => m.type === "snapshot");
    expect(admins.board!.patients!.checked).toBe(0);
    await check(rc, w.insulin.id, w.nurse.cookie, { result: "hospital", location: "小金井病院", confirm: true });
    for (const s of [admins, city]) {
      const m = await s.until((x) => (x.board.patients?.checked ?? 0) === 1);
      expect(m.board.patients!.byResult.hospital).toBe(1);
      expect(s.raw.join("\n")).not.toContain(w.insulin.name);
      expect(s.raw.join("\n")).not.toContain("小金井病院");
    }
    admins.close();
    city.close();
  });
});

describe("escalation, on time", () => {
  const sent = (kind: string, personId: number) => count("SELECT id FROM direct_messages WHERE kind = ?1 AND person_id = ?2", kind, personId);

  it("raises an unchecked high-need patient to the managers and physician at 60 minutes, to the facility admins at 120, once", async () => {
    const w = await world();
    const rc = await rollcallFor(w);
    await escalateChecks(env);
    expect((await row(rc, w.ventilator.id))!.escalation).toBe(0);
    clock.advance(59 * MIN);
    await escalateChecks(env);
    expect((await row(rc, w.ventilator.id))!.escalation).toBe(0);
    clock.advance(2 * MIN);
    const first = await escalateChecks(env);
    expect(first.raised).toBeGreaterThanOrEqual(1);
    expect((await row(rc, w.ventilator.id))!.escalation).toBe(1);
    // The insulin patient is not high-need: never raised.
    expect((await row(rc, w.insulin.id))!.escalation).toBe(0);
    expect(await sent("patient_alert", w.doctor.id)).toBeGreaterThanOrEqual(1);
    expect(await sent("patient_alert", w.stationAdmin.id)).toBe(0);
    const message = await env.DB.prepare("SELECT body, link FROM direct_messages WHERE kind = 'patient_alert' AND person_id = ?1 ORDER BY id DESC")
      .bind(w.doctor.id)
      .first<{ body: string; link: string }>();
    expect(message!.body).toContain("【訓練】");
    expect(message!.body).not.toContain(w.ventilator.name);
    expect(message!.link).toContain(`/rollcalls/${rc}/patients`);
    // A second run in the same minute sends nothing more.
    const doctorMessages = await sent("patient_alert", w.doctor.id);
    await escalateChecks(env);
    expect(await sent("patient_alert", w.doctor.id)).toBe(doctorMessages);
    // Sessions time out while the clock runs: sign in again, as the nurse would.
    const nurse = await signIn(w.nurse.email!, w.nurse.password ?? PASSWORD);
    expect((await list(rc, nurse)).items[0]).toMatchObject({ patientId: w.ventilator.id, escalation: 1 });
    const facilityAdmin = await signIn(w.stationAdmin.email!, w.stationAdmin.password ?? PASSWORD);
    expect((await board(rc, facilityAdmin)).patients!.late).toBeGreaterThanOrEqual(1);
    clock.advance(60 * MIN);
    await escalateChecks(env);
    expect((await row(rc, w.ventilator.id))!.escalation).toBe(2);
    expect(await sent("patient_alert", w.stationAdmin.id)).toBeGreaterThanOrEqual(1);
    const audit = await count("SELECT id FROM audit_log WHERE action = 'patient.check_escalated' AND object_id = ?1", String(w.ventilator.id));
    expect(audit).toBe(2);
  });

  it("does not raise a patient checked in time, nor one of a closed roll-call", async () => {
    const w = await world();
    const rc = await rollcallFor(w);
    await check(rc, w.ventilator.id, w.nurse.cookie, { result: "safe", power: "secured", confirm: true });
    const other = await rollcallFor(w);
    await api("POST", `/api/rollcalls/${other}/close`, { cookie: admin.cookie });
    clock.advance(61 * MIN);
    await escalateChecks(env);
    expect((await row(rc, w.ventilator.id))!.escalation).toBe(0);
    expect((await row(other, w.ventilator.id))!.escalation).toBe(0);
  });

  it("takes the time from the template", async () => {
    const w = await world();
    const copy = await api("POST", "/api/templates", { cookie: admin.cookie, body: { basedOn: "safety", name: `早い確認 ${Date.now()}` } });
    expect(copy.status).toBe(201);
    const t = await json<{ id: number; ref: string; body: Record<string, unknown> }>(copy);
    const edit = await api("PATCH", `/api/templates/${t.id}`, { cookie: admin.cookie, body: { body: { ...t.body, patientCheckMinutes: 15 } } });
    expect(edit.status, await edit.clone().text()).toBe(200);
    // A time out of range is refused by name, in Japanese, and changes nothing.
    const bad = await api("PATCH", `/api/templates/${t.id}`, { cookie: admin.cookie, body: { body: { ...t.body, patientCheckMinutes: 1 } } });
    expect(bad.status).toBe(400);
    const err = await errorOf(bad);
    expect(err.field).toBe("body.patientCheckMinutes");
    expect(err.message).toContain("患者さんの確認の期限");
    const rc = await rollcallFor(w, { template: t.ref });
    expect((await list(rc, w.nurse.cookie)).minutes).toBe(15);
    clock.advance(16 * MIN);
    await escalateChecks(env);
    expect((await row(rc, w.ventilator.id))!.escalation).toBe(1);
  });
});

describe("a facility admin's roll-call", () => {
  it("checks the patients of groups with a member of their facility", async () => {
    const w = await world();
    const rc = await openRollcall(w.stationAdmin.cookie, { scope: { facilityIds: [w.nurse.facilityId] } });
    const ids = (await env.DB.prepare("SELECT patient_id FROM patient_checks WHERE rollcall_id = ?1").bind(rc).all<{ patient_id: number }>()).results.map(
      (r) => r.patient_id,
    );
    expect(ids.sort()).toEqual([w.ventilator.id, w.insulin.id].sort());
    // The facility admin is no member: counts on the board, no list.
    expect((await list(rc, w.stationAdmin.cookie)).items).toEqual([]);
    expect((await board(rc, w.stationAdmin.cookie)).patients!.total).toBe(2);
  });
});

describe("the membership kept right (§3)", () => {
  it("ends a nurse's patient groups when they leave their last facility, not while they still work at one", async () => {
    const w = await world();
    const get = (cookie: string) => api("GET", `/api/patients/${w.ventilator.id}`, { cookie });
    expect((await get(w.nurse.cookie)).status).toBe(200);
    // The nurse also works at a second station: leaving one keeps the groups.
    const second = await staffAt("visiting_nurse", "事務", "admin");
    // The network admin records the second place of work (a facility admin adds only their own staff).
    expect((await api("PUT", `/api/facilities/${second.facilityId}/members/${w.nurse.id}`, { cookie: admin.cookie, body: { role: "staff" } })).status).toBe(
      200,
    );
    expect((await api("DELETE", `/api/facilities/${w.nurse.facilityId}/members/${w.nurse.id}`, { cookie: w.stationAdmin.cookie })).status).toBe(200);
    expect((await get(w.nurse.cookie)).status).toBe(200);
    // Leaving the last one ends every group at once, audited; the row stays.
    const since = await lastAuditId();
    expect((await api("DELETE", `/api/facilities/${second.facilityId}/members/${w.nurse.id}`, { cookie: second.cookie })).status).toBe(200);
    expect((await get(w.nurse.cookie)).status).toBe(404);
    expect(await count("SELECT id FROM patient_members WHERE person_id = ?1 AND removed_at IS NOT NULL", w.nurse.id)).toBe(2);
    expect((await auditSince(since)).map((a) => a.action)).toContain("patient.access_ended");
  });

  it("ends them when the person is deregistered", async () => {
    const w = await world();
    expect((await api("DELETE", `/api/people/${w.nurse2.id}`, { cookie: admin.cookie })).status).toBe(200);
    expect(await count("SELECT id FROM patient_members WHERE person_id = ?1 AND removed_at IS NULL", w.nurse2.id)).toBe(0);
  });
});
