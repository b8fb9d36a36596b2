// The Item store on PostgreSQL, shared by every Node-RED instance pointed at the same database: the row-level
// work (one transaction per update, insert-if-absent claims) happens in the database, so instances need no
// coordination of their own. Every pg failure becomes a StorageUnavailableError; pg.Pool replaces broken
// connections by itself, so the store recovers when the server comes back.
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { Batcher } from './batcher';
import type { DeliveryFilter, DeliveryListing, DeliveryRow, DeliverySummaryRow } from './delivery-record';
import { binder, deliveryPrune, deliverySelect, deliveryWhere, DELIVERY_COLUMNS, SUMMARY_COLUMNS } from './delivery-sql';
import type { ItemEvent, ItemRecord, ItemStatus, StoredItem } from './record';
import { CLAIM_BATCH_FUNCTION, CLAIMS_TABLE, DELIVERIES_TABLE, ITEMS_TABLE, LAST_CHECK, META_TABLE, migrate, REPAIR_CASES_TABLE } from './postgres-schema';
import { dueMs, type RepairCase, type RepairCaseFilter } from './repair-case';
import { StorageUnavailableError, withoutKeyCheck } from './storage';
import type { BatchResult, ClaimBatch, ClaimResult, DeliveryPruneRule, ItemChange, ItemListFilter, ItemStorage } from './storage';

export interface PostgresStorageOptions {
  /** postgres://user:password@host:port/database (the password never appears in an error). */
  url: string;
  /** Connections this instance keeps at most. */
  poolMax?: number;
  /** How long to wait for a connection (from the pool or a new one to the server). */
  connectTimeoutMs?: number;
  /** How long one statement may run (server side) and one query may wait for its answer (client side). */
  queryTimeoutMs?: number;
  /** How long an unused connection stays open. */
  idleTimeoutMs?: number;
}

export const POSTGRES_DEFAULTS = {
  poolMax: 10,
  connectTimeoutMs: 5000,
  queryTimeoutMs: 10000,
  idleTimeoutMs: 30000,
} as const;

interface ItemRow {
  record: ItemRecord;
  token_ciphertext: string | null;
  history: ItemEvent[];
}

/** A row with `xmin` (the id of the transaction that wrote it), as text: an update writes only the version it read. */
type VersionedRow = ItemRow & { version: string };

/** Item_ids one read statement takes at most. */
const MAX_READS_PER_BATCH = 256;

const ROW_COLUMNS = 'record, token_ciphertext, history';

const toStored = (row: ItemRow): StoredItem => ({ record: row.record, tokenCiphertext: row.token_ciphertext, history: row.history });

/** The URL as it may be shown: user, host, port and database, without the password. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return `${parsed.protocol}//${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL (URL not readable)';
  }
}

/** Every form of the password a message could carry: as written in the URL and decoded. */
function secretsOf(url: string): string[] {
  try {
    const password = new URL(url).password;
    return password ? [url, password, decodeURIComponent(password)] : [url];
  } catch {
    return [url];
  }
}

export class PostgresStorage implements ItemStorage {
  private readonly pool: Pool;
  private readonly label: string;
  private readonly secrets: string[];
  /**
   * Rows read by item_id, with their version (see update): the reads asked for together go as one statement (every
   * webhook on a store reads its Item's row, most often to find the store does not hold it).
   */
  private readonly rows = new Batcher<string, VersionedRow | undefined>(async (itemIds) => {
    const found = await this.query<VersionedRow & { item_id: string }>(
      `SELECT item_id, ${ROW_COLUMNS}, xmin::text AS version FROM ${ITEMS_TABLE} WHERE item_id = ANY($1::text[])`,
      [[...new Set(itemIds)]],
    );
    const byId = new Map(found.map((row) => [row.item_id, row]));
    return itemIds.map((itemId) => byId.get(itemId));
  }, MAX_READS_PER_BATCH);
  /** Set once the schema is known to be current; a failed open is retried by the next operation. */
  private schemaReady?: Promise<void>;
  private closed = false;

  constructor(options: PostgresStorageOptions) {
    this.label = describePostgresUrl(options.url);
    this.secrets = secretsOf(options.url);
    const queryTimeout = options.queryTimeoutMs ?? POSTGRES_DEFAULTS.queryTimeoutMs;
    const config: PoolConfig = {
      connectionString: options.url,
      max: options.poolMax ?? POSTGRES_DEFAULTS.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
      idleTimeoutMillis: options.idleTimeoutMs ?? POSTGRES_DEFAULTS.idleTimeoutMs,
      statement_timeout: queryTimeout,
      // A little later than the server's own limit, so a slow statement ends with the server's clear error; this
      // one catches a server that stopped answering at all.
      query_timeout: queryTimeout + 1000,
      // A transaction left open by a process that died holding row locks ends on its own.
      idle_in_transaction_session_timeout: queryTimeout * 3,
      application_name: 'node-red-plaid item store',
    };
    this.pool = new Pool(config);
    // An idle connection that breaks (server restart, network) is dropped from the pool, which emits this: without
    // a listener Node.js would throw it and end the process.
    this.pool.on('error', () => undefined);
  }

  async open(): Promise<void> {
    await this.schema();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  async keyCheck(candidate: string): Promise<string> {
    // Insert-if-absent (into a store without Items only), then read: when two instances start at once with
    // different keys, both read the one value that won, and the one whose key does not decrypt it reports so.
    await this.run(
      `INSERT INTO ${META_TABLE} (key, value) SELECT 'key_check', $1 WHERE NOT EXISTS (SELECT 1 FROM ${ITEMS_TABLE})
         ON CONFLICT (key) DO NOTHING`,
      [candidate],
    );
    const rows = await this.query<{ value: string }>(`SELECT value FROM ${META_TABLE} WHERE key = 'key_check'`);
    if (rows[0]) return rows[0].value;
    const [{ count }] = await this.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${ITEMS_TABLE}`);
    throw withoutKeyCheck(`The Item store on ${this.label}`, count);
  }

  async replaceKeyCheck(expected: string, next: string): Promise<boolean> {
    return (await this.run(`UPDATE ${META_TABLE} SET value = $2 WHERE key = 'key_check' AND value = $1`, [expected, next])) === 1;
  }

  async get(itemId: string): Promise<StoredItem | undefined> {
    const row = await this.rows.add(itemId);
    return row && toStored(row);
  }

  async findByLinkToken(linkToken: string): Promise<StoredItem | undefined> {
    const rows = await this.query<ItemRow>(
      `SELECT ${ROW_COLUMNS} FROM ${ITEMS_TABLE} WHERE link_token = $1 ORDER BY updated_at DESC LIMIT 1`,
      [linkToken],
    );
    return rows[0] && toStored(rows[0]);
  }

  async list(filter: ItemListFilter): Promise<StoredItem[]> {
    const statuses = filter.statuses && filter.statuses.length > 0 ? [...filter.statuses] : undefined;
    const rows = statuses
      ? await this.query<ItemRow>(`SELECT ${ROW_COLUMNS} FROM ${ITEMS_TABLE} WHERE status = ANY($1::text[]) ORDER BY item_id`, [statuses])
      : await this.query<ItemRow>(`SELECT ${ROW_COLUMNS} FROM ${ITEMS_TABLE} ORDER BY item_id`);
    return rows.map(toStored);
  }

  async listEnvelopes(): Promise<Array<{ itemId: string; tokenCiphertext: string }>> {
    const rows = await this.query<{ item_id: string; token_ciphertext: string }>(`SELECT item_id, token_ciphertext FROM ${ITEMS_TABLE} WHERE token_ciphertext IS NOT NULL`);
    return rows.map((row) => ({ itemId: row.item_id, tokenCiphertext: row.token_ciphertext }));
  }

  async countByStatus(): Promise<Partial<Record<ItemStatus, number>>> {
    const rows = await this.query<{ status: ItemStatus; count: number }>(`SELECT status, count(*)::int AS count FROM ${ITEMS_TABLE} GROUP BY status`);
    return Object.fromEntries(rows.map((row) => [row.status, row.count]));
  }

  async oldestCheck(): Promise<string | undefined> {
    const [{ oldest }] = await this.query<{ oldest: string | null }>(`SELECT MIN(${LAST_CHECK}) AS oldest FROM ${ITEMS_TABLE} WHERE status <> 'removed'`);
    return oldest ?? undefined;
  }

  async update(itemId: string, change: (current: StoredItem | undefined) => StoredItem | undefined): Promise<StoredItem | undefined> {
    // Optimistically first: the row is read with its version (xmin, the id of the transaction that wrote it) and
    // written only if no one wrote it since, so an update costs two statements and holds no transaction open, and
    // one that changes nothing (a webhook for an Item the store does not hold) one. Someone did: read again. Under
    // lasting contention, the locked way, which always makes progress.
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
      const found = await this.rows.add(itemId);
      const current = found && toStored(found);
      const next = change(current);
      if (!next) return current;
      if (await this.withClient((client) => writeRow(client, itemId, next, found ? found.version : null), true)) return next;
    }
    return (await this.updateMany([{ itemId, change }]))[0];
  }

  /** The locked way: every row read FOR UPDATE in one transaction (a reconcile's batch of answers, contention). */
  async updateMany(changes: readonly ItemChange[]): Promise<Array<StoredItem | undefined>> {
    if (changes.length === 0) return [];
    return this.transaction(async (client) => {
      const written = new Array<StoredItem | undefined>(changes.length);
      // Rows locked in item_id order: two transactions never wait for each other's rows in a cycle.
      const order = changes.map((_, index) => index).sort((a, b) => (changes[a].itemId < changes[b].itemId ? -1 : changes[a].itemId > changes[b].itemId ? 1 : a - b));
      for (const index of order) written[index] = await this.changeItem(client, changes[index].itemId, changes[index].change);
      return written;
    });
  }

  /** Reads the Item's row for update, applies `change` and writes its result, inside the caller's transaction. */
  private changeItem(client: PoolClient, itemId: string, change: ItemChange['change']): Promise<StoredItem | undefined> {
    return this.changeRow(
      async () => {
        const found = await client.query<ItemRow>(`SELECT ${ROW_COLUMNS} FROM ${ITEMS_TABLE} WHERE item_id = $1 FOR UPDATE`, [itemId]);
        return found.rows[0] && toStored(found.rows[0]);
      },
      change,
      (next, existed) => writeRow(client, itemId, next, existed ? undefined : null),
      `Item ${itemId}`,
    );
  }

  async delete(itemId: string): Promise<boolean> {
    const result = await this.run(`DELETE FROM ${ITEMS_TABLE} WHERE item_id = $1`, [itemId]);
    return result === 1;
  }

  async claim(key: string, holder: string, nowMs: number, leaseMs: number): Promise<ClaimResult> {
    // One statement, so atomic across instances: the row is inserted, or an expired claim taken over; a live claim
    // makes the WHERE false, and the second statement says which kind holds it.
    const claimed = await this.run(
      `INSERT INTO ${CLAIMS_TABLE} (key, holder, confirmed, expires_at_ms) VALUES ($1, $2, false, $3)
         ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, confirmed = false, expires_at_ms = EXCLUDED.expires_at_ms
         WHERE ${CLAIMS_TABLE}.expires_at_ms <= $4`,
      [key, holder, nowMs + leaseMs, nowMs],
    );
    if (claimed === 1) return 'claimed';
    const found = await this.query<{ confirmed: boolean }>(`SELECT confirmed FROM ${CLAIMS_TABLE} WHERE key = $1`, [key]);
    // Released in between: as good as in progress (the retry will claim it).
    return found[0]?.confirmed ? 'duplicate' : 'in_progress';
  }

  async renew(key: string, holder: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const renewed = await this.run(
      `UPDATE ${CLAIMS_TABLE} SET expires_at_ms = $3 WHERE key = $1 AND holder = $2 AND NOT confirmed AND expires_at_ms > $4`,
      [key, holder, nowMs + leaseMs, nowMs],
    );
    return renewed === 1;
  }

  async confirm(key: string, holder: string, nowMs: number, retentionMs: number): Promise<boolean> {
    const confirmed = await this.run(
      `UPDATE ${CLAIMS_TABLE} SET confirmed = true, expires_at_ms = $3 WHERE key = $1 AND holder = $2 AND NOT confirmed`,
      [key, holder, nowMs + retentionMs],
    );
    return confirmed === 1;
  }

  async release(key: string, holder: string): Promise<void> {
    await this.run(`DELETE FROM ${CLAIMS_TABLE} WHERE key = $1 AND holder = $2`, [key, holder]);
  }

  async pruneClaims(nowMs: number): Promise<void> {
    await this.run(`DELETE FROM ${CLAIMS_TABLE} WHERE expires_at_ms <= $1`, [nowMs]);
  }

  async getCase(itemId: string): Promise<RepairCase | undefined> {
    const rows = await this.query<{ record: RepairCase }>(`SELECT record FROM ${REPAIR_CASES_TABLE} WHERE item_id = $1`, [itemId]);
    return rows[0]?.record;
  }

  async updateCase(itemId: string, change: (current: RepairCase | undefined) => RepairCase | undefined): Promise<RepairCase | undefined> {
    return this.transaction((client) => this.changeRow(
      async () => {
        const found = await client.query<{ record: RepairCase }>(`SELECT record FROM ${REPAIR_CASES_TABLE} WHERE item_id = $1 FOR UPDATE`, [itemId]);
        return found.rows[0]?.record;
      },
      change,
      async (next, existed) => {
        const values = [itemId, next.owner, next.closed_at === null, dueMs(next), next];
        const written = existed
          ? await client.query(`UPDATE ${REPAIR_CASES_TABLE} SET owner = $2, open = $3, next_due_ms = $4, record = $5 WHERE item_id = $1`, values)
          : await client.query(
            `INSERT INTO ${REPAIR_CASES_TABLE} (item_id, owner, open, next_due_ms, record) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (item_id) DO NOTHING`,
            values,
          );
        return written.rowCount === 1;
      },
      `the repair case of Item ${itemId}`,
    ));
  }

  async countOpenCases(): Promise<number> {
    const [{ count }] = await this.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${REPAIR_CASES_TABLE} WHERE open`);
    return count;
  }

  async listCases(filter: RepairCaseFilter): Promise<RepairCase[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const where = (sql: string, value: unknown): void => {
      values.push(value);
      conditions.push(sql.replace('?', `$${values.length}`));
    };
    if (filter.owner !== undefined) where('owner = ?', filter.owner);
    if (filter.open !== undefined) where('open = ?', filter.open);
    if (filter.dueBy !== undefined) where('next_due_ms <= ?', filter.dueBy);
    values.push(filter.limit === undefined ? null : Math.max(0, Math.floor(filter.limit)));
    const rows = await this.query<{ record: RepairCase }>(
      `SELECT record FROM ${REPAIR_CASES_TABLE}${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''}
         ORDER BY next_due_ms ASC NULLS LAST, item_id LIMIT $${values.length}`,
      values,
    );
    return rows.map((row) => row.record);
  }

  /**
   * Reads a row with `read`, hands it to `change` and writes the result with `write` (false: the row appeared
   * meanwhile, another instance inserted it; ON CONFLICT DO NOTHING waited for that transaction, so the second read
   * sees it). `read` and `write` run in the caller's transaction; undefined from `change` writes nothing.
   */
  private async changeRow<T>(
    read: () => Promise<T | undefined>,
    change: (current: T | undefined) => T | undefined,
    write: (next: T, existed: boolean) => Promise<boolean>,
    subject: string,
  ): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      const current = await read();
      const next = applyChange(change, current);
      if (!next) return current;
      if (await write(next, current !== undefined)) return next;
      if (attempt > 0) throw new StorageUnavailableError(`${subject} could not be written: its row kept changing`);
    }
  }

  async claimBatch(batch: ClaimBatch, holder: string, nowMs: number): Promise<BatchResult[]> {
    const rows = batch.claims.map((claim) => claim.delivery);
    const column = <K extends keyof DeliveryRow>(name: K) => rows.map((row) => (row ? row[name] : null));
    const values = [
      holder,
      nowMs,
      batch.confirms.map((c) => c.key),
      batch.confirms.map((c) => nowMs + c.retentionMs),
      batch.claims.map((c) => c.key),
      batch.claims.map((c) => c.scope),
      batch.claims.map((c) => nowMs + c.leaseMs),
      column('id'),
      column('received_at_ms'),
      column('webhook_type'),
      column('webhook_code'),
      column('item_id'),
      column('environment'),
      column('body_sha256'),
      column('node_id'),
      column('body_ciphertext'),
    ];
    const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
    // Two batches of two instances that claim the same keys in opposite orders can deadlock; PostgreSQL then
    // aborts one of them whole, which is safe to run again.
    for (let attempt = 1; ; attempt++) {
      try {
        const found = await this.query<{ results: BatchResult[] }>(`SELECT ${CLAIM_BATCH_FUNCTION}(${placeholders}) AS results`, values);
        return found[0].results;
      } catch (err) {
        const code = (err as { cause?: { code?: unknown } }).cause?.code;
        if (code !== DEADLOCK_DETECTED || attempt >= DEADLOCK_ATTEMPTS) throw err;
      }
    }
  }

  async listDeliveries(filter: DeliveryFilter, listing: DeliveryListing): Promise<DeliverySummaryRow[]> {
    return (await this.selectDeliveries(SUMMARY_COLUMNS, filter, listing)).map(numericTime);
  }

  async readDeliveries(filter: DeliveryFilter, listing: DeliveryListing): Promise<DeliveryRow[]> {
    return (await this.selectDeliveries(DELIVERY_COLUMNS, filter, listing)).map(numericTime) as DeliveryRow[];
  }

  async countDeliveries(filter: DeliveryFilter): Promise<number> {
    const { bind, values } = binder(pgPlaceholder);
    const rows = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${DELIVERIES_TABLE}${deliveryWhere(filter, bind)}`, values);
    return rows[0].n;
  }

  async markReplayed(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.run(`UPDATE ${DELIVERIES_TABLE} SET outcome = 'replayed' WHERE id = ANY($1::text[])`, [[...ids]]);
  }

  async deleteDelivery(id: string): Promise<void> {
    await this.run(`DELETE FROM ${DELIVERIES_TABLE} WHERE id = $1`, [id]);
  }

  async pruneDeliveries(rule: DeliveryPruneRule): Promise<number> {
    const { bind, values } = binder(pgPlaceholder);
    return this.run(deliveryPrune(DELIVERIES_TABLE, rule, bind), values);
  }

  private async selectDeliveries(columns: readonly string[], filter: DeliveryFilter, listing: DeliveryListing): Promise<DeliverySummaryRow[]> {
    const { bind, values } = binder(pgPlaceholder);
    return this.query<DeliverySummaryRow>(deliverySelect(DELIVERIES_TABLE, columns, filter, listing, bind), values);
  }

  /** Ensures the schema once; after a failure (server down at start) the next call tries again. */
  private schema(): Promise<void> {
    if (this.closed) return Promise.reject(new StorageUnavailableError(`the Item store on ${this.label} is closed`));
    this.schemaReady ??= this.withClient(async (client) => {
      await migrate(client);
    }).catch((err: unknown) => {
      this.schemaReady = undefined;
      throw err;
    });
    return this.schemaReady;
  }

  private async query<Row extends object>(text: string, values?: unknown[]): Promise<Row[]> {
    return this.withClient(async (client) => (await client.query<Row>(text, values)).rows, true);
  }

  /** Runs a statement; resolves to the number of rows it touched. */
  private async run(text: string, values: unknown[]): Promise<number> {
    return this.withClient(async (client) => (await client.query(text, values)).rowCount ?? 0, true);
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }, true);
  }

  /**
   * A pooled connection for `work`, released afterwards (destroyed after a failure, which may have broken it).
   * Errors of `work` other than the caller's own (see applyChange) come out as StorageUnavailableError.
   */
  private async withClient<T>(work: (client: PoolClient) => Promise<T>, needsSchema = false): Promise<T> {
    if (needsSchema) await this.schema();
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.unavailable(err);
    }
    // A connection that breaks while checked out (server restart between two statements of a transaction) emits
    // 'error' on the client, which the pool only listens for on idle ones: unheard, Node.js would end the process.
    // The statement in progress, or the next one, fails on its own and is reported from there.
    let broken: Error | undefined;
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    const release = (error: Error | undefined): void => {
      client.off('error', onError);
      // Released with an error, the connection is closed and dropped; the server may still send on it meanwhile (a
      // shutdown's "terminating connection"), which pg emits as 'error' on a client no pool listens to any more.
      if (error) client.on('error', () => undefined);
      client.release(error);
    };
    try {
      const result = await work(client);
      release(broken);
      return result;
    } catch (err) {
      release(err instanceof ChangeError ? broken : ((broken ?? err) as Error));
      if (err instanceof ChangeError) throw err.original;
      throw this.unavailable(err);
    }
  }

  private unavailable(err: unknown): StorageUnavailableError {
    if (err instanceof StorageUnavailableError) return err;
    const code = (err as { code?: unknown })?.code;
    let detail = err instanceof Error ? err.message : String(err);
    for (const secret of this.secrets) if (secret) detail = detail.split(secret).join('[redacted]');
    return new StorageUnavailableError(
      `the Item store's PostgreSQL (${this.label}) failed: ${detail}${typeof code === 'string' ? ` (${code})` : ''}`,
      err,
    );
  }
}

const pgPlaceholder = (n: number): string => `$${n}`;
/** PostgreSQL's SQLSTATE for a deadlock it broke by aborting one transaction. */
const DEADLOCK_DETECTED = '40P01';
const DEADLOCK_ATTEMPTS = 3;

/** pg hands bigint columns back as text: the log's times are ms since the epoch, well within a double. */
function numericTime<Row extends { received_at_ms: number }>(row: Row): Row {
  return { ...row, received_at_ms: Number(row.received_at_ms) };
}

/** Optimistic tries of an update before it takes the row's lock. */
const OPTIMISTIC_ATTEMPTS = 5;

/**
 * Writes `next` as the row of `itemId`: an insert when `version` is null (none if the row exists by now), else an
 * update, only of the row at `version` when one is given. Resolves to whether it wrote.
 */
async function writeRow(client: PoolClient, itemId: string, next: StoredItem, version: string | null | undefined): Promise<boolean> {
  if (next.record.item_id !== itemId) throw new StorageUnavailableError(`the change to Item ${itemId} returned another Item's row`);
  const values: unknown[] = [itemId, next.record.status, next.record.link_token, next.record, next.tokenCiphertext, JSON.stringify(next.history)];
  if (version === null) {
    const inserted = await client.query(
      `INSERT INTO ${ITEMS_TABLE} (item_id, status, link_token, record, token_ciphertext, history)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT (item_id) DO NOTHING`,
      values,
    );
    return inserted.rowCount === 1;
  }
  const unchanged = version === undefined ? '' : ` AND xmin::text = $${values.push(version)}`;
  const updated = await client.query(
    `UPDATE ${ITEMS_TABLE} SET status = $2, link_token = $3, record = $4, token_ciphertext = $5, history = $6::jsonb,
       updated_at = now() WHERE item_id = $1${unchanged}`,
    values,
  );
  return updated.rowCount === 1;
}

/** What the caller's `change` threw: it goes back to the caller as it is (nothing was written). */
class ChangeError extends Error {
  constructor(readonly original: unknown) {
    super('the change threw');
  }
}

function applyChange<T>(change: (current: T | undefined) => T | undefined, current: T | undefined): T | undefined {
  try {
    return change(current);
  } catch (err) {
    throw new ChangeError(err);
  }
}
