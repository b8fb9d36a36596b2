// The SQLite schema of the Item store, as numbered migrations recorded in the file's `user_version`, as the
// PostgreSQL schema is (postgres-schema.ts). A released migration is never edited, only followed by a new one.
import type { DatabaseSync } from 'node:sqlite';

/**
 * Migration N (1-based) is MIGRATIONS[N - 1]. The record and the history are kept whole as JSON text (new record
 * fields need no migration); `status` and `link_token` are copies of record fields for the queries that filter on
 * them.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE items (
     item_id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     link_token TEXT,
     record TEXT NOT NULL,
     token TEXT,
     history TEXT NOT NULL
   );
   CREATE INDEX items_status ON items (status);
   CREATE INDEX items_link_token ON items (link_token);
   CREATE TABLE claims (key TEXT PRIMARY KEY, claimed_at INTEGER NOT NULL);
   CREATE INDEX claims_claimed_at ON claims (claimed_at);`,
  // Claims are pending until their work is done, so an instance that dies in between does not leave a claim that
  // turns every retry into a duplicate. Existing claims count as confirmed.
  `ALTER TABLE claims ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1`,
  // Claims serve every once-across-instances job, not only webhook de-duplication: each names its holder (so only
  // it renews, confirms or releases it) and when it expires (a pending one after its lease, a confirmed one after
  // its retention, which each job chooses). The claims of version 2 had a lease of 30 s and a retention of 24 h.
  `CREATE TABLE claims_v3 (
     key TEXT PRIMARY KEY,
     holder TEXT NOT NULL,
     confirmed INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   INSERT INTO claims_v3 (key, holder, confirmed, expires_at)
     SELECT key, '', confirmed, claimed_at + CASE WHEN confirmed = 1 THEN 86400000 ELSE 30000 END FROM claims;
   DROP TABLE claims;
   ALTER TABLE claims_v3 RENAME TO claims;
   CREATE INDEX claims_expires_at ON claims (expires_at);`,
  // Repair cases (plaid-item-repair): one row per Item, the case kept whole as JSON; `owner`, `open` and `next_due`
  // (ms since the epoch) are copies of its fields for the due-time scan.
  `CREATE TABLE repair_cases (
     item_id TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     open INTEGER NOT NULL,
     next_due INTEGER,
     record TEXT NOT NULL
   );
   CREATE INDEX repair_cases_due ON repair_cases (owner, open, next_due);`,
  // The webhook event log (delivery-record.ts): one row per verified delivery, its body encrypted; `seq` is the
  // order the store recorded them in. Claims get a scope: a webhook delivery's claim is scoped to its Item, and a
  // claim in a scope ends the scope's other claims (see ItemStorage.claimBatch).
  `CREATE TABLE deliveries (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     received_at_ms INTEGER NOT NULL,
     webhook_type TEXT NOT NULL,
     webhook_code TEXT NOT NULL,
     item_id TEXT,
     environment TEXT,
     body_sha256 TEXT NOT NULL,
     node_id TEXT NOT NULL,
     outcome TEXT NOT NULL,
     body_ciphertext TEXT NOT NULL
   );
   CREATE INDEX deliveries_received_at ON deliveries (received_at_ms);
   CREATE INDEX deliveries_item_id ON deliveries (item_id) WHERE item_id IS NOT NULL;
   ALTER TABLE claims ADD COLUMN scope TEXT;
   CREATE INDEX claims_scope ON claims (scope) WHERE scope IS NOT NULL;`,
  // Each Item's last check (created_at while never checked), for ItemStorage.oldestCheck: the metrics ask for the
  // oldest at every scrape, which without it reads every record (90 ms for 100,000 Items).
  `CREATE INDEX items_last_check ON items (COALESCE(json_extract(record, '$.checked_at'), json_extract(record, '$.created_at'))) WHERE status <> 'removed';`,
];

/** The expression of the index `items_last_check` (migration 6), as queries must write it for SQLite to use the index. */
export const LAST_CHECK = "COALESCE(json_extract(record, '$.checked_at'), json_extract(record, '$.created_at'))";

export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/** The version a file records: `user_version`, or for files written before it was used, the meta table's entry. */
export function schemaVersionOf(db: DatabaseSync): number {
  const userVersion = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  if (userVersion > 0) return userVersion;
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return 0;
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/**
 * Brings the file from `from` to SQLITE_SCHEMA_VERSION. The caller holds the write lock (BEGIN IMMEDIATE) and has
 * read `from` inside it, so two processes opening one file migrate it once.
 */
export function migrateSqlite(db: DatabaseSync, from: number): void {
  for (let version = from + 1; version <= SQLITE_SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version - 1]);
  db.exec(`PRAGMA user_version = ${SQLITE_SCHEMA_VERSION}`);
  // user_version is the record; the meta entry is kept up to date for packages older than it, which read only the
  // entry and so refuse a file newer than they know instead of taking it for a new one.
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SQLITE_SCHEMA_VERSION));
}
