import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import type { Role } from "../../worker/auth/scope";
import { adminsWithoutMfa } from "../support/db";
import { makeFacility, signedIn } from "../support/factories";
import { api } from "../support/http";
import { accessTable } from "./index";

/** Every registered route: "METHOD /path" as Hono registered it (middleware excluded). */
function registeredRoutes(): string[] {
  const keys = new Set<string>();
  for (const r of app.routes) if (r.method !== "ALL") keys.add(`${r.method} ${r.path}`);
  return [...keys].sort();
}

const concrete = (key: string) => {
  const [, path] = key.split(" ") as [string, string];
  return path.replace(/:[A-Za-z]+(\{[^}]*\})?/g, "999999");
};

describe("role matrix", () => {
  it("has an entry for every registered route, and none for routes that do not exist", () => {
    const routes = registeredRoutes();
    expect(routes.filter((r) => !(r in accessTable))).toEqual([]);
    expect(Object.keys(accessTable).filter((k) => !routes.includes(k))).toEqual([]);
  });

  const cookies = {} as Record<Role, string>;
  beforeAll(async () => {
    await adminsWithoutMfa();
    const f = await makeFacility();
    cookies.network_admin = (await signedIn({ globalRole: "network_admin" })).cookie;
    cookies.viewer = (await signedIn({ globalRole: "viewer" })).cookie;
    cookies.facility_admin = (await signedIn({ facilityId: f, role: "admin" })).cookie;
    cookies.delegate = (await signedIn({ facilityId: f, role: "delegate" })).cookie;
    cookies.staff = (await signedIn({ facilityId: f, role: "staff" })).cookie;
  });

  for (const [key, probe] of Object.entries(accessTable)) {
    const [method] = key.split(" ") as [string];
    const path = probe.path ?? concrete(key);
    const access = probe.access;
    if (access === "public") continue;
    it(`${key} refuses anonymous callers`, async () => {
      const res = await api(method, path, { body: probe.body });
      expect([401, 403, 404]).toContain(res.status);
      if (access !== "token") expect(res.status).toBe(401);
    });
    if (access === "token" || access === "signed_in") continue;
    for (const role of ["network_admin", "facility_admin", "delegate", "staff", "viewer"] as Role[]) {
      const allowed = access.includes(role);
      it(`${key} ${allowed ? "admits" : "refuses"} ${role}`, async () => {
        const res = await api(method, path, { cookie: cookies[role], body: probe.body });
        const body = (await res
          .clone()
          .json()
          .catch(() => ({}))) as { error?: { code?: string } };
        if (allowed) {
          expect(res.status).not.toBe(401);
          expect(body.error?.code).not.toBe("role_forbidden");
        } else {
          expect(res.status).toBe(403);
          expect(body.error?.code).toBe("role_forbidden");
        }
      });
    }
  }
});
