'use strict';
// SqliteStorage passes the conformance suite every backend passes; "another instance" is a second connection to
// the same file, as a second process would have.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage');
const { describeStorageConformance } = require('./storage-conformance');

async function freshSqliteFile() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-sqlite-conformance-'));
  return { file: path.join(dir, 'items.db'), cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function freshSqlite() {
  const { file, cleanup } = await freshSqliteFile();
  return { open: () => new SqliteStorage({ file }), cleanup };
}

describeStorageConformance('sqlite', freshSqlite);

describe('SqliteStorage schema migration', function () {
  it('migrates a version-1 file at open, its claims kept as confirmed', async function () {
    const Database = require('better-sqlite3');
    const { file, cleanup } = await freshSqliteFile();
    try {
      const first = new SqliteStorage({ file });
      await first.open();
      await first.close();
      // Back to version 1 as an older package left it: claims had no confirmed column.
      const db = new Database(file);
      db.exec("DROP TABLE claims; CREATE TABLE claims (key TEXT PRIMARY KEY, claimed_at INTEGER NOT NULL); UPDATE meta SET value = '1' WHERE key = 'schema_version'");
      db.prepare('INSERT INTO claims (key, claimed_at) VALUES (?, ?)').run('sha-old', Date.now());
      db.close();
      const storage = new SqliteStorage({ file });
      await storage.open();
      try {
        assert.equal(await storage.claim('sha-old', Date.now(), 24 * 3600 * 1000, 30000), 'duplicate');
        assert.equal(await storage.claim('sha-new', Date.now(), 24 * 3600 * 1000, 30000), 'claimed');
      } finally {
        await storage.close();
      }
      const check = new Database(file, { readonly: true });
      assert.equal(/** @type {{value: string}} */ (check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).value, '2');
      check.close();
    } finally {
      await cleanup();
    }
  });
});
