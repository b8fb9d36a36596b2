'use strict';
// SqliteStorage passes the conformance suite every backend passes; "another instance" is a second connection to
// the same file, as a second process would have.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { DatabaseSync } = require('node:sqlite');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage');
const { LAST_CHECK, SQLITE_SCHEMA_VERSION } = require('../../dist/plaid/store/sqlite-schema');
const { StorageRefusedError } = require('../../dist/plaid/store/storage');
const { describeStorageConformance, storedItem } = require('./storage-conformance');

async function freshSqliteFile() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-sqlite-conformance-'));
  return { file: path.join(dir, 'items.db'), cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `work` on a new store file with the current schema (opened once, then closed), then deletes it. */
async function withNewStoreFile(work) {
  const { file, cleanup } = await freshSqliteFile();
  try {
    const first = new SqliteStorage({ file });
    await first.open();
    await first.close();
    await work(file);
  } finally {
    await cleanup();
  }
}

async function freshSqlite() {
  const { file, cleanup } = await freshSqliteFile();
  return { open: () => new SqliteStorage({ file }), cleanup };
}

describeStorageConformance('sqlite', freshSqlite);

describe('SqliteStorage schema migration', function () {
  /** Version 1 as the first release of the package left a file (its schema version in the meta table). */
  function versionOneFile(file) {
    const db = new DatabaseSync(file);
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE items (item_id TEXT PRIMARY KEY, status TEXT NOT NULL, link_token TEXT, record TEXT NOT NULL, token TEXT, history TEXT NOT NULL);
      CREATE TABLE claims (key TEXT PRIMARY KEY, claimed_at INTEGER NOT NULL);
      INSERT INTO meta (key, value) VALUES ('schema_version', '1');`);
    db.prepare('INSERT INTO claims (key, claimed_at) VALUES (?, ?)').run('sha-old', Date.now());
    db.close();
  }

  it('migrates a version-1 file at open, once, recording the version in user_version; its claims kept as confirmed', async function () {
    const { file, cleanup } = await freshSqliteFile();
    try {
      versionOneFile(file);
      const [a, b] = [new SqliteStorage({ file }), new SqliteStorage({ file })];
      await Promise.all([a.open(), b.open()]);
      try {
        assert.equal(await a.claim('sha-old', 'holder-a', Date.now(), 30000), 'duplicate');
        assert.equal(await b.claim('sha-new', 'holder-b', Date.now(), 30000), 'claimed');
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
      const check = new DatabaseSync(file, { readOnly: true });
      assert.equal(/** @type {any} */ (check.prepare('PRAGMA user_version').get()).user_version, SQLITE_SCHEMA_VERSION);
      // Kept for packages older than user_version, which read only this and so refuse a newer file.
      assert.equal(/** @type {any} */ (check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).value, String(SQLITE_SCHEMA_VERSION));
      check.close();
    } finally {
      await cleanup();
    }
  });

  it('finds the oldest check through its index, reading no record', async function () {
    await withNewStoreFile((file) => {
      const db = new DatabaseSync(file, { readOnly: true });
      const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT MIN(${LAST_CHECK}) AS oldest FROM items WHERE status <> 'removed'`).all();
      db.close();
      assert.deepEqual(plan.map((/** @type {any} */ step) => step.detail), ['SEARCH items USING INDEX items_last_check']);
    });
  });

  it('refuses a file whose schema is newer than the package, saying so, and changes nothing', async function () {
    await withNewStoreFile(async (file) => {
      const db = new DatabaseSync(file);
      db.exec(`PRAGMA user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
      db.close();
      const before = fs.readFileSync(file);
      await assert.rejects(new SqliteStorage({ file }).open(), (/** @type {any} */ err) => {
        assert.ok(err instanceof StorageRefusedError, err.stack);
        assert.match(err.message, new RegExp(`written by a newer version of this package \\(schema ${SQLITE_SCHEMA_VERSION + 1}, this one knows ${SQLITE_SCHEMA_VERSION}\\)`));
        return true;
      });
      assert.ok(fs.readFileSync(file).equals(before));
    });
  });
});

describe('SqliteStorage: a file written by the first release (better-sqlite3)', function () {
  // test/fixtures/store-0.1.0.db: five Items saved by release 0.1.0 (better-sqlite3 12) under FIXTURE_KEY, item-2
  // then in ITEM_LOGIN_REQUIRED with a link token, item-5 removed, one confirmed delivery claim.
  const FIXTURE_KEY = 'CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYY=';

  it('opens under node:sqlite, migrated, and resolves every token; its claim is kept', async function () {
    const { ItemStore } = require('../../dist/plaid/store/item-store');
    const { TokenCipher, generateStoreKey } = require('../../dist/plaid/store/cipher');
    const { file, cleanup } = await freshSqliteFile();
    fs.copyFileSync(path.join(__dirname, '..', 'fixtures', 'store-0.1.0.db'), file);
    // The fixture's key is a counting sequence, refused as the key today: it opens as an older key, a new key current.
    assert.throws(() => new TokenCipher(FIXTURE_KEY), /too little entropy \(it counts by a fixed step\).*opens with it under Older keys/);
    const newKey = generateStoreKey();
    const store = new ItemStore(new SqliteStorage({ file }), new TokenCipher(newKey, [FIXTURE_KEY]));
    try {
      await store.open();
      for (const n of [1, 2, 3, 4]) {
        assert.equal(await store.resolveToken(`item-fixture-${n}`), `access-sandbox-fixture-${n}-0000-0000-000000000000`);
      }
      await assert.rejects(store.resolveToken('item-fixture-5'), (/** @type {any} */ err) => err.code === 'ITEM_REMOVED');
      const broken = await store.get('item-fixture-2');
      assert.equal(broken?.status, 'login_required');
      assert.equal(broken?.link_token, 'link-sandbox-fixture-2');
      assert.equal((await store.list()).length, 5);
      const copy = { nodeId: 'hook', raw: Buffer.from('{}'), bodySha256: 'a'.repeat(64), webhookType: 'ITEM', webhookCode: 'ERROR', itemId: null, environment: 'sandbox' };
      assert.equal((await store.deliveries.record(copy, { dedupe: true, log: false })).duplicate, true, 'the confirmed claim is still a duplicate');

      // Its v1 envelopes (no key id) count under the key that wrote its v1 key check, and rewrap off it.
      const [current, older] = new TokenCipher(newKey, [FIXTURE_KEY]).keyIds;
      const before = await store.keyUsage();
      assert.deepEqual(before.keys.map((k) => [k.id, k.role, k.items]), [[current, 'current', 0], [older, 'older', 4]]);
      assert.equal(before.keyCheck, older);
      const result = await store.rewrap();
      assert.equal(result.rewrapped, 4);
      assert.deepEqual(result.keys.map((k) => [k.id, k.items]), [[current, 4], [older, 0]]);
      assert.equal(result.keyCheck, current);
      await store.close();
      const reopened = new ItemStore(new SqliteStorage({ file }), new TokenCipher(newKey));
      await reopened.open();
      assert.equal(await reopened.resolveToken('item-fixture-4'), 'access-sandbox-fixture-4-0000-0000-000000000000');
      await reopened.close();
    } finally {
      await store.close();
      await cleanup();
    }
  });
});

describe('SqliteStorage refuses a file that cannot be the store', function () {
  /** @param {(file: string) => void | Promise<void>} spoil @param {RegExp} says */
  async function refused(spoil, says) {
    const { file, cleanup } = await freshSqliteFile();
    try {
      await spoil(file);
      const before = fs.readFileSync(file);
      await assert.rejects(new SqliteStorage({ file }).open(), (/** @type {any} */ err) => {
        assert.ok(err instanceof StorageRefusedError, err.stack);
        assert.ok(err.message.includes(file), `names the file: ${err.message}`);
        assert.match(err.message, says);
        return true;
      });
      assert.ok(fs.readFileSync(file).equals(before), 'the file is left as it was');
      assert.equal(fs.existsSync(`${file}-wal`) && fs.statSync(`${file}-wal`).size > 0, false);
    } finally {
      await cleanup();
    }
  }

  /** A store with Items in it, closed. */
  async function storeWithItems(file) {
    const storage = new SqliteStorage({ file });
    await storage.open();
    for (let i = 0; i < 200; i++) await storage.update(`item-${i}`, () => storedItem(`item-${i}`));
    await storage.close();
  }

  it('an empty file (truncated to 0 bytes): refused, not opened as a new store', async function () {
    await refused((file) => fs.writeFileSync(file, ''), /is empty \(0 bytes\).*restore it from a backup/);
  });

  it('a file that is not SQLite', async function () {
    await refused((file) => fs.writeFileSync(file, '{"items": []}\n'.repeat(20)), /is not an SQLite database/);
  });

  it('an SQLite database that is not an Item store', async function () {
    await refused((file) => {
      const db = new DatabaseSync(file);
      db.exec('CREATE TABLE notes (text TEXT)');
      db.close();
    }, /is an SQLite database but not an Item store/);
  });

  it('a store damaged inside (a page overwritten): refused at open by quick_check', async function () {
    await refused(async (file) => {
      await storeWithItems(file);
      const bytes = fs.readFileSync(file);
      // A page in the middle of the file holds part of the items table's b-tree: overwrite it with noise.
      const pageSize = bytes.readUInt16BE(16);
      const page = Math.floor(bytes.length / pageSize / 2);
      for (let i = 0; i < pageSize; i++) bytes[page * pageSize + i] = (i * 131 + 7) & 0xff;
      fs.writeFileSync(file, bytes);
    }, /is damaged \(SQLite's quick_check found: .+\).*restore it from a backup/);
  });

  it('creates a missing file only, owner-only, and opens it again afterwards', async function () {
    const { file, cleanup } = await freshSqliteFile();
    try {
      const storage = new SqliteStorage({ file });
      await storage.open();
      await storage.update('item-1', () => storedItem('item-1'));
      await storage.close();
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(fs.readdirSync(path.dirname(file)).filter((name) => name.endsWith('.creating')), []);
      const again = new SqliteStorage({ file });
      await again.open();
      assert.deepEqual(await again.get('item-1'), storedItem('item-1'));
      await again.close();
    } finally {
      await cleanup();
    }
  });
});
