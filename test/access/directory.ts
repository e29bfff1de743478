import type { AccessTable } from "./table";

const admins = ["network_admin", "facility_admin", "delegate"] as const;
const members = ["network_admin", "facility_admin", "delegate", "staff"] as const;

export const directoryAccess: AccessTable = {
  "GET /api/facilities": { access: "signed_in" },
  "POST /api/facilities": { access: ["network_admin"], body: {} },
  "GET /api/facilities/:id": { access: "signed_in" },
  "PATCH /api/facilities/:id": { access: admins, body: {} },
  "DELETE /api/facilities/:id": { access: ["network_admin"] },
  "PUT /api/facilities/:id/members/:personId": { access: admins, body: { role: "staff" } },
  "DELETE /api/facilities/:id/members/:personId": { access: admins },
  "GET /api/people": { access: "signed_in" },
  "POST /api/people": { access: admins, body: {} },
  "GET /api/people/:id": { access: "signed_in" },
  "PATCH /api/people/:id": { access: "signed_in", body: {} },
  "DELETE /api/people/:id": { access: "signed_in" },
  "GET /api/groups": { access: members },
  "POST /api/groups": { access: ["network_admin", "facility_admin"], body: {} },
  "GET /api/groups/:id": { access: members },
  "PATCH /api/groups/:id": { access: ["network_admin", "facility_admin"], body: {} },
  "DELETE /api/groups/:id": { access: ["network_admin", "facility_admin"] },
  "GET /api/groups/:id/members": { access: members },
  "POST /api/groups/:id/members": { access: admins, body: { personId: 999999 } },
  "DELETE /api/groups/:id/members/:personId": { access: admins },
  "POST /api/groups/:id/leave": { access: members },
};
