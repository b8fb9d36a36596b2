'use strict';
// The shared Plaid client as operators meet it through the nodes: retries per endpoint policy, Retry-After,
// per-attempt timeouts, redaction of secrets, and one outcome per message under concurrency.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const { ENDPOINTS } = require('../../dist/plaid/endpoints');
const { PlaidClient } = require('../../dist/plaid/client');
const { standInForSuite, plaidError, CLIENT_ID, SECRET } = require('../support/plaid-stand-in');
const { helper, deploy, configFor } = require('../support/red');

const credentials = { cfg: { clientId: CLIENT_ID, secret: SECRET } };
const token = () => `access-sandbox-${crypto.randomUUID()}`;
const serverError = { status: 500, body: plaidError('API_ERROR', 'INTERNAL_SERVER_ERROR', 'an unexpected error occurred') };
const rateLimited = (retryAfter) => ({
  status: 429,
  headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
  body: plaidError('RATE_LIMIT_EXCEEDED', 'RATE_LIMIT', 'rate limit exceeded'),
});

/** A loopback port with nothing listening: connections to it are refused. */
async function closedPort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  await new Promise((r) => server.close(r));
  return port;
}

describe('Plaid client behaviour', function () {
  const suite = standInForSuite(helper);

  async function one(type, payload, { config = {}, url = suite.plaid.url } = {}) {
    const red = await deploy({ nodes: [{ id: 'n1', type, plaid: 'cfg', wires: [['out']] }], config: configFor(url, config), credentials });
    red.node('n1').receive({ payload });
    const outcomes = await red.waitFor(1);
    assert.equal(outcomes.length, 1, 'one message, one outcome');
    return outcomes[0];
  }

  const refusedOnly = ENDPOINTS.filter((e) => e.retry === 'refused-only').map((e) => e.type);

  it('the table marks exactly the endpoints whose repeat could lose or double an effect', () => {
    assert.deepEqual(refusedOnly.sort(), [
      'plaid-item-access-token-invalidate',
      'plaid-item-public-token-exchange',
      'plaid-sandbox-item-fire-webhook',
      'plaid-sandbox-public-token-create',
    ]);
  });

  it('retries 5xx on an idempotent endpoint and reports the attempts', async () => {
    suite.plaid.script('/item/get', serverError, serverError);
    const { kind, msg } = await one('plaid-item-get', { access_token: token() });
    assert.equal(kind, 'output');
    assert.equal(msg.plaid.attempts, 3);
    assert.equal(suite.plaid.callsTo('/item/get').length, 3);
  });

  it('gives up after 1 + retries attempts with the last error', async () => {
    suite.plaid.script('/item/remove', serverError, serverError, serverError, serverError);
    const { kind, msg } = await one('plaid-item-remove', { access_token: token() }, { config: { retries: 1 } });
    assert.equal(kind, 'error');
    assert.equal(msg.plaid.attempts, 2);
    assert.equal(msg.plaid.status, 500);
    assert.equal(msg.plaid.error.error_code, 'INTERNAL_SERVER_ERROR');
    assert.match(msg.error.message, /INTERNAL_SERVER_ERROR.*after 2 attempts/);
    assert.equal(suite.plaid.callsTo('/item/remove').length, 2);
  });

  for (const type of refusedOnly) {
    it(`${type}: never repeats after a 5xx, a timeout or a dropped connection`, async () => {
      const endpoint = ENDPOINTS.find((e) => e.type === type);
      const payload = {
        access_token: token(), public_token: `public-sandbox-${crypto.randomUUID()}`,
        institution_id: 'ins_109508', initial_products: ['transactions'], webhook_code: 'DEFAULT_UPDATE',
      };
      const body = Object.fromEntries(endpoint.fields.filter((f) => f.required).map((f) => [f.name, payload[f.name]]));
      suite.plaid.script(endpoint.path, serverError, { delay: 600 }, { destroy: true });
      for (const expected of [/INTERNAL_SERVER_ERROR/, /timeout/, /network/]) {
        const red = await deploy({ nodes: [{ id: 'n1', type, plaid: 'cfg', wires: [['out']] }], config: configFor(suite.plaid.url, { timeout: 300 }), credentials });
        red.node('n1').receive({ payload: body });
        const [outcome] = await red.waitFor(1);
        assert.equal(outcome.kind, 'error');
        assert.match(outcome.msg.error.message, expected);
        assert.equal(outcome.msg.plaid.attempts, 1);
        await helper.unload();
      }
      assert.equal(suite.plaid.callsTo(endpoint.path).length, 3, 'each message reached the server once');
    });
  }

  it('retries a 429 even where a repeat is otherwise unsafe', async () => {
    suite.plaid.script('/item/public_token/exchange', rateLimited());
    const { kind, msg } = await one('plaid-item-public-token-exchange', { public_token: `public-sandbox-${crypto.randomUUID()}` });
    assert.equal(kind, 'output');
    assert.equal(msg.plaid.attempts, 2);
  });

  it('retries a refused connection where a repeat is otherwise unsafe (nothing was sent)', async () => {
    const port = await closedPort();
    const { kind, msg } = await one('plaid-item-access-token-invalidate', { access_token: token() }, { url: `http://127.0.0.1:${port}` });
    assert.equal(kind, 'error');
    assert.equal(msg.plaid.attempts, 3);
    assert.match(msg.error.message, /refused/);
    assert.equal(msg.plaid.error, undefined, 'no Plaid error object when Plaid did not answer');
  });

  it('honours Retry-After on a 429', async () => {
    suite.plaid.script('/item/get', rateLimited(1));
    const { kind } = await one('plaid-item-get', { access_token: token() });
    assert.equal(kind, 'output');
    const [first, second] = suite.plaid.callsTo('/item/get');
    assert.ok(second.at - first.at >= 950, `waited ${second.at - first.at} ms for Retry-After: 1`);
  });

  it('fails at once when Retry-After is longer than a message should wait', async () => {
    suite.plaid.script('/item/get', rateLimited(3600));
    const { kind, msg } = await one('plaid-item-get', { access_token: token() });
    assert.equal(kind, 'error');
    assert.equal(msg.plaid.status, 429);
    assert.equal(msg.plaid.attempts, 1);
  });

  it('close() ends a call waiting to retry at once, with its last error, and nothing is sent after it', async () => {
    const endpoint = ENDPOINTS.find((e) => e.type === 'plaid-item-get');
    /** @type {() => void} */
    let nowWaiting;
    const waiting = new Promise((resolve) => { nowWaiting = () => resolve(undefined); });
    // Ten minutes between attempts, far past the test's timeout: only close() can end the call in time. The client
    // reads its backoff once a failed attempt is to be retried, which is the signal that it is about to wait.
    const backoff = { baseMs: 600_000, get capMs() { nowWaiting(); return 600_000; } };
    const client = new PlaidClient({ baseUrl: suite.plaid.url, clientId: CLIENT_ID, secret: SECRET, timeout: 2000, retries: 2, backoff });
    suite.plaid.script('/item/get', serverError, serverError);
    const call = client.request(endpoint, { access_token: token() });
    await waiting;
    client.close();
    await assert.rejects(call, { name: 'PlaidRequestError', status: 500, attempts: 1, message: /INTERNAL_SERVER_ERROR/ });
    await assert.rejects(client.request(endpoint, { access_token: token() }), /client closed/);
    assert.equal(suite.plaid.callsTo('/item/get').length, 1, 'no attempt after close()');
  });

  it('times out each attempt and retries an idempotent call', async () => {
    suite.plaid.script('/item/get', { delay: 800 });
    const { kind, msg } = await one('plaid-item-get', { access_token: token() }, { config: { timeout: 300 } });
    assert.equal(kind, 'output');
    assert.equal(msg.plaid.attempts, 2);
  });

  it('reports a timeout as such when every attempt times out', async () => {
    suite.plaid.script('/item/get', { delay: 500 }, { delay: 500 });
    const { kind, msg } = await one('plaid-item-get', { access_token: token() }, { config: { timeout: 200, retries: 1 } });
    assert.equal(kind, 'error');
    assert.match(msg.error.message, /item\/get: timeout \(no answer within 200 ms\) after 2 attempts/);
  });

  it('says so when an error follows an attempt whose answer was lost', async () => {
    suite.plaid.script('/item/remove', serverError, { status: 400, body: plaidError('INVALID_INPUT', 'INVALID_ACCESS_TOKEN', 'could not find matching access token') });
    const { kind, msg } = await one('plaid-item-remove', { access_token: token() });
    assert.equal(kind, 'error');
    assert.equal(msg.plaid.attempts, 2);
    assert.match(msg.error.message, /INVALID_ACCESS_TOKEN.*an earlier attempt ended in HTTP 500 and may have taken effect/);
  });

  it('does not retry a 4xx other than 429', async () => {
    suite.plaid.script('/item/get', { status: 400, body: plaidError('ITEM_ERROR', 'ITEM_LOGIN_REQUIRED', 'the login details of this item have changed') });
    const { kind, msg } = await one('plaid-item-get', { access_token: token() });
    assert.equal(kind, 'error');
    assert.equal(msg.plaid.attempts, 1);
    assert.equal(suite.plaid.callsTo('/item/get').length, 1);
  });

  it('treats a proxy\'s HTML error page as an HTTP failure and retries it where safe', async () => {
    suite.plaid.script('/item/get', { status: 502, raw: '<html>bad gateway</html>' }, { status: 502, raw: '<html>bad gateway</html>' }, { status: 502, raw: '<html>bad gateway</html>' });
    const { kind, msg } = await one('plaid-item-get', { access_token: token() });
    assert.equal(kind, 'error');
    assert.equal(msg.plaid.status, 502);
    assert.equal(msg.plaid.attempts, 3);
    assert.match(msg.error.message, /HTTP 502/);
  });

  it('keeps the secret and access tokens out of errors, statuses and logs', async () => {
    const accessToken = token();
    suite.plaid.script('/item/get', {
      status: 400,
      body: plaidError('INVALID_INPUT', 'INVALID_ACCESS_TOKEN', `token ${accessToken} with secret ${SECRET} is not valid`),
    });
    const statuses = [];
    const red = await deploy({ nodes: [{ id: 'n1', type: 'plaid-item-get', plaid: 'cfg', wires: [['out']] }], config: configFor(suite.plaid.url), credentials });
    red.node('n1').on('call:status', (call) => statuses.push(JSON.stringify(call.args[0])));
    red.node('n1').receive({ payload: { access_token: accessToken } });
    const [{ kind, msg }] = await red.waitFor(1);
    assert.equal(kind, 'error');
    const logs = helper.log().args.map((a) => JSON.stringify(a)).join('\n');
    const seen = JSON.stringify({ error: msg.error, plaid: msg.plaid, statuses }) + logs;
    assert.ok(!seen.includes(SECRET), 'secret never shown');
    assert.ok(!seen.includes(accessToken), 'access token never shown');
    assert.match(msg.error.message, new RegExp(`access-sandbox-…${accessToken.slice(-4)}`), 'the token is masked, not dropped');
    assert.match(msg.plaid.error.error_message, /\[redacted\]/);
    assert.ok(statuses.some((s) => s.includes('INVALID_ACCESS_TOKEN')), 'status ring names the error_code');
  });

  it('50 parallel messages end in exactly 50 outcomes', async () => {
    for (let i = 0; i < 10; i++) suite.plaid.script('/item/get', { status: 400, body: plaidError('INVALID_INPUT', 'INVALID_ACCESS_TOKEN', 'nope') });
    for (let i = 0; i < 5; i++) suite.plaid.script('/item/get', serverError);
    const red = await deploy({ nodes: [{ id: 'n1', type: 'plaid-item-get', plaid: 'cfg', wires: [['out']] }], config: configFor(suite.plaid.url), credentials });
    for (let i = 0; i < 50; i++) red.node('n1').receive({ payload: { access_token: token() }, n: i });
    const outcomes = await red.waitFor(50);
    assert.equal(outcomes.length, 50);
    assert.deepEqual(outcomes.map((o) => o.msg.n).sort((a, b) => a - b), [...Array(50).keys()], 'each message once');
    assert.equal(outcomes.filter((o) => o.kind === 'error').length, 10);
  });
});
