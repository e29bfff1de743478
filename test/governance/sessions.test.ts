import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { verifyPassword } from "../../worker/auth/password";
import { replacePassword } from "../../worker/auth/service";
import { adminsWithoutMfa, auditActions, lastAuditId } from "../support/db";
import { makeFacility, makePerson, signedIn } from "../support/factories";
import { api, PASSWORD, signIn } from "../support/http";

/**
 * Finding 6 (issue 10): a password change ends every other session of the person,
 * and anyone can end their own other sessions (a lost phone, §5).
 */
const alive = async (cookie: string) => (await api("GET", "/api/session", { cookie })).status === 200;
const NEXT = "Sakurazaka77";

describe("a password change", () => {
  it("ends every other session of the person and keeps the current one, in the batch of the change and its audit entry", async () => {
    const p = await makePerson({});
    const here = await signIn(p.email!);
    const phone = await signIn(p.email!);
    const laptop = await signIn(p.email!);
    const bystander = await signedIn({});
    const since = await lastAuditId();
    const res = await api("POST", "/api/me/password", { cookie: here, body: { current: PASSWORD, next: NEXT } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, sessionsEnded: 2 });
    expect(await alive(here)).toBe(true);
    expect(await alive(phone)).toBe(false);
    expect(await alive(laptop)).toBe(false);
    expect(await alive(bystander.cookie)).toBe(true);
    expect(await auditActions(since)).toEqual(["auth.password_changed"]);
    // One batch: the sessions ended at the very time the password changed.
    const row = await env.DB.prepare("SELECT password_changed_at AS at FROM people WHERE id = ?1").bind(p.id).first<{ at: number }>();
    const ended = await env.DB.prepare("SELECT DISTINCT revoked_at AS at FROM sessions WHERE person_id = ?1 AND revoked_at IS NOT NULL")
      .bind(p.id)
      .all<{ at: number }>();
    expect(ended.results.map((r) => r.at)).toEqual([row!.at]);
    expect((await api("POST", "/api/session", { body: { email: p.email, password: NEXT } })).status).toBe(200);
  });

  it("a refused change (wrong current password) ends nothing", async () => {
    const p = await makePerson({});
    const here = await signIn(p.email!);
    const phone = await signIn(p.email!);
    const res = await api("POST", "/api/me/password", { cookie: here, body: { current: "Wrong12345", next: NEXT } });
    expect(res.status).toBe(400);
    expect(await alive(phone)).toBe(true);
  });

  it("the password reset to come reuses the same function: with no session to keep, every session ends", async () => {
    const p = await makePerson({});
    const a = await signIn(p.email!);
    const b = await signIn(p.email!);
    const since = await lastAuditId();
    const r = await replacePassword(env.DB, {
      personId: p.id,
      next: NEXT,
      keep: null,
      audit: { actorId: null, action: "auth.password_reset", objectType: "person", objectId: p.id },
    });
    expect(r).toEqual({ sessionsEnded: 2 });
    expect(await alive(a)).toBe(false);
    expect(await alive(b)).toBe(false);
    expect(await auditActions(since)).toEqual(["auth.password_reset"]);
    const hash = await env.DB.prepare("SELECT password_hash AS h FROM people WHERE id = ?1").bind(p.id).first<{ h: string }>();
    expect(await verifyPassword(NEXT, hash!.h)).toBe(true);
  });
});

describe("DELETE /api/me/sessions", () => {
  it("ends every session of the caller but this one, answers the count and is audited", async () => {
    const p = await makePerson({});
    const here = await signIn(p.email!);
    const lost = await signIn(p.email!);
    const other = await signIn(p.email!);
    const bystander = await signedIn({});
    const since = await lastAuditId();
    const res = await api("DELETE", "/api/me/sessions", { cookie: here });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sessions: 2 });
    expect(await alive(here)).toBe(true);
    expect(await alive(lost)).toBe(false);
    expect(await alive(other)).toBe(false);
    expect(await alive(bystander.cookie)).toBe(true);
    expect(await auditActions(since)).toEqual(["auth.other_sessions_ended"]);
    expect(await (await api("DELETE", "/api/me/sessions", { cookie: here })).json()).toEqual({ sessions: 0 });
  });

  it("is open to every role (a person can lose their phone too)", async () => {
    await adminsWithoutMfa();
    const f = await makeFacility();
    for (const spec of [
      { facilityId: f },
      { facilityId: f, role: "delegate" as const },
      { facilityId: f, role: "admin" as const },
      { globalRole: "viewer" as const },
      { globalRole: "network_admin" as const },
    ]) {
      const p = await signedIn(spec);
      const second = await signIn(p.email!);
      const res = await api("DELETE", "/api/me/sessions", { cookie: p.cookie });
      expect(res.status, JSON.stringify(spec)).toBe(200);
      expect(await res.json()).toEqual({ sessions: 1 });
      expect(await alive(second)).toBe(false);
      expect(await alive(p.cookie)).toBe(true);
    }
  });

  it("needs a session", async () => {
    expect((await api("DELETE", "/api/me/sessions")).status).toBe(401);
  });
});
