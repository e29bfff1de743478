import type { AccessTable } from "./table";

const admins = ["network_admin", "facility_admin", "delegate"] as const;

/** The staff app: invitations, sandbox messages, passkeys, contact verification, devices, profile, reports. */
export const staffAccess: AccessTable = {
  "GET /api/outbox/messages": { access: "signed_in" },
  "POST /api/invitations": { access: admins, body: {} },
  "GET /api/invitations": { access: admins },
  "DELETE /api/invitations/:id": { access: admins },
  "GET /join/:token": { access: "public" },
  "POST /join/:token": { access: "token", body: "decision=accept" },
};
