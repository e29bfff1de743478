import type { AccessTable } from "./table";

export const directoryAccess: AccessTable = {};
