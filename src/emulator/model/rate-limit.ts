// Fixed-window counter per key (Plaid's sandbox /item/get limit is 40 calls per Item per minute).
import type { Clock } from './clock';

interface Window {
  startedAt: number;
  count: number;
}

export class FixedWindowLimiter {
  private readonly windows = new Map<string, Window>();

  /** `limit` 0 (or less) turns the limiter off, e.g. for throughput benchmarks. */
  constructor(private readonly limit: number, private readonly windowMs: number, private readonly clock: Clock) {}

  /** Counts one call for `key`; false when the call is over the limit. */
  allow(key: string): boolean {
    if (this.limit <= 0) return true;
    const now = this.clock.now();
    const window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.windowMs) {
      this.windows.set(key, { startedAt: now, count: 1 });
      return true;
    }
    window.count += 1;
    return window.count <= this.limit;
  }

  forget(key: string): void {
    this.windows.delete(key);
  }

  clear(): void {
    this.windows.clear();
  }
}
