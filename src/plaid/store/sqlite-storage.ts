// The embedded backend: one SQLite file through better-sqlite3. WAL with synchronous=FULL, so a write that resolved
// is on disk; the file (and its -wal/-shm companions) readable by the owner only.
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ItemEvent, ItemRecord, StoredItem } from './record';
import { StorageUnavailableError, type ClaimResult, type ItemListFilter, type ItemStorage } from './storage';

const SCHEMA_VERSION = 2;
const FILE_MODE = 0o600;
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS items (
    item_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    link_token TEXT,
    record TEXT NOT NULL,
    token TEXT,
    history TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS items_status ON items (status);
  CREATE INDEX IF NOT EXISTS items_link_token ON items (link_token);
  CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, claimed_at INTEGER NOT NULL, confirmed INTEGER NOT NULL DEFAULT 1);
  CREATE INDEX IF NOT EXISTS claims_claimed_at ON claims (claimed_at);
`;

export interface SqliteStorageOptions {
  /** The database file; its directory must exist. */
  file: string;
  /** How long a write waits for another process's lock before failing. */
  busyTimeoutMs?: number;
  /** A cap on the database's size, in pages of 4 KiB (unlimited when absent): beyond it writes fail as a full disk. */
  maxPages?: number;
}

const SELECT_ITEM = 'SELECT item_id, record, token, history FROM items WHERE item_id = ?';

interface ItemRow {
  item_id: string;
  record: string;
  token: string | null;
  history: string;
}

export class SqliteStorage implements ItemStorage {
  readonly file: string;
  readonly #busyTimeoutMs: number;
  readonly #maxPages?: number;
  #db?: Database.Database;
  #getStatement?: Database.Statement;

  constructor(options: SqliteStorageOptions) {
    this.file = path.resolve(options.file);
    this.#busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.#maxPages = options.maxPages;
  }

  async open(): Promise<void> {
    if (this.#db) return;
    const db = this.#wrap('open', () => {
      createOwnerOnly(this.file);
      return new Database(this.file, { fileMustExist: true, timeout: this.#busyTimeoutMs });
    });
    try {
      this.#wrap('open', () => {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        if (this.#maxPages !== undefined) db.pragma(`max_page_count = ${Math.max(1, Math.floor(this.#maxPages))}`);
        // A store that has its schema is opened with reads only: a process busy writing (another Node-RED, a
        // backup) does not keep a restart waiting for the write lock.
        const found = schemaVersion(db);
        if (found !== SCHEMA_VERSION) {
          db.transaction(() => {
            db.exec(SCHEMA);
            const version = schemaVersion(db);
            if (version === undefined) {
              db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
            } else if (version < SCHEMA_VERSION) {
              // 1 -> 2: claims are pending until their delivery is emitted; existing ones count as confirmed.
              if (version < 2) db.exec('ALTER TABLE claims ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1');
              db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(String(SCHEMA_VERSION), 'schema_version');
            } else if (!(version <= SCHEMA_VERSION)) {
              throw new StorageUnavailableError(
                `${this.file} was written by a newer version of this package (schema ${version}, this one knows ${SCHEMA_VERSION})`,
              );
            }
          }).immediate();
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
    this.#getStatement = undefined;
    db?.close();
  }

  async keyCheck(candidate: string): Promise<string> {
    return this.#run('write', (db) => {
      const select = db.prepare('SELECT value FROM meta WHERE key = ?');
      const stored = select.get('key_check') as { value: string } | undefined;
      if (stored) return stored.value;
      return db.transaction(() => {
        db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('key_check', candidate);
        return (select.get('key_check') as { value: string }).value;
      }).immediate();
    });
  }

  async get(itemId: string): Promise<StoredItem | undefined> {
    // The hot path of every endpoint call: its statement is prepared once per connection.
    return this.#run('read', (db) => {
      this.#getStatement ??= db.prepare(SELECT_ITEM);
      const row = this.#getStatement.get(itemId);
      return row ? fromRow(row as ItemRow) : undefined;
    });
  }

  async findByLinkToken(linkToken: string): Promise<StoredItem | undefined> {
    return this.#run('read', (db) => {
      const row = db.prepare('SELECT item_id, record, token, history FROM items WHERE link_token = ? LIMIT 1').get(linkToken);
      return row ? fromRow(row as ItemRow) : undefined;
    });
  }

  async list(filter: ItemListFilter): Promise<StoredItem[]> {
    return this.#run('read', (db) => {
      const statuses = filter.statuses ?? [];
      const where = statuses.length > 0 ? ` WHERE status IN (${statuses.map(() => '?').join(', ')})` : '';
      const rows = db.prepare(`SELECT item_id, record, token, history FROM items${where} ORDER BY item_id`).all(...statuses);
      return (rows as ItemRow[]).map(fromRow);
    });
  }

  async update(
    itemId: string,
    change: (current: StoredItem | undefined) => StoredItem | undefined,
  ): Promise<StoredItem | undefined> {
    let refusal: { error: unknown } | undefined;
    try {
      return this.#run('write', (db) =>
        db.transaction(() => {
          const current = readItem(db, itemId);
          let next: StoredItem | undefined;
          try {
            next = change(current);
          } catch (error) {
            // The caller's own refusal: rolled back, and handed back as it is (not as a storage failure).
            refusal = { error };
            throw error;
          }
          if (next === undefined) return current;
          db.prepare(
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
          );
          return next;
        }).immediate(),
      );
    } catch (err) {
      if (refusal) throw refusal.error;
      throw err;
    }
  }

  async delete(itemId: string): Promise<boolean> {
    return this.#run('write', (db) => db.prepare('DELETE FROM items WHERE item_id = ?').run(itemId).changes > 0);
  }

  async claim(key: string, nowMs: number, retentionMs: number, leaseMs: number): Promise<ClaimResult> {
    return this.#run('write', (db) =>
      db.transaction((): ClaimResult => {
        // Insert, or take over a claim that has expired; no change means someone holds it: say which kind.
        const result = db
          .prepare(
            `INSERT INTO claims (key, claimed_at, confirmed) VALUES (?, ?, 0)
             ON CONFLICT (key) DO UPDATE SET claimed_at = excluded.claimed_at, confirmed = 0
             WHERE (claims.confirmed = 1 AND claims.claimed_at <= ?) OR (claims.confirmed = 0 AND claims.claimed_at <= ?)`,
          )
          .run(key, nowMs, nowMs - retentionMs, nowMs - leaseMs);
        if (result.changes > 0) return 'claimed';
        const holder = db.prepare('SELECT confirmed FROM claims WHERE key = ?').get(key) as { confirmed: number } | undefined;
        return holder?.confirmed === 1 ? 'duplicate' : 'in_progress';
      }).immediate(),
    );
  }

  async confirm(key: string, nowMs: number): Promise<void> {
    this.#run('write', (db) => db.prepare('UPDATE claims SET confirmed = 1, claimed_at = ? WHERE key = ?').run(nowMs, key));
  }

  async release(key: string): Promise<void> {
    this.#run('write', (db) => db.prepare('DELETE FROM claims WHERE key = ?').run(key));
  }

  async pruneClaims(nowMs: number, retentionMs: number): Promise<void> {
    this.#run('write', (db) => db.prepare('DELETE FROM claims WHERE claimed_at <= ?').run(nowMs - retentionMs));
  }

  #run<T>(what: string, operation: (db: Database.Database) => T): T {
    const db = this.#db;
    if (!db) throw new StorageUnavailableError(`the Item store ${this.file} is not open`);
    return this.#wrap(what, () => operation(db));
  }

  /** Every SQLite or file-system failure as a StorageUnavailableError that says what happened to which file. */
  #wrap<T>(what: string, operation: () => T): T {
    try {
      return operation();
    } catch (err) {
      if (err instanceof StorageUnavailableError) throw err;
      throw new StorageUnavailableError(`cannot ${what} ${this.file}: ${describeFailure(err, this.file)}`, err);
    }
  }
}

/** Creates the file with mode 0600 before SQLite opens it (SQLite would create it with the umask's mode). */
function createOwnerOnly(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, FILE_MODE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function restrictIfPresent(file: string): void {
  try {
    fs.chmodSync(file, FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function describeFailure(err: unknown, file: string): string {
  const code = (err as { code?: string })?.code ?? '';
  const message = (err as Error)?.message ?? String(err);
  if (code === 'ENOENT') return `the directory ${path.dirname(file)} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${message})`;
  if ((code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY')) && !writable(path.dirname(file))) {
    return `the directory ${path.dirname(file)} is read-only: SQLite writes the store and its -wal and -shm files there (${message})`;
  }
  if (code === 'EROFS' || code.startsWith('SQLITE_READONLY')) return `the file or its directory is read-only (${message})`;
  if (code === 'ENOSPC' || code.startsWith('SQLITE_FULL')) return `the disk is full (${message}); nothing was written`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return `the database stayed locked by another connection (${message})`;
  }
  if (code.startsWith('SQLITE_CANTOPEN')) return `the file cannot be opened (${message})`;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return `the file is not an Item store or is damaged (${message})`;
  return message;
}

/** The schema version the file records; undefined for a new file. */
function schemaVersion(db: Database.Database): number | undefined {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return undefined;
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as { value: string } | undefined;
  return row ? Number(row.value) : undefined;
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function readItem(db: Database.Database, itemId: string): StoredItem | undefined {
  const row = db.prepare(SELECT_ITEM).get(itemId);
  return row ? fromRow(row as ItemRow) : undefined;
}

function fromRow(row: ItemRow): StoredItem {
  return {
    record: JSON.parse(row.record) as ItemRecord,
    tokenCiphertext: row.token,
    history: JSON.parse(row.history) as ItemEvent[],
  };
}

