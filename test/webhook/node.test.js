'use strict';
// plaid-webhook-in in a real runtime, over real HTTP: routing, key fetching, dedupe, route lifecycle, answering.
const assert = require('node:assert/strict');
const path = require('node:path');
const FakeTimers = require('@sinonjs/fake-timers');
const { WebhookRig, helper } = require('../support/webhook-rig');
const { startKeyServer } = require('../support/webhook-key-server');
const { makeKey, plaidDelivery, sha256Hex } = require('../support/webhook-signer');
const { sharedStore } = require('../support/webhook-shared-store');
const { spec, validateWebhook } = require('../support/openapi');
const { nodesDir, read, loadEditor } = require('../editor/support');

const ITEM_ERROR = { webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-1', environment: 'sandbox', error: null };
const numbered = (n) => ({ ...ITEM_ERROR, item_id: `item-${n}` });
const { until } = require('../support/until');

describe('plaid-webhook-in', function () {
  const rig = new WebhookRig();
  let keyServer;
  let key;
  /** Date as the runtime reads it, moved on by the test (timers stay real); installed before the nodes start. */
  let clock;

  beforeEach(async function () {
    keyServer = await startKeyServer();
    key = makeKey('kid-1');
    keyServer.add(key);
    rig.mountPath = '/';
  });

  afterEach(async function () {
    await rig.unload();
    clock?.uninstall();
    clock = undefined;
    await keyServer.close();
    assert.deepEqual(keyServer.state.problems, [], 'key requests match Plaid\'s spec');
  });

  describe('outputs', function () {
    // Plaid's own examples from the spec, one per routed (type, code).
    const examples = Object.entries(spec['x-webhook-schemas']).map(([pair, schema]) => {
      const name = schema.$ref.split('/').pop();
      const body = Object.values(spec.components.schemas[name]['x-examples'])[0];
      return { pair, body };
    });
    const expectedOutput = {
      'ITEM/ERROR': 0, 'ITEM/LOGIN_REPAIRED': 1, 'ITEM/NEW_ACCOUNTS_AVAILABLE': 2, 'ITEM/PENDING_EXPIRATION': 3,
      'ITEM/PENDING_DISCONNECT': 4, 'ITEM/USER_PERMISSION_REVOKED': 5, 'ITEM/USER_ACCOUNT_REVOKED': 6,
      'ITEM/WEBHOOK_UPDATE_ACKNOWLEDGED': 7, 'LINK/SESSION_FINISHED': 8,
    };

    it('sends each routed webhook to the output of its (type, code), with payload, topic and msg.plaid', async function () {
      assert.equal(examples.length, 9);
      await rig.load(rig.flow(keyServer));
      for (const { pair, body } of examples) {
        assert.deepEqual(validateWebhook(body.webhook_type, body.webhook_code, body), [], pair);
        const delivery = plaidDelivery(body, key);
        await rig.post(delivery).expect(200);
        await rig.settle();
        assert.equal(rig.emitted.length, 1, pair);
        const [{ output, msg }] = rig.emitted.splice(0);
        assert.equal(output, expectedOutput[pair], pair);
        assert.deepEqual(msg.payload, body);
        assert.equal(msg.topic, body.webhook_code);
        assert.deepEqual(msg.plaid, {
          webhook_type: body.webhook_type,
          webhook_code: body.webhook_code,
          item_id: body.item_id ?? null,
          environment: body.environment,
          verified: true,
          body_sha256: sha256Hex(delivery.raw),
          received_at: msg.plaid.received_at,
          replayed: false,
          delivery_id: null,
        });
        assert.ok(Math.abs(Date.parse(msg.plaid.received_at) - Date.now()) < 5000, `received_at ${msg.plaid.received_at}`);
        assert.equal(msg.req, undefined);
        assert.equal(msg.res, undefined);
      }
      assert.equal(keyServer.fetchesOf('kid-1'), 1, 'the key is cached');
    });

    it('sends every other pair to output 10: ASSETS ERROR, unknown codes and types, other casing', async function () {
      await rig.load(rig.flow(keyServer));
      const others = [
        { webhook_type: 'ASSETS', webhook_code: 'ERROR', asset_report_id: 'a', error: null, environment: 'sandbox' },
        { webhook_type: 'ITEM', webhook_code: 'UPDATE_ACKNOWLEDGED', item_id: 'i', environment: 'sandbox' },
        { webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: 'i', environment: 'production' },
        { webhook_type: 'NEW_PRODUCT', webhook_code: 'SOMETHING', environment: 'sandbox' },
        { webhook_type: 'item', webhook_code: 'ERROR', item_id: 'i', environment: 'sandbox' },
      ];
      for (const body of others) await rig.post(plaidDelivery(body, key)).expect(200);
      await rig.settle();
      assert.deepEqual(rig.emitted.map((e) => [e.output, e.msg.topic]), others.map((b) => [9, b.webhook_code]));
      assert.equal(rig.emitted[0].msg.plaid.item_id, null);
    });
  });

  describe('verification keys', function () {
    it('fetches a new kid once for 200 concurrent deliveries', async function () {
      this.timeout(15000);
      keyServer.state.delayMs = 200;
      await rig.load(rig.flow(keyServer));
      const answers = await Promise.all(Array.from({ length: 200 }, (_, n) => rig.post(plaidDelivery(numbered(n), key))));
      assert.deepEqual([...new Set(answers.map((r) => r.status))], [200]);
      assert.equal(keyServer.fetchesOf('kid-1'), 1);
      await rig.settle();
      assert.equal(rig.emitted.length, 200);
    });

    it('follows a key rotation: the new kid is fetched once, the old one keeps verifying', async function () {
      await rig.load(rig.flow(keyServer));
      await rig.post(plaidDelivery(numbered(1), key)).expect(200);
      const next = makeKey('kid-2');
      keyServer.add(next);
      await rig.post(plaidDelivery(numbered(2), next)).expect(200);
      await rig.post(plaidDelivery(numbered(3), next)).expect(200);
      await rig.post(plaidDelivery(numbered(4), key)).expect(200);
      assert.deepEqual(keyServer.state.fetches, ['kid-1', 'kid-2']);
      await rig.settle();
      assert.equal(rig.emitted.length, 4);
    });

    it('answers 503 while the key cannot be fetched, and takes Plaid\'s retry once it can', async function () {
      clock = FakeTimers.install({ toFake: ['Date'] });
      await rig.load(rig.flow(keyServer));
      const delivery = plaidDelivery(ITEM_ERROR, key);
      keyServer.state.down = true;
      await rig.post(delivery).expect(503);
      await rig.post(delivery).expect(503);
      await rig.settle();
      assert.equal(rig.emitted.length, 0);
      keyServer.state.down = false;
      // Plaid's retry comes later: by then the key endpoint is asked again (a second after the first failure).
      clock.tick(1100);
      await rig.post(delivery).expect(200);
      await rig.settle();
      assert.equal(rig.emitted.length, 1);
      assert.equal(keyServer.fetchesOf('kid-1'), 2, 'a failed fetch is remembered for a while, not retried per delivery');
    });

    it('answers 503 when the key server cannot be reached at all', async function () {
      await keyServer.close();
      await rig.load(rig.flow(keyServer));
      await rig.post(plaidDelivery(ITEM_ERROR, key)).expect(503);
    });

    it('answers 503 while its config node has no credentials, and says so in its status and first words', async function () {
      rig.configCredentials = {};
      try {
        await rig.load(rig.flow(keyServer));
      } finally {
        rig.configCredentials = undefined;
      }
      await rig.post(plaidDelivery(ITEM_ERROR, key)).expect(503);
      const statuses = helper._NodePrototype.status.getCalls().filter((call) => call.thisValue.id === 'hook');
      assert.deepEqual(statuses.at(-1).args[0], { fill: 'red', shape: 'ring', text: 'no credentials: 503' });
      const errors = helper.log().args.map((a) => a[0]).filter((e) => e.id === 'hook' && e.level === helper.log().ERROR);
      assert.match(errors[0].msg, /^no client ID or secret: enter them in the Plaid config node "cfg"; until then deliveries are answered 503$/);
    });

    it('answers 503 without a config node, so Plaid keeps the delivery until one is set', async function () {
      await rig.load(rig.flow(keyServer, { plaid: '' }));
      await rig.post(plaidDelivery(ITEM_ERROR, key)).expect(503);
      await rig.settle();
      assert.equal(rig.emitted.length, 0);
    });
  });

  describe('answering', function () {
    it('answers 200 before a slow downstream node has finished', async function () {
      // A downstream node that works until the test lets it finish.
      const slow = { started: false, finished: false, finish: () => {} };
      const slowModule = (RED) => {
        RED.nodes.registerType('test-slow', function (config) {
          RED.nodes.createNode(this, config);
          this.on('input', (_msg, _send, done) => {
            slow.started = true;
            slow.finish = () => { slow.finished = true; done(); };
          });
        });
      };
      const flow = rig.flow(keyServer, {}, [{ id: 'slow', type: 'test-slow', wires: [] }]);
      flow[1].wires[0].push('slow');
      await rig.load(flow, [slowModule]);
      await rig.post(plaidDelivery(ITEM_ERROR, key)).expect(200);
      assert.equal(slow.started, true, 'the message reached the downstream node before the answer');
      assert.equal(slow.finished, false, 'answered while the downstream node is still working');
      slow.finish();
    });

    it('emits unverified deliveries with verify off (yellow ring, verified false) and warns on production', async function () {
      const flow = rig.flow(keyServer, { verify: false });
      flow[0].environment = 'production';
      await rig.load(flow);
      const statuses = [];
      helper.getNode('hook').on('call:status', (call) => statuses.push(call.args[0]));
      await rig.post({ raw: JSON.stringify(ITEM_ERROR), headers: { 'content-type': 'application/json' } }).expect(200);
      // The delivery was counted before its answer left: the ring's next redraw shows it.
      const before = statuses.length;
      await until('the status ring to be redrawn', () => statuses.length > before, 5000);
      assert.equal(rig.emitted.length, 1);
      assert.equal(rig.emitted[0].msg.plaid.verified, false);
      assert.equal(keyServer.state.fetches.length, 0);
      assert.equal(statuses[statuses.length - 1].fill, 'yellow');
      const warnings = helper.log().args.map((a) => a[0]).filter((e) => e.id === 'hook' && e.level === helper.log().WARN);
      assert.ok(warnings.some((w) => /verification is off with a production config/.test(w.msg)));
    });

    it('reads the raw bytes even though a JSON parser runs first on the root app', async function () {
      await rig.load(rig.flow(keyServer));
      // Bytes no parser would reproduce: odd spacing, escapes, key order.
      const raw = '{ "webhook_code":"ERROR" ,"webhook_type" : "ITEM","item_id":"\\u0069tem-9","environment":"sandbox","error":null}\n';
      const token = require('../support/webhook-signer').signRaw(raw, key);
      await rig.post({ raw, headers: { 'content-type': 'application/json; charset=utf-8', 'plaid-verification': token } }).expect(200);
      await rig.settle();
      assert.equal(rig.emitted[0].msg.payload.item_id, 'item-9');
      assert.equal(rig.root._router.stack[0].name, 'plaidWebhookRawBody');
    });
  });

  describe('dedupe', function () {
    it('answers a re-delivery 200 and emits it once; concurrent copies too', async function () {
      await rig.load(rig.flow(keyServer, { dedupe: true }));
      const first = plaidDelivery(numbered(1), key);
      await rig.post(first).expect(200);
      await rig.post(first).expect(200);
      // Plaid's retry carries a new signature over the same bytes: still the same delivery.
      await rig.post({ raw: first.raw, headers: plaidDelivery(numbered(1), key, { iat: Math.floor(Date.now() / 1000) - 10 }).headers }).expect(200);
      const copies = plaidDelivery(numbered(2), key);
      const answers = await Promise.all(Array.from({ length: 10 }, () => rig.post(copies)));
      assert.deepEqual([...new Set(answers.map((r) => r.status))], [200]);
      await rig.post(plaidDelivery(numbered(3), key)).expect(200);
      await rig.settle();
      assert.deepEqual(rig.emitted.map((e) => e.msg.payload.item_id), ['item-1', 'item-2', 'item-3']);
    });

    it('is on for a node made with the editor\'s defaults: a replayed delivery is emitted once', async function () {
      const { defs } = loadEditor(read(path.join(nodesDir, 'plaid-webhook-in.html')), {});
      const editorDefaults = Object.fromEntries(Object.entries(defs['plaid-webhook-in'].defaults).map(([k, d]) => [k, d.value]));
      const flow = rig.flow(keyServer);
      flow[1] = { id: 'hook', type: 'plaid-webhook-in', ...editorDefaults, plaid: 'cfg', wires: flow[1].wires };
      await rig.load(flow);
      const delivery = plaidDelivery(ITEM_ERROR, key);
      await rig.post(delivery).expect(200);
      await rig.post(delivery).expect(200);
      await rig.settle();
      assert.equal(rig.emitted.length, 1);
    });

    for (const [saved, dedupe] of [['dedupe: false', { dedupe: false }], ['no dedupe property (written by hand)', { dedupe: undefined }]]) {
      it(`stays off for a node saved with ${saved}: a replay is emitted again, as before`, async function () {
        await rig.load(rig.flow(keyServer, dedupe));
        const delivery = plaidDelivery(ITEM_ERROR, key);
        await rig.post(delivery).expect(200);
        await rig.post(delivery).expect(200);
        await rig.settle();
        assert.equal(rig.emitted.length, 2);
      });
    }

    it('does not remember a delivery it answered 503, so Plaid\'s retry is emitted', async function () {
      clock = FakeTimers.install({ toFake: ['Date'] });
      await rig.load(rig.flow(keyServer, { dedupe: true }));
      const delivery = plaidDelivery(ITEM_ERROR, key);
      keyServer.state.down = true;
      await rig.post(delivery).expect(503);
      keyServer.state.down = false;
      // Plaid's retry, after the key cache's pause following the failed fetch.
      clock.tick(1100);
      await rig.post(delivery).expect(200);
      await rig.settle();
      assert.equal(rig.emitted.length, 1);
    });

    it('keeps the seen-set in the chosen context store, shared by another instance using that store', async function () {
      const shared = sharedStore();
      const flow = rig.flow(keyServer, { dedupe: true, dedupeStore: 'shared' });
      const delivery = plaidDelivery(ITEM_ERROR, key);
      for (let instance = 0; instance < 2; instance++) {
        helper.settings({ contextStorage: { default: { module: 'memory' }, shared: { module: shared.plugin } } });
        await rig.load(flow);
        // The helper skips the runtime's context-store loading; done here so the configured stores exist.
        await helper._context.load();
        await rig.post(delivery).expect(200);
        await rig.settle();
        assert.equal(rig.emitted.length, instance === 0 ? 1 : 0, `instance ${instance}`);
        await rig.unload();
      }
      assert.equal([...shared.data.keys()].filter((k) => k.includes('plaid-webhook-seen-')).length, 1);
    });
  });

  describe('route lifecycle', function () {
    it('leaves exactly one route after 20 redeploys, and one emit per delivery', async function () {
      const flow = rig.flow(keyServer);
      await rig.load(flow);
      for (let i = 0; i < 20; i++) await rig.redeploy(flow);
      assert.equal(rig.routesFor(), 1);
      await rig.post(plaidDelivery(ITEM_ERROR, key)).expect(200);
      await rig.settle();
      assert.equal(rig.emitted.length, 1);
    });

    it('removes the route when the node is deleted', async function () {
      const flow = rig.flow(keyServer);
      await rig.load(flow);
      await rig.redeploy(flow.filter((n) => n.id !== 'hook'));
      assert.equal(rig.routesFor(), 0);
      await rig.post(plaidDelivery(ITEM_ERROR, key)).expect(404);
    });

    it('refuses a second node on the same path with a clear status, until the first is gone', async function () {
      const second = { id: 'hook2', type: 'plaid-webhook-in', url: '/Plaid/Webhook/', plaid: 'cfg', verify: true, dedupe: false, dedupeStore: '', wires: [['out9']] };
      const flow = [...rig.flow(keyServer), second];
      await rig.load(flow);
      const errors = helper.log().args.map((a) => a[0]).filter((e) => e.id === 'hook2' && e.level === helper.log().ERROR);
      assert.match(errors[0].msg, /already the route of node hook/);
      // The helper spies on Node.prototype.status: the refused node's last status says why.
      const statuses = helper._NodePrototype.status.getCalls().filter((call) => call.thisValue.id === 'hook2');
      assert.deepEqual(statuses[statuses.length - 1].args[0], { fill: 'red', shape: 'ring', text: 'path in use' });
      assert.equal(rig.routesFor(), 1);
      await rig.post(plaidDelivery(ITEM_ERROR, key)).expect(200);
      await rig.settle();
      assert.deepEqual(rig.emitted.map((e) => e.output), [0]);

      rig.emitted.length = 0;
      await rig.redeploy(flow.filter((n) => n.id !== 'hook'));
      assert.equal(rig.routesFor('/Plaid/Webhook/'), 1);
      await rig.post(plaidDelivery(numbered(2), key)).expect(200);
      await rig.settle();
      assert.deepEqual(rig.emitted.map((e) => e.output), [9]);
    });

    it('serves below the node root and applies httpNodeMiddleware', async function () {
      rig.mountPath = '/hooks';
      helper.settings({ httpNodeMiddleware: (req, res, next) => (req.get('x-shared-secret') === 'ok' ? next() : res.sendStatus(403)) });
      await rig.load(rig.flow(keyServer));
      const delivery = plaidDelivery(ITEM_ERROR, key);
      await rig.post(delivery).expect(403);
      await rig.post({ ...delivery, headers: { ...delivery.headers, 'x-shared-secret': 'ok' } }).expect(200);
      await request404(rig, delivery);
      await rig.settle();
      assert.equal(rig.emitted.length, 1);
    });

    it('opens no route for a path express would read as a pattern', async function () {
      await rig.load(rig.flow(keyServer, { url: '/plaid/:item' }));
      assert.equal(rig.routesFor('/plaid/:item'), 0);
      const statuses = helper._NodePrototype.status.getCalls().filter((call) => call.thisValue.id === 'hook');
      assert.equal(statuses[statuses.length - 1].args[0].text, 'path is a pattern');
    });

    it('opens no route when httpNodeRoot is false', async function () {
      helper.settings({ httpNodeRoot: false });
      await rig.load(rig.flow(keyServer));
      assert.equal(rig.routesFor(), 0);
      const warnings = helper.log().args.map((a) => a[0]).filter((e) => e.id === 'hook' && e.level === helper.log().WARN);
      assert.match(warnings[0].msg, /httpNodeRoot is false/);
    });
  });
});

/** The node root is /hooks: the bare path is not the webhook's. */
async function request404(rig, delivery) {
  const saved = rig.mountPath;
  rig.mountPath = '/';
  try {
    await rig.post(delivery).expect(404);
  } finally {
    rig.mountPath = saved;
  }
}
