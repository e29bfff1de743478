import { auditStatement } from "../audit/log";
import type { Auth } from "../auth/scope";
import * as data from "./data";
import type { Settings } from "./schemas";
import { loadSettings, settingsWrites } from "./settings";

/** Liveness and the network-wide settings (changed by network admins; the route says who). */

export async function health(db: D1Database) {
  const ok = await data.pingDatabase(db);
  return { ok, db: ok, time: new Date().toISOString() };
}

/** Changes the given settings, audited in the same batch; answers the settings now in force. */
export async function changeSettings(env: Env, auth: Auth, patch: Partial<Settings>): Promise<Settings> {
  await env.DB.batch([
    ...settingsWrites(env, patch, auth.personId),
    auditStatement(env.DB, { actorId: auth.personId, action: "settings.changed", detail: patch }),
  ]);
  return loadSettings(env);
}
