import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { adminsWithoutMfa, count } from "./support/db";
import { makeFacility, makePerson, signedIn } from "./support/factories";
import { api, errorOf, json, signIn } from "./support/http";

/** The smallest valid-looking files of each kind: the magic numbers, then filler. */
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, ...new Array(200).fill(7)]);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(200).fill(1)]);
const WEBP = new Uint8Array([...new TextEncoder().encode("RIFF"), 0x20, 0, 0, 0, ...new TextEncoder().encode("WEBPVP8 "), ...new Array(200).fill(2)]);
const GIF = new TextEncoder().encode("GIF89a........................");

const putPhoto = (cookie: string, bytes: Uint8Array, type = "image/jpeg") =>
  api("PUT", "/api/me/photo", { cookie, body: bytes, headers: { "content-type": type } });

interface Profile {
  id: number;
  name: string;
  kana: string;
  job: string;
  lang: string;
  photoUrl: string | null;
  facilities: { facilityId: number; role: string }[];
  channels: { id: number; kind: string; value: string; verified: boolean }[];
}

let facility: number;
beforeAll(async () => {
  await adminsWithoutMfa();
  facility = await makeFacility();
});

describe("profile", () => {
  it("GET /api/me: the profile with facilities and each channel marked verified or not", async () => {
    const me = await signedIn({ facilityId: facility, name: "山田 花子" });
    await env.DB.prepare("UPDATE contacts SET verified_at = NULL WHERE person_id = ?1 AND kind = 'mobile'").bind(me.id).run();
    const p = await json<Profile>(await api("GET", "/api/me", { cookie: me.cookie }));
    expect(p).toMatchObject({ id: me.id, name: "山田 花子", lang: "ja", photoUrl: null, facilities: [{ facilityId: facility, role: "staff" }] });
    expect(p.channels.map((ch) => [ch.kind, ch.value, ch.verified])).toEqual([
      ["email", me.email, true],
      ["mobile", me.mobile, false],
    ]);
  });

  it("PATCH /api/me changes name, reading, job and language (all nine languages); bad input names the field and changes nothing", async () => {
    const me = await signedIn({ facilityId: facility });
    const res = await api("PATCH", "/api/me", {
      cookie: me.cookie,
      body: { name: "グエン　ティ　ラン", kana: "ぐえん てぃ らん", job: "介護福祉士", lang: "vi" },
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ name: "グエン ティ ラン", kana: "グエン ティ ラン", job: "介護福祉士", lang: "vi" });
    for (const lang of ["ja", "en", "vi", "id", "tl", "ne", "my", "zh", "ja-easy"]) {
      expect((await api("PATCH", "/api/me", { cookie: me.cookie, body: { lang } })).status, lang).toBe(200);
    }
    for (const [body, field] of [
      [{ lang: "fr" }, "lang"],
      [{ name: " " }, "name"],
      [{ kana: "Lan" }, "kana"],
      [{ job: "x".repeat(51) }, "job"],
    ] as const) {
      const bad = await api("PATCH", "/api/me", { cookie: me.cookie, body });
      expect(bad.status).toBe(400);
      expect((await errorOf(bad)).field).toBe(field);
    }
    expect(await json(await api("GET", "/api/me", { cookie: me.cookie }))).toMatchObject({ name: "グエン ティ ラン", lang: "ja-easy" });
  });

  it("the directory accepts the nine languages too", async () => {
    const admin = await signedIn({ facilityId: facility, role: "admin" });
    const res = await api("POST", "/api/people", {
      cookie: admin.cookie,
      body: { name: "Maria Santos", facilityId: facility, email: `maria${Date.now()}@example.org`, lang: "tl" },
    });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ lang: "tl" });
  });
});

describe("photo", () => {
  it("JPEG, PNG and WebP are stored in R2 and served to the person with private cache headers", async () => {
    const me = await signedIn({ facilityId: facility });
    for (const [bytes, type] of [
      [PNG, "image/png"],
      [WEBP, "image/webp"],
      [JPEG, "image/jpeg"],
    ] as const) {
      const res = await putPhoto(me.cookie, bytes, type);
      expect(res.status, type).toBe(200);
      expect(await json(res)).toMatchObject({ bytes: bytes.length, type });
    }
    const p = await json<Profile>(await api("GET", "/api/me", { cookie: me.cookie }));
    expect(p.photoUrl).toMatch(new RegExp(`^/api/people/${me.id}/photo\\?v=`));
    const got = await api("GET", p.photoUrl!, { cookie: me.cookie });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/jpeg");
    expect(got.headers.get("cache-control")).toBe("private, max-age=300");
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(JPEG);
    const etag = got.headers.get("etag")!;
    expect((await api("GET", p.photoUrl!, { cookie: me.cookie, headers: { "if-none-match": etag } })).status).toBe(304);
    // Only the latest photo stays in the bucket.
    const listed = await env.PHOTOS.list({ prefix: `people/${me.id}/` });
    expect(listed.objects).toHaveLength(1);
  });

  it("a file that claims to be a JPEG and is not: 400 naming photo, nothing stored", async () => {
    const me = await signedIn({ facilityId: facility });
    for (const [bytes, type] of [
      [GIF, "image/jpeg"],
      [PNG, "image/jpeg"],
      [JPEG, "image/png"],
      [new TextEncoder().encode("<svg/>"), "image/svg+xml"],
      [new Uint8Array(), "image/jpeg"],
    ] as const) {
      const res = await putPhoto(me.cookie, bytes, type);
      expect(res.status, `${type} ${bytes.length}`).toBe(400);
      expect((await errorOf(res)).field).toBe("photo");
    }
    expect((await env.PHOTOS.list({ prefix: `people/${me.id}/` })).objects).toHaveLength(0);
    expect(await count("SELECT id FROM people WHERE id = ?1 AND photo_key IS NOT NULL", me.id)).toBe(0);
  });

  it("an oversized photo: 413 naming photo, nothing stored, the old photo kept", async () => {
    const me = await signedIn({ facilityId: facility });
    expect((await putPhoto(me.cookie, JPEG)).status).toBe(200);
    const before = (await json<Profile>(await api("GET", "/api/me", { cookie: me.cookie }))).photoUrl;
    const big = new Uint8Array(512 * 1024 + 1);
    big.set([0xff, 0xd8, 0xff]);
    const res = await putPhoto(me.cookie, big);
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toMatchObject({ code: "too_large", field: "photo" });
    expect((await json<Profile>(await api("GET", "/api/me", { cookie: me.cookie }))).photoUrl).toBe(before);
    expect((await env.PHOTOS.list({ prefix: `people/${me.id}/` })).objects).toHaveLength(1);
  });

  it("served only to people who share a facility or a group; nobody else, not even the city viewer or anonymous callers", async () => {
    const owner = await signedIn({ facilityId: facility });
    expect((await putPhoto(owner.cookie, JPEG)).status).toBe(200);
    const path = `/api/people/${owner.id}/photo`;
    const colleague = await signedIn({ facilityId: facility });
    const admin = await signedIn({ facilityId: facility, role: "admin" });
    const network = await signedIn({ globalRole: "network_admin" });
    const elsewhere = await signedIn({ facilityId: await makeFacility() });
    const viewer = await signedIn({ globalRole: "viewer" });
    for (const who of [colleague, admin, network]) expect((await api("GET", path, { cookie: who.cookie })).status).toBe(200);
    for (const who of [elsewhere, viewer]) expect((await api("GET", path, { cookie: who.cookie })).status).toBe(404);
    expect((await api("GET", path)).status).toBe(401);

    // Sharing a custom group opens it; leaving the group closes it again.
    const group = await json<{ id: number }>(await api("POST", "/api/groups", { cookie: admin.cookie, body: { name: `顔合わせ${Date.now()}` } }));
    const outsider = await makePerson({ facilityId: await makeFacility() });
    await env.DB.prepare("INSERT INTO group_members (group_id, person_id, role, created_at) VALUES (?1, ?2, 'member', 0), (?1, ?3, 'member', 0)")
      .bind(group.id, owner.id, outsider.id)
      .run();
    const outsiderCookie = await signIn(outsider.email!);
    expect((await api("GET", path, { cookie: outsiderCookie })).status).toBe(200);
    expect((await api("POST", `/api/groups/${group.id}/leave`, { cookie: outsiderCookie })).status).toBe(200);
    expect((await api("GET", path, { cookie: outsiderCookie })).status).toBe(404);
  });

  it("removing the photo", async () => {
    const me = await signedIn({ facilityId: facility });
    await putPhoto(me.cookie, PNG, "image/png");
    expect((await api("DELETE", "/api/me/photo", { cookie: me.cookie })).status).toBe(200);
    expect((await json<Profile>(await api("GET", "/api/me", { cookie: me.cookie }))).photoUrl).toBeNull();
    expect((await env.PHOTOS.list({ prefix: `people/${me.id}/` })).objects).toHaveLength(0);
    expect((await api("DELETE", "/api/me/photo", { cookie: me.cookie })).status).toBe(404);
  });
});

describe("leaving groups and deregistering (§5), as staff on themselves", () => {
  it("staff leave a custom group, cannot leave their facility or the network group, and deregister: access ends, history stays", async () => {
    const admin = await signedIn({ facilityId: facility, role: "admin" });
    const me = await signedIn({ facilityId: facility });
    const group = await json<{ id: number }>(await api("POST", "/api/groups", { cookie: admin.cookie, body: { name: `退会テスト${Date.now()}` } }));
    expect((await api("POST", `/api/groups/${group.id}/members`, { cookie: admin.cookie, body: { personId: me.id } })).status).toBe(200);
    expect((await api("POST", `/api/groups/${group.id}/leave`, { cookie: me.cookie })).status).toBe(200);
    expect(await count("SELECT id FROM group_members WHERE group_id = ?1 AND person_id = ?2 AND removed_at IS NULL", group.id, me.id)).toBe(0);
    const fg = await env.DB.prepare("SELECT id FROM groups WHERE facility_id = ?1 AND kind = 'facility'").bind(facility).first<{ id: number }>();
    await env.DB.prepare("INSERT OR IGNORE INTO group_members (group_id, person_id, role, created_at) VALUES (?1, ?2, 'member', 0)").bind(fg!.id, me.id).run();
    expect((await api("POST", `/api/groups/${fg!.id}/leave`, { cookie: me.cookie })).status).toBe(409);

    const res = await api("DELETE", `/api/people/${me.id}`, { cookie: me.cookie });
    expect(res.status).toBe(200);
    expect((await api("GET", "/api/me", { cookie: me.cookie })).status).toBe(401);
    expect(await count("SELECT id FROM people WHERE id = ?1 AND removed_at IS NOT NULL", me.id)).toBe(1);
    expect(await count("SELECT id FROM contacts WHERE person_id = ?1 AND removed_at IS NULL", me.id)).toBe(0);
    expect(await count("SELECT id FROM memberships WHERE person_id = ?1", me.id)).toBe(1);
  });
});
