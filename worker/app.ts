import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { auditRoutes } from "./audit/routes";
import { authRoutes } from "./auth/routes";
import { resolveSession } from "./auth/session";
import { boardRoutes } from "./board/routes";
import { deliveryRoutes } from "./delivery/routes";
import { directoryRoutes } from "./directory/routes";
import type { AppEnv } from "./env";
import { importRoutes } from "./import/routes";
import { invitationRoutes } from "./invitations/routes";
import { ApiError, errorBody, jaEn, errorLang } from "./lib/errors";
import { redact } from "./lib/redact";
import { meRoutes } from "./me/routes";
import { messageRoutes } from "./messages/routes";
import { passkeyRoutes } from "./passkeys/routes";
import { patientRoutes } from "./patients/routes";
import { myContactRoutes } from "./profile/contacts";
import { profileRoutes } from "./profile/routes";
import { pushRoutes } from "./push/routes";
import { readinessRoutes } from "./readiness/routes";
import { replyRoutes } from "./reply/routes";
import { reportRoutes } from "./reports/routes";
import { rollcallRoutes } from "./rollcall/routes";
import { apiDocsGate, docsPage } from "./system/docs";
import { notFoundResponse, workerHeaders } from "./system/headers";
import { systemRoutes } from "./system/routes";
import { templateRoutes } from "./templates/routes";
import { triggerRoutes } from "./triggers/routes";
import { verificationRoutes } from "./verification/routes";

/** Every domain app, mounted at the root (each route carries its full path). */
export const domains = [
  systemRoutes,
  authRoutes,
  directoryRoutes,
  importRoutes,
  auditRoutes,
  templateRoutes,
  rollcallRoutes,
  replyRoutes,
  deliveryRoutes,
  triggerRoutes,
  messageRoutes,
  invitationRoutes,
  pushRoutes,
  profileRoutes,
  myContactRoutes,
  meRoutes,
  verificationRoutes,
  reportRoutes,
  passkeyRoutes,
  boardRoutes,
  readinessRoutes,
  patientRoutes,
] as const;

export function buildApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use("*", workerHeaders);
  app.use("*", async function loadSession(c, next) {
    // Sessions matter only to the API; reply pages and webhooks carry their own proof.
    c.set("auth", c.req.path.startsWith("/api/") ? await resolveSession(c) : null);
    return next();
  });
  for (const d of domains) app.route("/", d);

  const doc = {
    openapi: "3.1.0",
    info: { title: "安否確認 roll-call API", version: "0.1.0", description: "Disaster roll-call for a city medical and care network." },
  };
  // Who may read the API description: the API_DOCS setting (public in local and test, network admins otherwise).
  app.use("/api/openapi.json", apiDocsGate());
  app.use("/api/docs", apiDocsGate());
  app.doc31("/api/openapi.json", doc);
  app.route(
    "/",
    docsPage(() => app.getOpenAPI31Document(doc)),
  );

  app.notFound(notFoundResponse);
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toJSON(errorLang(c.req.header("Accept-Language"))), err.status);
    if (err instanceof HTTPException) {
      const status = err.status;
      return c.json(
        errorBody(
          status === 413 ? "too_large" : "bad_request",
          status === 413 ? jaEn("送られたデータが大きすぎます。", "Body too large.") : jaEn("リクエストを読めませんでした。", err.message || "Bad request."),
          undefined,
          errorLang(c.req.header("Accept-Language")),
        ),
        status,
      );
    }
    // Never log request bodies: they may hold phone numbers or emails.
    console.error("unhandled", redact(err instanceof Error ? (err.stack ?? err.message) : String(err)));
    return c.json(
      errorBody(
        "internal",
        jaEn("うまくいきませんでした。もう一度お試しください。", "Something went wrong. Try again."),
        undefined,
        errorLang(c.req.header("Accept-Language")),
      ),
      500,
    );
  });
  return app;
}

export const app = buildApp();
