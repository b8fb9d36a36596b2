// The Item store on PostgreSQL, shared by every Node-RED instance pointed at the same database: the row-level
// work (one transaction per update, insert-if-absent claims) happens in the database, so instances need no
// coordination of their own. Every pg failure becomes a StorageUnavailableError; pg.Pool replaces broken
// connections by itself, so the store recovers when the server comes back.
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import type { ItemEvent, ItemRecord, ItemStatus, StoredItem } from './record';
import { CLAIMS_TABLE, ITEMS_TABLE, META_TABLE, migrate } from './postgres-schema';
import { StorageUnavailableError, type ClaimResult, type ItemListFilter, type ItemStorage } from './storage';

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
    // Insert-if-absent, then read: when two instances start at once with different keys, both read the one
    // value that won, and the one whose key does not decrypt it reports so.
    await this.run(`INSERT INTO ${META_TABLE} (key, value) VALUES ('key_check', $1) ON CONFLICT (key) DO NOTHING`, [candidate]);
    const rows = await this.query<{ value: string }>(`SELECT value FROM ${META_TABLE} WHERE key = 'key_check'`);
    return rows[0].value;
  }

  async get(itemId: string): Promise<StoredItem | undefined> {
    const rows = await this.query<ItemRow>(`SELECT ${ROW_COLUMNS} FROM ${ITEMS_TABLE} WHERE item_id = $1`, [itemId]);
    return rows[0] && toStored(rows[0]);
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

  async countByStatus(): Promise<Partial<Record<ItemStatus, number>>> {
    const rows = await this.query<{ status: ItemStatus; count: number }>(`SELECT status, count(*)::int AS count FROM ${ITEMS_TABLE} GROUP BY status`);
    return Object.fromEntries(rows.map((row) => [row.status, row.count]));
  }

  async update(itemId: string, change: (current: StoredItem | undefined) => StoredItem | undefined): Promise<StoredItem | undefined> {
    return this.transaction(async (client) => {
      // Two tries at most: the row is absent, and another instance inserts it between our read and our insert
      // (ON CONFLICT DO NOTHING then waits for that transaction and inserts nothing); the second read sees its row.
      for (let attempt = 0; ; attempt++) {
        const found = await client.query<ItemRow>(`SELECT ${ROW_COLUMNS} FROM ${ITEMS_TABLE} WHERE item_id = $1 FOR UPDATE`, [itemId]);
        const current = found.rows[0] && toStored(found.rows[0]);
        const next = applyChange(change, current);
        if (!next) return current;
        if (next.record.item_id !== itemId) throw new StorageUnavailableError(`the change to Item ${itemId} returned another Item's row`);
        const values = [itemId, next.record.status, next.record.link_token, next.record, next.tokenCiphertext, JSON.stringify(next.history)];
        if (current) {
          await client.query(
            `UPDATE ${ITEMS_TABLE} SET status = $2, link_token = $3, record = $4, token_ciphertext = $5, history = $6::jsonb,
               updated_at = now() WHERE item_id = $1`,
            values,
          );
          return next;
        }
        const inserted = await client.query(
          `INSERT INTO ${ITEMS_TABLE} (item_id, status, link_token, record, token_ciphertext, history)
             VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT (item_id) DO NOTHING`,
          values,
        );
        if (inserted.rowCount === 1) return next;
        if (attempt > 0) throw new StorageUnavailableError(`Item ${itemId} could not be written: its row kept changing`);
      }
    });
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
    try {
      const result = await work(client);
      client.off('error', onError);
      client.release(broken);
      return result;
    } catch (err) {
      client.off('error', onError);
      client.release(err instanceof ChangeError ? broken : ((broken ?? err) as Error));
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

/** What the caller's `change` threw: it goes back to the caller as it is (nothing was written). */
class ChangeError extends Error {
  constructor(readonly original: unknown) {
    super('the change threw');
  }
}

function applyChange(change: (current: StoredItem | undefined) => StoredItem | undefined, current: StoredItem | undefined): StoredItem | undefined {
  try {
    return change(current);
  } catch (err) {
    throw new ChangeError(err);
  }
}
