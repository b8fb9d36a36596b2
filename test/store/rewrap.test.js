'use strict';
// Key rotation on a real SQLite store: counts per key id, a rewrap in batches that can stop anywhere and be run
// again, writes from another process while it runs, Items no key of the ring opens, the refusal to open without a
// key Items still need, the plaid-item-store-rewrap CLI, and backups taken across a rotation.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { DatabaseSync: Database } = require('node:sqlite');
const { ItemStore } = require('../../dist/plaid/store/item-store.js');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage.js');
const { TokenCipher, generateStoreKey, parseStoreKey, storeKeyId, envelopeKeyId } = require('../../dist/plaid/store/cipher.js');
const files = require('./support/store-files');

const ROOT = path.join(__dirname, '..', '..');
const REWRAP = path.join(ROOT, 'dist', 'store-rewrap', 'cli.js');
const BACKUP = path.join(ROOT, 'dist', 'store-backup', 'cli.js');
const token = (n) => `access-sandbox-${String(n).padStart(8, '0')}-7a1b-4c2d-8e3f-901234567890`;
const idOf = (key) => storeKeyId(parseStoreKey(key));

/** A store on `file` under `current`, reading `older` too. */
async function open(file, current, older = []) {
  const store = new ItemStore(new SqliteStorage({ file }), new TokenCipher(current, older));
  await store.open();
  return store;
}

/** A store file whose `count` Items (item-0, item-1...) are under an old key; that key and a new one. */
async function underOldKey(count) {
  const file = path.join(files.tempDir(), 'items.db');
  const [k0, k1] = [generateStoreKey(), generateStoreKey()];
  const store = await open(file, k0);
  for (let i = 0; i < count; i++) await store.save({ item_id: `item-${i}`, access_token: token(i) });
  await store.close();
  return { file, k0, k1 };
}

/** The key id each Item's envelope names, straight from the file. */
function envelopeKeys(file) {
  const db = new Database(file, { readOnly: true });
  try {
    const rows = /** @type {any[]} */ (db.prepare('SELECT item_id, token FROM items WHERE token IS NOT NULL ORDER BY item_id').all());
    return Object.fromEntries(rows.map((r) => [r.item_id, envelopeKeyId(r.token)]));
  } finally {
    db.close();
  }
}

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (/** @type {any} */ err) => {
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /access-sandbox-/);
    return true;
  });
}

describe('store: key rotation and rewrap', () => {
  afterEach(files.cleanup);

  it('goes through the four steps: new key as older, then current, rewrap, old key removed; every token readable at each', async () => {
    const file = path.join(files.tempDir(), 'items.db');
    const [k0, k1] = [generateStoreKey(), generateStoreKey()];
    let store = await open(file, k0);
    for (let i = 0; i < 30; i++) await store.save({ item_id: `item-${i}`, access_token: token(i) });
    await store.markRemoved('item-29');
    await store.close();

    /** item-3's token is replaced in step 2. */
    let replaced = false;
    const everyToken = async (s) => {
      for (let i = 0; i < 29; i++) assert.equal(await s.resolveToken(`item-${i}`), i === 3 && replaced ? token(203) : token(i));
    };
    // 1. The new key as an older key: nothing changes, writes still under k0.
    store = await open(file, k0, [k1]);
    await everyToken(store);
    await store.save({ item_id: 'item-during-1', access_token: token(101) });
    assert.equal(envelopeKeys(file)['item-during-1'], idOf(k0));
    await store.close();
    // 2. The new key current: writes under k1, reads of both.
    store = await open(file, k1, [k0]);
    await everyToken(store);
    await store.save({ item_id: 'item-during-2', access_token: token(102) });
    await store.replaceToken('item-3', token(203));
    replaced = true;
    assert.equal(envelopeKeys(file)['item-during-2'], idOf(k1));
    assert.equal(envelopeKeys(file)['item-3'], idOf(k1));
    let usage = await store.keyUsage();
    assert.deepEqual(usage.keys.map((k) => [k.id, k.role, k.position, k.items, k.removable]), [
      [idOf(k1), 'current', null, 2, false],
      [idOf(k0), 'older', 1, 29, false],
    ]);
    assert.deepEqual([usage.items, usage.pending, usage.keyCheck], [31, 29, idOf(k0)], 'a removed Item holds no token');
    await store.close();
    // Removing k0 now is refused at start, naming the key id and how many Items need it; nothing written.
    const before = fs.readFileSync(file);
    await rejectsWith(open(file, k1), 'WRONG_KEY', new RegExp(`its key check and 29 Items are under key ${idOf(k0)}, which is not among this store's keys \\(current ${idOf(k1)}\\)`));
    assert.ok(fs.readFileSync(file).equals(before));
    // 3. Rewrap, in batches of 10.
    store = await open(file, k1, [k0]);
    const batches = [];
    for (;;) {
      const result = await store.rewrap({ limit: 10 });
      batches.push([result.rewrapped, result.pending, result.keyCheck]);
      if (result.pending === 0) break;
    }
    assert.deepEqual(batches, [[10, 19, idOf(k0)], [10, 9, idOf(k0)], [9, 0, idOf(k1)]], 'the key check moves last');
    usage = await store.keyUsage();
    assert.deepEqual(usage.keys.map((k) => [k.id, k.items, k.removable]), [[idOf(k1), 31, false], [idOf(k0), 0, true]]);
    assert.deepEqual(new Set(Object.values(envelopeKeys(file))), new Set([idOf(k1)]));
    await everyToken(store);
    assert.equal((await store.rewrap()).rewrapped, 0, 'a second rewrap has nothing to do');
    await store.close();
    // 4. The old key removed: the store opens, every token readable; the old key alone no longer opens it.
    store = await open(file, k1);
    await everyToken(store);
    await rejectsWith(store.resolveToken('item-29'), 'ITEM_REMOVED', /item-29/);
    await store.close();
    await rejectsWith(open(file, k0), 'WRONG_KEY', /^the encryption key does not match the one this store was created with/);
  });

  it('keeps every write another process makes while it rewraps: each Item ends under the current key with its newest token', async function () {
    this.timeout(30000);
    const { file, k0, k1 } = await underOldKey(200);
    // Two connections to one file, as two processes have: one rewrapping, the other writing tokens meanwhile.
    const rewrapper = await open(file, k1, [k0]);
    const writer = await open(file, k1, [k0]);
    const newest = new Map();
    let writing = true;
    const writes = (async () => {
      for (let n = 0; writing || n < 50; n++) {
        const i = (n * 37) % 200;
        await writer.replaceToken(`item-${i}`, token(1000 + n));
        newest.set(`item-${i}`, token(1000 + n));
        await writer.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: `item-${(i + 1) % 200}` });
      }
    })();
    let total = 0;
    for (;;) {
      const result = await rewrapper.rewrap({ limit: 7 });
      total += result.rewrapped;
      if (result.pending === 0) break;
    }
    writing = false;
    await writes;
    assert.ok(newest.size >= 50, `${newest.size} Items written meanwhile`);
    assert.ok(total < 200, `${total} rewrapped: the writer's tokens were already under the current key`);
    for (let i = 0; i < 200; i++) assert.equal(await rewrapper.resolveToken(`item-${i}`), newest.get(`item-${i}`) ?? token(i), `item-${i}`);
    assert.deepEqual(new Set(Object.values(envelopeKeys(file))), new Set([idOf(k1)]));
    assert.equal((await rewrapper.keyUsage()).keyCheck, idOf(k1));
    await rewrapper.close();
    await writer.close();
  });

  it('two stores rewrapping the same file at once: each Item rewrapped once, none lost', async () => {
    const { file, k0, k1 } = await underOldKey(100);
    const [a, b] = [await open(file, k1, [k0]), await open(file, k1, [k0])];
    const [ra, rb] = await Promise.all([a.rewrap(), b.rewrap()]);
    assert.equal(ra.rewrapped + rb.rewrapped, 100);
    assert.equal(ra.pending + rb.pending, 0);
    for (let i = 0; i < 100; i++) assert.equal(await b.resolveToken(`item-${i}`), token(i));
    await a.close();
    await b.close();
  });

  it('leaves an Item no key of the ring opens as it is, names it, and keeps the older key needed', async () => {
    const file = path.join(files.tempDir(), 'items.db');
    const [k0, k1] = [generateStoreKey(), generateStoreKey()];
    let store = await open(file, k0);
    for (const id of ['item-a', 'item-b', 'item-c']) await store.save({ item_id: id, access_token: token(id.length) });
    await store.close();
    // item-b's ciphertext altered on disk.
    const db = new Database(file);
    const envelope = /** @type {any} */ (db.prepare('SELECT token FROM items WHERE item_id = ?').get('item-b')).token;
    const parts = envelope.split('.');
    const ct = Buffer.from(parts[4], 'base64');
    ct[0] ^= 1;
    parts[4] = ct.toString('base64');
    db.prepare('UPDATE items SET token = ? WHERE item_id = ?').run(parts.join('.'), 'item-b');
    db.close();
    store = await open(file, k1, [k0]);
    const result = await store.rewrap();
    assert.deepEqual([result.rewrapped, result.unreadable, result.pending, result.keyCheck], [2, ['item-b'], 1, idOf(k0)]);
    assert.equal(result.keys.find((k) => k.id === idOf(k0)).removable, false);
    // Saved again (the import path), it is under the current key; the next rewrap finishes.
    await store.save({ item_id: 'item-b', access_token: token(9) });
    const after = await store.rewrap();
    assert.deepEqual([after.rewrapped, after.pending, after.keyCheck], [0, 0, idOf(k1)]);
    await store.close();
  });

  it('opens with the key that wrote the store as an older key only: a new current key is not refused as a wrong key', async () => {
    const file = path.join(files.tempDir(), 'items.db');
    const [k0, k1, stranger] = [generateStoreKey(), generateStoreKey(), generateStoreKey()];
    const store = await open(file, k0);
    await store.save({ item_id: 'item-a', access_token: token(1) });
    await store.close();
    const rotated = await open(file, k1, [k0]);
    assert.equal(await rotated.resolveToken('item-a'), token(1));
    await rotated.close();
    await rejectsWith(open(file, k1, [stranger]), 'WRONG_KEY',
      new RegExp(`its key check and 1 Item are under key ${idOf(k0)}, which is not among this store's keys \\(current ${idOf(k1)}, older ${idOf(stranger)}\\)`));
  });

  describe('plaid-item-store-rewrap', () => {
    const run = (args, env) => spawnSync(process.execPath, [REWRAP, ...args], {
      encoding: 'utf8',
      env: { ...process.env, PLAID_ITEM_STORE_KEY: '', PLAID_ITEM_STORE_PREVIOUS_KEYS: '', ...env },
    });

    it('rewraps in batches while printing progress, says which key may be removed, and never prints a key or token', async () => {
      const { file, k0, k1 } = await underOldKey(25);
      const env = { PLAID_ITEM_STORE_KEY: k1, PLAID_ITEM_STORE_PREVIOUS_KEYS: `${k0}\n` };

      const status = run(['--status', file], env);
      assert.equal(status.status, 3, status.stderr);
      assert.match(status.stdout, new RegExp(`${idOf(k1)}  current key: 0 Items\\n  ${idOf(k0)}  older key 1: 25 Items, the key check \\(still needed\\)`));
      assert.deepEqual(new Set(Object.values(envelopeKeys(file))), new Set([idOf(k0)]), '--status changes nothing');

      const result = run(['--batch', '10', file], env);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^rewrapped 10 so far; 15 left under older keys\nrewrapped 20 so far; 5 left under older keys\nrewrapped 25 so far; 0 left under older keys\n25 Items; keys:\n/);
      assert.match(result.stdout, new RegExp(`${idOf(k1)}  current key: 25 Items, the key check\\n  ${idOf(k0)}  older key 1: 0 Items \\(may be removed\\)\\n$`));
      for (const text of [result.stdout + result.stderr + status.stdout + status.stderr]) {
        assert.ok(!text.includes(k0) && !text.includes(k1) && !text.includes('access-sandbox-'), text);
        assert.ok(!text.includes('ExperimentalWarning'), 'no SQLite warning');
      }
      const done = await open(file, k1);
      assert.equal(await done.resolveToken('item-24'), token(24));
      await done.close();
    });

    it('refuses clearly: no key, a bad older key line, a key removed too early, wrong arguments', async () => {
      const { file, k0, k1 } = await underOldKey(1);
      /** @type {Array<[string[], object, number, RegExp]>} */
      const cases = [
        [[file], {}, 1, /PLAID_ITEM_STORE_KEY is not set/],
        [[file], { PLAID_ITEM_STORE_KEY: k1, PLAID_ITEM_STORE_PREVIOUS_KEYS: `${k0}\nnot a key` }, 1, /the older key on line 2 must be 32 bytes/],
        [[file], { PLAID_ITEM_STORE_KEY: k1 }, 1, new RegExp(`its key check and 1 Item are under key ${idOf(k0)}`)],
        [[file], { PLAID_ITEM_STORE_KEY: Buffer.alloc(32, 7).toString('base64') }, 1, /too little entropy/],
        [[], { PLAID_ITEM_STORE_KEY: k1 }, 2, /^Usage: plaid-item-store-rewrap/],
        [['--batch', '0', file], { PLAID_ITEM_STORE_KEY: k1 }, 2, /^Usage: plaid-item-store-rewrap/],
        [['--postgres'], { PLAID_ITEM_STORE_KEY: k1 }, 1, /PLAID_ITEM_STORE_POSTGRES_URL is not set/],
      ];
      for (const [args, env, code, pattern] of cases) {
        const result = run(args, env);
        assert.equal(result.status, code, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr.replace(/^plaid-item-store-rewrap: /, ''), pattern);
        assert.ok(!result.stderr.includes(k0) && !result.stderr.includes(k1) && !result.stderr.includes('not a key'));
      }
      assert.equal(run(['--help'], {}).status, 0);
    });
  });

  it('backups taken across a rotation restore with the keys they were written under (plaid-item-store-backup)', async () => {
    const { file, k0, k1 } = await underOldKey(10);
    const dir = path.dirname(file);
    const store = await open(file, k1, [k0]);
    await store.rewrap({ limit: 4 });
    const backup = (name) => {
      const target = path.join(dir, name);
      const result = spawnSync(process.execPath, [BACKUP, file, target], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      return target;
    };
    const halfway = backup('halfway.db');
    await store.rewrap();
    const after = backup('after.db');
    await store.close();
    const halfwayCopy = path.join(dir, 'halfway-copy.db');
    fs.copyFileSync(halfway, halfwayCopy);
    // Halfway: Items under both keys. It opens with both, and the rewrap finishes there too.
    const restored = await open(halfway, k1, [k0]);
    assert.deepEqual((await restored.keyUsage()).keys.map((k) => k.items), [4, 6]);
    for (let i = 0; i < 10; i++) assert.equal(await restored.resolveToken(`item-${i}`), token(i));
    assert.equal((await restored.rewrap()).pending, 0);
    await restored.close();
    // With the old key alone, it is refused, naming the Items the new key holds.
    await rejectsWith(open(halfwayCopy, k0), 'WRONG_KEY', new RegExp(`^4 Items are encrypted under key ${idOf(k1)}, which is not among this store's keys`));
    // After the rotation: the new key alone opens it.
    const latest = await open(after, k1);
    assert.equal(await latest.resolveToken('item-9'), token(9));
    await latest.close();
  });
});
