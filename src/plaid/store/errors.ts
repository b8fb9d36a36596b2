// The store's one error type. Its message names the item_id (safe to show) and never contains a token.

export const ITEM_STORE_ERROR_CODES = [
  'ITEM_NOT_IN_STORE',
  'ITEM_REMOVED',
  'TOKEN_UNREADABLE',
  'STORE_UNAVAILABLE',
  /** At open: the database cannot be the store as it is (an empty, damaged or foreign file; a newer schema). */
  'STORE_REFUSED',
  'INVALID_ITEM',
  /** At open: the key is not the one the store was created with. */
  'WRONG_KEY',
  /** A webhook delivery another instance claimed and has not emitted yet (answer 503: Plaid delivers it again). */
  'DELIVERY_IN_PROGRESS',
] as const;

export type ItemStoreErrorCode = (typeof ITEM_STORE_ERROR_CODES)[number];

export class ItemStoreError extends Error {
  constructor(
    readonly code: ItemStoreErrorCode,
    message: string,
    /** The Item concerned, when there is one. */
    readonly itemId?: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ItemStoreError';
  }
}

/** The token of `itemId` could not be decrypted: a wrong key or a tampered record. */
export class TokenUnreadableError extends ItemStoreError {
  constructor(itemId: string) {
    super(
      'TOKEN_UNREADABLE',
      `the access token of Item ${itemId} cannot be decrypted: the record was altered or was written under another key`,
      itemId,
    );
    this.name = 'TokenUnreadableError';
  }
}
