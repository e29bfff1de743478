import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import * as data from "../../worker/auth/data";
import type { Auth } from "../../worker/auth/scope";
import { authorizeEndSessions } from "../../worker/auth/service";
import { authFor } from "../../worker/auth/session";
import { clock } from "../../worker/lib/clock";
import { sha256Hex } from "../../worker/lib/crypto";
import { loadSettings } from "../../worker/system/settings";
import { adminsWithoutMfa, auditActions, lastAuditId } from "../support/db";
import { makeFacility, signedIn } from "../support/factories";
import { api } from "../support/http";

/** The `Auth` a session cookie stands for, to call the service function directly. */
async function resolveSessionFor(cookie: string): Promise<Auth> {
  const idHash = await sha256Hex(cookie.replace(/^anpi_sid=/, ""));
  const s = (await data.findSession(env.DB, idHash))!;
  const account = (await data.findAccount(env.DB, s.personId))!;
  return authFor(account, await data.facilityRolesOf(env.DB, account.id), idHash, await loadSettings(env), clock.now());
}

/**
 * Finding 5 (issue 10): ending someone's sessions (§7 remote wipe) follows the rule
 * for editing that person (§2: delegates act under the admin who appointed them).
 * Before, any admin or delegate of a facility the person belonged to could end the
 * sessions of the facility admin.
 */
const endSessions = (cookie: string, id: number) => api("POST", `/api/people/${id}/end-sessions`, { cookie });
const alive = async (cookie: string) => (await api("GET", "/api/session", { cookie })).status === 200;

let f: number;
let other: number;
beforeAll(async () => {
  await adminsWithoutMfa();
  f = await makeFacility();
  other = await makeFacility();
});

describe("ending someone's sessions", () => {
  it("a delegate may not wipe the facility admin who appointed them: 403, nothing ends, nothing audited", async () => {
    const admin = await signedIn({ facilityId: f, role: "admin" });
    const delegate = await signedIn({ facilityId: f, role: "delegate" });
    const since = await lastAuditId();
    const res = await endSessions(delegate.cookie, admin.id);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: "forbidden" } });
    expect(await alive(admin.cookie)).toBe(true);
    expect(await auditActions(since)).not.toContain("auth.sessions_ended");
  });

  it("nor a fellow delegate; a facility admin may not wipe a co-admin", async () => {
    const admin = await signedIn({ facilityId: f, role: "admin" });
    const coAdmin = await signedIn({ facilityId: f, role: "admin" });
    const delegate = await signedIn({ facilityId: f, role: "delegate" });
    const delegate2 = await signedIn({ facilityId: f, role: "delegate" });
    expect((await endSessions(delegate.cookie, delegate2.id)).status).toBe(403);
    expect((await endSessions(admin.cookie, coAdmin.id)).status).toBe(403);
    expect(await alive(delegate2.cookie)).toBe(true);
    expect(await alive(coAdmin.cookie)).toBe(true);
  });

  it("a delegate wipes the staff, an admin the delegate, the network admin the facility admin", async () => {
    const admin = await signedIn({ facilityId: f, role: "admin" });
    const delegate = await signedIn({ facilityId: f, role: "delegate" });
    const staff = await signedIn({ facilityId: f });
    const network = await signedIn({ globalRole: "network_admin" });
    const since = await lastAuditId();
    expect(await (await endSessions(delegate.cookie, staff.id)).json()).toMatchObject({ sessions: 1 });
    expect(await alive(staff.cookie)).toBe(false);
    expect(await (await endSessions(admin.cookie, delegate.id)).json()).toMatchObject({ sessions: 1 });
    expect(await alive(delegate.cookie)).toBe(false);
    expect((await endSessions(network.cookie, admin.id)).status).toBe(200);
    expect(await alive(admin.cookie)).toBe(false);
    expect(await auditActions(since)).toEqual(["auth.sessions_ended", "auth.sessions_ended", "auth.sessions_ended"]);
  });

  it("404 for a person out of the caller's sight (another facility) or deregistered; 403 only for one seen", async () => {
    const admin = await signedIn({ facilityId: f, role: "admin" });
    const outsider = await signedIn({ facilityId: other });
    const gone = await signedIn({ facilityId: f });
    await env.DB.prepare("UPDATE people SET removed_at = 1 WHERE id = ?1").bind(gone.id).run();
    expect((await endSessions(admin.cookie, outsider.id)).status).toBe(404);
    expect((await endSessions(admin.cookie, gone.id)).status).toBe(404);
    expect((await endSessions(admin.cookie, 999_999)).status).toBe(404);
    expect(await alive(outsider.cookie)).toBe(true);
  });

  it("the decision is one function, the same whatever the path: it agrees with the route", async () => {
    const admin = await signedIn({ facilityId: f, role: "admin" });
    const delegate = await signedIn({ facilityId: f, role: "delegate" });
    const auth = await resolveSessionFor(delegate.cookie);
    await expect(authorizeEndSessions(env.DB, auth, admin.id)).rejects.toMatchObject({ status: 403 });
    const staff = await signedIn({ facilityId: f });
    await expect(authorizeEndSessions(env.DB, auth, staff.id)).resolves.toBeUndefined();
  });
});
