import { z } from "@hono/zod-openapi";

/**
 * Runtime settings kept in D1 and changed by the network admin. Defaults come from
 * the network's policy (§6): 8+ characters mixing letters and digits, changed within 60 days.
 */
export const SettingsSchema = z.object({
  /**
   * The network's short name as people know it (「小金井市医師会」): every SMS and push names
   * it before the link, so a message is not taken for phishing (スミッシング). Empty: 「安否確認」.
   */
  networkName: z.string().trim().max(20),
  /** What one SMS segment costs, in yen, for the preview's estimate (Twilio's price for Japan). */
  smsYenPerSegment: z.number().min(0).max(1000),
  passwordMinLength: z.number().int().min(8).max(128),
  passwordRequireLettersAndDigits: z.boolean(),
  passwordMaxAgeDays: z.number().int().min(0).max(3650),
  passwordRotationOffWithMfa: z.boolean(),
  mfaRequiredForAdmins: z.boolean(),
  sessionIdleMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  sessionAbsoluteHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30),
  /** Wrong passwords from one address for one account before that pair is locked. */
  loginMaxFailuresPerAccountAndAddress: z.number().int().min(1).max(100),
  /** Wrong passwords from one address (any accounts) before the address is locked. */
  loginMaxFailuresPerAddress: z.number().int().min(1).max(10_000),
  loginLockMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  /** Failures across the whole account (any address) after which sign-in slows down; the account is never locked by them. */
  loginSlowAfterAccountFailures: z.number().int().min(1).max(1_000),
  /** Failures across the whole account after which the person is told by email. */
  loginNotifyAfterAccountFailures: z.number().int().min(1).max(1_000),
  /** Country calling codes besides Japan's (81) allowed for mobiles, e.g. ["63", "84"]. Empty: Japanese mobiles only. */
  mobileExtraCountryCodes: z.array(z.string().regex(/^[1-9][0-9]{0,2}$/)).max(50),
  /** Verification codes by SMS per account per day. */
  verificationCodesPerAccountPerDay: z.number().int().min(1).max(100),
  /** Verification codes by SMS per destination number per day. */
  verificationCodesPerNumberPerDay: z.number().int().min(1).max(100),
  /** Verification SMS the whole network sends per day; at the ceiling no more go out and the network admins are alerted. */
  verificationSmsDailyCeiling: z.number().int().min(1).max(1_000_000),
});
export type Settings = z.infer<typeof SettingsSchema>;
