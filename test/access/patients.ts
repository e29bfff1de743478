import type { AccessTable } from "./table";

/**
 * Patient groups (§3–§5): every route is open to any signed-in person at the gate and
 * the service decides per group (members read, managers manage; 404 to everyone
 * else), which test/governance/operations.ts checks per role and place in the group.
 * Only the counts are gated by role: network admins and the city viewer.
 */
export const patientsAccess: AccessTable = {
  "POST /api/patients": { access: "signed_in", body: {} },
  "GET /api/patients": { access: "signed_in" },
  "GET /api/patients/summary": { access: ["network_admin", "viewer"] },
  "GET /api/patients/people": { access: "signed_in", path: "/api/patients/people?q=%E5%B1%B1" },
  "GET /api/patients/:id": { access: "signed_in" },
  "PATCH /api/patients/:id": { access: "signed_in", body: {} },
  "POST /api/patients/:id/close": { access: "signed_in" },
  "POST /api/patients/:id/invitations": { access: "signed_in", body: {} },
  "PATCH /api/patients/:id/members/:personId": { access: "signed_in", body: { readOnly: true } },
  "DELETE /api/patients/:id/members/:personId": { access: "signed_in" },
  "POST /api/patients/:id/posts": { access: "signed_in", body: { text: "x" } },
  "DELETE /api/patients/:id/posts/:postId": { access: "signed_in" },
  "PUT /api/patients/:id/consent": { access: "signed_in", body: "x" },
  "GET /api/patients/:id/consent": { access: "signed_in" },
  "GET /api/patients/checks": { access: "signed_in" },
  "GET /api/rollcalls/:id/patients": { access: "signed_in" },
  "POST /api/rollcalls/:id/patients/:patientId/claim": { access: "signed_in", body: {} },
  "POST /api/rollcalls/:id/patients/:patientId/check": { access: "signed_in", body: { result: "safe" } },
};
