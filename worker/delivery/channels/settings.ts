import { z } from "zod";

/**
 * How a channel stands in this environment. Each channel parses its own secrets with
 * its own zod schema: none set → "unset" (the sandbox outbox takes over outside
 * production); some set but wrong → "invalid" (deliveries fail, naming the secret).
 */
export type ProviderState<S> = { kind: "unset" } | { kind: "invalid"; field: string; message: string } | { kind: "ready"; settings: S };

export function parseProvider<S>(schema: z.ZodType<S>, raw: Record<string, string | undefined>, requiredKeys: readonly string[]): ProviderState<S> {
  if (requiredKeys.every((k) => !raw[k])) return { kind: "unset" };
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { kind: "ready", settings: parsed.data };
  const issue = parsed.error.issues[0];
  return { kind: "invalid", field: issue?.path.map(String).join(".") ?? "?", message: issue?.message ?? "invalid" };
}

/** An optional positive number given as a string var. */
export const numberVar = (def: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? def : Number(v)))
    .pipe(z.number().positive().max(max));
