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

/**
 * The backend refuses the database as it is (a file that is empty, not SQLite, damaged or not an Item store; a
 * schema newer than this package): trying again cannot help, an operator must restore it or point elsewhere.
 */
export class StorageRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageRefusedError';
  }
}

/** What a claim found (see ItemStorage.claim). */
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
  /** How many rows have each status; statuses no row has may be left out. Reads no row (a scrape asks every few s). */
  countByStatus(): Promise<Partial<Record<ItemStatus, number>>>;
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
   * Claims: the store's one mechanism for work that must happen once across every instance sharing the store (a
   * webhook delivery emitted once, a sweep run by one instance at a time, a reminder or a replay sent once).
   * Insert-if-absent of `key`, atomically (across instances for a shared backend), as a claim pending for
   * `holder` until `nowMs + leaseMs`: `claimed` when this call made it; `in_progress` when a pending claim holds
   * the key (the same holder's included: a second copy of one piece of work is not started twice); `duplicate`
   * when a confirmed one does. An expired claim counts as absent, so the work of a holder that died is taken over
   * once its lease is over.
   */
  claim(key: string, holder: string, nowMs: number, leaseMs: number): Promise<ClaimResult>;
  /** Extends `holder`'s pending claim to `nowMs + leaseMs`; false when it holds none any more (expired, taken over). */
  renew(key: string, holder: string, nowMs: number, leaseMs: number): Promise<boolean>;
  /**
   * Marks `holder`'s pending claim confirmed (its work is done) until `nowMs + retentionMs`, during which a claim of
   * the key finds `duplicate`; false when it holds none (its lease ran out and another took the work over).
   */
  confirm(key: string, holder: string, nowMs: number, retentionMs: number): Promise<boolean>;
  /** Forgets `holder`'s claim (the work was given up, e.g. a delivery answered 503 after all, or a sweep ended). */
  release(key: string, holder: string): Promise<void>;
  /** Deletes the claims that expired by `nowMs`. */
  pruneClaims(nowMs: number): Promise<void>;
}
