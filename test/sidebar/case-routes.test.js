'use strict';
// The Plaid Items sidebar's repair cases route in a real Node-RED (the embedded launcher) with adminAuth on and a real
// SQLite store: a store's open cases, soonest due first, with the Item's user; behind plaid-items.read; a comms
// notice when a case changes; never a token or a link.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const embedded = require('../../scripts/lib/embedded-node-red');
const { connectComms } = require('../support/comms');
const { until } = require('../support/until');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const { openedCase, withStepSent, closedCase } = require('../../dist/plaid/repair/case-steps');

const bcrypt = require(require.resolve('bcryptjs', { paths: [path.dirname(require.resolve('@node-red/editor-api/package.json'))] }));

const PASSWORD = 'correct horse battery staple';
const TAB = 'cases-tab';
const HOUR = 3_600_000;
const TOKEN = 'access-sandbox-0f9e8d7c-6b5a-4321-9fed-cba987654321';
const LINK_TOKEN = 'link-sandbox-5f0b2c1e-9d3a-4e7f-8a6b-1c2d3e4f5a6b';

describe('Plaid Items sidebar: repair cases route', function () {
  this.timeout(30000);
  let red;
  let userDir;
  const tokens = {};

  async function get(urlPath, accessToken) {
    const res = await fetch(`${red.url}${urlPath}`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });
    const text = await res.text();
    return { status: res.status, text, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  }

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-case-routes-'));
    const hash = bcrypt.hashSync(PASSWORD, 8);
    red = await embedded.startNodeRed({
      userDir,
      settings: { adminAuth: { type: 'credentials', users: [{ username: 'operator', permissions: 'read', password: hash }, { username: 'viewer', permissions: ['flows.read', 'status.read'], password: hash }] } },
      beforeStart: () => embedded.writeFlows(userDir, [
        { id: TAB, type: 'tab', label: 'cases' },
        { id: 'store-main', type: 'plaid-item-store', name: 'Main store', backend: 'sqlite', file: 'cases.db' },
        { id: 'list', type: 'plaid-items', z: TAB, name: '', operation: 'list', store: 'store-main', item_id: 'item_id', item_idType: 'msg', statuses: '', x: 200, y: 80, wires: [[]] },
      ], { 'store-main': { encryptionKey: generateStoreKey() } }),
    });
    for (const username of ['operator', 'viewer']) {
      const res = await fetch(`${red.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '', username, password: PASSWORD }),
      });
      tokens[username] = (await res.json()).access_token;
    }
    await (await until('the store to start', () => red.RED.nodes.getNode('store-main'), 10000)).ready;
  });

  after(async () => {
    await red?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  const store = () => red.RED.nodes.getNode('store-main').itemStore;

  it('answers a store\'s open cases, soonest due first, with since when, why, the reminders and the next due; never a token or a link', async () => {
    const now = Date.now();
    const open = (itemId, reason, at, deadline = null) => openedCase({ case_id: `case-${itemId}`, item_id: itemId, owner: 'repair-node', reason, deadline, reminder_delays_ms: [24 * HOUR, 72 * HOUR] }, at);
    for (const [itemId, user] of [['item-a', 'user-ada'], ['item-b', 'user-bob'], ['item-c', 'user-cy']]) {
      await store().save({ item_id: itemId, access_token: TOKEN, client_user_id: user });
    }
    await store().setLinkToken('item-a', LINK_TOKEN, new Date(now + HOUR).toISOString());
    const sent = withStepSent(open('item-a', 'ITEM_LOGIN_REQUIRED', now - 2 * HOUR), { kind: 'notice', label: 'notice' }, { link_token: LINK_TOKEN, expiration: null }, now - 2 * HOUR);
    await store().updateRepairCase('item-a', () => sent);
    const deadline = new Date(now + 3 * HOUR).toISOString();
    await store().updateRepairCase('item-b', () => open('item-b', 'PENDING_DISCONNECT', now, deadline));
    await store().updateRepairCase('item-c', () => closedCase(open('item-c', 'ITEM_LOGIN_REQUIRED', now), 'revoked', now));

    assert.equal((await get('/plaid-items/stores/store-main/cases')).status, 401);
    assert.equal((await get('/plaid-items/stores/store-main/cases', tokens.viewer)).status, 401);
    assert.equal((await get('/plaid-items/stores/store-nope/cases', tokens.operator)).status, 404);
    const { status, body, text } = await get('/plaid-items/stores/store-main/cases', tokens.operator);
    assert.equal(status, 200);
    assert.deepEqual(body.store, { id: 'store-main', name: 'Main store' });
    assert.deepEqual(body.cases.map((c) => [c.item_id, c.client_user_id, c.reason, c.reminders_sent, c.reminders_planned]), [
      ['item-b', 'user-bob', 'PENDING_DISCONNECT', 0, 2], // its notice is due now (within a minute)
      ['item-a', 'user-ada', 'ITEM_LOGIN_REQUIRED', 0, 2],
    ]);
    assert.deepEqual(Object.keys(body.cases[0]).sort(), ['client_user_id', 'deadline', 'failures', 'item_id', 'next_due', 'notified_at', 'opened_at', 'owner', 'reason', 'reminders_planned', 'reminders_sent']);
    assert.equal(body.cases[0].deadline, deadline);
    assert.equal(body.cases[1].next_due, new Date(now - 2 * HOUR + 24 * HOUR).toISOString());
    assert.equal(text.includes('link-sandbox'), false, 'no link token');
    assert.equal(text.includes('access-sandbox'), false, 'no access token');
  });

  it('announces a changed case on the store\'s comms topic, with no case data', async () => {
    const comms = await connectComms(red.url, { accessToken: tokens.operator, topics: ['plaid-items/#'] });
    try {
      await store().updateRepairCase('item-b', (c) => c && closedCase(c, 'deadline', Date.now()));
      const notice = await until('a cases notice', () => comms.messages.find((m) => m.topic === 'plaid-items/store-main' && m.data.change === 'cases'));
      assert.deepEqual(Object.keys(notice.data).sort(), ['at', 'change']);
    } finally {
      comms.close();
    }
  });
});
