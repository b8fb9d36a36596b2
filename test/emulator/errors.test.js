'use strict';
// Plaid-shaped errors, each with Plaid's error_type, error_code and HTTP status, validated as PlaidError.
const assert = require('node:assert/strict');
const { call, fails, linkItem, ok, startEmulator } = require('./helpers');

const INVALID_BODY = { status: 400, type: 'INVALID_REQUEST', code: 'INVALID_BODY' };
const MISSING_FIELDS = { status: 400, type: 'INVALID_REQUEST', code: 'MISSING_FIELDS' };
const UNKNOWN_FIELDS = { status: 400, type: 'INVALID_REQUEST', code: 'UNKNOWN_FIELDS' };
const INVALID_FIELD = { status: 400, type: 'INVALID_REQUEST', code: 'INVALID_FIELD' };

describe('emulator: Plaid errors', () => {
  let emulator;
  let item;
  before(async () => {
    emulator = await startEmulator();
    item = await linkItem(emulator);
  });
  after(() => emulator.stop());

  describe('INVALID_BODY', () => {
    it('for a body that is not JSON', () => fails(emulator, '/item/get', '{"access_token":', INVALID_BODY));
    it('for JSON that is not an object', () => fails(emulator, '/item/get', '["access_token"]', INVALID_BODY));
    it('for JSON null', () => fails(emulator, '/item/get', 'null', INVALID_BODY));
    it('for an empty body', () => fails(emulator, '/item/get', '', INVALID_BODY));
    it('for a content type other than application/json', () =>
      fails(emulator, '/item/get', JSON.stringify({ access_token: item.accessToken }), INVALID_BODY,
        { headers: { 'Content-Type': 'text/plain' } }));
  });

  describe('MISSING_FIELDS', () => {
    it('names the missing required fields', async () => {
      const { body } = await fails(emulator, '/sandbox/item/set_verification_status', { access_token: item.accessToken },
        MISSING_FIELDS);
      assert.match(body.error_message, /account_id, verification_status/);
    });
    it('when neither headers nor body carry the API keys', async () => {
      const { body } = await fails(emulator, '/item/get', { access_token: item.accessToken }, MISSING_FIELDS, { auth: false });
      assert.match(body.error_message, /client_id, secret/);
    });
    it('treats null in a required field as missing', () =>
      fails(emulator, '/item/get', { access_token: null }, MISSING_FIELDS));
  });

  describe('UNKNOWN_FIELDS', () => {
    it('for a top-level field the endpoint does not know', async () => {
      const { body } = await fails(emulator, '/item/get', { access_token: item.accessToken, accessToken: 'x' }, UNKNOWN_FIELDS);
      assert.match(body.error_message, /accessToken/);
    });
    it('for a nested field, by its path', async () => {
      const { body } = await fails(emulator, '/sandbox/public_token/create', {
        institution_id: 'ins_109508', initial_products: ['auth'], options: { webhooks: 'https://example.com/' },
      }, UNKNOWN_FIELDS);
      assert.match(body.error_message, /options\.webhooks/);
    });
  });

  describe('INVALID_FIELD', () => {
    it('for a value outside an enum', () =>
      fails(emulator, '/sandbox/item/set_verification_status', {
        access_token: item.accessToken, account_id: 'x', verification_status: 'verified',
      }, INVALID_FIELD));
    it('for a value of the wrong type', () => fails(emulator, '/item/get', { access_token: 42 }, INVALID_FIELD));
    it('for a product Plaid does not know', () =>
      fails(emulator, '/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['txns'] }, INVALID_FIELD));
    it('for an empty initial_products', () =>
      fails(emulator, '/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: [] }, INVALID_FIELD));
    it('for a webhook that is not an http(s) URL', () =>
      fails(emulator, '/item/webhook/update', { access_token: item.accessToken, webhook: 'not a url' }, INVALID_FIELD));
    it('for a reason_note over 512 characters', () =>
      fails(emulator, '/item/remove', { access_token: item.accessToken, reason_note: 'x'.repeat(513) }, INVALID_FIELD));
    it('for a fire_webhook code sent as a webhook_type it does not belong to', () =>
      fails(emulator, '/sandbox/item/fire_webhook', {
        access_token: item.accessToken, webhook_type: 'ITEM', webhook_code: 'DEFAULT_UPDATE',
      }, INVALID_FIELD));
    it('for a webhook_type outside the enum', () =>
      fails(emulator, '/sandbox/item/fire_webhook', {
        access_token: item.accessToken, webhook_type: 'LINK', webhook_code: 'DEFAULT_UPDATE',
      }, INVALID_FIELD));
  });

  describe('INVALID_INPUT', () => {
    it('INVALID_API_KEYS for a wrong secret', () =>
      fails(emulator, '/item/get', { access_token: item.accessToken },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_API_KEYS' }, { headers: { 'PLAID-SECRET': 'wrong' } }));
    it('INVALID_API_KEYS for a wrong client_id in the body', () =>
      fails(emulator, '/item/get', { client_id: 'someone-else', secret: emulator.secret, access_token: item.accessToken },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_API_KEYS' }, { auth: false }));
    it('INVALID_ACCESS_TOKEN for an unknown token', () =>
      fails(emulator, '/item/get', { access_token: 'access-sandbox-00000000-0000-0000-0000-000000000000' },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCESS_TOKEN' }));
    it('INVALID_ACCESS_TOKEN for a malformed token', () =>
      fails(emulator, '/item/get', { access_token: 'public-sandbox-123' },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCESS_TOKEN' }));
    it('INVALID_PUBLIC_TOKEN for an unknown token', () =>
      fails(emulator, '/item/public_token/exchange', { public_token: 'public-sandbox-00000000-0000-0000-0000-000000000000' },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_PUBLIC_TOKEN' }));
    it('INVALID_INSTITUTION for an institution the sandbox does not have', () =>
      fails(emulator, '/sandbox/public_token/create', { institution_id: 'ins_1', initial_products: ['auth'] },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_INSTITUTION' }));
    it('INVALID_PRODUCT for a product that cannot be an initial product', () =>
      fails(emulator, '/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['balance'] },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_PRODUCT' }));
    it('INVALID_PRODUCT for a product the institution does not offer, and no Item is created', async () => {
      const created = emulator.counts.itemsCreated;
      const { body } = await fails(emulator, '/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['payment_initiation'] },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_PRODUCT' });
      assert.match(body.error_message, /ins_109508 does not support the following products: payment_initiation/);
      const houndstooth = await fails(emulator, '/sandbox/public_token/create', { institution_id: 'ins_109512', initial_products: ['auth', 'transactions'] },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_PRODUCT' });
      assert.match(houndstooth.body.error_message, /: transactions$/);
      assert.equal(emulator.counts.itemsCreated, created);
      await ok(emulator, '/sandbox/public_token/create', { institution_id: 'ins_109512', initial_products: ['auth'] });
    });
    it('INVALID_ACCOUNT_ID for an account not of the Item', () =>
      fails(emulator, '/sandbox/item/set_verification_status', {
        access_token: item.accessToken, account_id: 'nope', verification_status: 'verification_expired',
      }, { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCOUNT_ID' }));
    it('INVALID_ACCOUNT_ID for an unknown account in /accounts/get options', () =>
      fails(emulator, '/accounts/get', { access_token: item.accessToken, options: { account_ids: ['nope'] } },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCOUNT_ID' }));
    it('INVALID_WEBHOOK_VERIFICATION_KEY_ID for an unknown kid', () =>
      fails(emulator, '/webhook_verification_key/get', { key_id: 'not-a-kid' },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID' }));
  });

  describe('Item and sandbox errors', () => {
    it('SANDBOX_WEBHOOK_INVALID when firing a webhook for an Item without a webhook URL', () =>
      fails(emulator, '/sandbox/item/fire_webhook', { access_token: item.accessToken, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' },
        { status: 400, type: 'SANDBOX_ERROR', code: 'SANDBOX_WEBHOOK_INVALID' }));
    it('INVALID_CREDENTIALS for sandbox credentials other than user_good/pass_good', () =>
      fails(emulator, '/sandbox/public_token/create', {
        institution_id: 'ins_109508', initial_products: ['auth'], options: { override_password: 'pass_bad' },
      }, { status: 400, type: 'ITEM_ERROR', code: 'INVALID_CREDENTIALS' }));
    it('ITEM_LOGIN_REQUIRED from /accounts/get once reset_login has run', async () => {
      const broken = await linkItem(emulator);
      await ok(emulator, '/sandbox/item/reset_login', { access_token: broken.accessToken });
      await fails(emulator, '/accounts/get', { access_token: broken.accessToken },
        { status: 400, type: 'ITEM_ERROR', code: 'ITEM_LOGIN_REQUIRED' });
    });
  });

  describe('NOT_FOUND', () => {
    it('404 for an unknown path', () =>
      fails(emulator, '/item/nope', { access_token: item.accessToken }, { status: 404, type: 'INVALID_REQUEST', code: 'NOT_FOUND' }));
    it('404 for a method other than POST', () =>
      fails(emulator, '/item/get', undefined, { status: 404, type: 'INVALID_REQUEST', code: 'NOT_FOUND' }, { method: 'GET' }));
  });

  it('checks in Plaid order: keys, then missing fields, then unknown fields, then values', async () => {
    const everything = { access_token: 42, surprise: true };
    assert.equal((await call(emulator, '/item/get', everything, { headers: { 'PLAID-SECRET': 'bad' } })).body.error_code,
      'INVALID_API_KEYS');
    assert.equal((await call(emulator, '/item/get', { surprise: true })).body.error_code, 'MISSING_FIELDS');
    assert.equal((await call(emulator, '/item/get', everything)).body.error_code, 'UNKNOWN_FIELDS');
    assert.equal((await call(emulator, '/item/get', { access_token: 42 })).body.error_code, 'INVALID_FIELD');
  });

  it('did not fail on its own bugs', () => assert.equal(emulator.counts.unexpectedErrors, 0));
});
