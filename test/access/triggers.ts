import type { AccessTable } from "./table";

export const triggersAccess: AccessTable = {
  "GET /api/triggers/rules": { access: ["network_admin"] },
  "GET /api/triggers/places": { access: ["network_admin"] },
  "PUT /api/triggers/rules": { access: ["network_admin"], body: {} },
  "GET /api/triggers/reports": { access: ["network_admin"] },
  "POST /api/triggers/reports/:id/replay": { access: ["network_admin"] },
  "GET /api/triggers/keys": { access: ["network_admin"] },
  "POST /api/triggers/keys": { access: ["network_admin"], body: {} },
  "DELETE /api/triggers/keys/:id": { access: ["network_admin"] },
  // Outside systems prove themselves with an API key (and an HMAC signature for POSTs).
  "POST /api/triggers/cap": { access: "token", body: "<alert/>" },
  "POST /api/triggers/rollcalls": { access: "token", body: {} },
  "GET /api/triggers/cap.atom": { access: "token" },
};
