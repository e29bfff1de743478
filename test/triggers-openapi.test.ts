import { describe, expect, it } from "vitest";
import { api } from "./support/http";

describe("triggers in the OpenAPI document", () => {
  it("documents every trigger route with its access, and the API trigger body schema", async () => {
    const doc = (await (await api("GET", "/api/openapi.json")).json()) as {
      paths: Record<string, Record<string, { "x-access"?: unknown; requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.paths["/api/triggers/rules"]!.put!["x-access"]).toEqual(["network_admin"]);
    expect(doc.paths["/api/triggers/cap"]!.post!.requestBody!.content["application/cap+xml"]).toBeDefined();
    expect(doc.paths["/api/triggers/rollcalls"]!.post!.requestBody!.content["application/json"]!.schema.$ref).toBe("#/components/schemas/ApiTrigger");
    expect(doc.components.schemas.ApiTrigger).toBeDefined();
    expect(doc.components.schemas.TriggerRules).toBeDefined();
    expect(doc.paths["/api/triggers/cap.atom"]!.get).toBeDefined();
  });
});
