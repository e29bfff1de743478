import type { AccessTable } from "./table";

export const coreAccess: AccessTable = {
  "GET /healthz": { access: "public" },
  "GET /api/openapi.json": { access: "public" },
  "GET /api/docs": { access: "public" },
  "POST /api/session": { access: "public", body: { email: "x@example.org", password: "x" } },
  "GET /api/session": { access: "signed_in" },
  "DELETE /api/session": { access: "signed_in" },
  "POST /api/me/password": { access: "signed_in", body: {} },
  "POST /api/me/totp/setup": { access: "signed_in" },
  "POST /api/me/totp/enable": { access: "signed_in", body: {} },
  "DELETE /api/me/totp": { access: "signed_in", body: {} },
  "POST /api/people/:id/end-sessions": { access: ["network_admin", "facility_admin", "delegate"] },
  "DELETE /api/me/sessions": { access: "signed_in" },
  "POST /api/password-reset": { access: "public", body: { email: "x@example.org" } },
  "GET /reset/:token": { access: "public" },
  "POST /reset/:token": { access: "token", body: "password=x&password2=x" },
  "GET /api/settings": { access: ["network_admin"] },
  "PATCH /api/settings": { access: ["network_admin"], body: {} },
  "GET /api/audit": { access: ["network_admin"] },
};
