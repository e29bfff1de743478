/** Addresses of the provider fakes, passed to the test worker by vitest.config.ts. */
declare namespace Cloudflare {
  interface Env {
    FAKE_TWILIO_URL: string;
    FAKE_PUSH_URL: string;
    FAKE_SMTP_PORT: string;
    FAKE_SMTP_CONTROL_URL: string;
  }
}
