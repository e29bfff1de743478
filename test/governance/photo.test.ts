/**
 * Finding 8: one photo rule for every path. `GET /api/people/{id}/photo` and the
 * board's drill-down (`GET /api/rollcalls/{id}/people/{personId}` and its `/photo`)
 * answer the same for the same caller and face; the city viewer sees no staff faces
 * beyond the groups they are in.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { PersonDetail } from "../../worker/board/schemas";
import { clock } from "../../worker/lib/clock";
import { adminsWithoutMfa } from "../support/db";
import { makeFacility, makeNetwork, openRollcall, signedIn, type TestPerson } from "../support/factories";
import { api } from "../support/http";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);

async function givePhoto(personId: number): Promise<void> {
  const key = `people/${personId}/governance-photo`;
  await env.PHOTOS.put(key, JPEG, { httpMetadata: { contentType: "image/jpeg" } });
  await env.DB.prepare("UPDATE people SET photo_key = ?2 WHERE id = ?1").bind(personId, key).run();
}

/** A custom group of these people (the viewer may see the faces of their own groups). */
async function customGroup(...people: number[]): Promise<void> {
  const g = await env.DB.prepare("INSERT INTO groups (kind, name, owner_id, created_at) VALUES ('custom', '連携会議', ?1, ?2) RETURNING id")
    .bind(people[0], clock.now())
    .first<{ id: number }>();
  for (const p of people)
    await env.DB.prepare("INSERT INTO group_members (group_id, person_id, role, created_at) VALUES (?1, ?2, 'member', ?3)").bind(g!.id, p, clock.now()).run();
}

let networkAdmin: TestPerson & { cookie: string };
beforeAll(async () => {
  await adminsWithoutMfa();
  networkAdmin = await signedIn({ globalRole: "network_admin" });
});

describe("one photo rule, whatever the path", () => {
  it("gives the same answer on the profile path and the drill-down for every caller; the viewer gets no staff photo or photo link", async () => {
    const net = await makeNetwork([{ name: "看護 花子" }]);
    const nurse = net.staff[0]!;
    await givePhoto(nurse.id);
    const id = await openRollcall(networkAdmin.cookie, { scope: { facilityIds: [net.facilityId] } });

    const viewer = await signedIn({ globalRole: "viewer" });
    const groupViewer = await signedIn({ globalRole: "viewer" });
    await customGroup(groupViewer.id, nurse.id);
    const delegate = await signedIn({ facilityId: net.facilityId, role: "delegate" });

    const callers: [string, string, boolean][] = [
      ["network admin", networkAdmin.cookie, true],
      ["facility admin", net.admin.cookie, true],
      ["delegate", delegate.cookie, true],
      ["city viewer", viewer.cookie, false],
      ["city viewer in a group with them", groupViewer.cookie, true],
    ];
    for (const [who, cookie, sees] of callers) {
      const profilePath = await api("GET", `/api/people/${nurse.id}/photo`, { cookie });
      const drillPath = await api("GET", `/api/rollcalls/${id}/people/${nurse.id}/photo`, { cookie });
      const detail = await api("GET", `/api/rollcalls/${id}/people/${nurse.id}`, { cookie });
      expect(detail.status, who).toBe(200);
      const d = (await detail.json()) as PersonDetail;
      expect([who, profilePath.status, drillPath.status, d.person.photoUrl !== null]).toEqual([who, sees ? 200 : 404, sees ? 200 : 404, sees]);
      if (sees) {
        expect(new Uint8Array(await drillPath.arrayBuffer()), who).toEqual(JPEG);
        expect(d.person.photoUrl).toBe(`/api/rollcalls/${id}/people/${nurse.id}/photo`);
      } else {
        // The refusal tells nothing the profile path would not: a plain 404, no image.
        expect(drillPath.headers.get("content-type") ?? "", who).not.toContain("image");
      }
    }
  });

  it("still needs the right to the roll-call: an admin of another facility gets 403 from the drill-down though a shared group shows them the face", async () => {
    const net = await makeNetwork([{}]);
    const nurse = net.staff[0]!;
    await givePhoto(nurse.id);
    const id = await openRollcall(networkAdmin.cookie, { scope: { facilityIds: [net.facilityId] } });
    const other = await signedIn({ facilityId: await makeFacility(), role: "admin" });
    await customGroup(other.id, nurse.id);
    expect((await api("GET", `/api/people/${nurse.id}/photo`, { cookie: other.cookie })).status).toBe(200);
    expect((await api("GET", `/api/rollcalls/${id}/people/${nurse.id}/photo`, { cookie: other.cookie })).status).toBe(403);
  });

  it("follows the photo rule as it is now: a facility admin who leaves the facility no longer sees the face on either path", async () => {
    const net = await makeNetwork([{}]);
    const nurse = net.staff[0]!;
    await givePhoto(nurse.id);
    const id = await openRollcall(networkAdmin.cookie, { scope: { facilityIds: [net.facilityId] } });
    const paths = [`/api/people/${nurse.id}/photo`, `/api/rollcalls/${id}/people/${nurse.id}/photo`];
    for (const p of paths) expect((await api("GET", p, { cookie: net.admin.cookie })).status).toBe(200);
    // Removed from the facility: neither path shows the face any more; network admins still see everyone.
    await env.DB.prepare("UPDATE memberships SET removed_at = ?2 WHERE person_id = ?1").bind(net.admin.id, clock.now()).run();
    for (const p of paths) expect((await api("GET", p, { cookie: net.admin.cookie })).status).not.toBe(200);
    for (const p of paths) expect((await api("GET", p, { cookie: networkAdmin.cookie })).status).toBe(200);
  });
});
