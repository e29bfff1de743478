import { beforeAll, describe, expect, it } from "vitest";
import { smtpFake } from "./fakes/client";
import { adminsWithoutMfa, auditActions, count, lastAuditId } from "./support/db";
import { makeFacility, makePerson, signedIn } from "./support/factories";
import { api, errorOf, json, signIn } from "./support/http";

interface Report {
  id: number;
  kind: string;
  note: string;
  personId: number;
  personName: string;
  handledAt: string | null;
  handledByName: string | null;
  notified?: number;
}

let facility: number;
beforeAll(async () => {
  await adminsWithoutMfa();
  facility = await makeFacility();
});

describe("reports (§5, §7)", () => {
  it("a lost phone reaches the facility admins by email (without the note); the admin ends the sessions and marks it handled; all audited", async () => {
    const domain = await smtpFake.domain();
    const f = await makeFacility();
    const admin = await signedIn({ facilityId: f, role: "admin", name: "管理 太郎", email: `admin${Date.now()}@${domain}` });
    const reporter = await signedIn({ facilityId: f, name: "紛失 花子" });
    const phoneSession = await signIn(reporter.email!);
    const since = await lastAuditId();

    const res = await api("POST", "/api/me/reports", {
      cookie: reporter.cookie,
      env: smtpFake.env(),
      body: { kind: "lost_device", note: "電車に置き忘れました。暗証番号はかけています" },
    });
    expect(res.status).toBe(201);
    const filed = await json<Report>(res);
    expect(filed).toMatchObject({ kind: "lost_device", personName: "紛失 花子", handledAt: null, notified: 1 });
    const [mail] = await smtpFake.received(domain);
    expect(mail!.to).toEqual([admin.email]);
    expect(mail!.subject).toContain("紛失 花子");
    expect(mail!.subject).toContain("端末の紛失");
    expect(mail!.text).not.toContain("電車");

    const list = await json<{ items: Report[] }>(await api("GET", "/api/reports", { cookie: admin.cookie }));
    expect(list.items.find((r) => r.id === filed.id)).toMatchObject({ note: "電車に置き忘れました。暗証番号はかけています", personId: reporter.id });

    const ended = await api("POST", `/api/people/${reporter.id}/end-sessions`, { cookie: admin.cookie });
    expect(ended.status).toBe(200);
    expect((await api("GET", "/api/me", { cookie: reporter.cookie })).status).toBe(401);
    expect((await api("GET", "/api/me", { cookie: phoneSession })).status).toBe(401);

    const handled = await api("POST", `/api/reports/${filed.id}/handle`, { cookie: admin.cookie, body: { note: "全セッション終了" } });
    expect(handled.status).toBe(200);
    expect(await json(handled)).toMatchObject({ handledByName: "管理 太郎" });
    expect((await api("POST", `/api/reports/${filed.id}/handle`, { cookie: admin.cookie, body: {} })).status).toBe(409);
    expect((await json<{ items: Report[] }>(await api("GET", "/api/reports", { cookie: admin.cookie }))).items.some((r) => r.id === filed.id)).toBe(false);
    expect((await json<{ items: Report[] }>(await api("GET", "/api/reports?state=handled", { cookie: admin.cookie }))).items[0]!.id).toBe(filed.id);
    expect(await auditActions(since)).toEqual(expect.arrayContaining(["report.filed", "reports.read", "auth.sessions_ended", "report.handled"]));
  });

  it("a facility admin sees and handles only their own facility's reports", async () => {
    const mineAdmin = await signedIn({ facilityId: facility, role: "admin" });
    const other = await makeFacility();
    const otherAdmin = await signedIn({ facilityId: other, role: "delegate" });
    const reporter = await signedIn({ facilityId: facility });
    const filed = await json<Report>(
      await api("POST", "/api/me/reports", { cookie: reporter.cookie, body: { kind: "unauthorised_access", note: "知らないログイン通知" } }),
    );
    expect((await json<{ items: Report[] }>(await api("GET", "/api/reports", { cookie: otherAdmin.cookie }))).items.some((r) => r.id === filed.id)).toBe(false);
    expect((await api("POST", `/api/reports/${filed.id}/handle`, { cookie: otherAdmin.cookie, body: {} })).status).toBe(404);
    // The reporter is out of the other facility's sight: 404, as for editing them (issue 10, #5).
    expect((await api("POST", `/api/people/${reporter.id}/end-sessions`, { cookie: otherAdmin.cookie })).status).toBe(404);
    expect(await count("SELECT id FROM incident_reports WHERE id = ?1 AND handled_at IS NULL", filed.id)).toBe(1);
    expect((await json<{ items: Report[] }>(await api("GET", "/api/reports", { cookie: mineAdmin.cookie }))).items.some((r) => r.id === filed.id)).toBe(true);
    const network = await signedIn({ globalRole: "network_admin" });
    expect((await api("POST", `/api/reports/${filed.id}/handle`, { cookie: network.cookie, body: {} })).status).toBe(200);
    // Staff cannot list others' reports; they see their own.
    expect((await api("GET", "/api/reports", { cookie: reporter.cookie })).status).toBe(403);
    const own = await json<{ items: Report[] }>(await api("GET", "/api/me/reports?state=all", { cookie: reporter.cookie }));
    expect(own.items.map((r) => r.id)).toEqual([filed.id]);
  });

  it("the sandbox outbox shows the notice to the admins; someone without a facility reaches the network admins", async () => {
    const admin = await signedIn({ facilityId: facility, role: "admin" });
    const reporter = await signedIn({ facilityId: facility, name: "砂場 報告" });
    await api("POST", "/api/me/reports", { cookie: reporter.cookie, body: { kind: "system_fault" } });
    const out = await json<{ items: { kind: string; subject: string; link: string }[] }>(
      await api("GET", "/api/outbox/messages?kind=report", { cookie: admin.cookie }),
    );
    expect(out.items.some((m) => m.subject.includes("砂場 報告") && m.subject.includes("システムの不具合"))).toBe(true);

    const network = await makePerson({ globalRole: "network_admin" });
    const outsider = await signedIn({ name: "外部 招子" });
    const filed = await json<Report>(await api("POST", "/api/me/reports", { cookie: outsider.cookie, body: { kind: "lost_device" } }));
    expect(filed.notified).toBeGreaterThanOrEqual(1);
    expect(await count("SELECT id FROM direct_messages WHERE kind = 'report' AND person_id = ?1", network.id)).toBe(1);
  });

  it("bad input names the field and files nothing; at most 5 reports an hour", async () => {
    const reporter = await signedIn({ facilityId: facility });
    for (const [body, field] of [
      [{ kind: "stolen" }, "kind"],
      [{}, "kind"],
      [{ kind: "lost_device", note: "x".repeat(1001) }, "note"],
    ] as const) {
      const res = await api("POST", "/api/me/reports", { cookie: reporter.cookie, body });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).field).toBe(field);
    }
    expect(await count("SELECT id FROM incident_reports WHERE person_id = ?1", reporter.id)).toBe(0);
    for (let i = 0; i < 5; i++) expect((await api("POST", "/api/me/reports", { cookie: reporter.cookie, body: { kind: "system_fault" } })).status).toBe(201);
    expect((await api("POST", "/api/me/reports", { cookie: reporter.cookie, body: { kind: "system_fault" } })).status).toBe(429);
  });
});
