'use strict';
// plaid-item-store with the postgres backend in a real Node-RED runtime (node-red-node-test-helper), through
// plaid-items nodes: its settings, the token encrypted in the database, and what flows see while the server is
// down (a Catch with a clear error, no password) and once it is back (working again, not redeployed).
const assert = require('node:assert/strict');
const { helper } = require('../support/test-helper');
const { Client } = require('pg');
const storeNode = require('../../dist/nodes/plaid-item-store.js');
const itemsNode = require('../../dist/nodes/plaid-items.js');
const { generateStoreKey } = require('../../dist/plaid/store/cipher.js');
const { createDatabase } = require('./support/databases');
const { server } = require('./support/server-control');
const { trackMessages } = require('../support/message-ends');
const { until } = require('../support/until');

const TAB = 'tab1';
const TOKEN = 'access-sandbox-0f3c2a1e-5c1a-4f00-9a1e-0d6b2f8c7e11';
const PASSWORD = new URL(process.env.PLAID_TEST_POSTGRES_URL || 'postgres://x:y@h/d').password;

async function deploy({ url, settings = {} }) {
  const operations = ['get', 'put'];
  const flow = [
    { id: TAB, type: 'tab', label: 'store' },
    { id: 'store', type: 'plaid-item-store', name: 'shared', backend: 'postgres', file: '', ...settings },
    ...operations.map((operation) => ({
      id: `items-${operation}`, z: TAB, type: 'plaid-items', store: 'store', operation, item_id: 'item_id', item_idType: 'msg', statuses: [], wires: [['out']],
    })),
    { id: 'out', z: TAB, type: 'helper', wires: [] },
    { id: 'catcher', z: TAB, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: TAB, type: 'helper', wires: [] },
  ];
  await helper.load([storeNode, itemsNode], flow, { store: { encryptionKey: generateStoreKey(), ...(url ? { postgresUrl: url } : {}) } });
  const outcomes = [];
  helper.getNode('out').on('input', (msg) => outcomes.push({ kind: 'output', msg }));
  helper.getNode('caught').on('input', (msg) => outcomes.push({ kind: 'error', msg }));
  await helper.getNode('store').ready;
  const messages = trackMessages(operations.map((operation) => `items-${operation}`));
  return {
    store: () => helper.getNode('store'),
    /** Sends the messages to the `operation` node at once and resolves with their outcomes, one each. */
    async sendAll(operation, msgs) {
      const before = outcomes.length;
      for (const msg of msgs) helper.getNode(`items-${operation}`).receive(msg);
      await until(`${msgs.length} outcomes of ${operation}`, () => outcomes.length >= before + msgs.length, 20000);
      await messages.idle(20000);
      assert.equal(outcomes.length, before + msgs.length, `one outcome each for ${operation}`);
      return outcomes.slice(before);
    },
    async send(operation, msg) {
      return (await this.sendAll(operation, [msg]))[0];
    },
  };
}

async function rows(url, sql) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('plaid-item-store on PostgreSQL in a Node-RED runtime', function () {
  let database;

  beforeEach(async function () {
    database = await createDatabase();
  });

  afterEach(async function () {
    await helper.unload();
    await server().start().catch(() => undefined);
    await database.drop();
  });

  after(() => helper.stopServer && helper.stopServer(() => {}));

  it('keeps Items in the database, the token encrypted, within the connections setting', async function () {
    const red = await deploy({ url: database.url, settings: { poolMax: '2', connectTimeout: '3000', queryTimeout: '4000' } });
    const put = await red.send('put', { payload: { item_id: 'item-pg-1', access_token: TOKEN, client_user_id: 'user-1' } });
    assert.equal(put.kind, 'output', JSON.stringify(put.msg.error));
    assert.equal(put.msg.payload.item_id, 'item-pg-1');
    const stored = await rows(database.url, 'SELECT item_id, status, record::text AS record, token_ciphertext, history::text AS history FROM plaid_items');
    assert.equal(stored.length, 1);
    assert.equal(stored[0].status, 'healthy');
    assert.match(stored[0].token_ciphertext, /^v2\./);
    assert.equal(JSON.stringify(stored).includes(TOKEN), false, 'the token in clear in the database');
    const puts = await red.sendAll('put', Array.from({ length: 12 }, (_, i) => ({ payload: { item_id: `item-pg-${i + 2}`, access_token: TOKEN } })));
    assert.deepEqual(puts.map((o) => o.kind), new Array(12).fill('output'));
    const [{ count }] = await rows(database.url, `SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = '${database.name}' AND application_name = 'node-red-plaid item store'`);
    assert.ok(count >= 1 && count <= 2, `${count} connections with poolMax 2`);
    const got = await red.send('get', { item_id: 'item-pg-1' });
    assert.equal(got.kind, 'output');
    assert.equal(got.msg.payload.client_user_id, 'user-1');
  });

  it('says what is missing when the postgres backend has no URL', async function () {
    const red = await deploy({ url: undefined });
    // Its first words say what to do (the debug sidebar shows 80 characters of an error).
    assert.match(red.store().problem, /^no PostgreSQL URL: set one in the Item store "shared"/);
    const got = await red.send('get', { item_id: 'item-1' });
    assert.equal(got.kind, 'error');
    assert.match(got.msg.error.message, /no PostgreSQL URL/);
  });

  it('fails to Catch while the server is down, without the password, and works again by itself once it is back', async function () {
    const red = await deploy({ url: database.url, settings: { connectTimeout: '1000' } });
    assert.equal((await red.send('put', { payload: { item_id: 'item-1', access_token: TOKEN } })).kind, 'output');
    await server().stop();
    const failed = await red.send('get', { item_id: 'item-1' });
    assert.equal(failed.kind, 'error');
    assert.match(failed.msg.error.message, /PostgreSQL \(postgres:\/\/plaid@127\.0\.0\.1:\d+\/plaid_\w+\) failed/);
    assert.equal(JSON.stringify(failed.msg).includes(PASSWORD), false, 'the password in the Catch message');
    await server().start();
    const got = await red.send('get', { item_id: 'item-1' });
    assert.equal(got.kind, 'output', JSON.stringify(got.msg.error));
    assert.equal(got.msg.payload.item_id, 'item-1');
  });

  it('keeps trying to open when the server is down at deploy, and opens once it is up', async function () {
    await server().stop();
    const red = await deploy({ url: database.url, settings: { connectTimeout: '500' } });
    assert.equal(red.store().itemStore, undefined);
    assert.match(red.store().problem, /STORE_UNAVAILABLE|could not open/);
    assert.equal(red.store().problem.includes(PASSWORD), false);
    const failed = await red.send('get', { item_id: 'item-1' });
    assert.equal(failed.kind, 'error');
    await server().start();
    await until(`the store to open (${red.store().problem})`, () => red.store().itemStore, 15000, 50);
    assert.equal(red.store().problem, undefined);
    assert.equal((await red.send('put', { payload: { item_id: 'item-1', access_token: TOKEN } })).kind, 'output');
  });
});
