'use strict';
// plaid-items-reconcile wired into plaid-item-repair, both real nodes in one Node-RED runtime on a real SQLite store,
// with the emulator as Plaid over loopback and no webhook ever sent: a sweep finds a login broken silently and the
// repair node opens a case with a Hosted Link; the login repaired at Plaid, again silently, the next sweep closes it
// as fixed by the reconcile; a third sweep finds nothing and the repair node sends nothing.
const assert = require('node:assert/strict');
const { start: startEmulator } = require('../../dist/emulator');
const repairModule = require('../../dist/nodes/plaid-item-repair.js');
const { REPAIR_OUTPUTS } = require('../../dist/plaid/repair/outputs');
const { call } = require('../emulator/helpers');
const { DEFAULT_REPAIR } = require('../support/repair-rig');
const { until } = require('../support/until');
const { deployReconcile, helper } = require('./support/rig');
const files = require('../store/support/store-files');

/** The emulator's control API (src/emulator/control/routes.ts); its answer, which must be a 200. */
async function control(emulator, name, body) {
  const answer = await call(emulator, `/emulator/${name}`, body, { auth: false });
  assert.equal(answer.status, 200, `${name}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

describe('plaid-items-reconcile into plaid-item-repair: a repair loop driven by sweeps alone', function () {
  this.timeout(60000);
  let emulator;

  before(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  after(() => emulator.stop());
  afterEach(async () => {
    await helper.unload();
    await files.cleanup();
  });

  it('a sweep that finds a login broken opens a case (notify), the next one after its silent repair closes it (fixed by reconcile), a third sends nothing', async () => {
    const red = await deployReconcile(emulator, {
      // Output 1 (the changes) into the repair node, as a flow wires it; output 2 (sweep done) to the rig as before.
      reconcile: { wires: [['rec-changed', 'repair'], ['rec-done']] },
      // Reminders a day away and links that live an hour: none falls due, none expires while the test runs.
      nodes: [
        { id: 'repair', type: 'plaid-item-repair', plaid: 'cfg', store: 'store', ...DEFAULT_REPAIR, reminders: '1d', url_lifetime_seconds: '3600', wires: REPAIR_OUTPUTS.map((o) => [`repair-${o}`]) },
        ...REPAIR_OUTPUTS.map((o) => ({ id: `repair-${o}`, type: 'helper', wires: [] })),
      ],
      modules: [repairModule],
    });
    /** @type {Array<{output: string, msg: any}>} */
    const sent = [];
    for (const output of REPAIR_OUTPUTS) red.node(`repair-${output}`).on('input', (msg) => sent.push({ output, msg }));

    const item = emulator.createItem();
    await red.store.save({ item_id: item.item_id, access_token: item.access_token, client_user_id: 'user-7', institution_id: 'ins_109508' });

    // 1. The login breaks at Plaid and its ERROR webhook never comes; the sweep finds it.
    await control(emulator, 'items/silently', { item_id: item.item_id, change: 'login_required' });
    const first = await red.sweep();
    assert.equal(first.done?.payload.changed, 1, JSON.stringify(first));
    const notice = await until('the notice', () => sent.find((s) => s.output === 'notify'));
    assert.deepEqual(red.collected.changed.rec.map((m) => [m.plaid.item_id, m.plaid.source, m.payload.webhook_code]), [[item.item_id, 'reconcile', 'ERROR']]);
    const { hosted_link_url: url, link_expiration: expiration, ...repair } = notice.msg.repair;
    assert.deepEqual(repair, { item_id: item.item_id, client_user_id: 'user-7', institution_id: 'ins_109508', reason: 'ITEM_LOGIN_REQUIRED', deadline: null, reminder: 0 });
    assert.ok(url.startsWith(emulator.url), url);
    assert.equal((await fetch(url)).status, 200, 'the Hosted Link page opens');
    assert.ok(Date.parse(expiration) > Date.now(), expiration);
    const opened = await red.store.repairCase(item.item_id);
    assert.deepEqual([opened.owner, opened.reason, opened.closed_at, opened.reminders_sent], ['repair', 'ITEM_LOGIN_REQUIRED', null, 0]);
    assert.ok(opened.link_token && opened.notified_at && opened.next_due, JSON.stringify(opened));

    // 2. The login repaired at Plaid; the Item has no webhook, so no LOGIN_REPAIRED reaches Node-RED. The sweep finds it.
    await control(emulator, 'items/repair', { item_id: item.item_id });
    assert.equal(emulator.deliveries.length, 0, 'no webhook was sent');
    const second = await red.sweep();
    assert.equal(second.done?.payload.changed, 1, JSON.stringify(second));
    const fixed = await until('the case fixed', () => sent.find((s) => s.output === 'fixed'));
    assert.deepEqual(fixed.msg.repair, { item_id: item.item_id, client_user_id: 'user-7', institution_id: 'ins_109508', reason: 'ITEM_LOGIN_REQUIRED', deadline: null, reminder: 0, closed_by: 'reconcile' });
    const closed = await red.store.repairCase(item.item_id);
    assert.deepEqual([closed.case_id, closed.closed_by, closed.next_due], [opened.case_id, 'reconcile', null]);
    assert.ok(closed.closed_at, JSON.stringify(closed));
    assert.equal((await red.store.get(item.item_id)).status, 'healthy');

    // 3. Nothing changed: the sweep ends (the positive signal) having sent no change, and the repair node nothing.
    const third = await red.sweep();
    assert.equal(third.done?.payload.changed, 0, JSON.stringify(third));
    assert.deepEqual(sent.map((s) => s.output), ['notify', 'fixed']);
    assert.deepEqual(red.collected.caught, []);
    assert.deepEqual(await red.store.repairCase(item.item_id), closed);
  });
});
