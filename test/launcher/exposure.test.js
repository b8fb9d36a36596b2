'use strict';
// The embedded launcher on one person's machine: the editor and the Admin API answer only requests addressed to
// the loopback URL it prints, with no CORS grant; credentials are encrypted with a kept credentialSecret; every file
// in the userDir is the owner's alone. Node-RED runs in a child process, as npm start runs it.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Launcher, request, upgrade } = require('./support/launcher');
const { until, json } = require('../reliability/support/util');

const TOKEN = 'access-sandbox-5d1f1a2b-9c4e-4a57-8f0e-3b2a1c0d9e8f';
const SECRET = 'launcher-test-secret';
const EVIL = 'rebind.evil.example:1880';

const seed = {
  flows: [
    { id: 'tab', type: 'tab', label: 'exposure' },
    { id: 'cfg', type: 'plaid-config', name: 'local', environment: 'custom', baseUrl: 'http://127.0.0.1:9', timeout: 1000, retries: 0 },
    { id: 'once', type: 'inject', z: 'tab', once: true, onceDelay: 0.1, repeat: '', x: 100, y: 40, wires: [['keep']] },
    { id: 'keep', type: 'change', z: 'tab', rules: [{ t: 'set', p: 'plaid_tokens', pt: 'global', to: `{"item-1":"${TOKEN}"}`, tot: 'json' }], x: 300, y: 40, wires: [] },
    { id: 'hello-in', type: 'http in', z: 'tab', url: '/hello', method: 'get', x: 100, y: 100, wires: [['hello-out']] },
    { id: 'hello-out', type: 'http response', z: 'tab', statusCode: '200', x: 300, y: 100, wires: [] },
  ],
  credentials: { cfg: { clientId: 'launcher-client', secret: SECRET, host: 'http://127.0.0.1:9' } },
};

/** Every file and directory below `dir`, but not the node_modules link to this package. */
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.name === 'node_modules') return [];
    return e.isDirectory() ? [{ path: full, dir: true }, ...walk(full)] : [{ path: full, dir: false }];
  });
}

describe('embedded launcher: exposure', function () {
  this.timeout(90000);
  let red;
  let own;
  let userDir;

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-launcher-'));
    // What an older launcher left: world-readable files.
    fs.writeFileSync(path.join(userDir, 'flows_cred.json'), '{}', { mode: 0o644 });
    fs.writeFileSync(path.join(userDir, '.config.runtime.json'), '{}', { mode: 0o644 });
    red = await Launcher.start({ userDir, seed });
    own = new URL(red.url).host;
    await until('the flows to keep the token', async () => (await request(`${red.url}/context/global/plaid_tokens`)).text.includes('item-1'));
  });

  after(async () => {
    await red.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('answers the Admin API at the printed address, and 403 under a rebound host name', async () => {
    const mine = await request(`${red.url}/context/global/plaid_tokens`, { headers: { host: own } });
    assert.equal(mine.status, 200);
    for (const route of ['/context/global/plaid_tokens', '/flows', '/settings', '/', '/credentials/plaid-config/cfg']) {
      const res = await request(`${red.url}${route}`, { headers: { host: EVIL } });
      assert.equal(res.status, 403, route);
      assert.ok(!res.text.includes(TOKEN) && !res.text.includes('item-1'), route);
    }
    for (const host of ['localhost:' + new URL(red.url).port, '127.0.0.1', `[::1]:${new URL(red.url).port}`]) {
      assert.equal((await request(`${red.url}/flows`, { headers: { host } })).status, 403, host);
    }
  });

  it('refuses a deploy under a rebound host name: the flows stay as they were', async () => {
    const res = await request(`${red.url}/flows`, { method: 'POST', headers: { host: EVIL, 'content-type': 'application/json', 'node-red-deployment-type': 'full' }, body: '[]' });
    assert.equal(res.status, 403);
    assert.ok((await json(`${red.url}/flows`)).body.some((n) => n.id === 'keep'));
  });

  it('refuses a request another site\'s page makes (foreign Origin), even to the right host', async () => {
    const res = await request(`${red.url}/context/global/plaid_tokens`, { headers: { host: own, origin: 'https://evil.example' } });
    assert.equal(res.status, 403);
    assert.equal((await request(`${red.url}/flows`, { headers: { host: own, origin: red.url } })).status, 200, 'the editor\'s own origin');
  });

  it('grants no CORS: no Access-Control-Allow-Origin on answers or preflights', async () => {
    for (const route of ['/flows', '/settings', '/context/global/plaid_tokens']) {
      const res = await request(`${red.url}${route}`, { headers: { host: own } });
      assert.equal(res.status, 200, route);
      assert.equal(res.headers['access-control-allow-origin'], undefined, route);
    }
    const preflight = await request(`${red.url}/flows`, { method: 'OPTIONS', headers: { host: own, origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.notEqual(preflight.status, 204);
  });

  it('opens the editor\'s comms socket only at the printed address', async () => {
    assert.equal(await upgrade(red.url, own), 101);
    assert.equal(await upgrade(red.url, EVIL), 'closed');
  });

  it('still serves the flows\' own routes under any host name (webhooks arrive through tunnels)', async () => {
    assert.equal((await request(`${red.url}/hello`, { headers: { host: own } })).status, 200);
    assert.equal((await request(`${red.url}/hello`, { headers: { host: 'abc123.tunnel.example' } })).status, 200);
  });

  it('encrypts flows_cred.json with a credentialSecret kept in the userDir, and Node-RED decrypts it', async () => {
    const kept = fs.readFileSync(path.join(userDir, 'credential-secret'), 'utf8').trim();
    assert.match(kept, /^[0-9a-f]{64}$/);
    const stored = JSON.parse(fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8'));
    assert.deepEqual(Object.keys(stored), ['$']);
    const text = fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8');
    for (const clear of [SECRET, 'launcher-client']) assert.ok(!text.includes(clear), clear);
    const creds = (await json(`${red.url}/credentials/plaid-config/cfg`)).body;
    assert.equal(creds.clientId, 'launcher-client', 'Node-RED read the credentials back');
    assert.equal(creds.has_secret, true);
  });

  it('writes every file of the userDir 0600 and every directory 0700, also after a deploy and a restart', async () => {
    const flows = (await json(`${red.url}/flows`, { headers: { 'node-red-api-version': 'v2' } })).body;
    const res = await json(`${red.url}/flows`, { method: 'POST', headers: { 'node-red-deployment-type': 'full', 'node-red-api-version': 'v2' }, body: { rev: flows.rev, flows: [...flows.flows, { id: 'note', type: 'comment', z: 'tab', name: 'n', x: 100, y: 160, wires: [] }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await red.stop();
    red = await Launcher.start({ userDir });
    assert.equal((await json(`${red.url}/credentials/plaid-config/cfg`)).body.clientId, 'launcher-client', 'the restart decrypted what the deploy wrote');
    const entries = walk(userDir);
    assert.ok(entries.some((e) => e.path.endsWith('.flows.json.backup')), 'the deploy wrote a backup too');
    for (const entry of [{ path: userDir, dir: true }, ...entries]) {
      const mode = fs.statSync(entry.path).mode & 0o777;
      assert.equal(mode, entry.dir ? 0o700 : 0o600, `${path.relative(userDir, entry.path) || '.'}: ${mode.toString(8)}`);
    }
  });
});
