'use strict';
// PostgresStorage on a real server: the conformance suite every backend passes, then what only a server has
// (its schema, its outages, its pool).
const assert = require('node:assert/strict');
const { Client } = require('pg');
const { PostgresStorage } = require('../../dist/plaid/store/postgres-storage');
const { CLAIMS_TABLE, ITEMS_TABLE, LAST_CHECK, META_TABLE, DELIVERIES_TABLE, REPAIR_CASES_TABLE, SCHEMA_VERSION, SCHEMA_VERSION_TABLE } = require('../../dist/plaid/store/postgres-schema');
const { StorageUnavailableError } = require('../../dist/plaid/store/storage');
const { describeStorageConformance, storedItem } = require('../store/storage-conformance');
const { createDatabase } = require('./support/databases');
const { server } = require('./support/server-control');

async function freshPostgres() {
  const database = await createDatabase();
  return { open: () => new PostgresStorage({ url: database.url }), cleanup: () => database.drop() };
}

describeStorageConformance('postgres', freshPostgres);

/** How the store names a database's server in its errors: the URL without its password, as a pattern. */
const serverPattern = (databaseUrl) => {
  const { protocol, username, host, pathname } = new URL(databaseUrl);
  return `${protocol}//${username ? `${username}@` : ''}${host}${pathname}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
};
/** The password of the server the suite runs on: it must appear nowhere. */
const SERVER_PASSWORD = new URL(process.env.PLAID_TEST_POSTGRES_URL || 'postgres://x:y@h/d').password;

describe('PostgresStorage on a server', function () {
  let database;
  const opened = [];
  const storageOn = (url, options = {}) => {
    const storage = new PostgresStorage({ url, ...options });
    opened.push(storage);
    return storage;
  };

  beforeEach(async function () {
    database = await createDatabase();
  });

  afterEach(async function () {
    for (const storage of opened.splice(0)) await storage.close();
    await database.drop();
  });

  /**
   * @param {string} text
   * @param {unknown[]} [values]
   * @returns {Promise<any[]>} the rows
   */
  async function sql(text, values) {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  it('creates a versioned schema once when six instances open an empty database at the same instant', async function () {
    const storages = Array.from({ length: 6 }, () => storageOn(database.url));
    await Promise.all(storages.map((s) => s.open()));
    assert.deepEqual(await sql(`SELECT version FROM ${SCHEMA_VERSION_TABLE}`), [{ version: SCHEMA_VERSION }]);
    const tables = (await sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).map((r) => r.tablename);
    assert.deepEqual(tables, [CLAIMS_TABLE, DELIVERIES_TABLE, ITEMS_TABLE, META_TABLE, REPAIR_CASES_TABLE, SCHEMA_VERSION_TABLE].sort());
    // And again, as at a restart: nothing changes.
    await storageOn(database.url).open();
    assert.deepEqual(await sql(`SELECT version FROM ${SCHEMA_VERSION_TABLE}`), [{ version: SCHEMA_VERSION }]);
  });

  it('migrates a version-1 database to the current version at open, its claims kept as confirmed', async function () {
    // Version 1 as the first release of the package left it: claims of webhook deliveries only, no confirmed column.
    await sql(`CREATE TABLE ${SCHEMA_VERSION_TABLE} (version integer NOT NULL); INSERT INTO ${SCHEMA_VERSION_TABLE} VALUES (1);
      CREATE TABLE ${ITEMS_TABLE} (item_id text PRIMARY KEY, status text NOT NULL, link_token text, record jsonb NOT NULL,
        token_ciphertext text, history jsonb NOT NULL DEFAULT '[]'::jsonb, updated_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE plaid_delivery_claims (body_sha256 text PRIMARY KEY, claimed_at_ms bigint NOT NULL);
      CREATE TABLE ${META_TABLE} (key text PRIMARY KEY, value text NOT NULL)`);
    await sql(`INSERT INTO plaid_delivery_claims (body_sha256, claimed_at_ms) VALUES ('sha-old', $1)`, [Date.now()]);
    const [a, b] = [storageOn(database.url), storageOn(database.url)];
    await Promise.all([a.open(), b.open()]);
    assert.deepEqual(await sql(`SELECT version FROM ${SCHEMA_VERSION_TABLE}`), [{ version: SCHEMA_VERSION }]);
    assert.equal(await a.claim('sha-old', 'holder-a', Date.now(), 30000), 'duplicate');
    assert.equal(await b.claim('sha-new', 'holder-b', Date.now(), 30000), 'claimed');
    const tables = (await sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).map((r) => r.tablename);
    assert.deepEqual(tables, [CLAIMS_TABLE, DELIVERIES_TABLE, ITEMS_TABLE, META_TABLE, REPAIR_CASES_TABLE, SCHEMA_VERSION_TABLE].sort());
  });

  it('can find the oldest check through its index, reading no record', async function () {
    await storageOn(database.url).open();
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      // An empty table is cheapest to scan: the planner is told not to, to show the index serves the query.
      await client.query('SET enable_seqscan = off');
      const { rows } = await client.query(`EXPLAIN SELECT MIN(${LAST_CHECK}) AS oldest FROM ${ITEMS_TABLE} WHERE status <> 'removed'`);
      assert.match(rows.map((row) => row['QUERY PLAN']).join('\n'), new RegExp(`Index Only Scan using ${ITEMS_TABLE}_last_check|Index Scan using ${ITEMS_TABLE}_last_check`));
    } finally {
      await client.end();
    }
  });

  it('refuses a database whose schema is newer than the package, saying so', async function () {
    await storageOn(database.url).open();
    await sql(`UPDATE ${SCHEMA_VERSION_TABLE} SET version = $1`, [SCHEMA_VERSION + 1]);
    await assert.rejects(storageOn(database.url).open(), (/** @type {any} */ err) => {
      assert.ok(err instanceof StorageUnavailableError, err.stack);
      assert.match(err.message, new RegExp(`schema is version ${SCHEMA_VERSION + 1}, newer than this package's ${SCHEMA_VERSION}`));
      return true;
    });
  });

  it('names the server but never the password when the password is wrong', async function () {
    const url = new URL(database.url);
    url.password = 'not-the-password-4711';
    await assert.rejects(storageOn(url.toString()).open(), (/** @type {any} */ err) => {
      assert.ok(err instanceof StorageUnavailableError, err.stack);
      assert.match(err.message, /password authentication failed/);
      assert.match(err.message, new RegExp(serverPattern(database.url)));
      for (const password of ['not-the-password-4711', SERVER_PASSWORD].filter(Boolean)) assert.equal(`${err.message} ${err.stack}`.includes(password), false);
      return true;
    });
  });

  it('ends a statement that waits longer than queryTimeoutMs (a row held locked elsewhere)', async function () {
    const storage = storageOn(database.url, { queryTimeoutMs: 400 });
    await storage.update('item-1', () => storedItem('item-1'));
    const holder = new Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM ${ITEMS_TABLE} WHERE item_id = 'item-1' FOR UPDATE`);
      const started = Date.now();
      await assert.rejects(storage.update('item-1', (c) => c), (/** @type {any} */ err) => {
        assert.ok(err instanceof StorageUnavailableError, err.stack);
        assert.match(err.message, /statement timeout/);
        return true;
      });
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    // The lock gone, the same storage writes again.
    assert.equal((await storage.update('item-1', () => storedItem('item-1', { record: { status: 'revoked' } }))).record.status, 'revoked');
  });

  it('keeps at most poolMax connections to the server', async function () {
    const storage = storageOn(database.url, { poolMax: 2 });
    await storage.open();
    await Promise.all(Array.from({ length: 40 }, (_, i) => storage.update(`item-${i % 5}`, () => storedItem(`item-${i % 5}`))));
    const [{ count }] = await sql("SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name = 'node-red-plaid item store' AND datname = $1", [database.name]);
    assert.ok(count >= 1 && count <= 2, `${count} connections`);
  });

  describe('while the server is down', function () {
    afterEach(async function () {
      // Whatever happened, the next test gets a running server.
      await server().start().catch(() => undefined);
    });

    it('fails every operation with StorageUnavailableError, then works again by itself once it is back', async function () {
      const storage = storageOn(database.url, { connectTimeoutMs: 1000 });
      await storage.update('item-1', () => storedItem('item-1'));
      await server().stop();
      const started = Date.now();
      for (const operation of [() => storage.get('item-1'), () => storage.claim('sha-a', 'holder-a', Date.now(), 1000), () => storage.update('item-1', (c) => c)]) {
        await assert.rejects(operation(), (/** @type {any} */ err) => {
          assert.ok(err instanceof StorageUnavailableError, err.stack);
          assert.match(err.message, new RegExp(`the Item store's PostgreSQL \\(${serverPattern(database.url)}\\) failed`));
          if (SERVER_PASSWORD) assert.equal(err.message.includes(SERVER_PASSWORD), false);
          return true;
        });
      }
      assert.ok(Date.now() - started < 10000, `failing took ${Date.now() - started} ms`);
      await server().start();
      // The same instance, not reopened: the pool makes new connections.
      assert.deepEqual(await storage.get('item-1'), storedItem('item-1'));
      assert.equal(await storage.claim('sha-a', 'holder-a', Date.now(), 1000), 'claimed');
    });

    it('opens once the server is there, when it was down at the first try', async function () {
      await server().stop();
      const storage = storageOn(database.url, { connectTimeoutMs: 1000 });
      await assert.rejects(storage.open(), StorageUnavailableError);
      await server().start();
      await storage.open();
      assert.equal(await storage.get('item-1'), undefined);
    });
  });
});
