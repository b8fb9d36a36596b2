'use strict';
// plaid-webhook-in with a plaid-item-store, in a real runtime over real HTTP, on a real SQLite file: records updated
// before the message goes out, msg.plaid.item, LINK sessions matched by link token, dedupe claims in the store.
const assert = require('node:assert/strict');
const path = require('node:path');
const { DatabaseSync: Database } = require('node:sqlite');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const storeModule = require('../../dist/nodes/plaid-item-store.js');
const { WebhookRig, helper } = require('../support/webhook-rig');
const { startKeyServer } = require('../support/webhook-key-server');
const { makeKey, plaidDelivery } = require('../support/webhook-signer');
const { validateWebhook } = require('../support/openapi');
const files = require('../store/support/store-files');

const TOKEN = 'access-sandbox-5e0b4c8a-64bc-4b38-98f7-731e7a349970';
/** @type {(code: string, extra?: Record<string, any>) => Record<string, any>} */
const itemWebhook = (code, extra = {}) => ({ webhook_type: 'ITEM', webhook_code: code, item_id: 'item-1', environment: 'sandbox', ...extra });
const loginRequired = itemWebhook('ERROR', {
  error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_code_reason: null, error_message: 'the login details of this item have changed', display_message: 'Please update your login.', request_id: 'r', causes: [], status: 400, documentation_url: 'https://plaid.com/docs/errors/item/', suggested_action: null },
});

describe('plaid-webhook-in with an Item store', function () {
  const rig = new WebhookRig();
  let keyServer;
  let key;
  let file;

  beforeEach(async function () {
    keyServer = await startKeyServer();
    key = makeKey('kid-1');
    keyServer.add(key);
    rig.mountPath = '/';
    file = path.join(files.tempDir('plaid-store-webhook-'), 'items.db');
    rig.extraCredentials = { store: { encryptionKey: generateStoreKey() } };
  });

  afterEach(async function () {
    await rig.unload();
    await keyServer.close();
    await files.cleanup();
  });

  /** Loads the webhook node on the store; resolves to the open ItemStore (undefined if it could not open). */
  async function load(webhook = {}) {
    const flow = rig.flow(keyServer, { store: 'store', ...webhook }, [{ id: 'store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file }]);
    await rig.load(flow, [storeModule]);
    const storeNode = helper.getNode('store');
    await storeNode.ready;
    return storeNode.itemStore;
  }

  function onDisk(sql, ...args) {
    const db = new Database(file, { readOnly: true });
    try {
      return /** @type {any} */ (db.prepare(sql).get(...args));
    } finally {
      db.close();
    }
  }

  it('updates the record before the message goes out, and the message carries it', async function () {
    const store = await load();
    await store.save({ item_id: 'item-1', access_token: TOKEN, client_user_id: 'user-1' });
    assert.deepEqual(validateWebhook('ITEM', 'ERROR', loginRequired), []);
    let statusAtEmit;
    helper.getNode('out0').on('input', () => { statusAtEmit = onDisk('SELECT status FROM items WHERE item_id = ?', 'item-1').status; });
    await rig.post(plaidDelivery(loginRequired, key)).expect(200);
    await rig.settle();
    assert.equal(statusAtEmit, 'login_required', 'the record was written when the message arrived');
    const [{ output, msg }] = rig.emitted;
    assert.equal(output, 0);
    assert.deepEqual(msg.plaid.item, await store.get('item-1'));
    assert.equal(msg.plaid.item.status, 'login_required');
    assert.equal(msg.plaid.item.error_code, 'ITEM_LOGIN_REQUIRED');
    assert.equal(msg.plaid.item.client_user_id, 'user-1');
    assert.deepEqual({ type: msg.plaid.item.last_webhook.webhook_type, code: msg.plaid.item.last_webhook.webhook_code }, { type: 'ITEM', code: 'ERROR' });
    assert.equal(msg.plaid.item_id, 'item-1');
    assert.equal(msg.plaid.verified, true);
    assert.equal(JSON.stringify(msg).includes(TOKEN), false);
  });

  it('maps each ITEM webhook to the record\'s status, in the order Plaid might send them', async function () {
    const store = await load();
    await store.save({ item_id: 'item-1', access_token: TOKEN });
    /** @type {Array<[any, string]>} */
    const steps = [
      [itemWebhook('PENDING_EXPIRATION', { consent_expiration_time: '2026-12-24T00:00:00Z' }), 'pending_expiration'],
      [itemWebhook('LOGIN_REPAIRED'), 'healthy'],
      [itemWebhook('PENDING_DISCONNECT', { reason: 'INSTITUTION_MIGRATION' }), 'pending_disconnect'],
      [itemWebhook('NEW_ACCOUNTS_AVAILABLE', { error: null }), 'pending_disconnect'],
      [itemWebhook('ERROR', { error: { ...loginRequired.error, error_code: 'INSTITUTION_DOWN', error_type: 'INSTITUTION_ERROR' } }), 'error'],
      [itemWebhook('USER_PERMISSION_REVOKED', { error: null }), 'revoked'],
    ];
    for (const [body, status] of steps) {
      await rig.post(plaidDelivery(body, key)).expect(200);
      await rig.settle();
      const [{ msg }] = rig.emitted.splice(0);
      assert.equal(msg.plaid.item.status, status, body.webhook_code);
      assert.equal(msg.plaid.item.last_webhook.webhook_code, body.webhook_code);
    }
    assert.equal((await store.history('item-1')).filter((e) => e.kind === 'webhook').length, steps.length);
  });

  it('sends a webhook for an Item the store does not know with msg.plaid.item null', async function () {
    await load();
    await rig.post(plaidDelivery(loginRequired, key)).expect(200);
    await rig.settle();
    assert.equal(rig.emitted.length, 1);
    assert.equal(rig.emitted[0].msg.plaid.item, null);
    assert.equal(rig.emitted[0].msg.plaid.item_id, 'item-1');
  });

  it('matches LINK SESSION_FINISHED by its link token: msg.plaid.item and item_id; SUCCESS marks the Item healthy', async function () {
    const store = await load();
    await store.save({ item_id: 'item-1', access_token: TOKEN });
    await rig.post(plaidDelivery(loginRequired, key)).expect(200);
    await store.setLinkToken('item-1', 'link-sandbox-6a2f0c4e-1b7d-4a55-9c1e-3f8d2b6a7e90', '2026-12-02T04:00:00Z');
    const finished = (status, linkToken) => ({
      webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', status, link_session_id: `session-${status}`, link_token: linkToken, public_tokens: [], environment: 'sandbox',
    });
    const exited = finished('EXITED', 'link-sandbox-6a2f0c4e-1b7d-4a55-9c1e-3f8d2b6a7e90');
    assert.deepEqual(validateWebhook('LINK', 'SESSION_FINISHED', exited), []);
    await rig.post(plaidDelivery(exited, key)).expect(200);
    await rig.post(plaidDelivery(finished('SUCCESS', 'link-sandbox-6a2f0c4e-1b7d-4a55-9c1e-3f8d2b6a7e90'), key)).expect(200);
    await rig.post(plaidDelivery(finished('SUCCESS', 'link-sandbox-00000000-0000-4000-8000-000000000000'), key)).expect(200);
    await rig.settle();
    const sessions = rig.emitted.filter((e) => e.output === 8).map((e) => e.msg.plaid);
    assert.deepEqual(sessions.map((p) => [p.item_id, p.item && p.item.status]), [
      ['item-1', 'login_required'], // EXITED: still to be repaired
      ['item-1', 'healthy'],
      [null, null], // a link token the store does not know
    ]);
  });

  it('dedupes in the store: a re-delivery is emitted once, also by the next instance on the same file, nothing in context', async function () {
    const delivery = plaidDelivery(loginRequired, key);
    for (let instance = 0; instance < 2; instance++) {
      await load({ dedupe: true });
      const answers = await Promise.all(Array.from({ length: 5 }, () => rig.post(delivery)));
      // Copies that arrive while the first is being handled (claimed, not yet emitted) are answered 503, so Plaid
      // delivers them again: by then they are duplicates, answered 200.
      const statuses = answers.map((r) => r.status);
      assert.ok(statuses.every((s) => s === 200 || s === 503), `answers ${statuses}`);
      assert.ok(statuses.includes(200), `answers ${statuses}`);
      if (instance === 1) assert.deepEqual([...new Set(statuses)], [200], 'a confirmed delivery is a duplicate at once');
      await rig.settle();
      for (const retry of await Promise.all(statuses.filter((s) => s === 503).map(() => rig.post(delivery)))) assert.equal(retry.status, 200);
      assert.equal(rig.emitted.length, instance === 0 ? 1 : 0, `instance ${instance}`);
      assert.deepEqual(helper.getNode('hook').context().keys(), [], 'no seen-set in context (this node, on no tab, would keep it in its own)');
      await rig.unload();
    }
    assert.equal(onDisk('SELECT count(*) AS n FROM claims').n, 1, 'one claim, in the store');
  });

  it('answers 503 while the store cannot be opened, and emits nothing', async function () {
    rig.extraCredentials = { store: { encryptionKey: 'not a key' } };
    assert.equal(await load({ dedupe: true }), undefined);
    await rig.post(plaidDelivery(loginRequired, key)).expect(503);
    await rig.settle();
    assert.equal(rig.emitted.length, 0);
  });

  it('says in its status what stops the store: no key, a wrong key; the log line starts with what to do', async function () {
    const lastStatus = () => helper._NodePrototype.status.getCalls().filter((call) => call.thisValue.id === 'hook').at(-1)?.args[0];
    const errors = () => helper.log().args.map((a) => a[0]).filter((e) => e.id === 'hook' && e.level === helper.log().ERROR).map((e) => e.msg);
    rig.extraCredentials = { store: {} };
    assert.equal(await load({ dedupe: true }), undefined);
    await rig.post(plaidDelivery(loginRequired, key)).expect(503);
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'ring', text: 'plaid-webhook-in.status.noKey' });
    assert.match(errors().at(-1), /^no encryption key: generate one in the Item store "items" \(keep a copy of it\); until then deliveries are answered 503$/);
    await rig.unload();

    // A store written under one key, opened with another.
    rig.extraCredentials = { store: { encryptionKey: generateStoreKey() } };
    await (await load()).save({ item_id: 'item-1', access_token: TOKEN });
    await rig.unload();
    rig.extraCredentials = { store: { encryptionKey: generateStoreKey() } };
    assert.equal(await load(), undefined);
    await rig.post(plaidDelivery(loginRequired, key)).expect(503);
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'ring', text: 'plaid-webhook-in.status.wrongKey' });
  });

  it('answers 503 when the store fails under it, so Plaid delivers again', async function () {
    const store = await load({ dedupe: true });
    await store.save({ item_id: 'item-1', access_token: TOKEN });
    await store.close();
    await rig.post(plaidDelivery(loginRequired, key)).expect(503);
    await rig.settle();
    assert.equal(rig.emitted.length, 0);
  });
});
