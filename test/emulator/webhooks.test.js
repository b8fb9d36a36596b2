'use strict';
// Webhooks as Plaid sends them: who fires what, body format, the Plaid-Verification JWS, key rotation.
const assert = require('node:assert/strict');
const { validateWebhook } = require('../support/openapi');
const { fails, linkItem, ok, startEmulator, startReceiver, verifyWebhook, webhookBody } = require('./helpers');

function assertValidWebhook(body) {
  const problems = validateWebhook(body.webhook_type, body.webhook_code, body);
  assert.deepEqual(problems, [], `${body.webhook_type}/${body.webhook_code}: ${problems.join('; ')}`);
}

describe('emulator: webhooks', () => {
  let emulator;
  let receiver;
  beforeEach(async () => {
    emulator = await startEmulator();
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await emulator.stop();
    await receiver.close();
  });

  const itemWithWebhook = (suffix = '/hook', extra = {}) =>
    linkItem(emulator, { options: { webhook: receiver.urlFor(suffix) }, ...extra });

  it('/item/webhook/update acknowledges at the NEW url, signed and 2-space indented', async () => {
    const { accessToken, itemId } = await itemWithWebhook('/old');
    await ok(emulator, '/item/webhook/update', { access_token: accessToken, webhook: receiver.urlFor('/new') });
    const [delivery] = await receiver.waitFor(1);
    assert.equal(delivery.path, '/new');
    const body = webhookBody(delivery);
    assert.deepEqual(body, {
      webhook_type: 'ITEM',
      webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED',
      item_id: itemId,
      new_webhook_url: receiver.urlFor('/new'),
      error: null,
      environment: 'sandbox',
    });
    assertValidWebhook(body);
    const { header } = await verifyWebhook(emulator, delivery);
    assert.equal(header.kid, emulator.currentKeyId());
  });

  it('/item/webhook/update with webhook: null removes the URL and sends nothing; absent leaves it', async () => {
    const { accessToken } = await itemWithWebhook('/keep');
    await ok(emulator, '/item/webhook/update', { access_token: accessToken });
    await receiver.waitFor(1);
    assert.equal(receiver.received[0].path, '/keep');
    const { item } = await ok(emulator, '/item/webhook/update', { access_token: accessToken, webhook: null });
    assert.equal(item.webhook, null);
    await emulator.deliveriesSettled();
    assert.equal(receiver.received.length, 1);
  });

  it('/sandbox/item/reset_login sends ITEM ERROR with ITEM_LOGIN_REQUIRED', async () => {
    const { accessToken, itemId } = await itemWithWebhook();
    await ok(emulator, '/sandbox/item/reset_login', { access_token: accessToken });
    const [delivery] = await receiver.waitFor(1);
    const body = webhookBody(delivery);
    assertValidWebhook(body);
    assert.equal(body.webhook_type, 'ITEM');
    assert.equal(body.webhook_code, 'ERROR');
    assert.equal(body.item_id, itemId);
    assert.equal(body.error.error_code, 'ITEM_LOGIN_REQUIRED');
    assert.equal(body.error.error_type, 'ITEM_ERROR');
    await verifyWebhook(emulator, delivery);
    const status = await ok(emulator, '/item/get', { access_token: accessToken });
    assert.equal(status.status.last_webhook.code_sent, 'ERROR');
  });

  it('/sandbox/item/set_verification_status sends the AUTH webhook for the account', async () => {
    const { accessToken, itemId } = await itemWithWebhook('/auth', { institution_id: 'ins_109512', initial_products: ['auth'] });
    const { accounts } = await ok(emulator, '/accounts/get', { access_token: accessToken });
    await ok(emulator, '/sandbox/item/set_verification_status', {
      access_token: accessToken, account_id: accounts[0].account_id, verification_status: 'verification_expired',
    });
    const body = webhookBody((await receiver.waitFor(1))[0]);
    assert.deepEqual(body, {
      webhook_type: 'AUTH', webhook_code: 'VERIFICATION_EXPIRED', item_id: itemId, account_id: accounts[0].account_id,
      environment: 'sandbox',
    });
  });

  describe('/sandbox/item/fire_webhook', () => {
    const expectations = [
      // [webhook_code, webhook_type sent (undefined = default), webhook_type expected]
      ['DEFAULT_UPDATE', undefined, 'TRANSACTIONS'],
      ['DEFAULT_UPDATE', 'HOLDINGS', 'HOLDINGS'],
      ['DEFAULT_UPDATE', 'INVESTMENTS_TRANSACTIONS', 'INVESTMENTS_TRANSACTIONS'],
      ['DEFAULT_UPDATE', 'LIABILITIES', 'LIABILITIES'],
      ['NEW_ACCOUNTS_AVAILABLE', undefined, 'ITEM'],
      ['SMS_MICRODEPOSITS_VERIFICATION', undefined, 'AUTH'],
      ['USER_PERMISSION_REVOKED', 'ITEM', 'ITEM'],
      ['USER_ACCOUNT_REVOKED', undefined, 'ITEM'],
      ['PENDING_DISCONNECT', undefined, 'ITEM'],
      ['RECURRING_TRANSACTIONS_UPDATE', undefined, 'TRANSACTIONS'],
      ['LOGIN_REPAIRED', undefined, 'ITEM'],
      ['SYNC_UPDATES_AVAILABLE', 'TRANSACTIONS', 'TRANSACTIONS'],
      ['PRODUCT_READY', undefined, 'ASSETS'],
      ['ERROR', 'ASSETS', 'ASSETS'],
    ];

    it('sends each code with its webhook_type, bodies valid where the spec has a schema', async () => {
      const { accessToken, itemId } = await itemWithWebhook('/hook', {
        initial_products: ['transactions', 'investments', 'liabilities', 'auth', 'assets'],
      });
      // Read before USER_PERMISSION_REVOKED leaves its error on the Item (data endpoints then answer that error).
      const { accounts } = await ok(emulator, '/accounts/get', { access_token: accessToken });
      for (const [code, type] of expectations) {
        await ok(emulator, '/sandbox/item/fire_webhook', {
          access_token: accessToken, webhook_code: code, ...(type ? { webhook_type: type } : {}),
        });
      }
      const deliveries = await receiver.waitFor(expectations.length);
      const bodies = deliveries.map(webhookBody);
      // Deliveries run concurrently; match them up by type and code.
      for (const [code, , expectedType] of expectations) {
        const body = bodies.find((candidate) => candidate.webhook_code === code && candidate.webhook_type === expectedType);
        assert.ok(body, `${expectedType}/${code} arrived`);
        assert.equal(body.environment, 'sandbox');
        if (expectedType === 'ASSETS') {
          assert.equal(body.item_id, undefined, 'Assets webhooks are about a report, not an Item');
          assert.equal(typeof body.asset_report_id, 'string');
        } else {
          assert.equal(body.item_id, itemId);
        }
        if (expectedType === 'ITEM') assertValidWebhook(body);
      }
      const revoked = bodies.find((body) => body.webhook_code === 'USER_ACCOUNT_REVOKED');
      assert.equal(revoked.account_id, accounts[0].account_id);
      const assetsError = bodies.find((body) => body.webhook_type === 'ASSETS' && body.webhook_code === 'ERROR');
      assert.equal(assetsError.error.error_type, 'ASSET_REPORT_ERROR');
      await verifyWebhook(emulator, deliveries[0]);
    });

    it('a webhook of a product the Item lacks is SANDBOX_PRODUCT_NOT_ENABLED and sends nothing; ITEM webhooks need none', async () => {
      const { accessToken } = await itemWithWebhook('/hook', { institution_id: 'ins_109512', initial_products: ['auth'] });
      for (const [code, type, product] of [
        ['DEFAULT_UPDATE', 'TRANSACTIONS', 'transactions'], ['SYNC_UPDATES_AVAILABLE', undefined, 'transactions'],
        ['RECURRING_TRANSACTIONS_UPDATE', undefined, 'transactions'], ['DEFAULT_UPDATE', 'HOLDINGS', 'investments'],
        ['DEFAULT_UPDATE', 'INVESTMENTS_TRANSACTIONS', 'investments'], ['DEFAULT_UPDATE', 'LIABILITIES', 'liabilities'],
        ['PRODUCT_READY', undefined, 'assets'], ['ERROR', 'ASSETS', 'assets'],
      ]) {
        const { body } = await fails(emulator, '/sandbox/item/fire_webhook', {
          access_token: accessToken, webhook_code: code, ...(type ? { webhook_type: type } : {}),
        }, { status: 400, type: 'SANDBOX_ERROR', code: 'SANDBOX_PRODUCT_NOT_ENABLED' });
        assert.equal(body.error_message, `The ${product} product is not enabled on this item`);
      }
      await ok(emulator, '/sandbox/item/fire_webhook', { access_token: accessToken, webhook_code: 'SMS_MICRODEPOSITS_VERIFICATION' });
      await ok(emulator, '/sandbox/item/fire_webhook', { access_token: accessToken, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
      const bodies = (await receiver.waitFor(2)).map(webhookBody);
      await emulator.deliveriesSettled();
      assert.deepEqual(bodies.map((b) => `${b.webhook_type}/${b.webhook_code}`).sort(), ['AUTH/SMS_MICRODEPOSITS_VERIFICATION', 'ITEM/NEW_ACCOUNTS_AVAILABLE']);
      assert.equal(receiver.received.length, 2, 'the refused ones sent nothing');
    });

    it('refuses a code sent as a type it does not belong to', async () => {
      const { accessToken } = await itemWithWebhook();
      await fails(emulator, '/sandbox/item/fire_webhook', {
        access_token: accessToken, webhook_code: 'PRODUCT_READY', webhook_type: 'TRANSACTIONS',
      }, { status: 400, type: 'INVALID_REQUEST', code: 'INVALID_FIELD' });
    });

    it('refuses AUTHORIZATION_GRANTED: in the spec\'s enum, but not among the codes Plaid documents as fireable', async () => {
      const { accessToken } = await itemWithWebhook();
      const response = await fails(emulator, '/sandbox/item/fire_webhook', {
        access_token: accessToken, webhook_code: 'AUTHORIZATION_GRANTED',
      }, { status: 400, type: 'INVALID_REQUEST', code: 'INVALID_FIELD' });
      assert.match(response.body.error_message, /cannot be fired/);
      await emulator.deliveriesSettled();
      assert.equal(receiver.received.length, 0);
    });
  });

  describe('signing keys', () => {
    it('rotateKey(): later webhooks carry the new kid; the old key stays servable, unexpired', async () => {
      const { accessToken } = await itemWithWebhook();
      const oldKid = emulator.currentKeyId();
      const rotation = emulator.rotateKey();
      assert.equal(rotation.previousKid, oldKid);
      assert.notEqual(rotation.kid, oldKid);
      await ok(emulator, '/sandbox/item/fire_webhook', { access_token: accessToken, webhook_code: 'LOGIN_REPAIRED' });
      const { header } = await verifyWebhook(emulator, (await receiver.waitFor(1))[0]);
      assert.equal(header.kid, rotation.kid);
      const old = await ok(emulator, '/webhook_verification_key/get', { key_id: oldKid });
      assert.equal(old.key.expired_at, null);
    });

    it('rotateKey({expireOld: true}) and expireKey() set expired_at on the old key', async () => {
      const first = emulator.currentKeyId();
      const { kid: second } = emulator.rotateKey({ expireOld: true });
      const expired = await ok(emulator, '/webhook_verification_key/get', { key_id: first });
      assert.ok(Number.isInteger(expired.key.expired_at));
      assert.ok(expired.key.expired_at >= expired.key.created_at);
      emulator.rotateKey();
      assert.equal(emulator.expireKey(second, 1700000000), true);
      assert.equal((await ok(emulator, '/webhook_verification_key/get', { key_id: second })).key.expired_at, 1700000000);
      assert.equal(emulator.expireKey('nope'), false);
    });

    it('a webhook body that was tampered with no longer matches its request_body_sha256', async () => {
      const { accessToken } = await itemWithWebhook();
      await ok(emulator, '/sandbox/item/fire_webhook', { access_token: accessToken, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
      const [delivery] = await receiver.waitFor(1);
      const tampered = { ...delivery, raw: Buffer.from(delivery.raw.toString().replace('sandbox', 'production')) };
      await assert.rejects(verifyWebhook(emulator, tampered), /request_body_sha256|expected/);
    });
  });
});
