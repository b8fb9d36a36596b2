// A token bucket: at most `burst` at once, refilled at `perMinute`. Limits how often forged deliveries, each naming a
// kid never seen, can make the node call Plaid.

export interface TokenBucketOptions {
  perMinute: number;
  burst: number;
  now?: () => number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenBucketOptions) {
    this.now = options.now ?? Date.now;
    this.tokens = options.burst;
    this.updatedAt = this.now();
  }

  /** Takes a token if there is one. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.options.burst, this.tokens + ((now - this.updatedAt) * this.options.perMinute) / 60_000);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
