'use strict';
// A config node's secret goes only to the base URL it was entered for. In a real Node-RED (the embedded launcher in
// a child process), a redeploy that points the config node at another listener without the secret typed again
// makes the config node unusable: the listener receives nothing; typing the secret again moves it.
const assert = require('node:assert/strict');
const { Launcher } = require('./support/launcher');
const { until, json, startSink } = require('../reliability/support/util');

const SECRET = 'host-bound-secret';

/** The flow: a config node, an inject feeding item/get with a fixed token, a catch recording errors (and their count) in global. */
function flows(baseUrl) {
  return [
    { id: 'tab', type: 'tab', label: 'host binding' },
    { id: 'cfg', type: 'plaid-config', name: 'bound', environment: 'custom', baseUrl, timeout: 2000, retries: 0 },
    { id: 'go', type: 'inject', z: 'tab', props: [{ p: 'payload' }], payload: '{"access_token":"access-sandbox-00000000-0000"}', payloadType: 'json', repeat: '', once: false, x: 100, y: 40, wires: [['get']] },
    { id: 'get', type: 'plaid-item-get', z: 'tab', plaid: 'cfg', access_token: 'payload.access_token', access_tokenType: 'msg', x: 300, y: 40, wires: [[]] },
    { id: 'errors', type: 'catch', z: 'tab', scope: ['get'], x: 100, y: 100, wires: [['keep']] },
    {
      id: 'keep', type: 'change', z: 'tab', x: 300, y: 100, wires: [], rules: [
        { t: 'set', p: 'last_error', pt: 'global', to: 'error.message', tot: 'msg' },
        { t: 'set', p: 'errors_seen', pt: 'global', to: '($globalContext("errors_seen") ? $globalContext("errors_seen") : 0) + 1', tot: 'jsonata' },
      ],
    },
  ];
}

const carriesSecret = (r) => JSON.stringify(r.headers).includes(SECRET) || r.body.includes(SECRET);

describe('config node: the secret stays with the host it was entered for', function () {
  this.timeout(90000);
  let red;
  let first;
  let listener;

  beforeEach(async () => {
    first = await startSink(200);
    listener = await startSink(200);
  });

  afterEach(async () => {
    await red?.stop();
    await first.close();
    await listener.close();
  });

  async function deploy(nodes) {
    const res = await json(`${red.url}/flows`, { method: 'POST', headers: { 'node-red-deployment-type': 'full' }, body: nodes });
    assert.ok(res.status === 200 || res.status === 204, JSON.stringify(res.body));
  }

  async function lastError() {
    const { body } = await json(`${red.url}/context/global/last_error`);
    return body.format === 'undefined' ? undefined : body.msg;
  }

  async function errorsSeen() {
    const { body } = await json(`${red.url}/context/global/errors_seen`);
    return body.format === 'undefined' ? 0 : Number(body.msg);
  }

  /**
   * Clicks the inject node and waits for its message to end: a request at either listener, or the node's error
   * (after which nothing more is sent for it).
   */
  async function send() {
    const requests = () => first.received.length + listener.received.length;
    const before = { requests: requests(), errors: await errorsSeen() };
    await until('the inject node', async () => (await fetch(`${red.url}/inject/go`, { method: 'POST' })).status === 200);
    await until('the message to end in a request or an error', async () => requests() > before.requests || (await errorsSeen()) > before.errors);
  }

  for (const recorded of ['recorded by the editor', 'bound on first run (credentials without host)']) {
    it(`redeployed with another baseUrl and the secret not typed again: nothing reaches the new host (${recorded})`, async () => {
      const credentials = { clientId: 'cid', secret: SECRET, ...(recorded.startsWith('recorded') ? { host: first.url } : {}) };
      red = await Launcher.start({ seed: { flows: flows(first.url), credentials: { cfg: credentials } } });
      await send();
      await until('the first host to be called', () => first.received.length > 0);
      assert.ok(first.received.every(carriesSecret), 'the secret went where it was entered for');

      // What the editor deploys after the base URL was changed and the secret field left as it was: the node's
      // text credentials as loaded (clientId, host), the secret as __PWRD__.
      const host = (await json(`${red.url}/credentials/plaid-config/cfg`)).body.host;
      assert.equal(host, first.url, 'the config node knows where the secret was entered for');
      const moved = flows(listener.url).map((n) => (n.id === 'cfg' ? { ...n, credentials: { clientId: 'cid', secret: '__PWRD__', host } } : n));
      await deploy(moved);
      const before = first.received.length;
      await send();
      await until('the node to report the config problem', async () => /enter the secret again/.test((await lastError()) || ''));
      assert.equal(listener.received.length, 0, 'the new host received no request');
      assert.equal(first.received.length, before, 'nor did the old one');
      assert.ok(!(await lastError()).includes(SECRET));

      // A deploy that leaves the config node's credentials out entirely (its dialog never opened) is refused too.
      await deploy(flows(listener.url));
      await send();
      assert.equal(listener.received.length, 0);

      // Typed again (the editor then records the new host): now the secret may go there.
      await deploy(flows(listener.url).map((n) => (n.id === 'cfg' ? { ...n, credentials: { clientId: 'cid', secret: 'typed-again', host: listener.url } } : n)));
      await send();
      await until('the new host to be called', () => listener.received.length > 0);
      assert.ok(JSON.stringify(listener.received).includes('typed-again'));
      assert.ok(!listener.received.some(carriesSecret), 'the old secret never went there');
    });
  }

  it('an Admin API deploy that supplies the secret again with a new base URL: the secret goes to that URL, and only there', async () => {
    red = await Launcher.start({ seed: { flows: flows(first.url), credentials: { cfg: { clientId: 'cid', secret: SECRET, host: first.url } } } });
    await send();
    await until('the first host to be called', () => first.received.length > 0);
    const before = first.received.length;
    // A deploy tool re-supplies the config node's credentials as it knows them: client ID and secret, no host.
    await deploy(flows(listener.url).map((n) => (n.id === 'cfg' ? { ...n, credentials: { clientId: 'cid', secret: SECRET } } : n)));
    await send();
    await until('the new host to be called', () => listener.received.length > 0);
    assert.ok(listener.received.every(carriesSecret), 'the secret supplied with the deploy went where it was deployed for');
    assert.equal(first.received.length, before, 'nothing more to the old host');
    assert.equal(await lastError(), undefined);
    assert.equal((await json(`${red.url}/credentials/plaid-config/cfg`)).body.host, listener.url, 'the editor is told where it is bound now');

    // The binding moved with it: a later deploy that changes the base URL without the secret is refused again.
    const host = (await json(`${red.url}/credentials/plaid-config/cfg`)).body.host;
    await deploy(flows(first.url).map((n) => (n.id === 'cfg' ? { ...n, credentials: { clientId: 'cid', secret: '__PWRD__', host } } : n)));
    await send();
    await until('the node to report the config problem', async () => /enter the secret again/.test((await lastError()) || ''));
    assert.equal(first.received.length, before, 'the old host got nothing');
  });

  it('a deploy that writes the host credential by hand without the secret cannot move the secret', async () => {
    red = await Launcher.start({ seed: { flows: flows(first.url), credentials: { cfg: { clientId: 'cid', secret: SECRET, host: first.url } } } });
    await send();
    await until('the first host to be called', () => first.received.length > 0);
    await deploy(flows(listener.url).map((n) => (n.id === 'cfg' ? { ...n, credentials: { clientId: 'cid', secret: '__PWRD__', host: listener.url } } : n)));
    await send();
    await until('the node to report the config problem', async () => /enter the secret again/.test((await lastError()) || ''));
    assert.equal(listener.received.length, 0, 'the new host received nothing');
  });

  it('switching the environment to sandbox or production without typing the secret again sends nothing', async () => {
    red = await Launcher.start({ seed: { flows: flows(first.url), credentials: { cfg: { clientId: 'cid', secret: SECRET, host: first.url } } } });
    await deploy(flows(first.url).map((n) => (n.id === 'cfg' ? { ...n, environment: 'production' } : n)));
    await send();
    await until('the node to report the config problem', async () => /entered for http:\/\/127\.0\.0\.1:\d+, but this config node now calls https:\/\/production\.plaid\.com/.test((await lastError()) || ''));
    assert.equal(first.received.length, 0);
  });
});
