import { domainApp } from "../lib/app";

/** The sandbox outbox and the provider webhooks (Twilio inbound SMS and status callbacks). */
export const deliveryRoutes = domainApp();
