'use strict';
// End to end: `npm start`'s launcher (emulator + embedded Node-RED) in a child process; each example flow deployed
// through the Admin API with its config node pointed at the emulator; effects checked in the emulator's state, in
// Node-RED's global context and at a loopback notification endpoint.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { loadExamples } = require('../../scripts/demo-flow');
const { readBody } = require('../support/read-body');

const ROOT = path.join(__dirname, '..', '..');

async function until(what, check, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function json(url, options = {}) {
  const res = await fetch(url, { ...options, headers: { 'content-type': 'application/json', ...(options.headers || {}) } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Records what the flows post to NOTIFY_URL. */
async function startInbox() {
  const received = [];
  const server = http.createServer((req, res) => {
    readBody(req).then((body) => {
      received.push(JSON.parse(body.toString('utf8')));
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/notify`, received, close: () => new Promise((r) => server.close(r)) };
}

describe('examples end to end, on the npm start launcher', function () {
  this.timeout(60000);
  let child;
  let output = '';
  let editor;
  let emulator;
  let inbox;
  let userDir;
  const examples = Object.fromEntries(loadExamples().map(({ file, nodes }) => [file.slice(0, 2), nodes]));

  before(async () => {
    inbox = await startInbox();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-e2e-'));
    child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.js'), '--port', '0', '--emulator-port', '0', '--user-dir', userDir], {
      env: { ...process.env, NOTIFY_URL: inbox.url, PLAID_CLIENT_ID: '', PLAID_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    await until('the launcher to print its URLs', () => /Node-RED editor: (\S+)/.test(output), 30000);
    editor = /Node-RED editor: (\S+)/.exec(output)[1].replace(/\/$/, '');
    emulator = /Plaid emulator: (\S+)/.exec(output)[1];
  });

  after(async () => {
    await inbox.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  const state = async () => (await json(`${emulator}/emulator/state`)).body;
  const globalValue = async (key) => {
    // The Admin API's encoding: {msg, format}, msg a string for strings and JSON text for objects.
    const { body } = await json(`${editor}/context/global/${key}`);
    if (body.format === 'undefined') return undefined;
    return body.format.startsWith('string') ? body.msg : JSON.parse(body.msg);
  };

  /** Deploys the given examples, each on its own tab, sharing one config node that points at the emulator. */
  async function deploy(...keys) {
    const flows = [];
    let config;
    for (const key of keys) {
      const tab = `tab-${key}`;
      flows.push({ id: tab, type: 'tab', label: `example ${key}` });
      for (const node of examples[key]) {
        if (node.type === 'plaid-config') config ??= node;
        else flows.push({ ...node, z: tab });
      }
    }
    const credentials = { clientId: 'emulator-client-id', secret: 'emulator-secret' };
    flows.push({ ...config, environment: 'custom', baseUrl: emulator, credentials });
    const text = JSON.stringify(flows).split('http://127.0.0.1:1880').join(editor);
    const res = await json(`${editor}/flows`, { method: 'POST', body: text, headers: { 'Node-RED-Deployment-Type': 'full' } });
    assert.ok(res.status === 200 || res.status === 204, JSON.stringify(res.body));
  }

  /** Clicks an inject node once the deployed flows have started (POST /flows answers before they have). */
  async function inject(id) {
    await until(`inject ${id}`, async () => (await fetch(`${editor}/inject/${id}`, { method: 'POST' })).status === 200);
  }

  const injectOf = (key) => examples[key].find((n) => n.type === 'inject').id;

  /** Runs the sandbox walkthrough and returns the Item it linked, as the emulator sees it. */
  async function linkItem() {
    const before = (await state()).items.length;
    await inject(injectOf('01'));
    const itemId = await until('an Item linked and its token kept', async () => {
      const last = await globalValue('plaid_last_item');
      const items = (await state()).items;
      return items.length > before && last === items[items.length - 1].item_id && last;
    });
    return (await state()).items.find((i) => i.item_id === itemId);
  }

  it('npm start came up with the demo tab deployed, credentials kept out of flows.json and encrypted', async () => {
    const flows = (await json(`${editor}/flows`)).body;
    assert.ok(flows.some((n) => n.type === 'tab' && n.label === 'Plaid demo'));
    assert.equal(flows.filter((n) => n.type === 'plaid-webhook-in').length, 1, 'the examples\' webhook nodes are merged into one');
    assert.ok(!fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8').includes('emulator-secret'));
    const stored = fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8');
    assert.deepEqual(Object.keys(JSON.parse(stored)), ['$'], 'credentials encrypted with the kept credentialSecret');
    assert.ok(!stored.includes('emulator-secret'));
    assert.ok(!JSON.stringify(flows).includes('emulator-secret'), 'the editor is never sent the secret');
    const res = await fetch(`${editor}/plaid/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 401, 'the demo\'s webhook route is up and refuses an unsigned body');
  });

  it('01 sandbox walkthrough: creates, exchanges and keeps item_id → access_token', async () => {
    await deploy('01');
    const item = await linkItem();
    const tokens = await globalValue('plaid_tokens');
    assert.equal(tokens[item.item_id], item.access_token, 'the kept token is the Item\'s live token');
    assert.equal(item.webhook, `${editor}/plaid/webhook`);
  });

  it('02 notify on ITEM ERROR: reset_login fires ERROR and the user is notified', async () => {
    await deploy('01', '02');
    const item = await linkItem();
    await inject(injectOf('02'));
    const note = await until('a notification', () => inbox.received.find((n) => n.item_id === item.item_id));
    assert.equal(note.error_code, 'ITEM_LOGIN_REQUIRED');
    assert.equal((await state()).items.find((i) => i.item_id === item.item_id).error_code, 'ITEM_LOGIN_REQUIRED');
  });

  it('03 remove revoked Items: USER_PERMISSION_REVOKED removes the Item and forgets its token', async () => {
    await deploy('01', '03');
    const item = await linkItem();
    await inject(injectOf('03'));
    await until('the Item removed', async () => (await state()).items.find((i) => i.item_id === item.item_id).removed);
    await until('the token forgotten', async () => !(item.item_id in (await globalValue('plaid_tokens'))));
    assert.equal((await state()).counts.itemsRemoved >= 1, true);
  });

  it('04 re-consent: PENDING_DISCONNECT and PENDING_EXPIRATION each notify the user', async () => {
    await deploy('01', '04');
    const item = await linkItem();
    await inject(injectOf('04'));
    const disconnect = await until('PENDING_DISCONNECT notification', () => inbox.received.find((n) => n.item_id === item.item_id && n.reason === 'PENDING_DISCONNECT'));
    assert.ok(disconnect.deadline);
    const fired = await json(`${emulator}/emulator/webhooks/fire`, { method: 'POST', body: JSON.stringify({ item_id: item.item_id, webhook_code: 'PENDING_EXPIRATION' }) });
    assert.equal(fired.status, 200, JSON.stringify(fired.body));
    const expiry = await until('PENDING_EXPIRATION notification', () => inbox.received.find((n) => n.item_id === item.item_id && n.reason === 'PENDING_EXPIRATION'));
    assert.ok(expiry.deadline);
  });

  it('05 rotate: the old token dies and the new one is kept', async () => {
    await deploy('01', '05');
    const item = await linkItem();
    await inject(injectOf('05'));
    const rotated = await until('a new token', async () => {
      const now = (await state()).items.find((i) => i.item_id === item.item_id);
      return now.access_token !== item.access_token && now;
    });
    await until('the new token kept', async () => (await globalValue('plaid_tokens'))[item.item_id] === rotated.access_token);
    const old = await json(`${emulator}/item/get`, { method: 'POST', body: JSON.stringify({ client_id: 'emulator-client-id', secret: 'emulator-secret', access_token: item.access_token }) });
    assert.equal(old.body.error_code, 'INVALID_ACCESS_TOKEN');
  });

  it('06 move webhook: the Item points at the new URL and the acknowledgement is recorded', async () => {
    await deploy('01', '06');
    const item = await linkItem();
    await inject(injectOf('06'));
    const moved = `${editor}/plaid/webhook?v=2`;
    await until('the webhook moved', async () => (await state()).items.find((i) => i.item_id === item.item_id).webhook === moved);
    await until('the acknowledgement recorded', async () => ((await globalValue('plaid_webhooks')) || {})[item.item_id] === moved);
  });

  it('07 verification status: the account is set to verification_expired', async () => {
    await deploy('01');
    const item = await linkItem();
    const account = item.accounts[0].account_id;
    examples['07'] = JSON.parse(JSON.stringify(examples['07']).replace('REPLACE_WITH_ACCOUNT_ID', account));
    await deploy('01', '07');
    await inject(injectOf('07'));
    await until('the account changed', async () => (await state()).items.find((i) => i.item_id === item.item_id)
      .accounts.find((a) => a.account_id === account).verification_status === 'verification_expired');
  });

  it('examples are JSON arrays with an explaining comment and no credentials', () => {
    for (const [key, nodes] of Object.entries(examples)) {
      assert.ok(Array.isArray(nodes), key);
      assert.ok(nodes.some((n) => n.type === 'comment' && n.info), `${key} has a comment node that explains it`);
      for (const node of nodes) {
        assert.equal(node.credentials, undefined, `${key} ${node.id} carries no credentials`);
        assert.ok(!('clientId' in node) && !('secret' in node), `${key} ${node.id} has no credential fields`);
      }
    }
  });

  it('every node type of the package appears in some example', () => {
    const types = new Set(Object.values(examples).flat().map((n) => n.type));
    const all = ['plaid-config', 'plaid-webhook-in', ...require('../../dist/plaid/endpoints').ENDPOINTS.map((e) => e.type)];
    for (const type of all) assert.ok(types.has(type), `${type} appears in an example`);
  });

  it('stops cleanly on Ctrl-C: Node-RED and the emulator both gone', async () => {
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.kill('SIGINT');
    const { code } = await exited;
    assert.equal(code, 0, output.slice(-2000));
    await assert.rejects(fetch(`${editor}/flows`));
    await assert.rejects(fetch(`${emulator}/emulator/state`));
  });
});
