'use strict';
// Every endpoint's success path, answers validated against the spec's 200 schemas.
const assert = require('node:assert/strict');
const { call, linkItem, ok, startEmulator, startReceiver } = require('./helpers');
const { validateResponse } = require('../support/openapi');

describe('emulator: endpoints (success paths)', () => {
  let emulator;
  let receiver;
  before(async () => {
    emulator = await startEmulator();
    receiver = await startReceiver();
  });
  after(async () => {
    await emulator.stop();
    await receiver.close();
  });

  it('/sandbox/public_token/create gives a public-sandbox-<uuid> token', async () => {
    const body = await ok(emulator, '/sandbox/public_token/create', {
      institution_id: 'ins_109508',
      initial_products: ['transactions', 'auth'],
      options: { webhook: receiver.urlFor('/create'), override_username: 'user_good', override_password: 'pass_good' },
    });
    assert.match(body.public_token, /^public-sandbox-[0-9a-f-]{36}$/);
    assert.match(body.request_id, /^[A-Za-z0-9]{15}$/);
  });

  it('/item/public_token/exchange gives an access-sandbox-<uuid> token and the item_id', async () => {
    const { public_token } = await ok(emulator, '/sandbox/public_token/create', {
      institution_id: 'ins_109509', initial_products: ['auth'],
    });
    const body = await ok(emulator, '/item/public_token/exchange', { public_token });
    assert.match(body.access_token, /^access-sandbox-[0-9a-f-]{36}$/);
    assert.match(body.item_id, /^[A-Za-z0-9]{37}$/);
  });

  it('/item/get shows every required Item field and a status', async () => {
    const { accessToken, itemId } = await linkItem(emulator, { options: { webhook: receiver.urlFor('/get') } });
    const body = await ok(emulator, '/item/get', { access_token: accessToken });
    assert.equal(body.item.item_id, itemId);
    assert.equal(body.item.institution_id, 'ins_109508');
    assert.equal(body.item.institution_name, 'First Platypus Bank');
    assert.equal(body.item.webhook, receiver.urlFor('/get'));
    assert.equal(body.item.error, null);
    assert.deepEqual(body.item.billed_products, ['transactions']);
    assert.ok(!body.item.available_products.includes('transactions'));
    assert.equal(body.item.consent_expiration_time, null);
    assert.equal(body.item.update_type, 'background');
    assert.equal(typeof body.status, 'object');
  });

  it('/item/get at the OAuth institution carries a consent expiration time', async () => {
    const { accessToken } = await linkItem(emulator, { institution_id: 'ins_127287' });
    const body = await ok(emulator, '/item/get', { access_token: accessToken });
    assert.equal(body.item.institution_name, 'Platypus OAuth Bank');
    assert.ok(Date.parse(body.item.consent_expiration_time) > Date.now());
  });

  it('/item/webhook/update sets the URL and answers the Item', async () => {
    const { accessToken } = await linkItem(emulator);
    const body = await ok(emulator, '/item/webhook/update', { access_token: accessToken, webhook: receiver.urlFor('/u') });
    assert.equal(body.item.webhook, receiver.urlFor('/u'));
  });

  it('/item/access_token/invalidate answers a new access token', async () => {
    const { accessToken } = await linkItem(emulator);
    const body = await ok(emulator, '/item/access_token/invalidate', { access_token: accessToken });
    assert.match(body.new_access_token, /^access-sandbox-/);
    assert.notEqual(body.new_access_token, accessToken);
  });

  it('/item/remove answers a request_id', async () => {
    const { accessToken } = await linkItem(emulator);
    const body = await ok(emulator, '/item/remove', {
      access_token: accessToken, reason_code: 'OTHER', reason_note: 'test',
    });
    assert.deepEqual(Object.keys(body), ['request_id']);
  });

  it('/sandbox/item/reset_login answers reset_login: true and puts the Item in ITEM_LOGIN_REQUIRED', async () => {
    const { accessToken } = await linkItem(emulator);
    const body = await ok(emulator, '/sandbox/item/reset_login', { access_token: accessToken });
    assert.equal(body.reset_login, true);
    const item = await ok(emulator, '/item/get', { access_token: accessToken });
    assert.equal(item.item.error.error_type, 'ITEM_ERROR');
    assert.equal(item.item.error.error_code, 'ITEM_LOGIN_REQUIRED');
  });

  it('/accounts/get lists the accounts, with verification_status where set', async () => {
    const { accessToken, itemId } = await linkItem(emulator, { institution_id: 'ins_109512', initial_products: ['auth'] });
    const body = await ok(emulator, '/accounts/get', { access_token: accessToken });
    assert.equal(body.item.item_id, itemId);
    assert.equal(typeof body.request_id, 'string');
    assert.ok(body.accounts.length >= 1);
    for (const account of body.accounts) {
      assert.match(account.account_id, /^[A-Za-z0-9]{37}$/);
      for (const field of ['name', 'type', 'subtype', 'mask']) assert.equal(typeof account[field], 'string');
      assert.equal(typeof account.balances, 'object');
      assert.equal(account.verification_status, 'pending_automatic_verification');
    }
    const filtered = await ok(emulator, '/accounts/get', {
      access_token: accessToken, options: { account_ids: [body.accounts[1].account_id] },
    });
    assert.deepEqual(filtered.accounts.map((a) => a.account_id), [body.accounts[1].account_id]);
  });

  it('/sandbox/item/set_verification_status changes the account', async () => {
    const { accessToken } = await linkItem(emulator, { institution_id: 'ins_109512', initial_products: ['auth'] });
    const { accounts } = await ok(emulator, '/accounts/get', { access_token: accessToken });
    const body = await ok(emulator, '/sandbox/item/set_verification_status', {
      access_token: accessToken, account_id: accounts[0].account_id, verification_status: 'automatically_verified',
    });
    assert.deepEqual(Object.keys(body), ['request_id']);
    const after = await ok(emulator, '/accounts/get', { access_token: accessToken });
    assert.equal(after.accounts[0].verification_status, 'automatically_verified');
  });

  it('/sandbox/item/fire_webhook answers webhook_fired: true', async () => {
    const { accessToken } = await linkItem(emulator, { options: { webhook: receiver.urlFor('/fire') } });
    const body = await ok(emulator, '/sandbox/item/fire_webhook', { access_token: accessToken, webhook_code: 'DEFAULT_UPDATE' });
    assert.equal(body.webhook_fired, true);
  });

  it('/webhook_verification_key/get answers the current key as a JWK', async () => {
    const body = await ok(emulator, '/webhook_verification_key/get', { key_id: emulator.currentKeyId() });
    assert.deepEqual(
      { ...body.key, x: typeof body.key.x, y: typeof body.key.y, created_at: typeof body.key.created_at },
      {
        alg: 'ES256', crv: 'P-256', kid: emulator.currentKeyId(), kty: 'EC', use: 'sig', x: 'string', y: 'string',
        created_at: 'number', expired_at: null,
      },
    );
    assert.ok(Number.isInteger(body.key.created_at));
  });

  it('takes the keys from client_id/secret in the body as well as from headers', async () => {
    const response = await call(emulator, '/sandbox/public_token/create', {
      client_id: emulator.clientId, secret: emulator.secret, institution_id: 'ins_109510', initial_products: ['identity'],
    }, { auth: false });
    assert.equal(response.status, 200);
  });

  it('the item/get validator rejects an Item missing a required field', () => {
    const problems = validateResponse('/item/get', { item: { item_id: 'x' }, status: null, request_id: 'r' });
    assert.ok(problems.length > 0);
  });
});
