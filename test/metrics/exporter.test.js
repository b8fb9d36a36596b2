'use strict';
// GET /plaid-items/metrics in a real Node-RED with adminAuth (test/support/metrics-rig.js): who may read it, that
// it counts known traffic exactly (webhooks genuine, duplicate, forged; Plaid calls ok and failing; a store whose disk
// fills; keys Plaid does not know or cannot give; calls that time out or find no server), that it reads the stores' state at each scrape, that no answer holds a token, an item_id or a user id, and
// that `plaidMetrics: false` leaves no route and no subscriber.
const assert = require('node:assert/strict');
const diagnosticsChannel = require('node:diagnostics_channel');
const { startMetricsRig, stopMetricsRig, knownTraffic, fire, post, itemGet, TOKENS, HOOK, FULL_HOOK, SHORT_TIMEOUT_MS } = require('../support/metrics-rig');
const { makeKey, plaidDelivery } = require('../support/webhook-signer');
const { parseExposition, samplesOf, valueOf } = require('../support/prometheus-text');
const { channels } = require('../../dist/plaid/channels');
const { ITEM_STATUSES } = require('../../dist/plaid/store/record');

const PREFIX = 'node_red_plaid_';
const ROUTE = '/plaid-items/metrics';

describe('Prometheus exporter: GET /plaid-items/metrics', function () {
  this.timeout(60000);
  let rig;
  let expected;

  before(async () => {
    rig = await startMetricsRig();
    expected = await knownTraffic(rig);
  });

  after(stopMetricsRig);

  /** What a scrape taken after `act` counts more than one taken before it. */
  async function countedBy(act) {
    const before = parseExposition(await rig.scrape());
    await act();
    const after = parseExposition(await rig.scrape());
    return (name, labels) => (samplesOf(after, name, labels)[0]?.value ?? 0) - (samplesOf(before, name, labels)[0]?.value ?? 0);
  }

  describe('permission plaid-items.read', () => {
    it('401 without a token or with an unknown one, 401 for a token without the permission', async () => {
      assert.equal((await rig.get(ROUTE)).status, 401);
      assert.equal((await rig.get(ROUTE, 'not-a-token')).status, 401);
      assert.equal((await rig.get(ROUTE, TOKENS.outsider)).status, 401);
      // The outsider is a real user: the permission it has works.
      assert.equal((await rig.get('/flows', TOKENS.outsider)).status, 200);
      assert.equal((await rig.get('/flows', TOKENS.scraper)).status, 401);
    });

    it('200 in Prometheus\' text format for the scraper (plaid-items.read alone) and for a `read` user, never cached', async () => {
      for (const token of [TOKENS.scraper, TOKENS.reader]) {
        const { status, headers, text } = await rig.get(ROUTE, token);
        assert.equal(status, 200);
        assert.equal(headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
        assert.equal(headers.get('cache-control'), 'no-store');
        assert.match(text, /^# HELP node_red_plaid_/m);
      }
    });
  });

  describe('the known traffic, counted exactly', () => {
    let metrics;
    before(async () => {
      metrics = parseExposition(await rig.scrape());
    });

    it('webhook deliveries by node, webhook_type, webhook_code and outcome', () => {
      const name = `${PREFIX}webhook_deliveries_total`;
      for (const { count, ...labels } of expected.deliveries) assert.equal(valueOf(metrics, name, { node: 'hook-main', ...labels }), count, JSON.stringify(labels));
      assert.equal(samplesOf(metrics, name).length, expected.deliveries.length, 'no other series');
    });

    it('rejections by node, reason and HTTP status', () => {
      const name = `${PREFIX}webhook_rejections_total`;
      for (const { count, ...labels } of expected.rejections) assert.equal(valueOf(metrics, name, { node: 'hook-main', ...labels }), count, JSON.stringify(labels));
      assert.equal(samplesOf(metrics, name, { node: 'hook-main' }).length, expected.rejections.length, 'no other series');
    });

    it('verification-key fetches by result', () => {
      assert.deepEqual(samplesOf(metrics, `${PREFIX}webhook_key_fetches_total`).map((s) => [s.labels.result, s.value]), Object.entries(expected.keyFetches));
    });

    it('Plaid calls by endpoint and outcome, retries, and an attempt-latency histogram per endpoint', () => {
      const calls = `${PREFIX}api_calls_total`;
      for (const { count, ...labels } of expected.apiCalls) assert.equal(valueOf(metrics, calls, labels), count, JSON.stringify(labels));
      assert.equal(samplesOf(metrics, calls).length, expected.apiCalls.length, 'no other series');
      for (const [endpoint, count] of Object.entries(expected.retries)) assert.equal(valueOf(metrics, `${PREFIX}api_retries_total`, { endpoint }), count);
      const histogram = `${PREFIX}api_attempt_duration_seconds`;
      for (const [endpoint, count] of Object.entries(expected.attempts)) {
        assert.equal(valueOf(metrics, `${histogram}_count`, { endpoint }), count, endpoint);
        assert.equal(valueOf(metrics, `${histogram}_bucket`, { endpoint, le: '+Inf' }), count);
        assert.ok(valueOf(metrics, `${histogram}_sum`, { endpoint }) > 0);
        const buckets = samplesOf(metrics, `${histogram}_bucket`, { endpoint }).map((s) => s.value);
        assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b), 'buckets are cumulative');
      }
    });

    it('Items by store and status (every status, zeros included), Items needing action, and which stores are up', () => {
      for (const status of ITEM_STATUSES) {
        assert.equal(valueOf(metrics, `${PREFIX}items`, { store: 'store-main', status }), expected.statuses[status], status);
      }
      assert.equal(valueOf(metrics, `${PREFIX}items_needing_action`, { store: 'store-main' }), expected.needingAction);
      assert.equal(valueOf(metrics, `${PREFIX}store_up`, { store: 'store-main' }), 1);
      assert.equal(valueOf(metrics, `${PREFIX}store_up`, { store: 'store-full' }), 1);
      // The store without a directory never opened: up 0, and no Item counts (unknown is not zero).
      assert.equal(valueOf(metrics, `${PREFIX}store_up`, { store: 'store-broken' }), 0);
      assert.deepEqual(samplesOf(metrics, `${PREFIX}items`, { store: 'store-broken' }), []);
      assert.equal(valueOf(metrics, `${PREFIX}store_info`, { store: 'store-main', name: 'Main store' }), 1);
      assert.ok(valueOf(metrics, `${PREFIX}store_operation_failures_total`, { store: 'store-broken', operation: 'open' }) >= 1);
    });

    it('reads the stores again at each scrape: a status change shows at the next one', async () => {
      await rig.store('store-main').markRemoved(expected.items[5]);
      const next = parseExposition(await rig.scrape());
      assert.equal(valueOf(next, `${PREFIX}items`, { store: 'store-main', status: 'removed' }), 1);
      assert.equal(valueOf(next, `${PREFIX}items`, { store: 'store-main', status: 'healthy' }), expected.statuses.healthy - 1);
    });

    it('every metric is named with the package prefix, has a help text and a type', () => {
      assert.ok(metrics.families.size >= 15, `${metrics.families.size} families`);
      for (const [name, family] of metrics.families) {
        assert.ok(name.startsWith(PREFIX), name);
        assert.ok(family.help.length > 10, `${name} has a help text`);
        assert.match(family.type, /^(counter|gauge|histogram)$/, name);
      }
      for (const sample of metrics.samples) assert.ok(sample.name.startsWith(PREFIX), sample.name);
    });
  });

  describe('an Item store whose disk fills up', () => {
    it('counts each failed write by store and operation, and each delivery it refused as store_unavailable 503', async () => {
      const full = rig.store('store-full');
      const items = [];
      for (let i = 0; i < 10; i++) {
        const created = rig.emulator.createItem({ webhook: rig.url + FULL_HOOK });
        await full.save({ item_id: created.item_id, access_token: created.access_token });
        items.push(created.item_id);
      }
      require('../store/support/store-files').fillDisk(rig.smallDisk);
      const answers = [];
      for (const itemId of items) {
        answers.push(await fire(rig, itemId, 'ERROR'));
        if (answers.at(-1) === 503) break;
      }
      const refused = answers.filter((status) => status === 503).length;
      assert.equal(refused, 1, `a delivery was refused once the disk was full (answers: ${answers.join(', ')})`);
      const metrics = parseExposition(await rig.scrape());
      assert.equal(valueOf(metrics, `${PREFIX}store_operation_failures_total`, { store: 'store-full', operation: 'record_webhook' }), refused);
      assert.deepEqual(samplesOf(metrics, `${PREFIX}store_operation_failures_total`, { store: 'store-full' }).length, 1);
      assert.equal(valueOf(metrics, `${PREFIX}webhook_rejections_total`, { node: 'hook-full', reason: 'store_unavailable', status: '503' }), refused);
      const emitted = samplesOf(metrics, `${PREFIX}webhook_deliveries_total`, { node: 'hook-full' }).reduce((sum, s) => sum + s.value, 0);
      assert.equal(emitted, answers.length - refused, 'the deliveries before the disk was full were emitted');
    });
  });

  describe('failures on the way to Plaid, counted by what they were', () => {
    const body = (kid) => ({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: expected.items[0], environment: 'sandbox', kid });

    it('a key id Plaid does not know: the fetch rejected, the delivery refused as unknown_key 401', async () => {
      const delivery = plaidDelivery(body('no-such-kid'), makeKey('no-such-kid'));
      const more = await countedBy(async () => assert.equal(await post(rig, HOOK, delivery.raw, delivery.headers), 401));
      assert.equal(more(`${PREFIX}webhook_key_fetches_total`, { result: 'rejected' }), 1);
      assert.equal(more(`${PREFIX}webhook_key_fetches_total`, { result: 'ok' }), 0);
      assert.equal(more(`${PREFIX}webhook_rejections_total`, { node: 'hook-main', reason: 'unknown_key', status: '401' }), 1);
      assert.equal(more(`${PREFIX}api_calls_total`, { endpoint: 'webhook_verification_key/get', outcome: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', error_type: 'INVALID_INPUT' }), 1);
    });

    it('Plaid failing to give a key: the fetch failed, the delivery refused as key_unavailable 503', async () => {
      const delivery = plaidDelivery(body('another-kid'), makeKey('another-kid'));
      rig.emulator.setFaults({ serverError: 1, paths: ['/webhook_verification_key/get'] });
      let more;
      try {
        more = await countedBy(async () => assert.equal(await post(rig, HOOK, delivery.raw, delivery.headers), 503));
      } finally {
        rig.emulator.setFaults({});
      }
      assert.equal(more(`${PREFIX}webhook_key_fetches_total`, { result: 'failed' }), 1);
      assert.equal(more(`${PREFIX}webhook_rejections_total`, { node: 'hook-main', reason: 'key_unavailable', status: '503' }), 1);
      assert.equal(more(`${PREFIX}api_calls_total`, { endpoint: 'webhook_verification_key/get', outcome: 'INTERNAL_SERVER_ERROR', error_type: 'API_ERROR' }), 1);
    });

    it('a call whose answer takes longer than the config\'s timeout counts as timeout, one that finds no server as network', async () => {
      const itemId = expected.items[3];
      // Every item/get held ten times the short timeout: the attempt gives up first.
      rig.emulator.setFaults({ delay: 1, delayMs: SHORT_TIMEOUT_MS * 10, paths: ['/item/get'] });
      let more;
      try {
        more = await countedBy(async () => {
          assert.equal(await itemGet(rig, itemId, 'timeout'), 502);
          assert.equal(await itemGet(rig, itemId, 'unreachable'), 502);
        });
      } finally {
        rig.emulator.setFaults({});
      }
      const calls = `${PREFIX}api_calls_total`;
      assert.equal(more(calls, { endpoint: 'item/get', outcome: 'timeout', error_type: '' }), 1);
      assert.equal(more(calls, { endpoint: 'item/get', outcome: 'network', error_type: '' }), 1);
      assert.equal(more(calls, { endpoint: 'item/get', outcome: 'ok', error_type: '' }), 0);
      // Each one attempt (their configs retry none), each in the latency histogram.
      assert.equal(more(`${PREFIX}api_retries_total`, { endpoint: 'item/get' }), 0);
      assert.equal(more(`${PREFIX}api_attempt_duration_seconds_count`, { endpoint: 'item/get' }), 2);
    });
  });

  describe('reconcile sweeps and repair cases, as their nodes publish them', () => {
    it('counts sweeps by result with their Items checked, changes and 429s, the last complete one\'s end, the period seen, incomplete ones in a row, and repair steps', async () => {
      const startedAt = Date.now() / 1000;
      const more = await countedBy(() => {
        channels.reconcileSweepEnded.publish({ store: 'store-main', completed: true, checked: 40, changed: 3, rateLimited: 2 });
        channels.reconcileSweepEnded.publish({ store: 'store-main', completed: false, checked: 5, changed: 0, rateLimited: 7 });
        for (const step of /** @type {const} */ (['opened', 'opened', 'notice', 'notice', 'reminder', 'fixed', 'closed_unrepaired'])) {
          channels.repairCaseStep.publish({ store: 'store-main', step });
        }
      });
      const store = { store: 'store-main' };
      assert.equal(more(`${PREFIX}reconcile_sweeps_total`, { ...store, result: 'completed' }), 1);
      assert.equal(more(`${PREFIX}reconcile_sweeps_total`, { ...store, result: 'incomplete' }), 1);
      assert.equal(more(`${PREFIX}reconcile_items_checked_total`, store), 45);
      assert.equal(more(`${PREFIX}reconcile_changes_total`, store), 3);
      assert.equal(more(`${PREFIX}reconcile_rate_limited_total`, store), 9);
      const afterSweeps = parseExposition(await rig.scrape());
      const lastCompleted = valueOf(afterSweeps, `${PREFIX}reconcile_last_completed_timestamp_seconds`, store);
      assert.ok(lastCompleted >= startedAt && lastCompleted <= Date.now() / 1000, `${lastCompleted}`);
      // The two sweeps ended one right after the other: that is the period seen.
      const interval = valueOf(afterSweeps, `${PREFIX}reconcile_interval_seconds`, store);
      assert.ok(interval >= 0 && interval <= Date.now() / 1000 - startedAt, `${interval}`);
      assert.equal(valueOf(afterSweeps, `${PREFIX}reconcile_incomplete_in_a_row`, store), 1);
      channels.reconcileSweepEnded.publish({ store: 'store-main', completed: false, checked: 0, changed: 0, rateLimited: 0 });
      assert.equal(valueOf(parseExposition(await rig.scrape()), `${PREFIX}reconcile_incomplete_in_a_row`, store), 2);
      channels.reconcileSweepEnded.publish({ store: 'store-main', completed: true, checked: 45, changed: 0, rateLimited: 0 });
      assert.equal(valueOf(parseExposition(await rig.scrape()), `${PREFIX}reconcile_incomplete_in_a_row`, store), 0);
      const steps = { opened: 2, notice: 2, reminder: 1, fixed: 1, closed_unrepaired: 1 };
      for (const [step, count] of Object.entries(steps)) assert.equal(more(`${PREFIX}repair_steps_total`, { ...store, step }), count, step);
    });
  });

  describe('after all of the above', () => {
    it('no answer held an access token, an item_id, a client_user_id or a secret', () => {
      assert.ok(rig.answers.length >= 10, `${rig.answers.length} answers`);
      const secrets = [...expected.accessTokens, ...expected.items, ...expected.clientUserIds, rig.emulator.secret, 'access-sandbox-', 'link-sandbox-'];
      for (const { path, text } of rig.answers) {
        for (const secret of secrets) assert.equal(text.includes(secret), false, `${path} holds ${secret}`);
      }
    });
  });
});

describe('Prometheus exporter turned off (plaidMetrics: false)', function () {
  this.timeout(60000);
  let rig;

  before(async () => {
    rig = await startMetricsRig({ settings: { plaidMetrics: false } });
  });

  after(stopMetricsRig);

  it('has no route, and nothing subscribes to the core\'s events: publishing them costs nothing', async () => {
    assert.equal((await rig.get(ROUTE, TOKENS.scraper)).status, 404);
    for (const channel of Object.values(channels)) assert.equal(diagnosticsChannel.hasSubscribers(channel.name), false, channel.name);
    // And the flows work as before: a webhook is delivered.
    const created = rig.emulator.createItem({ webhook: `${rig.url}/plaid/webhook` });
    await rig.store('store-main').save({ item_id: created.item_id, access_token: created.access_token });
    assert.equal(await fire(rig, created.item_id, 'ERROR'), 200);
  });
});
