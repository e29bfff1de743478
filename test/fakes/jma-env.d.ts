/** The fake JMA feed server's origin, passed to the test worker by vitest.config.ts. */
declare namespace Cloudflare {
  interface Env {
    FAKE_JMA_URL: string;
  }
}
