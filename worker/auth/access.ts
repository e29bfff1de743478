import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError, unauthorized, jaEn } from "../lib/errors";
import { rolesOf, type Auth, type Role } from "./scope";

/**
 * Who may call a route. Deny by default: every route built with `route()` must say,
 * and the role-matrix test fails when a registered route is missing from its table.
 * - "public": anyone (sign-in, health, reply pages carry their own token).
 * - "signed_in": any signed-in person, whatever their role.
 * - Role[]: at least one of these roles; handlers then check the object.
 */
export type Access = "public" | "signed_in" | readonly Role[];

/** Paths a session with an expired password or a missing MFA enrolment may still use. */
const RESTRICTED_SESSION_PATHS = new Set(["/api/session", "/api/me/password", "/api/me/totp/setup", "/api/me/totp/enable"]);

export function requireAccess(access: Access): MiddlewareHandler<AppEnv> {
  return async function checkAccess(c, next) {
    if (access === "public") return next();
    const auth = c.get("auth");
    if (!auth) throw unauthorized();
    if (auth.passwordExpired && !RESTRICTED_SESSION_PATHS.has(c.req.path))
      throw new ApiError(
        "password_expired",
        jaEn("パスワードの期限が切れました。新しいパスワードを決めてください。", "Your password has expired. Set a new one."),
      );
    if (auth.mustEnrolMfa && !RESTRICTED_SESSION_PATHS.has(c.req.path))
      throw new ApiError("mfa_enrolment_required", jaEn("先に認証アプリを登録してください。", "Set up a one-time code app first."));
    if (access === "signed_in") return next();
    const roles = rolesOf(auth);
    if (!access.some((r) => roles.has(r))) throw new ApiError("role_forbidden", jaEn("この役割ではこの操作はできません。", "Your role may not do this."));
    return next();
  };
}

/** `createRoute` with a required access rule, kept in the OpenAPI document as `x-access`. */
export function route<const R extends Omit<RouteConfig, "middleware">>(config: R & { access: Access }) {
  const { access, ...spread } = config;
  const rest: Omit<R, "access"> = spread;
  const middleware: [MiddlewareHandler<AppEnv>] = [requireAccess(access)];
  const xAccess: "public" | "signed_in" | Role[] = access === "public" || access === "signed_in" ? access : [...access];
  return createRoute({ ...rest, middleware, "x-access": xAccess });
}

/** The signed-in person; only call behind a route whose access is not "public". */
export function authOf(c: { get(key: "auth"): Auth | null }): Auth {
  const auth = c.get("auth");
  if (!auth) throw unauthorized();
  return auth;
}
