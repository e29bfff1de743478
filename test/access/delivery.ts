import type { AccessTable } from "./table";

export const deliveryAccess: AccessTable = {
  "GET /api/outbox": { access: ["network_admin", "facility_admin", "delegate"], path: "/api/outbox?rollcall=999999" },
  // Signed by Twilio: unsigned requests are refused (403) and change nothing.
  "POST /webhooks/twilio/sms": { access: "token", body: "From=%2B819000000000&Body=1+1&MessageSid=SM00000000000000000000000000000000" },
  "POST /webhooks/twilio/status": { access: "token", body: "MessageSid=SM00000000000000000000000000000000&MessageStatus=delivered" },
};
