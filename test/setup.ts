import { applyD1Migrations, env } from "cloudflare:test";
import { afterEach } from "vitest";
import { clock } from "../worker/lib/clock";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
afterEach(() => clock.reset());
