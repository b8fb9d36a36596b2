'use strict';
// A key rotation of the shared PostgreSQL Item store under load, through the README's four steps on two Node-RED
// instances behind nginx, each step deployed one instance at a time (drained for the lookups meanwhile, as a load
// balancer would): lookups by item_id, exchanges and token rotations on both, the emulator's signed webhooks through
// nginx all along. 0 failed lookups, 0 rejected webhooks, every Item under the new key at the end; the old key's
// removal refused before the rewrap and accepted after. Also the CLI's rewrap of that database, and a second
// rewrap started on both instances at once.
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { start: startEmulator } = require('../../dist/emulator');
const { ItemStore } = require('../../dist/plaid/store/item-store');
const { PostgresStorage } = require('../../dist/plaid/store/postgres-storage');
const { TokenCipher, generateStoreKey } = require('../../dist/plaid/store/cipher');
const { json } = require('../reliability/support/util');
const { startCluster } = require('./support/cluster');
const { createDatabase } = require('./support/databases');
const { KeyRotation, idOf } = require('../support/key-rotation');
const { emittedBy } = require('../support/instance-flows');

const REWRAP_CLI = path.join(__dirname, '..', '..', 'dist', 'store-rewrap', 'cli.js');

describe('key rotation of a PostgreSQL store shared by two Node-RED instances', function () {
  this.timeout(300000);
  let database;
  let emulator;
  let cluster;

  beforeEach(async function () {
    database = await createDatabase();
    emulator = await startEmulator({ timeFactor: 0.005, itemGetLimitPerMinute: 0, maxDeliveryRecords: 100000 });
    cluster = await startCluster({ emulator, postgresUrl: database.url });
  });

  afterEach(async function () {
    await cluster?.stop();
    await emulator?.stop();
    await database?.drop();
  });

  const rigFor = () => new KeyRotation({
    emulator,
    instances: cluster.instances,
    // The default pool and timeouts, as an operator runs them (the outage tests shorten them).
    store: { backend: 'postgres', file: '' },
    storeCredentials: { postgresUrl: database.url },
    webhookUrl: cluster.webhookUrl,
  });

  it('through the four steps on both instances: 0 failed lookups, 0 rejected webhooks, every Item under the new key', async function () {
    const rig = rigFor();
    await rig.start(40);
    const seen = await rig.rotate();
    assert.ok(seen.rewrap.length > 1, 'rewrapped in several batches');
    const figures = await rig.assertRotated(seen);
    const byInstance = new Set(emittedBy(cluster.instances).map((e) => e.instance));
    assert.deepEqual(byInstance, new Set(['red-a', 'red-b']), 'nginx spread the webhooks over both');
    console.log(`      rotation (postgres, 2 instances): ${figures}`);
  });

  it('a rewrap started on both instances at once and by the CLI meanwhile: each Item rewrapped once, every token intact', async function () {
    const rig = rigFor();
    await rig.start(60);
    for (const instance of cluster.instances) await rig.deploy(instance, rig.newKey, [rig.oldKey]);
    const [a, b] = cluster.instances;
    const rewrapOn = (instance) => json(`${instance.child.url}/plaid-items/stores/store/rewrap`, { method: 'POST', body: {} }).then((r) => r.body);
    const cli = new Promise((resolve) => setImmediate(() => resolve(spawnSync(process.execPath, [REWRAP_CLI, '--postgres', '--batch', '5'], {
      encoding: 'utf8',
      env: { ...process.env, PLAID_ITEM_STORE_KEY: rig.newKey, PLAID_ITEM_STORE_PREVIOUS_KEYS: rig.oldKey, PLAID_ITEM_STORE_POSTGRES_URL: database.url },
    }))));
    const [onA, onB, byCli] = await Promise.all([rewrapOn(a), rewrapOn(b), cli]);
    assert.equal(byCli.status, 0, byCli.stderr);
    assert.ok(!byCli.stdout.includes(database.url) && !byCli.stdout.includes(rig.newKey) && !byCli.stderr.includes(rig.newKey));
    const cliCount = Number(/rewrapped (\d+) so far; 0 left/.exec(byCli.stdout)?.[1] ?? 0);
    assert.equal(onA.rewrapped + onB.rewrapped + cliCount, 60, `a ${onA.rewrapped}, b ${onB.rewrapped}, cli ${cliCount}`);
    for (const usage of [await rig.keyUsage(a), await rig.keyUsage(b)]) assert.deepEqual([usage.pending, usage.keyCheck], [0, idOf(rig.newKey)]);
    await rig.everyItemResolves();
    // Straight from the database, with the new key alone.
    const store = new ItemStore(new PostgresStorage({ url: database.url }), new TokenCipher(rig.newKey));
    await store.open();
    try {
      assert.equal((await store.list()).length, 60);
      assert.equal((await store.keyUsage()).keys.length, 1);
      await assert.rejects(new ItemStore(new PostgresStorage({ url: database.url }), new TokenCipher(generateStoreKey())).open(), /does not match/);
    } finally {
      await store.close();
    }
  });
});
