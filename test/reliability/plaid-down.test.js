'use strict';
// Plaid down: for 30 s Plaid's API, verification-key endpoint included, is unreachable (the proxy Node-RED talks
// to is closed: connections refused), while webhooks keep arriving (the emulator sends them directly, signed with a
// key Node-RED has not fetched yet) and messages keep entering endpoint nodes. During the outage every delivery is
// answered 503 (so Plaid retries) and nothing is emitted; every message ends in a catchable error. Then the proxy
// comes back on the same port: Plaid's retries are taken and each webhook emitted exactly once, messages get
// outputs, and a delivery under a brand-new key (never fetched) is verified, so the key fetch path has recovered.
const assert = require('node:assert/strict');
const { start } = require('../../dist/emulator');
const { RedChild, recordFunc } = require('./support/child');
const { TapProxy } = require('./support/tap-proxy');
const { until, sleep, tally, report } = require('./support/util');

const OUTAGE_MS = 30000;
const EVENT_EVERY_MS = 6000; // a webhook and two messages every 6 s of the outage
// Plaid's retry schedule (30 s, then x4) scaled so that every webhook fired during the outage is retried within
// ~30 s after it.
const TIME_FACTOR = 0.004;

describe('reliability: Plaid down for 30 s, then back', function () {
  this.timeout(240000);
  let emulator;
  let tap;
  let red;
  let item;

  before(async () => {
    emulator = await start({ timeFactor: TIME_FACTOR, maxDeliveryRecords: 10000 });
    tap = await new TapProxy(emulator.url).listen();
    red = await RedChild.start({ label: 'down' });
  });

  after(async () => {
    if (red) await red.stop();
    if (tap) await tap.destroy();
    if (emulator) await emulator.stop();
  });

  const flow = () => [
    { id: 'down-tab', type: 'tab', label: 'plaid down' },
    {
      id: 'down-cfg', type: 'plaid-config', name: 'via proxy', environment: 'custom', baseUrl: tap.url, timeout: '1000', retries: '2',
      credentials: { clientId: emulator.clientId, secret: emulator.secret },
    },
    {
      id: 'down-hook', z: 'down-tab', type: 'plaid-webhook-in', name: '', url: '/plaid/webhook', plaid: 'down-cfg', verify: true, dedupe: true,
      dedupeStore: '', x: 120, y: 60, wires: Array.from({ length: 10 }, () => ['down-emit']),
    },
    { id: 'down-emit', z: 'down-tab', type: 'function', name: 'emits', outputs: 1, x: 320, y: 60, wires: [[]],
      func: recordFunc('emit', '{ sha: msg.plaid.body_sha256, code: msg.topic, seq: msg.payload.reliability_seq }') },
    { id: 'down-inject-get', z: 'down-tab', type: 'inject', name: 'get', props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], topic: 'get',
      payload: JSON.stringify({ access_token: item.access_token }), payloadType: 'json', repeat: '', once: false, x: 120, y: 140, wires: [['down-get']] },
    { id: 'down-get', z: 'down-tab', type: 'plaid-item-get', plaid: 'down-cfg', x: 320, y: 140, wires: [['down-out']] },
    { id: 'down-inject-fire', z: 'down-tab', type: 'inject', name: 'fire', props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], topic: 'fire',
      payload: JSON.stringify({ access_token: item.access_token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' }), payloadType: 'json', repeat: '', once: false,
      x: 120, y: 200, wires: [['down-fire']] },
    { id: 'down-fire', z: 'down-tab', type: 'plaid-sandbox-item-fire-webhook', plaid: 'down-cfg', x: 320, y: 200, wires: [['down-out']] },
    { id: 'down-out', z: 'down-tab', type: 'function', name: 'outputs', outputs: 1, x: 520, y: 170, wires: [[]],
      func: recordFunc('output', '{ topic: msg.topic, attempts: msg.plaid.attempts }') },
    { id: 'down-catch', z: 'down-tab', type: 'catch', scope: null, uncaught: false, x: 120, y: 260, wires: [['down-caught']] },
    { id: 'down-caught', z: 'down-tab', type: 'function', name: 'errors', outputs: 1, x: 320, y: 260, wires: [[]],
      func: recordFunc('caught', '{ topic: msg.topic, message: msg.error.message, source: msg.error.source.id, plaid: msg.plaid }') },
  ];

  let seq = 0;
  const fire = () => emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'NEW_ACCOUNTS_AVAILABLE', fields: { reliability_seq: ++seq } });
  const records = async (kind, since = 0) => (await red.records()).filter((r) => r.kind === kind && r.at >= since);

  it('during the outage: deliveries answered 503, nothing emitted, messages caught; afterwards everything recovers', async () => {
    item = emulator.createItem({ webhook: `${red.url}/plaid/webhook` });
    await red.deploy(flow(), 'full');
    await until('the route', async () => (await red.probe()).routes === 1, 15000);
    // Healthy first: a webhook (key fetched and cached), a message.
    const warm = emulator.fireWebhook({ item_id: item.item_id, webhook_code: 'LOGIN_REPAIRED', fields: { reliability_seq: 0 } });
    await until('the warm-up webhook emitted', async () => (await records('emit')).some((r) => r.data.seq === 0), 15000);
    await red.inject('down-inject-get');
    await until('the warm-up message answered', async () => (await records('output')).length === 1, 15000);
    assert.equal(emulator.deliveries.find((d) => d.id === warm.delivery_id).state, 'delivered');

    // Outage: Plaid signs with a key this Node-RED has never fetched, and cannot be reached.
    await emulator.deliveriesSettled();
    const firstOutageDelivery = emulator.deliveries.length;
    const outageKid = emulator.rotateKey().kid;
    await tap.close();
    const outageStart = Date.now();
    const callsBefore = tap.exchanges.length;
    const fired = [];
    let injected = 0;
    while (Date.now() - outageStart < OUTAGE_MS - 2000) {
      fired.push(fire().delivery_id);
      await red.inject('down-inject-get');
      await red.inject('down-inject-fire');
      injected += 2;
      await sleep(EVENT_EVERY_MS);
    }
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStart)));
    const outageEnd = Date.now();
    const duringOutage = (r) => r.at >= outageStart && r.at < outageEnd;

    // Checked before Plaid comes back.
    const outageDeliveries = emulator.deliveries.slice(firstOutageDelivery);
    const outageAttempts = outageDeliveries.flatMap((d) => d.attempts.filter((a) => a.startedAt < outageEnd && a.status !== null));
    assert.ok(outageAttempts.length >= fired.length, 'the webhooks were attempted during the outage');
    assert.deepEqual(tally(outageAttempts, (a) => a.status), { 503: outageAttempts.length }, 'every delivery during the outage answered 503');
    assert.deepEqual((await records('emit')).filter(duringOutage), [], 'nothing emitted without a verified signature');
    const caughtDuring = (await records('caught')).filter(duringOutage);
    assert.equal(caughtDuring.length, injected, `every message during the outage ended in a caught error (${caughtDuring.length}/${injected})`);
    for (const c of caughtDuring) {
      assert.match(c.data.message, /: refused \(connection refused by 127\.0\.0\.1:\d+\) after 3 attempts$/);
      assert.equal(c.data.plaid.attempts, 3);
    }
    assert.deepEqual((await records('output')).filter(duringOutage), [], 'no output while Plaid is down');
    assert.equal(tap.exchanges.length, callsBefore, 'no call got through');

    // Plaid is back, on the same port.
    await tap.listen();
    const backAt = Date.now();
    await red.inject('down-inject-get');
    const recovered = await until('a message answered after the outage', async () => (await records('output', backAt)).find((r) => r.data.topic === 'get'), 15000, 100);
    const recoveryMs = recovered.at - backAt;
    // Plaid's retries of every outage webhook are taken, each emitted once.
    await until('the outage webhooks re-delivered', () => outageDeliveries.every((d) => d.state !== 'pending'), 90000, 250);
    const emits = await records('emit');
    const bySha = tally(emits, (r) => r.data.sha);
    for (const d of outageDeliveries) {
      assert.equal(d.state, 'delivered', `webhook ${d.id} delivered in the end`);
      assert.equal(bySha[d.bodySha256], 1, `webhook ${d.id} emitted exactly once`);
      assert.ok(d.attempts.some((a) => a.status === 503) && d.attempts[d.attempts.length - 1].status === 200);
    }
    // A key never seen before: fetched now that Plaid answers again.
    const freshKid = emulator.rotateKey().kid;
    assert.notEqual(freshKid, outageKid);
    const fresh = fire();
    await until('a webhook under a fresh key emitted', async () => (await records('emit')).some((r) => r.data.seq === seq), 20000, 100);
    assert.deepEqual(emulator.deliveries.find((d) => d.id === fresh.delivery_id).attempts.map((a) => a.status), [200]);
    const keyFetches = tap.exchanges.filter((x) => x.path === '/webhook_verification_key/get').map((x) => x.request.key_id);
    assert.ok(keyFetches.includes(outageKid) && keyFetches.includes(freshKid), 'both new keys fetched once Plaid was back');
    const probe = await red.probe();
    assert.equal(probe.unhandledRejections, 0);
    assert.doesNotMatch(red.output, /UNHANDLED-REJECTION|UNCAUGHT-EXCEPTION/);

    report('plaid down', {
      outageMs: outageEnd - outageStart, webhooksDuringOutage: fired.length, deliveryAttemptsDuringOutage: outageAttempts.length,
      outageStatuses: tally(outageAttempts, (a) => a.status), messagesDuringOutage: injected, caughtDuringOutage: caughtDuring.length,
      afterRecovery: {
        firstOutputMs: recoveryMs,
        redeliveredMs: Math.max(...outageDeliveries.map((d) => d.attempts[d.attempts.length - 1].startedAt)) - outageEnd,
        emittedOnce: outageDeliveries.length, freshKeyDelivery: 'verified',
      },
      keyFetches: keyFetches.length,
    });
  });
});
