'use strict';
// SqliteStorage passes the conformance suite every backend passes; "another instance" is a second connection to
// the same file, as a second process would have.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage');
const { describeStorageConformance } = require('./storage-conformance');

async function freshSqlite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-sqlite-conformance-'));
  const file = path.join(dir, 'items.db');
  return { open: () => new SqliteStorage({ file }), cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describeStorageConformance('sqlite', freshSqlite);
