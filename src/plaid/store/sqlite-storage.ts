// The embedded backend: one SQLite file through Node's built-in node:sqlite (nothing to compile). WAL with
// synchronous=FULL, so a write that resolved is on disk; the file (and its -wal/-shm companions) readable by the
// owner only. Only a missing file is created: an existing one that is empty, not SQLite, damaged or not an Item
// store is refused, since opening it as new would hide every Item it held.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { DeliveryFilter, DeliveryListing, DeliveryRow, DeliverySummaryRow } from './delivery-record';
import { binder, deliveryInsert, deliveryPrune, deliverySelect, deliveryWhere, DELIVERY_COLUMNS, SUMMARY_COLUMNS } from './delivery-sql';
import type { ItemEvent, ItemRecord, ItemStatus, StoredItem } from './record';
import { dueMs, type RepairCase, type RepairCaseFilter } from './repair-case';
import { LAST_CHECK, migrateSqlite, schemaVersionOf, SQLITE_SCHEMA_VERSION } from './sqlite-schema';
import { describeSqliteFailure, isDamage } from './sqlite-failures';
import {
  StorageRefusedError,
  StorageUnavailableError,
  withoutKeyCheck,
  type BatchClaim,
  type BatchResult,
  type ClaimBatch,
  type ClaimResult,
  type DeliveryPruneRule,
  type ItemChange,
  type ItemListFilter,
  type ItemStorage,
} from './storage';

const FILE_MODE = 0o600;
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** What every SQLite database file starts with. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export interface SqliteStorageOptions {
  /** The database file; its directory must exist. */
  file: string;
  /** How long a write waits for another process's lock before failing. */
  busyTimeoutMs?: number;
  /** A cap on the database's size, in pages of 4 KiB (unlimited when absent): beyond it writes fail as a full disk. */
  maxPages?: number;
}

const ITEM_COLUMNS = 'item_id, record, token, history';

/** What node:sqlite binds. */
type SqliteValue = string | number | bigint | null;
/** Numbered (?1, ?2...), so values bind by number whatever order a query's text names them in. */
const sqlitePlaceholder = (n: number): string => `?${n}`;

interface ItemRow {
  item_id: string;
  record: string;
  token: string | null;
  history: string;
}

/** node:sqlite is loaded when a store opens, so the package loads (and says why a store cannot) on any Node. */
function sqliteModule(): typeof import('node:sqlite') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
    return require('node:sqlite') as typeof import('node:sqlite');
  } catch {
    throw new StorageUnavailableError(
      `the sqlite backend needs Node.js 22.13 or later (node:sqlite; 22.9 to 22.12 only when started with --experimental-sqlite); this Node-RED runs on Node.js ${process.versions.node}`,
    );
  }
}

export class SqliteStorage implements ItemStorage {
  readonly file: string;
  readonly #busyTimeoutMs: number;
  readonly #maxPages?: number;
  #db?: DatabaseSync;
  /** Prepared once per connection: preparing is a measurable share of a lookup (bench/). */
  #statements = new Map<string, StatementSync>();

  constructor(options: SqliteStorageOptions) {
    this.file = path.resolve(options.file);
    this.#busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.#maxPages = options.maxPages;
  }

  async open(): Promise<void> {
    if (this.#db) return;
    const { DatabaseSync } = sqliteModule();
    this.#wrap('open', () => {
      if (!fs.existsSync(this.file)) createStoreFile(this.file, DatabaseSync);
      refuseUnlessSqlite(this.file);
    });
    const db = this.#wrap('open', () => new DatabaseSync(this.file));
    try {
      this.#wrap('open', () => {
        db.exec(`PRAGMA busy_timeout = ${this.#busyTimeoutMs}`);
        // Judged before anything is written to it (the journal mode is in the file's header).
        refuseIfDamaged(db, this.file);
        const found = schemaVersionOf(db);
        if (found === 0) throw notAnItemStore(this.file);
        if (found > SQLITE_SCHEMA_VERSION) throw newerThanPackage(this.file, found);
        db.exec('PRAGMA journal_mode = WAL');
        db.exec('PRAGMA synchronous = FULL');
        if (this.#maxPages !== undefined) db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(this.#maxPages))}`);
        // A store at the current version is opened with reads only: a process busy writing (another Node-RED, a
        // backup) does not keep a restart waiting for the write lock.
        if (found < SQLITE_SCHEMA_VERSION) {
          immediate(db, () => {
            const current = schemaVersionOf(db);
            if (current < SQLITE_SCHEMA_VERSION) migrateSqlite(db, current);
          });
        }
        for (const companion of ['-wal', '-shm']) restrictIfPresent(this.file + companion);
      });
    } catch (err) {
      db.close();
      throw err;
    }
    this.#db = db;
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#statements = new Map();
    db?.close();
  }

  async keyCheck(candidate: string): Promise<string> {
    return this.#run('write', () => {
      const stored = this.#keyCheckValue();
      if (stored !== undefined) return stored;
      return this.#immediate(() => {
        const found = this.#keyCheckValue();
        if (found !== undefined) return found;
        const { count } = this.#statement('SELECT count(*) AS count FROM items').get() as { count: number };
        if (Number(count) > 0) throw withoutKeyCheck(this.file, Number(count));
        this.#statement('INSERT INTO meta (key, value) VALUES (?, ?)').run('key_check', candidate);
        return candidate;
      });
    });
  }

  async replaceKeyCheck(expected: string, next: string): Promise<boolean> {
    return this.#run('write', () =>
      Number(this.#statement("UPDATE meta SET value = ? WHERE key = 'key_check' AND value = ?").run(next, expected).changes) > 0,
    );
  }

  #keyCheckValue(): string | undefined {
    return (this.#statement('SELECT value FROM meta WHERE key = ?').get('key_check') as { value: string } | undefined)?.value;
  }

  async get(itemId: string): Promise<StoredItem | undefined> {
    return this.#run('read', () => this.#readItem(itemId));
  }

  async findByLinkToken(linkToken: string): Promise<StoredItem | undefined> {
    return this.#run('read', () => {
      const row = this.#statement(`SELECT ${ITEM_COLUMNS} FROM items WHERE link_token = ? LIMIT 1`).get(linkToken);
      return row ? fromRow(row as unknown as ItemRow) : undefined;
    });
  }

  async list(filter: ItemListFilter): Promise<StoredItem[]> {
    return this.#run('read', () => {
      const statuses = filter.statuses ?? [];
      const where = statuses.length > 0 ? ` WHERE status IN (${statuses.map(() => '?').join(', ')})` : '';
      const rows = this.#statement(`SELECT ${ITEM_COLUMNS} FROM items${where} ORDER BY item_id`).all(...statuses);
      return (rows as unknown as ItemRow[]).map(fromRow);
    });
  }

  async listEnvelopes(): Promise<Array<{ itemId: string; tokenCiphertext: string }>> {
    return this.#run('read', () => {
      const rows = this.#statement('SELECT item_id, token FROM items WHERE token IS NOT NULL').all() as Array<{ item_id: string; token: string }>;
      return rows.map((row) => ({ itemId: row.item_id, tokenCiphertext: row.token }));
    });
  }

  async countByStatus(): Promise<Partial<Record<ItemStatus, number>>> {
    return this.#run('read', () => {
      const rows = this.#statement('SELECT status, COUNT(*) AS count FROM items GROUP BY status').all() as Array<{ status: ItemStatus; count: number }>;
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
    });
  }

  async oldestCheck(): Promise<string | undefined> {
    return this.#run('read', () => {
      const row = this.#statement(`SELECT MIN(${LAST_CHECK}) AS oldest FROM items WHERE status <> 'removed'`).get() as { oldest: string | null };
      return row.oldest ?? undefined;
    });
  }

  async update(
    itemId: string,
    change: (current: StoredItem | undefined) => StoredItem | undefined,
  ): Promise<StoredItem | undefined> {
    return (await this.updateMany([{ itemId, change }]))[0];
  }

  async updateMany(changes: readonly ItemChange[]): Promise<Array<StoredItem | undefined>> {
    return this.#changeRows((apply) =>
      changes.map(({ itemId, change }) =>
        apply(() => this.#readItem(itemId), change, (next) =>
          this.#statement(
            `INSERT INTO items (item_id, status, link_token, record, token, history) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (item_id) DO UPDATE SET status = excluded.status, link_token = excluded.link_token,
               record = excluded.record, token = excluded.token, history = excluded.history`,
          ).run(
            itemId,
            next.record.status,
            next.record.link_token,
            JSON.stringify(next.record),
            next.tokenCiphertext,
            JSON.stringify(next.history),
          ),
        ),
      ),
    );
  }

  async delete(itemId: string): Promise<boolean> {
    return this.#run('write', () => Number(this.#statement('DELETE FROM items WHERE item_id = ?').run(itemId).changes) > 0);
  }

  async claim(key: string, holder: string, nowMs: number, leaseMs: number): Promise<ClaimResult> {
    return this.#run('write', () => this.#immediate(() => this.#claimOne(key, null, holder, nowMs, leaseMs)));
  }

  async claimBatch(batch: ClaimBatch, holder: string, nowMs: number): Promise<BatchResult[]> {
    return this.#run('write', () =>
      this.#immediate(() => {
        for (const { key, retentionMs } of batch.confirms) this.#confirmOne(key, holder, nowMs, retentionMs);
        return batch.claims.map((claim) => this.#claimAndLog(claim, holder, nowMs));
      }),
    );
  }

  #claimAndLog(claim: BatchClaim, holder: string, nowMs: number): BatchResult {
    const result = claim.key === null ? 'recorded' : this.#claimOne(claim.key, claim.scope, holder, nowMs, claim.leaseMs);
    if (claim.delivery && result !== 'in_progress') {
      const row: DeliveryRow = { ...claim.delivery, outcome: result === 'duplicate' ? 'duplicate' : 'emitted' };
      const { bind, values } = binder(sqlitePlaceholder);
      this.#statement(deliveryInsert('deliveries', row, bind)).run(...(values as SqliteValue[]));
    }
    return result;
  }

  /** Insert, or take over a claim that has expired; no change means someone holds it: say which kind. */
  #claimOne(key: string, scope: string | null, holder: string, nowMs: number, leaseMs: number): ClaimResult {
    const result = this.#statement(
      `INSERT INTO claims (key, holder, confirmed, expires_at, scope) VALUES (?, ?, 0, ?, ?)
       ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, confirmed = 0, expires_at = excluded.expires_at, scope = excluded.scope
       WHERE claims.expires_at <= ?`,
    ).run(key, holder, nowMs + leaseMs, scope, nowMs);
    if (Number(result.changes) > 0) {
      if (scope !== null) this.#statement('DELETE FROM claims WHERE scope = ? AND key <> ?').run(scope, key);
      return 'claimed';
    }
    const found = this.#statement('SELECT confirmed FROM claims WHERE key = ?').get(key) as { confirmed: number } | undefined;
    return found?.confirmed === 1 ? 'duplicate' : 'in_progress';
  }

  async renew(key: string, holder: string, nowMs: number, leaseMs: number): Promise<boolean> {
    return this.#run('write', () => {
      const result = this.#statement(
        'UPDATE claims SET expires_at = ? WHERE key = ? AND holder = ? AND confirmed = 0 AND expires_at > ?',
      ).run(nowMs + leaseMs, key, holder, nowMs);
      return Number(result.changes) > 0;
    });
  }

  async confirm(key: string, holder: string, nowMs: number, retentionMs: number): Promise<boolean> {
    return this.#run('write', () => this.#confirmOne(key, holder, nowMs, retentionMs));
  }

  #confirmOne(key: string, holder: string, nowMs: number, retentionMs: number): boolean {
    const result = this.#statement('UPDATE claims SET confirmed = 1, expires_at = ? WHERE key = ? AND holder = ? AND confirmed = 0').run(
      nowMs + retentionMs,
      key,
      holder,
    );
    return Number(result.changes) > 0;
  }

  async release(key: string, holder: string): Promise<void> {
    this.#run('write', () => this.#statement('DELETE FROM claims WHERE key = ? AND holder = ?').run(key, holder));
  }

  async pruneClaims(nowMs: number): Promise<void> {
    this.#run('write', () => this.#statement('DELETE FROM claims WHERE expires_at <= ?').run(nowMs));
  }

  async getCase(itemId: string): Promise<RepairCase | undefined> {
    return this.#run('read', () => this.#readCase(itemId));
  }

  async updateCase(itemId: string, change: (current: RepairCase | undefined) => RepairCase | undefined): Promise<RepairCase | undefined> {
    return this.#changeRows((apply) => apply(() => this.#readCase(itemId), change, (next) =>
      this.#statement(
        `INSERT INTO repair_cases (item_id, owner, open, next_due, record) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (item_id) DO UPDATE SET owner = excluded.owner, open = excluded.open, next_due = excluded.next_due,
           record = excluded.record`,
      ).run(itemId, next.owner, next.closed_at === null ? 1 : 0, dueMs(next), JSON.stringify(next)),
    ));
  }

  async countOpenCases(): Promise<number> {
    return this.#run('read', () => Number((this.#statement('SELECT COUNT(*) AS count FROM repair_cases WHERE open = 1').get() as { count: number }).count));
  }

  async listCases(filter: RepairCaseFilter): Promise<RepairCase[]> {
    return this.#run('read', () => {
      const conditions: Array<[string, SQLInputValue]> = [];
      if (filter.owner !== undefined) conditions.push(['owner = ?', filter.owner]);
      if (filter.open !== undefined) conditions.push(['open = ?', filter.open ? 1 : 0]);
      if (filter.dueBy !== undefined) conditions.push(['next_due <= ?', filter.dueBy]);
      const where = conditions.length > 0 ? ` WHERE ${conditions.map(([sql]) => sql).join(' AND ')}` : '';
      const values = conditions.map(([, value]) => value);
      // LIMIT -1: no limit.
      const limit = filter.limit === undefined ? -1 : Math.max(0, Math.floor(filter.limit));
      const rows = this.#statement(`SELECT record FROM repair_cases${where} ORDER BY next_due IS NULL, next_due, item_id LIMIT ?`).all(...values, limit);
      return (rows as unknown as Array<{ record: string }>).map((row) => JSON.parse(row.record) as RepairCase);
    });
  }

  /**
   * Runs `work` in one write transaction, with `apply`: it reads a row, hands it to `change` and writes the result
   * with `write` (undefined writes nothing). A change's own throw rolls the whole transaction back and is handed back
   * as it is (not as a storage failure).
   */
  async #changeRows<R>(work: (apply: <T>(read: () => T | undefined, change: (current: T | undefined) => T | undefined, write: (next: T) => void) => T | undefined) => R): Promise<R> {
    let refusal: { error: unknown } | undefined;
    const apply = <T>(read: () => T | undefined, change: (current: T | undefined) => T | undefined, write: (next: T) => void): T | undefined => {
      const current = read();
      let next: T | undefined;
      try {
        next = change(current);
      } catch (error) {
        refusal = { error };
        throw error;
      }
      if (next === undefined) return current;
      write(next);
      return next;
    };
    try {
      return this.#run('write', () => this.#immediate(() => work(apply)));
    } catch (err) {
      if (refusal) throw refusal.error;
      throw err;
    }
  }

  #readCase(itemId: string): RepairCase | undefined {
    const row = this.#statement('SELECT record FROM repair_cases WHERE item_id = ?').get(itemId) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as RepairCase) : undefined;
  }

  async listDeliveries(filter: DeliveryFilter, listing: DeliveryListing): Promise<DeliverySummaryRow[]> {
    return this.#run('read', () => this.#selectDeliveries(SUMMARY_COLUMNS, filter, listing) as DeliverySummaryRow[]);
  }

  async readDeliveries(filter: DeliveryFilter, listing: DeliveryListing): Promise<DeliveryRow[]> {
    return this.#run('read', () => this.#selectDeliveries(DELIVERY_COLUMNS, filter, listing) as DeliveryRow[]);
  }

  async countDeliveries(filter: DeliveryFilter): Promise<number> {
    return this.#run('read', () => {
      const { bind, values } = binder(sqlitePlaceholder);
      const sql = `SELECT count(*) AS n FROM deliveries${deliveryWhere(filter, bind)}`;
      return Number((this.#adHoc(sql).get(...(values as SqliteValue[])) as { n: number }).n);
    });
  }

  async markReplayed(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    this.#run('write', () => {
      const { bind, values } = binder(sqlitePlaceholder);
      const sql = `UPDATE deliveries SET outcome = 'replayed'${deliveryWhere({ ids }, bind)}`;
      this.#adHoc(sql).run(...(values as SqliteValue[]));
    });
  }

  async deleteDelivery(id: string): Promise<void> {
    this.#run('write', () => this.#statement('DELETE FROM deliveries WHERE id = ?').run(id));
  }

  async pruneDeliveries(rule: DeliveryPruneRule): Promise<number> {
    return this.#run('write', () => {
      const { bind, values } = binder(sqlitePlaceholder);
      return Number(this.#adHoc(deliveryPrune('deliveries', rule, bind)).run(...(values as SqliteValue[])).changes);
    });
  }

  #selectDeliveries(columns: readonly string[], filter: DeliveryFilter, listing: DeliveryListing): unknown[] {
    const { bind, values } = binder(sqlitePlaceholder);
    // node:sqlite's rows have no prototype: plain objects, as PostgresStorage gives.
    return this.#adHoc(deliverySelect('deliveries', columns, filter, listing, bind)).all(...(values as SqliteValue[])).map((row) => ({ ...row }));
  }

  /** A statement whose text varies with its input (lists of ids): prepared each time, not kept. */
  #adHoc(sql: string): StatementSync {
    const db = this.#db;
    if (!db) throw new StorageUnavailableError(`the Item store ${this.file} is not open`);
    return db.prepare(sql);
  }

  #readItem(itemId: string): StoredItem | undefined {
    const row = this.#statement(`SELECT ${ITEM_COLUMNS} FROM items WHERE item_id = ?`).get(itemId);
    return row ? fromRow(row as unknown as ItemRow) : undefined;
  }

  #statement(sql: string): StatementSync {
    const db = this.#db;
    if (!db) throw new StorageUnavailableError(`the Item store ${this.file} is not open`);
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #immediate<T>(work: () => T): T {
    const db = this.#db;
    if (!db) throw new StorageUnavailableError(`the Item store ${this.file} is not open`);
    return immediate(db, work);
  }

  #run<T>(what: string, operation: () => T): T {
    if (!this.#db) throw new StorageUnavailableError(`the Item store ${this.file} is not open`);
    return this.#wrap(what, operation);
  }

  /** Every SQLite or file-system failure as a StorageUnavailableError that says what happened to which file. */
  #wrap<T>(what: string, operation: () => T): T {
    try {
      return operation();
    } catch (err) {
      if (err instanceof StorageUnavailableError || err instanceof StorageRefusedError) throw err;
      throw new StorageUnavailableError(`cannot ${what} ${this.file}: ${describeSqliteFailure(err, this.file)}`, err);
    }
  }
}

/**
 * One write transaction taken at once (BEGIN IMMEDIATE: a busy database fails here, after busy_timeout, rather than
 * at the first write); rolled back when `work` or the commit throws.
 */
function immediate<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    try {
      db.exec('ROLLBACK');
    } catch {
      // SQLite already rolled the transaction back (it does on some errors, a full disk among them).
    }
    throw err;
  }
}

/**
 * Creates a new store file whole, or not at all: built under a temporary name with mode 0600, then linked into place
 * (which fails when another process created the file meanwhile: its file is kept). A crash leaves either no file or
 * a complete one, never an empty file the next start would have to refuse.
 */
function createStoreFile(file: string, Database: typeof DatabaseSync): void {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.creating`;
  fs.closeSync(fs.openSync(temporary, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, FILE_MODE));
  try {
    const db = new Database(temporary);
    try {
      db.exec('PRAGMA journal_mode = DELETE');
      db.exec('PRAGMA synchronous = FULL');
      immediate(db, () => migrateSqlite(db, 0));
    } finally {
      db.close();
    }
    try {
      fs.linkSync(temporary, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    syncDirectory(path.dirname(file));
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function refuseUnlessSqlite(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length);
    const read = fs.readSync(fd, header, 0, header.length, 0);
    if (read === 0) {
      throw new StorageRefusedError(
        `${file} is empty (0 bytes): it was truncated or replaced, so it no longer holds the Items it held. ` +
          'Stop Node-RED and restore it from a backup (README: Backup and restore); nothing was written to it',
      );
    }
    if (read < header.length || !header.equals(SQLITE_HEADER)) {
      throw new StorageRefusedError(
        `${file} is not an SQLite database, so not an Item store: restore the store from a backup, or set the node's file to the store's own; nothing was written to it`,
      );
    }
  } finally {
    fs.closeSync(fd);
  }
}

function refuseIfDamaged(db: DatabaseSync, file: string): void {
  let rows: Array<{ quick_check: string }>;
  try {
    rows = db.prepare('PRAGMA quick_check').all() as Array<{ quick_check: string }>;
  } catch (err) {
    // A file damaged where SQLite reads first (its schema pages) fails the check itself.
    if (!isDamage(err)) throw err;
    rows = [{ quick_check: (err as Error).message }];
  }
  if (rows.length === 1 && rows[0].quick_check === 'ok') return;
  // On one line: SQLite's own report may span several.
  const found = rows.slice(0, 3).map((row) => row.quick_check.replace(/\s*\n\s*/g, ' ')).join('; ');
  throw new StorageRefusedError(
    `${file} is damaged (SQLite's quick_check found: ${found}): stop Node-RED and restore it from a backup (README: Backup and restore); nothing was written to it`,
  );
}

function newerThanPackage(file: string, found: number): StorageRefusedError {
  return new StorageRefusedError(
    `${file} was written by a newer version of this package (schema ${found}, this one knows ${SQLITE_SCHEMA_VERSION}): upgrade the package`,
  );
}

function notAnItemStore(file: string): StorageRefusedError {
  return new StorageRefusedError(
    `${file} is an SQLite database but not an Item store (it has none of the store's tables): set the node's file to the store's own, or restore it from a backup; nothing was written to it`,
  );
}

function restrictIfPresent(file: string): void {
  try {
    fs.chmodSync(file, FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function fromRow(row: ItemRow): StoredItem {
  return {
    record: JSON.parse(row.record) as ItemRecord,
    tokenCiphertext: row.token,
    history: JSON.parse(row.history) as ItemEvent[],
  };
}
