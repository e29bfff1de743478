import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

type Doc = {
  paths: Record<string, Record<string, { summary?: string; tags?: string[]; "x-access"?: unknown }>>;
  components: { schemas: Record<string, unknown> };
};

describe("directory in the OpenAPI document", () => {
  it("describes every directory route with a summary, a tag and its access", async () => {
    const doc = (await (await exports.default.fetch("https://anpi.example.org/api/openapi.json")).json()) as Doc;
    const ops = Object.entries(doc.paths)
      .filter(([p]) => /^\/api\/(facilities|people|groups)/.test(p))
      .flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op })));
    expect(ops.length).toBeGreaterThanOrEqual(21);
    for (const { key, op } of ops) {
      expect(op.summary, key).toBeTruthy();
      expect(op.tags?.length, key).toBeGreaterThan(0);
      expect(op["x-access"], key).toBeDefined();
    }
    expect(doc.paths["/api/people/{id}"]!.get!["x-access"]).toBe("signed_in");
    expect(doc.paths["/api/facilities"]!.post!["x-access"]).toEqual(["network_admin"]);
    for (const name of ["Facility", "FacilityType", "FacilityList", "Person", "PersonList", "PersonCreate", "Group", "GroupMember", "Membership"])
      expect(doc.components.schemas, name).toHaveProperty(name);
  });
});
