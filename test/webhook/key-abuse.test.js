'use strict';
// Forgeries that cost the node calls to Plaid: each names a kid never seen, with a current iat, the body's hash and
// 64 random bytes for a signature, so it passes every check that needs no key. In a real runtime, against a loopback
// key endpoint that counts its calls.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const FakeTimers = require('@sinonjs/fake-timers');
const { WebhookRig } = require('../support/webhook-rig');
const { startKeyServer } = require('../support/webhook-key-server');
const { makeKey, plaidDelivery, signRaw } = require('../support/webhook-signer');

const ITEM_ERROR = { webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-1', environment: 'sandbox', error: null };
/** The config node's fetch rate: a burst of 5, then 10 a minute. */
const FETCH_BURST = 5;

/** A forged delivery under `kid`: plausible in everything but the signature. */
function forged(kid, n = 0) {
  const raw = JSON.stringify({ ...ITEM_ERROR, item_id: `forged-${n}` }, null, 2);
  const token = signRaw(raw, { kid }, { sign: () => crypto.randomBytes(64) });
  return { raw, headers: { 'content-type': 'application/json', 'plaid-verification': token } };
}

describe('plaid-webhook-in: forgeries that would make the node call Plaid', function () {
  this.timeout(60000);
  const rig = new WebhookRig();
  const genuine = makeKey('kid-genuine');
  let keyServer;
  /** Date as the runtime reads it (the fetch budget refills by it), moved on only by the test; timers stay real. */
  let clock;

  beforeEach(async function () {
    clock = FakeTimers.install({ toFake: ['Date'] });
    keyServer = await startKeyServer();
    keyServer.add(genuine);
    // The config node as the editor makes it: 2 retries for the endpoint nodes' calls.
    const flow = rig.flow(keyServer);
    flow[0].retries = 2;
    await rig.load(flow);
  });

  afterEach(async function () {
    await rig.unload();
    clock.uninstall();
    await keyServer.close();
    assert.deepEqual(keyServer.state.problems, [], 'key requests match Plaid\'s spec');
  });

  /** Posts `count` forgeries, each under a kid of its own, `concurrency` at a time; resolves to the statuses seen. */
  async function forgeries(count, concurrency = 50) {
    const statuses = new Map();
    for (let i = 0; i < count; i += concurrency) {
      const batch = Array.from({ length: Math.min(concurrency, count - i) }, (_, j) => rig.post(forged(`kid-forged-${i + j}`, i + j)));
      for (const { status } of await Promise.all(batch)) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    return Object.fromEntries(statuses);
  }

  it('200 forged kids make at most the rate limit\'s worth of calls; the rest are answered 503', async function () {
    // The clock stands still meanwhile: the budget is the burst.
    const statuses = await forgeries(200);
    assert.equal(keyServer.state.fetches.length, FETCH_BURST);
    assert.equal(statuses[401], keyServer.state.fetches.length, 'each fetched kid is refused as unknown');
    assert.equal(statuses[503], 200 - keyServer.state.fetches.length);
    await rig.settle();
    assert.equal(rig.emitted.length, 0);
  });

  it('1,100 forged kids do not evict the genuine key: with the key endpoint then answering 429, a genuine delivery is 200 and emitted', async function () {
    await rig.post(plaidDelivery(ITEM_ERROR, genuine)).expect(200);
    await forgeries(1100);
    keyServer.state.failWith = 429;
    await rig.post(plaidDelivery({ ...ITEM_ERROR, item_id: 'item-2' }, genuine)).expect(200);
    await rig.settle();
    assert.deepEqual(rig.emitted.map((e) => e.msg.payload.item_id), ['item-1', 'item-2']);
    assert.equal(keyServer.fetchesOf(genuine.kid), 1);
  });

  it('a forged delivery while 429s come back costs at most one call, and the ones after it none for a while', async function () {
    await rig.post(plaidDelivery(ITEM_ERROR, genuine)).expect(200);
    keyServer.state.failWith = 429;
    const before = keyServer.state.fetches.length;
    await rig.post(forged('kid-forged-a')).expect(503);
    assert.equal(keyServer.state.fetches.length - before, 1, 'one attempt, no retries');
    await rig.post(forged('kid-forged-b', 1)).expect(503);
    await rig.post(forged('kid-forged-a', 2)).expect(503);
    assert.equal(keyServer.state.fetches.length - before, 1, 'failures are remembered, not retried per delivery');
    // Meanwhile genuine deliveries under the cached key go on.
    await rig.post(plaidDelivery({ ...ITEM_ERROR, item_id: 'item-2' }, genuine)).expect(200);
    await rig.settle();
    assert.equal(rig.emitted.length, 2);
  });

  it('after a key rotation during a flood, the genuine delivery under the new kid is only delayed: Plaid\'s retry is emitted', async function () {
    await forgeries(100);
    const rotated = makeKey('kid-rotated');
    keyServer.add(rotated);
    const delivery = plaidDelivery(ITEM_ERROR, rotated);
    await rig.post(delivery).expect(503);
    // Plaid retries; by then the budget has a fetch again (one every 6 s).
    clock.tick(6000);
    await rig.post(delivery).expect(200);
    await rig.settle();
    assert.equal(rig.emitted.length, 1);
    assert.equal(keyServer.fetchesOf(rotated.kid), 1);
  });
});
