import { boardAccess } from "./board";
import { coreAccess } from "./core";
import { deliveryAccess } from "./delivery";
import { directoryAccess } from "./directory";
import { importAccess } from "./import";
import { patientsAccess } from "./patients";
import { rollcallAccess } from "./rollcall";
import { staffAccess } from "./staff";
import type { AccessTable } from "./table";
import { triggersAccess } from "./triggers";

/** Every route of the app; the matrix test fails on a route missing here. */
export const accessTable: AccessTable = {
  ...coreAccess,
  ...directoryAccess,
  ...importAccess,
  ...rollcallAccess,
  ...deliveryAccess,
  ...triggersAccess,
  ...staffAccess,
  ...boardAccess,
  ...patientsAccess,
};
