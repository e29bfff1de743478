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
  "GET /api/push/vapid-public-key": { access: "public" },
  "GET /api/me/devices": { access: "signed_in" },
  "POST /api/me/devices": { access: "signed_in", body: {} },
  "PATCH /api/me/devices/:id": { access: "signed_in", body: { name: "x" } },
  "DELETE /api/me/devices/:id": { access: "signed_in" },
  "POST /api/me/devices/:id/test": { access: "signed_in" },
  "POST /api/push/ack": { access: "token", body: { token: "AAAAAAAAAAAAAAAAAAAAAA" } },
  "POST /r/:token/action": { access: "token", body: { action: "safe_yes" } },
  "GET /api/me": { access: "signed_in" },
  "PATCH /api/me": { access: "signed_in", body: {} },
  "PUT /api/me/photo": { access: "signed_in", body: "x" },
  "DELETE /api/me/photo": { access: "signed_in" },
  "GET /api/people/:id/photo": { access: "signed_in" },
  "POST /api/me/contacts/:id/verify": { access: "signed_in" },
  "POST /api/me/contacts/:id/confirm": { access: "signed_in", body: { code: "123456" } },
  "GET /verify/:token": { access: "public" },
  "POST /verify/:token": { access: "token" },
  "POST /api/me/reports": { access: "signed_in", body: {} },
  "GET /api/me/reports": { access: "signed_in" },
  "GET /api/reports": { access: admins },
  "POST /api/reports/:id/handle": { access: admins, body: {} },
};
