'use strict';
// The store's webhook event log on a real SQLite file, with the store's clock injected: retention keeps it bounded
// under 100,000 deliveries, bodies are bound to their entry, concurrent deliveries share a transaction.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { DatabaseSync: Database } = require('node:sqlite');
const { ItemStore } = require('../../dist/plaid/store/item-store');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage');
const { TokenCipher, generateStoreKey } = require('../../dist/plaid/store/cipher');
const files = require('./support/store-files');

const DAY = 86400e3;
const body = (i) => Buffer.from(JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: `item-${i % 500}`, environment: 'sandbox', error: null, n: i }, null, 2));
const delivery = (i) => ({
  nodeId: 'hook', raw: body(i), bodySha256: `sha-${i}`, webhookType: 'ITEM', webhookCode: 'NEW_ACCOUNTS_AVAILABLE', itemId: `item-${i % 500}`, environment: 'sandbox',
});

function count(file, sql = 'SELECT count(*) AS n FROM deliveries') {
  const db = new Database(file, { readOnly: true });
  try {
    return /** @type {any} */ (db.prepare(sql).get()).n;
  } finally {
    db.close();
  }
}

describe('store: the webhook event log on SQLite', function () {
  this.timeout(120000);
  afterEach(files.cleanup);

  it('stays bounded under 100,000 deliveries: entries older than the retention go at each prune, the file stops growing', async function () {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { store, file } = await files.openStore({ now: () => now });
    const PER_DAY = 10_000;
    const sizes = [];
    for (let day = 0; day < 10; day++) {
      for (let chunk = 0; chunk < PER_DAY; chunk += 2000) {
        // 2,000 at once, as a burst on the route would record them; the clock moves through the day.
        const recorded = await Promise.all(Array.from({ length: 2000 }, (_, i) => store.deliveries.record(delivery(day * PER_DAY + chunk + i), { dedupe: false, log: true })));
        assert.equal(new Set(recorded.map((r) => r.deliveryId)).size, 2000);
        now += DAY / 5;
      }
      // The hourly prune, with a retention of one day: what is left is the last day's.
      const pruned = await store.deliveries.prune('hook', 1, ['hook']);
      assert.equal(pruned, day === 0 ? 0 : PER_DAY, `day ${day}`);
      assert.ok(count(file) <= PER_DAY, `day ${day}: ${count(file)} entries`);
      sizes.push(fs.statSync(file).size + (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0));
    }
    assert.equal(count(file), PER_DAY);
    // Pages freed by a prune are used again: from the third day on the file is as large as it gets.
    const settled = Math.max(...sizes.slice(2, 4));
    assert.ok(sizes.at(-1) <= settled * 1.1, `bytes on disk per day: ${sizes.join(', ')}`);
  });

  it('prunes only once an interval across instances, and everything of a node whose log was turned off', async function () {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { store, file, key } = await files.openStore({ now: () => now });
    const { store: other } = await files.openStore({ file, key, now: () => now });
    await store.deliveries.record(delivery(1), { dedupe: false, log: true });
    now += 2 * DAY;
    assert.equal(await store.deliveries.prune('hook', 1, ['hook']), 1);
    await store.deliveries.record(delivery(2), { dedupe: false, log: true });
    now += 2 * DAY;
    assert.equal(await other.deliveries.prune('hook', 1, ['hook']), 1, 'the last prune is a day old: due again');
    await store.deliveries.record(delivery(3), { dedupe: false, log: true });
    now += 2 * DAY;
    assert.equal(await store.deliveries.prune('hook', 1, ['hook']), 1);
    assert.equal(await other.deliveries.prune('hook', 1, ['hook']), 0, 'pruned by the other instance within the hour');
    await store.deliveries.record(delivery(4), { dedupe: false, log: true });
    assert.equal(await store.deliveries.prune('hook', 0, ['hook']), 1, 'log off: its entries go');
    assert.equal(count(file), 0);
  });

  it('binds each body to its entry: an envelope moved to another entry does not open', async function () {
    const { store, file } = await files.openStore();
    const [a, b] = [await store.deliveries.record(delivery(1), { dedupe: false, log: true }), await store.deliveries.record(delivery(2), { dedupe: false, log: true })];
    assert.equal(/** @type {any} */ (await store.deliveries.show(a.deliveryId)).body.n, 1);
    const db = new Database(file);
    db.prepare('UPDATE deliveries SET body_ciphertext = (SELECT body_ciphertext FROM deliveries WHERE id = ?) WHERE id = ?').run(b.deliveryId, a.deliveryId);
    db.close();
    await assert.rejects(store.deliveries.show(a.deliveryId), (/** @type {any} */ err) => err.code === 'TOKEN_UNREADABLE' && err.message.includes(a.deliveryId));
    const [moved] = await store.deliveries.replayable({ ids: [a.deliveryId] });
    assert.throws(() => moved.body(), (/** @type {any} */ err) => err.code === 'TOKEN_UNREADABLE');
    assert.equal(/** @type {any} */ (await store.deliveries.show(b.deliveryId)).body.n, 2);
  });

  it('gives entries UUID version 7 ids that carry their time: the ids of later deliveries sort after, each one unique', async function () {
    let now = Date.parse('2026-03-01T12:00:00Z');
    const { store } = await files.openStore({ now: () => now });
    const ids = [];
    for (let ms = 0; ms < 50; ms++, now++) {
      const recorded = await Promise.all([0, 1, 2].map((i) => store.deliveries.record(delivery(ms * 3 + i), { dedupe: false, log: true })));
      ids.push(recorded.map((r) => r.deliveryId));
    }
    const all = ids.flat();
    assert.equal(new Set(all).size, all.length);
    for (const id of all) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The first 48 bits are the delivery's time in ms; a millisecond's ids all sort after the one before's.
    ids.forEach((group, ms) => group.forEach((id) => assert.equal(parseInt(id.replace('-', '').slice(0, 12), 16), Date.parse('2026-03-01T12:00:00Z') + ms)));
    for (let ms = 1; ms < ids.length; ms++) assert.ok(ids[ms].every((id) => ids[ms - 1].every((earlier) => id > earlier)), `ms ${ms}`);
    const { deliveries } = await store.deliveries.list({}, 1);
    assert.equal(deliveries[0].id, ids.at(-1).at(-1));
  });

  it('records deliveries that arrive together in one batch (one transaction), each answered with its own outcome', async function () {
    const file = path.join(files.tempDir(), 'items.db');
    const storage = new SqliteStorage({ file });
    const batches = [];
    const claimBatch = storage.claimBatch.bind(storage);
    storage.claimBatch = (batch, ...rest) => {
      batches.push(batch.claims.length);
      return claimBatch(batch, ...rest);
    };
    const store = new ItemStore(storage, new TokenCipher(generateStoreKey()));
    await store.open();
    try {
      const first = await store.deliveries.record(delivery(7), { dedupe: true, log: true });
      await store.deliveries.confirm(first);
      // 50 deliveries and a copy of one already emitted, arriving in the same turn of the event loop.
      const recorded = await Promise.all([
        ...Array.from({ length: 50 }, (_, i) => store.deliveries.record(delivery(100 + i), { dedupe: true, log: true })),
        store.deliveries.record(delivery(7), { dedupe: true, log: true }),
      ]);
      assert.deepEqual(recorded.map((r) => r.duplicate), [...Array(50).fill(false), true]);
      assert.equal(new Set(recorded.map((r) => r.deliveryId)).size, 51);
      assert.equal(count(file), 52);
      // The first delivery, its confirmation, then the 51 together.
      assert.deepEqual(batches, [1, 0, 51]);
    } finally {
      await store.close();
    }
  });
});
