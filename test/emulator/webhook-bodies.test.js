'use strict';
// Every kind of webhook body the emulator can send, from every place that sends one (Plaid endpoints, the Hosted
// Link page, the control API), received over HTTP and validated against Plaid's webhook schemas: the subset's
// x-webhook-schemas, and for the pairs it lacks the schemas of Plaid's full spec (test/support/webhook-schemas.js).
const assert = require('node:assert/strict');
const { spec, validateWebhook, webhookPairs } = require('../support/openapi');
const { distDir, emulatorAndReceiver, linkItem, ok, submitForm, webhookBody } = require('./helpers');

const { FIRE_WEBHOOK_TYPES } = require(`${distDir}/emulator/webhooks/payloads`);

const ALL_PRODUCTS = ['transactions', 'investments', 'liabilities', 'auth', 'assets'];
const LINK_REQUEST = { client_name: 'Budget Buddy', language: 'en', country_codes: ['US'], user: { client_user_id: 'user-1' } };

describe('emulator: every webhook body it sends validates against Plaid\'s webhook schemas', () => {
  const suite = emulatorAndReceiver({}, { perSuite: true });
  let emulator;
  let receiver;
  before(() => ({ emulator, receiver } = suite));

  /** Each source of webhooks, run in turn; resolves the bodies received, with what sent them. */
  async function sendEveryKind() {
    const sent = [];
    const expect = async (source, count, action) => {
      const before = receiver.received.length;
      await action();
      const received = await receiver.waitFor(before + count);
      for (const delivery of received.slice(before)) sent.push({ source, body: webhookBody(delivery) });
    };
    const hook = receiver.urlFor('/hook');
    const { accessToken, itemId } = await linkItem(emulator, { initial_products: ALL_PRODUCTS, options: { webhook: hook } });

    for (const [code, types] of Object.entries(FIRE_WEBHOOK_TYPES)) {
      for (const type of types) {
        await expect(`/sandbox/item/fire_webhook ${type}/${code}`, 1,
          () => ok(emulator, '/sandbox/item/fire_webhook', { access_token: accessToken, webhook_code: code, webhook_type: type }));
      }
    }
    await expect('/item/webhook/update', 1, () => ok(emulator, '/item/webhook/update', { access_token: accessToken, webhook: hook }));
    const micro = await linkItem(emulator, { institution_id: 'ins_109512', initial_products: ['auth'], options: { webhook: hook } });
    const { accounts } = await ok(emulator, '/accounts/get', { access_token: micro.accessToken });
    for (const status of ['automatically_verified', 'verification_expired']) {
      await expect(`/sandbox/item/set_verification_status ${status}`, 1, () => ok(emulator, '/sandbox/item/set_verification_status', {
        access_token: micro.accessToken, account_id: accounts[0].account_id, verification_status: status,
      }));
    }
    await expect('/sandbox/item/reset_login', 1, () => ok(emulator, '/sandbox/item/reset_login', { access_token: accessToken }));
    await expect('control items/repair', 1, async () => emulator.repairItem(itemId));

    for (const action of ['continue', 'exit']) {
      const update = await ok(emulator, '/link/token/create', { ...LINK_REQUEST, access_token: accessToken, hosted_link: {} });
      await expect(`Hosted Link update mode ${action}`, 1, () => submitForm(update.hosted_link_url, { action }));
      const created = await ok(emulator, '/link/token/create', { ...LINK_REQUEST, products: ['transactions'], webhook: hook, hosted_link: {} });
      await expect(`Hosted Link new Item ${action}`, 1,
        () => submitForm(created.hosted_link_url, { action, username: 'user_good', password: 'pass_good' }));
    }

    const itemCodes = Object.keys(spec['x-webhook-schemas']).filter((pair) => pair.startsWith('ITEM/')).map((pair) => pair.slice(5));
    for (const code of itemCodes) {
      await expect(`control webhooks/fire ITEM/${code}`, 1, async () => emulator.fireWebhook({ item_id: itemId, webhook_code: code }));
    }
    for (const [code, fields] of [['SESSION_FINISHED', {}], ['SESSION_FINISHED', { status: 'EXITED' }], ['ITEM_ADD_RESULT', {}], ['EVENTS', {}]]) {
      await expect(`control webhooks/fire LINK/${code} ${JSON.stringify(fields)}`, 1,
        async () => emulator.fireWebhook({ item_id: itemId, webhook_type: 'LINK', webhook_code: code, fields }));
    }
    await expect('control webhooks/fire LINK/SESSION_FINISHED with no Item', 1,
      async () => emulator.fireWebhook({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', webhook: hook }));
    return sent;
  }

  it('each body is valid for its (type, code); every pair with a schema the emulator can send was sent', async () => {
    const sent = await sendEveryKind();
    const problems = sent.flatMap(({ source, body }) =>
      validateWebhook(body.webhook_type, body.webhook_code, body).map((problem) => `${source}: ${problem}`));
    assert.deepEqual(problems, []);
    const pairs = new Set(sent.map(({ body }) => `${body.webhook_type}/${body.webhook_code}`));
    assert.deepEqual(webhookPairs().filter((pair) => !pairs.has(pair)), [], 'every known pair was sent at least once');
    assert.equal(sent.length, 36);
  });

  it('LINK ITEM_ADD_RESULT and EVENTS from the control API carry what Plaid\'s carry: a usable public token, events', async () => {
    const item = emulator.createItem({ webhook: receiver.urlFor('/link') });
    const added = emulator.fireWebhook({ item_id: item.item_id, webhook_type: 'LINK', webhook_code: 'ITEM_ADD_RESULT' }).payload;
    assert.match(String(added.link_token), /^link-sandbox-/);
    const exchanged = await ok(emulator, '/item/public_token/exchange', { public_token: added.public_token });
    assert.notEqual(exchanged.item_id, item.item_id);
    const events = emulator.fireWebhook({ item_id: item.item_id, webhook_type: 'LINK', webhook_code: 'EVENTS' }).payload;
    assert.deepEqual(events.events.map((event) => event.event_name), ['OPEN', 'HANDOFF']);
    await emulator.deliveriesSettled();
  });

  it('the schemas refuse what the emulator sent before (a body missing what Plaid requires fails)', () => {
    const old = { webhook_type: 'LINK', webhook_code: 'ITEM_ADD_RESULT', item_id: 'i', environment: 'sandbox' };
    assert.deepEqual(validateWebhook('LINK', 'ITEM_ADD_RESULT', old).length, 3);
    const misspelt = {
      webhook_type: 'INVESTMENTS_TRANSACTIONS', webhook_code: 'DEFAULT_UPDATE', item_id: 'i', error: null,
      new_investments_transactions: 0, canceled_investments_transactions: 0, environment: 'sandbox',
    };
    assert.match(validateWebhook('INVESTMENTS_TRANSACTIONS', 'DEFAULT_UPDATE', misspelt).join(), /cancelled_investments_transactions/);
    assert.deepEqual(validateWebhook('BRAND_NEW', 'SOMETHING', {}), ['no webhook schema for BRAND_NEW/SOMETHING']);
  });
});
