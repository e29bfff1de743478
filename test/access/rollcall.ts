import type { AccessTable } from "./table";

const ADMINS = ["network_admin", "facility_admin", "delegate"] as const;
const READERS = ["network_admin", "facility_admin", "delegate", "viewer"] as const;

export const rollcallAccess: AccessTable = {
  // Templates: everyone who starts roll-calls reads them; only the network admin keeps them.
  "GET /api/templates": { access: ADMINS },
  "POST /api/templates": { access: ["network_admin"], body: { basedOn: "safety", name: "matrix copy" } },
  "PATCH /api/templates/:id": { access: ["network_admin"], body: { name: "x" } },
  "DELETE /api/templates/:id": { access: ["network_admin"] },
  // Roll-calls.
  "POST /api/rollcalls": { access: ADMINS, body: { title: "matrix", template: "safety", scope: { facilityIds: [999999] }, drill: true } },
  "GET /api/rollcalls": { access: READERS },
  "GET /api/rollcalls/:id": { access: READERS },
  "POST /api/rollcalls/:id/confirm": { access: ADMINS },
  "POST /api/rollcalls/:id/close": { access: ADMINS },
  "GET /api/rollcalls/:id/export.csv": { access: READERS },
  "GET /api/rollcalls/:id/facilities.csv": { access: READERS },
  "POST /api/rollcalls/:id/replies/:personId": { access: ADMINS, body: { answers: { safety: "safe" } } },
  "DELETE /api/rollcalls/:id/replies/:replyId/comment": { access: ADMINS },
  // Reply pages: the link's token is the proof.
  "GET /r/:token": { access: "token" },
  "POST /r/:token": { access: "token", body: "safety=safe&confirm=1" },
};
