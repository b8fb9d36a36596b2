// The store's keys: the key check that ties a store to the keys that wrote it, which key each Item is under (by key
// id), and the rewrap that moves Items from older keys to the current one. Part of ItemStore, kept apart.
import { envelopeKeyId, isLegacyEnvelope, type TokenCipher } from './cipher';
import { ItemStoreError, TokenUnreadableError } from './errors';
import { describeKeyUsage, type KeyUsage, type RewrapResult } from './key-usage';
import type { ItemStorage } from './storage';

/** What the key-check value encrypts, under this pseudo item_id (no real item_id contains a space). */
const KEY_CHECK_ITEM = 'store key check';
const KEY_CHECK_PLAINTEXT = 'plaid-item-store';

/** ItemStore's guard: backend failures as ItemStoreErrors naming the Item (see ItemStore #guard). */
export type StoreGuard = <T>(itemId: string | undefined, what: string, run: () => Promise<T>) => Promise<T>;

export class KeyCustody {
  readonly #storage: ItemStorage;
  readonly #cipher: TokenCipher;
  readonly #guard: StoreGuard;
  /** The key id of the key that wrote the v1 key check (a store from before key rings): v1 envelopes are under it. */
  #legacyKeyId?: string;

  constructor(storage: ItemStorage, cipher: TokenCipher, guard: StoreGuard) {
    this.#storage = storage;
    this.#cipher = cipher;
    this.#guard = guard;
  }

  /**
   * At open: a key of the ring must decrypt the key check (the value the store's first key wrote), and every Item
   * must be under a key of the ring; else WRONG_KEY, saying which key and how many Items need it. A store with Items
   * but no key check is refused by its backend (STORE_REFUSED). Nothing is written.
   */
  async check(): Promise<void> {
    const stored = await this.#readKeyCheck();
    const keyCheckKeyId = this.#keyCheckKeyId(stored);
    if (keyCheckKeyId && isLegacyEnvelope(stored)) this.#legacyKeyId = keyCheckKeyId;
    const usage = await this.usage();
    if (!keyCheckKeyId) throw this.#keyCheckUnreadable(stored, usage);
    const missing = usage.keys.filter((key) => key.role === 'unknown' && key.items > 0);
    if (missing.length > 0) {
      const needs = missing.map((key) => `${key.items} ${key.items === 1 ? 'Item is' : 'Items are'} encrypted under key ${key.id}`);
      throw new ItemStoreError(
        'WRONG_KEY',
        `${needs.join('; ')}, which is not among this store's keys (${this.#ringText()}): ` +
          'put it back under Older keys, rewrap, then remove it (nothing was written)',
      );
    }
  }

  /** The key check as stored (created under the current key when the store has none and holds no Item yet). */
  #readKeyCheck(): Promise<string> {
    return this.#guard(undefined, 'read the key check of', () => this.#storage.keyCheck(this.#cipher.encrypt(KEY_CHECK_ITEM, KEY_CHECK_PLAINTEXT)));
  }

  /** The id of the ring key that decrypts the key check, or undefined when none does. */
  #keyCheckKeyId(stored: string): string | undefined {
    try {
      const { token, keyId } = this.#cipher.open(KEY_CHECK_ITEM, stored);
      return token === KEY_CHECK_PLAINTEXT ? keyId : undefined;
    } catch {
      return undefined;
    }
  }

  #keyCheckUnreadable(stored: string, usage: KeyUsage): ItemStoreError {
    const base = 'the encryption key does not match the one this store was created with';
    const named = envelopeKeyId(stored);
    if (this.#cipher.keyIds.length === 1 && named === undefined) return new ItemStoreError('WRONG_KEY', base);
    const under = named ? `key ${named}` : 'a key of an earlier release';
    const items = named ? usage.keys.find((key) => key.id === named)?.items ?? 0 : 0;
    return new ItemStoreError(
      'WRONG_KEY',
      `${base}: its key check${items > 0 ? ` and ${items} ${items === 1 ? 'Item' : 'Items'} are` : ' is'} under ${under}, ` +
        `which is not among this store's keys (${this.#ringText()}). If it was an older key removed too early, put it back under ` +
        'Older keys and rewrap before removing it (nothing was written)',
    );
  }

  #ringText(): string {
    const [current, ...older] = this.#cipher.keyIds;
    return `current ${current}${older.length ? `, older ${older.join(', ')}` : ''}`;
  }

  /** The key each envelope is under: the one it names, or for a v1 envelope the key that wrote the v1 key check. */
  #keyIdOf(itemId: string, envelope: string): string {
    const named = envelopeKeyId(envelope);
    if (named) return named;
    if (this.#legacyKeyId) return this.#legacyKeyId;
    // A v1 envelope in a store whose key check was rewrapped already: whichever ring key opens it.
    try {
      return this.#cipher.open(itemId, envelope).keyId;
    } catch {
      return 'v1';
    }
  }

  /**
   * How many Items each key holds, the ring's keys first (a key of the ring holding none is listed too), then keys
   * the ring lacks: an older key may be removed once it holds no Item and the key check is not under it.
   */
  async usage(): Promise<KeyUsage> {
    // The envelopes alone (not the records): this runs at every open.
    const rows = await this.#guard(undefined, 'count the keys of', () => this.#storage.listEnvelopes());
    const counts = new Map<string, number>();
    for (const row of rows) {
      const id = this.#keyIdOf(row.itemId, row.tokenCiphertext);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const stored = await this.#readKeyCheck();
    return describeKeyUsage(this.#cipher.keyIds, counts, this.#keyCheckKeyId(stored) ?? envelopeKeyId(stored) ?? null);
  }

  /**
   * Re-encrypts under the current key the Items under an older one (at most `limit` of them; all by default), inside
   * this process: each in its own transaction (ItemStorage.update), so a write meanwhile is never lost, another
   * instance rewrapping at the same time does no harm, and a rewrap cut short leaves every Item under one key or the
   * other. Once no Item is left under an older key, the key check is rewrapped too. Items no key of the ring opens
   * are left as they are and named in `unreadable`.
   */
  async rewrap(options: { limit?: number } = {}): Promise<RewrapResult> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const current = this.#cipher.currentKeyId;
    // The envelopes alone, as usage() reads them: a batch of a rewrap (the CLI's --batch, the sidebar's) does not
    // read and parse every record of the store.
    const envelopes = await this.#guard(undefined, 'rewrap', () => this.#storage.listEnvelopes());
    const stale = envelopes.filter(({ itemId, tokenCiphertext }) => this.#keyIdOf(itemId, tokenCiphertext) !== current);
    let rewrapped = 0;
    const unreadable: string[] = [];
    for (const { itemId } of stale) {
      if (rewrapped >= limit) break;
      let changed = false;
      try {
        await this.#guard(itemId, 'rewrap', () =>
          this.#storage.update(itemId, (row) => {
            changed = false;
            if (!row || row.tokenCiphertext === null || this.#keyIdOf(itemId, row.tokenCiphertext) === current) return undefined;
            changed = true;
            return { ...row, tokenCiphertext: this.#cipher.encrypt(itemId, this.#cipher.decrypt(itemId, row.tokenCiphertext)) };
          }),
        );
      } catch (err) {
        if (!(err instanceof TokenUnreadableError)) throw err;
        unreadable.push(itemId);
        continue;
      }
      if (changed) rewrapped++;
    }
    let usage = await this.usage();
    if (usage.pending === 0 && usage.keyCheck !== current) {
      const stored = await this.#readKeyCheck();
      if (this.#keyCheckKeyId(stored) !== undefined) {
        const next = this.#cipher.encrypt(KEY_CHECK_ITEM, KEY_CHECK_PLAINTEXT);
        await this.#guard(undefined, 'rewrap the key check of', () => this.#storage.replaceKeyCheck(stored, next));
        usage = await this.usage();
      }
    }
    return { rewrapped, unreadable, ...usage };
  }
}
