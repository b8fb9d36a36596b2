'use strict';
// Calls whose answer was lost, reproduced with the emulator's faults (a 500 after the call took effect, answers held
// past the client's timeout): an item/remove that may have removed the Item marks the record unsettled and the next
// sweep settles it against Plaid; an exchange that may have created an Item says so, and leaves nothing half-written.
const assert = require('node:assert/strict');
const { start: startEmulator } = require('../../dist/emulator');
const { deployReconcile, helper } = require('./support/rig');
const files = require('../store/support/store-files');
const { until } = require('../support/until');

describe('plaid-items-reconcile settles ambiguous outcomes (emulator faults)', function () {
  this.timeout(60000);
  let emulator;

  before(async () => {
    emulator = await startEmulator({ itemGetLimitPerMinute: 0 });
  });
  after(() => emulator.stop());
  afterEach(async () => {
    await helper.unload();
    await files.cleanup();
    emulator.reset();
  });

  /** A flow with plaid-item-remove and the exchange on the store, besides the reconcile node. */
  async function deploy(config) {
    const endpoint = (id, type) => ({ id, type, plaid: 'cfg', store: 'store', wires: [['out']] });
    const red = await deployReconcile(emulator, {
      config,
      nodes: [endpoint('remove', 'plaid-item-remove'), endpoint('exchange', 'plaid-item-public-token-exchange'), { id: 'out', type: 'helper', wires: [] }],
    });
    /** Sends `msg` to the endpoint node `id`; resolves to its output or Catch message. */
    red.call = async (id, msg) => {
      const outputs = red.collected.outputs.length;
      const caught = red.collected.caught.length;
      red.node(id).receive(msg);
      return red.when(`${id} to answer`, () => red.collected.outputs[outputs] ?? red.collected.caught[caught]);
    };
    return red;
  }

  /** An Item at the emulator, kept in the store as an exchange would have. */
  async function linked(red, n = 1) {
    const ids = [];
    for (let i = 0; i < n; i++) {
      const created = emulator.createItem();
      await red.store.save({ item_id: created.item_id, access_token: created.access_token, client_user_id: `user-${i}` });
      ids.push(created.item_id);
    }
    return ids;
  }

  it('an item/remove answered 500 after it took effect: unsettled, then the sweep finds the Item gone and marks it removed', async () => {
    const red = await deploy({ retries: 0 });
    const [itemId, other] = await linked(red, 2);
    emulator.setFaults({ serverError: 1, serverErrorAfterEffect: true, paths: ['/item/remove'] });
    const failed = await red.call('remove', { payload: { item_id: itemId } });
    assert.match(failed.error.message, /INTERNAL_SERVER_ERROR.*; Item \S+ may have been removed at Plaid: the store marks it unsettled, and the next reconcile \(plaid-items-reconcile\) checks it first and settles it/);
    assert.equal(emulator.item(itemId).removed, true, 'Plaid removed it');
    const marked = await red.store.get(itemId);
    assert.deepEqual([marked.status, marked.unsettled], ['healthy', '/item/remove']);
    assert.equal(failed.plaid.item.unsettled, '/item/remove', 'the Catch message carries the record as marked');
    emulator.setFaults({});

    const { done } = await red.sweep();
    assert.deepEqual([done.payload.checked, done.payload.changed], [2, 1]);
    const [change] = red.collected.changed.rec;
    assert.deepEqual([change.topic, change.plaid.item_id, change.payload.error.error_code], ['ITEM_NOT_FOUND', itemId, 'INVALID_ACCESS_TOKEN']);
    const settled = await red.store.get(itemId);
    assert.deepEqual([settled.status, settled.unsettled], ['removed', null]);
    await assert.rejects(red.store.resolve(itemId), /removed/, 'its token wiped');
    assert.equal((await red.store.get(other)).status, 'healthy');
  });

  it('an item/remove answered 500 before it took effect: unsettled, then the sweep finds the Item still there and clears the mark', async () => {
    const red = await deploy({ retries: 0 });
    const [itemId] = await linked(red);
    emulator.setFaults({ serverError: 1, paths: ['/item/remove'] });
    await red.call('remove', { payload: { item_id: itemId } });
    emulator.setFaults({});
    assert.equal(emulator.item(itemId).removed, false);
    assert.equal((await red.store.get(itemId)).unsettled, '/item/remove');
    const { done } = await red.sweep();
    assert.deepEqual([done.payload.checked, done.payload.changed], [1, 0]);
    const settled = await red.store.get(itemId);
    assert.deepEqual([settled.status, settled.unsettled], ['healthy', null]);
    assert.equal(red.collected.changed.rec.length, 0, 'nothing changed: nothing sent');
  });

  it('an item/remove whose every attempt timed out while Plaid removed the Item: unsettled, settled by the sweep', async () => {
    const red = await deploy({ retries: 1, timeout: 300 });
    const [itemId] = await linked(red);
    emulator.setFaults({ delay: 1, delayMs: 800, paths: ['/item/remove'] });
    const failed = await red.call('remove', { payload: { item_id: itemId } });
    assert.match(failed.error.message, /timeout .*after 2 attempts; Item \S+ may have been removed at Plaid/);
    await until('the emulator to handle the held remove', () => emulator.item(itemId).removed, 10000, 50);
    emulator.setFaults({});
    const { done } = await red.sweep();
    assert.equal(done.payload.changed, 1);
    assert.deepEqual([(await red.store.get(itemId)).status, red.collected.changed.rec[0].topic], ['removed', 'ITEM_NOT_FOUND']);
  });

  it('an exchange whose answer was lost says an Item may now exist at Plaid without its token; the store holds nothing half-written', async () => {
    const red = await deploy({ retries: 2, timeout: 300 });
    const [kept] = await linked(red);
    const publicToken = async () => (await (await fetch(`${emulator.url}/sandbox/public_token/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: emulator.clientId, secret: emulator.secret, institution_id: 'ins_109508', initial_products: ['transactions'] }),
    })).json()).public_token;
    const outcomes = [];
    for (const faults of [{ delay: 1, delayMs: 800 }, { serverError: 1, serverErrorAfterEffect: true }]) {
      const before = emulator.counts.itemsCreated;
      const token = await publicToken();
      emulator.setFaults({ ...faults, paths: ['/item/public_token/exchange'] });
      outcomes.push(await red.call('exchange', { payload: { public_token: token } }));
      await until('the emulator to handle the exchange', () => emulator.state().outstandingPublicTokens === 0, 10000, 50);
      emulator.setFaults({});
      assert.equal(emulator.counts.itemsCreated, before + 1, 'the public token\'s Item exists at Plaid');
    }
    const [timedOut, lost] = outcomes;
    assert.match(timedOut.error.message, /item\/public_token\/exchange: timeout \(no answer within 300 ms\); an Item may now exist at Plaid whose access token was not received \(Plaid cannot send it again\): the user must link again/);
    assert.match(lost.error.message, /INTERNAL_SERVER_ERROR.*; an Item may now exist at Plaid whose access token was not received/);
    assert.equal(timedOut.plaid.attempts, 1, 'never repeated: a public token is single use');
    assert.deepEqual((await red.store.list()).map((r) => r.item_id), [kept], 'no record without a token');
    const { done } = await red.sweep();
    assert.deepEqual([done.payload.checked, done.payload.changed, done.payload.failed], [1, 0, 0]);
  });
});
