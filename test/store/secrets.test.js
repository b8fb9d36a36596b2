'use strict';
// No token and no store key leaves the store: plaid-items in an embedded Node-RED (a child process) logging at trace
// level, with debug nodes showing whole messages on the sidebar and the console. Tokens are imported over HTTP (so
// the flow itself holds none), looked up and listed; a malformed import goes to Catch. Then each token and the key
// are searched for in the log, the debug sidebar and statuses (comms), GET /flows, GET /context/..., the HTTP
// answers and the bytes of the sqlite file and its -wal and -shm.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { generateStoreKey } = require('../../dist/plaid/store/cipher.js');
const { RedChild } = require('../reliability/support/child');
const { until, json } = require('../reliability/support/util');

const KEY = generateStoreKey();
const token = (n) => `access-sandbox-${String(n).padStart(8, '0')}-cafe-4bad-9a1e-5ec7e7c0ffee`;
const TOKENS = Array.from({ length: 20 }, (_, i) => token(i));

function flow() {
  const tab = 'secrets-tab';
  const debug = (id, y) => ({ id, z: tab, type: 'debug', active: true, tosidebar: true, console: true, tostatus: true, complete: 'true', targetType: 'full', statusVal: 'payload', statusType: 'auto', x: 600, y, wires: [] });
  const respond = (id, y) => ({ id, z: tab, type: 'http response', statusCode: '', headers: {}, x: 600, y, wires: [] });
  return [
    { id: tab, type: 'tab', label: 'secrets' },
    { id: 'secrets-store', type: 'plaid-item-store', name: 'secrets', backend: 'sqlite', file: 'plaid-items.db', credentials: { encryptionKey: KEY } },
    { id: 'in-import', z: tab, type: 'http in', url: '/import', method: 'post', upload: false, x: 100, y: 40, wires: [['items-put']] },
    { id: 'items-put', z: tab, type: 'plaid-items', store: 'secrets-store', operation: 'put', item_id: 'item_id', item_idType: 'msg', statuses: [], x: 300, y: 40, wires: [['dbg-put', 'res-put']] },
    debug('dbg-put', 40), respond('res-put', 80),
    { id: 'in-get', z: tab, type: 'http in', url: '/item', method: 'get', x: 100, y: 140, wires: [['from-query']] },
    { id: 'from-query', z: tab, type: 'change', rules: [{ t: 'set', p: 'item_id', pt: 'msg', to: 'req.query.item_id', tot: 'msg' }], x: 200, y: 140, wires: [['items-get']] },
    { id: 'items-get', z: tab, type: 'plaid-items', store: 'secrets-store', operation: 'get', item_id: 'item_id', item_idType: 'msg', statuses: [], x: 300, y: 140, wires: [['dbg-get', 'res-get']] },
    debug('dbg-get', 140), respond('res-get', 180),
    { id: 'in-list', z: tab, type: 'http in', url: '/items', method: 'get', x: 100, y: 240, wires: [['items-list']] },
    { id: 'items-list', z: tab, type: 'plaid-items', store: 'secrets-store', operation: 'list', item_id: 'item_id', item_idType: 'msg', statuses: [], x: 300, y: 240, wires: [['dbg-list', 'res-list']] },
    debug('dbg-list', 240), respond('res-list', 280),
    { id: 'catch-all', z: tab, type: 'catch', scope: null, uncaught: false, x: 100, y: 340, wires: [['dbg-caught', 'res-caught']] },
    debug('dbg-caught', 340), { ...respond('res-caught', 380), statusCode: '500' },
  ];
}

describe('store: no token or key in logs, debug output, statuses, /flows, context, answers or the file', function () {
  this.timeout(120000);
  let red;
  let comms;
  /** Every HTTP answer the flow gave: they must hold no token either. */
  const answers = [];

  before(async () => {
    red = await RedChild.start({ label: 'store-secrets', logLevel: 'trace' });
    comms = await red.comms();
    await red.deploy(flow(), 'full');
    await until('the import route', async () => (await fetch(`${red.url}/items`)).status === 200, 15000, 100);
  });

  after(async () => {
    if (comms) comms.close();
    if (red) await red.stop();
  });

  it('imports, looks up and lists Items over HTTP, and fails a malformed import to Catch', async () => {
    for (const [i, access_token] of TOKENS.entries()) {
      const res = await json(`${red.url}/import`, { method: 'POST', body: { item_id: `item-${i}`, access_token, client_user_id: `user-${i}` } });
      assert.equal(res.status, 200);
      assert.equal(res.body.item_id, `item-${i}`);
      answers.push(res);
    }
    const bad = await json(`${red.url}/import`, { method: 'POST', body: { item_id: '', access_token: token(99) } });
    assert.equal(bad.status, 500);
    assert.equal('access_token' in bad.body, false);
    const got = await json(`${red.url}/item?item_id=item-3`);
    assert.equal(got.body.client_user_id, 'user-3');
    const missing = await json(`${red.url}/item?item_id=item-404`);
    assert.equal(missing.status, 500);
    const listed = await json(`${red.url}/items`);
    assert.equal(listed.body.length, TOKENS.length);
    answers.push(bad, got, missing, listed);
    await until('debug messages for every answer', () => comms.messages.filter((m) => m.topic === 'debug').length >= TOKENS.length + 4, 10000, 50);
  });

  it('finds none of the tokens, nor the key, anywhere', async () => {
    const places = {
      'runtime log at trace level': red.output,
      'debug sidebar and statuses (comms)': JSON.stringify(comms.messages),
      'the flow\'s HTTP answers': JSON.stringify(answers.map((a) => a.body)),
      'GET /flows': await red.flowsText(),
      'GET /context/global': JSON.stringify((await json(`${red.url}/context/global`)).body),
      'GET /context/flow': JSON.stringify((await json(`${red.url}/context/flow/secrets-tab`)).body),
    };
    for (const id of ['items-put', 'items-get', 'items-list', 'secrets-store']) {
      places[`GET /context/node/${id}`] = JSON.stringify((await json(`${red.url}/context/node/${id}`)).body);
    }
    const file = path.join(red.userDir, 'plaid-items.db');
    for (const suffix of ['', '-wal', '-shm']) {
      if (fs.existsSync(file + suffix)) places[`plaid-items.db${suffix}`] = fs.readFileSync(file + suffix).toString('latin1');
    }
    assert.ok(places['plaid-items.db'] !== undefined && places['plaid-items.db-wal'] !== undefined, 'the store files exist');
    assert.ok(comms.messages.some((m) => m.topic === 'debug' && JSON.stringify(m.data).includes('item-3')), 'the debug sidebar saw the records');
    const secrets = [KEY, Buffer.from(KEY, 'base64').toString('hex'), ...TOKENS, token(99), ...TOKENS.map((t) => t.slice(15, 36))];
    const found = [];
    for (const [place, text] of Object.entries(places)) {
      for (const secret of secrets) if (text.includes(secret)) found.push(`${place}: ${secret.slice(0, 20)}…`);
    }
    assert.deepEqual(found, []);
    assert.ok(red.output.length > 1000, 'the trace log is there');
  });
});
