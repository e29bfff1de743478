import type { AccessTable } from "./table";

export const rollcallAccess: AccessTable = {};
