import type { Auth } from "./auth/scope";

/** Secrets: set with `wrangler secret put NAME` (or `.dev.vars` locally). None is required locally. */
declare global {
  interface Env {
    APP_ENV: string;
    PUBLIC_URL: string;
    TWILIO_ACCOUNT_SID?: string;
    TWILIO_AUTH_TOKEN?: string;
    TWILIO_FROM?: string;
    TWILIO_API_BASE?: string;
    SMTP_URL?: string;
    MAIL_FROM?: string;
    VAPID_PUBLIC_KEY?: string;
    VAPID_PRIVATE_KEY?: string;
    VAPID_SUBJECT?: string;
  }
}

/** Hono generics shared by every domain app. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    auth: Auth | null;
  };
};
