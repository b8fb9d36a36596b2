'use strict';
// Durability: a process saving Items is killed with SIGKILL at random moments; after each kill the store is opened
// again and every Item the process had reported saved (its output sent) must resolve by item_id to its token.
// Two kinds of process: a whole Node-RED doing exchanges through `plaid-item-public-token-exchange` with a store,
// against the emulator (each exchange output reported must resolve to the token Plaid issued), and a plain Node
// process saving through the ItemStore API as fast as it can (four at a time on one file, so kills land mid-write).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ItemStore } = require('../../dist/plaid/store/item-store.js');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage.js');
const { TokenCipher, generateStoreKey } = require('../../dist/plaid/store/cipher.js');
const { start: startEmulator } = require('../../dist/emulator');
const { tokenFor } = require('./support/token');
const { killAtRandom } = require('./support/kill');
const { suiteTempDir } = require('./support/temp-dir');

const PLAIN_KILLS = Number(process.env.DURABILITY_PLAIN_KILLS || 200);
const RED_KILLS = Number(process.env.DURABILITY_RED_KILLS || 200);

/**
 * Opens the store as a restarted process would; `expected(itemId)` is the token each reported Item must have.
 * `count`: also count the records the store holds (`total`; a read of every record), only when asked.
 */
async function checkResolve(file, key, itemIds, expected = tokenFor, { count = false } = {}) {
  const store = new ItemStore(new SqliteStorage({ file }), new TokenCipher(key));
  await store.open();
  try {
    const missing = [];
    for (const itemId of itemIds) {
      const token = await store.resolveToken(itemId).catch((e) => `error: ${e.message}`);
      if (token !== expected(itemId)) missing.push(`${itemId}: ${token === undefined ? 'no token' : 'another token'}`);
    }
    return { missing, total: count ? (await store.list()).length : undefined };
  } finally {
    await store.close();
  }
}

/**
 * `kills` times: start `script` with `envFor(run)`, kill it at random, check that what it reported resolves.
 * Lanes run side by side (on one store file or on one each), so the kills overlap other processes' writes too.
 */
async function lane({ kills, script, envFor, file, key, timing, expected = tokenFor, first = 0 }) {
  let reported = 0;
  let withSaves = 0;
  for (let run = first; run < first + kills; run++) {
    const { saved } = await killAtRandom([path.join(__dirname, 'support', script)], envFor(run), timing);
    const { missing } = await checkResolve(file, key, saved, expected);
    assert.deepEqual(missing, [], `${script} run ${run}`);
    reported += saved.length;
    if (saved.length > 0) withSaves++;
  }
  return { reported, withSaves };
}

function sum(results) {
  return results.reduce((a, b) => ({ reported: a.reported + b.reported, withSaves: a.withSaves + b.withSaves }));
}

describe('durability: SIGKILL at random moments', function () {
  const tempDir = suiteTempDir('plaid-durability-');

  it(`${PLAIN_KILLS} kills of processes saving through the ItemStore API: every reported save resolves`, async function () {
    // The store grows by thousands of Items a minute: each restart opens (and checks) a larger one.
    this.timeout(1200000);
    // Four processes at a time on one store file: each kill lands while the others write.
    const LANES = 4;
    const file = path.join(tempDir(), 'plain.db');
    const key = generateStoreKey();
    const perLane = Math.ceil(PLAIN_KILLS / LANES);
    const results = await Promise.all(Array.from({ length: LANES }, (_, l) => lane({
      kills: perLane,
      first: l * perLane,
      script: 'store-child.js',
      envFor: (run) => ({ STORE_FILE: file, STORE_KEY: key, RUN: `p${run}` }),
      file,
      key,
      timing: { armOn: 'READY', maxDelayMs: 150, startTimeoutMs: 20000 },
    })));
    const { reported, withSaves } = sum(results);
    const { total } = await checkResolve(file, key, [], tokenFor, { count: true });
    console.log(`      plain Node: ${perLane * LANES} SIGKILLs (${LANES} processes at a time), ${withSaves} of them after at ` +
      `least one save; ${reported} saves reported, ${reported} resolved after restart, 0 lost; ${total} records in the store`);
    assert.ok(total >= reported, `${total} records for ${reported} reported saves`);
    assert.ok(withSaves >= PLAIN_KILLS * 0.5, `only ${withSaves} runs saved anything before the kill`);
  });

  it(`${RED_KILLS} kills of Node-RED doing exchanges with an Item store: every exchange output sent resolves`, async function () {
    this.timeout(1200000);
    const emulator = await startEmulator();
    try {
      // Two Node-REDs at a time, each with its own user directory and store, restarted on it after each kill.
      const LANES = 2;
      const perLane = Math.ceil(RED_KILLS / LANES);
      const key = generateStoreKey();
      const lanes = Array.from({ length: LANES }, (_, l) => {
        const userDir = path.join(tempDir(), `red-${l}`);
        fs.mkdirSync(userDir);
        return { userDir, file: path.join(userDir, 'plaid-items.db') };
      });
      const issued = (itemId) => emulator.item(itemId)?.access_token;
      const results = await Promise.all(lanes.map(({ userDir, file }, l) => lane({
        kills: perLane,
        first: l * perLane,
        script: 'red-exchange-child.js',
        envFor: (run) => ({ USER_DIR: userDir, STORE_KEY: key, RUN: `r${run}`, PLAID_URL: emulator.url, PLAID_CLIENT_ID: emulator.clientId, PLAID_SECRET: emulator.secret }),
        file,
        key,
        expected: issued,
        // Armed at the first exchange output: the kill lands anywhere in the exchanges that follow it.
        timing: { armOn: 'SAVED', maxDelayMs: 300, startTimeoutMs: 60000 },
      })));
      const { reported, withSaves } = sum(results);
      let total = 0;
      for (const { file } of lanes) total += (await checkResolve(file, key, [], issued, { count: true })).total;
      console.log(`      Node-RED: ${perLane * LANES} SIGKILLs (${LANES} runtimes at a time), ${withSaves} after at least one ` +
        `exchange output; ${reported} outputs reported, ${reported} resolved after restart, 0 lost; ${total} records in the stores`);
      assert.ok(total >= reported, `${total} records for ${reported} reported exchanges`);
      // A run is armed by its first exchange output: one that never got there was killed by the start timeout.
      assert.equal(withSaves, perLane * LANES, 'runs that exchanged before their kill');
    } finally {
      await emulator.stop();
    }
  });
});
