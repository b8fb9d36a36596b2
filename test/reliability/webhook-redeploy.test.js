'use strict';
// The redeploy soak's findings, pinned down one by one in a real runtime (node-red-node-test-helper + WebhookRig):
// each test replays, deterministically, an interleaving the soak met by chance.
//  1. A delivery the node answers 503 because it was closed while verifying it has already been recorded in the
//     dedupe seen-set: Plaid's retry is then taken for a duplicate, answered 200 and never emitted.
//  2. The node answers 200 and then hands the message to Node-RED, which delivers it on the next turn: a deploy that
//     stops the flow in between drops it. Plaid has its 200; the flow never sees the webhook.
//  3. With Node-RED's default settings (no contextStorage), a node's context is deleted when the node closes, so the
//     dedupe seen-set is forgotten at every redeploy: Plaid's re-delivery of an accepted webhook is emitted again.
const assert = require('node:assert/strict');
const { hooks } = require(require.resolve('@node-red/util', { paths: [require.resolve('node-red')] }));
const { WebhookRig, helper } = require('../support/webhook-rig');
const { startKeyServer } = require('../support/webhook-key-server');
const { makeKey, plaidDelivery } = require('../support/webhook-signer');
const { until } = require('./support/util');

describe('reliability: webhook deliveries across redeploys (no delivery acknowledged and then lost)', function () {
  this.timeout(30000);
  const rig = new WebhookRig();
  const live = makeKey('kid-live');
  const body = (n) => ({ webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: `item-redeploy-${n}`, error: null, environment: 'sandbox' });
  let keyServer;

  beforeEach(async () => {
    keyServer = await startKeyServer();
    keyServer.add(live);
  });

  afterEach(async () => {
    hooks.remove('*.reliabilityTest');
    await rig.unload();
    await keyServer.close();
  });

  /** As in an editor's flow: everything but the config node on a tab (the rig's own flows have no tab). */
  const onTab = (flow) => [{ id: 'tab-redeploy', type: 'tab', label: 'redeploy' }, ...flow.map((n) => (n.type === 'plaid-config' ? n : { ...n, z: 'tab-redeploy' }))];
  const flowWith = (webhook) => onTab(rig.flow(keyServer, webhook));
  const emittedBodies = () => rig.emitted.map((e) => e.msg.payload.item_id);

  it('a delivery answered 503 while the node closed is emitted when Plaid delivers it again (dedupe on)', async () => {
    await rig.load(flowWith({ dedupe: true }));
    keyServer.state.delayMs = 300; // the key fetch is slow: the delivery is still being verified at the redeploy
    const first = rig.post(plaidDelivery(body(1), live)).then((res) => res); // supertest sends on then()
    await until('the delivery to be verifying (its key asked for)', () => keyServer.fetchesOf(live.kid) > 0, 5000, 5);
    // The editor's "modified nodes" deploy: only the webhook node restarts (the config node and its key cache stay).
    await helper.setFlows(flowWith({ dedupe: true, name: 'renamed' }), 'nodes', rig.credentials);
    // (the helper nodes did not restart: their listeners are still attached)
    const answer = (await first).status;
    keyServer.state.delayMs = 0;
    await rig.settle();
    if (answer === 200) {
      assert.deepEqual(emittedBodies(), ['item-redeploy-1'], 'answered 200, so it must have been emitted');
      return;
    }
    assert.equal(answer, 503, 'closed while verifying: Plaid is asked to deliver again');
    // Plaid's retry: the same bytes, signed again.
    assert.equal((await rig.post(plaidDelivery(body(1), live))).status, 200);
    await rig.settle();
    assert.deepEqual(emittedBodies(), ['item-redeploy-1'], 'the retry of a delivery answered 503 is emitted (it is no duplicate: nothing was emitted before)');
  });

  it('no 200 for a delivery whose message a redeploy stopped before it reached the next node', async () => {
    const flow = flowWith({ dedupe: false });
    await rig.load(flow);
    // The interleaving the soak met: the deploy's flow stop runs after the webhook node's send and before Node-RED's
    // (asynchronous) delivery of the message. Reproduced by stopping the flow just ahead of that delivery.
    let armed = true;
    hooks.add('preDeliver.reliabilityTest', (event) => {
      if (armed && event.source.id === 'hook') {
        armed = false;
        const flowOfHook = event.source.node._flow;
        setImmediate(() => flowOfHook.stop());
      }
    });
    const answer = (await rig.post(plaidDelivery(body(2), live))).status;
    await rig.settle();
    const emitted = emittedBodies();
    assert.ok(answer !== 200 || emitted.length === 1, `answered ${answer} but the flow received ${emitted.length} message(s): acknowledged and lost`);
    // The deploy completes (the flow starts again) and Plaid delivers whatever was not acknowledged.
    await rig.redeploy(flow);
    if (answer !== 200) {
      assert.equal((await rig.post(plaidDelivery(body(2), live))).status, 200);
      await rig.settle();
      assert.deepEqual(emittedBodies(), ['item-redeploy-2']);
    }
  });

  it('dedupe remembers accepted deliveries across a redeploy (Node-RED\'s default context settings)', async () => {
    await rig.load(flowWith({ dedupe: true }));
    assert.equal((await rig.post(plaidDelivery(body(3), live))).status, 200);
    await rig.settle();
    assert.deepEqual(emittedBodies(), ['item-redeploy-3']);
    rig.emitted.length = 0;
    await rig.redeploy(flowWith({ dedupe: true, name: 'renamed' }));
    // Plaid re-delivers (its first answer was lost on the way back): same body, fresh signature.
    assert.equal((await rig.post(plaidDelivery(body(3), live))).status, 200);
    await rig.settle();
    assert.deepEqual(emittedBodies(), [], 'the re-delivery is a duplicate within 24 h: answered 200, not emitted again');
  });
});
