// The one small interface a storage backend implements (SQLite: sqlite-storage.ts; PostgreSQL: postgres-storage.ts).
// Everything else (records, encryption, status transitions, claims' meaning) is the store's logic (item-store.ts),
// so both backends behave the same by construction.
import type { ItemStatus, StoredItem } from './record';

/** A backend failure (disk full, read-only, database down...): the operation did not happen. */
export class StorageUnavailableError extends Error {
  constructor(message: string, readonly cause?: unknown) {
    super(message);
    this.name = 'StorageUnavailableError';
  }
}

/** What a dedupe claim found (see ItemStorage.claim). */
export type ClaimResult = 'claimed' | 'duplicate' | 'in_progress';

export interface ItemListFilter {
  /** Only these statuses; undefined or empty for all. */
  statuses?: readonly ItemStatus[];
}

export interface ItemStorage {
  /** Creates or migrates the schema (idempotent, safe when two instances start at once). */
  open(): Promise<void>;
  close(): Promise<void>;

  /**
   * Stores `candidate` as the store's key-check value when it has none yet (insert-if-absent, atomic) and resolves
   * to the value stored: the store checks at open that its key decrypts it, so a wrong key is reported once, clearly.
   */
  keyCheck(candidate: string): Promise<string>;

  get(itemId: string): Promise<StoredItem | undefined>;
  /** The Item whose record holds `linkToken` (the newest link token created for it). */
  findByLinkToken(linkToken: string): Promise<StoredItem | undefined>;
  list(filter: ItemListFilter): Promise<StoredItem[]>;
  /**
   * Reads the row, applies `change` and writes its result in one transaction (durable when the promise resolves):
   * `change` gets the current row (undefined when absent) and returns the new row, or undefined to leave it as it
   * is. Resolves to what is stored afterwards. `change` is synchronous and may throw: nothing is written then.
   * It may be called more than once (a shared backend calls it again with the newer row when another instance
   * created the row in between), so it must have no effect beyond its result.
   */
  update(itemId: string, change: (current: StoredItem | undefined) => StoredItem | undefined): Promise<StoredItem | undefined>;
  /** Deletes the row; resolves to whether there was one. */
  delete(itemId: string): Promise<boolean>;

  /**
   * Insert-if-absent of a dedupe key, atomically (across instances for a shared backend), as a pending claim:
   * `claimed` when this call made it; `duplicate` when a confirmed claim younger than `retentionMs` holds the key;
   * `in_progress` when a pending claim younger than `leaseMs` does (another instance is handling the delivery, or
   * died doing so: once the lease is over, the claim is taken over). Expired claims count as absent.
   */
  claim(key: string, nowMs: number, retentionMs: number, leaseMs: number): Promise<ClaimResult>;
  /** Marks a pending claim confirmed (its delivery was emitted), from `nowMs` on; nothing when there is none. */
  confirm(key: string, nowMs: number): Promise<void>;
  /** Forgets a claim (its delivery was answered 503 after all). */
  release(key: string): Promise<void>;
  /** Deletes claims older than `retentionMs`. */
  pruneClaims(nowMs: number, retentionMs: number): Promise<void>;
}
