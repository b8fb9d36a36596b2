// The one small interface a storage backend implements (SQLite: sqlite-storage.ts; PostgreSQL: postgres-storage.ts).
// Everything else (records, encryption, status transitions, claims' meaning) is the store's logic (item-store.ts),
// so both backends behave the same by construction.
import type { DeliveryFilter, DeliveryListing, DeliveryRow, DeliverySummaryRow } from './delivery-record';
import type { ItemStatus, StoredItem } from './record';
import type { RepairCase, RepairCaseFilter } from './repair-case';

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

/** A store (its file, or its database as it may be shown) that holds Items but no key check: see ItemStorage.keyCheck. */
export function withoutKeyCheck(store: string, items: number): StorageRefusedError {
  return new StorageRefusedError(
    `${store} holds ${items} ${items === 1 ? 'Item' : 'Items'} but no key check: the value that proves which key wrote them was deleted, ` +
      'so any key would be let in; restore it from a backup (README: Backup and restore); nothing was written to it',
  );
}

/** What a claim found (see ItemStorage.claim). */
export type ClaimResult = 'claimed' | 'duplicate' | 'in_progress';

/** One row's change for ItemStorage.updateMany: as `update`'s `change`. */
export interface ItemChange {
  itemId: string;
  change: (current: StoredItem | undefined) => StoredItem | undefined;
}

/** What one claim of a batch found (see ItemStorage.claimBatch): `recorded` for a log entry without a claim. */
export type BatchResult = ClaimResult | 'recorded';

/** One claim of a batch, with the log entry that goes with it. */
export interface BatchClaim {
  /** The claim's key; null for a log entry alone (de-duplication off). */
  key: string | null;
  /**
   * Claims of one scope remember their newest work only: a claim made in the scope deletes the scope's claims of
   * other keys, pending or confirmed (a webhook delivery's scope is its Item: a delivery is a duplicate only while
   * no other delivery for the Item came since). Null for none.
   */
  scope: string | null;
  leaseMs: number;
  /** Written when the claim is `claimed` or there is none (outcome `emitted`), or `duplicate` (outcome `duplicate`). */
  delivery: DeliveryRow | null;
}

/** One round trip's work: the holder's confirmations first, then the claims in order. */
export interface ClaimBatch {
  confirms: ReadonlyArray<{ key: string; retentionMs: number }>;
  claims: readonly BatchClaim[];
}

export interface DeliveryPruneRule {
  node: string;
  beforeMs: number;
  othersBeforeMs: number;
  /** The nodes that prune their own rows (this one included). */
  running: readonly string[];
}

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
   * A store that has no key check but holds Items is refused (StorageRefusedError): its check was deleted, and a new
   * one would let any key in.
   */
  keyCheck(candidate: string): Promise<string>;
  /** Replaces the key-check value with `next` if it is still `expected` (compare-and-set); true when it did. */
  replaceKeyCheck(expected: string, next: string): Promise<boolean>;

  get(itemId: string): Promise<StoredItem | undefined>;
  /** The Item whose record holds `linkToken` (the newest link token created for it). */
  findByLinkToken(linkToken: string): Promise<StoredItem | undefined>;
  list(filter: ItemListFilter): Promise<StoredItem[]>;
  /**
   * Every Item's token envelope (the Items without a token left out), without the records: what a key count needs,
   * read at every open, so it stays cheap for a store of many Items.
   */
  listEnvelopes(): Promise<Array<{ itemId: string; tokenCiphertext: string }>>;
  /** How many rows have each status; statuses no row has may be left out. Reads no row (a scrape asks every few s). */
  countByStatus(): Promise<Partial<Record<ItemStatus, number>>>;
  /**
   * The oldest last check among the Items not removed: each Item's record's `checked_at`, its `created_at` while it
   * was never checked (ISO 8601, as stored); undefined when there is no such Item. One aggregate read, as countByStatus.
   */
  oldestCheck(): Promise<string | undefined>;
  /**
   * Reads the row, applies `change` and writes its result in one transaction (durable when the promise resolves):
   * `change` gets the current row (undefined when absent) and returns the new row, or undefined to leave it as it
   * is. Resolves to what is stored afterwards. `change` is synchronous and may throw: nothing is written then.
   * It may be called more than once (a shared backend calls it again with the newer row when another instance
   * created the row in between), so it must have no effect beyond its result.
   */
  update(itemId: string, change: (current: StoredItem | undefined) => StoredItem | undefined): Promise<StoredItem | undefined>;
  /**
   * `update` of several rows in one transaction (all written, durably, when the promise resolves, or none): one
   * commit instead of one per row, for work that writes many rows in a row (a reconcile's checks). Resolves to what
   * is stored afterwards, in the order of `changes`. A change that throws leaves nothing written.
   */
  updateMany(changes: readonly ItemChange[]): Promise<Array<StoredItem | undefined>>;
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

  /** The Item's repair case: its open one, else its last closed one; undefined when it never had one. */
  getCase(itemId: string): Promise<RepairCase | undefined>;
  /**
   * Reads the Item's case, applies `change` and writes its result in one transaction, as `update` does for Items
   * (undefined leaves it as it is; a throw writes nothing and rejects with that error; `change` may be called again
   * with a newer case). Resolves to what is stored afterwards.
   */
  updateCase(itemId: string, change: (current: RepairCase | undefined) => RepairCase | undefined): Promise<RepairCase | undefined>;
  /** The cases matching `filter`, soonest due first (those due never last), then by item_id. */
  listCases(filter: RepairCaseFilter): Promise<RepairCase[]>;
  /** How many repair cases are open (of every owner). One aggregate read, as countByStatus. */
  countOpenCases(): Promise<number>;

  /**
   * Many claims and their log entries in one round trip, atomically: first the batch's confirmations (as confirm
   * does, for `holder`), then each claim in order as `claim` makes it (a later claim of the batch sees the earlier
   * ones), with the scope rule of BatchClaim, writing each claim's delivery row unless the claim is `in_progress`.
   * Resolves to one result per claim, in order.
   */
  claimBatch(batch: ClaimBatch, holder: string, nowMs: number): Promise<BatchResult[]>;

  /** The log's rows that `filter` selects, without their bodies. */
  listDeliveries(filter: DeliveryFilter, listing: DeliveryListing): Promise<DeliverySummaryRow[]>;
  /** The log's rows that `filter` selects, with their bodies. */
  readDeliveries(filter: DeliveryFilter, listing: DeliveryListing): Promise<DeliveryRow[]>;
  countDeliveries(filter: DeliveryFilter): Promise<number>;
  /** Sets these rows' outcome to `replayed`. */
  markReplayed(ids: readonly string[]): Promise<void>;
  /** Deletes one row (a delivery answered 503 after all is not in the log). */
  deleteDelivery(id: string): Promise<void>;
  /**
   * Deletes the rows of `rule.node` received before `rule.beforeMs`, and those of nodes that no longer run (none of
   * `rule.running`) received before `rule.othersBeforeMs`; resolves to how many went.
   */
  pruneDeliveries(rule: DeliveryPruneRule): Promise<number>;
}
