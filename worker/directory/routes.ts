import { domainApp } from "../lib/app";

/** Facilities, people, contacts, groups and memberships. */
export const directoryRoutes = domainApp();
