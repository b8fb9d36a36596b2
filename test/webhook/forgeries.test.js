'use strict';
// Forged and malformed deliveries against a real runtime: each one answered with its status, none emitted.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { WebhookRig, helper } = require('../support/webhook-rig');
const { startKeyServer } = require('../support/webhook-key-server');
const { makeKey, plaidDelivery, signRaw, jws, b64url, sha256Hex } = require('../support/webhook-signer');
const { until } = require('../support/until');

const LIMIT = 16 * 1024;

describe('plaid-webhook-in: forged and malformed deliveries', function () {
  const rig = new WebhookRig();
  const live = makeKey('kid-live');
  const expired = makeKey('kid-expired', { expiredAt: Math.floor(Date.now() / 1000) - 3600 });
  const attacker = makeKey('kid-attacker');
  const impostor = { ...makeKey('kid-live'), kid: 'kid-live' }; // claims the live kid, signs with another key
  const body = { webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-1', environment: 'sandbox', error: null };
  const now = () => Math.floor(Date.now() / 1000);
  let keyServer;
  let statuses;

  before(async function () {
    keyServer = await startKeyServer();
    keyServer.add(live);
    keyServer.add(expired);
    helper.settings({ apiMaxLength: `${LIMIT / 1024}kb` });
    await rig.load(rig.flow(keyServer));
    statuses = [];
    helper.getNode('hook').on('call:status', (call) => statuses.push(call.args[0]));
  });

  after(async function () {
    await rig.unload();
    await keyServer.close();
  });

  afterEach(async function () {
    await rig.settle();
    assert.deepEqual(rig.emitted.map((e) => e.msg.topic), [], 'nothing may be emitted');
  });

  it('(control) takes a genuine delivery, then rejects each forgery below', async function () {
    await rig.post(plaidDelivery(body, live)).expect(200);
    await rig.settle();
    assert.equal(rig.emitted.length, 1);
    rig.emitted.length = 0;
  });

  const signed = (raw, options) => ({ raw, headers: { 'content-type': 'application/json', 'plaid-verification': signRaw(raw, live, options) } });
  const pretty = JSON.stringify(body, null, 2);
  const withToken = (token, raw = pretty) => ({ raw, headers: { 'content-type': 'application/json', 'plaid-verification': token } });
  const header = (extra) => ({ alg: 'ES256', kid: live.kid, typ: 'JWT', ...extra });
  const claims = (extra) => ({ iat: now(), request_body_sha256: sha256Hex(pretty), ...extra });

  /** @type {Array<[string, number, string, () => {raw: string | Buffer, headers: Record<string, string>, plainHttp?: boolean}]>} */
  const cases = [
    ['no Plaid-Verification header', 401, 'no Plaid-Verification header', () => ({ raw: pretty, headers: { 'content-type': 'application/json' } })],
    ['alg none', 401, 'alg "none"', () => withToken(`${b64url(header({ alg: 'none' }))}.${b64url(claims())}.`)],
    ['HS256 signed with the public key as secret', 401, 'alg "HS256"', () => withToken(jws(header({ alg: 'HS256' }), claims(), (data) =>
      crypto.createHmac('sha256', live.publicKey.export({ format: 'pem', type: 'spki' })).update(data).digest()))],
    ['ES384 with a P-384 key', 401, 'alg "ES384"', () => {
      const p384 = makeKey('kid-live', { curve: 'P-384' });
      return withToken(jws(header({ alg: 'ES384' }), claims(), (data) => crypto.sign('sha384', data, { key: p384.privateKey, dsaEncoding: 'ieee-p1363' })));
    }],
    ['alg spelt es256', 401, 'alg "es256"', () => signed(pretty, { header: { alg: 'es256' } })],
    ['unknown kid (signed by a key Plaid never issued)', 401, 'knows no verification key kid-attacker', () => plaidDelivery(body, attacker)],
    ['the live kid, signed by another key', 401, 'signature does not verify', () => plaidDelivery(body, impostor)],
    ['an expired key', 401, 'kid-expired has expired', () => plaidDelivery(body, expired)],
    ['no kid', 401, 'no usable kid', () => signed(pretty, { header: { kid: undefined } })],
    ['iat 6 minutes old', 401, 'more than 5 minutes old', () => signed(pretty, { iat: now() - 360 })],
    ['iat 5 minutes ahead', 401, 'in the future', () => signed(pretty, { iat: now() + 300 })],
    ['iat as a string', 401, 'no iat', () => signed(pretty, { iat: String(now()) })],
    ['no request_body_sha256', 401, 'no request_body_sha256', () => signed(pretty, { claims: { request_body_sha256: undefined } })],
    ['body changed after signing', 401, 'does not match request_body_sha256', () => ({ ...signed(pretty), raw: pretty.replace('item-1', 'item-2') })],
    ['body re-serialised (same JSON, other bytes)', 401, 'does not match request_body_sha256', () => ({ ...signed(pretty), raw: JSON.stringify(body) })],
    ['another webhook\'s header replayed', 401, 'does not match request_body_sha256', () => {
      const other = plaidDelivery({ ...body, item_id: 'item-other' }, live);
      return { raw: pretty, headers: other.headers };
    }],
    ['a flipped signature bit', 401, 'signature does not verify', () => {
      const [h, c, s] = signRaw(pretty, live).split('.');
      const sig = Buffer.from(s, 'base64url');
      sig[10] ^= 1;
      return withToken(`${h}.${c}.${sig.toString('base64url')}`);
    }],
    ['a DER-encoded signature', 401, 'not a 64-byte ES256 signature', () => withToken(jws(header(), claims(), (data) => crypto.sign('sha256', data, live.privateKey)))],
    ['a signature in base64 with + and /', 401, 'signature is not base64url', () => {
      const token = signRaw(pretty, live);
      return withToken(token.slice(0, -8) + '+/+/+/+/');
    }],
    ['a garbage token', 401, 'not a compact JWT', () => withToken('garbage')],
    ['a token of two parts', 401, 'not a compact JWT', () => withToken(signRaw(pretty, live).split('.').slice(0, 2).join('.'))],
    ['claims that are not JSON', 401, 'claims is not JSON', () => withToken(`${b64url(header())}.${b64url('{nope')}.${'A'.repeat(86)}`)],
    ['malformed JSON (signed)', 400, 'not valid JSON', () => signed('{"webhook_type": "ITEM", ')],
    ['an array body (signed)', 400, 'not a JSON object', () => signed(JSON.stringify([body], null, 2))],
    ['a JSON string body (signed)', 400, 'not a JSON object', () => signed('"ITEM ERROR"')],
    ['no webhook_code (signed)', 400, 'no webhook_code', () => signed(JSON.stringify({ webhook_type: 'ITEM', item_id: 'i' }, null, 2))],
    ['no webhook_type (signed)', 400, 'no webhook_type', () => signed(JSON.stringify({ webhook_code: 'ERROR', item_id: 'i' }, null, 2))],
    ['an empty body (signed)', 400, 'empty body', () => signed('')],
    ['content type text/plain', 415, 'content type "text/plain"', () => ({ ...signed(pretty), headers: { ...signed(pretty).headers, 'content-type': 'text/plain' } })],
    // superagent would add a content type to a string body: sent over plain http.
    ['no content type', 415, 'content type ""', () => ({ raw: pretty, headers: { 'plaid-verification': signRaw(pretty, live) }, plainHttp: true })],
    ['a form-encoded body', 415, 'content type "application/x-www-form-urlencoded"', () => ({ raw: 'webhook_type=ITEM&webhook_code=ERROR', headers: { 'content-type': 'application/x-www-form-urlencoded', 'plaid-verification': signRaw('webhook_type=ITEM&webhook_code=ERROR', live) } })],
    ['a body over apiMaxLength (signed)', 413, 'body larger than 16384 bytes', () => signed(JSON.stringify({ ...body, padding: 'x'.repeat(LIMIT) }, null, 2))],
  ];

  for (const [name, expected, reason, make] of cases) {
    it(`${name} → ${expected}`, async function () {
      const logged = helper.log().callCount;
      const delivery = make();
      if (delivery.plainHttp) assert.equal(await rig.postPlain(delivery.headers, [Buffer.from(delivery.raw)]), expected);
      else await rig.post(delivery).expect(expected);
      // The node logs each rejection's reason at debug level: the right check must have refused it.
      const lines = helper.log().getCalls().slice(logged).map((call) => call.args[0])
        .filter((entry) => entry.id === 'hook' && entry.level === helper.log().DEBUG).map((entry) => entry.msg);
      assert.deepEqual(lines, [`webhook delivery answered ${expected}: ${lines[0] && lines[0].split(': ').slice(1).join(': ')}`]);
      assert.ok(lines[0].includes(reason), `${lines[0]} should say ${reason}`);
    });
  }

  it('a chunked body over apiMaxLength (no Content-Length) → 413', async function () {
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(4096, 0x20));
    const token = signRaw(Buffer.concat(chunks), live);
    assert.equal(await rig.postPlain({ 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'plaid-verification': token }, chunks), 413);
  });

  it('counts the rejections in the status ring and fetched each bad kid once', async function () {
    // A repeat of a forged kid costs no second call to Plaid.
    await rig.post(plaidDelivery({ ...body, item_id: 'again' }, attacker)).expect(401);
    // The rejection was counted before its answer left: the ring's next redraw (it redraws at most every 250 ms) shows it.
    const before = statuses.length;
    await until('the status ring to be redrawn', () => statuses.length > before, 5000);
    const last = statuses[statuses.length - 1];
    assert.equal(last.fill, 'red');
    assert.equal(last.shape, 'ring');
    assert.match(last.text, /^\d+ in · [1-9]\d* rejected$/);
    assert.equal(keyServer.fetchesOf('kid-attacker'), 1);
    assert.equal(keyServer.fetchesOf('kid-expired'), 1);
    assert.deepEqual(keyServer.state.problems, []);
  });
});
