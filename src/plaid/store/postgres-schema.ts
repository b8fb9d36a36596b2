// The PostgreSQL schema of the Item store, as numbered migrations. `migrate` brings a database to the newest
// version inside one transaction that holds an advisory lock, so several instances starting at once against an
// empty database wait for each other instead of racing on CREATE TABLE (which PostgreSQL does not make safe even
// with IF NOT EXISTS: two concurrent creations can fail on the catalog's unique index).
import type { PoolClient } from 'pg';

/** The table that records which migrations ran (one row, the newest version). */
export const SCHEMA_VERSION_TABLE = 'plaid_store_schema_version';
export const ITEMS_TABLE = 'plaid_items';
/** Once-across-instances claims (see ItemStorage.claim); version 2 named it for webhook deliveries alone. */
export const CLAIMS_TABLE = 'plaid_claims';
const CLAIMS_TABLE_V2 = 'plaid_delivery_claims';
/** Repair cases (plaid-item-repair), one row per Item. */
export const REPAIR_CASES_TABLE = 'plaid_repair_cases';
/** The store's own values (the key-check value), by name. */
export const META_TABLE = 'plaid_store_meta';
/** The webhook event log (delivery-record.ts). */
export const DELIVERIES_TABLE = 'plaid_deliveries';
/** ItemStorage.claimBatch in the database: a batch of claims and their log entries in one round trip. */
export const CLAIM_BATCH_FUNCTION = 'plaid_claim_batch';

/** Any 64-bit number this package alone uses: the advisory lock the migration holds ("plaidmig" in ASCII). */
const MIGRATION_LOCK_KEY = '8100611088631175527';

/**
 * Migration N (1-based) is MIGRATIONS[N - 1]; a released migration is never edited, only followed by a new one.
 * The record is kept whole as jsonb (new record fields need no migration); `status` and `link_token` are copies of
 * its fields for the queries that filter on them.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE ${ITEMS_TABLE} (
     item_id text PRIMARY KEY,
     status text NOT NULL,
     link_token text,
     record jsonb NOT NULL,
     token_ciphertext text,
     history jsonb NOT NULL DEFAULT '[]'::jsonb,
     updated_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE INDEX ${ITEMS_TABLE}_status ON ${ITEMS_TABLE} (status);
   CREATE INDEX ${ITEMS_TABLE}_link_token ON ${ITEMS_TABLE} (link_token) WHERE link_token IS NOT NULL;
   CREATE TABLE ${CLAIMS_TABLE_V2} (
     body_sha256 text PRIMARY KEY,
     claimed_at_ms bigint NOT NULL
   );
   CREATE INDEX ${CLAIMS_TABLE_V2}_claimed_at ON ${CLAIMS_TABLE_V2} (claimed_at_ms);
   CREATE TABLE ${META_TABLE} (
     key text PRIMARY KEY,
     value text NOT NULL
   );`,
  // Claims are pending until their delivery is emitted, so an instance that dies in between does not leave a
  // claim that turns every retry into a duplicate (see ItemStorage.claim). Existing claims count as confirmed.
  `ALTER TABLE ${CLAIMS_TABLE_V2} ADD COLUMN confirmed boolean NOT NULL DEFAULT true`,
  // Claims serve every once-across-instances job, not only webhook de-duplication: each names its holder (so only
  // it renews, confirms or releases it) and when it expires (a pending one after its lease, a confirmed one after
  // its retention, which each job chooses). The claims of version 2 had a lease of 30 s and a retention of 24 h.
  `CREATE TABLE ${CLAIMS_TABLE} (
     key text PRIMARY KEY,
     holder text NOT NULL,
     confirmed boolean NOT NULL,
     expires_at_ms bigint NOT NULL
   );
   INSERT INTO ${CLAIMS_TABLE} (key, holder, confirmed, expires_at_ms)
     SELECT body_sha256, '', confirmed, claimed_at_ms + CASE WHEN confirmed THEN 86400000 ELSE 30000 END FROM ${CLAIMS_TABLE_V2};
   DROP TABLE ${CLAIMS_TABLE_V2};
   CREATE INDEX ${CLAIMS_TABLE}_expires_at ON ${CLAIMS_TABLE} (expires_at_ms);`,
  // Repair cases (plaid-item-repair): one row per Item, the case kept whole as jsonb; `owner`, `open` and
  // `next_due_ms` are copies of its fields for the due-time scan.
  `CREATE TABLE ${REPAIR_CASES_TABLE} (
     item_id text PRIMARY KEY,
     owner text NOT NULL,
     open boolean NOT NULL,
     next_due_ms bigint,
     record jsonb NOT NULL
   );
   CREATE INDEX ${REPAIR_CASES_TABLE}_due ON ${REPAIR_CASES_TABLE} (owner, open, next_due_ms);`,
  // The webhook event log: one row per verified delivery, its body encrypted; `seq` is the order the store recorded
  // them in. Claims get a scope (a webhook delivery's is its Item: a claim in a scope ends the scope's other
  // claims), and a function that makes a batch of claims with their log entries in one statement, so concurrent
  // deliveries cost one round trip together (see ItemStorage.claimBatch; SqliteStorage does the same in a
  // transaction).
  `CREATE TABLE ${DELIVERIES_TABLE} (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     id text NOT NULL UNIQUE,
     received_at_ms bigint NOT NULL,
     webhook_type text NOT NULL,
     webhook_code text NOT NULL,
     item_id text,
     environment text,
     body_sha256 text NOT NULL,
     node_id text NOT NULL,
     outcome text NOT NULL,
     body_ciphertext text NOT NULL
   );
   CREATE INDEX ${DELIVERIES_TABLE}_received_at ON ${DELIVERIES_TABLE} (received_at_ms);
   CREATE INDEX ${DELIVERIES_TABLE}_item_id ON ${DELIVERIES_TABLE} (item_id) WHERE item_id IS NOT NULL;
   ALTER TABLE ${CLAIMS_TABLE} ADD COLUMN scope text;
   CREATE INDEX ${CLAIMS_TABLE}_scope ON ${CLAIMS_TABLE} (scope) WHERE scope IS NOT NULL;
   CREATE FUNCTION ${CLAIM_BATCH_FUNCTION}(
     p_holder text, p_now bigint, p_confirm_keys text[], p_confirm_expires bigint[],
     p_keys text[], p_scopes text[], p_expires bigint[],
     p_ids text[], p_received bigint[], p_types text[], p_codes text[], p_items text[], p_environments text[],
     p_shas text[], p_nodes text[], p_bodies text[]
   ) RETURNS text[] LANGUAGE plpgsql AS $$
   DECLARE
     results text[] := ARRAY[]::text[];
     result text;
     taken integer;
     held boolean;
   BEGIN
     -- One key at a time, by the primary key (a join with the array could scan every claim).
     FOR i IN 1 .. coalesce(array_length(p_confirm_keys, 1), 0) LOOP
       UPDATE ${CLAIMS_TABLE} SET confirmed = true, expires_at_ms = p_confirm_expires[i]
         WHERE key = p_confirm_keys[i] AND holder = p_holder AND NOT confirmed;
     END LOOP;
     FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
       result := 'recorded';
       IF p_keys[i] IS NOT NULL THEN
         INSERT INTO ${CLAIMS_TABLE} AS c (key, holder, confirmed, expires_at_ms, scope)
           VALUES (p_keys[i], p_holder, false, p_expires[i], p_scopes[i])
           ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, confirmed = false, expires_at_ms = EXCLUDED.expires_at_ms,
             scope = EXCLUDED.scope
           WHERE c.expires_at_ms <= p_now;
         GET DIAGNOSTICS taken = ROW_COUNT;
         IF taken = 1 THEN
           result := 'claimed';
           IF p_scopes[i] IS NOT NULL THEN
             DELETE FROM ${CLAIMS_TABLE} WHERE scope = p_scopes[i] AND key <> p_keys[i];
           END IF;
         ELSE
           SELECT confirmed INTO held FROM ${CLAIMS_TABLE} WHERE key = p_keys[i];
           -- Released in between: as good as in progress (the retry will claim it).
           result := CASE WHEN held THEN 'duplicate' ELSE 'in_progress' END;
         END IF;
       END IF;
       IF p_ids[i] IS NOT NULL AND result <> 'in_progress' THEN
         INSERT INTO ${DELIVERIES_TABLE} (id, received_at_ms, webhook_type, webhook_code, item_id, environment, body_sha256,
             node_id, outcome, body_ciphertext)
           VALUES (p_ids[i], p_received[i], p_types[i], p_codes[i], p_items[i], p_environments[i], p_shas[i], p_nodes[i],
             CASE WHEN result = 'duplicate' THEN 'duplicate' ELSE 'emitted' END, p_bodies[i]);
       END IF;
       results := results || result;
     END LOOP;
     RETURN results;
   END
   $$;`,
  // Each Item's last check (created_at while never checked), for ItemStorage.oldestCheck: the metrics ask for the
  // oldest at every scrape, which without it reads every record. COLLATE "C": ISO 8601 times in byte order, whatever
  // the database's collation.
  `CREATE INDEX ${ITEMS_TABLE}_last_check ON ${ITEMS_TABLE} ((COALESCE(record->>'checked_at', record->>'created_at') COLLATE "C")) WHERE status <> 'removed';`,
];

/** The expression of the index `plaid_items_last_check` (migration 6), as queries must write it for it to be used. */
export const LAST_CHECK = `COALESCE(record->>'checked_at', record->>'created_at') COLLATE "C"`;

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Creates or migrates the schema; resolves to the version the database was at before. */
export async function migrate(client: PoolClient): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA_VERSION_TABLE} (version integer NOT NULL)`);
    const found = await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA_VERSION_TABLE}`);
    const before = found.rows[0]?.version ?? 0;
    if (before > SCHEMA_VERSION) {
      throw new Error(`the database's Item store schema is version ${before}, newer than this package's ${SCHEMA_VERSION}: upgrade the package`);
    }
    for (let version = before + 1; version <= SCHEMA_VERSION; version++) await client.query(MIGRATIONS[version - 1]);
    if (found.rows.length === 0) await client.query(`INSERT INTO ${SCHEMA_VERSION_TABLE} (version) VALUES ($1)`, [SCHEMA_VERSION]);
    else if (before < SCHEMA_VERSION) await client.query(`UPDATE ${SCHEMA_VERSION_TABLE} SET version = $1`, [SCHEMA_VERSION]);
    await client.query('COMMIT');
    return before;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
