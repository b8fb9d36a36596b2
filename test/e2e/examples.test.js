'use strict';
// End to end: `npm start`'s launcher (emulator + embedded Node-RED) in a child process; each example flow deployed
// alone through the Admin API, as an import would leave it, with its config nodes' credentials entered; its button
// clicked; effects checked in the emulator's state, in the debug sidebar and at a loopback notification endpoint.
const assert = require('node:assert/strict');
const http = require('node:http');
const { loadExamples } = require('../../scripts/demo-flow');
const { readBody } = require('../support/read-body');
const { connectComms } = require('../support/comms');
const { until, json, startLauncher, inject } = require('./support');

const CLIENT = { clientId: 'emulator-client-id', secret: 'emulator-secret' };
const STORE_KEY = Buffer.alloc(32, 7).toString('base64');

/** Records what the flows post to NOTIFY_URL. */
async function startInbox() {
  const received = [];
  const server = http.createServer((req, res) => {
    readBody(req).then((body) => {
      received.push(JSON.parse(body.toString('utf8')));
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  return { url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}/notify`, received, close: () => new Promise((r) => server.close(r)) };
}

describe('examples end to end, each alone after import, on the npm start launcher', function () {
  this.timeout(60000);
  let launcher;
  let editor;
  let emulator;
  let inbox;
  let comms;
  const examples = Object.fromEntries(loadExamples().map(({ file, nodes }) => [file.slice(0, 2), nodes]));

  before(async () => {
    inbox = await startInbox();
    launcher = await startLauncher({ env: { NOTIFY_URL: inbox.url } });
    ({ editor, emulator } = launcher);
    comms = await connectComms(editor);
  });

  after(async () => {
    if (comms) comms.close();
    await inbox.close();
    if (launcher) await launcher.stop();
  });

  const state = async () => (await json(`${emulator}/emulator/state`)).body;
  const globalValue = async (key) => {
    // The Admin API's encoding: {msg, format}, msg a string for strings and JSON text for objects.
    const { body } = await json(`${editor}/context/global/${key}`);
    if (body.format === 'undefined') return undefined;
    return body.format.startsWith('string') ? body.msg : JSON.parse(body.msg);
  };
  const named = (key, type, name) => examples[key].find((n) => n.type === type && n.name === name).id;

  /**
   * Deploys the given examples as they are in examples/ (each on its own tab, its own config nodes, their
   * credentials entered as a user would), the config nodes pointed at the emulator.
   */
  async function deploy(...keys) {
    const flows = [];
    for (const key of keys) {
      const tab = `tab-${key}`;
      flows.push({ id: tab, type: 'tab', label: `example ${key}` });
      for (const node of examples[key]) {
        if (node.type === 'plaid-config') flows.push({ ...node, environment: 'custom', baseUrl: emulator, credentials: CLIENT });
        else if (node.type === 'plaid-item-store') flows.push({ ...node, credentials: { encryptionKey: STORE_KEY } });
        else flows.push({ ...node, z: tab });
      }
    }
    const text = JSON.stringify(flows).split('http://127.0.0.1:1880').join(editor);
    const res = await json(`${editor}/flows`, { method: 'POST', body: text, headers: { 'Node-RED-Deployment-Type': 'full' } });
    assert.ok(res.status === 200 || res.status === 204, JSON.stringify(res.body));
  }

  /** Clicks `button` of example `key` and waits for a new message from its debug node `done`; no error shown. */
  async function click(key, button, done) {
    const doneId = named(key, 'debug', done);
    const errorId = named(key, 'debug', 'error');
    const before = comms.debug(doneId).length;
    const errorsBefore = comms.debug(errorId).length;
    await inject(editor, named(key, 'inject', button));
    await until(`${key} "${button}" to reach "${done}"`, () => comms.debug(doneId).length > before || comms.debug(errorId).length > errorsBefore, 20000);
    assert.deepEqual(comms.debug(errorId).slice(errorsBefore).map((d) => d.msg), [], `${key} "${button}" showed no error`);
    return comms.debug(doneId).at(-1).msg;
  }

  const itemOf = async (itemId) => (await state()).items.find((i) => i.item_id === itemId);

  it('01 sandbox walkthrough: links an Item, keeps it in the store and reads it back by item_id', async () => {
    await deploy('01');
    const shown = await click('01', 'Link a new sandbox Item', 'Item');
    assert.match(shown, /^Item \S+ at ins_109508: status healthy, error none$/);
    const item = await itemOf(/^Item (\S+) at/.exec(shown)[1]);
    assert.ok(item, 'the emulator holds the Item the debug node names');
    const listed = await click('01', 'List the stored Items', 'stored Items');
    assert.ok(listed.includes(`${item.item_id} healthy`), listed);
  });

  it('02 notify on ITEM ERROR: reset_login breaks an Item and the user gets a repair link', async () => {
    await deploy('02');
    await click('02', 'Break the login of a new Item', 'notified');
    const note = inbox.received.at(-1);
    assert.equal(note.kind, 'repair');
    assert.equal(note.to, 'user-02');
    assert.match(note.url, /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.equal((await itemOf(note.item_id)).error_code, 'ITEM_LOGIN_REQUIRED');
  });

  it('03 remove revoked Items: USER_PERMISSION_REVOKED removes the Item at Plaid and in the store', async () => {
    await deploy('03');
    const shown = await click('03', 'Revoke the permission', 'removed');
    assert.match(shown, /^removed \S+: status removed$/);
    assert.equal((await itemOf(shown.split(' ')[1].replace(/:$/, ''))).removed, true);
  });

  it('04 re-consent: PENDING_DISCONNECT and PENDING_EXPIRATION each send a link with the deadline', async () => {
    await deploy('04');
    await click('04', 'Warn of a disconnect', 'notified');
    const disconnect = inbox.received.at(-1);
    assert.ok(disconnect.deadline && disconnect.url, JSON.stringify(disconnect));
    const fired = await json(`${emulator}/emulator/webhooks/fire`, { method: 'POST', body: JSON.stringify({ item_id: disconnect.item_id, webhook_code: 'PENDING_EXPIRATION' }) });
    assert.equal(fired.status, 200, JSON.stringify(fired.body));
    const expiry = await until('PENDING_EXPIRATION notification', () => inbox.received.find((n) => n !== disconnect && n.item_id === disconnect.item_id && n.deadline));
    assert.ok(expiry.url);
  });

  it('05 rotate: the old token dies and the store holds the new one', async () => {
    await deploy('05');
    const before = new Map((await state()).items.map((i) => [i.item_id, i.access_token]));
    const shown = await click('05', 'Rotate the access token', 'rotated');
    const itemId = shown.split(' ')[4].replace(/:$/, '');
    const now = await itemOf(itemId);
    assert.notEqual(now.access_token, before.get(itemId));
    // The store's token is the live one: a second rotation works.
    await click('05', 'Rotate the access token', 'rotated');
  });

  it('06 move webhook: the Item points at the new URL and the acknowledgement is recorded', async () => {
    await deploy('06');
    const shown = await click('06', 'Move the webhook to a new URL', 'confirmed');
    const [, itemId, moved] = /^Plaid confirmed (\S+) now sends its webhooks to (\S+)$/.exec(shown);
    assert.match(moved, new RegExp(`^${editor}/plaid/webhook/06\\?v=\\d+$`));
    assert.equal((await itemOf(itemId)).webhook, moved);
    assert.equal((await globalValue('plaid_webhooks'))[itemId], moved, 'the acknowledgement is recorded');
    // A second move of the same Item is acknowledged too (a new URL, so not a repeated body).
    assert.notEqual(await click('06', 'Move the webhook to a new URL', 'confirmed'), shown);
  });

  it('07 verification status: finds a real account of the Item itself and sets it to verification_expired', async () => {
    await deploy('07');
    const shown = await click('07', "Expire a new Item's account verification", 'verification set');
    const [, accountId, itemId] = /^account (\S+) of (\S+) is now verification_expired$/.exec(shown);
    assert.equal((await itemOf(itemId)).accounts.find((a) => a.account_id === accountId).verification_status, 'verification_expired');
  });

  it('08 repair loop: a broken login sends a repair link (the loop itself: test/browser/repair-loop.test.js)', async () => {
    await deploy('08');
    await click('08', 'Break the login of a new Item', 'notified');
    const note = inbox.received.at(-1);
    assert.equal(note.kind, 'repair');
    assert.match(note.url, /^http:\/\/127\.0\.0\.1:\d+\//);
  });

  it('09 reconcile: an Item broken without a webhook is found by "Reconcile now", handled as the webhook would be', async () => {
    await deploy('09');
    const broken = await click('09', 'Break an Item silently', 'broken silently');
    const itemId = /^broke (\S+) without a webhook/.exec(broken)[1];
    const item = await itemOf(itemId);
    assert.deepEqual([item.error_code, item.webhook], ['ITEM_LOGIN_REQUIRED', `${editor}/plaid/webhook/09`], 'broken at Plaid, its webhook URL back');
    const { body: { deliveries } } = await json(`${emulator}/emulator/deliveries`);
    assert.deepEqual(deliveries.filter((d) => d.itemId === itemId).map((d) => d.webhookCode), ['WEBHOOK_UPDATE_ACKNOWLEDGED'], 'no ERROR was sent');
    const needs = named('09', 'debug', 'needs the user');
    const before = comms.debug(needs).length;
    const done = await click('09', 'Reconcile now', 'sweep done');
    assert.match(done, /^checked 1, changed 1, failed 0, calls 1$/);
    await until('the change handled as the webhook would be', () => comms.debug(needs).length > before);
    assert.equal(comms.debug(needs).at(-1).msg, `needs the user: ${itemId} (ITEM_LOGIN_REQUIRED), found by reconcile`);
    assert.equal((await click('09', 'Reconcile now', 'sweep done')), 'checked 1, changed 0, failed 0, calls 1', 'found once');
    // Alone, example 09 makes no repair link (08 does): none to look up.
    assert.equal(await click('09', "Look up a repair link's session", 'no repair link'), 'no Item that needs its login has a repair link yet');
  });

  it('two examples side by side: their own config nodes and webhook paths, both work', async () => {
    await deploy('02', '03', '08');
    await click('03', 'Revoke the permission', 'removed');
    await click('02', 'Break the login of a new Item', 'notified');
    await click('08', 'Warn of a disconnect', 'notified');
    for (const key of ['02', '03', '08']) {
      const res = await fetch(`${editor}/plaid/webhook/${key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.notEqual(res.status, 404, `${key}'s route is up`);
    }
  });

  it('no two examples share a node id, a config node or a webhook path (importing two raises no conflict)', () => {
    const owner = new Map();
    for (const [key, nodes] of Object.entries(examples)) {
      for (const node of nodes) {
        assert.ok(!owner.has(node.id), `${node.id} is in ${owner.get(node.id)} and ${key}`);
        owner.set(node.id, key);
      }
    }
    const paths = Object.values(examples).flat().filter((n) => n.type === 'plaid-webhook-in').map((n) => n.url);
    assert.equal(new Set(paths).size, paths.length, paths.join(' '));
  });

  it('examples are JSON arrays with an explaining comment, one group, Catch nodes scoped to it, no credentials', () => {
    for (const [key, nodes] of Object.entries(examples)) {
      assert.ok(Array.isArray(nodes), key);
      assert.ok(nodes.some((n) => n.type === 'comment' && n.info), `${key} has a comment node that explains it`);
      const groups = nodes.filter((n) => n.type === 'group');
      assert.equal(groups.length, 1, `${key} is one group`);
      for (const c of nodes.filter((n) => n.type === 'catch')) assert.equal(c.scope, 'group', `${key} ${c.id}`);
      for (const node of nodes) {
        assert.equal(node.credentials, undefined, `${key} ${node.id} carries no credentials`);
        assert.ok(!('clientId' in node) && !('secret' in node) && !('encryptionKey' in node), `${key} ${node.id} has no credential fields`);
        assert.ok(!('access_token' in node) || node.access_token === '' || node.type === 'plaid-items', `${key} ${node.id} names no token`);
      }
      for (const n of nodes.filter((x) => 'store' in x)) assert.ok(nodes.some((c) => c.id === n.store && c.type === 'plaid-item-store'), `${key} ${n.id} uses its own store`);
    }
  });

  it('every node type of the package appears in some example', () => {
    const types = new Set(Object.values(examples).flat().map((n) => n.type));
    const all = ['plaid-config', 'plaid-webhook-in', 'plaid-item-store', 'plaid-items', 'plaid-items-reconcile', ...require('../../dist/plaid/endpoints').ENDPOINTS.map((e) => e.type)];
    for (const type of all) assert.ok(types.has(type), `${type} appears in an example`);
  });

  it('stops cleanly on Ctrl-C: Node-RED and the emulator both gone', async () => {
    const exited = new Promise((resolve) => launcher.child.once('exit', (code, signal) => resolve({ code, signal })));
    launcher.child.kill('SIGINT');
    const { code } = await exited;
    assert.equal(code, 0, launcher.output.slice(-2000));
    await assert.rejects(fetch(`${editor}/flows`));
    await assert.rejects(fetch(`${emulator}/emulator/state`));
  });
});
