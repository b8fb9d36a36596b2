// The webhook event log and de-duplication, on the store's claims: each verified delivery is claimed (when dedupe
// is on) and logged (when the log is on) in one round trip shared with the deliveries arriving together, before it
// is answered. Bodies are encrypted with the store's key, the delivery's id bound in (bodySeal: the one place they
// meet the store's cipher). Replays claim each delivery once per replay request, across every instance.
import { EventEmitter } from 'node:events';
import type { TokenCipher } from './cipher';
import { ClaimBatcher } from './claim-batcher';
import { loggedDelivery, type DeliveryFilter, type DeliveryRow, type LoggedDelivery } from './delivery-record';
import { ItemStoreError } from './errors';
import type { BatchResult, ClaimBatch, ClaimResult, ItemStorage } from './storage';
import { timeOrderedUuid } from './time-ordered-id';
import { maskTokensIn } from '../redact';

/** How long a delivery's claim keeps a re-delivery of it from being emitted again (Plaid retries for 24 h). */
export const CLAIM_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How long a replay's claims stay pending before another instance may take the replay over (its holder died). */
export const REPLAY_LEASE_MS = 5 * 60 * 1000;
/** A replay request's claims are kept this long: the same request sent again (a retry) replays nothing twice. */
export const REPLAY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How often one instance prunes a node's log (a claim makes it one instance per interval). */
export const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** Entries of a node that no longer runs are kept at least this long (another node may replay them meanwhile). */
export const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The one seam between delivery bodies and the store's cipher: sealed with the store's key, the delivery's id as
 * associated data (as tokens bind their item_id), so an envelope moved to another row does not open.
 */
export interface BodySeal {
  seal(deliveryId: string, body: string): string;
  open(deliveryId: string, envelope: string): string;
}

export function bodySeal(cipher: TokenCipher): BodySeal {
  // No item_id contains a space: a body's envelope never opens as an Item's token, nor the other way round.
  const boundTo = (deliveryId: string) => `delivery ${deliveryId}`;
  return {
    seal: (deliveryId, body) => cipher.encrypt(boundTo(deliveryId), body),
    open: (deliveryId, envelope) => {
      try {
        return cipher.decrypt(boundTo(deliveryId), envelope);
      } catch {
        throw new ItemStoreError('TOKEN_UNREADABLE', `the body of delivery ${deliveryId} cannot be decrypted: the entry was altered or was written under another key`);
      }
    },
  };
}

/** A verified delivery to record before it is answered. */
export interface DeliveryToRecord {
  /** The plaid-webhook-in node that received it. */
  nodeId: string;
  /** The body as received. */
  raw: Buffer;
  bodySha256: string;
  webhookType: string;
  webhookCode: string;
  itemId: string | null;
  environment: string | null;
}

export interface RecordOptions {
  /** Claim the delivery (a copy of one emitted is a duplicate). */
  dedupe: boolean;
  /** Write it to the log. */
  log: boolean;
}

/** What recording found; hand it back to confirm or release. */
export interface RecordedDelivery {
  duplicate: boolean;
  /** The claim to confirm once emitted (or release if answered 503 after all); null when none was made. */
  claimKey: string | null;
  /** The log entry's id; null with the log off. */
  deliveryId: string | null;
  /** ISO 8601, the store's clock. */
  receivedAt: string;
}

/** A logged delivery with its body as an object, Plaid's tokens in it masked: what an operator may read. */
export interface ShownDelivery extends LoggedDelivery {
  body: unknown;
}

/** A delivery a replay emits again, as it arrived. */
export interface ReplayableDelivery {
  id: string;
  nodeId: string;
  receivedAt: string;
  bodySha256: string;
  webhookType: string;
  webhookCode: string;
  /** Decrypts the body (throws TOKEN_UNREADABLE for an altered entry). */
  body(): Record<string, unknown>;
}

export interface DeliveryLogOptions {
  storage: ItemStorage;
  seal: BodySeal;
  /** The store's holder in claims. */
  holder: string;
  now: () => number;
  leaseMs: number;
  /** Runs a backend operation, turning its failures into the store's errors. */
  guard: <T>(what: string, run: () => Promise<T>) => Promise<T>;
  /** Before each batch of claims: the store's periodic pruning of expired claims. */
  beforeClaims: () => Promise<void>;
}

/** Emits 'recorded' after each delivery written to the log, and 'replayed' after a replay (live views). */
export class DeliveryLog extends EventEmitter {
  readonly #options: DeliveryLogOptions;
  readonly #batcher: ClaimBatcher;

  constructor(options: DeliveryLogOptions) {
    super();
    this.#options = options;
    this.#batcher = new ClaimBatcher((batch) => this.#claimBatch(batch));
  }

  /**
   * Claims and logs a verified delivery, durably, before it is answered. A delivery is a duplicate while its body
   * was claimed within CLAIM_RETENTION_MS and no other delivery for its Item (its claim scope) was claimed since;
   * one without an item_id is a duplicate of the same bytes. A copy of a delivery another instance holds pending
   * rejects with DELIVERY_IN_PROGRESS (answer 503: Plaid delivers it again).
   */
  async record(delivery: DeliveryToRecord, options: RecordOptions): Promise<RecordedDelivery> {
    const nowMs = this.#options.now();
    const row = options.log ? this.#row(delivery, nowMs) : null;
    const key = options.dedupe ? delivery.bodySha256 : null;
    const result = await this.#batcher.claim({
      key,
      scope: key !== null && delivery.itemId ? `item:${delivery.itemId}` : null,
      leaseMs: this.#options.leaseMs,
      delivery: row,
    });
    if (result === 'in_progress') {
      throw new ItemStoreError('DELIVERY_IN_PROGRESS', 'this delivery is being handled by another instance (claimed, not yet emitted)');
    }
    if (row) this.emit('recorded');
    return {
      duplicate: result === 'duplicate',
      claimKey: result === 'claimed' ? key : null,
      deliveryId: row?.id ?? null,
      receivedAt: new Date(nowMs).toISOString(),
    };
  }

  /** The delivery was emitted: a copy of it is a duplicate from now on. */
  async confirm(recorded: RecordedDelivery): Promise<void> {
    if (recorded.claimKey !== null) await this.#batcher.confirm(recorded.claimKey, CLAIM_RETENTION_MS);
  }

  /** The delivery is answered 503 after all: its claim and its log entry go, so Plaid's retry is a new delivery. */
  async release(recorded: RecordedDelivery): Promise<void> {
    const { storage, holder, guard } = this.#options;
    if (recorded.claimKey !== null) await guard('release a claim in', () => storage.release(recorded.claimKey as string, holder));
    if (recorded.deliveryId !== null && !recorded.duplicate) {
      await guard('forget a delivery in', () => storage.deleteDelivery(recorded.deliveryId as string));
    }
  }

  /** The newest `limit` deliveries `filter` selects, without bodies, and how many it selects in all. */
  async list(filter: DeliveryFilter, limit: number): Promise<{ deliveries: LoggedDelivery[]; total: number }> {
    const { storage, guard } = this.#options;
    const [rows, total] = await guard('read the delivery log of', () =>
      Promise.all([storage.listDeliveries(filter, { order: 'newest', limit }), storage.countDeliveries(filter)]),
    );
    return { deliveries: rows.map(loggedDelivery), total };
  }

  /** One delivery with its body, every Plaid token in it masked; undefined when the log does not hold it. */
  async show(id: string): Promise<ShownDelivery | undefined> {
    const { storage, guard, seal } = this.#options;
    const [row] = await guard('read the delivery log of', () => storage.readDeliveries({ ids: [id] }, { order: 'oldest' }));
    if (!row) return undefined;
    return { ...loggedDelivery(row), body: maskTokensIn(JSON.parse(seal.open(row.id, row.body_ciphertext))) };
  }

  /** How many deliveries `filter` selects. */
  async count(filter: DeliveryFilter): Promise<number> {
    const { storage, guard } = this.#options;
    return guard('read the delivery log of', () => storage.countDeliveries(filter));
  }

  /** The deliveries `filter` selects, oldest first (the order they arrived in), their bodies still sealed. */
  async replayable(filter: DeliveryFilter): Promise<ReplayableDelivery[]> {
    const { storage, guard, seal } = this.#options;
    const rows = await guard('read the delivery log of', () => storage.readDeliveries(filter, { order: 'oldest' }));
    return rows.map((row) => ({
      id: row.id,
      nodeId: row.node_id,
      receivedAt: new Date(row.received_at_ms).toISOString(),
      bodySha256: row.body_sha256,
      webhookType: row.webhook_type,
      webhookCode: row.webhook_code,
      body: () => JSON.parse(seal.open(row.id, row.body_ciphertext)) as Record<string, unknown>,
    }));
  }

  /**
   * Claims each delivery for replay request `replayId`, once across every instance: `claimed` ones are this
   * process's to emit (then finishReplay, or abandonReplay); `duplicate` ones this request already replayed;
   * `in_progress` ones another instance is replaying now.
   */
  async claimReplay(replayId: string, deliveryIds: readonly string[]): Promise<ClaimResult[]> {
    const results = await Promise.all(
      deliveryIds.map((id) => this.#batcher.claim({ key: replayKey(replayId, id), scope: null, leaseMs: REPLAY_LEASE_MS, delivery: null })),
    );
    return results as ClaimResult[];
  }

  /** The claimed deliveries were emitted: their claims are confirmed and their outcome is `replayed`. */
  async finishReplay(replayId: string, deliveryIds: readonly string[]): Promise<void> {
    const { storage, guard } = this.#options;
    await Promise.all(deliveryIds.map((id) => this.#batcher.confirm(replayKey(replayId, id), REPLAY_RETENTION_MS)));
    await guard('record a replay in', () => storage.markReplayed(deliveryIds));
    if (deliveryIds.length) this.emit('replayed');
  }

  /** The claimed deliveries were not emitted after all: the same request sent again replays them. */
  async abandonReplay(replayId: string, deliveryIds: readonly string[]): Promise<void> {
    const { storage, holder, guard } = this.#options;
    for (const id of deliveryIds) await guard('release a claim in', () => storage.release(replayKey(replayId, id), holder));
  }

  /**
   * Deletes `nodeId`'s entries older than `retentionDays` (all of them when 0: its log is off), and those of nodes
   * that no longer run (none of `running`) older than the longer of it and DEFAULT_RETENTION_DAYS. At most once per
   * PRUNE_INTERVAL_MS per node and retention across instances (a claim); resolves to how many went (0 when another
   * instance pruned lately).
   */
  async prune(nodeId: string, retentionDays: number, running: readonly string[]): Promise<number> {
    const { storage, holder, guard, now } = this.#options;
    const key = `prune-deliveries:${nodeId}:${retentionDays}`;
    if ((await guard('claim work in', () => storage.claim(key, holder, now(), PRUNE_INTERVAL_MS))) !== 'claimed') return 0;
    try {
      const nowMs = now();
      const pruned = await guard('prune the delivery log of', () =>
        storage.pruneDeliveries({
          node: nodeId,
          // 0: the log is off, and nothing of it is kept.
          beforeMs: retentionDays > 0 ? nowMs - retentionDays * DAY_MS : Number.MAX_SAFE_INTEGER,
          othersBeforeMs: nowMs - Math.max(retentionDays, DEFAULT_RETENTION_DAYS) * DAY_MS,
          running,
        }),
      );
      await guard('confirm a claim in', () => storage.confirm(key, holder, now(), PRUNE_INTERVAL_MS));
      return pruned;
    } catch (err) {
      await storage.release(key, holder).catch(() => undefined);
      throw err;
    }
  }

  #row(delivery: DeliveryToRecord, nowMs: number): DeliveryRow {
    const id = timeOrderedUuid(nowMs);
    return {
      id,
      received_at_ms: nowMs,
      webhook_type: delivery.webhookType,
      webhook_code: delivery.webhookCode,
      item_id: delivery.itemId,
      environment: delivery.environment,
      body_sha256: delivery.bodySha256,
      node_id: delivery.nodeId,
      // The backend writes what the claim found (emitted or duplicate).
      outcome: 'emitted',
      body_ciphertext: this.#options.seal.seal(id, delivery.raw.toString('utf8')),
    };
  }

  async #claimBatch(batch: ClaimBatch): Promise<BatchResult[]> {
    const { storage, holder, guard, now, beforeClaims } = this.#options;
    return guard('record deliveries in', async () => {
      await beforeClaims();
      return storage.claimBatch(batch, holder, now());
    });
  }
}

const replayKey = (replayId: string, deliveryId: string): string => `replay:${replayId}:${deliveryId}`;
