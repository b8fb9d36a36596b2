'use strict';
// plaid-item-store-backup: a consistent copy of a store that another process is writing to, encrypted as stored,
// and a restore (copy the file back) that gives every Item back under the same key.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { DatabaseSync: Database } = require('node:sqlite');
const { generateStoreKey } = require('../../dist/plaid/store/cipher.js');
const { tokenFor } = require('../durability/support/token');
const files = require('./support/store-files');
const { until } = require('../support/until');

const CLI = path.join(__dirname, '..', '..', 'dist', 'store-backup', 'cli.js');
const WRITER = path.join(__dirname, '..', 'durability', 'support', 'store-child.js');
const backup = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('store: backup and restore', () => {
  afterEach(files.cleanup);

  it('copies a store consistently while another process writes to it; restore gives every Item back', async function () {
    this.timeout(60000);
    const dir = files.tempDir();
    const file = path.join(dir, 'plaid-items.db');
    const key = generateStoreKey();
    // A writer process saving Items one after another, as a running Node-RED would.
    const writer = spawn(process.execPath, [WRITER], { env: { ...process.env, STORE_FILE: file, STORE_KEY: key, RUN: 'live' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    writer.stdout.on('data', (d) => (out += d));
    const savedLines = () => out.split('\n').filter((l) => l.startsWith('SAVED '));
    await until('30 Items saved by the writer', () => savedLines().length >= 30, 30000);
    const savedBefore = savedLines().map((l) => l.slice(6));
    const target = path.join(dir, 'backup.db');
    const result = backup(file, target);
    const stillWriting = savedLines().length;
    writer.kill('SIGKILL');
    await new Promise((r) => writer.once('exit', r));
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^backed up .*plaid-items\.db to .*backup\.db \(\d+ pages, \d+ bytes\)\n$/);
    assert.ok(stillWriting > 0);
    assert.equal(fs.statSync(target).mode & 0o777, 0o600);
    const raw = fs.readFileSync(target);
    assert.equal(raw.indexOf(Buffer.from('access-sandbox-durable-')), -1, 'tokens are encrypted in the backup');
    const check = new Database(target, { readOnly: true });
    assert.equal(/** @type {any} */ (check.prepare('PRAGMA integrity_check').get()).integrity_check, 'ok');
    check.close();

    // Restore: the store is stopped, the backup copied over it, its -wal and -shm deleted.
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    fs.copyFileSync(target, file);
    const { store } = await files.openStore({ file, key });
    for (const itemId of savedBefore) assert.equal(await store.resolveToken(itemId), tokenFor(itemId), itemId);
    assert.ok((await store.list()).length >= savedBefore.length);
    // And under another key the restored store refuses to open, as the original would.
    await store.close();
    await assert.rejects(files.openStore({ file, key: generateStoreKey() }), /the encryption key does not match/);
  });

  it('refuses clearly: no store there, not a store, an existing backup file, wrong arguments', async () => {
    const dir = files.tempDir();
    const { store, file } = await files.openStore({ file: path.join(dir, 'items.db') });
    await store.save({ item_id: 'item-a', access_token: 'access-sandbox-00000001-0000' });
    const existing = path.join(dir, 'existing.db');
    fs.writeFileSync(existing, 'keep me');
    const notStore = path.join(dir, 'other.db');
    new Database(notStore).exec('CREATE TABLE t (x)');
    /** @type {Array<[string[], number, RegExp]>} */
    const cases = [
      [[path.join(dir, 'missing.db'), path.join(dir, 'b1.db')], 1, /no store file at/],
      [[notStore, path.join(dir, 'b2.db')], 1, /is not an Item store/],
      [[file, existing], 1, /exists already/],
      [[file, file], 1, /must not be the store file/],
      [[file], 2, /^Usage: plaid-item-store-backup/],
    ];
    for (const [args, status, pattern] of cases) {
      const result = backup(...args);
      assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr.replace(/^plaid-item-store-backup: /, ''), pattern);
    }
    assert.equal(fs.readFileSync(existing, 'utf8'), 'keep me');
    assert.equal(fs.existsSync(path.join(dir, 'b2.db')), false, 'no half backup left');
    assert.equal(backup('--help').status, 0);
  });
});
