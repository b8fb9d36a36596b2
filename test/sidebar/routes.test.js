'use strict';
// The Plaid Items sidebar's Admin API in a real Node-RED (the embedded launcher) with adminAuth on, two real
// SQLite-backed plaid-item-store nodes and one without a key: what each route answers, its filters and order, who is
// refused, the comms notices, and that no answer's raw bytes hold a token or the store's key.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const embedded = require('../../scripts/lib/embedded-node-red');
const { connectComms } = require('../support/comms');
const { until } = require('../support/until');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const { ITEM_STATUSES } = require('../../dist/plaid/store/record');

const bcrypt = require(require.resolve('bcryptjs', { paths: [path.dirname(require.resolve('@node-red/editor-api/package.json'))] }));

const PASSWORD = 'correct horse battery staple';
const USERS = [
  // Node-RED's read-only user: `read` is every *.read permission, plaid-items.read included.
  { username: 'operator', permissions: 'read' },
  // Given this one permission alone (and status.read, which the editor's comms need).
  { username: 'auditor', permissions: ['status.read', 'plaid-items.read'] },
  // An editor user whose permissions were narrowed to leave the Items out.
  { username: 'viewer', permissions: ['flows.read', 'nodes.read', 'plugins.read', 'settings.read', 'status.read'] },
];
const TAB = 'sidebar-tab';
const KEY = generateStoreKey();
const OTHER_KEY = generateStoreKey();

const token = (itemId) => `access-sandbox-${itemId}-0f9e8d7c-6b5a-4321-9fed-cba987654321`;
const LINK_TOKEN = 'link-sandbox-5f0b2c1e-9d3a-4e7f-8a6b-1c2d3e4f5a6b';

function flows() {
  return [
    { id: TAB, type: 'tab', label: 'Items' },
    { id: 'store-main', type: 'plaid-item-store', name: 'Main store', backend: 'sqlite', file: 'main-items.db' },
    { id: 'store-other', type: 'plaid-item-store', name: 'Other store', backend: 'sqlite', file: 'other-items.db' },
    { id: 'store-keyless', type: 'plaid-item-store', name: 'Keyless store', backend: 'sqlite', file: 'keyless-items.db' },
    // A node using each store, so Node-RED starts them (an unused config node is started too, but this is the usual shape).
    { id: 'list-main', type: 'plaid-items', z: TAB, name: '', operation: 'list', store: 'store-main', item_id: 'item_id', item_idType: 'msg', statuses: '', x: 200, y: 80, wires: [[]] },
    { id: 'list-other', type: 'plaid-items', z: TAB, name: '', operation: 'list', store: 'store-other', item_id: 'item_id', item_idType: 'msg', statuses: '', x: 200, y: 140, wires: [[]] },
  ];
}

/** Every answer's raw bytes, to prove none carries a token or a key. */
const answers = [];

describe('Plaid Items sidebar: Admin API', function () {
  this.timeout(30000);
  let red;
  let userDir;
  let base;
  let tokens;
  /** When item-healthy-1 was checked by a reconcile. */
  let checkedAt;

  async function request(urlPath, accessToken) {
    const res = await fetch(`${base}${urlPath}`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });
    const bytes = Buffer.from(await res.arrayBuffer());
    answers.push({ path: urlPath, bytes });
    const type = res.headers.get('content-type') || '';
    return { status: res.status, headers: res.headers, body: type.includes('json') && bytes.length ? JSON.parse(bytes.toString('utf8')) : bytes.toString('utf8') };
  }
  const asOperator = (urlPath) => request(urlPath, tokens.operator);

  async function login(username) {
    const res = await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '', username, password: PASSWORD }),
    });
    assert.equal(res.status, 200, `${username} logs in`);
    return (await res.json()).access_token;
  }

  const store = (id) => red.RED.nodes.getNode(id).itemStore;

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-sidebar-'));
    const hash = bcrypt.hashSync(PASSWORD, 8);
    red = await embedded.startNodeRed({
      userDir,
      settings: { adminAuth: { type: 'credentials', users: USERS.map((u) => ({ ...u, password: hash })) } },
      beforeStart: () => embedded.writeFlows(userDir, flows(), { 'store-main': { encryptionKey: KEY }, 'store-other': { encryptionKey: OTHER_KEY } }),
    });
    base = red.url;
    tokens = { operator: await login('operator'), auditor: await login('auditor'), viewer: await login('viewer') };
    for (const id of ['store-main', 'store-other']) {
      await (await until(`${id} to start`, () => red.RED.nodes.getNode(id), 10000)).ready;
    }
    const main = store('store-main');
    await main.save({ item_id: 'item-healthy-1', access_token: token('h1'), client_user_id: 'user-ada', institution_id: 'ins_109508' });
    await main.save({ item_id: 'item-login-2', access_token: token('l2'), client_user_id: 'user-bob', institution_id: 'ins_109509' });
    await main.save({ item_id: 'item-expiring-3', access_token: token('e3'), client_user_id: 'USER-Cy', institution_id: null });
    await main.save({ item_id: 'item-removed-4', access_token: token('r4'), client_user_id: 'user-dee', institution_id: 'ins_109508' });
    await main.setLinkToken('item-login-2', LINK_TOKEN, new Date(Date.now() + 4 * 3600e3).toISOString());
    await main.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-login-2', error: { error_code: 'ITEM_LOGIN_REQUIRED', error_type: 'ITEM_ERROR' } });
    await main.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'PENDING_EXPIRATION', item_id: 'item-expiring-3', consent_expiration_time: '2030-01-01T00:00:00Z' });
    await main.markRemoved('item-removed-4');
    const healthy = await main.get('item-healthy-1');
    checkedAt = (await main.applyCheck('item-healthy-1', { status: 'healthy', error_code: null, consent_expiration_time: null, basis: healthy.updated_at })).record.checked_at;
    await store('store-other').save({ item_id: 'item-other-1', access_token: token('o1'), client_user_id: 'user-eve' });
  });

  after(async () => {
    await red?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  describe('permission plaid-items.read', () => {
    for (const route of ['/plaid-items/stores', '/plaid-items/stores/store-main/items', '/plaid-items/stores/store-main/items/item-login-2/history']) {
      it(`${route}: 401 without a login, 401 for a user without the permission, 200 with it`, async () => {
        assert.equal((await request(route)).status, 401);
        assert.equal((await request(route, tokens.viewer)).status, 401);
        assert.equal((await request(route, tokens.auditor)).status, 200);
        assert.equal((await asOperator(route)).status, 200);
      });
    }

    it('the viewer is a real user: the permissions it has work (GET /flows answers 200)', async () => {
      assert.equal((await request('/flows', tokens.viewer)).status, 200);
      assert.equal((await request('/flows', tokens.auditor)).status, 401);
    });
  });

  describe('GET /plaid-items/stores', () => {
    it('lists every running store with a count for each status, and says why one cannot be read', async () => {
      const { status, body, headers } = await asOperator('/plaid-items/stores');
      assert.equal(status, 200);
      assert.equal(headers.get('cache-control'), 'no-store');
      const byId = Object.fromEntries(body.stores.map((s) => [s.id, s]));
      assert.deepEqual(Object.keys(byId).sort(), ['store-keyless', 'store-main', 'store-other']);
      assert.deepEqual(byId['store-main'], {
        id: 'store-main',
        name: 'Main store',
        problem: null,
        total: 4,
        counts: { healthy: 1, login_required: 1, pending_expiration: 1, pending_disconnect: 0, revoked: 0, removed: 1, error: 0 },
      });
      assert.deepEqual(Object.keys(byId['store-main'].counts), [...ITEM_STATUSES], 'counts in ITEM_STATUSES order');
      assert.equal(byId['store-other'].total, 1);
      assert.match(byId['store-keyless'].problem, /encryption key/);
      assert.equal(byId['store-keyless'].total, 0);
    });
  });

  describe('GET /plaid-items/stores/:id/items', () => {
    const ids = (body) => body.items.map((i) => i.item_id);

    it('answers records, the ones that need action first, without the link token', async () => {
      const { status, body } = await asOperator('/plaid-items/stores/store-main/items');
      assert.equal(status, 200);
      assert.deepEqual(body.store, { id: 'store-main', name: 'Main store' });
      assert.deepEqual(ids(body), ['item-login-2', 'item-expiring-3', 'item-healthy-1', 'item-removed-4']);
      const login = body.items[0];
      assert.equal(login.status, 'login_required');
      assert.equal(login.error_code, 'ITEM_LOGIN_REQUIRED');
      assert.equal(login.client_user_id, 'user-bob');
      assert.equal(login.institution_id, 'ins_109509');
      assert.deepEqual(Object.keys(login.last_webhook).sort(), ['at', 'webhook_code', 'webhook_type']);
      assert.equal(login.last_webhook.webhook_code, 'ERROR');
      assert.ok(login.link_token_expiration, 'the repair link expiry is shown');
      assert.equal('link_token' in login, false, 'no link token');
      for (const item of body.items) assert.equal('access_token' in item, false);
      // When the consent ends (from PENDING_EXPIRATION here) and when a reconcile last checked the Item.
      const expiring = body.items[1];
      assert.deepEqual([expiring.consent_expiration_time, expiring.checked_at], ['2030-01-01T00:00:00Z', null]);
      const healthy = body.items[2];
      assert.equal(healthy.checked_at, checkedAt);
    });

    it('filters by one status, by a comma list, and by repeated status parameters', async () => {
      assert.deepEqual(ids((await asOperator('/plaid-items/stores/store-main/items?status=healthy')).body), ['item-healthy-1']);
      assert.deepEqual(ids((await asOperator('/plaid-items/stores/store-main/items?status=removed,login_required')).body), ['item-login-2', 'item-removed-4']);
      assert.deepEqual(ids((await asOperator('/plaid-items/stores/store-main/items?status=pending_expiration&status=healthy')).body), ['item-expiring-3', 'item-healthy-1']);
      assert.deepEqual(ids((await asOperator('/plaid-items/stores/store-main/items?status=revoked')).body), []);
    });

    it('searches item_id and client_user_id, in any case, combined with the status filter', async () => {
      assert.deepEqual(ids((await asOperator('/plaid-items/stores/store-main/items?q=LOGIN')).body), ['item-login-2']);
      assert.deepEqual(ids((await asOperator('/plaid-items/stores/store-main/items?q=user-cy')).body), ['item-expiring-3']);
      assert.deepEqual(ids((await asOperator('/plaid-items/stores/store-main/items?q=user-')).body).length, 4);
      assert.deepEqual(ids((await asOperator('/plaid-items/stores/store-main/items?q=user-&status=healthy')).body), ['item-healthy-1']);
      assert.deepEqual(ids((await asOperator('/plaid-items/stores/store-main/items?q=ins_109508')).body), [], 'institution_id is not searched');
    });

    it('keeps stores apart', async () => {
      assert.deepEqual(ids((await asOperator('/plaid-items/stores/store-other/items')).body), ['item-other-1']);
    });

    it('refuses an unknown status (400), an unknown store (404) and answers 503 for a store that cannot open', async () => {
      const bad = await asOperator('/plaid-items/stores/store-main/items?status=broken');
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /"broken" is none of healthy, login_required/);
      const unknown = await asOperator('/plaid-items/stores/no-such-store/items');
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.error, /no-such-store/);
      const keyless = await asOperator('/plaid-items/stores/store-keyless/items');
      assert.equal(keyless.status, 503);
      assert.match(keyless.body.error, /encryption key/);
    });
  });

  describe('GET /plaid-items/stores/:id/items/:item_id/history', () => {
    it('answers the record and its events, oldest first', async () => {
      const { status, body } = await asOperator('/plaid-items/stores/store-main/items/item-login-2/history');
      assert.equal(status, 200);
      assert.equal(body.item.item_id, 'item-login-2');
      assert.equal('link_token' in body.item, false);
      const last = body.history[body.history.length - 1];
      assert.equal(last.webhook_type, 'ITEM');
      assert.equal(last.webhook_code, 'ERROR');
      assert.equal(last.error_code, 'ITEM_LOGIN_REQUIRED');
      assert.equal(last.status, 'login_required');
      assert.ok(body.history.every((e, i, all) => i === 0 || all[i - 1].at <= e.at), 'oldest first');
    });

    it('keeps the last 20 events of an Item', async () => {
      const main = store('store-main');
      for (let i = 0; i < 25; i++) {
        await main.applyWebhook({ webhook_type: 'ITEM', webhook_code: i % 2 ? 'LOGIN_REPAIRED' : 'PENDING_DISCONNECT', item_id: 'item-healthy-1' });
      }
      const { body } = await asOperator('/plaid-items/stores/store-main/items/item-healthy-1/history');
      assert.equal(body.history.length, 20);
      assert.equal(body.history[19].webhook_code, 'PENDING_DISCONNECT');
    });

    it('answers 404 for an Item the store does not hold', async () => {
      const { status, body } = await asOperator('/plaid-items/stores/store-main/items/item-nobody/history');
      assert.equal(status, 404);
      assert.match(body.error, /item-nobody/);
    });
  });

  describe('live updates over comms', () => {
    it('a write to a store sends a notice on plaid-items/<store id>, with no Item data in it', async () => {
      // The comms deliver every topic to every editor connection: the viewer, refused by the route, gets it too.
      const comms = await connectComms(base, { accessToken: tokens.viewer, topics: ['plaid-items/#'] });
      const { messages } = comms;
      try {
        await store('store-main').applyWebhook({ webhook_type: 'ITEM', webhook_code: 'USER_PERMISSION_REVOKED', item_id: 'item-expiring-3' });
        await until('a notice', () => messages.some((m) => m.topic === 'plaid-items/store-main'));
        const notice = messages.find((m) => m.topic === 'plaid-items/store-main');
        assert.deepEqual(Object.keys(notice.data).sort(), ['at', 'change']);
        assert.equal(notice.data.change, 'items');
        assert.equal(JSON.stringify(notice).includes('item-expiring-3'), false);
        answers.push({ path: 'comms', bytes: Buffer.from(JSON.stringify(messages)) });
        const { body } = await asOperator('/plaid-items/stores/store-main/items?status=revoked');
        assert.deepEqual(body.items.map((i) => i.item_id), ['item-expiring-3'], 'the route shows the change');
      } finally {
        comms.close();
      }
    });

    it('deleting an Item sends a notice too', async () => {
      const comms = await connectComms(base, { accessToken: tokens.operator, topics: ['plaid-items/#'] });
      const { messages } = comms;
      try {
        await store('store-other').delete('item-other-1');
        await until('a notice', () => messages.some((m) => m.topic === 'plaid-items/store-other' && m.data.change === 'items'));
      } finally {
        comms.close();
      }
    });
  });

  describe('the editor side is served', () => {
    it('GET /plugins carries the sidebar, GET /plugins/messages its texts', async () => {
      const res = await fetch(`${base}/plugins`, { headers: { accept: 'text/html', authorization: `Bearer ${tokens.operator}` } });
      const html = await res.text();
      assert.match(html, /RED\.plugins\.registerPlugin\('plaid-items-sidebar'/);
      assert.match(html, /window\.PlaidItemsSidebar = /);
      const messages = await (await fetch(`${base}/plugins/messages?lng=en-US`, { headers: { authorization: `Bearer ${tokens.operator}` } })).json();
      assert.equal(messages['@plaidflow/node-red-plaid/plaid-items-sidebar']['plaid-items-sidebar'].label, 'Plaid Items');
    });
  });

  describe('no token in any answer', () => {
    it('the raw bytes of every answer above hold no access token, link token or store key', () => {
      assert.ok(answers.length > 30, `${answers.length} answers checked`);
      const secrets = [...['h1', 'l2', 'e3', 'r4', 'o1'].map(token), 'access-sandbox-', LINK_TOKEN, KEY, OTHER_KEY, Buffer.from(KEY, 'base64').toString('hex')];
      for (const { path: where, bytes } of answers) {
        for (const secret of secrets) assert.equal(bytes.includes(Buffer.from(secret)), false, `${where} holds ${secret.slice(0, 16)}...`);
      }
    });
  });
});
