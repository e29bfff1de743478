import type { AccessTable } from "./table";

/** A header with no rows: every admitted role gets a 400 and nothing is written. */
const HEADER_ONLY = "氏名,事業所名\n";

export const importAccess: AccessTable = {
  "POST /api/import/people/preview": { access: ["network_admin", "facility_admin", "delegate"], body: HEADER_ONLY },
  "POST /api/import/people/commit": { access: ["network_admin", "facility_admin", "delegate"], body: HEADER_ONLY },
};
