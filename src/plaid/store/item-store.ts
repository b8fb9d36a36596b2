// The Item store: item_id -> encrypted access token plus the Item's record and recent history, on any ItemStorage
// backend. Every rule (encryption, statuses, history, claims' retention) lives here, so the backends stay dumb.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { channels } from '../channels';
import type { TokenCipher } from './cipher';
import { ItemStoreError } from './errors';
import { HISTORY_LIMIT, isItemStatus, ITEM_STATUSES, type ItemEvent, type ItemRecord, type ItemStatus, type StoredItem } from './record';
import { statusForWebhook, webhookErrorCode } from './status-transitions';
import { StorageRefusedError, StorageUnavailableError, type ClaimResult, type ItemListFilter, type ItemStorage } from './storage';

/** How long a webhook delivery's claim keeps a re-delivery from being emitted again. */
export const CLAIM_RETENTION_MS = 24 * 60 * 60 * 1000;
/**
 * How long a delivery's claim stays pending (claimed, not yet emitted) before another instance may take it over:
 * Plaid waits 10 s for an answer and retries 30 s after a failed attempt, so a claim still pending after 30 s
 * belongs to an instance that died (or whose answer Plaid gave up on), and the retry is emitted.
 */
export const CLAIM_LEASE_MS = 30 * 1000;
/** Expired claims are deleted at most this often (on a claim), so claims do not pile up. */
const CLAIM_PRUNE_INTERVAL_MS = 60 * 1000;
/** What the key-check value encrypts, under this pseudo item_id (no real item_id contains a space). */
const KEY_CHECK_ITEM = 'store key check';
const KEY_CHECK_PLAINTEXT = 'plaid-item-store';
/** How many decrypted tokens are remembered (see #decrypt); the oldest is forgotten first. */
const PLAINTEXTS_REMEMBERED = 1024;

export interface SaveItemInput {
  item_id: string;
  access_token: string;
  client_user_id?: string | null;
  institution_id?: string | null;
}

export interface ItemStoreOptions {
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
  /** How long a claim stays pending before another instance may take it over; default CLAIM_LEASE_MS. */
  claimLeaseMs?: number;
  /** What the store's events (src/plaid/channels.ts) call it: its plaid-item-store node's id. */
  name?: string;
}

export class ItemStore extends EventEmitter {
  readonly #storage: ItemStorage;
  readonly #cipher: TokenCipher;
  readonly #now: () => number;
  readonly #claimLeaseMs: number;
  readonly #name: string;
  /** Who this open store is in claims: each process (each open) is a holder of its own. */
  readonly #holder = randomUUID();
  #lastPrune = 0;
  readonly #plaintexts = new Map<string, string>();

  constructor(storage: ItemStorage, cipher: TokenCipher, options: ItemStoreOptions = {}) {
    super();
    this.#storage = storage;
    this.#cipher = cipher;
    this.#now = options.now ?? Date.now;
    this.#claimLeaseMs = options.claimLeaseMs ?? CLAIM_LEASE_MS;
    this.#name = options.name ?? '';
  }

  /** Opens the backend and checks the key against the one the store was created with. */
  async open(): Promise<void> {
    await this.#guard(undefined, 'open', () => this.#storage.open());
    const stored = await this.#guard(undefined, 'open', () =>
      this.#storage.keyCheck(this.#cipher.encrypt(KEY_CHECK_ITEM, KEY_CHECK_PLAINTEXT)),
    );
    let matches = false;
    try {
      matches = this.#cipher.decrypt(KEY_CHECK_ITEM, stored) === KEY_CHECK_PLAINTEXT;
    } catch {
      matches = false;
    }
    if (!matches) {
      await this.#storage.close().catch(() => undefined);
      throw new ItemStoreError('WRONG_KEY', 'the encryption key does not match the one this store was created with');
    }
  }

  async close(): Promise<void> {
    await this.#storage.close();
  }

  /** A new Item (public token exchange) or an imported one: upserted as healthy, its token encrypted, durably. */
  async save(input: SaveItemInput): Promise<ItemRecord> {
    const itemId = checkItemId(input?.item_id);
    const token = input.access_token;
    if (typeof token !== 'string' || token.length === 0) {
      throw new ItemStoreError('INVALID_ITEM', `Item ${itemId} has no access_token to save`, itemId);
    }
    const clientUserId = optionalText(itemId, 'client_user_id', input.client_user_id);
    const institutionId = optionalText(itemId, 'institution_id', input.institution_id);
    const at = this.#iso();
    return this.#write(itemId, 'save', (current) => {
      const base = current?.record ?? emptyRecord(itemId, at);
      const record: ItemRecord = {
        ...base,
        client_user_id: clientUserId === undefined ? base.client_user_id : clientUserId,
        institution_id: institutionId === undefined ? base.institution_id : institutionId,
        status: 'healthy',
        error_code: null,
        updated_at: at,
      };
      const history = current && current.record.status === 'healthy' ? current.history : withEvent(current?.history, statusEvent(record));
      return { record, tokenCiphertext: this.#cipher.encrypt(itemId, token), history };
    });
  }

  /** The Item's access token, for a call to Plaid only. */
  async resolveToken(itemId: string): Promise<string> {
    return (await this.resolve(itemId)).token;
  }

  /** The Item's record and access token in one read: what an endpoint node needs for a call. */
  async resolve(itemId: string): Promise<{ record: ItemRecord; token: string }> {
    const id = checkItemId(itemId);
    const stored = await this.#guard(id, 'read', () => this.#storage.get(id));
    if (!stored) throw notInStore(id);
    if (stored.record.status === 'removed' || stored.tokenCiphertext === null) {
      throw removed(id);
    }
    return { record: stored.record, token: this.#decrypt(id, stored.tokenCiphertext) };
  }

  /**
   * Decrypts, remembering the last envelopes decrypted: an endpoint node resolves the same Items over and over, and
   * AES-GCM set-up is most of a lookup's cost (bench/). Keyed by the envelope itself (fresh IV on every write, the
   * item_id bound in), a remembered token can never be a stale or another Item's one.
   */
  #decrypt(itemId: string, envelope: string): string {
    const remembered = this.#plaintexts.get(envelope);
    if (remembered !== undefined) return remembered;
    const token = this.#cipher.decrypt(itemId, envelope);
    if (this.#plaintexts.size >= PLAINTEXTS_REMEMBERED) this.#plaintexts.delete(this.#plaintexts.keys().next().value as string);
    this.#plaintexts.set(envelope, token);
    return token;
  }

  async get(itemId: string): Promise<ItemRecord | undefined> {
    const id = checkItemId(itemId);
    return (await this.#guard(id, 'read', () => this.#storage.get(id)))?.record;
  }

  async list(filter: ItemListFilter = {}): Promise<ItemRecord[]> {
    const statuses = filter.statuses ?? [];
    for (const status of statuses) {
      if (!isItemStatus(status)) throw new ItemStoreError('INVALID_ITEM', `"${String(status)}" is not an Item status`);
    }
    const rows = await this.#guard(undefined, 'list', () => this.#storage.list({ statuses }));
    return rows.map((row) => row.record);
  }

  /** How many Items have each status: every status, in ITEM_STATUSES order, 0 for none. */
  async countByStatus(): Promise<Record<ItemStatus, number>> {
    const counts = await this.#guard(undefined, 'count', () => this.#storage.countByStatus());
    return Object.fromEntries(ITEM_STATUSES.map((status) => [status, counts[status] ?? 0])) as Record<ItemStatus, number>;
  }

  /** The Item's recent events, oldest first (at most HISTORY_LIMIT); empty for an unknown Item. */
  async history(itemId: string): Promise<ItemEvent[]> {
    const id = checkItemId(itemId);
    return (await this.#guard(id, 'read', () => this.#storage.get(id)))?.history ?? [];
  }

  /** item/access_token/invalidate: the new token replaces the old one in one transaction. */
  async replaceToken(itemId: string, newToken: string): Promise<ItemRecord> {
    const id = checkItemId(itemId);
    if (typeof newToken !== 'string' || newToken.length === 0) {
      throw new ItemStoreError('INVALID_ITEM', `no new access token for Item ${id}`, id);
    }
    const at = this.#iso();
    return this.#write(id, 'replace the token of', (current) => {
      if (!current) throw notInStore(id);
      if (current.record.status === 'removed') throw removed(id);
      return { ...current, record: { ...current.record, updated_at: at }, tokenCiphertext: this.#cipher.encrypt(id, newToken) };
    });
  }

  /** item/remove: the record stays, as `removed`, and its token is wiped. Undefined for an unknown Item. */
  async markRemoved(itemId: string): Promise<ItemRecord | undefined> {
    const id = checkItemId(itemId);
    const at = this.#iso();
    const stored = await this.#guard(id, 'mark removed', () =>
      this.#storage.update(id, (current) => current && this.#withStatus(current, 'removed', current.record.error_code, at)),
    );
    if (stored) this.emit('change', stored.record);
    return stored?.record;
  }

  /**
   * Plaid answered a call for the Item with ITEM_LOGIN_REQUIRED: the record says so at once (as the ITEM ERROR
   * webhook would), so a flow can start the repair without waiting for a webhook. A removed Item stays removed.
   * Undefined for an unknown Item.
   */
  async markLoginRequired(itemId: string): Promise<ItemRecord | undefined> {
    const id = checkItemId(itemId);
    const at = this.#iso();
    const stored = await this.#guard(id, 'mark login required', () =>
      this.#storage.update(id, (current) => {
        if (!current || current.record.status === 'removed') return undefined;
        return this.#withStatus(current, 'login_required', 'ITEM_LOGIN_REQUIRED', at);
      }),
    );
    if (stored) this.emit('change', stored.record);
    return stored?.record;
  }

  /** Forgets the Item entirely (`plaid-items` delete). Emits 'delete' with the item_id when there was one. */
  async delete(itemId: string): Promise<boolean> {
    const id = checkItemId(itemId);
    const deleted = await this.#guard(id, 'delete', () => this.#storage.delete(id));
    if (deleted) this.emit('delete', id);
    return deleted;
  }

  /**
   * Records a webhook on its Item: ITEM webhooks by item_id (status per statusForWebhook), LINK SESSION_FINISHED by
   * link_token. Resolves to the record afterwards, or null when the store does not know the Item. Other webhooks
   * with a known item_id leave the record as it is and resolve to it.
   */
  async applyWebhook(body: Record<string, unknown>): Promise<ItemRecord | null> {
    const type = typeof body?.webhook_type === 'string' ? body.webhook_type : '';
    const code = typeof body?.webhook_code === 'string' ? body.webhook_code : '';
    if (type === 'LINK' && code === 'SESSION_FINISHED') return this.#applyLinkSessionFinished(body, code);
    const itemId = typeof body?.item_id === 'string' && body.item_id ? body.item_id : undefined;
    if (!itemId) return null;
    if (type !== 'ITEM') return (await this.get(itemId)) ?? null;
    const at = this.#iso();
    const stored = await this.#guard(itemId, 'record a webhook on', () =>
      this.#storage.update(itemId, (current) => current && this.#withWebhook(current, type, code, body, at)),
    );
    if (stored) this.emit('change', stored.record);
    return stored?.record ?? null;
  }

  /** Remembers the newest link token created for the Item (update mode), to match LINK SESSION_FINISHED to it. */
  async setLinkToken(itemId: string, linkToken: string, expiration: string | null): Promise<ItemRecord> {
    const id = checkItemId(itemId);
    const at = this.#iso();
    return this.#write(id, 'set the link token of', (current) => {
      if (!current) throw notInStore(id);
      return {
        ...current,
        record: { ...current.record, link_token: linkToken, link_token_expiration: expiration ?? null, updated_at: at },
      };
    });
  }

  /**
   * Claims `key` for this store's process, once across every instance sharing the store (see ItemStorage.claim):
   * `claimed` means the work is ours until `leaseMs` from now (renewClaim extends it); confirm it when done, or
   * release it to let another take it. Expired claims are pruned here, at most once a minute.
   */
  async claim(key: string, leaseMs: number): Promise<ClaimResult> {
    const now = this.#now();
    return this.#guard(undefined, 'claim work in', async () => {
      if (now - this.#lastPrune >= CLAIM_PRUNE_INTERVAL_MS) await this.#prune();
      return this.#storage.claim(key, this.#holder, now, leaseMs);
    });
  }

  /** Extends our pending claim of `key`; false when we lost it (its lease ran out and another took it over). */
  async renewClaim(key: string, leaseMs: number): Promise<boolean> {
    return this.#guard(undefined, 'renew a claim in', () => this.#storage.renew(key, this.#holder, this.#now(), leaseMs));
  }

  /** Our claimed work is done: for `retentionMs` a claim of `key` is a duplicate. False when we no longer held it. */
  async confirmClaim(key: string, retentionMs: number): Promise<boolean> {
    return this.#guard(undefined, 'confirm a claim in', () => this.#storage.confirm(key, this.#holder, this.#now(), retentionMs));
  }

  /** Gives our claim of `key` up: the next claim of it succeeds. */
  async releaseClaim(key: string): Promise<void> {
    await this.#guard(undefined, 'release a claim in', () => this.#storage.release(key, this.#holder));
  }

  /**
   * True when this call is the first to claim the delivery within CLAIM_RETENTION_MS (insert-if-absent), false for
   * a duplicate of one emitted. A claim is pending until confirmDelivery: while another instance holds it pending
   * (for up to CLAIM_LEASE_MS) this throws DELIVERY_IN_PROGRESS, so the copy is answered 503 and comes again.
   */
  async claimDelivery(bodySha256: string): Promise<boolean> {
    const result = await this.claim(bodySha256, this.#claimLeaseMs);
    if (result === 'in_progress') {
      throw new ItemStoreError('DELIVERY_IN_PROGRESS', 'this delivery is being handled by another instance (claimed, not yet emitted)');
    }
    return result === 'claimed';
  }

  /** The claimed delivery was emitted: from now on a copy is a duplicate (kept CLAIM_RETENTION_MS). */
  async confirmDelivery(bodySha256: string): Promise<void> {
    await this.confirmClaim(bodySha256, CLAIM_RETENTION_MS);
  }

  async releaseDelivery(bodySha256: string): Promise<void> {
    await this.releaseClaim(bodySha256);
  }

  async #applyLinkSessionFinished(body: Record<string, unknown>, code: string): Promise<ItemRecord | null> {
    const linkToken = typeof body.link_token === 'string' ? body.link_token : '';
    if (!linkToken) return null;
    const found = await this.#guard(undefined, 'find a link token in', () => this.#storage.findByLinkToken(linkToken));
    if (!found) return null;
    const itemId = found.record.item_id;
    const success = typeof body.status === 'string' && body.status.toUpperCase() === 'SUCCESS';
    const at = this.#iso();
    const stored = await this.#guard(itemId, 'record a webhook on', () =>
      this.#storage.update(itemId, (current) => {
        if (!current) return undefined;
        const repaired = success && current.record.status !== 'removed';
        const status = repaired ? 'healthy' : current.record.status;
        return webhookApplied(current, 'LINK', code, status, repaired ? null : current.record.error_code, at);
      }),
    );
    if (stored) this.emit('change', stored.record);
    return stored?.record ?? null;
  }

  #withWebhook(current: StoredItem, type: string, code: string, body: Record<string, unknown>, at: string): StoredItem {
    // A removed Item has no token: no webhook makes it usable again, but the webhook is still recorded.
    const next = current.record.status === 'removed' ? undefined : statusForWebhook(type, code, body);
    const status = next ?? current.record.status;
    const errorCode = webhookErrorCode(body) ?? (next === 'healthy' ? null : current.record.error_code);
    return webhookApplied(current, type, code, status, errorCode, at);
  }

  #withStatus(current: StoredItem, status: ItemStatus, errorCode: string | null, at: string): StoredItem {
    const record: ItemRecord = { ...current.record, status, error_code: errorCode, updated_at: at };
    return {
      record,
      tokenCiphertext: status === 'removed' ? null : current.tokenCiphertext,
      history: current.record.status === status ? current.history : withEvent(current.history, statusEvent(record)),
    };
  }

  /** An update that must find or create a row, then 'change'. */
  async #write(itemId: string, what: string, change: (current: StoredItem | undefined) => StoredItem): Promise<ItemRecord> {
    const stored = await this.#guard(itemId, what, () => this.#storage.update(itemId, change));
    if (!stored) throw notInStore(itemId);
    this.emit('change', stored.record);
    return stored.record;
  }

  async #prune(): Promise<void> {
    const now = this.#now();
    await this.#storage.pruneClaims(now);
    this.#lastPrune = now;
  }

  /** Backend failures become STORE_UNAVAILABLE naming the Item; the store's own errors pass through. */
  async #guard<T>(itemId: string | undefined, what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof ItemStoreError) throw err;
      channels.itemStoreFailed.publish({ store: this.#name, operation: what, code: err instanceof StorageRefusedError ? 'STORE_REFUSED' : 'STORE_UNAVAILABLE' });
      if (err instanceof StorageRefusedError) throw new ItemStoreError('STORE_REFUSED', err.message, itemId, err);
      const reason = err instanceof StorageUnavailableError ? err.message : `unexpected storage failure (${(err as Error)?.message})`;
      const subject = itemId ? `Item ${itemId}` : 'the Item store';
      throw new ItemStoreError('STORE_UNAVAILABLE', `could not ${what} ${subject}: ${reason}`, itemId, err);
    }
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }
}

function checkItemId(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new ItemStoreError('INVALID_ITEM', 'an item_id (a non-empty string) is required');
  }
  return value;
}

function optionalText(itemId: string, field: string, value: unknown): string | null | undefined {
  if (value === undefined || value === null || typeof value === 'string') return value as string | null | undefined;
  throw new ItemStoreError('INVALID_ITEM', `the ${field} of Item ${itemId} must be a string`, itemId);
}

function notInStore(itemId: string): ItemStoreError {
  return new ItemStoreError('ITEM_NOT_IN_STORE', `Item ${itemId} is not in the Item store`, itemId);
}

function removed(itemId: string): ItemStoreError {
  return new ItemStoreError('ITEM_REMOVED', `Item ${itemId} was removed: the store holds no access token for it`, itemId);
}

function emptyRecord(itemId: string, at: string): ItemRecord {
  return {
    item_id: itemId,
    client_user_id: null,
    institution_id: null,
    status: 'healthy',
    error_code: null,
    last_webhook: null,
    link_token: null,
    link_token_expiration: null,
    created_at: at,
    updated_at: at,
  };
}

function statusEvent(record: ItemRecord): ItemEvent {
  return { kind: 'status', webhook_type: null, webhook_code: null, error_code: record.error_code, status: record.status, at: record.updated_at };
}

function webhookApplied(
  current: StoredItem,
  type: string,
  code: string,
  status: ItemStatus,
  errorCode: string | null,
  at: string,
): StoredItem {
  const record: ItemRecord = {
    ...current.record,
    status,
    error_code: errorCode,
    last_webhook: { webhook_type: type, webhook_code: code, at },
    updated_at: at,
  };
  const event: ItemEvent = { kind: 'webhook', webhook_type: type, webhook_code: code, error_code: errorCode, status, at };
  return { ...current, record, history: withEvent(current.history, event) };
}

function withEvent(history: readonly ItemEvent[] | undefined, event: ItemEvent): ItemEvent[] {
  return [...(history ?? []), event].slice(-HISTORY_LIMIT);
}
