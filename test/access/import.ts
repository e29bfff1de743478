import type { AccessTable } from "./table";

export const importAccess: AccessTable = {};
