'use strict';
// The control API moves the emulator's state (fires signed webhooks, resets, rotates keys) and shows access tokens,
// so a web page must not reach it: a page can send a cross-site "simple" POST (text/plain, or no body at all)
// without a CORS preflight, and a page whose host name was rebound to 127.0.0.1 sends its own name as Host. Both are
// refused; the Plaid API routes keep answering the SDK and the nodes.
const assert = require('node:assert/strict');
const {
  assertPlaidError, linkItem, ok, rawRequest, startEmulator, startReceiver, webhookBody,
} = require('./helpers');

describe('emulator: the control API refuses requests a web page could send', () => {
  let emulator;
  let receiver;
  let own;
  beforeEach(async () => {
    emulator = await startEmulator();
    receiver = await startReceiver();
    own = `${emulator.host}:${emulator.port}`;
  });
  afterEach(async () => {
    await emulator.stop();
    await receiver.close();
  });

  const post = (path, body, headers) => rawRequest(emulator, {
    path, body, headers: { Host: own, ...(body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) }), ...headers },
  });

  it('a cross-site text/plain POST (a form or fetch without preflight) is refused with 415 and changes nothing', async () => {
    const item = emulator.createItem();
    const refused = await post('/emulator/reset', '{}', { 'Content-Type': 'text/plain;charset=UTF-8' });
    assert.equal(refused.status, 415);
    assertPlaidError(refused.body, { status: 415, type: 'INVALID_REQUEST', code: 'INVALID_BODY' });
    assert.match(refused.body.error_message, /application\/json/);
    assert.equal(emulator.item(item.item_id).removed, false);
    assert.equal(emulator.state().items.length, 1, 'not reset');
  });

  it('a POST with no body and no content type (sendBeacon, fetch no-cors) is refused too', async () => {
    const before = emulator.currentKeyId();
    const refused = await post('/emulator/keys/rotate', undefined, {});
    assert.equal(refused.status, 415);
    assertPlaidError(refused.body, { status: 415, type: 'INVALID_REQUEST', code: 'INVALID_BODY' });
    assert.equal(emulator.currentKeyId(), before, 'the signing key was not rotated');
  });

  it('a text/plain webhooks/fire sends nothing; the same body as JSON sends exactly one webhook', async () => {
    const item = emulator.createItem({ webhook: receiver.urlFor('/hook') });
    const body = JSON.stringify({ item_id: item.item_id, webhook_code: 'USER_PERMISSION_REVOKED' });
    const refused = await post('/emulator/webhooks/fire', body, { 'Content-Type': 'text/plain' });
    assert.equal(refused.status, 415);
    const accepted = await post('/emulator/webhooks/fire', JSON.stringify({ item_id: item.item_id, webhook_code: 'LOGIN_REPAIRED' }),
      { 'Content-Type': 'application/json' });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const [delivery] = await receiver.waitFor(1);
    assert.equal(webhookBody(delivery).webhook_code, 'LOGIN_REPAIRED');
    await emulator.deliveriesSettled();
    assert.equal(receiver.received.length, 1, 'the refused request fired nothing');
    assert.equal(emulator.counts.webhooksFired, 1);
  });

  it('JSON with a charset, and an empty JSON body, are accepted', async () => {
    const withCharset = await post('/emulator/faults', '{"rateLimit":0}', { 'Content-Type': 'application/json; charset=utf-8' });
    assert.equal(withCharset.status, 200, JSON.stringify(withCharset.body));
    const empty = await post('/emulator/reset', '', { 'Content-Type': 'application/json' });
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.deepEqual(empty.body, { reset: true });
  });

  it('a Host other than the emulator\'s own (a rebound host name) is refused with 403, GET and POST alike', async () => {
    const { accessToken } = await linkItem(emulator);
    const before = emulator.currentKeyId();
    for (const host of [`attacker.example:${emulator.port}`, `127.0.0.1.nip.io:${emulator.port}`, `${emulator.host}:${emulator.port + 1}`, emulator.host]) {
      const state = await rawRequest(emulator, { method: 'GET', path: '/emulator/state', headers: { Host: host } });
      assert.equal(state.status, 403, host);
      assertPlaidError(state.body, { status: 403, type: 'INVALID_REQUEST', code: 'INVALID_HEADERS' });
      assert.doesNotMatch(JSON.stringify(state.body), new RegExp(accessToken), 'no token in the refusal');
      const rotate = await post('/emulator/keys/rotate', '{}', { Host: host, 'Content-Type': 'application/json' });
      assert.equal(rotate.status, 403, host);
    }
    assert.equal(emulator.currentKeyId(), before);
    // Without a Host header Node's HTTP server answers 400 itself; the guard would answer 403.
    const noHost = await rawRequest(emulator, { method: 'GET', path: '/emulator/state', headers: { Host: null } });
    assert.ok([400, 403].includes(noHost.status), String(noHost.status));
  });

  it('answers at its own address and at localhost on its port', async () => {
    for (const host of [own, `localhost:${emulator.port}`, `LOCALHOST:${emulator.port}`]) {
      const state = await rawRequest(emulator, { method: 'GET', path: '/emulator/state', headers: { Host: host } });
      assert.equal(state.status, 200, host);
    }
  });

  it('the Plaid API routes are not affected: they need the client secret and a JSON body anyway', async () => {
    const { accessToken } = await linkItem(emulator);
    const got = await rawRequest(emulator, {
      path: '/item/get',
      headers: {
        Host: `plaid-emulator.internal:${emulator.port}`, 'Content-Type': 'application/json',
        'PLAID-CLIENT-ID': emulator.clientId, 'PLAID-SECRET': emulator.secret,
      },
      body: JSON.stringify({ access_token: accessToken }),
    });
    assert.equal(got.status, 200, JSON.stringify(got.body));
    await ok(emulator, '/item/get', { access_token: accessToken });
  });
});
