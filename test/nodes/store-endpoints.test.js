'use strict';
// Endpoint nodes with a plaid-item-store, in a real Node-RED runtime, on a real SQLite file, over real HTTP to the
// spec-checking Plaid stand-in: the token is resolved by item_id inside the node, and no message carries it.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const { DatabaseSync: Database } = require('node:sqlite');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const storeModule = require('../../dist/nodes/plaid-item-store.js');
const { standInForSuite, plaidError, CLIENT_ID, SECRET } = require('../support/plaid-stand-in');
const { helper, deploy, configFor } = require('../support/red');
const files = require('../store/support/store-files');

const token = () => `access-sandbox-${crypto.randomUUID()}`;
const requestId = () => crypto.randomBytes(8).toString('hex');

describe('endpoint nodes with an Item store', function () {
  const suite = standInForSuite(helper);
  let file;
  afterEach(files.cleanup);

  /** Deploys `nodes` with a Plaid config node and an Item store on a fresh file; resolves once the store is open. */
  async function deployWithStore(nodes, { key = generateStoreKey(), storeNode = {} } = {}) {
    file = path.join(files.tempDir('plaid-store-nodes-'), 'items.db');
    const red = await deploy({
      nodes: [{ id: 'store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file, ...storeNode }, ...nodes],
      config: configFor(suite.plaid.url),
      credentials: { cfg: { clientId: CLIENT_ID, secret: SECRET }, store: { encryptionKey: key } },
      extraModules: [storeModule],
    });
    await red.node('store').ready;
    red.store = red.node('store').itemStore;
    return red;
  }

  /** The row as a second connection reads it from the file: what a restarted Node-RED would find. */
  function rowOnDisk(itemId) {
    const db = new Database(file, { readOnly: true });
    try {
      return /** @type {any} */ (db.prepare('SELECT status, token, record FROM items WHERE item_id = ?').get(itemId));
    } finally {
      db.close();
    }
  }

  /** No outcome (output or Catch message) holds any of `tokens`, anywhere in it. */
  function assertNoToken(outcomes, tokens) {
    const text = JSON.stringify(outcomes.map((o) => ({ kind: o.kind, msg: o.msg, error: o.msg.error })));
    for (const t of tokens) assert.equal(text.includes(t), false, 'a token reached a message');
  }

  const node = (type, props = {}) => ({ id: 'n1', type, name: '', plaid: 'cfg', store: 'store', wires: [['out']], ...props });

  describe('plaid-item-public-token-exchange', function () {
    it('saves the Item durably before the output, which carries the record and no token', async () => {
      const red = await deployWithStore([node('plaid-item-public-token-exchange')]);
      const accessToken = token();
      suite.plaid.script('/item/public_token/exchange', { body: { access_token: accessToken, item_id: 'item-new', request_id: requestId() } });
      // Read from the file the moment the output arrives: the save must already be on disk.
      /** @type {any} */
      let onDiskAtOutput;
      red.node('out').on('input', () => { onDiskAtOutput = rowOnDisk('item-new'); });
      red.node('n1').receive({ payload: { public_token: `public-sandbox-${crypto.randomUUID()}`, client_user_id: 'user-7' }, institution_id: 'ins_109508' });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'output');
      assert.ok(onDiskAtOutput, 'the record was on disk when the output was sent');
      assert.match(onDiskAtOutput.token, /^v2\./, 'the token is stored encrypted');
      assert.equal(onDiskAtOutput.token.includes(accessToken), false);
      assert.deepEqual(Object.keys(outcome.msg.payload).sort(), ['item_id', 'request_id']);
      assert.equal(outcome.msg.payload.item_id, 'item-new');
      const item = outcome.msg.plaid.item;
      assert.deepEqual(item, await red.store.get('item-new'));
      assert.equal(item.status, 'healthy');
      assert.equal(item.client_user_id, 'user-7', 'client_user_id from msg.payload');
      assert.equal(item.institution_id, 'ins_109508', 'institution_id from the typedInput (msg.institution_id)');
      assert.equal(await red.store.resolveToken('item-new'), accessToken);
      assertNoToken(red.outcomes, [accessToken]);
    });

    it('200 parallel exchanges, then 200 parallel lookups by item_id: 200 records, each call with its own token', async function () {
      this.timeout(60000);
      const red = await deployWithStore([node('plaid-item-public-token-exchange'), node('plaid-item-get', { id: 'n2' })]);
      const issued = new Map(Array.from({ length: 200 }, (_, i) => [`item-parallel-${i}`, token()]));
      suite.plaid.script('/item/public_token/exchange', ...[...issued].map(([itemId, accessToken]) => ({ body: { access_token: accessToken, item_id: itemId, request_id: requestId() } })));
      for (let i = 0; i < 200; i++) red.node('n1').receive({ payload: { public_token: `public-sandbox-${crypto.randomUUID()}`, client_user_id: `user-${i}` } });
      const exchanged = [...await red.waitFor(200, 45000)];
      assert.deepEqual(exchanged.map((o) => (o.kind === 'output' ? 'output' : `${o.kind}: ${o.msg.error?.message}`)), exchanged.map(() => 'output'));
      assert.deepEqual(new Set(exchanged.map((o) => o.msg.payload.item_id)), new Set(issued.keys()));
      assert.equal((await red.store.list()).length, 200);
      for (const [itemId, accessToken] of issued) assert.equal(await red.store.resolveToken(itemId), accessToken, itemId);

      for (const itemId of issued.keys()) red.node('n2').receive({ payload: { item_id: itemId } });
      const looked = (await red.waitFor(400, 45000)).slice(200);
      assert.deepEqual(looked.map((o) => (o.kind === 'output' ? 'output' : `${o.kind}: ${o.msg.error?.message}`)), looked.map(() => 'output'));
      // Each Item's lookup went to Plaid with that Item's token, once.
      const sent = suite.plaid.callsTo('/item/get').map((r) => r.body.access_token).sort();
      assert.deepEqual(sent, [...issued.values()].sort());
      assertNoToken(red.outcomes, [...issued.values()]);
    });

    it('when the Item cannot be saved: it is removed at Plaid, and the Catch message says so without the token', async () => {
      const red = await deployWithStore([node('plaid-item-public-token-exchange')]);
      const accessToken = token();
      suite.plaid.script('/item/public_token/exchange', { body: { access_token: accessToken, item_id: 'item-lost', request_id: requestId() } });
      await red.store.close(); // the database goes away under the running node
      red.node('n1').receive({ payload: { public_token: `public-sandbox-${crypto.randomUUID()}` } });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'error');
      assert.match(outcome.msg.error.message, /item-lost could not be saved.*removed at Plaid.*link again/);
      assert.deepEqual([outcome.msg.plaid.status, outcome.msg.plaid.attempts], [200, 1], 'the exchange itself is reported as it went');
      assert.deepEqual(suite.plaid.callsTo('/item/remove').map((r) => r.body), [{ access_token: accessToken }]);
      assertNoToken(red.outcomes, [accessToken]);
    });

    it('stores nothing from an answer without the token, and says so', async () => {
      const red = await deployWithStore([node('plaid-item-public-token-exchange')]);
      suite.plaid.script('/item/public_token/exchange', { body: { item_id: 'item-odd', request_id: requestId() } });
      red.node('n1').receive({ payload: { public_token: `public-sandbox-${crypto.randomUUID()}` } });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'error');
      assert.match(outcome.msg.error.message, /Plaid's answer has no access_token: the Item store was not changed/);
      assert.equal(await red.store.get('item-odd'), undefined);
      suite.plaid.violations.length = 0; // the scripted answer breaks the spec on purpose
    });
  });

  describe('nodes that take an access_token', function () {
    it('resolve it by msg.payload.item_id, else the item_id setting (msg.item_id), and send it only to Plaid', async () => {
      const red = await deployWithStore([node('plaid-item-get'), node('plaid-item-webhook-update', { id: 'n2', item_id: 'which', item_idType: 'flow' })]);
      const [a, b] = [token(), token()];
      await red.store.save({ item_id: 'item-a', access_token: a, client_user_id: 'user-a' });
      await red.store.save({ item_id: 'item-b', access_token: b });
      red.node('n2').context().flow.set('which', 'item-b');
      red.node('n1').receive({ payload: { item_id: 'item-a' }, item_id: 'item-b' });
      red.node('n1').receive({ payload: {}, item_id: 'item-b' });
      red.node('n2').receive({ payload: { webhook: 'https://example.com/hook' } });
      await red.waitFor(3);
      assert.deepEqual(suite.plaid.callsTo('/item/get').map((r) => r.body.access_token).sort(), [a, b].sort());
      assert.deepEqual(suite.plaid.callsTo('/item/webhook/update').map((r) => r.body), [{ access_token: b, webhook: 'https://example.com/hook' }]);
      for (const { kind, msg } of red.outcomes) {
        assert.equal(kind, 'output');
        assert.deepEqual(msg.plaid.item, await red.store.get(msg.plaid.item.item_id));
      }
      assert.deepEqual(red.outcomes.map((o) => o.msg.plaid.item.item_id).sort(), ['item-a', 'item-b', 'item-b']);
      assertNoToken(red.outcomes, [a, b]);
    });

    it('drop an access_token from msg.payload: the store\'s token is sent, the message keeps none', async () => {
      const red = await deployWithStore([node('plaid-item-get')]);
      const stored = token();
      const stray = token();
      await red.store.save({ item_id: 'item-a', access_token: stored });
      red.node('n1').receive({ payload: { item_id: 'item-a', access_token: stray } });
      suite.plaid.script('/item/get', { status: 400, body: plaidError('INVALID_INPUT', 'INVALID_ACCESS_TOKEN', 'could not find matching access token') });
      red.node('n1').receive({ payload: { item_id: 'item-a', access_token: stray } });
      const outcomes = await red.waitFor(2);
      assert.deepEqual(outcomes.map((o) => o.kind).sort(), ['error', 'output']);
      assert.deepEqual(suite.plaid.callsTo('/item/get').map((r) => r.body), [{ access_token: stored }, { access_token: stored }]);
      assertNoToken(outcomes, [stored, stray]);
      const caught = outcomes.find((o) => o.kind === 'error').msg;
      assert.deepEqual(caught.payload, { item_id: 'item-a' }, 'the Catch message has the request without its token');
      assert.equal(caught.plaid.item.item_id, 'item-a');
    });

    it('refuse an item_id the store does not hold, or holds as removed, before any call, naming it', async () => {
      const red = await deployWithStore([node('plaid-item-get')]);
      await red.store.save({ item_id: 'item-gone', access_token: token() });
      await red.store.markRemoved('item-gone');
      red.node('n1').receive({ payload: { item_id: 'item-unknown' } });
      await red.waitFor(1);
      red.node('n1').receive({ payload: { item_id: 'item-gone' } });
      await red.waitFor(2);
      red.node('n1').receive({ payload: {} });
      const outcomes = await red.waitFor(3);
      assert.deepEqual(outcomes.map((o) => o.kind), ['error', 'error', 'error']);
      assert.match(outcomes[0].msg.error.message, /^ItemStoreError: item\/get: Item item-unknown is not in the Item store$/);
      assert.match(outcomes[1].msg.error.message, /^ItemStoreError: item\/get: Item item-gone was removed/);
      assert.equal(outcomes[0].msg.plaid.item, null);
      assert.deepEqual(outcomes.map((o) => o.msg.error.code), ['ITEM_NOT_IN_STORE', 'ITEM_REMOVED', undefined], 'msg.error.code says which');
      assert.equal(outcomes[1].msg.plaid.item.status, 'removed', 'a Catch flow still has the removed Item\'s record');
      assert.equal(outcomes[2].msg.error.message, 'RequestBodyError: item/get: item_id: msg.item_id is undefined');
      assert.equal(suite.plaid.requests.length, 0);
    });

    it('refuse a tampered record with a clear error naming its Item, red ring, nothing overwritten; other Items fine', async () => {
      const red = await deployWithStore([node('plaid-item-get')]);
      const [a, b] = [token(), token()];
      await red.store.save({ item_id: 'item-a', access_token: a });
      await red.store.save({ item_id: 'item-b', access_token: b });
      // Flip one bit of item-a's ciphertext in the file, as a bad disk or a hand edit would.
      const db = new Database(file);
      const envelope = /** @type {any} */ (db.prepare('SELECT token FROM items WHERE item_id = ?').get('item-a')).token;
      const parts = envelope.split('.');
      const bytes = Buffer.from(parts[3], 'base64');
      bytes[0] ^= 1;
      const tampered = [...parts.slice(0, 3), bytes.toString('base64')].join('.');
      db.prepare('UPDATE items SET token = ? WHERE item_id = ?').run(tampered, 'item-a');
      db.close();
      const statuses = [];
      const n1 = red.node('n1');
      const setStatus = n1.status.bind(n1);
      n1.status = (s) => { statuses.push(s); return setStatus(s); };

      red.node('n1').receive({ payload: { item_id: 'item-a' } });
      const [refused] = await red.waitFor(1);
      assert.equal(refused.kind, 'error');
      assert.equal(refused.msg.error.code, 'TOKEN_UNREADABLE');
      assert.match(refused.msg.error.message, /Item item-a\b/);
      assert.deepEqual(statuses.at(-1), { fill: 'red', shape: 'ring', text: 'TOKEN_UNREADABLE' });
      assert.equal(suite.plaid.requests.length, 0, 'nothing was sent to Plaid');
      assert.equal(rowOnDisk('item-a').token, tampered, 'the record was not overwritten');

      red.node('n1').receive({ payload: { item_id: 'item-b' } });
      const outcomes = await red.waitFor(2);
      assert.equal(outcomes[1].kind, 'output');
      assert.deepEqual(suite.plaid.callsTo('/item/get').map((r) => r.body), [{ access_token: b }]);
      assertNoToken(outcomes, [a, b]);
    });

    it('refuse every message, before any call, when the store cannot be opened', async () => {
      const red = await deployWithStore([node('plaid-item-get')], { key: 'not a key' });
      assert.equal(red.store, undefined);
      red.node('n1').receive({ payload: { item_id: 'item-a' } });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'error');
      assert.match(outcome.msg.error.message, /^ItemStoreError: item\/get: Item store items: the encryption key must be .*: not sent$/);
      assert.equal(suite.plaid.requests.length, 0);
    });
  });

  describe('plaid-item-access-token-invalidate', function () {
    it('replaces the token in the store before the output; the output has no token', async () => {
      const red = await deployWithStore([node('plaid-item-access-token-invalidate'), node('plaid-item-get', { id: 'n2' })]);
      const [old, rotated] = [token(), token()];
      await red.store.save({ item_id: 'item-a', access_token: old });
      suite.plaid.script('/item/access_token/invalidate', { body: { new_access_token: rotated, request_id: requestId() } });
      let tokenAtOutput;
      red.node('out').on('input', () => { tokenAtOutput = rowOnDisk('item-a').token; });
      red.node('n1').receive({ payload: { item_id: 'item-a' } });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'output');
      assert.deepEqual(Object.keys(outcome.msg.payload), ['request_id']);
      assert.notEqual(tokenAtOutput, undefined);
      assert.equal(await red.store.resolveToken('item-a'), rotated);
      red.node('n2').receive({ payload: { item_id: 'item-a' } });
      await red.waitFor(2);
      assert.equal(suite.plaid.callsTo('/item/access_token/invalidate')[0].body.access_token, old);
      assert.equal(suite.plaid.callsTo('/item/get')[0].body.access_token, rotated, 'the next call uses the new token');
      assertNoToken(red.outcomes, [old, rotated]);
    });
  });

  describe('plaid-item-remove', function () {
    it('on success marks the record removed and wipes its token; later calls are refused', async () => {
      const red = await deployWithStore([node('plaid-item-remove'), node('plaid-item-get', { id: 'n2' })]);
      const accessToken = token();
      await red.store.save({ item_id: 'item-a', access_token: accessToken });
      red.node('n1').receive({ payload: { item_id: 'item-a', reason_code: 'OTHER' } });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'output');
      assert.equal(outcome.msg.plaid.item.status, 'removed');
      const row = rowOnDisk('item-a');
      assert.equal(row.status, 'removed');
      assert.equal(row.token, null, 'the token is wiped');
      red.node('n2').receive({ payload: { item_id: 'item-a' } });
      const outcomes = await red.waitFor(2);
      assert.equal(outcomes[1].kind, 'error');
      assert.match(outcomes[1].msg.error.message, /item-a was removed/);
      assert.equal(suite.plaid.callsTo('/item/get').length, 0);
      assertNoToken(outcomes, [accessToken]);
    });

    it('after a lost answer, INVALID_ACCESS_TOKEN on the retry marks the record removed; the error says so', async () => {
      const red = await deployWithStore([node('plaid-item-remove')]);
      await red.store.save({ item_id: 'item-a', access_token: token() });
      suite.plaid.script('/item/remove', { destroy: true }, { status: 400, body: plaidError('INVALID_INPUT', 'INVALID_ACCESS_TOKEN', 'could not find matching access token') });
      red.node('n1').receive({ payload: { item_id: 'item-a' } });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'error');
      assert.match(outcome.msg.error.message, /may have taken effect; Item item-a is marked removed in the store/);
      assert.equal(outcome.msg.plaid.item.status, 'removed');
      assert.equal(rowOnDisk('item-a').token, null);
    });

    it('INVALID_ACCESS_TOKEN without an earlier unclear attempt leaves the record as it is', async () => {
      const red = await deployWithStore([node('plaid-item-remove')]);
      await red.store.save({ item_id: 'item-a', access_token: token() });
      suite.plaid.script('/item/remove', { status: 400, body: plaidError('INVALID_INPUT', 'INVALID_ACCESS_TOKEN', 'could not find matching access token') });
      red.node('n1').receive({ payload: { item_id: 'item-a' } });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'error');
      assert.equal(outcome.msg.plaid.item.status, 'healthy');
      assert.equal(rowOnDisk('item-a').status, 'healthy');
    });
  });

  describe('an ITEM_LOGIN_REQUIRED answer', function () {
    it('marks the record login_required before the error reaches Catch; the error is Plaid\'s', async () => {
      const red = await deployWithStore([node('plaid-item-get')]);
      await red.store.save({ item_id: 'item-a', access_token: token(), client_user_id: 'user-a' });
      suite.plaid.script('/item/get', { status: 400, body: plaidError('ITEM_ERROR', 'ITEM_LOGIN_REQUIRED', 'the login details of this item have changed') });
      let statusAtCatch;
      red.node('caught').on('input', () => { statusAtCatch = rowOnDisk('item-a').status; });
      red.node('n1').receive({ payload: { item_id: 'item-a' } });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'error');
      assert.match(outcome.msg.error.message, /ITEM_LOGIN_REQUIRED/);
      assert.equal(statusAtCatch, 'login_required');
      assert.equal(outcome.msg.plaid.item.status, 'login_required');
      assert.equal(outcome.msg.plaid.item.error_code, 'ITEM_LOGIN_REQUIRED');
      assert.equal(outcome.msg.plaid.item.client_user_id, 'user-a', 'the Catch flow knows whom to ask for the repair');
    });
  });

  describe('without a store', function () {
    it('name the expression that came up empty', async () => {
      const red = await deploy({
        nodes: [{ id: 'n1', type: 'plaid-item-get', plaid: 'cfg', wires: [['out']], access_token: 'plaid_tokens[msg.item_id]', access_tokenType: 'global' }],
        config: configFor(suite.plaid.url),
        credentials: { cfg: { clientId: CLIENT_ID, secret: SECRET } },
      });
      red.node('n1').receive({ payload: {}, item_id: 'item-x' });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'error');
      assert.equal(outcome.msg.error.message, 'RequestBodyError: item/get: access_token: global.plaid_tokens[msg.item_id] is undefined');
      assert.equal('item' in outcome.msg.plaid, false, 'no store, no msg.plaid.item');
      assert.equal(suite.plaid.requests.length, 0);
    });
  });

  describe('a store without its key', function () {
    it('says "no key" at once; each message ends in STORE_UNAVAILABLE with what to do first, nothing sent', async () => {
      file = path.join(files.tempDir('plaid-store-nodes-'), 'items.db');
      const red = await deploy({
        nodes: [{ id: 'store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file }, node('plaid-item-get')],
        config: configFor(suite.plaid.url),
        credentials: { cfg: { clientId: CLIENT_ID, secret: SECRET }, store: {} },
        extraModules: [storeModule],
      });
      await red.node('store').ready;
      const statuses = () => helper._NodePrototype.status.getCalls().filter((call) => call.thisValue.id === 'n1').map((call) => call.args[0]);
      assert.deepEqual(statuses().at(-1), { fill: 'red', shape: 'ring', text: 'no key' }, 'before any message');
      red.node('n1').receive({ payload: { item_id: 'item-a' } });
      const [outcome] = await red.waitFor(1);
      assert.equal(outcome.kind, 'error');
      assert.equal(outcome.msg.error.code, 'STORE_UNAVAILABLE');
      assert.match(outcome.msg.error.message, /^ItemStoreError: item\/get: no encryption key: generate one in the Item store "items" \(keep a copy of it\): not sent$/);
      assert.deepEqual(statuses().at(-1), { fill: 'red', shape: 'ring', text: 'no key' });
      assert.equal(suite.plaid.requests.length, 0);
    });
  });
});
