'use strict';
// /link/token/create in both modes: new Item (products) and update mode (access_token, no products), with and
// without Hosted Link, and Plaid's errors for each way the request can be wrong.
const assert = require('node:assert/strict');
const { validateRequest } = require('../support/openapi');
const { fails, linkItem, ok, startEmulator } = require('./helpers');

const LINK_TOKEN = /^link-sandbox-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MINUTE_MS = 60_000;

/** A request the spec accepts (checked, so the emulator is not tested against bodies Plaid would refuse). */
function request(fields) {
  const body = { client_name: 'Budget Buddy', language: 'en', country_codes: ['US'], user: { client_user_id: 'user-42' }, ...fields };
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return body;
}

function assertSpecValid(body) {
  assert.deepEqual(validateRequest('/link/token/create', body), [], JSON.stringify(body));
}

describe('emulator: /link/token/create', () => {
  let emulator;
  let now;
  beforeEach(async () => {
    now = Date.parse('2026-03-01T12:00:00Z');
    // timeFactor 1: the lifetimes are Plaid's own.
    emulator = await startEmulator({ timeFactor: 1, now: () => now });
  });
  afterEach(() => emulator.stop());

  it('update mode: the Item\'s access_token and no products; 30-minute token, no hosted_link_url', async () => {
    const { accessToken, itemId } = await linkItem(emulator);
    const body = request({ access_token: accessToken });
    assertSpecValid(body);
    const answer = await ok(emulator, '/link/token/create', body);
    assert.match(answer.link_token, LINK_TOKEN);
    assert.equal(answer.expiration, new Date(now + 30 * MINUTE_MS).toISOString());
    assert.equal('hosted_link_url' in answer, false);
    const [token] = emulator.state().linkTokens;
    assert.deepEqual(token, {
      link_token: answer.link_token, mode: 'update', item_id: itemId, client_user_id: 'user-42',
      expiration: answer.expiration, hosted_link_url: null, hosted_link_session: null,
    });
  });

  it('new mode: products; 4-hour token', async () => {
    const body = request({ products: ['transactions'], webhook: 'https://example.com/hook' });
    assertSpecValid(body);
    const answer = await ok(emulator, '/link/token/create', body);
    assert.match(answer.link_token, LINK_TOKEN);
    assert.equal(answer.expiration, new Date(now + 240 * MINUTE_MS).toISOString());
    assert.equal(emulator.state().linkTokens[0].mode, 'new');
  });

  it('hosted_link (even empty) answers a hosted_link_url on the emulator; the token lives as long as the URL', async () => {
    const { accessToken } = await linkItem(emulator);
    const empty = await ok(emulator, '/link/token/create', request({ access_token: accessToken, hosted_link: {} }));
    assert.ok(empty.hosted_link_url.startsWith(`${emulator.url}/hl/`), empty.hosted_link_url);
    assert.equal(empty.expiration, new Date(now + 30 * MINUTE_MS).toISOString());
    const body = request({
      access_token: accessToken,
      hosted_link: { completion_redirect_uri: 'https://app.example.com/done', url_lifetime_seconds: 86400 },
    });
    assertSpecValid(body);
    const long = await ok(emulator, '/link/token/create', body);
    assert.equal(long.expiration, new Date(now + 86400 * 1000).toISOString());
    assert.notEqual(long.hosted_link_url, empty.hosted_link_url);
    assert.notEqual(long.link_token, empty.link_token);
  });

  it('lifetimes scale with the time factor, like webhook retries', async () => {
    const fast = await startEmulator({ timeFactor: 0.001, now: () => now });
    try {
      const answer = await ok(fast, '/link/token/create', request({ products: ['auth'], hosted_link: { url_lifetime_seconds: 600 } }));
      assert.equal(answer.expiration, new Date(now + 600).toISOString());
    } finally {
      await fast.stop();
    }
  });

  describe('Plaid\'s errors', () => {
    const INVALID_REQUEST = { status: 400, type: 'INVALID_REQUEST' };

    for (const field of ['client_name', 'language', 'country_codes']) {
      it(`a missing ${field} is MISSING_FIELDS`, async () => {
        const response = await fails(emulator, '/link/token/create', request({ products: ['auth'], [field]: undefined }),
          { ...INVALID_REQUEST, code: 'MISSING_FIELDS' });
        assert.match(response.body.error_message, new RegExp(field));
      });
    }

    it('neither user nor user_id is MISSING_FIELDS user; user_id alone is enough', async () => {
      const response = await fails(emulator, '/link/token/create', request({ products: ['auth'], user: undefined }),
        { ...INVALID_REQUEST, code: 'MISSING_FIELDS' });
      assert.match(response.body.error_message, /: user$/);
      await ok(emulator, '/link/token/create', request({ products: ['auth'], user: undefined, user_id: 'usr_1' }));
    });

    it('user without client_user_id is MISSING_FIELDS user.client_user_id', async () => {
      const response = await fails(emulator, '/link/token/create', request({ products: ['auth'], user: {} }),
        { ...INVALID_REQUEST, code: 'MISSING_FIELDS' });
      assert.match(response.body.error_message, /user\.client_user_id/);
    });

    it('new mode without products is MISSING_FIELDS; with [] INVALID_FIELD', async () => {
      await fails(emulator, '/link/token/create', request({}), { ...INVALID_REQUEST, code: 'MISSING_FIELDS' });
      await fails(emulator, '/link/token/create', request({ products: [] }), { ...INVALID_REQUEST, code: 'INVALID_FIELD' });
    });

    it('products sent in update mode are INVALID_FIELD', async () => {
      const { accessToken } = await linkItem(emulator);
      const response = await fails(emulator, '/link/token/create', request({ access_token: accessToken, products: ['transactions'] }),
        { ...INVALID_REQUEST, code: 'INVALID_FIELD' });
      assert.match(response.body.error_message, /update mode/);
      assert.equal(emulator.state().linkTokens.length, 0);
    });

    it('an unknown, malformed or removed access_token is INVALID_ACCESS_TOKEN', async () => {
      const invalid = { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCESS_TOKEN' };
      await fails(emulator, '/link/token/create',
        request({ access_token: 'access-sandbox-00000000-0000-0000-0000-000000000000' }), invalid);
      await fails(emulator, '/link/token/create', request({ access_token: 'not-a-token' }), invalid);
      const { accessToken } = await linkItem(emulator);
      await ok(emulator, '/item/remove', { access_token: accessToken });
      await fails(emulator, '/link/token/create', request({ access_token: accessToken }), invalid);
    });

    it('unknown fields, bad enums and an over-long URL lifetime are refused as Plaid does', async () => {
      await fails(emulator, '/link/token/create', request({ products: ['auth'], colour: 'blue' }),
        { ...INVALID_REQUEST, code: 'UNKNOWN_FIELDS' });
      await fails(emulator, '/link/token/create', request({ products: ['auth'], country_codes: ['XX'] }),
        { ...INVALID_REQUEST, code: 'INVALID_FIELD' });
      await fails(emulator, '/link/token/create', request({ products: ['auth'], hosted_link: { url_lifetime_seconds: 21 * 86400 + 1 } }),
        { ...INVALID_REQUEST, code: 'INVALID_FIELD' });
    });
  });
});
