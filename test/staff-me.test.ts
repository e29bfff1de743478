import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { adminsWithoutMfa, auditActions, count, lastAuditId, replyPath } from "./support/db";
import { makeFacility, makeNetwork, makePerson, openRollcall, signedIn } from "./support/factories";
import { api, errorOf, json, PASSWORD, postForm, signIn } from "./support/http";

interface MyRollcall {
  id: number;
  title: string;
  drill: boolean;
  state: string;
  replyUrl: string;
  repliedAt: string | null;
  answer: { safety: string | null; availability: string | null; ack: boolean; at: string } | null;
}
interface Channel {
  id: number;
  kind: string;
  value: string;
  verified: boolean;
}

let networkAdmin: string;
beforeAll(async () => {
  await adminsWithoutMfa();
  networkAdmin = (await signedIn({ globalRole: "network_admin" })).cookie;
});

const channels = async (cookie: string) => (await json<{ channels: Channel[] }>(await api("GET", "/api/me", { cookie }))).channels;

describe("GET /api/me/rollcalls", () => {
  it("lists the open roll-calls one is asked in, with one's own reply link, then the latest answer once replied", async () => {
    const net = await makeNetwork([{ name: "山田 花子", password: PASSWORD }]);
    const person = net.staff[0]!;
    const cookie = await signIn(person.email!);
    const id = await openRollcall(networkAdmin, { scope: { facilityIds: [net.facilityId] }, title: "震度6弱 安否確認（訓練）" });
    // As if no wave had reached the person yet: the snapshot leaves the link's hash to whoever produces the link.
    await env.DB.prepare("UPDATE rollcall_recipients SET token_hash = NULL WHERE rollcall_id = ?1 AND person_id = ?2").bind(id, person.id).run();
    const other = await makeNetwork([{}]);
    const notMine = await openRollcall(networkAdmin, { scope: { facilityIds: [other.facilityId] }, title: "よその安否確認" });

    const res = await api("GET", "/api/me/rollcalls", { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const first = await json<{ items: MyRollcall[] }>(res);
    expect(first.items.map((x) => x.id)).toContain(id);
    expect(first.items.map((x) => x.id)).not.toContain(notMine);
    const mine = first.items.find((x) => x.id === id)!;
    expect(mine).toMatchObject({ title: "震度6弱 安否確認（訓練）", drill: true, repliedAt: null, answer: null });
    // The link shown works at once (this request stored its hash).
    expect((await api("GET", new URL(mine.replyUrl).pathname)).status).toBe(200);
    const path = await replyPath(id, person.id);
    expect(mine.replyUrl).toBe(`https://anpi.example.org${path}`);
    // The link works: it opens the person's own reply page.
    expect((await api("GET", path)).status).toBe(200);

    expect((await postForm(path, { safety: "safe", availability: "yes", confirm: "1" })).status).toBe(200);
    const after = (await json<{ items: MyRollcall[] }>(await api("GET", "/api/me/rollcalls", { cookie }))).items.find((x) => x.id === id)!;
    expect(after.repliedAt).not.toBeNull();
    expect(after.answer).toMatchObject({ safety: "safe", availability: "yes", ack: false });
    expect(after.replyUrl).toBe(mine.replyUrl);

    // An admin who is a recipient sees theirs too; a closed roll-call drops off.
    const adminItems = (await json<{ items: MyRollcall[] }>(await api("GET", "/api/me/rollcalls", { cookie: net.admin.cookie }))).items;
    expect(adminItems.map((x) => x.id)).toContain(id);
    await env.DB.prepare("UPDATE rollcalls SET state = 'closed' WHERE id = ?1").bind(id).run();
    const closed = (await json<{ items: MyRollcall[] }>(await api("GET", "/api/me/rollcalls", { cookie }))).items;
    expect(closed.map((x) => x.id)).not.toContain(id);
  });

  it("needs a session", async () => {
    expect((await api("GET", "/api/me/rollcalls")).status).toBe(401);
  });
});

describe("GET /api/me/groups", () => {
  it("lists one's groups, saying which can be left; leaving a custom group takes it off the list", async () => {
    const facility = await makeFacility();
    const admin = await signedIn({ facilityId: facility, role: "admin" });
    const me = await signedIn({ facilityId: facility });
    const created = await json<{ id: number }>(await api("POST", "/api/groups", { cookie: admin.cookie, body: { name: "訪問看護連絡会" } }));
    expect((await api("POST", `/api/groups/${created.id}/members`, { cookie: admin.cookie, body: { personId: me.id } })).status).toBe(200);

    const list = await json<{ items: { id: number; name: string; kind: string; role: string; leavable: boolean }[] }>(
      await api("GET", "/api/me/groups", { cookie: me.cookie }),
    );
    const byKind = (k: string) => list.items.filter((g) => g.kind === k);
    expect(byKind("network")).toHaveLength(1);
    expect(byKind("network")[0]!.leavable).toBe(false);
    expect(byKind("facility").every((g) => !g.leavable)).toBe(true);
    expect(list.items.find((g) => g.id === created.id)).toMatchObject({ name: "訪問看護連絡会", kind: "custom", role: "member", leavable: true });

    // The network group refuses with a message (everyone registered has its row); the custom one lets go.
    await env.DB.prepare("INSERT INTO group_members (group_id, person_id, role, created_at) VALUES (?1, ?2, 'member', 0)")
      .bind(byKind("network")[0]!.id, me.id)
      .run();
    const refused = await api("POST", `/api/groups/${byKind("network")[0]!.id}/leave`, { cookie: me.cookie });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).message).toMatch(/ネットワークのグループ/);
    expect((await api("POST", `/api/groups/${created.id}/leave`, { cookie: me.cookie })).status).toBe(200);
    const again = await json<{ items: { id: number }[] }>(await api("GET", "/api/me/groups", { cookie: me.cookie }));
    expect(again.items.map((g) => g.id)).not.toContain(created.id);
    // The owner cannot leave the group they own.
    const owned = await json<{ items: { id: number; leavable: boolean }[] }>(await api("GET", "/api/me/groups", { cookie: admin.cookie }));
    expect(owned.items.find((g) => g.id === created.id)?.leavable).toBe(false);
  });
});

describe("POST /api/me/contacts, DELETE /api/me/contacts/{id}", () => {
  it("adds an unverified mobile (any width, hyphens), replacing the old one; it can be verified right away", async () => {
    const facility = await makeFacility();
    const me = await signedIn({ facilityId: facility, mobile: null });
    const since = await lastAuditId();
    const res = await api("POST", "/api/me/contacts", { cookie: me.cookie, body: { kind: "mobile", value: "０９０－７７１１－２２３３" } });
    expect(res.status).toBe(201);
    const added = await json<{ channel: Channel; replaced: boolean }>(res);
    expect(added).toMatchObject({ channel: { kind: "mobile", value: "+819077112233", verified: false }, replaced: false });
    expect((await channels(me.cookie)).map((c) => [c.kind, c.value, c.verified])).toEqual([
      ["email", me.email, true],
      ["mobile", "+819077112233", false],
    ]);
    expect(await auditActions(since)).toContain("contact.added");
    const detail = await env.DB.prepare("SELECT detail FROM audit_log WHERE id > ?1 AND action = 'contact.added'").bind(since).first<{ detail: string }>();
    expect(detail!.detail).not.toContain("7711");
    // Verification starts on it at once (the sandbox takes the SMS).
    expect((await api("POST", `/api/me/contacts/${added.channel.id}/verify`, { cookie: me.cookie })).status).toBe(200);

    // A second mobile replaces the first: one mobile per person.
    const swap = await json<{ channel: Channel; replaced: boolean }>(
      await api("POST", "/api/me/contacts", { cookie: me.cookie, body: { kind: "mobile", value: "080-1111-2299" } }),
    );
    expect(swap.replaced).toBe(true);
    expect((await channels(me.cookie)).filter((c) => c.kind === "mobile").map((c) => c.value)).toEqual(["+818011112299"]);
  });

  it("bad input gets a 400 naming the field; an address of any account is a 409 naming value; nothing changes", async () => {
    const facility = await makeFacility();
    const me = await signedIn({ facilityId: facility });
    const other = await makePerson({ facilityId: facility });
    const before = await count("SELECT id FROM contacts WHERE person_id = ?1", me.id);
    for (const [body, field] of [
      [{ kind: "mobile", value: "03-1234-5678" }, "value"],
      [{ kind: "mobile", value: "" }, "value"],
      [{ kind: "email", value: "not-an-address" }, "value"],
      [{ kind: "fax", value: "x" }, "kind"],
      [{ kind: "email" }, "value"],
    ] as const) {
      const bad = await api("POST", "/api/me/contacts", { cookie: me.cookie, body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(bad)).field).toBe(field);
    }
    const landline = await errorOf(await api("POST", "/api/me/contacts", { cookie: me.cookie, body: { kind: "mobile", value: "03-1234-5678" } }));
    expect(landline.message).toMatch(/SMS/);
    for (const body of [
      { kind: "email", value: other.email!.toUpperCase() },
      { kind: "mobile", value: other.mobile! },
      { kind: "email", value: me.email! },
    ]) {
      const taken = await api("POST", "/api/me/contacts", { cookie: me.cookie, body });
      expect(taken.status).toBe(409);
      expect((await errorOf(taken)).field).toBe("value");
    }
    expect(await count("SELECT id FROM contacts WHERE person_id = ?1", me.id)).toBe(before);
    expect((await channels(me.cookie)).map((c) => c.value)).toEqual([me.email, me.mobile]);
  });

  it("removes one's own contact but never the last one; someone else's is not found", async () => {
    const facility = await makeFacility();
    const me = await signedIn({ facilityId: facility });
    const other = await signedIn({ facilityId: facility });
    const [email, mobile] = await channels(me.cookie);
    const theirs = (await channels(other.cookie))[0]!;
    expect((await api("DELETE", `/api/me/contacts/${theirs.id}`, { cookie: me.cookie })).status).toBe(404);
    expect((await channels(other.cookie)).length).toBe(2);

    const since = await lastAuditId();
    expect((await api("DELETE", `/api/me/contacts/${mobile!.id}`, { cookie: me.cookie })).status).toBe(200);
    expect(await auditActions(since)).toContain("contact.removed");
    const last = await api("DELETE", `/api/me/contacts/${email!.id}`, { cookie: me.cookie });
    expect(last.status).toBe(400);
    const e = await errorOf(last);
    expect(e).toMatchObject({ code: "last_contact", field: "id" });
    expect(e.message).toMatch(/唯一の連絡先/);
    expect((await channels(me.cookie)).map((c) => c.kind)).toEqual(["email"]);
    // The released number is free again for anyone.
    expect((await api("POST", "/api/me/contacts", { cookie: other.cookie, body: { kind: "mobile", value: me.mobile! } })).status).toBe(201);
  });
});
