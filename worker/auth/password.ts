import { jaEn, type Bilingual } from "../lib/errors";
import { scrypt as scryptCb, randomBytes, timingSafeEqual } from "node:crypto";
import type { Settings } from "../system/settings";
import { COMMON_PASSWORDS } from "./common-passwords";

/**
 * scrypt through node:crypto, which workerd runs natively. N=2^14, r=8, p=5 is one
 * of OWASP's equal-cost scrypt settings and needs 16 MiB, well under the Worker's
 * 128 MB (N=2^17 would not fit). WebCrypto PBKDF2 is capped at 100,000 iterations
 * on Cloudflare, too weak to be worth it. Parameters are stored with each hash so
 * they can be raised later; `npm run bench` measures the cost.
 */
const PARAMS = { N: 1 << 14, r: 8, p: 5, keylen: 32 };

function scrypt(password: string, salt: Buffer, p = PARAMS): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize("NFKC"), salt, p.keylen, { N: p.N, r: p.r, p: p.p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  // An account without a password still costs one hash, so timing tells nothing.
  const parts = (stored ?? DUMMY_HASH).split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64");
  const key = await scrypt(password, Buffer.from(salt, "base64"), { N: Number(n), r: Number(r), p: Number(p), keylen: expected.length });
  return stored !== null && timingSafeEqual(key, expected);
}

const DUMMY_HASH = `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;

/** Returns the reason a new password is refused, or null. */
export function passwordProblem(password: string, s: Settings, context: string[] = []): Bilingual | null {
  if (password.length < s.passwordMinLength) return jaEn(`${s.passwordMinLength}文字以上にしてください。`, `At least ${s.passwordMinLength} characters.`);
  if (password.length > 128) return jaEn("128文字までにしてください。", "At most 128 characters.");
  if (s.passwordRequireLettersAndDigits && !(/[A-Za-z]/.test(password) && /[0-9]/.test(password)))
    return jaEn("英字と数字をまぜてください。", "Mix letters and digits.");
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return jaEn("よく使われるパスワードです。別のものにしてください。", "This password is too common.");
  if (context.some((c) => c.length >= 4 && lower.includes(c.toLowerCase())))
    return jaEn("名前やメールアドレスをパスワードに入れないでください。", "Do not use your name or email in the password.");
  return null;
}

/** Whether the password must be changed now (policy §6: within 60 days by default). */
export function passwordExpired(changedAt: number | null, totpEnabled: boolean, s: Settings, now: number): boolean {
  if (s.passwordMaxAgeDays === 0) return false;
  if (totpEnabled && s.passwordRotationOffWithMfa) return false;
  if (changedAt === null) return true;
  return now - changedAt > s.passwordMaxAgeDays * 86_400_000;
}
