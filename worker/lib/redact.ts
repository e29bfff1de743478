/**
 * For log lines built from error messages (a provider's "550 <someone@example.jp>
 * rejected", a phone number in an SDK error): emails and phone-like digit runs are
 * masked, so no contact detail reaches the logs.
 */
export function redact(text: string): string {
  return text.replace(/[^\s<>"'@]+@[^\s<>"'@]+\.[^\s<>"'@]+/g, "[email]").replace(/\+?\d[\d\s()-]{7,}\d/g, "[number]");
}

/** The message of an unknown error, redacted. */
export const errorText = (err: unknown): string => redact(err instanceof Error ? err.message : String(err));
