'use strict';
// Durability of a rewrap: plaid-item-store-rewrap (a process of its own, as an operator runs it) killed with SIGKILL
// at random moments while it re-encrypts a store under a new key. After each kill every Item still resolves to its
// token under one key or the other, and the next rewrap takes up where the last one stopped; the last one finishes,
// with every Item and the key check under the new key.
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { DatabaseSync } = require('node:sqlite');
const { ItemStore } = require('../../dist/plaid/store/item-store.js');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage.js');
const { TokenCipher, generateStoreKey, parseStoreKey, storeKeyId, envelopeKeyId } = require('../../dist/plaid/store/cipher.js');
const { tokenFor } = require('./support/token');
const { killAtRandom } = require('./support/kill');
const { suiteTempDir } = require('./support/temp-dir');

const KILLS = Number(process.env.DURABILITY_REWRAP_KILLS || 50);
const ITEMS = 1500;
const CLI = path.join(__dirname, '..', '..', 'dist', 'store-rewrap', 'cli.js');
// Each kill comes within this long of the run's first batch: short enough that the runs do not finish the rewrap
// before the kills are all in (a run of batches of 5 rewraps about 90 Items in 125 ms).
const KILL_WITHIN_MS = 80;

describe('durability: SIGKILL during a rewrap', function () {
  this.timeout(1200000);
  const tempDir = suiteTempDir('plaid-durability-rewrap-');

  it(`${KILLS} kills of plaid-item-store-rewrap: every Item resolves under one key or the other after each, the next rewrap finishes`, async function () {
    const file = path.join(tempDir(), 'items.db');
    const [oldKey, newKey] = [generateStoreKey(), generateStoreKey()];
    const ids = { old: storeKeyId(parseStoreKey(oldKey)), new: storeKeyId(parseStoreKey(newKey)) };
    const itemId = (n) => `item-rewrap-${n}`;
    const seed = new ItemStore(new SqliteStorage({ file }), new TokenCipher(oldKey));
    await seed.open();
    for (let n = 0; n < ITEMS; n++) await seed.save({ item_id: itemId(n), access_token: tokenFor(itemId(n)) });
    await seed.close();

    /** Every Item's envelope names the old key or the new one, and every token resolves with both keys given. */
    async function check() {
      const db = new DatabaseSync(file, { readOnly: true });
      const named = /** @type {any[]} */ (db.prepare('SELECT token FROM items').all()).map((r) => envelopeKeyId(r.token));
      const keyCheck = envelopeKeyId(/** @type {any} */ (db.prepare("SELECT value FROM meta WHERE key = 'key_check'").get()).value);
      db.close();
      assert.equal(named.length, ITEMS);
      assert.deepEqual(named.filter((id) => id !== ids.old && id !== ids.new), [], 'every envelope under one key or the other');
      const store = new ItemStore(new SqliteStorage({ file }), new TokenCipher(newKey, [oldKey]));
      await store.open();
      try {
        for (let n = 0; n < ITEMS; n++) assert.equal(await store.resolveToken(itemId(n)), tokenFor(itemId(n)), itemId(n));
      } finally {
        await store.close();
      }
      return { underNew: named.filter((id) => id === ids.new).length, keyCheck };
    }

    const env = { PLAID_ITEM_STORE_KEY: newKey, PLAID_ITEM_STORE_PREVIOUS_KEYS: oldKey };
    let kills = 0;
    let finishedEarly = 0;
    const progress = [];
    while (kills < KILLS) {
      const run = await killAtRandom([CLI, '--batch', '5', file], env, { armOn: 'rewrapped ', maxDelayMs: KILL_WITHIN_MS, startTimeoutMs: 20000, mayFinish: true });
      if (run.finished !== undefined) {
        // It finished before the kill could land: nothing left to interrupt.
        assert.equal(run.finished, 0, run.stderr);
        finishedEarly++;
        break;
      }
      kills++;
      const { underNew } = await check();
      progress.push(underNew);
    }
    const last = spawnSync(process.execPath, [CLI, file], { env: { ...process.env, ...env }, encoding: 'utf8' });
    assert.equal(last.status, 0, last.stderr + last.stdout);
    assert.match(last.stdout, new RegExp(`${ids.new}  current key: ${ITEMS} Items, the key check\\n  ${ids.old}  older key 1: 0 Items \\(may be removed\\)`));
    const { underNew, keyCheck } = await check();
    assert.deepEqual([underNew, keyCheck], [ITEMS, ids.new]);
    // And the old key can go: the store opens with the new key alone.
    const store = new ItemStore(new SqliteStorage({ file }), new TokenCipher(newKey));
    await store.open();
    assert.equal(await store.resolveToken(itemId(ITEMS - 1)), tokenFor(itemId(ITEMS - 1)));
    await store.close();
    assert.ok(progress.every((n, i) => i === 0 || n >= progress[i - 1]), 'no kill undid a rewrap');
    console.log(`      rewrap: ${kills} SIGKILLs mid-rewrap of ${ITEMS} Items (${progress.filter((n, i) => n > (progress[i - 1] ?? 0)).length} after progress), ` +
      `${progress[progress.length - 1] ?? 0} rewrapped before the last run${finishedEarly ? ', the rewrap finished before a kill once' : ''}; every Item resolved after each kill; the last run finished`);
    assert.ok(kills >= Math.min(KILLS, 10), `${kills} kills landed mid-rewrap`);
  });
});
