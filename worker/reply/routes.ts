import { domainApp } from "../lib/app";

/** Reply pages at /r/{token} (server-rendered, no JavaScript needed) and proxy replies. */
export const replyRoutes = domainApp();
