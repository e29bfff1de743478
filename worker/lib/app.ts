import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { ApiError } from "./errors";

/** A domain app whose validation failures answer 400 with the first failing field named. */
export function domainApp() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const field = issue ? issue.path.map(String).join(".") || "body" : "body";
        throw new ApiError("invalid", `${field}: ${issue?.message ?? "invalid"}`, field);
      }
    },
  });
}
