import { domainApp } from "../lib/app";

/** Roll-calls: draft with preview, confirm (確定操作), state and aggregates, close, export. */
export const rollcallRoutes = domainApp();
