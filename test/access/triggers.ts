import type { AccessTable } from "./table";

export const triggersAccess: AccessTable = {};
