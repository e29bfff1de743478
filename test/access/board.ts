import type { AccessTable } from "./table";

const ADMINS = ["network_admin", "facility_admin", "delegate"] as const;
const READERS = ["network_admin", "facility_admin", "delegate", "viewer"] as const;

export const boardAccess: AccessTable = {
  // The live board: the same readers as GET /api/rollcalls/{id}; contacts never for the viewer (test/board.test.ts).
  "GET /api/rollcalls/:id/live": { access: READERS },
  "GET /api/rollcalls/:id/board": { access: READERS },
  // The board's long lists, paged: the board's own readers (the phone check refuses the viewer in its handler: no contacts).
  "GET /api/rollcalls/:id/board/facilities": { access: READERS },
  "GET /api/rollcalls/:id/board/non-responders": { access: READERS },
  "GET /api/rollcalls/:id/board/phone-checks": { access: READERS },
  "GET /api/rollcalls/:id/facilities/:facilityId": { access: READERS },
  "GET /api/rollcalls/:id/people/:personId": { access: READERS },
  "GET /api/rollcalls/:id/people/:personId/photo": { access: READERS },
  "POST /api/rollcalls/:id/resend": { access: ADMINS, body: { personIds: [999999] } },
  // The sandbox's "answer as this recipient by SMS" box.
  "POST /api/outbox/sms-reply": { access: ["network_admin"], body: { deliveryId: 999999, body: "1 1" } },
  // Readiness (before any disaster): the viewer gets numbers only (test/readiness.test.ts).
  "GET /api/readiness": { access: READERS },
  "POST /api/readiness/test": { access: ADMINS, body: { facilityId: 999999 } },
};
