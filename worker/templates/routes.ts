import { domainApp } from "../lib/app";

/** Message templates: the files in templates/ and admin copies in D1. */
export const templateRoutes = domainApp();
