import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ERROR_CODE_LIST } from "../worker/lib/errors";

describe("health and API description", () => {
  it("answers /healthz with JSON and a working database", async () => {
    const res = await exports.default.fetch("https://anpi.example.org/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, db: true });
  });

  it("serves an OpenAPI 3.1 document and a reference page", async () => {
    const res = await exports.default.fetch("https://anpi.example.org/api/openapi.json");
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/api/session");
    const page = await exports.default.fetch("https://anpi.example.org/api/docs");
    expect(await page.text()).toContain("/api/session");
  });

  it("lists every error code in the API description's error schema", async () => {
    const res = await exports.default.fetch("https://anpi.example.org/api/openapi.json");
    const doc = (await res.json()) as { components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } } };
    const codes = doc.components.schemas.Error.properties.error.properties.code.enum;
    expect(codes).toEqual(ERROR_CODE_LIST);
    expect(codes).toEqual(expect.arrayContaining(["invalid", "forbidden", "closed", "too_many_attempts"]));
  });
});
