'use strict';
// /item/get tells what the Item's webhooks said: a client that polls it (reconciling rather than trusting webhooks
// to arrive) sees the same state a webhook receiver was told about.
const assert = require('node:assert/strict');
const { emulatorAndReceiver, fails, linkItem, ok, submitForm } = require('./helpers');

const DAY_MS = 24 * 60 * 60 * 1000;

describe('emulator: /item/get agrees with the webhooks sent', () => {
  const suite = emulatorAndReceiver({}, { clockAt: '2026-03-01T12:00:00Z' });
  let emulator;
  let receiver;
  beforeEach(() => ({ emulator, receiver } = suite));

  const itemGet = async (accessToken) => (await ok(emulator, '/item/get', { access_token: accessToken })).item;

  it('PENDING_EXPIRATION: consent_expiration_time is the time it announced, until update mode renews the consent', async () => {
    const { accessToken, itemId } = await linkItem(emulator, { options: { webhook: receiver.urlFor('/hook') } });
    assert.equal((await itemGet(accessToken)).consent_expiration_time, null, 'a US Item has no consent expiry');
    const fired = emulator.fireWebhook({ item_id: itemId, webhook_code: 'PENDING_EXPIRATION' });
    assert.equal(fired.payload.consent_expiration_time, new Date(suite.now + 7 * DAY_MS).toISOString());
    const item = await itemGet(accessToken);
    assert.equal(item.consent_expiration_time, fired.payload.consent_expiration_time);
    assert.equal(item.error, null, 'not an error yet: the consent still holds');
    assert.equal(emulator.item(itemId).consent_expiration_time, fired.payload.consent_expiration_time);

    const chosen = '2026-03-05T08:00:00.000Z';
    emulator.fireWebhook({ item_id: itemId, webhook_code: 'PENDING_EXPIRATION', fields: { consent_expiration_time: chosen } });
    assert.equal((await itemGet(accessToken)).consent_expiration_time, chosen);

    const link = await ok(emulator, '/link/token/create', {
      client_name: 'Budget Buddy', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' }, access_token: accessToken, hosted_link: {},
    });
    assert.equal((await submitForm(link.hosted_link_url, { action: 'continue' })).status, 200);
    assert.equal((await itemGet(accessToken)).consent_expiration_time, null, 'renewed: a non-OAuth Item has no expiry again');
  });

  it('ERROR leaves its error on the Item; LOGIN_REPAIRED clears ITEM_LOGIN_REQUIRED', async () => {
    const { accessToken, itemId } = await linkItem(emulator, { options: { webhook: receiver.urlFor('/hook') } });
    emulator.fireWebhook({ item_id: itemId, webhook_code: 'ERROR' });
    assert.equal((await itemGet(accessToken)).error.error_code, 'ITEM_LOGIN_REQUIRED');
    await fails(emulator, '/accounts/get', { access_token: accessToken }, { status: 400, type: 'ITEM_ERROR', code: 'ITEM_LOGIN_REQUIRED' });
    await ok(emulator, '/sandbox/item/fire_webhook', { access_token: accessToken, webhook_code: 'LOGIN_REPAIRED' });
    assert.equal((await itemGet(accessToken)).error, null);
    await receiver.waitFor(2);
  });

  it('USER_PERMISSION_REVOKED leaves USER_PERMISSION_REVOKED on the Item; LOGIN_REPAIRED does not undo it', async () => {
    const { accessToken, itemId } = await linkItem(emulator, { options: { webhook: receiver.urlFor('/hook') } });
    await ok(emulator, '/sandbox/item/fire_webhook', { access_token: accessToken, webhook_code: 'USER_PERMISSION_REVOKED' });
    const item = await itemGet(accessToken);
    assert.equal(item.error.error_code, 'USER_PERMISSION_REVOKED');
    assert.equal(item.error.error_type, 'ITEM_ERROR');
    await fails(emulator, '/accounts/get', { access_token: accessToken }, { status: 400, type: 'ITEM_ERROR', code: 'USER_PERMISSION_REVOKED' });
    emulator.fireWebhook({ item_id: itemId, webhook_code: 'LOGIN_REPAIRED' });
    assert.equal((await itemGet(accessToken)).error.error_code, 'USER_PERMISSION_REVOKED');
    await receiver.waitFor(2);
  });

  it('a caller\'s error that is not an error object does not replace the Item\'s', async () => {
    const { accessToken, itemId } = await linkItem(emulator, { options: { webhook: receiver.urlFor('/hook') } });
    emulator.fireWebhook({ item_id: itemId, webhook_code: 'ERROR', fields: { error: 'not an object' } });
    assert.equal((await itemGet(accessToken)).error, null);
    await receiver.waitFor(1);
  });
});
