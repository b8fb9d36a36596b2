'use strict';
// The control API (/emulator/...): webhooks Plaid cannot be asked for, fault injection, state, reset.
const assert = require('node:assert/strict');
const { validateWebhook } = require('../support/openapi');
const {
  assertPlaidError, call, fails, linkItem, ok, startEmulator, startReceiver, verifyWebhook, webhookBody,
} = require('./helpers');

const control = (emulator, path, body) => call(emulator, `/emulator/${path}`, body, { auth: false });
const read = (emulator, path) => call(emulator, `/emulator/${path}`, undefined, { auth: false, method: 'GET' });

describe('emulator: control API', () => {
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

  describe('POST /emulator/webhooks/fire', () => {
    const cases = [
      ['PENDING_EXPIRATION', { consent_expiration_time: '2030-01-01T00:00:00.000Z' }],
      ['PENDING_DISCONNECT', {}],
      ['USER_PERMISSION_REVOKED', {}],
      ['USER_ACCOUNT_REVOKED', {}],
      ['NEW_ACCOUNTS_AVAILABLE', {}],
      ['LOGIN_REPAIRED', {}],
      ['ERROR', {}],
      ['WEBHOOK_UPDATE_ACKNOWLEDGED', {}],
    ];

    it('sends every ITEM code, signed, valid against the spec, with caller fields applied', async () => {
      const { accessToken, itemId } = await linkItem(emulator, { options: { webhook: receiver.urlFor('/item') } });
      // Read before USER_PERMISSION_REVOKED leaves its error on the Item (data endpoints then answer that error).
      const { accounts } = await ok(emulator, '/accounts/get', { access_token: accessToken });
      for (const [code, fields] of cases) {
        const { status, body } = await control(emulator, 'webhooks/fire', {
          item_id: itemId, webhook_type: 'ITEM', webhook_code: code, fields,
        });
        assert.equal(status, 200, JSON.stringify(body));
        assert.equal(body.webhook_fired, true);
        assert.equal(body.url, receiver.urlFor('/item'));
      }
      const deliveries = await receiver.waitFor(cases.length);
      const bodies = deliveries.map(webhookBody);
      for (const [code, fields] of cases) {
        const body = bodies.find((candidate) => candidate.webhook_code === code);
        assert.equal(body.item_id, itemId);
        assert.deepEqual(validateWebhook('ITEM', code, body), []);
        for (const [name, value] of Object.entries(fields)) assert.equal(body[name], value);
      }
      assert.equal(bodies.find((b) => b.webhook_code === 'USER_ACCOUNT_REVOKED').account_id, accounts[0].account_id);
      await verifyWebhook(emulator, deliveries[0]);
    });

    it('WEBHOOK_UPDATE_ACKNOWLEDGED sent to an override URL names that URL', async () => {
      const item = emulator.createItem();
      await control(emulator, 'webhooks/fire', {
        item_id: item.item_id, webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED', webhook: receiver.urlFor('/ack'),
      });
      const body = webhookBody((await receiver.waitFor(1))[0]);
      assert.equal(body.new_webhook_url, receiver.urlFor('/ack'));
      assert.deepEqual(validateWebhook('ITEM', 'WEBHOOK_UPDATE_ACKNOWLEDGED', body), []);
    });

    it('finds the Item by access_token too, and can send to another URL', async () => {
      const { accessToken } = await linkItem(emulator);
      const { status } = await control(emulator, 'webhooks/fire', {
        access_token: accessToken, webhook_code: 'PENDING_EXPIRATION', webhook: receiver.urlFor('/elsewhere'),
      });
      assert.equal(status, 200);
      const [delivery] = await receiver.waitFor(1);
      assert.equal(delivery.path, '/elsewhere');
      assert.deepEqual(validateWebhook('ITEM', 'PENDING_EXPIRATION', webhookBody(delivery)), []);
    });

    it('LINK SESSION_FINISHED carries a public token that exchanges for a new Item', async () => {
      const { itemId } = await linkItem(emulator, { options: { webhook: receiver.urlFor('/link') } });
      const { body: fired } = await control(emulator, 'webhooks/fire', {
        item_id: itemId, webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED',
      });
      const body = webhookBody((await receiver.waitFor(1))[0]);
      assert.deepEqual(validateWebhook('LINK', 'SESSION_FINISHED', body), []);
      assert.deepEqual(body, fired.payload);
      assert.equal(body.status, 'SUCCESS');
      assert.match(body.link_token, /^link-sandbox-/);
      assert.equal(body.public_tokens.length, 1);
      const exchanged = await ok(emulator, '/item/public_token/exchange', { public_token: body.public_tokens[0] });
      assert.notEqual(exchanged.item_id, itemId);
    });

    it('LINK SESSION_FINISHED EXITED, to a bare URL, with no Item', async () => {
      const { status } = await control(emulator, 'webhooks/fire', {
        webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', webhook: receiver.urlFor('/exit'),
        fields: { status: 'EXITED', link_session_id: 'session-1' },
      });
      assert.equal(status, 200);
      const body = webhookBody((await receiver.waitFor(1))[0]);
      assert.deepEqual(validateWebhook('LINK', 'SESSION_FINISHED', body), []);
      assert.equal(body.status, 'EXITED');
      assert.equal(body.link_session_id, 'session-1');
      assert.deepEqual(body.public_tokens, []);
    });

    it('sends codes and types Plaid has not documented (receivers must not drop them)', async () => {
      const item = emulator.createItem({ webhook: receiver.urlFor('/odd') });
      await control(emulator, 'webhooks/fire', { item_id: item.item_id, webhook_code: 'UPDATE_ACKNOWLEDGED' });
      await control(emulator, 'webhooks/fire', {
        item_id: item.item_id, webhook_type: 'BRAND_NEW', webhook_code: 'SOMETHING', fields: { extra: 1 },
      });
      const bodies = (await receiver.waitFor(2)).map(webhookBody);
      assert.ok(bodies.some((b) => b.webhook_type === 'ITEM' && b.webhook_code === 'UPDATE_ACKNOWLEDGED'));
      assert.ok(bodies.some((b) => b.webhook_type === 'BRAND_NEW' && b.extra === 1 && b.item_id === item.item_id));
    });

    it('answers Plaid-shaped errors for an unknown Item, a missing URL, a missing code', async () => {
      const unknown = await control(emulator, 'webhooks/fire', { item_id: 'nope', webhook_code: 'ERROR' });
      assertPlaidError(unknown.body, { status: 400, type: 'ITEM_ERROR', code: 'ITEM_NOT_FOUND' });
      const item = emulator.createItem();
      const noUrl = await control(emulator, 'webhooks/fire', { item_id: item.item_id, webhook_code: 'ERROR' });
      assertPlaidError(noUrl.body, { status: 400, type: 'SANDBOX_ERROR', code: 'SANDBOX_WEBHOOK_INVALID' });
      const noCode = await control(emulator, 'webhooks/fire', { item_id: item.item_id });
      assertPlaidError(noCode.body, { status: 400, type: 'INVALID_REQUEST', code: 'MISSING_FIELDS' });
      const unknownPath = await control(emulator, 'nope', {});
      assertPlaidError(unknownPath.body, { status: 404, type: 'INVALID_REQUEST', code: 'NOT_FOUND' });
    });
  });

  describe('faults', () => {
    it('rateLimit: 429 RATE_LIMIT with Retry-After, only on the chosen paths', async () => {
      const item = emulator.createItem();
      const { status, body } = await control(emulator, 'faults', { rateLimit: 1, retryAfterSeconds: 3, paths: ['/item/get'] });
      assert.equal(status, 200);
      assert.equal(body.rateLimit, 1);
      const limited = await fails(emulator, '/item/get', { access_token: item.access_token },
        { status: 429, type: 'RATE_LIMIT_EXCEEDED', code: 'RATE_LIMIT' });
      assert.equal(limited.headers.get('retry-after'), '3');
      await ok(emulator, '/accounts/get', { access_token: item.access_token });
      assert.equal(emulator.counts.faultsRateLimited, 1);
    });

    it('serverError: 500 INTERNAL_SERVER_ERROR before the call takes effect', async () => {
      const item = emulator.createItem();
      await control(emulator, 'faults', { serverError: 1 });
      await fails(emulator, '/item/remove', { access_token: item.access_token },
        { status: 500, type: 'API_ERROR', code: 'INTERNAL_SERVER_ERROR' });
      assert.equal(emulator.item(item.item_id).removed, false);
      await control(emulator, 'faults', {});
      await ok(emulator, '/item/remove', { access_token: item.access_token });
    });

    it('serverErrorAfterEffect: the call takes effect and its answer is lost (so a blind retry shows)', async () => {
      const item = emulator.createItem();
      emulator.setFaults({ serverError: 1, serverErrorAfterEffect: true, paths: ['/item/access_token/invalidate'] });
      await fails(emulator, '/item/access_token/invalidate', { access_token: item.access_token },
        { status: 500, type: 'API_ERROR', code: 'INTERNAL_SERVER_ERROR' });
      assert.equal(emulator.counts.accessTokensRotated, 1);
      await fails(emulator, '/item/get', { access_token: item.access_token },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCESS_TOKEN' });
    });

    it('delay: holds a share of calls for delayMs (client timeout tests)', async () => {
      const item = emulator.createItem();
      emulator.setFaults({ delay: 1, delayMs: 150 });
      const started = Date.now();
      await ok(emulator, '/item/get', { access_token: item.access_token });
      assert.ok(Date.now() - started >= 145);
      assert.equal(emulator.counts.faultsDelayed, 1);
    });

    it('a share between 0 and 1 faults about that share of calls; a seed makes it repeatable', async () => {
      const item = emulator.createItem();
      const run = async () => {
        emulator.setFaults({ serverError: 0.5, seed: 42 });
        const statuses = [];
        for (let i = 0; i < 30; i += 1) statuses.push((await call(emulator, '/accounts/get', { access_token: item.access_token })).status);
        return statuses;
      };
      const first = await run();
      assert.deepEqual(await run(), first);
      const failures = first.filter((status) => status === 500).length;
      assert.ok(failures > 5 && failures < 25, `${failures} of 30 failed`);
    });

    it('refuses nonsense: shares outside 0..1, unknown fault names', async () => {
      assertPlaidError((await control(emulator, 'faults', { rateLimit: 2 })).body,
        { status: 400, type: 'INVALID_REQUEST', code: 'INVALID_FIELD' });
      assertPlaidError((await control(emulator, 'faults', { ratelimit: 0.5 })).body,
        { status: 400, type: 'INVALID_REQUEST', code: 'UNKNOWN_FIELDS' });
      assert.equal((await read(emulator, 'faults')).body.rateLimit, 0);
    });
  });

  describe('state, clock, keys, reset', () => {
    it('GET /emulator/state: Items and counts of state changes', async () => {
      const { accessToken, itemId } = await linkItem(emulator, { options: { webhook: receiver.urlFor('/s') } });
      await ok(emulator, '/item/access_token/invalidate', { access_token: accessToken });
      await ok(emulator, '/sandbox/item/fire_webhook', {
        access_token: emulator.item(itemId).access_token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE',
      });
      await receiver.waitFor(1);
      const { body } = await read(emulator, 'state');
      assert.equal(body.items.length, 1);
      assert.equal(body.items[0].item_id, itemId);
      assert.equal(body.items[0].webhook, receiver.urlFor('/s'));
      assert.equal(body.items[0].accounts.length, 3);
      assert.equal(body.counts.itemsCreated, 1);
      assert.equal(body.counts.accessTokensRotated, 1);
      assert.equal(body.counts.webhooksFired, 1);
      assert.equal(body.currentKeyId, emulator.currentKeyId());
      const { body: deliveries } = await read(emulator, 'deliveries');
      assert.equal(deliveries.deliveries.length, 1);
      assert.equal(deliveries.deliveries[0].webhookCode, 'NEW_ACCOUNTS_AVAILABLE');
    });

    it('POST /emulator/items creates a ready Item; /emulator/items/repair clears its error and says LOGIN_REPAIRED', async () => {
      const { body: created } = await control(emulator, 'items', {
        institution_id: 'ins_109511', initial_products: ['auth'], webhook: receiver.urlFor('/r'),
      });
      await ok(emulator, '/sandbox/item/reset_login', { access_token: created.access_token });
      const { body: notOffered } = await control(emulator, 'items', { institution_id: 'ins_109512', initial_products: ['transactions'] });
      assertPlaidError(notOffered, { status: 400, type: 'INVALID_INPUT', code: 'INVALID_PRODUCT' });
      const { body: repaired } = await control(emulator, 'items/repair', { item_id: created.item_id });
      assert.equal(repaired.error_code, null);
      const bodies = (await receiver.waitFor(2)).map(webhookBody);
      assert.deepEqual(bodies.map((b) => b.webhook_code).sort(), ['ERROR', 'LOGIN_REPAIRED']);
      const { item } = await ok(emulator, '/item/get', { access_token: created.access_token });
      assert.equal(item.error, null);
    });

    it('POST /emulator/clock/advance ages public tokens', async () => {
      const { public_token } = await ok(emulator, '/sandbox/public_token/create', {
        institution_id: 'ins_109508', initial_products: ['auth'],
      });
      const { status } = await control(emulator, 'clock/advance', { ms: 31 * 60 * 1000 });
      assert.equal(status, 200);
      await fails(emulator, '/item/public_token/exchange', { public_token },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_PUBLIC_TOKEN' });
    });

    it('POST /emulator/keys/rotate and /emulator/keys/expire', async () => {
      const first = emulator.currentKeyId();
      const { body: rotation } = await control(emulator, 'keys/rotate', {});
      assert.equal(rotation.previousKid, first);
      assert.equal(emulator.currentKeyId(), rotation.kid);
      await control(emulator, 'keys/expire', { kid: first });
      const { key } = await ok(emulator, '/webhook_verification_key/get', { key_id: first });
      assert.ok(Number.isInteger(key.expired_at));
    });

    it('POST /emulator/reset forgets Items, counts, faults and deliveries', async () => {
      const item = emulator.createItem();
      emulator.setFaults({ rateLimit: 1 });
      const { body } = await control(emulator, 'reset');
      assert.deepEqual(body, { reset: true });
      const state = emulator.state();
      assert.deepEqual(state.items, []);
      assert.equal(state.counts.itemsCreated, 0);
      assert.equal(state.faults.rateLimit, 0);
      await fails(emulator, '/item/get', { access_token: item.access_token },
        { status: 400, type: 'INVALID_INPUT', code: 'INVALID_ACCESS_TOKEN' });
    });
  });
});
