// The Item store: item_id -> encrypted access token plus the Item's record and recent history, on any ItemStorage
// backend. Every rule (encryption, statuses, history, claims' retention) lives here, so the backends stay dumb.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { channels } from '../channels';
import type { TokenCipher } from './cipher';
import { withCurrentRecords } from './current-records';
import { bodySeal, DeliveryLog } from './delivery-log';
import { ItemStoreError } from './errors';
import { KeyCustody } from './key-custody';
import type { KeyUsage, RewrapResult } from './key-usage';
import { sessionRefusal } from './link-session';
import type { RepairCase, RepairCaseFilter } from './repair-case';
import { HISTORY_LIMIT, isItemStatus, ITEM_STATUSES, type ItemEvent, type ItemRecord, type ItemStatus, type LinkSessionStatus, type StoredItem } from './record';
import { statusForWebhook, webhookErrorCode } from './status-transitions';
import { StorageRefusedError, StorageUnavailableError, type ClaimResult, type ItemListFilter, type ItemStorage } from './storage';

export { CLAIM_RETENTION_MS } from './delivery-log';
/**
 * How long a delivery's claim stays pending (claimed, not yet emitted) before another instance may take it over:
 * Plaid waits 10 s for an answer and retries 30 s after a failed attempt, so a claim still pending after 30 s
 * belongs to an instance that died (or whose answer Plaid gave up on), and the retry is emitted.
 */
export const CLAIM_LEASE_MS = 30 * 1000;
/** Expired claims are deleted at most this often (on a claim), so claims do not pile up. */
const CLAIM_PRUNE_INTERVAL_MS = 60 * 1000;
/** How many decrypted tokens are remembered (see #decrypt); the oldest is forgotten first. */
const PLAINTEXTS_REMEMBERED = 1024;

export interface SaveItemInput {
  item_id: string;
  access_token: string;
  client_user_id?: string | null;
  institution_id?: string | null;
}

/** What a reconcile learnt at Plaid about one Item (src/plaid/reconcile/ reads it from /item/get's answer). */
export interface ItemCheck {
  /** `removed`: Plaid no longer knows the Item (the token is wiped). */
  status: ItemStatus;
  error_code: string | null;
  consent_expiration_time: string | null;
  /** The record's updated_at when it was read for the call: a record changed since keeps what changed it. */
  basis: string;
}

export interface CheckApplied {
  record: ItemRecord;
  previousStatus: ItemStatus;
}

export interface ApplyWebhookOptions {
  /**
   * The environment of the config node the webhook came through (`sandbox`, `production`; `custom` for an emulator
   * or a proxy): a SESSION_FINISHED of another environment is refused.
   */
  environment?: string;
  /**
   * When the event happened (ISO 8601), for a session found later (a reconcile reading /link/token/get passes its
   * `finished_at`): a session counts as finished before its token expired when this is not after the expiration.
   * Default: now.
   */
  at?: string;
}

export interface ItemStoreOptions {
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
  /** How long a webhook delivery's claim stays pending before another instance may take it over; default CLAIM_LEASE_MS. */
  claimLeaseMs?: number;
  /** What the store's events (src/plaid/channels.ts) call it: its plaid-item-store node's id. */
  name?: string;
}

export class ItemStore extends EventEmitter {
  readonly #storage: ItemStorage;
  readonly #cipher: TokenCipher;
  readonly #now: () => number;
  readonly #claimLeaseMs: number;
  /** What the store's events (src/plaid/channels.ts) call it: its plaid-item-store node's id. */
  readonly name: string;
  /** Who this open store is in claims: each process (each open) is a holder of its own. */
  readonly #holder = randomUUID();
  #lastPrune = 0;
  /** Envelope -> the Item it was decrypted for and its token (see #decrypt). */
  readonly #plaintexts = new Map<string, { itemId: string; token: string }>();
  /** The key check and which key each Item is under: opening checks, counts, rewraps. */
  readonly #keys: KeyCustody;
  /** The webhook event log and de-duplication (delivery-log.ts), on this store's backend, key and claims. */
  readonly deliveries: DeliveryLog;

  constructor(storage: ItemStorage, cipher: TokenCipher, options: ItemStoreOptions = {}) {
    super();
    this.#storage = withCurrentRecords(storage);
    this.#cipher = cipher;
    this.#now = options.now ?? Date.now;
    this.#claimLeaseMs = options.claimLeaseMs ?? CLAIM_LEASE_MS;
    this.#keys = new KeyCustody(storage, cipher, (itemId, what, run) => this.#guard(itemId, what, run));
    this.deliveries = new DeliveryLog({
      storage,
      seal: bodySeal(cipher),
      holder: this.#holder,
      now: this.#now,
      leaseMs: this.#claimLeaseMs,
      guard: (what, run) => this.#guard(undefined, what, run),
      beforeClaims: () => this.#pruneIfDue(),
    });
    this.name = options.name ?? '';
  }

  /**
   * Opens the backend and checks the key ring against the store (KeyCustody.check): WRONG_KEY or STORE_REFUSED
   * when it does not fit, and nothing is written.
   */
  async open(): Promise<void> {
    await this.#guard(undefined, 'open', () => this.#storage.open());
    try {
      await this.#keys.check();
    } catch (err) {
      // Refused for good: let go of the database. An unreachable one stays as it is, for the next attempt to open.
      if (err instanceof ItemStoreError && err.code !== 'STORE_UNAVAILABLE') await this.#storage.close().catch(() => undefined);
      throw err;
    }
  }

  /** How many Items each key holds (KeyCustody.usage). */
  keyUsage(): Promise<KeyUsage> {
    return this.#keys.usage();
  }

  /** Re-encrypts under the current key the Items under an older one, `limit` at most (KeyCustody.rewrap). */
  rewrap(options: { limit?: number } = {}): Promise<RewrapResult> {
    return this.#keys.rewrap(options);
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
   * AES-GCM set-up is most of a lookup's cost (bench/). A remembered token is handed out only for the envelope it
   * came from and the Item it was decrypted for: an envelope copied onto another Item's row is decrypted afresh
   * there, and fails (the item_id is bound in), and a rewritten row has a new envelope (fresh IV on every write).
   */
  #decrypt(itemId: string, envelope: string): string {
    const remembered = this.#plaintexts.get(envelope);
    if (remembered?.itemId === itemId) return remembered.token;
    const token = this.#cipher.decrypt(itemId, envelope);
    if (this.#plaintexts.size >= PLAINTEXTS_REMEMBERED) this.#plaintexts.delete(this.#plaintexts.keys().next().value as string);
    this.#plaintexts.set(envelope, { itemId, token });
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

  /** When the Item checked longest ago (not removed) was last checked by a reconcile, or created if never; undefined with no Item. */
  async oldestCheck(): Promise<string | undefined> {
    return this.#guard(undefined, 'read the oldest check in', () => this.#storage.oldestCheck());
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
   * A call for the Item ended without a clear answer and may have taken effect at Plaid (an item/remove whose
   * answer was lost): the record names the call's path in `unsettled`, so the next reconcile checks the Item first
   * and settles it. A removed Item stays as it is. Undefined for an unknown Item.
   */
  async markUnsettled(itemId: string, path: string): Promise<ItemRecord | undefined> {
    const id = checkItemId(itemId);
    const at = this.#iso();
    const stored = await this.#guard(id, 'mark unsettled', () =>
      this.#storage.update(id, (current) => {
        if (!current || current.record.status === 'removed') return undefined;
        return { ...current, record: { ...current.record, unsettled: path, updated_at: at } };
      }),
    );
    if (stored) this.emit('change', stored.record);
    return stored?.record;
  }

  /**
   * Records what a reconcile found at Plaid: checked_at always; status, error_code and consent_expiration_time
   * (and `unsettled` cleared) unless the record changed since it was read for the call (`check.basis`), since that
   * change is at least as new as Plaid's answer. `removed` wipes the token. Undefined for an Item no longer stored.
   */
  async applyCheck(itemId: string, check: ItemCheck): Promise<CheckApplied | undefined> {
    return (await this.applyChecks([{ itemId, check }]))[0];
  }

  /** applyCheck for several Items in one transaction (one commit, not one per Item); results in the same order. */
  async applyChecks(checks: ReadonlyArray<{ itemId: string; check: ItemCheck }>): Promise<Array<CheckApplied | undefined>> {
    const at = this.#iso();
    const previous = new Array<ItemStatus | undefined>(checks.length);
    const changes = checks.map(({ itemId, check }, index) => ({
      itemId: checkItemId(itemId),
      change: (current: StoredItem | undefined) => {
        previous[index] = current?.record.status;
        return current && withCheck(current, check, at);
      },
    }));
    const subject = checks.length === 1 ? checks[0].itemId : undefined;
    const stored = await this.#guard(subject, subject ? 'record the check of' : `record ${checks.length} checks in`, () => this.#storage.updateMany(changes));
    return stored.map((row, index) => {
      const previousStatus = previous[index];
      if (!row || previousStatus === undefined) return undefined;
      this.emit('change', row.record);
      return { record: row.record, previousStatus };
    });
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
   * link_token, under the session rules (see sessionRefusal). Resolves to the record afterwards, or null when the
   * store does not know the Item. Other webhooks with a known item_id, and sessions the rules refuse, leave the record
   * as it is and resolve to it.
   */
  async applyWebhook(body: Record<string, unknown>, options: ApplyWebhookOptions = {}): Promise<ItemRecord | null> {
    const type = typeof body?.webhook_type === 'string' ? body.webhook_type : '';
    const code = typeof body?.webhook_code === 'string' ? body.webhook_code : '';
    if (type === 'LINK' && code === 'SESSION_FINISHED') return this.#applyLinkSessionFinished(body, code, options);
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
        record: { ...current.record, link_token: linkToken, link_token_expiration: expiration ?? null, link_session_status: null, updated_at: at },
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
      await this.#pruneIfDue();
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

  /** The Item's repair case: its open one, else its last closed one (see repair-case.ts). */
  async repairCase(itemId: string): Promise<RepairCase | undefined> {
    const id = checkItemId(itemId);
    return this.#guard(id, 'read the repair case of', () => this.#storage.getCase(id));
  }

  /**
   * Changes the Item's repair case in one transaction (see ItemStorage.updateCase); emits 'case' with it when
   * something was written. The case logic (what a change is) is src/plaid/repair/.
   */
  async updateRepairCase(itemId: string, change: (current: RepairCase | undefined) => RepairCase | undefined): Promise<RepairCase | undefined> {
    const id = checkItemId(itemId);
    let written = false;
    const stored = await this.#guard(id, 'change the repair case of', () =>
      this.#storage.updateCase(id, (current) => {
        const next = change(current);
        written = next !== undefined;
        return next;
      }),
    );
    if (stored && written) this.emit('case', stored);
    return stored;
  }

  /** The repair cases matching `filter`, soonest due first. */
  async repairCases(filter: RepairCaseFilter = {}): Promise<RepairCase[]> {
    return this.#guard(undefined, 'list the repair cases of', () => this.#storage.listCases(filter));
  }

  /** How many repair cases are open, of every plaid-item-repair node on the store. */
  async openRepairCaseCount(): Promise<number> {
    return this.#guard(undefined, 'count the repair cases of', () => this.#storage.countOpenCases());
  }

  async #applyLinkSessionFinished(body: Record<string, unknown>, code: string, options: ApplyWebhookOptions): Promise<ItemRecord | null> {
    const linkToken = typeof body.link_token === 'string' ? body.link_token : '';
    if (!linkToken) return null;
    const found = await this.#guard(undefined, 'find a link token in', () => this.#storage.findByLinkToken(linkToken));
    if (!found) return null;
    const itemId = found.record.item_id;
    const session = { linkToken, status: typeof body.status === 'string' ? body.status.toUpperCase() : '', environment: body.environment };
    const received = this.#iso();
    const at = options.at ?? received;
    const sessionStatus: LinkSessionStatus = session.status === 'SUCCESS' ? 'SUCCESS' : 'EXITED';
    let applied = false;
    const stored = await this.#guard(itemId, 'record a webhook on', () =>
      this.#storage.update(itemId, (current) => {
        applied = false;
        if (!current || sessionRefusal(current.record, session, options.environment, at) !== undefined) return undefined;
        applied = true;
        const repaired = sessionStatus === 'SUCCESS' && current.record.status !== 'removed';
        const status = repaired ? 'healthy' : current.record.status;
        const next = webhookApplied(current, 'LINK', code, status, repaired ? null : current.record.error_code, received);
        return { ...next, record: { ...next.record, link_session_status: sessionStatus } };
      }),
    );
    if (stored && applied) this.emit('change', stored.record);
    return stored?.record ?? null;
  }

  #withWebhook(current: StoredItem, type: string, code: string, body: Record<string, unknown>, at: string): StoredItem {
    // A removed Item has no token: no webhook makes it usable again, but the webhook is still recorded.
    const next = current.record.status === 'removed' ? undefined : statusForWebhook(type, code, body);
    const status = next ?? current.record.status;
    const errorCode = webhookErrorCode(body) ?? (next === 'healthy' ? null : current.record.error_code);
    const applied = webhookApplied(current, type, code, status, errorCode, at);
    // PENDING_EXPIRATION says when the consent ends, as /item/get would.
    const consentEnds = type === 'ITEM' && code === 'PENDING_EXPIRATION' ? body.consent_expiration_time : undefined;
    if (typeof consentEnds !== 'string' || !consentEnds) return applied;
    return { ...applied, record: { ...applied.record, consent_expiration_time: consentEnds } };
  }

  #withStatus(current: StoredItem, status: ItemStatus, errorCode: string | null, at: string): StoredItem {
    // Marked removed, the Item is settled: nothing about it is unknown any more.
    const unsettled = status === 'removed' ? null : current.record.unsettled;
    const record: ItemRecord = { ...current.record, status, error_code: errorCode, unsettled, updated_at: at };
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

  /** Deletes expired claims, at most once a minute. */
  async #pruneIfDue(): Promise<void> {
    const now = this.#now();
    if (now - this.#lastPrune < CLAIM_PRUNE_INTERVAL_MS) return;
    await this.#storage.pruneClaims(now);
    this.#lastPrune = now;
  }

  /** Backend failures become STORE_UNAVAILABLE naming the Item; the store's own errors pass through. */
  async #guard<T>(itemId: string | undefined, what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof ItemStoreError) throw err;
      channels.itemStoreFailed.publish({ store: this.name, operation: what, code: err instanceof StorageRefusedError ? 'STORE_REFUSED' : 'STORE_UNAVAILABLE' });
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
  if (value === undefined || value === null || typeof value === 'string') return value;
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
    link_session_status: null,
    consent_expiration_time: null,
    checked_at: null,
    unsettled: null,
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

/** The row after a check (see ItemStore.applyCheck); checking alone does not count as a change (updated_at). */
function withCheck(current: StoredItem, check: ItemCheck, at: string): StoredItem {
  const record = current.record;
  if (record.updated_at !== check.basis || record.status === 'removed') return { ...current, record: { ...record, checked_at: at } };
  const next: ItemRecord = {
    ...record,
    status: check.status,
    error_code: check.error_code,
    consent_expiration_time: check.consent_expiration_time,
    unsettled: null,
    checked_at: at,
  };
  const changed = next.status !== record.status || next.error_code !== record.error_code
    || next.consent_expiration_time !== record.consent_expiration_time || record.unsettled !== null;
  if (changed) next.updated_at = at;
  return {
    record: next,
    tokenCiphertext: next.status === 'removed' ? null : current.tokenCiphertext,
    history: next.status === record.status ? current.history : withEvent(current.history, statusEvent(next)),
  };
}

function withEvent(history: readonly ItemEvent[] | undefined, event: ItemEvent): ItemEvent[] {
  return [...(history ?? []), event].slice(-HISTORY_LIMIT);
}
