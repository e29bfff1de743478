import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // Provider secrets stay unset: the default test worker delivers to the sandbox outbox.
        // Tests that want a real provider pass these fake addresses in an env override
        // (see test/fakes/client.ts); nothing here reaches the internet.
        bindings: {
          APP_ENV: "test",
          PUBLIC_URL: "https://anpi.example.org",
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url))),
          FAKE_TWILIO_URL: inject("fakeTwilioUrl"),
          FAKE_PUSH_URL: inject("fakePushUrl"),
          FAKE_SMTP_PORT: String(inject("fakeSmtpPort")),
          FAKE_SMTP_CONTROL_URL: inject("fakeSmtpControlUrl"),
          FAKE_JMA_URL: inject("fakeJmaUrl"),
        },
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.ts", "worker/**/*.test.ts"],
    globalSetup: ["./test/fakes/global-setup.ts", "./test/fakes/jma-global-setup.ts"],
    setupFiles: ["./test/setup.ts"],
    testTimeout: 30_000,
  },
});
