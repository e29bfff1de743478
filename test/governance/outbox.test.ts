/**
 * Issue 10, finding 7 (first half): the sandbox outboxes show a message's secret (an
 * invitation or verification link or code, a roll-call reply link) only to its
 * addressee and to the network admin, who stands in for every phone and mailbox of
 * the demo. Inviters and facility admins see that it was sent, never what it says.
 * One rule (worker/messages/service.ts `mayReadSecret`) behind both outbox routes.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Auth } from "../../worker/auth/scope";
import { clock } from "../../worker/lib/clock";
import { insertDirectMessage } from "../../worker/messages/data";
import { carriesSecret, mayReadSecret, presentDirectMessage, presentRollcallMessage } from "../../worker/messages/service";
import { DIRECT_KINDS } from "../../worker/messages/schemas";
import { makeRollcall } from "../fakes/rollcall";
import { adminsWithoutMfa } from "../support/db";
import { deliverToOutbox } from "../support/delivery";
import { makeFacility, makePerson, signedIn } from "../support/factories";
import { api, signIn } from "../support/http";

interface Direct {
  id: number;
  kind: string;
  personId: number | null;
  subject: string;
  text: string;
  link: string;
  withheld: boolean;
}
interface RollcallItem {
  deliveryId: number;
  personId: number;
  text: string;
  replyUrl: string;
  withheld: boolean;
}

const direct = async (cookie: string, kind?: string) =>
  ((await (await api("GET", `/api/outbox/messages?limit=200${kind ? `&kind=${kind}` : ""}`, { cookie })).json()) as { items: Direct[] }).items;
const rollcallOutbox = async (cookie: string, rc: number) => {
  const res = await api("GET", `/api/outbox?rollcall=${rc}&limit=1000`, { cookie });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { items: RollcallItem[] }).items;
};

const auth = (personId: number, over: Partial<Auth> = {}): Auth => ({
  personId,
  name: "",
  sessionHash: "",
  globalRole: null,
  facilities: [],
  totpEnabled: false,
  passwordExpired: false,
  mustEnrolMfa: false,
  ...over,
});

describe("the rule (worker/messages/service.ts)", () => {
  it("the secret is the addressee's and the network admin's alone", () => {
    expect(mayReadSecret(auth(1), 1)).toBe(true);
    expect(mayReadSecret(auth(1, { globalRole: "network_admin" }), 2)).toBe(true);
    expect(mayReadSecret(auth(1, { globalRole: "network_admin" }), null)).toBe(true);
    expect(mayReadSecret(auth(1, { facilities: [{ facilityId: 5, role: "admin" }] }), 2)).toBe(false);
    expect(mayReadSecret(auth(1), null)).toBe(false);
    expect(mayReadSecret(auth(1, { globalRole: "viewer" }), 2)).toBe(false);
  });

  it("decides for every kind of direct message whether it carries a secret", () => {
    for (const k of DIRECT_KINDS) expect(typeof carriesSecret(k), k).toBe("boolean");
    expect(["invitation", "contact_code", "contact_link"].every((k) => carriesSecret(k as never))).toBe(true);
    expect(["report", "push_test"].some((k) => carriesSecret(k as never))).toBe(false);
  });

  it("blanks text and link of what the reader may not read, and says so", () => {
    const m = { kind: "invitation" as const, personId: null, text: "https://x/join/secret", link: "https://x/join/secret", subject: "招待" };
    expect(presentDirectMessage(auth(9), m)).toEqual({ ...m, text: "", link: "", withheld: true });
    expect(presentDirectMessage(auth(9, { globalRole: "network_admin" }), m)).toEqual({ ...m, withheld: false });
    const r = { personId: 3, text: "回答: https://x/r/t", replyUrl: "https://x/r/t", subject: "訓練" };
    expect(presentRollcallMessage(auth(9, { facilities: [{ facilityId: 1, role: "admin" }] }), r)).toEqual({ ...r, text: "", replyUrl: "", withheld: true });
    expect(presentRollcallMessage(auth(3), r)).toEqual({ ...r, withheld: false });
  });
});

describe("GET /api/outbox/messages", () => {
  let facility: number;
  let inviter: { id: number; cookie: string };
  let coAdmin: { id: number; cookie: string };
  let network: string;
  let outsider: string;
  let existing: { id: number; email: string | null; cookie: string };
  const newName = `新規 招待${Date.now()}`;
  beforeAll(async () => {
    await adminsWithoutMfa();
    facility = await makeFacility();
    inviter = await signedIn({ facilityId: facility, role: "admin" });
    coAdmin = await signedIn({ facilityId: facility, role: "delegate" });
    network = (await signedIn({ globalRole: "network_admin" })).cookie;
    outsider = (await signedIn({ facilityId: await makeFacility(), role: "admin" })).cookie;
    const other = await makeFacility();
    const person = await makePerson({ facilityId: other });
    existing = { ...person, cookie: await signIn(person.email!) };
    for (const body of [
      { facilityId: facility, name: newName, email: `new${Date.now()}@example.org` },
      { facilityId: facility, name: "既存 看子", email: person.email },
    ]) {
      const res = await api("POST", "/api/invitations", { cookie: inviter.cookie, body });
      expect(res.status, await res.clone().text()).toBe(201);
    }
  });

  it("the inviter and their facility's co-admin see that the invitations went out, never their link or text", async () => {
    for (const reader of [inviter, coAdmin]) {
      const items = (await direct(reader.cookie, "invitation")).filter((m) => m.subject.length > 0 || m.withheld);
      expect(items.length).toBeGreaterThanOrEqual(2);
      for (const m of items) {
        expect(m.withheld).toBe(true);
        expect(m.link).toBe("");
        expect(m.text).toBe("");
      }
      expect(JSON.stringify(items)).not.toMatch(/\/join\//);
    }
  });

  it("the network admin, standing in for every mailbox of the demo, reads them whole", async () => {
    const items = await direct(network, "invitation");
    const mine = items.filter((m) => m.text.includes(newName) || m.personId === existing.id);
    expect(mine).toHaveLength(2);
    for (const m of mine) {
      expect(m.withheld).toBe(false);
      expect(m.link).toMatch(/^https:\/\/anpi\.example\.org\/join\/[A-Za-z0-9_-]{43}$/);
      expect(m.text).toContain(m.link);
    }
  });

  it("the addressee with an account reads their own invitation; a stranger sees nothing of it", async () => {
    const own = (await direct(existing.cookie, "invitation")).filter((m) => m.personId === existing.id);
    expect(own).toHaveLength(1);
    expect(own[0]!.withheld).toBe(false);
    expect(own[0]!.link).toMatch(/\/join\//);
    expect((await direct(outsider, "invitation")).filter((m) => m.personId === existing.id || m.text.includes(newName))).toEqual([]);
  });

  it("a verification code is its owner's: their facility admin sees only that one was sent; a non-secret report notice stays readable", async () => {
    const staff = await signedIn({ facilityId: facility, role: "staff" });
    const base = {
      channel: "sms" as const,
      senderId: staff.id,
      facilityId: facility,
      recipient: "+81****0000",
      sandbox: true,
      state: "delivered" as const,
      providerId: null,
      error: null,
      createdAt: clock.now(),
    };
    await insertDirectMessage(env.DB, { ...base, kind: "contact_code", personId: staff.id, subject: "", body: "確認コード 123456", link: "" });
    await insertDirectMessage(env.DB, {
      ...base,
      kind: "report",
      personId: inviter.id,
      subject: "報告",
      body: "端末をなくしました",
      link: "https://anpi.example.org/reports",
    });
    const theirs = (await direct(staff.cookie, "contact_code")).filter((m) => m.personId === staff.id);
    expect(theirs[0]).toMatchObject({ text: "確認コード 123456", withheld: false });
    const admins = (await direct(inviter.cookie, "contact_code")).filter((m) => m.personId === staff.id);
    expect(admins[0]).toMatchObject({ text: "", link: "", withheld: true });
    const report = (await direct(coAdmin.cookie, "report")).find((m) => m.text === "端末をなくしました");
    expect(report).toMatchObject({ withheld: false, link: "https://anpi.example.org/reports" });
  });

  it("each read is audited with how many rows were withheld", async () => {
    await direct(inviter.cookie, "invitation");
    const row = await env.DB.prepare("SELECT detail FROM audit_log WHERE action = 'outbox.messages_read' AND actor_id = ?1 ORDER BY id DESC LIMIT 1")
      .bind(inviter.id)
      .first<{ detail: string }>();
    expect(JSON.parse(row!.detail).withheld).toBeGreaterThanOrEqual(2);
  });
});

describe("GET /api/outbox (roll-calls): a reply link answers as its recipient", () => {
  let facility: number;
  let rc: number;
  let network: string;
  let admin: { id: number; cookie: string };
  let staff: { id: number };
  beforeAll(async () => {
    await adminsWithoutMfa();
    facility = await makeFacility();
    network = (await signedIn({ globalRole: "network_admin" })).cookie;
    admin = await signedIn({ facilityId: facility, role: "admin" });
    staff = await makePerson({ facilityId: facility });
    rc = (
      await makeRollcall({
        people: [
          { id: staff.id, facilityId: facility },
          { id: admin.id, facilityId: facility, isFacilityAdmin: true },
        ],
      })
    ).id;
    await deliverToOutbox(rc);
  });

  it("the network admin reads every message with its reply link", async () => {
    const items = await rollcallOutbox(network, rc);
    expect(new Set(items.map((i) => i.personId))).toEqual(new Set([staff.id, admin.id]));
    for (const i of items) {
      expect(i.withheld).toBe(false);
      expect(i.replyUrl).toMatch(/^https:\/\/anpi\.example\.org\/r\//);
      expect(i.text).toContain(i.replyUrl);
    }
  });

  it("a facility admin sees their staff's messages as records only, and their own in full", async () => {
    const items = await rollcallOutbox(admin.cookie, rc);
    const theirs = items.filter((i) => i.personId === staff.id);
    expect(theirs.length).toBeGreaterThan(0);
    for (const i of theirs) expect(i).toMatchObject({ withheld: true, text: "", replyUrl: "" });
    const own = items.filter((i) => i.personId === admin.id);
    expect(own.length).toBeGreaterThan(0);
    for (const i of own) {
      expect(i.withheld).toBe(false);
      expect(i.replyUrl).toMatch(/\/r\//);
    }
    expect(JSON.stringify(theirs)).not.toMatch(/\/r\//);
  });
});
