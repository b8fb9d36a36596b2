// Plaid's webhook verification keys, fetched by kid from /webhook_verification_key/get and kept per config node.
import { createPublicKey, KeyObject } from 'node:crypto';
import { PlaidRequestError } from '../errors';
import { unavailable, unverified, WebhookRejection } from './rejection';

/** Resolves to the `key` member of Plaid's /webhook_verification_key/get answer (a JWK); rejects as the client does. */
export type VerificationKeyFetcher = (kid: string) => Promise<unknown>;

export interface VerificationKeyCacheOptions {
  /** A key in use is asked for again after this long, so a key Plaid has since expired stops verifying. */
  refreshAfterMs?: number;
  /** How long Plaid's "no such key" or an expired key is remembered: a burst of forgeries under one kid costs one call. */
  rejectedForMs?: number;
  /** Entries kept at most; the oldest settled ones go first. Random kids in forgeries must not grow memory. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  key: Promise<KeyObject>;
  /** The key once the fetch has succeeded: a cached key is then handed out without a promise. */
  value?: KeyObject;
  /** When the fetch ended; undefined while it is in flight (every delivery waiting on the kid shares it). */
  settledAt?: number;
  /** Whether it ended in a 401 rejection (kept for `rejectedForMs`) rather than a key. */
  rejected?: boolean;
}

const UNKNOWN_KEY_CODE = 'INVALID_WEBHOOK_VERIFICATION_KEY_ID';

export class VerificationKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshAfterMs: number;
  private readonly rejectedForMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly fetchKey: VerificationKeyFetcher, options: VerificationKeyCacheOptions = {}) {
    this.refreshAfterMs = options.refreshAfterMs ?? 60 * 60_000;
    this.rejectedForMs = options.rejectedForMs ?? 10 * 60_000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The public key for `kid`. Rejects with a WebhookRejection: 401 when Plaid does not know the kid or the key has
   * expired (the delivery is forged or stale), 503 when the key could not be had right now (Plaid should retry).
   * A failed fetch is not kept: the next delivery asks again.
   */
  get(kid: string): Promise<KeyObject> {
    const cached = this.entries.get(kid);
    if (cached && this.isFresh(cached)) return cached.key;
    const entry: Entry = { key: this.load(kid) };
    this.entries.delete(kid);
    this.entries.set(kid, entry);
    this.evictOverflow();
    entry.key.then(
      (key) => {
        entry.value = key;
        entry.settledAt = this.now();
      },
      (err: unknown) => {
        if (this.entries.get(kid) !== entry) return;
        if (err instanceof WebhookRejection && err.status === 401) {
          entry.settledAt = this.now();
          entry.rejected = true;
        } else {
          this.entries.delete(kid);
        }
      },
    );
    return entry.key;
  }

  /**
   * The key for `kid` when it is already fetched and still fresh, else undefined (then `get` fetches it). Lets a
   * verifier skip the promise, and the deadline timer around it, on every delivery but the first under a kid.
   */
  cached(kid: string): KeyObject | undefined {
    const entry = this.entries.get(kid);
    return entry?.value && this.isFresh(entry) ? entry.value : undefined;
  }

  private isFresh(entry: Entry): boolean {
    if (entry.settledAt === undefined) return true;
    return this.now() - entry.settledAt < (entry.rejected ? this.rejectedForMs : this.refreshAfterMs);
  }

  private evictOverflow(): void {
    for (const [kid, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries) return;
      if (entry.settledAt !== undefined) this.entries.delete(kid);
    }
  }

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
