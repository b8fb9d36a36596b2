'use strict';
// Deliveries lost for good: Item states changed at "Plaid" without their webhook (POST /emulator/items/silently),
// and webhooks dropped instead of sent (POST /emulator/webhooks/drop-next), so that only polling /item/get and
// /link/token/get reveals what happened. Each "nothing was sent" is asserted after a later webhook arrived.
const assert = require('node:assert/strict');
const {
  assertPlaidError, call, emulatorAndReceiver, fails, linkItem, ok, submitForm, webhookBody,
} = require('./helpers');

const DAY_MS = 24 * 60 * 60 * 1000;
const control = (emulator, path, body) => call(emulator, `/emulator/${path}`, body, { auth: false });

describe('emulator: changes whose webhook never arrives', () => {
  const suite = emulatorAndReceiver({}, { clockAt: '2026-03-01T12:00:00Z' });
  let emulator;
  let receiver;
  beforeEach(() => ({ emulator, receiver } = suite));

  /** An Item with a webhook, and a second one on the same URL whose webhook marks "everything before has arrived". */
  async function items() {
    const item = await linkItem(emulator, { options: { webhook: receiver.urlFor('/item') } });
    const marker = emulator.createItem({ webhook: receiver.urlFor('/marker') });
    return { ...item, marker };
  }

  /** Fires the marker's webhook and waits for it: every delivery sent before it has been received by then too. */
  async function onlyTheMarkerArrives(marker, before = 0) {
    emulator.fireWebhook({ item_id: marker.item_id, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    await receiver.waitFor(before + 1);
    await emulator.deliveriesSettled();
    assert.deepEqual(receiver.received.slice(before).map((delivery) => delivery.path), ['/marker']);
  }

  const silently = async (itemId, change, extra = {}) => {
    const answer = await control(emulator, 'items/silently', { item_id: itemId, change, ...extra });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  };

  it('login_required: /item/get shows ITEM_LOGIN_REQUIRED, data endpoints answer it, no ERROR webhook, last_webhook unchanged', async () => {
    const { accessToken, itemId, marker } = await items();
    const snapshot = await silently(itemId, 'login_required');
    assert.equal(snapshot.error_code, 'ITEM_LOGIN_REQUIRED');
    const got = await ok(emulator, '/item/get', { access_token: accessToken });
    assert.equal(got.item.error.error_code, 'ITEM_LOGIN_REQUIRED');
    assert.equal(got.status.last_webhook, null);
    await fails(emulator, '/accounts/get', { access_token: accessToken }, { status: 400, type: 'ITEM_ERROR', code: 'ITEM_LOGIN_REQUIRED' });
    await onlyTheMarkerArrives(marker);
    assert.equal(emulator.counts.silentChanges, 1);
  });

  it('permission_revoked: /item/get shows USER_PERMISSION_REVOKED (the token still answers), no webhook', async () => {
    const { accessToken, itemId, marker } = await items();
    await silently(itemId, 'permission_revoked');
    const got = await ok(emulator, '/item/get', { access_token: accessToken });
    assert.deepEqual([got.item.error.error_type, got.item.error.error_code], ['ITEM_ERROR', 'USER_PERMISSION_REVOKED']);
    await fails(emulator, '/accounts/get', { access_token: accessToken }, { status: 400, type: 'ITEM_ERROR', code: 'USER_PERMISSION_REVOKED' });
    await onlyTheMarkerArrives(marker);
  });

  it('consent_expiring: consent_expiration_time seven days ahead (or as given), no error, no PENDING_EXPIRATION', async () => {
    const { accessToken, itemId, marker } = await items();
    const snapshot = await silently(itemId, 'consent_expiring');
    const expected = new Date(suite.now + 7 * DAY_MS).toISOString();
    assert.equal(snapshot.consent_expiration_time, expected);
    assert.equal(snapshot.pending_expiration, null, 'no PENDING_EXPIRATION was announced');
    const got = await ok(emulator, '/item/get', { access_token: accessToken });
    assert.equal(got.item.consent_expiration_time, expected);
    assert.equal(got.item.error, null);
    await silently(itemId, 'consent_expiring', { consent_expiration_time: '2026-03-04T00:00:00Z' });
    assert.equal((await ok(emulator, '/item/get', { access_token: accessToken })).item.consent_expiration_time, '2026-03-04T00:00:00.000Z');
    await onlyTheMarkerArrives(marker);
  });

  it('removed: the Item is gone at Plaid, its token answers INVALID_ACCESS_TOKEN, nothing is sent', async () => {
    const { accessToken, itemId, marker } = await items();
    const snapshot = await silently(itemId, 'removed');
    assert.equal(snapshot.removed, true);
    assert.equal(snapshot.access_token, null);
    await fails(emulator, '/item/get', { access_token: accessToken }, { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCESS_TOKEN' });
    await fails(emulator, '/item/remove', { access_token: accessToken }, { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCESS_TOKEN' });
    await onlyTheMarkerArrives(marker);
    const again = await control(emulator, 'items/silently', { item_id: itemId, change: 'login_required' });
    assertPlaidError(again.body, { status: 400, type: 'ITEM_ERROR', code: 'ITEM_NOT_FOUND' });
  });

  it('refuses an unknown Item, an unknown change, and consent_expiration_time that is not a time or not for consent_expiring', async () => {
    const { itemId } = await items();
    const cases = [
      [{ item_id: 'nope', change: 'removed' }, 'ITEM_ERROR', 'ITEM_NOT_FOUND'],
      [{ item_id: itemId, change: 'vanished' }, 'INVALID_REQUEST', 'INVALID_FIELD'],
      [{ item_id: itemId }, 'INVALID_REQUEST', 'MISSING_FIELDS'],
      [{ item_id: itemId, change: 'removed', consent_expiration_time: '2026-03-04T00:00:00Z' }, 'INVALID_REQUEST', 'INVALID_FIELD'],
      [{ item_id: itemId, change: 'consent_expiring', consent_expiration_time: 'soon' }, 'INVALID_REQUEST', 'INVALID_FIELD'],
    ];
    for (const [body, type, code] of cases) {
      assertPlaidError((await control(emulator, 'items/silently', body)).body, { status: 400, type, code });
    }
    assert.equal(emulator.item(itemId).removed, false);
    assert.equal(emulator.counts.silentChanges, 0);
  });

  describe('POST /emulator/webhooks/drop-next', () => {
    it('a Hosted Link session finishes without its SESSION_FINISHED reaching anyone; /link/token/get still tells it', async () => {
      const { accessToken, marker } = await items();
      await ok(emulator, '/sandbox/item/reset_login', { access_token: accessToken });
      await receiver.waitFor(1);
      const { body: dropping } = await control(emulator, 'webhooks/drop-next', { webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED' });
      assert.deepEqual(dropping, { drops: [{ webhookType: 'LINK', webhookCode: 'SESSION_FINISHED', remaining: 1 }] });
      const link = await ok(emulator, '/link/token/create', {
        client_name: 'Budget Buddy', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' }, access_token: accessToken, hosted_link: {},
      });
      assert.equal((await submitForm(link.hosted_link_url, { action: 'continue' })).status, 200);

      assert.equal((await ok(emulator, '/item/get', { access_token: accessToken })).item.error, null, 'the session repaired the Item');
      const [session] = (await ok(emulator, '/link/token/get', { link_token: link.link_token })).link_sessions;
      assert.notEqual(session.finished_at, null);
      assert.deepEqual(session.results.item_add_results, []);
      const dropped = emulator.deliveries.find((record) => record.webhookCode === 'SESSION_FINISHED');
      assert.equal(dropped.state, 'dropped');
      assert.deepEqual(dropped.attempts, []);
      assert.equal(JSON.parse(dropped.body).link_session_id, session.link_session_id);
      await onlyTheMarkerArrives(marker, 1);
      assert.equal(webhookBody(receiver.received[0]).webhook_code, 'ERROR');
      assert.equal(emulator.counts.webhooksDropped, 1);
      assert.deepEqual(emulator.state().webhookDrops, [], 'the rule was used up');
    });

    it('drops the next `count` webhooks matching type and code (any when left out), and only those', async () => {
      const { itemId, marker } = await items();
      emulator.dropNextWebhooks({ webhook_type: 'LINK' });
      emulator.fireWebhook({ item_id: itemId, webhook_code: 'LOGIN_REPAIRED' });
      await receiver.waitFor(1);
      assert.equal(webhookBody(receiver.received[0]).webhook_code, 'LOGIN_REPAIRED', 'a LINK rule leaves ITEM webhooks alone');
      const { body } = await control(emulator, 'webhooks/drop-next', { count: 2 });
      assert.equal(body.drops.length, 2);
      emulator.fireWebhook({ item_id: itemId, webhook_code: 'PENDING_EXPIRATION' });
      emulator.fireWebhook({ item_id: itemId, webhook_code: 'USER_PERMISSION_REVOKED' });
      await onlyTheMarkerArrives(marker, 1);
      const states = emulator.deliveries.map((record) => `${record.webhookCode}:${record.state}`);
      assert.deepEqual(states, ['LOGIN_REPAIRED:delivered', 'PENDING_EXPIRATION:dropped', 'USER_PERMISSION_REVOKED:dropped', 'NEW_ACCOUNTS_AVAILABLE:delivered']);
      assert.equal(emulator.item(itemId).error_code, 'USER_PERMISSION_REVOKED', 'a dropped webhook\'s change still happened');
      assert.deepEqual(emulator.state().webhookDrops, [{ webhookType: 'LINK', webhookCode: null, remaining: 1 }]);
      await control(emulator, 'reset', {});
      assert.deepEqual(emulator.state().webhookDrops, [], 'reset forgets the drops asked for');
    });

    it('refuses a count below 1', async () => {
      const { body } = await control(emulator, 'webhooks/drop-next', { count: 0 });
      assertPlaidError(body, { status: 400, type: 'INVALID_REQUEST', code: 'INVALID_FIELD' });
    });
  });
});
