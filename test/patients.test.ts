import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { adminsWithoutMfa, auditSince, count, lastAuditId } from "./support/db";
import { type FacilityType, makePerson, signedIn, uniq } from "./support/factories";
import { api, errorOf, json, signIn } from "./support/http";
import { joinPath, makeDoctor, makeVisitingNurse, memberRow, type Opener, openPatient, placeIn, staffAt, today } from "./support/patients";

const GOOD = "Sakura2026ab";

let doctor: Opener;
beforeAll(async () => {
  await adminsWithoutMfa();
  doctor = await makeDoctor();
});

const get = (id: number, cookie: string) => api("GET", `/api/patients/${id}`, { cookie });

describe("who may open a patient group (§3): 職種 × facility type", () => {
  const CASES: [string, FacilityType, "admin" | "staff", "opens" | "refused"][] = [
    ["医師", "clinic", "staff", "opens"],
    ["医師", "clinic", "admin", "opens"],
    ["医師", "hospital", "staff", "opens"],
    ["内科医", "clinic", "staff", "opens"],
    ["医師", "pharmacy", "staff", "refused"],
    ["医師", "home_care", "staff", "refused"],
    ["歯科医師", "dental", "admin", "refused"],
    ["看護師", "visiting_nurse", "staff", "opens"],
    ["看護師, 感染管理", "visiting_nurse", "staff", "opens"],
    ["准看護師", "visiting_nurse", "staff", "opens"],
    ["看護師", "clinic", "staff", "refused"],
    ["看護師", "hospital", "staff", "refused"],
    ["介護支援専門員", "care_manager", "staff", "opens"],
    ["主任介護支援専門員", "community_support", "staff", "opens"],
    ["ケアマネジャー", "care_manager", "admin", "opens"],
    ["介護支援専門員", "home_care", "staff", "refused"],
    ["訪問介護員", "home_care", "staff", "refused"],
    ["薬剤師", "pharmacy", "admin", "refused"],
    ["理学療法士", "visiting_rehab", "staff", "refused"],
    ["事務", "clinic", "admin", "refused"],
    ["保健師", "city_division", "staff", "refused"],
  ];
  for (const [job, type, role, want] of CASES) {
    it(`${job} at ${type} (${role}): ${want}`, async () => {
      const who = await staffAt(type, job, role);
      const before = await count("SELECT id FROM patients");
      const physicianId = job.includes("医") && !job.includes("歯科") ? undefined : doctor.id;
      const res = await api("POST", "/api/patients", {
        cookie: who.cookie,
        body: { name: `患者 ${uniq()}`, consent: { givenOn: today() }, ...(physicianId ? { physicianId } : {}) },
      });
      if (want === "opens") {
        expect(res.status, await res.clone().text()).toBe(201);
        const p = await json<{ id: number; myRole: string; physician: { id: number } }>(res);
        expect(p.myRole).toBe("manager");
        expect(p.physician.id).toBe(physicianId ?? who.id);
      } else {
        expect(res.status).toBe(403);
        expect((await errorOf(res)).message).toContain("主治医");
        expect(await count("SELECT id FROM patients")).toBe(before);
      }
    });
  }

  it("a network admin and the city viewer open none (their role is not a 職種)", async () => {
    for (const globalRole of ["network_admin", "viewer"] as const) {
      const p = await signedIn({ globalRole, job: "医師" });
      const res = await api("POST", "/api/patients", { cookie: p.cookie, body: { name: "患者 花子", consent: { givenOn: today() } } });
      expect(res.status).toBe(403);
    }
  });
});

describe("opening: consent first, a physician responsible", () => {
  it("refuses without the consent, with a consent in the future, and names the field", async () => {
    const noConsent = await api("POST", "/api/patients", { cookie: doctor.cookie, body: { name: "患者 一郎" } });
    expect(noConsent.status).toBe(400);
    expect((await errorOf(noConsent)).field).toBe("consent");
    const future = await api("POST", "/api/patients", { cookie: doctor.cookie, body: { name: "患者 一郎", consent: { givenOn: "2999-01-01" } } });
    expect(future.status).toBe(400);
    expect(await errorOf(future)).toMatchObject({ field: "consent.givenOn" });
    const bad = await api("POST", "/api/patients", { cookie: doctor.cookie, body: { name: "患者 一郎", consent: { givenOn: "2026-02-30" } } });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).field).toBe("consent.givenOn");
  });

  it("refuses a battery time without a powered device, naming needs.batteryHours", async () => {
    const res = await api("POST", "/api/patients", {
      cookie: doctor.cookie,
      body: { name: "患者 二郎", consent: { givenOn: today() }, needs: { insulin: true, batteryHours: 4 } },
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).field).toBe("needs.batteryHours");
  });

  it("a visiting nurse names a doctor of a clinic as physician; anyone else is refused", async () => {
    const nurse = await makeVisitingNurse();
    const none = await api("POST", "/api/patients", { cookie: nurse.cookie, body: { name: "患者 三郎", consent: { givenOn: today() } } });
    expect(none.status).toBe(400);
    expect(await errorOf(none)).toMatchObject({ field: "physicianId", code: "required" });
    const pharmacist = await staffAt("pharmacy", "薬剤師");
    const wrong = await api("POST", "/api/patients", {
      cookie: nurse.cookie,
      body: { name: "患者 三郎", consent: { givenOn: today() }, physicianId: pharmacist.id },
    });
    expect(wrong.status).toBe(400);
    expect((await errorOf(wrong)).field).toBe("physicianId");
  });

  it("keeps the needs, the consent (when, to whom, who recorded it) and the facilities; the audit names no patient", async () => {
    const since = await lastAuditId();
    const p = await openPatient(doctor.cookie, {
      name: "小金井 ハナ",
      facilityIds: [doctor.facilityId],
      needs: { oxygen: true, poweredDevice: true, batteryHours: 3, livesAlone: true, evacuationList: true, careLevel: "care3", evacuationPlace: "本町小学校" },
    });
    expect(p).toMatchObject({
      name: "小金井 ハナ",
      district: "本町",
      phone: "042-381-0000",
      needs: {
        oxygen: true,
        poweredDevice: true,
        batteryHours: 3,
        livesAlone: true,
        evacuationList: true,
        careLevel: "care3",
        evacuationPlace: "本町小学校",
        ventilator: false,
      },
      highNeed: true,
      consent: { givenOn: today(), to: { id: doctor.id }, recordedBy: { id: doctor.id }, document: null },
      physician: { id: doctor.id },
      physicianInvitation: "none",
      facilities: [{ id: doctor.facilityId }],
      members: [{ personId: doctor.id, role: "manager", physician: true }],
    });
    const audit = await auditSince(since);
    expect(audit.map((a) => a.action)).toContain("patient.opened");
    expect(JSON.stringify(audit)).not.toContain("小金井 ハナ");
  });
});

describe("members join only by an invitation they accept (§4, §5)", () => {
  it("a nurse opens; the physician is invited, reads nothing until accepting, then manages", async () => {
    const nurse = await makeVisitingNurse();
    const p = await openPatient(nurse.cookie, { name: "秘密 太郎", physicianId: doctor.id });
    expect(p.physicianInvitation).toBe("sent");
    // Unless told, the facilities serving the patient are the opener's and the physician's.
    expect((p.facilities as { id: number }[]).map((f) => f.id).sort()).toEqual([nurse.facilityId, doctor.facilityId].sort());
    expect(await memberRow(p.id, doctor.id)).toBeNull();
    expect((await get(p.id, doctor.cookie)).status).toBe(404);
    const path = await joinPath(doctor.id);
    const page = await api("GET", path);
    const html = await page.text();
    expect(html).toContain("患者グループ");
    expect(html).not.toContain("秘密 太郎");
    const msg = await env.DB.prepare("SELECT subject, body FROM direct_messages WHERE kind = 'invitation' AND person_id = ?1 ORDER BY id DESC LIMIT 1")
      .bind(doctor.id)
      .first<{ subject: string; body: string }>();
    expect(`${msg!.subject}${msg!.body}`).not.toContain("秘密");
    expect((await api("POST", path, { form: { decision: "accept" } })).status).toBe(200);
    expect(await memberRow(p.id, doctor.id)).toMatchObject({ role: "manager" });
    expect((await get(p.id, doctor.cookie)).status).toBe(200);
  });

  it("a registered person chosen by id is invited at their own address, and joins when they accept; not before", async () => {
    const p = await openPatient(doctor.cookie);
    const nurse = await makeVisitingNurse();
    const res = await api("POST", `/api/patients/${p.id}/invitations`, {
      cookie: doctor.cookie,
      body: { personId: nurse.id, message: "訪問看護でお願いします" },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const inv = await json<{ patientId: number; recipient: string; state: string }>(res);
    expect(inv).toMatchObject({ patientId: p.id, state: "pending" });
    expect(inv.recipient).not.toBe(nurse.email);
    // Pending: no access, and a second invitation waits for the first.
    expect((await get(p.id, nurse.cookie)).status).toBe(404);
    const again = await api("POST", `/api/patients/${p.id}/invitations`, { cookie: doctor.cookie, body: { personId: nurse.id } });
    expect(again.status).toBe(409);
    const detail = await json<{ invitations: { id: number }[] }>(await get(p.id, doctor.cookie));
    expect(detail.invitations).toHaveLength(1);
    // Someone else signed in on the browser does not change whose invitation it is.
    const path = await joinPath(nurse.id);
    expect((await api("POST", path, { form: { decision: "accept" }, cookie: doctor.cookie })).status).toBe(200);
    expect(await memberRow(p.id, nurse.id)).toMatchObject({ role: "member", read_only: 0 });
    expect(await memberRow(p.id, doctor.id)).toMatchObject({ role: "manager" });
    const seen = await json<{ name: string }>(await get(p.id, nurse.cookie));
    expect(seen.name).toBe(p.name);
    // A used link changes nothing.
    expect((await api("POST", path, { form: { decision: "accept" } })).status).toBe(410);
  });

  it("a declined invitation gives no access", async () => {
    const p = await openPatient(doctor.cookie);
    const cm = await staffAt("care_manager", "介護支援専門員");
    await api("POST", `/api/patients/${p.id}/invitations`, { cookie: doctor.cookie, body: { personId: cm.id } });
    expect((await api("POST", await joinPath(cm.id), { form: { decision: "decline" } })).status).toBe(200);
    expect(await memberRow(p.id, cm.id)).toBeNull();
    expect((await get(p.id, cm.cookie)).status).toBe(404);
  });

  it("someone outside the network registers themselves and joins the group only, as nobody's employee", async () => {
    const p = await openPatient(doctor.cookie);
    const email = `outside.${uniq()}@example.org`;
    const res = await api("POST", `/api/patients/${p.id}/invitations`, { cookie: doctor.cookie, body: { name: "外部 花子", email } });
    expect(res.status, await res.clone().text()).toBe(201);
    const path = await joinPath();
    const join = await api("POST", path, { form: { decision: "accept", name: "外部 花子", kana: "がいぶ はなこ", password: GOOD, password2: GOOD } });
    expect(join.status).toBe(200);
    const person = await env.DB.prepare("SELECT person_id FROM contacts WHERE value = ?1 AND removed_at IS NULL").bind(email).first<{ person_id: number }>();
    expect(person).not.toBeNull();
    expect(await count("SELECT id FROM memberships WHERE person_id = ?1", person!.person_id)).toBe(0);
    expect(await memberRow(p.id, person!.person_id)).toMatchObject({ role: "member" });
    const cookie = await signIn(email, GOOD);
    expect((await get(p.id, cookie)).status).toBe(200);
  });

  it("only a manager invites: a member is refused (403), a stranger learns nothing (404)", async () => {
    const p = await openPatient(doctor.cookie);
    const member = await makeVisitingNurse();
    await placeIn(p.id, member.id, "member", doctor.id);
    const stranger = await makeVisitingNurse();
    const target = await makePerson({ password: null });
    expect((await api("POST", `/api/patients/${p.id}/invitations`, { cookie: member.cookie, body: { personId: target.id } })).status).toBe(403);
    expect((await api("POST", `/api/patients/${p.id}/invitations`, { cookie: stranger.cookie, body: { personId: target.id } })).status).toBe(404);
    const both = await api("POST", `/api/patients/${p.id}/invitations`, {
      cookie: doctor.cookie,
      body: { personId: target.id, name: "誰か", email: "x@example.org" },
    });
    expect(both.status).toBe(400);
    expect((await errorOf(both)).field).toBe("personId");
  });
});

describe("access: members only, ended at once", () => {
  it("network admins and the city viewer who are not members get 404, as for a group that does not exist", async () => {
    const p = await openPatient(doctor.cookie);
    for (const globalRole of ["network_admin", "viewer"] as const) {
      const who = await signedIn({ globalRole });
      const res = await get(p.id, who.cookie);
      expect(res.status).toBe(404);
      const none = await get(999_999, who.cookie);
      expect(await res.json()).toEqual(await none.json());
      expect(await json(await api("GET", "/api/patients", { cookie: who.cookie }))).toEqual({ items: [], mayOpen: false });
    }
  });

  it("every read is audited", async () => {
    const p = await openPatient(doctor.cookie);
    const since = await lastAuditId();
    await get(p.id, doctor.cookie);
    await api("GET", "/api/patients", { cookie: doctor.cookie });
    const rows = await auditSince(since);
    expect(rows.map((r) => r.action)).toEqual(["patient.read", "patients.read"]);
    expect(rows[0]).toMatchObject({ actor_id: doctor.id, object_type: "patient", object_id: String(p.id) });
  });

  it("the list puts high needs first", async () => {
    const d = await makeDoctor();
    const low = await openPatient(d.cookie, { needs: { insulin: true } });
    const vent = await openPatient(d.cookie, { needs: { ventilator: true, batteryHours: 2 } });
    const alone = await openPatient(d.cookie, { needs: { bedridden: true, livesAlone: true } });
    const { items, mayOpen } = await json<{ items: { id: number; highNeed: boolean }[]; mayOpen: boolean }>(
      await api("GET", "/api/patients", { cookie: d.cookie }),
    );
    expect(mayOpen).toBe(true);
    expect(items.map((i) => i.id)).toEqual([vent.id, alone.id, low.id]);
    expect(items.map((i) => i.highNeed)).toEqual([true, true, false]);
  });

  it("leaving ends access at once and keeps the history", async () => {
    const p = await openPatient(doctor.cookie);
    const nurse = await makeVisitingNurse();
    await placeIn(p.id, nurse.id, "member", doctor.id);
    expect((await get(p.id, nurse.cookie)).status).toBe(200);
    const since = await lastAuditId();
    expect((await api("DELETE", `/api/patients/${p.id}/members/${nurse.id}`, { cookie: nurse.cookie })).status).toBe(200);
    expect((await get(p.id, nurse.cookie)).status).toBe(404);
    expect((await api("POST", `/api/patients/${p.id}/posts`, { cookie: nurse.cookie, body: { text: "まだ書けますか", confirm: true } })).status).toBe(404);
    const row = await env.DB.prepare("SELECT removal, removed_by FROM patient_members WHERE patient_id = ?1 AND person_id = ?2").bind(p.id, nurse.id).first();
    expect(row).toMatchObject({ removal: "left", removed_by: nurse.id });
    expect((await auditSince(since)).map((a) => a.action)).toEqual(["patient.left"]);
  });

  it("a manager removes a member for misuse, or makes them read-only; members may do neither", async () => {
    const p = await openPatient(doctor.cookie);
    const a = await makeVisitingNurse();
    const b = await makeVisitingNurse();
    await placeIn(p.id, a.id, "member", doctor.id);
    await placeIn(p.id, b.id, "member", doctor.id);
    expect((await api("PATCH", `/api/patients/${p.id}/members/${b.id}`, { cookie: a.cookie, body: { readOnly: true } })).status).toBe(403);
    expect((await api("DELETE", `/api/patients/${p.id}/members/${b.id}`, { cookie: a.cookie })).status).toBe(403);
    expect((await api("PATCH", `/api/patients/${p.id}/members/${b.id}`, { cookie: doctor.cookie, body: { readOnly: true } })).status).toBe(200);
    expect(await memberRow(p.id, b.id)).toMatchObject({ read_only: 1 });
    const post = await api("POST", `/api/patients/${p.id}/posts`, { cookie: b.cookie, body: { text: "読むだけです", confirm: true } });
    expect(post.status).toBe(403);
    expect((await get(p.id, b.cookie)).status).toBe(200);
    const since = await lastAuditId();
    expect((await api("DELETE", `/api/patients/${p.id}/members/${a.id}?reason=misuse`, { cookie: doctor.cookie })).status).toBe(200);
    expect((await get(p.id, a.cookie)).status).toBe(404);
    const [entry] = await auditSince(since);
    expect(entry).toMatchObject({ action: "patient.member_removed" });
    expect(JSON.parse(entry!.detail)).toEqual({ personId: a.id, reason: "misuse" });
  });

  it("the responsible physician and the last manager stay (409), in words", async () => {
    const nurse = await makeVisitingNurse();
    const p = await openPatient(nurse.cookie, { physicianId: doctor.id });
    await api("POST", await joinPath(doctor.id), { form: { decision: "accept" } });
    const out = await api("DELETE", `/api/patients/${p.id}/members/${doctor.id}`, { cookie: nurse.cookie });
    expect(out.status).toBe(409);
    expect((await errorOf(out)).message).toContain("主治医");
    expect((await api("PATCH", `/api/patients/${p.id}/members/${doctor.id}`, { cookie: nurse.cookie, body: { readOnly: true } })).status).toBe(409);
    // A nurse who opened a group whose physician has not accepted yet is its only manager: they hand over or close.
    const alone = await makeVisitingNurse();
    const r = await openPatient(alone.cookie, { physicianId: doctor.id });
    const last = await api("DELETE", `/api/patients/${r.id}/members/${alone.id}`, { cookie: alone.cookie });
    expect(last.status).toBe(409);
    expect((await errorOf(last)).message).toContain("最後の管理者");
    const d = await makeDoctor();
    const q = await openPatient(d.cookie);
    const cm = await staffAt("care_manager", "介護支援専門員");
    await placeIn(q.id, cm.id, "manager", d.id);
    // The physician stays; the care manager may step down as long as a manager remains.
    expect((await api("PATCH", `/api/patients/${q.id}/members/${cm.id}`, { cookie: cm.cookie, body: { role: "member" } })).status).toBe(200);
    expect(await memberRow(q.id, cm.id)).toMatchObject({ role: "member" });
  });

  it("closing ends access at once for everyone, withdraws pending invitations and keeps the history", async () => {
    const p = await openPatient(doctor.cookie);
    const nurse = await makeVisitingNurse();
    await placeIn(p.id, nurse.id, "member", doctor.id);
    await api("POST", `/api/patients/${p.id}/posts`, { cookie: nurse.cookie, body: { text: "訪問しました", confirm: true } });
    const invitee = await makePerson({ password: null });
    await api("POST", `/api/patients/${p.id}/invitations`, { cookie: doctor.cookie, body: { personId: invitee.id } });
    const path = await joinPath(invitee.id);
    expect((await api("POST", `/api/patients/${p.id}/close`, { cookie: nurse.cookie })).status).toBe(403);
    const since = await lastAuditId();
    expect((await api("POST", `/api/patients/${p.id}/close`, { cookie: doctor.cookie })).status).toBe(200);
    expect((await auditSince(since)).map((a) => a.action)).toEqual(["patient.closed"]);
    for (const cookie of [doctor.cookie, nurse.cookie]) {
      expect((await get(p.id, cookie)).status).toBe(404);
      expect((await json<{ items: { id: number }[] }>(await api("GET", "/api/patients", { cookie }))).items.map((i) => i.id)).not.toContain(p.id);
      expect((await api("POST", `/api/patients/${p.id}/posts`, { cookie, body: { text: "閉じた後", confirm: true } })).status).toBe(404);
    }
    expect((await api("POST", `/api/patients/${p.id}/close`, { cookie: doctor.cookie })).status).toBe(404);
    // The invitation sent before no longer leads in.
    expect((await api("POST", path, { form: { decision: "accept" } })).status).toBe(410);
    expect(await memberRow(p.id, invitee.id)).toBeNull();
    // History: the rows stay.
    expect(await count("SELECT id FROM patient_members WHERE patient_id = ?1 AND removed_at IS NULL", p.id)).toBe(2);
    expect(await count("SELECT id FROM patient_posts WHERE patient_id = ?1", p.id)).toBe(1);
    expect(await count("SELECT id FROM patients WHERE id = ?1 AND closed_at IS NOT NULL", p.id)).toBe(1);
  });
});

describe("posts (書き込み, §5): the confirm step, and audited removal", () => {
  it("without confirm the answer is a preview and nothing is stored; with confirm the post is stored and audited", async () => {
    const p = await openPatient(doctor.cookie);
    const before = await count("SELECT id FROM patient_posts");
    const since = await lastAuditId();
    const preview = await api("POST", `/api/patients/${p.id}/posts`, { cookie: doctor.cookie, body: { text: "  血圧 130/80、酸素は良好。  " } });
    expect(preview.status).toBe(200);
    expect(await json(preview)).toMatchObject({ stored: false, preview: { text: "血圧 130/80、酸素は良好。", patient: p.name } });
    expect(await count("SELECT id FROM patient_posts")).toBe(before);
    expect(await auditSince(since)).toEqual([]);
    const stored = await api("POST", `/api/patients/${p.id}/posts`, { cookie: doctor.cookie, body: { text: "血圧 130/80、酸素は良好。", confirm: true } });
    expect(stored.status).toBe(201);
    const { post } = await json<{ post: { id: number; text: string; author: { id: number } } }>(stored);
    expect(post).toMatchObject({ text: "血圧 130/80、酸素は良好。", author: { id: doctor.id } });
    expect((await auditSince(since)).map((a) => a.action)).toEqual(["patient.post_created"]);
    const seen = await json<{ posts: { id: number }[] }>(await get(p.id, doctor.cookie));
    expect(seen.posts.map((x) => x.id)).toEqual([post.id]);
  });

  it("an empty post is refused in words, naming text", async () => {
    const p = await openPatient(doctor.cookie);
    const res = await api("POST", `/api/patients/${p.id}/posts`, { cookie: doctor.cookie, body: { text: "   ", confirm: true } });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ field: "text", message: "書き込む内容を入れてください。" });
  });

  it("a manager removes a post: members no longer see it, the text stays, the removal is audited in the same batch", async () => {
    const p = await openPatient(doctor.cookie);
    const nurse = await makeVisitingNurse();
    await placeIn(p.id, nurse.id, "member", doctor.id);
    const res = await api("POST", `/api/patients/${p.id}/posts`, { cookie: nurse.cookie, body: { text: "関係のない話です", confirm: true } });
    const { post } = await json<{ post: { id: number } }>(res);
    // Only managers and network admins remove posts.
    expect((await api("DELETE", `/api/patients/${p.id}/posts/${post.id}`, { cookie: nurse.cookie })).status).toBe(403);
    const since = await lastAuditId();
    const removed = await api("DELETE", `/api/patients/${p.id}/posts/${post.id}?reason=${encodeURIComponent("患者に関係のない書き込み")}`, {
      cookie: doctor.cookie,
    });
    expect(removed.status).toBe(200);
    const seen = await json<{ posts: { id: number }[] }>(await get(p.id, nurse.cookie));
    expect(seen.posts.map((x) => x.id)).not.toContain(post.id);
    const row = await env.DB.prepare("SELECT text, removed_by, removal_reason FROM patient_posts WHERE id = ?1").bind(post.id).first();
    expect(row).toEqual({ text: "関係のない話です", removed_by: doctor.id, removal_reason: "患者に関係のない書き込み" });
    const entries = await auditSince(since);
    const removal = entries.find((e) => e.action === "patient.post_removed")!;
    const detail = JSON.parse(removal.detail);
    expect(detail).toMatchObject({ postId: post.id, authorId: nurse.id, reason: "患者に関係のない書き込み", length: 8 });
    const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("関係のない話です")))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(detail.textSha256).toBe(hash);
    // The table keeps what was written.
    await expect(env.DB.prepare("UPDATE patient_posts SET text = '' WHERE id = ?1").bind(post.id).run()).rejects.toThrow(/keeps what was written/);
    await expect(env.DB.prepare("DELETE FROM patient_posts WHERE id = ?1").bind(post.id).run()).rejects.toThrow(/keeps what was written/);
    expect((await api("DELETE", `/api/patients/${p.id}/posts/${post.id}`, { cookie: doctor.cookie })).status).toBe(409);
  });

  it("a network admin who is not a member removes a post without reading the group", async () => {
    const p = await openPatient(doctor.cookie);
    const { post } = await json<{ post: { id: number } }>(
      await api("POST", `/api/patients/${p.id}/posts`, { cookie: doctor.cookie, body: { text: "不適切な書き込み", confirm: true } }),
    );
    const admin = await signedIn({ globalRole: "network_admin" });
    expect((await get(p.id, admin.cookie)).status).toBe(404);
    expect((await api("DELETE", `/api/patients/${p.id}/posts/${post.id}`, { cookie: admin.cookie })).status).toBe(200);
    expect((await json<{ posts: unknown[] }>(await get(p.id, doctor.cookie))).posts).toEqual([]);
  });
});

describe("counts for the network and the city: no names", () => {
  it("the viewer and network admins see counts by district and need; others are refused; no name appears", async () => {
    const d = await makeDoctor();
    const district = `テスト地区${uniq()}`;
    const names = [`集計 一${uniq()}`, `集計 二${uniq()}`, `集計 三${uniq()}`];
    await openPatient(d.cookie, { name: names[0], district, needs: { ventilator: true, livesAlone: true } });
    await openPatient(d.cookie, { name: names[1], district, needs: { dialysis: true, careLevel: "care2" } });
    const closed = await openPatient(d.cookie, { name: names[2], district, needs: { ventilator: true } });
    await api("POST", `/api/patients/${closed.id}/close`, { cookie: d.cookie });
    const viewer = await signedIn({ globalRole: "viewer" });
    const res = await api("GET", "/api/patients/summary", { cookie: viewer.cookie });
    expect(res.status).toBe(200);
    const text = await res.clone().text();
    for (const n of names) expect(text).not.toContain(n);
    expect(text).not.toContain("小金井市本町1-1-1");
    const s = await json<{ total: number; districts: { district: string; total: number; needs: Record<string, number> }[] }>(res);
    const row = s.districts.find((x) => x.district === district)!;
    expect(row).toMatchObject({ total: 2, needs: { ventilator: 1, livesAlone: 1, dialysis: 1, oxygen: 0 } });
    const admin = await signedIn({ globalRole: "network_admin" });
    expect((await api("GET", "/api/patients/summary", { cookie: admin.cookie })).status).toBe(200);
    expect((await api("GET", "/api/patients/summary", { cookie: d.cookie })).status).toBe(403);
  });
});

describe("the scanned consent (同意書)", () => {
  const PDF = new TextEncoder().encode("%PDF-1.4\n% test consent\n");

  it("a manager uploads it; members read it (audited); others get 404; a wrong type is refused naming consent", async () => {
    const p = await openPatient(doctor.cookie);
    const nurse = await makeVisitingNurse();
    await placeIn(p.id, nurse.id, "member", doctor.id);
    const wrong = await api("PUT", `/api/patients/${p.id}/consent`, { cookie: doctor.cookie, body: PDF, headers: { "content-type": "image/png" } });
    expect(wrong.status).toBe(400);
    expect((await errorOf(wrong)).field).toBe("consent");
    expect(
      (await api("PUT", `/api/patients/${p.id}/consent`, { cookie: nurse.cookie, body: PDF, headers: { "content-type": "application/pdf" } })).status,
    ).toBe(403);
    const put = await api("PUT", `/api/patients/${p.id}/consent`, { cookie: doctor.cookie, body: PDF, headers: { "content-type": "application/pdf" } });
    expect(put.status).toBe(200);
    expect(await json(put)).toMatchObject({ type: "application/pdf", bytes: PDF.length });
    const since = await lastAuditId();
    const got = await api("GET", `/api/patients/${p.id}/consent`, { cookie: nurse.cookie });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("application/pdf");
    expect(got.headers.get("cache-control")).toContain("no-store");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(PDF);
    expect((await auditSince(since)).map((a) => a.action)).toEqual(["patient.consent_read"]);
    const admin = await signedIn({ globalRole: "network_admin" });
    expect((await api("GET", `/api/patients/${p.id}/consent`, { cookie: admin.cookie })).status).toBe(404);
    const detail = await json<{ consent: { document: { type: string } | null } }>(await get(p.id, nurse.cookie));
    expect(detail.consent.document).toMatchObject({ type: "application/pdf" });
  });
});
