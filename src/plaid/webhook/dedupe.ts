// Plaid re-delivers, and its payloads carry no event id: the SHA-256 of the raw body is the delivery's identity.
// The seen-set lives in a key-value store (Node-RED context, so instances sharing a context store share it), split
// into one bucket per hour: a lookup reads the window's buckets at once, a record writes only the current one, and a
// bucket older than the window is deleted whole. It knows bytes only: the same body twice within the window is one
// delivery, even when another delivery for its Item came in between (the Item store's claims tell those apart).
import type { DeliveryRecorder } from './recorder';

/** The store the seen-set lives in: a node's context in one of Node-RED's context stores. */
export interface SeenStore {
  /** Values of `keys`, in order (undefined where absent). */
  get(keys: string[]): Promise<unknown[]>;
  /** Setting undefined deletes the key. */
  set(key: string, value: unknown): Promise<void>;
  keys(): Promise<string[]>;
}

export interface DeduperOptions {
  /** How long an accepted body stays a duplicate (Plaid retries for 24 h). */
  windowHours?: number;
  /** Hashes recorded per hour at most; past it deliveries are still accepted, just not remembered. */
  maxPerHour?: number;
  now?: () => number;
}

export interface ClaimOutcome {
  /** The body was accepted within the window already: answer 200, emit nothing. */
  duplicate: boolean;
  /** False when a new body could not be remembered (the hour's bucket is full). */
  recorded: boolean;
}

interface Bucket {
  count: number;
  hashes: Record<string, 1>;
}

const HOUR_MS = 3_600_000;
const BUCKET_PREFIX = 'plaid-webhook-seen-';
const bucketKey = (hour: number): string => `${BUCKET_PREFIX}${hour}`;

function isBucket(value: unknown): value is Bucket {
  const bucket = value as Bucket | null | undefined;
  return typeof bucket?.count === 'number' && typeof bucket.hashes === 'object' && bucket.hashes !== null;
}

export class DeliveryDeduper {
  private readonly windowHours: number;
  private readonly maxPerHour: number;
  private readonly now: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  private prunedHour?: number;

  constructor(private readonly store: SeenStore, options: DeduperOptions = {}) {
    this.windowHours = options.windowHours ?? 24;
    this.maxPerHour = options.maxPerHour ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Whether `sha256` was accepted within the window; records it when not. Claims run one after another, so two
   * identical deliveries arriving together are one first and one duplicate. (Across Node-RED instances sharing a
   * store the context API offers no compare-and-set: there two simultaneous copies can both pass.)
   */
  claim(sha256: string): Promise<ClaimOutcome> {
    const outcome = this.queue.then(() => this.checkAndRecord(sha256));
    this.queue = outcome.catch(() => undefined);
    return outcome;
  }

  /**
   * Forgets a claim: the delivery it recorded was not acknowledged after all (answered 503), so Plaid's retry of it
   * must not be taken for a duplicate. Runs in the same queue as claims.
   */
  release(sha256: string): Promise<void> {
    const outcome = this.queue.then(() => this.forget(sha256));
    this.queue = outcome.catch(() => undefined);
    return outcome;
  }

  private async forget(sha256: string): Promise<void> {
    const hour = Math.floor(this.now() / HOUR_MS);
    const keys: string[] = [];
    for (let h = hour - this.windowHours; h <= hour; h++) keys.push(bucketKey(h));
    const buckets = await this.store.get(keys);
    for (let i = 0; i < keys.length; i++) {
      const bucket = buckets[i];
      if (!isBucket(bucket) || !Object.hasOwn(bucket.hashes, sha256)) continue;
      delete bucket.hashes[sha256];
      bucket.count--;
      await this.store.set(keys[i], bucket);
    }
  }

  private async checkAndRecord(sha256: string): Promise<ClaimOutcome> {
    const hour = Math.floor(this.now() / HOUR_MS);
    const keys: string[] = [];
    for (let h = hour - this.windowHours; h <= hour; h++) keys.push(bucketKey(h));
    const buckets = await this.store.get(keys);
    if (buckets.some((bucket) => isBucket(bucket) && Object.hasOwn(bucket.hashes, sha256))) {
      return { duplicate: true, recorded: false };
    }
    const latest = buckets[buckets.length - 1];
    const current: Bucket = isBucket(latest) ? latest : { count: 0, hashes: {} };
    if (current.count >= this.maxPerHour) return { duplicate: false, recorded: false };
    // The memory store hands back its own object: undo on a failed write, or a delivery answered 503 would be
    // remembered, and Plaid's retry of it taken for a duplicate.
    current.hashes[sha256] = 1;
    current.count++;
    try {
      await this.store.set(bucketKey(hour), current);
    } catch (err) {
      delete current.hashes[sha256];
      current.count--;
      throw err;
    }
    if (this.prunedHour !== hour) await this.prune(hour);
    return { duplicate: false, recorded: true };
  }

  /** Deletes buckets that have left the window; once an hour, and a failure only delays it. */
  private async prune(hour: number): Promise<void> {
    try {
      const oldest = hour - this.windowHours;
      for (const key of await this.store.keys()) {
        if (key.startsWith(BUCKET_PREFIX) && Number(key.slice(BUCKET_PREFIX.length)) < oldest) await this.store.set(key, undefined);
      }
      this.prunedHour = hour;
    } catch {
      // The next claim tries again; stale buckets cost memory, not correctness.
    }
  }
}

/** The seen-set as the receiver's recorder: a body is remembered as it is claimed, so there is nothing to confirm. */
export function seenSetRecorder(deduper: DeliveryDeduper, now: () => number = Date.now): DeliveryRecorder {
  return {
    async record(delivery) {
      const claim = await deduper.claim(delivery.bodySha256);
      return {
        duplicate: claim.duplicate,
        remembered: claim.duplicate || claim.recorded,
        claimKey: claim.recorded ? delivery.bodySha256 : null,
        deliveryId: null,
        receivedAt: new Date(now()).toISOString(),
      };
    },
    confirm: () => Promise.resolve(),
    release: (recording) => (recording.claimKey === null ? Promise.resolve() : deduper.release(recording.claimKey)),
  };
}
