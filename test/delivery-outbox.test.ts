import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../worker/app";
import type { OutboxItemDto } from "../worker/delivery/schemas";
import { allProviders, twilioFake } from "./fakes/client";
import { makeRollcall } from "./fakes/rollcall";
import { adminsWithoutMfa } from "./support/db";
import { deliverToOutbox } from "./support/delivery";
import { makeFacility, makePerson, signedIn } from "./support/factories";
import { api, ORIGIN } from "./support/http";

interface Outbox {
  rollcallId: number;
  items: OutboxItemDto[];
  next: number | null;
}

describe("GET /api/outbox", () => {
  let f1: number, f2: number, rc: number, own: number;
  let staff1: Awaited<ReturnType<typeof makePerson>>, staff2: Awaited<ReturnType<typeof makePerson>>;
  let network: string, admin1: string;
  beforeAll(async () => {
    await adminsWithoutMfa();
    f1 = await makeFacility();
    f2 = await makeFacility();
    staff1 = await makePerson({ facilityId: f1, name: "一号 職員" });
    staff2 = await makePerson({ facilityId: f2, name: "二号 職員", email: null });
    network = (await signedIn({ globalRole: "network_admin" })).cookie;
    admin1 = (await signedIn({ facilityId: f1, role: "admin" })).cookie;
    rc = (
      await makeRollcall({
        people: [
          { id: staff1.id, facilityId: f1 },
          { id: staff2.id, facilityId: f2 },
        ],
      })
    ).id;
    own = (await makeRollcall({ people: [{ id: staff2.id, facilityId: f2 }], ownerFacilityId: f2 })).id;
    await deliverToOutbox(rc);
    await deliverToOutbox(own);
  });

  it("lists every delivery with channel, masked recipient, rendered text and reply link for the network admin", async () => {
    const res = await api("GET", `/api/outbox?rollcall=${rc}`, { cookie: network });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Outbox;
    expect(body.rollcallId).toBe(rc);
    expect(body.items.map((i) => [i.personId, i.channel]).sort()).toEqual(
      [
        [staff1.id, "email"],
        [staff1.id, "sms"],
        [staff2.id, "sms"],
      ].sort(),
    );
    for (const item of body.items) {
      expect(item.state).toBe("delivered");
      expect(item.replyUrl).toMatch(/^https:\/\/anpi\.example\.org\/r\/[A-Za-z0-9_-]{32}$/);
      expect(item.text).toContain(item.replyUrl);
      expect(item.text).toContain("【訓練】");
      expect(JSON.stringify(item)).not.toContain(staff1.email!);
      expect(JSON.stringify(item)).not.toContain(staff1.mobile!);
    }
    expect(body.items.find((i) => i.channel === "email")!.subject).toContain("【訓練】");
    const audit = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'outbox.read' AND object_id = ?1").bind(String(rc)).first("n");
    expect(audit).toBeGreaterThanOrEqual(1);
  });

  it("shows a facility admin only their facility's people, and not another facility's roll-call", async () => {
    const res = await api("GET", `/api/outbox?rollcall=${rc}`, { cookie: admin1 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Outbox;
    expect(new Set(body.items.map((i) => i.personId))).toEqual(new Set([staff1.id]));
    const other = await api("GET", `/api/outbox?rollcall=${own}`, { cookie: admin1 });
    expect(other.status).toBe(403);
  });

  it("pages with after and limit", async () => {
    const first = (await (await api("GET", `/api/outbox?rollcall=${rc}&limit=2`, { cookie: network })).json()) as Outbox;
    expect(first.items).toHaveLength(2);
    expect(first.next).toBe(first.items[1]!.deliveryId);
    const rest = (await (await api("GET", `/api/outbox?rollcall=${rc}&limit=2&after=${first.next}`, { cookie: network })).json()) as Outbox;
    expect(rest.items).toHaveLength(1);
    expect(rest.next).toBeNull();
  });

  it("answers 400 naming the field for a bad query, 404 for an unknown roll-call", async () => {
    const bad = await api("GET", "/api/outbox?rollcall=abc", { cookie: network });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe("rollcall");
    expect((await api("GET", "/api/outbox", { cookie: network })).status).toBe(400);
    expect((await api("GET", "/api/outbox?rollcall=99999999", { cookie: network })).status).toBe(404);
  });

  it("answers 404 once every channel has a real provider, and still lists while one channel is sandboxed", async () => {
    const get = (over: Partial<Env>) =>
      app.fetch(new Request(`${ORIGIN}/api/outbox?rollcall=${rc}`, { headers: { cookie: network } }), { ...env, ...over }, createExecutionContext());
    const all = await allProviders();
    const res = await get(all.env);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const smsOnly = await get(twilioFake.env(all.twilio));
    expect(smsOnly.status).toBe(200);
  });
});
