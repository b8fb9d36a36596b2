'use strict';
// Durability of a new store's creation: a process opening a store whose file does not exist yet (so it creates it) is
// killed with SIGKILL at random moments from just before the open to just after it. After each kill there is either
// no store file or a whole one: the next open never refuses it (an empty or half-built file would be refused as
// damaged), a store the process had reported open is there, and every save it reported resolves.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ItemStore } = require('../../dist/plaid/store/item-store.js');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage.js');
const { TokenCipher, generateStoreKey } = require('../../dist/plaid/store/cipher.js');
const { tokenFor } = require('./support/token');
const { killAtRandom } = require('./support/kill');
const { suiteTempDir } = require('./support/temp-dir');

const KILLS = Number(process.env.DURABILITY_CREATE_KILLS || 60);
const CHILD = path.join(__dirname, 'support', 'store-child.js');
const CALIBRATION_RUNS = 3;

describe('durability: SIGKILL while a new store file is created', function () {
  this.timeout(600000);
  const tempDir = suiteTempDir('plaid-durability-create-');

  it(`${KILLS} kills around a store's creation: no file or a whole one each time, never refused, every reported save resolves`, async function () {
    const key = generateStoreKey();
    const run = (file, timing) => killAtRandom([CHILD], { STORE_FILE: file, STORE_KEY: key, RUN: path.basename(file) }, { startTimeoutMs: 20000, ...timing });

    // The kill window is calibrated on this machine: runs left to open their store and save once say how long a
    // creation takes, and the kills then land anywhere from before it starts to half as long again after it.
    const openMs = [];
    for (let n = 0; n < CALIBRATION_RUNS; n++) {
      const calibration = await run(path.join(tempDir(), `calibration-${n}.db`), { armOn: 'SAVED', maxDelayMs: 1 });
      openMs.push(Number(calibration.lines.find((line) => line.startsWith('READY ')).slice(6)));
    }
    const maxDelayMs = Math.ceil(Math.max(...openMs) * 1.5) + 5;

    const outcomes = { noFile: 0, temporaryLeft: 0, fileNotYetReported: 0, fileReportedOpen: 0 };
    let savesResolved = 0;
    for (let k = 0; k < KILLS; k++) {
      const file = path.join(tempDir(), `items-${k}.db`);
      const killed = await run(file, { armOn: 'OPENING', maxDelayMs });
      const reportedOpen = killed.lines.some((line) => line.startsWith('READY '));
      const present = fs.existsSync(file);
      const temporaries = fs.readdirSync(tempDir()).filter((name) => name.startsWith(`${path.basename(file)}.`) && name.endsWith('.creating'));
      if (reportedOpen) assert.ok(present, `kill ${k} (${killed.delayMs} ms): the store was reported open, and its file is gone`);
      if (!present) outcomes.noFile++;
      else if (reportedOpen) outcomes.fileReportedOpen++;
      else outcomes.fileNotYetReported++;
      if (temporaries.length) outcomes.temporaryLeft++;

      // The next start: the store opens (it is created if the kill came before its file was in place).
      const store = new ItemStore(new SqliteStorage({ file }), new TokenCipher(key));
      await store.open().catch((err) => assert.fail(`kill ${k} (${killed.delayMs} ms, file ${present ? 'present' : 'absent'}): the next open failed: ${err.message}`));
      try {
        for (const itemId of killed.saved) assert.equal(await store.resolveToken(itemId), tokenFor(itemId), `kill ${k}: ${itemId}`);
        savesResolved += killed.saved.length;
      } finally {
        await store.close();
      }
    }
    console.log(`      create: ${KILLS} SIGKILLs from 0 to ${maxDelayMs} ms after the open began (an uninterrupted open took ${openMs.map((ms) => ms.toFixed(0)).join(', ')} ms): ` +
      `${outcomes.noFile} left no store file, ${outcomes.fileNotYetReported} a whole file not yet reported open, ${outcomes.fileReportedOpen} a store reported open; ` +
      `${outcomes.temporaryLeft} landed mid-creation (its temporary file left beside the store's name); every next open succeeded, ${savesResolved} reported saves resolved`);
    // The kills did land inside creations, not only before or after them.
    assert.ok(outcomes.temporaryLeft > 0, 'no kill landed while a file was being created');
    assert.ok(outcomes.fileReportedOpen > 0, 'no kill landed after a store was open');
  });
});
