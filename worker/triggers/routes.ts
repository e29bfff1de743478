import { domainApp } from "../lib/app";

/** Automatic triggers: JMA earthquake rules and reports, CAP in and out, API keys. */
export const triggerRoutes = domainApp();
