#!/usr/bin/env node
'use strict';
// A plain Node process saving Items through the ItemStore API as fast as it can, one after another, and printing
// "SAVED <item_id>" once each save resolved (stdout to a pipe is synchronous on Linux: the line is out of the process
// before the next save starts). The parent kills it with SIGKILL at a random moment. "OPENING" comes before the store
// is opened (a new file is created then), "READY <ms>" once it is open, with the milliseconds opening took.
// Env: STORE_FILE, STORE_KEY, RUN (a prefix for the item_ids).
const { ItemStore } = require('../../../dist/plaid/store/item-store.js');
const { SqliteStorage } = require('../../../dist/plaid/store/sqlite-storage.js');
const { TokenCipher } = require('../../../dist/plaid/store/cipher.js');
const { tokenFor } = require('./token');

async function main() {
  const store = new ItemStore(new SqliteStorage({ file: process.env.STORE_FILE }), new TokenCipher(process.env.STORE_KEY));
  process.stdout.write('OPENING\n');
  const openingAt = performance.now();
  await store.open();
  process.stdout.write(`READY ${(performance.now() - openingAt).toFixed(1)}\n`);
  for (let n = 0; ; n++) {
    const itemId = `${process.env.RUN}-${n}`;
    await store.save({ item_id: itemId, access_token: tokenFor(itemId), client_user_id: `user-${n}` });
    process.stdout.write(`SAVED ${itemId}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`store-child: ${err.stack || err}\n`);
  process.exit(1);
});
