/** Retry timing of the delivery queue. Queues cap a delay at 12 hours. */
export const MAX_DELAY_SECONDS = 43_200;
const BASE_SECONDS = 10;
const CAP_SECONDS = 600;

/** Exponential backoff by the queue's attempt count (1 = first delivery): 10 s, 20 s, 40 s … capped at 10 min. */
export function backoffSeconds(attempt: number): number {
  return Math.min(CAP_SECONDS, BASE_SECONDS * 2 ** Math.max(0, attempt - 1));
}

/** The delay of a retry: the provider's Retry-After when it gave one, else the backoff. */
export function retryDelaySeconds(attempt: number, retryAfterMs?: number): number {
  const s = retryAfterMs !== undefined ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : backoffSeconds(attempt);
  return Math.min(MAX_DELAY_SECONDS, s);
}
