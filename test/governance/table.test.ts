import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../worker/auth/scope";
import { clock } from "../../worker/lib/clock";
import { accessTable } from "../access";
import { adminsWithoutMfa } from "../support/db";
import { makeFacility, makePerson, openRollcall, signedIn } from "../support/factories";
import { OPERATIONS, ROLES, type World } from "./operations";

/** Every worker source file, as text, for the check that no path is missing from the table. */
const SOURCES = import.meta.glob("../../worker/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const sources = Object.entries(SOURCES).map(([path, text]) => ({ file: path.replace(/^(\.\.\/)+/, ""), text }));

/**
 * Files that call a sink without being a path of the operation for someone else:
 * each says why. Everything else that calls a sink must be a path in operations.ts.
 */
const NOT_PATHS: Record<string, string> = {
  "worker/profile/contacts.ts": "one's own contacts only (POST/DELETE /api/me/contacts)",
  "worker/profile/service.ts": "one's own profile and photo (GET/PATCH /api/me, PUT/DELETE /api/me/photo)",
  "worker/auth/routes.ts": "one's own sessions: sign-out, password change (ends one's other sessions)",
  "worker/auth/session.ts": "one's own session",
  "worker/invitations/service.ts": "the invitee's own acceptance (§5: the invitee accepts, and only their own account changes)",
  "worker/verification/service.ts": "one's own contact verification",
  "worker/reports/routes.ts": "a report is handled through end-sessions (POST /api/people/{id}/end-sessions)",
  "worker/directory/group-service.ts": "custom group membership, not facility roles",
  "worker/delivery/plan.ts": "delivery: addresses read by the queue to send the roll-call, never shown",
  "worker/delivery/consumer.ts": "delivery: addresses read by the queue to send, never shown",
  "worker/patients/consent.ts": "the scanned 同意書 from R2, not a face: a path of patient.read (GET /api/patients/{id}/consent)",
};

function callers(sink: string): string[] {
  const call = new RegExp(`(?<![\\w.])(?:\\w+\\.)?${sink.replace(".", "\\.")}\\(`);
  const definition = new RegExp(`(?:function|const)\\s+${sink.split(".").pop()}\\b`);
  return sources.filter((s) => call.test(s.text) && !definition.test(s.text)).map((s) => s.file);
}

describe("every path of a governed operation is in the table", () => {
  for (const [name, op] of Object.entries(OPERATIONS)) {
    it(`${name}: the files that perform it are its paths`, () => {
      const declared = new Set(op.paths.map((p) => p.file));
      const found = [...new Set(op.sinks.flatMap(callers))].filter((f) => !declared.has(f) && !(f in NOT_PATHS));
      expect(found, `files calling ${op.sinks.join(", ")} that are not paths of ${name}`).toEqual([]);
    });
    it(`${name}: every path is a route of the app with a role gate, or a module`, () => {
      for (const p of op.paths) expect(p.route in accessTable, p.route).toBe(true);
      for (const p of op.paths)
        expect(
          sources.some((s) => s.file === p.file),
          p.file,
        ).toBe(true);
    });
  }
});

const world = {} as World;
beforeAll(async () => {
  await adminsWithoutMfa();
  world.F = await makeFacility({ name: `統治診療所${Date.now()}` });
  world.G = await makeFacility({ name: `統治薬局${Date.now()}`, type: "pharmacy" });
  world.actors = {
    network_admin: await signedIn({ globalRole: "network_admin" }),
    facility_admin: await signedIn({ facilityId: world.F, role: "admin" }),
    delegate: await signedIn({ facilityId: world.F, role: "delegate" }),
    staff: await signedIn({ facilityId: world.F, role: "staff" }),
    viewer: await signedIn({ globalRole: "viewer" }),
  };
  world.readers = {
    staffF: await makePerson({ facilityId: world.F, role: "staff", password: null }),
    adminF: await makePerson({ facilityId: world.F, role: "admin", password: null }),
    staffG: await makePerson({ facilityId: world.G, role: "staff", password: null }),
  };
  // Faces for the photo rule.
  for (const p of [world.readers.staffF, world.readers.staffG]) {
    const key = `people/${p.id}/gov${Date.now()}`;
    await env.PHOTOS.put(key, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0]), { httpMetadata: { contentType: "image/jpeg" } });
    await env.DB.prepare("UPDATE people SET photo_key = ?2 WHERE id = ?1").bind(p.id, key).run();
  }
  const admin = world.actors.network_admin.cookie;
  world.rollcalls = {
    both: await openRollcall(admin, { scope: { facilityIds: [world.F, world.G] } }),
    onlyF: await openRollcall(admin, { scope: { facilityIds: [world.F] } }),
    onlyG: await openRollcall(admin, { scope: { facilityIds: [world.G] } }),
  };
}, 120_000);

/** What the route's role gate lets through (test/access): refused roles never reach the rule. */
function gateAdmits(route: string, role: Role): boolean {
  const access = accessTable[route]!.access;
  return access === "signed_in" || (Array.isArray(access) && access.includes(role));
}

describe("one answer per (operation, role, object), whatever the path", () => {
  for (const [name, op] of Object.entries(OPERATIONS)) {
    for (const role of ROLES) {
      for (const object of op.objects) {
        const paths = op.paths.filter((p) => !p.skip?.includes(object));
        it(`${name} · ${role} · ${object}: ${op.expected[role][object]} on ${paths.length} paths`, async () => {
          const got: Record<string, string> = {};
          const want: Record<string, string> = {};
          for (const p of paths) {
            clock.reset();
            got[p.route] = await p.run(world, role, object);
            want[p.route] = gateAdmits(p.route, role) ? op.expected[role][object]! : "refused";
          }
          expect(got).toEqual(want);
        });
      }
    }
  }
});
