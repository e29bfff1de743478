import { beforeAll, describe, expect, it } from "vitest";
import { adminsWithoutMfa, auditActions, count, lastAuditId } from "./support/db";
import { makeFacility, signedIn } from "./support/factories";
import { api, cookieOf, errorOf, json, ORIGIN } from "./support/http";
import { SoftAuthenticator } from "./support/webauthn";

type CreateOptions = {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string };
  authenticatorSelection: { residentKey: string; userVerification: string };
};
type GetOptions = { challenge: string; rpId?: string; userVerification: string };

let facility: number;
beforeAll(async () => {
  await adminsWithoutMfa();
  facility = await makeFacility();
});

/** A signed-in person with a registered passkey. */
async function withPasskey() {
  const me = await signedIn({ facilityId: facility, name: "鍵 持子" });
  const auth = new SoftAuthenticator(ORIGIN);
  const options = await json<CreateOptions>(await api("POST", "/api/me/passkeys/options", { cookie: me.cookie }));
  const res = await api("POST", "/api/me/passkeys", { cookie: me.cookie, body: { response: await auth.create(options), name: "iPhone" } });
  expect(res.status, await res.clone().text()).toBe(201);
  return { me, auth, passkey: await json<{ id: number; name: string }>(res) };
}

async function signInWith(auth: SoftAuthenticator, over: Parameters<SoftAuthenticator["get"]>[1] = {}) {
  const options = await json<GetOptions>(await api("POST", "/api/passkeys/options"));
  return api("POST", "/api/passkeys/session", { body: { response: await auth.get(options, over) } });
}

describe("passkeys", () => {
  it("registration options name the RP from PUBLIC_URL and require a resident key with user verification; no contact details", async () => {
    const me = await signedIn({ facilityId: facility });
    const options = await json<CreateOptions>(await api("POST", "/api/me/passkeys/options", { cookie: me.cookie }));
    expect(options.rp.id).toBe("anpi.example.org");
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    expect(JSON.stringify(options)).not.toContain(me.email!);
  });

  it("register, list, sign in (a session starts, audited with method passkey), remove", async () => {
    const { me, auth, passkey } = await withPasskey();
    expect(passkey.name).toBe("iPhone");
    const listed = await json<{ items: { id: number; lastUsedAt: string | null }[] }>(await api("GET", "/api/me/passkeys", { cookie: me.cookie }));
    expect(listed.items).toMatchObject([{ id: passkey.id, lastUsedAt: null }]);

    const since = await lastAuditId();
    const res = await signInWith(auth);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ personId: me.id, name: "鍵 持子" });
    const cookie = cookieOf(res)!;
    expect((await api("GET", "/api/session", { cookie })).status).toBe(200);
    expect(await auditActions(since)).toContain("auth.sign_in");
    expect((await json<{ items: { lastUsedAt: string | null }[] }>(await api("GET", "/api/me/passkeys", { cookie }))).items[0]!.lastUsedAt).not.toBeNull();

    expect((await api("DELETE", `/api/me/passkeys/${passkey.id}`, { cookie })).status).toBe(200);
    expect((await signInWith(auth)).status).toBe(401);
    expect((await api("DELETE", `/api/me/passkeys/${passkey.id}`, { cookie })).status).toBe(404);
  });

  it("a lost phone: the facility admin ending the sessions also revokes the passkeys", async () => {
    const { me, auth } = await withPasskey();
    const admin = await signedIn({ facilityId: facility, role: "admin" });
    const ended = await api("POST", `/api/people/${me.id}/end-sessions`, { cookie: admin.cookie });
    expect(await json(ended)).toMatchObject({ sessions: 1, passkeys: 1 });
    expect((await signInWith(auth)).status).toBe(401);
    expect((await api("GET", "/api/session", { cookie: me.cookie })).status).toBe(401);
  });

  it("refuses a wrong origin, a forged signature, a reused challenge, no user verification and an unknown key; no session", async () => {
    const { auth } = await withPasskey();
    for (const over of [{ origin: "https://evil.example" }, { tamper: true }, { flags: 0x01 }]) {
      const res = await signInWith(auth, over);
      expect(res.status, JSON.stringify(over)).toBe(401);
      expect(cookieOf(res)).toBeNull();
    }
    const options = await json<GetOptions>(await api("POST", "/api/passkeys/options"));
    const first = await api("POST", "/api/passkeys/session", { body: { response: await auth.get(options) } });
    expect(first.status).toBe(200);
    const replay = await api("POST", "/api/passkeys/session", { body: { response: await auth.get(options) } });
    expect(replay.status).toBe(401);
    const stranger = new SoftAuthenticator(ORIGIN);
    await stranger.create({ challenge: "x", rp: {}, user: { id: "eA" } });
    expect((await signInWith(stranger)).status).toBe(401);
  });

  it("a registration with a wrong challenge or origin is refused naming response; malformed bodies name the field", async () => {
    const me = await signedIn({ facilityId: facility });
    const auth = new SoftAuthenticator(ORIGIN);
    const options = await json<CreateOptions>(await api("POST", "/api/me/passkeys/options", { cookie: me.cookie }));
    const wrongChallenge = await api("POST", "/api/me/passkeys", {
      cookie: me.cookie,
      body: { response: await auth.create({ ...options, challenge: "AAAA" }) },
    });
    expect(wrongChallenge.status).toBe(400);
    expect((await errorOf(wrongChallenge)).field).toBe("response");
    const options2 = await json<CreateOptions>(await api("POST", "/api/me/passkeys/options", { cookie: me.cookie }));
    const wrongOrigin = await api("POST", "/api/me/passkeys", {
      cookie: me.cookie,
      body: { response: await auth.create(options2, { origin: "https://evil.example" }) },
    });
    expect(wrongOrigin.status).toBe(400);
    const malformed = await api("POST", "/api/me/passkeys", { cookie: me.cookie, body: { response: { id: "x", type: "password" } } });
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).field).toMatch(/^response\./);
    expect(await count("SELECT id FROM passkeys WHERE person_id = ?1", me.id)).toBe(0);
  });

  it("a deregistered person's passkey signs nobody in", async () => {
    const { me, auth } = await withPasskey();
    expect((await api("DELETE", `/api/people/${me.id}`, { cookie: me.cookie })).status).toBe(200);
    expect((await signInWith(auth)).status).toBe(401);
  });
});
