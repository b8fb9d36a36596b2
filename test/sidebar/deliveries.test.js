'use strict';
// The event log's Admin API in a real Node-RED (the embedded launcher) with adminAuth on, a real SQLite store and
// signed webhooks over HTTP: deliveries lost to a broken flow replayed once the flow is fixed, in order, once; who may
// list and who may replay; bodies shown with their tokens masked, and no token in clear in the database's bytes.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const embedded = require('../../scripts/lib/embedded-node-red');
const { until } = require('../support/until');
const { startKeyServer } = require('../support/webhook-key-server');
const { makeKey, plaidDelivery } = require('../support/webhook-signer');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const { OUTPUT_COUNT } = require('../../dist/plaid/webhook/routing');

const bcrypt = require(require.resolve('bcryptjs', { paths: [path.dirname(require.resolve('@node-red/editor-api/package.json'))] }));

const PASSWORD = 'correct horse battery staple';
const USERS = [
  // Node-RED's read-only user: `read` holds plaid-items.read, not plaid-items.write.
  { username: 'operator', permissions: 'read' },
  // Node-RED's `write` holds every *.write permission, plaid-items.write included.
  { username: 'writer', permissions: ['write'] },
  // Given the two permissions alone.
  { username: 'replayer', permissions: ['plaid-items.read', 'plaid-items.write'] },
  { username: 'admin', permissions: '*' },
  { username: 'viewer', permissions: ['flows.read'] },
];
const TAB = 'deliveries-tab';
const KEY = generateStoreKey();
const STORE_FILE = 'deliveries-items.db';
const ROOT = '/plaid-items/stores/store-main/deliveries';

/** The function after output 1 (ITEM ERROR): broken (a notification service down), then fixed. */
const notify = (fixed) => ({
  id: 'notify', type: 'function', z: TAB, name: 'notify the user', outputs: 1, x: 420, y: 80, wires: [[]],
  func: fixed
    ? "global.get('recorder').record('notified', msg);\nreturn null;"
    : "global.get('recorder').record('attempted', msg);\nthrow new Error('the notification service is down');",
});

function flows(keyServer, { fixed = false, withOld = true } = {}) {
  return [
    { id: TAB, type: 'tab', label: 'Deliveries' },
    { id: 'cfg', type: 'plaid-config', name: 'keys', environment: 'custom', baseUrl: keyServer.baseUrl, timeout: '5000', retries: '0' },
    { id: 'store-main', type: 'plaid-item-store', name: 'Main store', backend: 'sqlite', file: STORE_FILE },
    {
      id: 'hook', type: 'plaid-webhook-in', z: TAB, name: 'Plaid webhooks', url: '/plaid/webhook', plaid: 'cfg', verify: true, dedupe: true, dedupeStore: '',
      store: 'store-main', logRetentionDays: '30', x: 160, y: 80, wires: [['notify'], ...Array.from({ length: OUTPUT_COUNT - 1 }, () => ['others'])],
    },
    notify(fixed),
    { id: 'others', type: 'function', z: TAB, name: 'others', outputs: 1, x: 420, y: 160, wires: [[]], func: "global.get('recorder').record('other', msg);\nreturn null;" },
    ...(withOld ? [{
      id: 'hook-old', type: 'plaid-webhook-in', z: TAB, name: 'old route', url: '/plaid/old', plaid: 'cfg', verify: true, dedupe: true, dedupeStore: '',
      store: 'store-main', logRetentionDays: '30', x: 160, y: 240, wires: Array.from({ length: OUTPUT_COUNT }, () => ['others']),
    }] : []),
  ];
}

describe('the event log\'s Admin API: replay, permissions, masking', function () {
  this.timeout(60000);
  const recorded = [];
  const recorder = {
    // Copied out of the function node's sandbox: what the flow saw of each message.
    record(kind, msg) {
      recorded.push({ kind, topic: msg.topic, n: msg.payload.n, item_id: msg.plaid.item_id, delivery_id: msg.plaid.delivery_id, received_at: msg.plaid.received_at, replayed: msg.plaid.replayed, status: msg.plaid.item ? msg.plaid.item.status : null });
    },
  };
  const ofKind = (kind) => recorded.filter((r) => r.kind === kind);
  let red;
  let userDir;
  let keyServer;
  let key;
  let tokens;

  async function login(username) {
    const res = await fetch(`${red.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '', username, password: PASSWORD }),
    });
    assert.equal(res.status, 200, `${username} logs in`);
    return (await res.json()).access_token;
  }

  /**
   * @param {string} method
   * @param {string} urlPath
   * @param {{as?: string, body?: object}} [options] who asks (a user's name), and the JSON body
   */
  async function api(method, urlPath, { as, body } = {}) {
    const headers = { ...(as ? { authorization: `Bearer ${tokens[as]}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) };
    const res = await fetch(`${red.url}${urlPath}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, text, body: (res.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : text };
  }

  const send = async (body, route) => {
    const delivery = plaidDelivery(body, key);
    const res = await fetch(`${red.url}${route ?? '/plaid/webhook'}`, { method: 'POST', headers: delivery.headers, body: delivery.raw });
    assert.equal(res.status, 200, `delivery answered ${res.status}`);
  };
  const itemError = (n) => ({
    webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: `item-${String(n).padStart(2, '0')}`, environment: 'sandbox', n,
    error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'the login details of this item have changed', display_message: null, request_id: `req-${n}` },
  });
  const store = () => red.RED.nodes.getNode('store-main').itemStore;

  before(async function () {
    keyServer = await startKeyServer();
    key = makeKey('kid-deliveries');
    keyServer.add(key);
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-deliveries-'));
    const hash = bcrypt.hashSync(PASSWORD, 8);
    red = await embedded.startNodeRed({
      userDir,
      settings: {
        adminAuth: { type: 'credentials', users: USERS.map((u) => ({ ...u, password: hash })) },
        functionGlobalContext: { recorder },
        // The broken function's 50 errors are the point, not news.
        logging: { console: { level: 'fatal', metrics: false, audit: false } },
      },
      beforeStart: () => embedded.writeFlows(userDir, flows(keyServer), { cfg: { clientId: 'client', secret: 'secret-0123456789' }, 'store-main': { encryptionKey: KEY } }),
    });
    tokens = Object.fromEntries(await Promise.all(USERS.map(async (u) => [u.username, await login(u.username)])));
    await (await until('the store to start', () => red.RED.nodes.getNode('store-main'), 10000)).ready;
  });

  after(async function () {
    await red?.stop();
    await keyServer?.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  describe('a replay after the flow was fixed', function () {
    let window;

    it('loses 50 ERROR deliveries to a function that throws (each answered 200: Plaid will not send them again)', async function () {
      for (let n = 0; n < 50; n++) await store().save({ item_id: itemError(n).item_id, access_token: `access-sandbox-${n}-0000-4000-8000-000000000000` });
      // Before the window: deliveries that were handled.
      await send({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: 'item-99', environment: 'sandbox', n: 99 });
      await until('the earlier one handled', () => ofKind('other').length === 1);
      const since = new Date().toISOString();
      for (let n = 0; n < 50; n++) await send(itemError(n));
      await until('50 attempts', () => ofKind('attempted').length === 50);
      // Plaid re-delivers one of them (no other delivery for its Item since): a duplicate, logged, not emitted.
      await send(itemError(10));
      window = { since, until: new Date().toISOString() };
      assert.deepEqual(ofKind('attempted').map((r) => r.n), Array.from({ length: 50 }, (_, n) => n));
      assert.equal(ofKind('notified').length, 0);
      const listed = await api('GET', `${ROOT}?code=ERROR&limit=10`, { as: 'operator' });
      assert.equal(listed.status, 200);
      assert.equal(listed.body.total, 51);
      assert.deepEqual(listed.body.deliveries.map((d) => d.item_id), [10, ...Array.from({ length: 9 }, (_, i) => 49 - i)].map((n) => itemError(n).item_id), 'newest first');
      assert.deepEqual(Object.keys(listed.body.deliveries[0]).sort(), ['body_sha256', 'environment', 'id', 'item_id', 'node', 'outcome', 'received_at', 'webhook_code', 'webhook_type']);
      assert.deepEqual(listed.body.deliveries.map((d) => [d.node, d.outcome]), [['hook', 'duplicate'], ...Array(9).fill(['hook', 'emitted'])]);
      assert.equal(ofKind('attempted').length, 50, 'the copy was not emitted');
    });

    it('replays the window through the route once the function is fixed: the 50 again, each once, in order of receipt', async function () {
      // The operator repaired one Item meanwhile: the replayed ERROR goes through the store's rules again.
      await store().save({ item_id: 'item-00', access_token: 'access-sandbox-0-0000-4000-8000-000000000000' });
      const deployed = await fetch(`${red.url}/flows`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'nodes', 'Node-RED-API-Version': 'v2' },
        body: JSON.stringify({ flows: flows(keyServer, { fixed: true }) }),
      });
      assert.equal(deployed.status, 200);
      await until('the fixed function to run', () => /notified/.test(red.RED.nodes.getNode('notify')?.func ?? ''));
      const replayed = await api('POST', `${ROOT}/replay`, { as: 'replayer', body: { ...window, code: 'ERROR', replay_id: 'fix-1' } });
      assert.equal(replayed.status, 200, replayed.text);
      assert.deepEqual({ ...replayed.body, store: undefined }, { store: undefined, replay_id: 'fix-1', replayed: 50, not_replayed: [] });
      await until('50 notified', () => ofKind('notified').length === 50);
      const notified = ofKind('notified');
      assert.deepEqual(notified.map((r) => r.n), Array.from({ length: 50 }, (_, n) => n), 'in order of receipt');
      const attempted = ofKind('attempted');
      notified.forEach((r, i) => {
        assert.equal(r.replayed, true);
        assert.equal(r.topic, 'ERROR');
        assert.equal(r.delivery_id, attempted[i].delivery_id, 'the same entry');
        assert.equal(r.received_at, attempted[i].received_at, 'the original received_at');
      });
      assert.equal(notified[0].status, 'login_required', 'the store\'s rules applied again');
      assert.equal((await store().get('item-00')).status, 'login_required');
      const listed = await api('GET', `${ROOT}?code=ERROR&limit=51`, { as: 'operator' });
      assert.deepEqual(listed.body.deliveries.map((d) => d.outcome).sort(), ['duplicate', ...Array(50).fill('replayed')], 'the copy is the same event: not replayed again');
    });

    it('replays nothing twice for the same request; a new request replays again', async function () {
      const again = await api('POST', `${ROOT}/replay`, { as: 'replayer', body: { ...window, code: 'ERROR', replay_id: 'fix-1' } });
      assert.equal(again.status, 200);
      assert.equal(again.body.replayed, 0);
      assert.deepEqual([...new Set(again.body.not_replayed.map((r) => r.reason))], ['already_replayed']);
      const [first] = ofKind('notified');
      const single = await api('POST', `${ROOT}/replay`, { as: 'replayer', body: { ids: [first.delivery_id, 'no-such-delivery'] } });
      assert.equal(single.body.replayed, 1);
      assert.deepEqual(single.body.not_replayed.map((r) => [r.id, r.reason]), [['no-such-delivery', 'pruned']]);
      await until('51 notified', () => ofKind('notified').length === 51);
      // A delivery sent after the replays were answered: once the flow has it, it has everything sent before it.
      await send({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: 'item-98', environment: 'sandbox', n: 98 });
      await until('the later delivery', () => ofKind('other').some((r) => r.n === 98));
      assert.equal(ofKind('notified').length, 51);
    });

    it('names deliveries whose node is gone, and replays them through another node when asked', async function () {
      await send({ webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: 'item-old', environment: 'sandbox', n: 500 }, '/plaid/old');
      await until('the old route\'s delivery', () => ofKind('other').some((r) => r.n === 500));
      const [entry] = (await api('GET', `${ROOT}?item_id=item-old`, { as: 'operator' })).body.deliveries;
      assert.equal(entry.node, 'hook-old');
      const deployed = await fetch(`${red.url}/flows`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'nodes', 'Node-RED-API-Version': 'v2' },
        body: JSON.stringify({ flows: flows(keyServer, { fixed: true, withOld: false }) }),
      });
      assert.equal(deployed.status, 200);
      await until('the old node to stop', () => !red.RED.nodes.getNode('hook-old'));
      const gone = await api('POST', `${ROOT}/replay`, { as: 'replayer', body: { ids: [entry.id] } });
      assert.deepEqual([gone.body.replayed, gone.body.not_replayed.map((r) => r.reason)], [0, ['node_gone']]);
      const through = await api('POST', `${ROOT}/replay`, { as: 'replayer', body: { ids: [entry.id], node: 'hook' } });
      assert.deepEqual([through.body.replayed, through.body.not_replayed], [1, []]);
      await until('replayed through hook', () => ofKind('other').some((r) => r.n === 500 && r.replayed));
      const refused = await api('POST', `${ROOT}/replay`, { as: 'replayer', body: { ids: [entry.id], node: 'notify' } });
      assert.equal(refused.status, 400);
      assert.match(refused.body.error, /"notify" is no plaid-webhook-in/);
    });

    it('refuses a request that is not one: ids and a filter together, a bad time, a bad replay id', async function () {
      for (const body of [{ ids: ['a'], code: 'ERROR' }, { since: 'yesterday' }, { ids: [] }, { replay_id: 'no spaces' }]) {
        const answer = await api('POST', `${ROOT}/replay`, { as: 'replayer', body });
        assert.equal(answer.status, 400, JSON.stringify(body));
      }
      assert.equal((await api('POST', '/plaid-items/stores/no-such-store/deliveries/replay', { as: 'replayer', body: {} })).status, 404);
    });
  });

  describe('permissions (adminAuth)', function () {
    it('lists for plaid-items.read (Node-RED\'s read includes it), 401 without a login or the permission', async function () {
      for (const who of ['operator', 'replayer', 'admin']) assert.equal((await api('GET', ROOT, { as: who })).status, 200, who);
      assert.equal((await api('GET', ROOT)).status, 401);
      assert.equal((await api('GET', ROOT, { as: 'viewer' })).status, 401);
    });

    it('replays for plaid-items.write (Node-RED\'s write and * include it): read-only users 403, anonymous 401', async function () {
      const body = { ids: ['no-such-delivery'] };
      assert.equal((await api('POST', `${ROOT}/replay`, { body })).status, 401);
      for (const who of ['operator', 'viewer']) assert.equal((await api('POST', `${ROOT}/replay`, { as: who, body })).status, 403, who);
      for (const who of ['writer', 'replayer', 'admin']) assert.equal((await api('POST', `${ROOT}/replay`, { as: who, body })).status, 200, who);
    });
  });

  describe('no token in clear', function () {
    const publicToken = 'public-sandbox-7e3f1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';

    it('shows a body with its public token masked', async function () {
      await send({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', status: 'SUCCESS', link_session_id: 'ls-1', link_token: 'link-sandbox-00000000-0000-4000-8000-00000000abcd', public_tokens: [publicToken], environment: 'sandbox', n: 600 });
      const listed = await api('GET', `${ROOT}?code=SESSION_FINISHED`, { as: 'operator' });
      assert.equal(listed.body.total, 1);
      const shown = await api('GET', `${ROOT}/${listed.body.deliveries[0].id}`, { as: 'operator' });
      assert.equal(shown.status, 200);
      assert.deepEqual(shown.body.delivery.body.public_tokens, ['public-sandbox-…4a5b']);
      assert.equal(shown.body.delivery.body.link_token, 'link-sandbox-…abcd');
      assert.equal(shown.body.delivery.body.link_session_id, 'ls-1');
      assert.equal(shown.text.includes(publicToken), false);
      assert.equal((await api('GET', `${ROOT}/no-such-delivery`, { as: 'operator' })).status, 404);
    });

    it('leaves none in the database\'s bytes', async function () {
      const file = path.join(userDir, STORE_FILE);
      const bytes = Buffer.concat(['', '-wal'].filter((s) => fs.existsSync(file + s)).map((s) => fs.readFileSync(file + s)));
      assert.ok(bytes.length > 0);
      // Records are kept in clear (their error_code among them), bodies never: not a word of one.
      for (const secret of [publicToken, publicToken.slice('public-sandbox-'.length), 'the login details', 'ls-1']) {
        assert.equal(bytes.includes(Buffer.from(secret)), false, secret);
      }
    });
  });

  describe('refused deliveries', function () {
    it('are counted, never stored', async function () {
      const before = (await api('GET', ROOT, { as: 'operator' })).body;
      const forged = await fetch(`${red.url}/plaid/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'plaid-verification': 'forged' }, body: '{"webhook_type":"ITEM"}' });
      assert.equal(forged.status, 401);
      const after = (await api('GET', ROOT, { as: 'operator' })).body;
      assert.equal(after.total, before.total);
      const rejected = (answer) => answer.receivers.find((r) => r.id === 'hook').rejected;
      assert.equal(rejected(after), rejected(before) + 1);
      assert.deepEqual(after.receivers.map((r) => [r.id, r.name, r.log_retention_days]), [['hook', 'Plaid webhooks', 30]]);
    });
  });

  describe('a replay meets the store\'s webhook rules', function () {
    it('a SESSION_FINISHED SUCCESS replayed after a newer ERROR is emitted again and leaves the Item broken', async function () {
      const itemId = 'item-session';
      const linkToken = 'link-sandbox-repair-session';
      await store().save({ item_id: itemId, access_token: 'access-sandbox-session-0000-4000-8000-000000000000' });
      await store().setLinkToken(itemId, linkToken, new Date(Date.now() + 30 * 60000).toISOString());
      const error = (n) => ({ ...itemError(n), item_id: itemId });
      const statusNow = async () => (await store().get(itemId)).status;
      await send(error(1));
      await until('the ERROR recorded', async () => (await statusNow()) === 'login_required');
      const since = new Date(Date.now() - 1).toISOString();
      await send({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', status: 'SUCCESS', link_session_id: 'session-1', link_token: linkToken, public_tokens: [], environment: 'sandbox' });
      await until('the session repaired the Item', async () => (await statusNow()) === 'healthy');
      // The Item broke again after its session: a later ERROR (other bytes, so not a copy of the first).
      await send(error(2));
      await until('the Item broken again', async () => (await statusNow()) === 'login_required');
      const listed = await api('GET', `${ROOT}?code=SESSION_FINISHED&since=${encodeURIComponent(since)}`, { as: 'operator' });
      assert.equal(listed.body.total, 1);
      const before = recorded.length;
      const replayed = await api('POST', `${ROOT}/replay`, { as: 'replayer', body: { ids: [listed.body.deliveries[0].id] } });
      assert.equal(replayed.status, 200, replayed.text);
      assert.equal(replayed.body.replayed, 1);
      const again = await until('the session emitted again', () => recorded.slice(before).find((r) => r.topic === 'SESSION_FINISHED' && r.replayed));
      assert.equal(again.status, 'login_required', 'the message carries the record as it is');
      assert.equal(await statusNow(), 'login_required', 'the replayed SUCCESS did not mark the Item healthy');
    });
  });
});
