import { Secret, TOTP } from "otpauth";

/** RFC 6238 TOTP (30 s, 6 digits, SHA-1: what every authenticator app reads). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secret: string, label: string) {
  return new TOTP({ issuer: "安否確認", label, secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
}

export function totpUri(secret: string, label: string): string {
  return totp(secret, label).toString();
}

/** The time step a code matches (±1 step of drift), or null. */
export function matchTotp(secret: string, code: string, now: number): number | null {
  const clean = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(clean)) return null;
  const delta = totp(secret, "x").validate({ token: clean, timestamp: now, window: 1 });
  if (delta === null) return null;
  return Math.floor(now / 30_000) + delta;
}

/** The current code (used by tests and by nothing in production). */
export function currentTotp(secret: string, now: number): string {
  return totp(secret, "x").generate({ timestamp: now });
}
