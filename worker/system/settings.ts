import { clock } from "../lib/clock";
import { deepFreeze } from "../lib/freeze";
import * as data from "./data";
import { SettingsSchema, type Settings } from "./schemas";

/** Runtime settings (schema in schemas.ts, for the admin UI): their defaults, reading and writing. */
export { SettingsSchema, type Settings } from "./schemas";

export function defaultSettings(env: Pick<Env, "APP_ENV">): Settings {
  return {
    networkName: "",
    smsYenPerSegment: 10,
    passwordMinLength: 8,
    passwordRequireLettersAndDigits: true,
    passwordMaxAgeDays: 60,
    passwordRotationOffWithMfa: false,
    // Off only in the local demo, so the demo sign-ins work at once.
    mfaRequiredForAdmins: env.APP_ENV !== "local",
    sessionIdleMinutes: 30,
    sessionAbsoluteHours: 12,
    loginMaxFailuresPerAccountAndAddress: 5,
    loginMaxFailuresPerAddress: 50,
    loginLockMinutes: 15,
    loginSlowAfterAccountFailures: 5,
    loginNotifyAfterAccountFailures: 10,
    mobileExtraCountryCodes: [],
    verificationCodesPerAccountPerDay: 10,
    verificationCodesPerNumberPerDay: 5,
    verificationSmsDailyCeiling: 500,
  };
}

/** The settings as in force: the stored values over the network's defaults; a stored set that no longer parses falls back to the defaults. */
export async function loadSettings(env: Env): Promise<Settings> {
  return settingsFromRows(env, (await settingsStatement(env).all()).results);
}

/** The settings read as a statement, for a caller that batches it with its own read; `settingsFromRows` reads its rows. */
export const settingsStatement = (env: Env): D1PreparedStatement => data.storedSettingsStatement(env.DB);

/** The settings from their stored rows. The same rows as the last call's (settings seldom change) give the same frozen settings, not parsed again. */
export function settingsFromRows(env: Env, rows: unknown[]): Settings {
  const key = `${env.APP_ENV}\n${JSON.stringify(rows)}`;
  if (lastParsed?.key !== key) lastParsed = { key, settings: deepFreeze(settingsOf(env, data.toStoredSettings(rows as data.SettingRow[]))) };
  return lastParsed.settings;
}

let lastParsed: { key: string; settings: Settings } | null = null;

function settingsOf(env: Pick<Env, "APP_ENV">, stored: Record<string, unknown>): Settings {
  const parsed = SettingsSchema.safeParse({ ...defaultSettings(env), ...stored });
  return parsed.success ? parsed.data : defaultSettings(env);
}

/** Writes the given keys; returns the statements so the caller can batch them with its audit entry. */
export function settingsWrites(env: Env, patch: Partial<Settings>, actorId: number): D1PreparedStatement[] {
  const at = clock.now();
  return Object.entries(patch).map(([key, value]) => data.writeSetting(env.DB, key, value, at, actorId));
}
