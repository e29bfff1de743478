import { clock } from "../lib/clock";
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
  const stored = await data.storedSettings(env.DB);
  const merged = { ...defaultSettings(env), ...stored };
  const parsed = SettingsSchema.safeParse(merged);
  return parsed.success ? parsed.data : defaultSettings(env);
}

/** Writes the given keys; returns the statements so the caller can batch them with its audit entry. */
export function settingsWrites(env: Env, patch: Partial<Settings>, actorId: number): D1PreparedStatement[] {
  const at = clock.now();
  return Object.entries(patch).map(([key, value]) => data.writeSetting(env.DB, key, value, at, actorId));
}
