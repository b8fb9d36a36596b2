'use strict';
// The exporter fed by the package's own nodes, end to end, in a real Node-RED with adminAuth (test/support/
// metrics-rig.js) and the emulator as Plaid: plaid-items-reconcile's sweeps (completed, stopped, one Item only),
// the age of the oldest check, plaid-item-repair's case steps and open cases, and a replay through the Admin API,
// each read from GET /plaid-items/metrics.
const assert = require('node:assert/strict');
const path = require('node:path');
const { isDeepStrictEqual } = require('node:util');
const { DatabaseSync } = require('node:sqlite');
const { startMetricsRig, stopMetricsRig, fire, TOKENS } = require('../support/metrics-rig');
const { parseExposition, samplesOf, valueOf } = require('../support/prometheus-text');
const { REPAIR_OUTPUTS } = require('../../dist/plaid/repair/outputs');
const { until } = require('../support/until');

const PREFIX = 'node_red_plaid_';
const DAY_MS = 24 * 60 * 60 * 1000;
const STORE = { store: 'store-main' };
const REPAIR_HOOK = '/plaid/webhook-repair';
const LOGGED_HOOK = '/plaid/webhook-logged';
/** What the repair node sent, by output: copied out of the function nodes behind it. */
const sent = Object.fromEntries(REPAIR_OUTPUTS.map((output) => [output, []]));
const recorder = { record: (output, msg) => sent[output].push({ item_id: msg.repair.item_id, hosted_link_url: msg.repair.hosted_link_url }) };

/** Each node's HTTP route: a POST runs it, its answer (or its error, 502) is the response. */
const route = (id, url, target) => ({ id, type: 'http in', name: '', url, method: 'post', upload: false, swaggerDoc: '', wires: [[target]] });

function wiringNodes(emulator) {
  return [
    { id: 'cfg-bad-keys', type: 'plaid-config', name: 'wrong keys', environment: 'custom', baseUrl: emulator.url, timeout: '5000', retries: '0' },
    route('reconcile-in', '/call/reconcile', 'reconcile'),
    route('reconcile-one-in', '/call/reconcile-one', 'reconcile-one-id'),
    { id: 'reconcile-one-id', type: 'change', name: '', rules: [{ t: 'set', p: 'item_id', pt: 'msg', to: 'payload.item_id', tot: 'msg' }], wires: [['reconcile']] },
    { id: 'reconcile', type: 'plaid-items-reconcile', name: '', plaid: 'cfg', store: 'store-main', callsPerMinute: '5000', wires: [[], ['call-out']] },
    route('reconcile-bad-keys-in', '/call/reconcile-bad-keys', 'reconcile-bad-keys'),
    { id: 'reconcile-bad-keys', type: 'plaid-items-reconcile', name: '', plaid: 'cfg-bad-keys', store: 'store-main', callsPerMinute: '5000', wires: [[], ['call-out']] },
    { id: 'reconcile-catch', type: 'catch', name: '', scope: ['reconcile', 'reconcile-bad-keys'], uncaught: false, wires: [['call-failed']] },
    {
      id: 'hook-repair', type: 'plaid-webhook-in', name: 'repair webhooks', url: REPAIR_HOOK, plaid: 'cfg', verify: true, dedupe: true, dedupeStore: '',
      store: 'store-main', wires: Array.from({ length: 10 }, () => ['repair']),
    },
    {
      id: 'repair', type: 'plaid-item-repair', name: '', plaid: 'cfg', store: 'store-main', reminders: '1s', client_name: 'Metrics test', language: 'en',
      country_codes: 'US', url_lifetime_seconds: '60', wires: REPAIR_OUTPUTS.map((output) => [`repair-${output}`]),
    },
    ...REPAIR_OUTPUTS.map((output) => ({
      id: `repair-${output}`, type: 'function', name: output, outputs: 1, wires: [[]],
      func: `global.get('recorder').record('${output}', msg);\nreturn null;`,
    })),
    {
      id: 'hook-logged', type: 'plaid-webhook-in', name: 'logged webhooks', url: LOGGED_HOOK, plaid: 'cfg', verify: true, dedupe: true, dedupeStore: '',
      store: 'store-main', logRetentionDays: '30', wires: Array.from({ length: 10 }, () => []),
    },
  ];
}

describe('Prometheus exporter: what the package\'s nodes publish, end to end', function () {
  this.timeout(60000);
  let rig;

  before(async () => {
    rig = await startMetricsRig({
      settings: { functionGlobalContext: { recorder } },
      nodes: wiringNodes,
      credentials: { 'cfg-bad-keys': { clientId: 'not-the-client', secret: 'not-the-secret-0123' } },
    });
  });

  after(stopMetricsRig);

  const scrape = async () => parseExposition(await rig.scrape());
  /** A sample's value, 0 when the series is not there (yet). */
  const valueIn = (metrics, name, labels) => samplesOf(metrics, name, labels)[0]?.value ?? 0;

  /** What a scrape taken after `act` counts more than one taken before it. */
  async function countedBy(act) {
    const before = await scrape();
    const result = await act();
    const after = await scrape();
    return { result, after, more: (name, labels) => valueIn(after, name, labels) - valueIn(before, name, labels) };
  }

  async function call(urlPath, body = {}) {
    const res = await fetch(rig.url + urlPath, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  }

  /** An Item at the emulator sending its webhooks to `hook` (none without), and in the store. */
  async function linkItem(hook) {
    const created = rig.emulator.createItem(hook ? { webhook: rig.url + hook } : {});
    await rig.store('store-main').save({ item_id: created.item_id, access_token: created.access_token, client_user_id: 'metrics-user', institution_id: 'ins_109508' });
    return created;
  }

  describe('plaid-items-reconcile', () => {
    const SWEPT = 'store-main';
    let items;
    let createdLongAgo;

    before(async () => {
      items = [await linkItem(), await linkItem(), await linkItem()];
      // What a sweep finds: one Item's login broke at Plaid without a webhook.
      rig.emulator.changeItemSilently({ item_id: items[2].item_id, change: 'login_required' });
      // Staged in the store's file: the first Item was created three days ago and never checked; a removed one, five
      // days ago (removed Items are not checked, so not waiting for a check).
      const removed = await linkItem();
      await rig.store(SWEPT).markRemoved(removed.item_id);
      createdLongAgo = Date.now() - 3 * DAY_MS;
      const db = new DatabaseSync(path.join(rig.userDir, 'main-items.db'));
      try {
        db.exec('PRAGMA busy_timeout = 5000');
        const backdate = db.prepare("UPDATE items SET record = json_set(record, '$.created_at', ?) WHERE item_id = ?");
        backdate.run(new Date(createdLongAgo).toISOString(), items[0].item_id);
        backdate.run(new Date(createdLongAgo - 2 * DAY_MS).toISOString(), removed.item_id);
      } finally {
        db.close();
      }
    });

    it('shows the age of the oldest check: an Item never checked ages from its creation', async () => {
      const askedAt = Date.now();
      const metrics = await scrape();
      const answeredAt = Date.now();
      const age = valueOf(metrics, `${PREFIX}items_oldest_check_age_seconds`, STORE);
      assert.ok(age >= (askedAt - createdLongAgo) / 1000 && age <= (answeredAt - createdLongAgo) / 1000, `${age} s`);
    });

    it('a sweep of one Item is not a sweep of the store: nothing counted', async () => {
      const { result, more } = await countedBy(() => call('/call/reconcile-one', { item_id: items[1].item_id }));
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.equal(result.body.checked, 1);
      for (const result of ['completed', 'incomplete']) assert.equal(more(`${PREFIX}reconcile_sweeps_total`, { ...STORE, result }), 0, result);
      assert.equal(more(`${PREFIX}reconcile_items_checked_total`, STORE), 0);
    });

    it('counts a completed sweep with its summary\'s Items checked, changes and 429s; the oldest check is now from the sweep', async () => {
      const startedAt = Date.now();
      const { result, after, more } = await countedBy(() => call('/call/reconcile'));
      assert.equal(result.status, 200, JSON.stringify(result.body));
      const summary = result.body;
      assert.equal(summary.checked, 3, 'the three Items not removed');
      assert.equal(summary.changed, 1, 'the one whose login broke');
      assert.equal(more(`${PREFIX}reconcile_sweeps_total`, { ...STORE, result: 'completed' }), 1);
      assert.equal(more(`${PREFIX}reconcile_sweeps_total`, { ...STORE, result: 'incomplete' }), 0);
      assert.equal(more(`${PREFIX}reconcile_items_checked_total`, STORE), summary.checked);
      assert.equal(more(`${PREFIX}reconcile_changes_total`, STORE), summary.changed);
      assert.equal(more(`${PREFIX}reconcile_rate_limited_total`, STORE), summary.rate_limited);
      const lastCompleted = valueOf(after, `${PREFIX}reconcile_last_completed_timestamp_seconds`, STORE);
      assert.ok(lastCompleted >= startedAt / 1000 && lastCompleted <= Date.now() / 1000, `${lastCompleted}`);
      assert.equal(valueOf(after, `${PREFIX}reconcile_incomplete_in_a_row`, STORE), 0);
      // Every Item not removed was checked by this sweep: none is older than it.
      const age = valueOf(after, `${PREFIX}items_oldest_check_age_seconds`, STORE);
      assert.ok(age >= 0 && age <= (Date.now() - startedAt) / 1000, `${age} s`);
    });

    it('counts a sweep that Plaid stopped (wrong keys) as incomplete, one in a row; the next complete one resets that', async () => {
      const { result, after, more } = await countedBy(() => call('/call/reconcile-bad-keys'));
      assert.equal(result.status, 502);
      assert.match(result.body, /INVALID_API_KEYS|0 of 3 Items done/);
      assert.equal(more(`${PREFIX}reconcile_sweeps_total`, { ...STORE, result: 'incomplete' }), 1);
      assert.equal(more(`${PREFIX}reconcile_sweeps_total`, { ...STORE, result: 'completed' }), 0);
      assert.equal(more(`${PREFIX}reconcile_items_checked_total`, STORE), 0);
      assert.equal(valueOf(after, `${PREFIX}reconcile_incomplete_in_a_row`, STORE), 1);
      assert.ok(valueOf(after, `${PREFIX}reconcile_interval_seconds`, STORE) >= 0, 'the period seen between the two sweeps');
      assert.equal((await call('/call/reconcile')).status, 200);
      assert.equal(valueOf(await scrape(), `${PREFIX}reconcile_incomplete_in_a_row`, STORE), 0);
    });
  });

  describe('plaid-item-repair', () => {
    async function breakLogin(item) {
      const res = await fetch(`${rig.emulator.url}/sandbox/item/reset_login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: rig.emulator.clientId, secret: rig.emulator.secret, access_token: item.access_token }),
      });
      assert.equal(res.status, 200, await res.text());
    }
    const sentFor = (output, item) => sent[output].filter((s) => s.item_id === item.item_id);
    const first = (output, item) => until(`${output} for ${item.item_id}`, () => sentFor(output, item)[0], 15000, 20);

    it('counts each case\'s steps as the node takes them (opened, notice, reminder, fixed, closed_unrepaired) and the cases open', async () => {
      const before = await scrape();
      const [fixed, revoked, open] = [await linkItem(REPAIR_HOOK), await linkItem(REPAIR_HOOK), await linkItem(REPAIR_HOOK)];
      for (const item of [fixed, revoked, open]) await breakLogin(item);
      await Promise.all([fixed, revoked, open].map((item) => first('notify', item)));
      const whileOpen = await until('three cases open', async () => {
        const metrics = await scrape();
        return valueIn(metrics, `${PREFIX}repair_cases_open`, STORE) === 3 && metrics;
      });
      assert.equal(valueIn(whileOpen, `${PREFIX}repair_steps_total`, { ...STORE, step: 'opened' }) - valueIn(before, `${PREFIX}repair_steps_total`, { ...STORE, step: 'opened' }), 3);

      // One fixed by its user after a reminder, one closed as the user revoked the Item, one left open.
      // The reminder's link: each reminder brings a fresh one, and only the newest repairs the Item.
      const reminder = await first('remind', fixed);
      const done = await fetch(reminder.hosted_link_url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=continue', redirect: 'manual' });
      assert.ok([200, 303].includes(done.status), `Hosted Link: ${done.status}`);
      await first('fixed', fixed);
      rig.emulator.fireWebhook({ item_id: revoked.item_id, webhook_code: 'USER_PERMISSION_REVOKED' });
      await first('closed', revoked);

      // Each step is published as the node records it: the counts meet what the flow got.
      const expected = () => ({
        opened: 3,
        notice: sent.notify.length,
        reminder: sent.remind.length,
        fixed: sent.fixed.length,
        closed_unrepaired: sent.closed.length,
      });
      const counted = (metrics) => Object.fromEntries(Object.keys(expected()).map((step) => [
        step,
        valueIn(metrics, `${PREFIX}repair_steps_total`, { ...STORE, step }) - valueIn(before, `${PREFIX}repair_steps_total`, { ...STORE, step }),
      ]));
      const after = await until('the steps counted as the flow got them', async () => {
        const metrics = await scrape();
        return isDeepStrictEqual(counted(metrics), expected()) && metrics;
      });
      assert.deepEqual([sent.notify.length, sent.fixed.length, sent.closed.length], [3, 1, 1]);
      assert.ok(sent.remind.length >= 1, 'a reminder went out');
      assert.equal(valueOf(after, `${PREFIX}repair_cases_open`, STORE), 1, 'the case left open');
      assert.equal((await rig.store('store-main').repairCases({ open: true })).length, 1);
    });
  });

  describe('a replay through the Admin API', () => {
    it('counts each delivery emitted again as replayed, by the node that emits it; the same replay again counts nothing', async () => {
      const item = await linkItem(LOGGED_HOOK);
      assert.equal(await fire(rig, item.item_id, 'ERROR'), 200);
      assert.equal(await fire(rig, item.item_id, 'NEW_ACCOUNTS_AVAILABLE'), 200);
      const replay = async () => {
        const res = await fetch(`${rig.url}/plaid-items/stores/store-main/deliveries/replay`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'application/json' },
          body: JSON.stringify({ item_id: item.item_id, replay_id: 'metrics-replay' }),
        });
        assert.equal(res.status, 200);
        return res.json();
      };
      const hook = { node: 'hook-logged', webhook_type: 'ITEM' };
      const deliveries = `${PREFIX}webhook_deliveries_total`;
      const { result, more } = await countedBy(replay);
      assert.equal(result.replayed, 2, JSON.stringify(result));
      assert.equal(more(deliveries, { ...hook, webhook_code: 'ERROR', outcome: 'replayed' }), 1);
      assert.equal(more(deliveries, { ...hook, webhook_code: 'NEW_ACCOUNTS_AVAILABLE', outcome: 'replayed' }), 1);
      assert.equal(more(deliveries, { ...hook, webhook_code: 'ERROR', outcome: 'emitted' }), 0);
      const again = await countedBy(replay);
      assert.equal(again.result.replayed, 0);
      assert.equal(again.more(deliveries, { ...hook, webhook_code: 'ERROR', outcome: 'replayed' }), 0);
    });
  });
});
