import { domainApp } from "../lib/app";

/** CSV import of the contact list (連絡網): preview, then commit. */
export const importRoutes = domainApp();
