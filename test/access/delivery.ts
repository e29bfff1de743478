import type { AccessTable } from "./table";

export const deliveryAccess: AccessTable = {};
