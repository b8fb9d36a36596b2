'use strict';
// plaid-item-store and plaid-items in a real Node-RED runtime (node-red-node-test-helper) on real SQLite files:
// every message ends as one output or one Catch, and no token is ever in either, nor in a status.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { helper } = require('../support/test-helper');
const storeNode = require('../../dist/nodes/plaid-item-store.js');
const itemsNode = require('../../dist/nodes/plaid-items.js');
const { generateStoreKey } = require('../../dist/plaid/store/cipher.js');
const files = require('./support/store-files');
const { trackMessages } = require('../support/message-ends');
const { until } = require('../support/until');


const TAB = 'tab1';
const token = (n) => `access-sandbox-${String(n).padStart(8, '0')}-5c1a-4f00-9a1e-0d6b2f8c7e11`;

/** Deploys a store config node, one plaid-items node per operation, an output collector and a Catch. */
async function deploy({ key = generateStoreKey(), file = undefined, userDir = files.tempDir(), statuses = [], backend = 'sqlite' } = {}) {
  helper.settings({ userDir });
  const operations = ['get', 'put', 'delete', 'list'];
  const flow = [
    { id: TAB, type: 'tab', label: 'store' },
    { id: 'store', type: 'plaid-item-store', name: 'items', backend, ...(file === undefined ? {} : { file }) },
    ...operations.map((operation) => ({
      // Ids other than the operations' names: Node-RED reads a property equal to a node's id as a reference to it.
      id: `items-${operation}`, z: TAB, type: 'plaid-items', store: 'store', operation, item_id: 'item_id', item_idType: 'msg',
      statuses: operation === 'list' ? statuses : [], wires: [['out']],
    })),
    { id: 'out', z: TAB, type: 'helper', wires: [] },
    { id: 'catcher', z: TAB, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: TAB, type: 'helper', wires: [] },
  ];
  await helper.load([storeNode, itemsNode], flow, { store: { encryptionKey: key } });
  const outcomes = [];
  const statusesSeen = [];
  helper.getNode('out').on('input', (msg) => outcomes.push({ kind: 'output', msg }));
  helper.getNode('caught').on('input', (msg) => outcomes.push({ kind: 'error', msg }));
  for (const id of operations) {
    const node = helper.getNode(`items-${id}`);
    const status = node.status.bind(node);
    node.status = (s) => (statusesSeen.push({ id, ...s }), status(s));
  }
  await helper.getNode('store').ready;
  const messages = trackMessages(operations.map((operation) => `items-${operation}`));
  return {
    outcomes,
    statusesSeen,
    userDir,
    store: helper.getNode('store'),
    /** Resolves once `count` outcomes arrived and the nodes finished every message they received. */
    async settled(count) {
      await until(`${count} outcomes (have ${outcomes.length})`, () => outcomes.length >= count, 30000);
      await messages.idle();
    },
    /** Sends `msg` to the `operation` node and resolves with its one outcome. */
    async send(operation, msg) {
      const before = outcomes.length;
      helper.getNode(`items-${operation}`).receive(msg);
      await this.settled(before + 1);
      assert.equal(outcomes.length, before + 1, `one outcome for ${operation}`);
      return outcomes[before];
    },
  };
}

function assertNoToken(value, label) {
  assert.equal(JSON.stringify(value).includes('access-sandbox-'), false, `token in ${label}`);
}

describe('plaid-items and plaid-item-store in a Node-RED runtime', () => {
  afterEach(async () => {
    await helper.unload();
    await files.cleanup();
  });
  after(() => helper.stopServer && helper.stopServer(() => {}));

  it('put, get, list and delete by item_id; the store file under the user directory, owner-only; no token out', async () => {
    const red = await deploy();
    const put = await red.send('put', { payload: { item_id: 'item-a', access_token: token(1), client_user_id: 'user-1', institution_id: 'ins_1' } });
    assert.equal(put.kind, 'output');
    assert.equal(put.msg.payload.item_id, 'item-a');
    assert.equal(put.msg.payload.status, 'healthy');
    assert.deepEqual(put.msg.plaid.item, put.msg.payload);
    const got = await red.send('get', { item_id: 'item-a' });
    assert.equal(got.kind, 'output');
    assert.deepEqual(got.msg.plaid.item, put.msg.payload);
    const first = await red.send('get', { item_id: 'item-other', payload: { item_id: 'item-a' } });
    assert.equal(first.msg.payload.item_id, 'item-a', 'msg.payload.item_id comes first');
    await red.send('put', { payload: { item_id: 'item-b', access_token: token(2) } });
    const listed = await red.send('list', { payload: {} });
    assert.deepEqual(listed.msg.payload.map((r) => r.item_id), ['item-a', 'item-b']);
    const deleted = await red.send('delete', { item_id: 'item-b' });
    assert.deepEqual(deleted.msg.payload, { item_id: 'item-b', deleted: true });
    const again = await red.send('delete', { item_id: 'item-b' });
    assert.deepEqual(again.msg.payload, { item_id: 'item-b', deleted: false });
    assert.equal(await red.store.itemStore.resolveToken('item-a'), token(1));
    const file = path.join(red.userDir, 'plaid-items.db');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    for (const { file: f, bytes } of files.rawBytes(file)) {
      assert.equal(bytes.indexOf(Buffer.from(token(1))), -1, f);
      assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
    }
    assert.equal(red.outcomes.every((o) => o.kind === 'output'), true);
    assertNoToken(red.outcomes, 'outputs');
    assertNoToken(red.statusesSeen, 'statuses');
  });

  it('get, list and put output records without the link_token (debug clients see every message)', async () => {
    const red = await deploy();
    await red.send('put', { payload: { item_id: 'item-a', access_token: token(1) } });
    await red.store.itemStore.setLinkToken('item-a', 'link-sandbox-secret-1234', '2026-01-01T04:00:00Z');
    const outputs = [
      await red.send('get', { item_id: 'item-a' }),
      await red.send('list', {}),
      await red.send('put', { payload: { item_id: 'item-a', access_token: token(2) } }),
    ];
    for (const outcome of outputs) {
      assert.equal(outcome.kind, 'output');
      assert.ok(!JSON.stringify(outcome.msg).includes('link-sandbox-secret-1234'), JSON.stringify(outcome.msg));
      for (const record of [outcome.msg.payload, outcome.msg.plaid?.item].flat().filter(Boolean)) {
        assert.equal('link_token' in record, false, JSON.stringify(record));
        assert.equal(record.item_id, 'item-a');
        assert.equal(record.link_token_expiration, '2026-01-01T04:00:00Z', 'when the link expires is not secret');
      }
    }
    assert.equal((await red.store.itemStore.get('item-a')).link_token, 'link-sandbox-secret-1234', 'the store keeps it (LINK SESSION_FINISHED is matched by it)');
  });

  it('list filters by the node\'s statuses, and msg.payload.statuses overrides them', async () => {
    const red = await deploy({ statuses: ['removed'] });
    for (const id of ['item-a', 'item-b', 'item-c']) await red.send('put', { payload: { item_id: id, access_token: token(1) } });
    await red.store.itemStore.markRemoved('item-b');
    await red.store.itemStore.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'PENDING_EXPIRATION', item_id: 'item-c' });
    assert.deepEqual((await red.send('list', {})).msg.payload.map((r) => r.item_id), ['item-b']);
    const override = await red.send('list', { payload: { statuses: ['healthy', 'pending_expiration'] } });
    assert.deepEqual(override.msg.payload.map((r) => r.item_id), ['item-a', 'item-c']);
    const bad = await red.send('list', { payload: { statuses: ['broken'] } });
    assert.equal(bad.kind, 'error');
    assert.equal(bad.msg.error.code, 'INVALID_ITEM');
  });

  it('errors go to Catch with their code and a red ring: unknown Item, malformed put (token removed all the same)', async () => {
    const red = await deploy();
    const unknown = await red.send('get', { item_id: 'item-x' });
    assert.equal(unknown.kind, 'error');
    assert.equal(unknown.msg.error.code, 'ITEM_NOT_IN_STORE');
    assert.match(unknown.msg.error.message, /Item item-x is not in the Item store/);
    const malformed = await red.send('put', { payload: { item_id: '', access_token: token(3) } });
    assert.equal(malformed.kind, 'error');
    assert.equal(malformed.msg.error.code, 'INVALID_ITEM');
    assert.equal('access_token' in malformed.msg.payload, false);
    const noItem = await red.send('get', { payload: 'not an object' });
    assert.equal(noItem.msg.error.code, 'INVALID_ITEM');
    assert.match(noItem.msg.error.message, /an item_id \(a non-empty string\) is required in msg\.payload\.item_id or msg\.item_id/);
    assert.deepEqual(red.statusesSeen.filter((s) => s.fill === 'red').map((s) => [s.id, s.text]), [
      ['get', 'ITEM_NOT_IN_STORE'], ['put', 'INVALID_ITEM'], ['get', 'INVALID_ITEM'],
    ]);
    assertNoToken(red.outcomes, 'Catch messages');
  });

  it('a wrong key: the store refuses to open, once, clearly; every message to Catch, nothing written', async () => {
    const userDir = files.tempDir();
    const first = await deploy({ userDir });
    await first.send('put', { payload: { item_id: 'item-a', access_token: token(1) } });
    await helper.unload();
    const dbFile = path.join(userDir, 'plaid-items.db');
    const before = fs.readFileSync(dbFile);
    const red = await deploy({ userDir, key: generateStoreKey() });
    assert.equal(red.store.itemStore, undefined);
    assert.match(red.store.problem, /the encryption key does not match the one this store was created with/);
    const put = await red.send('put', { payload: { item_id: 'item-b', access_token: token(2) } });
    const get = await red.send('get', { item_id: 'item-a' });
    for (const outcome of [put, get]) {
      assert.equal(outcome.kind, 'error');
      assert.equal(outcome.msg.error.code, 'WRONG_KEY');
      assert.match(outcome.msg.error.message, /the encryption key does not match/);
    }
    assertNoToken(red.outcomes, 'Catch messages');
    assert.deepEqual(fs.readFileSync(dbFile), before);
  });

  it('usableStore(): the open store; else one ItemStoreError, its problem and code, which plaid-items fails with as is', async () => {
    const userDir = files.tempDir();
    const open = await deploy({ userDir });
    assert.equal(await open.store.usableStore(), open.store.itemStore);
    const closing = open.store;
    await helper.unload();
    await assert.rejects(closing.usableStore(), { name: 'ItemStoreError', code: 'STORE_UNAVAILABLE', message: 'Item store items: closed' });

    const red = await deploy({ userDir, key: generateStoreKey() });
    const problem = red.store.problem;
    assert.match(problem, /^Item store items: the encryption key does not match/);
    await assert.rejects(red.store.usableStore(), { name: 'ItemStoreError', code: 'WRONG_KEY', message: problem });
    const get = await red.send('get', { item_id: 'item-a' });
    assert.equal(get.kind, 'error');
    assert.equal(get.msg.error.message, `ItemStoreError: ${problem}`);
  });

  it('no key, a missing directory, a read-only directory: a clear problem, messages to Catch', async () => {
    /** @type {Array<[object, RegExp]>} */
    const cases = [
      [{ key: '' }, /the Item store has no encryption key/],
      [{ key: 'not-a-key' }, /the encryption key must be 32 bytes/],
      [{ file: path.join(files.tempDir(), 'missing', 'items.db') }, /the directory .*missing does not exist/],
      [{ file: path.join(files.readOnlyDir(), 'items.db') }, /(read-only|permission denied)/],
      [{ backend: 'postgres' }, /the postgres backend has no PostgreSQL URL/],
    ];
    for (const [options, pattern] of cases) {
      const red = await deploy(options);
      const put = await red.send('put', { payload: { item_id: 'item-a', access_token: token(1) } });
      assert.equal(put.kind, 'error');
      assert.match(put.msg.error.message, pattern);
      assert.equal(put.msg.error.code, 'STORE_UNAVAILABLE');
      assert.equal('access_token' in put.msg.payload, false);
      assert.doesNotMatch(put.msg.error.message, /not-a-key/);
      await helper.unload();
    }
  });

  it('a full disk: the put goes to Catch as STORE_UNAVAILABLE, nothing half-written, earlier Items fine', async () => {
    const dir = files.smallDisk(512);
    const red = await deploy({ file: path.join(dir, 'items.db') });
    assert.equal((await red.send('put', { payload: { item_id: 'item-a', access_token: token(1) } })).kind, 'output');
    files.fillDisk(dir);
    let failed;
    for (let i = 0; i < 200 && !failed; i++) {
      const outcome = await red.send('put', { payload: { item_id: `item-full-${i}`, access_token: token(i) } });
      if (outcome.kind === 'error') failed = { outcome, i };
    }
    assert.ok(failed, 'a put failed on the full disk');
    assert.equal(failed.outcome.msg.error.code, 'STORE_UNAVAILABLE');
    assert.match(failed.outcome.msg.error.message, /the disk is full/);
    assert.equal((await red.send('get', { item_id: `item-full-${failed.i}` })).msg.error.code, 'ITEM_NOT_IN_STORE');
    const a = await red.send('get', { item_id: 'item-a' });
    assert.equal(a.kind, 'output');
    assert.equal(await red.store.itemStore.resolveToken('item-a'), token(1));
    assertNoToken(red.outcomes, 'outcomes');
  });

  it('200 parallel puts then 200 parallel gets: 200 records, no error', async function () {
    this.timeout(60000);
    const red = await deploy();
    const put = helper.getNode('items-put');
    for (let i = 0; i < 200; i++) put.receive({ payload: { item_id: `item-${i}`, access_token: token(i) } });
    await red.settled(200);
    const get = helper.getNode('items-get');
    for (let i = 0; i < 200; i++) get.receive({ item_id: `item-${i}` });
    await red.settled(400);
    assert.equal(red.outcomes.length, 400);
    assert.deepEqual(red.outcomes.filter((o) => o.kind === 'error').map((o) => o.msg.error.message), []);
    const gotIds = red.outcomes.slice(200).map((o) => o.msg.payload.item_id).sort();
    assert.deepEqual(gotIds, Array.from({ length: 200 }, (_, i) => `item-${i}`).sort());
    assert.equal((await red.store.itemStore.list()).length, 200);
    const tokens = await Promise.all(gotIds.map((id) => red.store.itemStore.resolveToken(id)));
    assert.deepEqual(tokens, gotIds.map((id) => token(Number(id.slice(5)))));
    assertNoToken(red.outcomes, 'outcomes');
  });
});
