// Delays between attempts: exponential with full jitter, so many clients failing together do not retry in step.

export interface BackoffOptions {
  /** First delay ceiling in ms; doubled each attempt. */
  baseMs: number;
  /** Ceiling for any one computed delay. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 8000 };

/** Delay before retry number `retry` (1 = the first retry). */
export function backoffDelay(retry: number, { baseMs, capMs }: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
