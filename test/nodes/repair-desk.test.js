'use strict';
// RepairDesk (src/plaid/repair/) on real SQLite stores with an injected clock, Plaid's stand-in over loopback (every
// request checked against the OpenAPI spec): what it asks Plaid for, how a failed step is tried again, and that two
// instances on one store send a due step once, the second taking it over only when the first died holding it.
const assert = require('node:assert/strict');
const path = require('node:path');
const { ItemStore, CLAIM_LEASE_MS } = require('../../dist/plaid/store/item-store');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage');
const { TokenCipher, generateStoreKey } = require('../../dist/plaid/store/cipher');
const { PlaidClient } = require('../../dist/plaid/client');
const { RepairDesk } = require('../../dist/plaid/repair/repair-desk');
const { NOTICE_TAKEOVER_MS } = require('../../dist/plaid/repair/case-steps');
const { startStandIn, CLIENT_ID, SECRET } = require('../support/plaid-stand-in');
const files = require('../store/support/store-files');

const TOKEN = 'access-sandbox-5e0b4c8a-64bc-4b38-98f7-731e7a349970';
const HOUR = 3_600_000;

describe('RepairDesk: cases on the store, Plaid\'s stand-in, an injected clock', function () {
  let plaid;
  let file;
  let key;
  let now;
  const clock = () => now;
  const opened = [];

  before(async () => {
    plaid = await startStandIn();
  });
  after(() => plaid.close());

  beforeEach(() => {
    file = path.join(files.tempDir('plaid-desk-'), 'items.db');
    key = generateStoreKey();
    now = Date.parse('2026-03-01T09:00:00Z');
  });

  afterEach(async () => {
    for (const close of opened.splice(0)) await close();
    await files.cleanup();
    assert.deepEqual(plaid.violations, [], 'every request matches the OpenAPI spec');
    plaid.reset();
  });

  /** One "instance": its own store (its own claim holder) on the shared file, its own client, a desk. */
  async function instance(options = {}) {
    const store = new ItemStore(new SqliteStorage({ file }), new TokenCipher(key), { now: clock });
    await store.open();
    const client = new PlaidClient({ baseUrl: plaid.url, clientId: CLIENT_ID, secret: SECRET, timeout: 2000, retries: 0 });
    opened.push(async () => {
      client.close();
      await store.close();
    });
    const desk = new RepairDesk({
      store, client, owner: 'repair-node', environment: 'sandbox', now: clock,
      reasons: ['ITEM_LOGIN_REQUIRED', 'PENDING_EXPIRATION', 'PENDING_DISCONNECT', 'NEW_ACCOUNTS_AVAILABLE'],
      reminderDelaysMs: [24 * HOUR, 72 * HOUR],
      link: { client_name: 'Desk test', language: 'fr', country_codes: ['US', 'CA'], completion_redirect_uri: 'https://example.com/repaired', url_lifetime_seconds: 600 },
      ...options,
    });
    return { store, desk };
  }

  /** A message as plaid-webhook-in sends it with a store: the webhook recorded first. */
  async function webhook(store, body) {
    const full = { environment: 'sandbox', ...body };
    const item = await store.applyWebhook(full, { environment: 'sandbox' });
    return { payload: full, plaid: { webhook_type: full.webhook_type, webhook_code: full.webhook_code, item_id: full.item_id ?? item?.item_id ?? null, environment: 'sandbox', verified: true, item } };
  }

  const loginRequired = (itemId) => ({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: itemId, error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' } });

  /** Runs every due step, handing each delivery over as the flow took it. */
  async function runDue(desk) {
    const delivered = [];
    const failures = [];
    await desk.runDue(async (d) => {
      delivered.push(d);
      await d.delivered();
    }, (err, c) => failures.push({ err, c }));
    return { delivered, failures };
  }

  it('asks for account selection on NEW_ACCOUNTS_AVAILABLE only, in update mode with Hosted Link and the node\'s link settings, the client_user_id from the record', async function () {
    const { store, desk } = await instance();
    await store.save({ item_id: 'item-new', access_token: TOKEN, client_user_id: 'user-9' });
    await store.save({ item_id: 'item-login', access_token: TOKEN, client_user_id: 'user-8' });
    const accounts = await desk.handle(await webhook(store, { webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: 'item-new' }));
    const login = await desk.handle(await webhook(store, loginRequired('item-login')));
    assert.deepEqual([accounts.output, accounts.repair.reason, login.repair.reason], ['notify', 'NEW_ACCOUNTS_AVAILABLE', 'ITEM_LOGIN_REQUIRED']);
    const [first, second] = plaid.callsTo('/link/token/create').map((r) => r.body);
    assert.deepEqual(first.update, { account_selection_enabled: true });
    assert.equal(second.update, undefined);
    for (const [body, user] of [[first, 'user-9'], [second, 'user-8']]) {
      assert.deepEqual([body.access_token, body.user, body.products], [TOKEN, { client_user_id: user }, undefined]);
      assert.deepEqual(
        [body.client_name, body.language, body.country_codes, body.hosted_link],
        ['Desk test', 'fr', ['US', 'CA'], { completion_redirect_uri: 'https://example.com/repaired', url_lifetime_seconds: 600 }],
      );
    }
    assert.equal(JSON.stringify([accounts.repair, login.repair]).includes(TOKEN), false);
  });

  it('takes a PENDING_EXPIRATION case\'s deadline from consent_expiration_time', async function () {
    const { store, desk } = await instance();
    await store.save({ item_id: 'item-consent', access_token: TOKEN, client_user_id: 'user-3' });
    const expires = new Date(now + 7 * 24 * HOUR).toISOString();
    const notice = await desk.handle(await webhook(store, { webhook_type: 'ITEM', webhook_code: 'PENDING_EXPIRATION', item_id: 'item-consent', consent_expiration_time: expires }));
    assert.deepEqual([notice.output, notice.repair.reason, notice.repair.deadline], ['notify', 'PENDING_EXPIRATION', expires]);
    await notice.delivered();
    assert.equal((await store.repairCase('item-consent')).deadline, expires);
  });

  it('tries a notice Plaid refused again later, and sends it then as the notice (reminder 0)', async function () {
    const { store, desk } = await instance();
    await store.save({ item_id: 'item-1', access_token: TOKEN, client_user_id: 'user-1' });
    plaid.script('/link/token/create', { status: 500, body: { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', error_message: 'boom', display_message: null, request_id: 'r1' } });
    await assert.rejects(desk.handle(await webhook(store, loginRequired('item-1'))), /INTERNAL_SERVER_ERROR/);
    const failed = await store.repairCase('item-1');
    const retryIn = Date.parse(failed.next_due) - now;
    assert.ok(retryIn >= 30_000 && retryIn <= 60_000, `${retryIn} ms`);
    assert.deepEqual((await runDue(desk)).delivered, [], 'nothing before its time');
    now = Date.parse(failed.next_due);
    const { delivered: [notice] } = await runDue(desk);
    assert.deepEqual([notice.output, notice.repair.reminder], ['notify', 0]);
    const sent = await store.repairCase('item-1');
    assert.deepEqual([sent.notified_at, sent.failures, sent.next_due], [new Date(now).toISOString(), 0, new Date(now + 24 * HOUR).toISOString()]);
  });

  it('sends the notice of a case whose instance died before handing it over, once its claim expired', async function () {
    const a = await instance();
    const b = await instance();
    await a.store.save({ item_id: 'item-1', access_token: TOKEN, client_user_id: 'user-1' });
    // Instance a opens the case and makes the link, then dies before the flow gets the notice.
    const lost = await a.desk.handle(await webhook(a.store, loginRequired('item-1')));
    assert.equal(lost.output, 'notify');
    now += NOTICE_TAKEOVER_MS;
    const { delivered: [notice] } = await runDue(b.desk);
    assert.deepEqual([notice.output, notice.repair.reminder], ['notify', 0]);
    assert.notEqual(/** @type {any} */ (notice.repair).hosted_link_url, /** @type {any} */ (lost.repair).hosted_link_url, 'a link of its own');
    assert.equal((await b.store.repairCase('item-1')).notified_at, new Date(now).toISOString());
  });

  it('sends a due reminder once when two instances look at once; one that died holding it is taken over after its lease', async function () {
    const a = await instance();
    const b = await instance();
    for (const id of ['item-1', 'item-2']) {
      await a.store.save({ item_id: id, access_token: TOKEN, client_user_id: 'user-1' });
      const notice = await a.desk.handle(await webhook(a.store, loginRequired(id)));
      await notice.delivered();
    }
    now += 24 * HOUR;
    const [fromA, fromB] = await Promise.all([runDue(a.desk), runDue(b.desk)]);
    const reminders = [...fromA.delivered, ...fromB.delivered];
    assert.deepEqual(reminders.map((d) => [d.repair.item_id, d.output, d.repair.reminder]).sort(), [['item-1', 'remind', 1], ['item-2', 'remind', 1]]);
    assert.deepEqual([...fromA.failures, ...fromB.failures], []);

    // The second reminder: a claims it and dies before the flow has it (nothing confirmed, nothing recorded).
    now += 48 * HOUR;
    const claimedByA = [];
    await a.desk.runDue(async (d) => {
      claimedByA.push(d);
    }, () => undefined);
    assert.equal(claimedByA.length, 2);
    assert.deepEqual((await runDue(b.desk)).delivered, [], 'not while a\'s claim holds');
    now += CLAIM_LEASE_MS;
    const { delivered } = await runDue(b.desk);
    assert.deepEqual(delivered.map((d) => [d.repair.item_id, d.repair.reminder]).sort(), [['item-1', 2], ['item-2', 2]]);
    assert.equal((await b.store.repairCase('item-1')).reminders_sent, 2);
  });

  it('closes at Plaid\'s deadline before a reminder, and unanswered once the last reminder\'s link expired', async function () {
    const { store, desk } = await instance({ reminderDelaysMs: [HOUR] });
    await store.save({ item_id: 'item-deadline', access_token: TOKEN, client_user_id: 'user-1' });
    await store.save({ item_id: 'item-quiet', access_token: TOKEN, client_user_id: 'user-2' });
    const deadline = new Date(now + 30 * 60_000).toISOString();
    await (await desk.handle(await webhook(store, { webhook_type: 'ITEM', webhook_code: 'PENDING_DISCONNECT', item_id: 'item-deadline', reason: 'INSTITUTION_MIGRATION', disconnect_time: deadline }))).delivered();
    await (await desk.handle(await webhook(store, loginRequired('item-quiet')))).delivered();
    assert.equal((await store.repairCase('item-deadline')).next_due, deadline, 'the deadline comes before the reminder');
    now = Date.parse(deadline);
    assert.deepEqual((await runDue(desk)).delivered.map((d) => [d.repair.item_id, d.output, d.repair.closed_by]), [['item-deadline', 'closed', 'deadline']]);
    now += 30 * 60_000;
    const { delivered: [reminder] } = await runDue(desk);
    assert.deepEqual([reminder.repair.item_id, reminder.output], ['item-quiet', 'remind']);
    now = Date.parse(reminder.repair.link_expiration);
    assert.deepEqual((await runDue(desk)).delivered.map((d) => [d.repair.item_id, d.repair.closed_by, d.repair.reminder]), [['item-quiet', 'unanswered', 1]]);
    assert.equal(await desk.nextDue(), undefined, 'nothing open');
  });
});
