/**
 * vitest globalSetup (runs in Node): starts the provider fakes on 127.0.0.1 random
 * ports and provides their addresses; vitest.config.ts passes them to the worker as
 * the FAKE_* bindings. Tests inside workerd reach them over 127.0.0.1.
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

export default async function setup(project: TestProject) {
  const [twilio, push, smtp] = await Promise.all([startTwilioFake(), startPushFake(), startSmtpFake()]);
  project.provide("fakeTwilioUrl", twilio.url);
  project.provide("fakePushUrl", push.url);
  project.provide("fakeSmtpPort", smtp.port);
  project.provide("fakeSmtpControlUrl", smtp.controlUrl);
  return async () => {
    twilio.server.closeAllConnections();
    push.server.closeAllConnections();
    const close = (s: { close(cb?: () => void): void }) => new Promise<void>((r) => s.close(() => r()));
    await Promise.all([close(twilio.server), close(push.server), ...smtp.servers.map(close)]);
  };
}
