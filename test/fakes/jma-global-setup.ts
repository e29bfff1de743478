/** vitest globalSetup (Node): starts the fake JMA feed server; its address reaches the worker as FAKE_JMA_URL. */
import type { TestProject } from "vitest/node";
import { startJmaFake } from "./jma";

declare module "vitest" {
  export interface ProvidedContext {
    fakeJmaUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const jma = await startJmaFake();
  project.provide("fakeJmaUrl", jma.url);
  return async () => {
    jma.server.closeAllConnections();
    await new Promise<void>((r) => jma.server.close(() => r()));
  };
}
