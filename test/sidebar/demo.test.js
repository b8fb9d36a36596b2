'use strict';
// The Plaid Items sidebar on the `npm start` demo, as a person meets it: a few of the demo's buttons clicked, then
// the sidebar's routes list the demo's store with those Items, their statuses and history, and its comms notices
// came for each change.
const assert = require('node:assert/strict');
const { connectComms } = require('../support/comms');
const { until, json, startLauncher, inject } = require('../e2e/support');

describe('Plaid Items sidebar on the npm start demo', function () {
  this.timeout(120000);
  let launcher;
  let comms;
  let store;
  let flows;
  const answers = [];

  /** A button of the demo tab, by its label. */
  const button = (name) => {
    const node = flows.find((n) => n.type === 'inject' && n.name === name);
    if (!node) throw new Error(`the demo has no button "${name}"`);
    return node.id;
  };

  async function read(path) {
    const res = await fetch(`${launcher.editor}${path}`);
    const text = await res.text();
    answers.push(text);
    assert.equal(res.status, 200, `${path}: ${text}`);
    return JSON.parse(text);
  }
  const items = async () => (await read(`/plaid-items/stores/${store}/items`)).items;

  before(async () => {
    launcher = await startLauncher();
    comms = await connectComms(launcher.editor, { topics: ['plaid-items/#'] });
    flows = (await json(`${launcher.editor}/flows`)).body;
    const stores = flows.filter((n) => n.type === 'plaid-item-store');
    assert.equal(stores.length, 1, 'the demo has one Item store');
    store = stores[0].id;
    // The launcher is up once Node-RED listens; its flows, the store among them, start right after.
    await until('the demo store to be running', async () => (await read('/plaid-items/stores')).stores.length > 0, 15000);
  });

  after(async () => {
    comms?.close();
    await launcher?.stop();
  });

  it('lists the demo store, empty, before any click', async () => {
    const { stores } = await read('/plaid-items/stores');
    assert.deepEqual(stores.map((s) => [s.id, s.problem, s.total]), [[store, null, 0]]);
  });

  it('after a few clicks shows the Items, the broken ones first, and their history', async () => {
    await inject(launcher.editor, button('Link a new sandbox Item'));
    await until('a healthy Item', async () => (await items()).some((i) => i.status === 'healthy'));
    await inject(launcher.editor, button('Break the login of a new Item'));
    await until('an Item needing login', async () => (await items())[0]?.status === 'login_required');
    await inject(launcher.editor, button('Warn of a disconnect'));
    await until('an Item pending disconnect', async () => (await items()).some((i) => i.status === 'pending_disconnect'));
    // The buttons above took the healthy Item they found: one more, to have every kind.
    await inject(launcher.editor, button('Link a new sandbox Item'));
    await until('a healthy Item again', async () => (await items()).some((i) => i.status === 'healthy'));

    const shown = await items();
    assert.equal(shown[0].status, 'login_required', 'needs action first');
    assert.equal(shown[0].error_code, 'ITEM_LOGIN_REQUIRED');
    assert.equal(shown[shown.length - 1].status, 'healthy', 'healthy last');
    const { stores } = await read('/plaid-items/stores');
    const counts = stores[0].counts;
    assert.ok(counts.healthy >= 1 && counts.login_required >= 1 && counts.pending_disconnect >= 1, JSON.stringify(counts));
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), stores[0].total);

    const { history } = await read(`/plaid-items/stores/${store}/items/${encodeURIComponent(shown[0].item_id)}/history`);
    assert.ok(history.some((e) => e.webhook_type === 'ITEM' && e.webhook_code === 'ERROR' && e.error_code === 'ITEM_LOGIN_REQUIRED'), JSON.stringify(history));
  });

  it('announced each change on the store topic, and no answer held a token', async () => {
    assert.ok(comms.messages.filter((m) => m.topic === `plaid-items/${store}` && m.data.change === 'items').length >= 3);
    for (const text of [...answers, JSON.stringify(comms.messages.filter((m) => m.topic.startsWith('plaid-items/')))]) {
      assert.equal(text.includes('access-sandbox-'), false);
      assert.equal(text.includes('link-sandbox-'), false);
    }
  });
});
