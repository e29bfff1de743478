/**
 * vitest globalSetup (runs in Node): starts the provider fakes on 127.0.0.1 random
 * ports and provides their addresses; vitest.config.ts passes them to the worker as
 * the FAKE_* bindings. Tests inside workerd reach them over 127.0.0.1.
 * `startFakes()` is exported for runs outside vitest (benchmarks against `wrangler dev`).
 */
import type { TestProject } from "vitest/node";
import { startPushFake } from "./push";
import { startSmtpFake } from "./smtp";
import { startTwilioFake } from "./twilio";

declare module "vitest" {
  export interface ProvidedContext {
    fakeTwilioUrl: string;
    fakePushUrl: string;
    fakeSmtpPort: number;
    fakeSmtpControlUrl: string;
  }
}

export interface Fakes {
  twilioUrl: string;
  pushUrl: string;
  smtpPort: number;
  smtpControlUrl: string;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const [twilio, push, smtp] = await Promise.all([startTwilioFake(), startPushFake(), startSmtpFake()]);
  return {
    twilioUrl: twilio.url,
    pushUrl: push.url,
    smtpPort: smtp.port,
    smtpControlUrl: smtp.controlUrl,
    async close() {
      twilio.server.closeAllConnections();
      push.server.closeAllConnections();
      const close = (s: { close(cb?: () => void): void }) => new Promise<void>((r) => s.close(() => r()));
      await Promise.all([close(twilio.server), close(push.server), ...smtp.servers.map(close)]);
    },
  };
}

export default async function setup(project: TestProject) {
  const fakes = await startFakes();
  project.provide("fakeTwilioUrl", fakes.twilioUrl);
  project.provide("fakePushUrl", fakes.pushUrl);
  project.provide("fakeSmtpPort", fakes.smtpPort);
  project.provide("fakeSmtpControlUrl", fakes.smtpControlUrl);
  return () => fakes.close();
}
