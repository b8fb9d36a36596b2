// Plaid's webhook verification keys, fetched by kid from /webhook_verification_key/get and kept per config node.
import { createHash, createPublicKey, KeyObject } from 'node:crypto';
import { PlaidRequestError } from '../errors';
import { unavailable, unverified, WebhookRejection } from './rejection';
import { TokenBucket } from './token-bucket';

/** Resolves to the `key` member of Plaid's /webhook_verification_key/get answer (a JWK); rejects as the client does. */
export type VerificationKeyFetcher = (kid: string) => Promise<unknown>;

export interface VerificationKeyCacheOptions {
  /** A key in use is asked for again after this long, so a key Plaid has since expired stops verifying. */
  refreshAfterMs?: number;
  /** How long Plaid's "no such key" or an expired key is remembered: a burst of forgeries under one kid costs one call. */
  rejectedForMs?: number;
  /** Entries kept at most; the oldest settled ones that never verified a delivery go first. */
  maxEntries?: number;
  /** Fetches per minute at most, after a burst of `fetchBurst`: forgeries naming new kids cannot make many calls. */
  fetchesPerMinute?: number;
  fetchBurst?: number;
  /**
   * A reserve, beyond `fetchesPerMinute`, for kids asked again after the limit refused them (Plaid retries a delivery
   * answered 503): forgeries that each name a new kid use up the limit, never the reserve.
   */
  retryFetchesPerMinute?: number;
  retryFetchBurst?: number;
  /** How many refused kids are remembered (oldest forgotten first), and for how long. */
  refusedKidsKept?: number;
  refusedKidsForMs?: number;
  /** After a failed fetch (429, 5xx, network), no fetch for this long, doubling per failure in a row up to the max. */
  failedForMs?: number;
  maxFailedForMs?: number;
  now?: () => number;
}

interface Entry {
  /** The fetch in flight, shared by every delivery waiting on the kid. */
  pending?: Promise<KeyObject>;
  /** The key, once fetched: then handed out without a promise. */
  key?: KeyObject;
  /** Plaid's answer that the kid is unknown or its key expired (a 401), remembered for `rejectedForMs`. */
  rejection?: WebhookRejection;
  /** When the key or the rejection came. */
  fetchedAt: number;
  /** The key verified a delivery: it is never evicted to make room. */
  pinned: boolean;
}

const UNKNOWN_KEY_CODE = 'INVALID_WEBHOOK_VERIFICATION_KEY_ID';

/**
 * Plaid's verification keys by kid, for one config node. Every fetch costs an authenticated call to Plaid, and a
 * forged delivery needs no key to name a new kid, so: fetches are rate-limited (a delivery that meets the limit is
 * answered 503, and Plaid's retry is only delayed, with a reserve for kids asked again); after a failed fetch Plaid is not asked again for a while, and a
 * key due for a refresh is served as it is meanwhile; keys that verified a delivery are never evicted by unknown kids.
 */
export class VerificationKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshAfterMs: number;
  private readonly rejectedForMs: number;
  private readonly maxEntries: number;
  private readonly failedForMs: number;
  private readonly maxFailedForMs: number;
  private readonly fetches: TokenBucket;
  private readonly retryFetches: TokenBucket;
  /** Kids the rate limit refused (a digest of each, bounded), with when: their next ask may draw on the reserve. */
  private readonly refusedKids = new Map<string, number>();
  private readonly refusedKidsKept: number;
  private readonly refusedKidsForMs: number;
  private readonly now: () => number;
  /** Failed fetches in a row, and until when none is tried. */
  private failures = 0;
  private failingUntil = 0;

  constructor(private readonly fetchKey: VerificationKeyFetcher, options: VerificationKeyCacheOptions = {}) {
    this.refreshAfterMs = options.refreshAfterMs ?? 60 * 60_000;
    this.rejectedForMs = options.rejectedForMs ?? 10 * 60_000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.failedForMs = options.failedForMs ?? 1_000;
    this.maxFailedForMs = options.maxFailedForMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.fetches = new TokenBucket({ perMinute: options.fetchesPerMinute ?? 10, burst: options.fetchBurst ?? 5, now: this.now });
    this.retryFetches = new TokenBucket({ perMinute: options.retryFetchesPerMinute ?? 2, burst: options.retryFetchBurst ?? 2, now: this.now });
    this.refusedKidsKept = options.refusedKidsKept ?? 10_000;
    // Plaid retries 30 s after a failed attempt, then 2 min, 8 min, 32 min... after it.
    this.refusedKidsForMs = options.refusedKidsForMs ?? 60 * 60_000;
  }

  /**
   * The public key for `kid`. Rejects with a WebhookRejection: 401 when Plaid does not know the kid or the key has
   * expired (the delivery is forged or stale), 503 when the key cannot be had right now (Plaid should retry).
   */
  get(kid: string): Promise<KeyObject> {
    const entry = this.entries.get(kid);
    if (entry?.pending) return entry.pending;
    if (entry?.key && this.now() - entry.fetchedAt < this.refreshAfterMs) return Promise.resolve(entry.key);
    if (entry?.rejection && this.now() - entry.fetchedAt < this.rejectedForMs) return Promise.reject(entry.rejection);
    const refusal = this.fetchRefusal(kid);
    if (refusal) return entry?.key ? Promise.resolve(entry.key) : Promise.reject(refusal);
    return this.fetch(kid, entry);
  }

  /**
   * The key for `kid` when it is already fetched and still fresh, else undefined (then `get` fetches it). Lets a
   * verifier skip the promise, and the deadline timer around it, on every delivery but the first under a kid.
   */
  cached(kid: string): KeyObject | undefined {
    const entry = this.entries.get(kid);
    return entry?.key && this.now() - entry.fetchedAt < this.refreshAfterMs ? entry.key : undefined;
  }

  /** The key for `kid` verified a delivery: it stays, whatever other kids come. */
  pin(kid: string): void {
    const entry = this.entries.get(kid);
    if (entry?.key) entry.pinned = true;
  }

  /**
   * Why no fetch of `kid` may be made now (Plaid failing, or the rate limit met), else undefined; takes a token if it
   * may. A steady trickle of forged kids can keep the bucket empty, so a kid the limit refused is remembered, and
   * when it is asked again (Plaid's retry) it may use the reserve, which a forgery naming a new kid never reaches.
   */
  private fetchRefusal(kid: string): WebhookRejection | undefined {
    const waitMs = this.failingUntil - this.now();
    if (waitMs > 0) {
      return unavailable(`Plaid's verification key endpoint failed ${this.failures} time(s) in a row; not asked again for ${Math.ceil(waitMs / 1000)} s`);
    }
    const digest = createHash('sha256').update(kid).digest('base64').slice(0, 16);
    const refusedAt = this.refusedKids.get(digest);
    const askedAgain = refusedAt !== undefined && this.now() - refusedAt < this.refusedKidsForMs;
    if (this.fetches.take() || (askedAgain && this.retryFetches.take())) {
      this.refusedKids.delete(digest);
      return undefined;
    }
    if (!askedAgain) this.rememberRefused(digest);
    return unavailable('verification keys are being asked for too often (a burst of unknown kids); not asked now');
  }

  private rememberRefused(digest: string): void {
    this.refusedKids.delete(digest);
    this.refusedKids.set(digest, this.now());
    for (const oldest of this.refusedKids.keys()) {
      if (this.refusedKids.size <= this.refusedKidsKept) break;
      this.refusedKids.delete(oldest);
    }
  }

  private fetch(kid: string, existing: Entry | undefined): Promise<KeyObject> {
    const entry: Entry = existing ?? { fetchedAt: 0, pinned: false };
    if (!existing) this.add(kid, entry);
    const pending = this.load(kid).then(
      (key) => {
        this.failures = 0;
        Object.assign(entry, { pending: undefined, key, rejection: undefined, fetchedAt: this.now() });
        return key;
      },
      (err: unknown) => {
        entry.pending = undefined;
        if (err instanceof WebhookRejection && err.status === 401) {
          this.failures = 0;
          Object.assign(entry, { key: undefined, rejection: err, fetchedAt: this.now(), pinned: false });
          throw err;
        }
        this.failures++;
        this.failingUntil = this.now() + Math.min(this.maxFailedForMs, this.failedForMs * 2 ** (this.failures - 1));
        // A key that is only due for a refresh still verifies until Plaid can be asked again.
        if (entry.key) return entry.key;
        if (this.entries.get(kid) === entry) this.entries.delete(kid);
        throw err;
      },
    );
    entry.pending = pending;
    return pending;
  }

  /** Adds `entry`, then evicts the oldest settled entries that are not pinned while there are too many. */
  private add(kid: string, entry: Entry): void {
    this.entries.set(kid, entry);
    for (const [oldKid, old] of this.entries) {
      if (this.entries.size <= this.maxEntries) return;
      if (!old.pinned && !old.pending && old !== entry) this.entries.delete(oldKid);
    }
  }

  /** One fetch; every failure as a WebhookRejection (401: Plaid knows no such key; 503: could not be had now). */
  private async load(kid: string): Promise<KeyObject> {
    let jwk: unknown;
    try {
      jwk = await this.fetchKey(kid);
    } catch (err) {
      if (err instanceof PlaidRequestError && err.plaidError?.error_code === UNKNOWN_KEY_CODE) {
        throw unverified(`Plaid knows no verification key ${kid}`);
      }
      throw unavailable(`verification key ${kid} could not be fetched: ${(err as Error).message}`);
    }
    return publicKeyFrom(kid, jwk);
  }
}

/** Plaid's JWK as a Node key, once it is known to be a current P-256 key for this kid. */
function publicKeyFrom(kid: string, jwk: unknown): KeyObject {
  const key = (typeof jwk === 'object' && jwk !== null ? jwk : {}) as Record<string, unknown>;
  if (key.expired_at !== null && key.expired_at !== undefined) throw unverified(`verification key ${kid} has expired`);
  const { kty, crv, x, y } = key;
  const usable =
    kty === 'EC' && crv === 'P-256' && typeof x === 'string' && typeof y === 'string' &&
    (key.alg === undefined || key.alg === 'ES256') && (key.kid === undefined || key.kid === kid);
  if (!usable) throw unavailable(`Plaid answered an unusable verification key for ${kid}`);
  try {
    // Only the key material: Node's JWK import has no use for Plaid's created_at/expired_at members.
    return createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' });
  } catch {
    throw unavailable(`Plaid answered an unusable verification key for ${kid}`);
  }
}
