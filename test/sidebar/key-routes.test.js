'use strict';
// The key routes of the Plaid Items Admin API in a real Node-RED (the embedded launcher) with adminAuth on and a
// SQLite store written under an older key: who may read the counts and who may rewrap (plaid-items.write, which
// Node-RED's `write` and `*` include), what the rewrap answers batch by batch, and that no answer holds a key or a
// token.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const embedded = require('../../scripts/lib/embedded-node-red');
const { until } = require('../support/until');
const { ItemStore } = require('../../dist/plaid/store/item-store');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage');
const { TokenCipher, generateStoreKey, parseStoreKey, storeKeyId } = require('../../dist/plaid/store/cipher');

const bcrypt = require(require.resolve('bcryptjs', { paths: [path.dirname(require.resolve('@node-red/editor-api/package.json'))] }));

const PASSWORD = 'correct horse battery staple';
const USERS = [
  { username: 'reader', permissions: 'read' },
  { username: 'writer', permissions: ['read', 'write'] },
  { username: 'admin', permissions: '*' },
  { username: 'rewrapper', permissions: ['plaid-items.read', 'plaid-items.write'] },
  { username: 'items-reader', permissions: ['plaid-items.read'] },
];
const [OLD_KEY, NEW_KEY] = [generateStoreKey(), generateStoreKey()];
const idOf = (key) => storeKeyId(parseStoreKey(key));
const token = (n) => `access-sandbox-keys-${String(n).padStart(4, '0')}-4321-9fed-cba987654321`;
const ITEMS = 12;

describe('Plaid Items Admin API: keys and rewrap', function () {
  this.timeout(30000);
  let red;
  let userDir;
  const tokens = {};
  const answers = [];

  /**
   * @param {string} route
   * @param {{user?: string, method?: string, body?: string, type?: string}} [options]
   */
  async function request(route, { user = undefined, method = 'GET', body = undefined, type = 'application/json' } = {}) {
    const headers = { ...(user ? { authorization: `Bearer ${tokens[user]}` } : {}), ...(body !== undefined ? { 'content-type': type } : {}) };
    const res = await fetch(`${red.url}${route}`, { method, headers, body });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  }
  const rewrap = (user, body = '{}', type) => request('/plaid-items/stores/store/rewrap', { user, method: 'POST', body, type });

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-key-routes-'));
    // The store as the old key left it.
    const old = new ItemStore(new SqliteStorage({ file: path.join(userDir, 'items.db') }), new TokenCipher(OLD_KEY));
    await old.open();
    for (let i = 0; i < ITEMS; i++) await old.save({ item_id: `item-${i}`, access_token: token(i) });
    await old.close();
    const hash = bcrypt.hashSync(PASSWORD, 8);
    red = await embedded.startNodeRed({
      userDir,
      settings: { adminAuth: { type: 'credentials', users: USERS.map((u) => ({ ...u, password: hash })) } },
      beforeStart: () => embedded.writeFlows(userDir, [
        { id: 'tab', type: 'tab', label: 'keys' },
        { id: 'store', type: 'plaid-item-store', name: 'Rotating', backend: 'sqlite', file: 'items.db' },
      ], { store: { encryptionKey: NEW_KEY, previousKeys: `${OLD_KEY}\n` } }),
    });
    for (const { username } of USERS) {
      const res = await fetch(`${red.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '', username, password: PASSWORD }),
      });
      tokens[username] = (await res.json()).access_token;
    }
    await (await until('the store to start', () => red.RED.nodes.getNode('store'), 10000)).ready;
  });

  after(async () => {
    await red?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('GET .../keys: plaid-items.read (read and * include it); counts per key id, the older key still needed', async () => {
    assert.equal((await request('/plaid-items/stores/store/keys')).status, 401);
    for (const user of ['reader', 'writer', 'admin', 'rewrapper', 'items-reader']) {
      assert.equal((await request('/plaid-items/stores/store/keys', { user })).status, 200, user);
    }
    const { body } = await request('/plaid-items/stores/store/keys', { user: 'reader' });
    assert.deepEqual(body, {
      store: { id: 'store', name: 'Rotating' },
      current: idOf(NEW_KEY),
      keyCheck: idOf(OLD_KEY),
      keys: [
        { id: idOf(NEW_KEY), role: 'current', position: null, items: 0, removable: false },
        { id: idOf(OLD_KEY), role: 'older', position: 1, items: ITEMS, removable: false },
      ],
      items: ITEMS,
      pending: ITEMS,
    });
    assert.equal((await request('/plaid-items/stores/nope/keys', { user: 'reader' })).status, 404);
  });

  it('POST .../rewrap: plaid-items.write (write and * include it, read does not); JSON only; a limit above 0', async () => {
    // Not logged in: 401; logged in without the permission: 403 (as the replay route).
    assert.equal((await rewrap(undefined)).status, 401);
    for (const user of ['reader', 'items-reader']) assert.equal((await rewrap(user)).status, 403, user);
    /** @type {Array<[{status: number, body: any}, number]>} */
    const refused = [
      [await rewrap('admin', JSON.stringify({ limit: 5 }), 'text/plain'), 415],
      [await rewrap('admin', 'limit=5', 'application/x-www-form-urlencoded'), 415],
      [await rewrap('admin', JSON.stringify({ limit: 0 })), 400],
      [await rewrap('admin', JSON.stringify({ limit: 'all' })), 400],
    ];
    assert.deepEqual(refused.map(([r]) => r.status), refused.map(([, s]) => s));
    assert.match(refused[0][0].body.error, /as JSON/);
    assert.equal((await request('/plaid-items/stores/store/keys', { user: 'reader' })).body.pending, ITEMS, 'nothing was rewrapped by a refused request');
    assert.equal((await request('/plaid-items/stores/nope/rewrap', { user: 'admin', method: 'POST', body: '{}' })).status, 404);
  });

  it('rewraps batch by batch, each answer saying what is left per key; the old key may be removed at the end', async () => {
    const seen = [];
    for (const user of ['writer', 'rewrapper', 'admin']) {
      const { status, body } = await rewrap(user, JSON.stringify({ limit: 5 }));
      assert.equal(status, 200, JSON.stringify(body));
      seen.push([body.rewrapped, body.pending, body.keys[1].items, body.keys[1].removable, body.keyCheck === idOf(NEW_KEY)]);
    }
    assert.deepEqual(seen, [[5, 7, 7, false, false], [5, 2, 2, false, false], [2, 0, 0, true, true]]);
    const last = await rewrap('admin');
    assert.deepEqual([last.body.rewrapped, last.body.unreadable, last.body.pending], [0, [], 0]);
    const store = red.RED.nodes.getNode('store').itemStore;
    for (let i = 0; i < ITEMS; i++) assert.equal(await store.resolveToken(`item-${i}`), token(i));
  });

  it('no answer held a key, a token, or a part of either', () => {
    const all = answers.join('\n');
    assert.ok(answers.length > 20);
    for (const secret of [OLD_KEY, NEW_KEY, parseStoreKey(OLD_KEY).toString('hex'), parseStoreKey(NEW_KEY).toString('hex'), 'access-sandbox-']) {
      assert.ok(!all.includes(secret), secret.slice(0, 6));
    }
  });
});
