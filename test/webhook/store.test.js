'use strict';
// plaid-webhook-in with a plaid-item-store, in a real runtime over real HTTP, on a real SQLite file: records updated
// before the message goes out, msg.plaid.item, LINK sessions matched by link token, dedupe claims in the store that
// key on the event, and the event log (written before the answer, bodies encrypted, pruned).
const assert = require('node:assert/strict');
const path = require('node:path');
const { DatabaseSync: Database } = require('node:sqlite');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const storeModule = require('../../dist/nodes/plaid-item-store.js');
const { WebhookRig, helper } = require('../support/webhook-rig');
const { startKeyServer } = require('../support/webhook-key-server');
const { makeKey, plaidDelivery, sha256Hex } = require('../support/webhook-signer');
const { validateWebhook } = require('../support/openapi');
const { until } = require('../support/until');
const { ItemStore } = require('../../dist/plaid/store/item-store');
const { SqliteStorage } = require('../../dist/plaid/store/sqlite-storage');
const { TokenCipher } = require('../../dist/plaid/store/cipher');
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
  async function load(webhook = {}, extraNodes = []) {
    const flow = rig.flow(keyServer, { store: 'store', logRetentionDays: '30', ...webhook }, [{ id: 'store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file }, ...extraNodes]);
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

  it('matches LINK SESSION_FINISHED by its link token: msg.plaid.item and item_id; SUCCESS marks the Item healthy, also after an EXITED session of that token', async function () {
    const store = await load();
    await store.save({ item_id: 'item-1', access_token: TOKEN });
    await rig.post(plaidDelivery(loginRequired, key)).expect(200);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const finished = (status, linkToken, extra = {}) => ({
      webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', status, link_session_id: `session-${status}`, link_token: linkToken, public_tokens: [], environment: 'sandbox', ...extra,
    });
    await store.setLinkToken('item-1', 'link-sandbox-6a2f0c4e-1b7d-4a55-9c1e-3f8d2b6a7e90', tomorrow);
    const exited = finished('EXITED', 'link-sandbox-6a2f0c4e-1b7d-4a55-9c1e-3f8d2b6a7e90');
    assert.deepEqual(validateWebhook('LINK', 'SESSION_FINISHED', exited), []);
    await rig.post(plaidDelivery(exited, key)).expect(200);
    // The user exited, then opened the same link again and succeeded: another session of the same token.
    await rig.post(plaidDelivery(finished('SUCCESS', 'link-sandbox-6a2f0c4e-1b7d-4a55-9c1e-3f8d2b6a7e90'), key)).expect(200);
    await rig.post(plaidDelivery(finished('SUCCESS', 'link-sandbox-00000000-0000-4000-8000-000000000000'), key)).expect(200);
    await rig.settle();
    const sessions = rig.emitted.filter((e) => e.output === 8).map((e) => e.msg.plaid);
    assert.deepEqual(sessions.map((p) => [p.item_id, p.item && p.item.status, p.item && p.item.link_session_status]), [
      ['item-1', 'login_required', 'EXITED'], // still to be repaired
      ['item-1', 'healthy', 'SUCCESS'],
      [null, null, null], // a link token the store does not know
    ]);
  });

  it('holds SESSION_FINISHED to the store\'s rules: replayed, for an older token, after a newer ERROR, from another environment, expired: nothing changes', async function () {
    const store = await load();
    await store.save({ item_id: 'item-1', access_token: TOKEN });
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const older = 'link-sandbox-11111111-1b7d-4a55-9c1e-3f8d2b6a7e90';
    const newer = 'link-sandbox-22222222-1b7d-4a55-9c1e-3f8d2b6a7e90';
    let session = 0;
    const finished = (linkToken, extra = {}) => ({
      webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', status: 'SUCCESS', link_session_id: `session-${++session}`, link_token: linkToken, public_tokens: [], environment: 'sandbox', ...extra,
    });
    const post = async (body) => {
      await rig.post(plaidDelivery(body, key)).expect(200);
      await rig.settle();
      return rig.emitted.splice(0).map((e) => e.msg.plaid.item);
    };
    await post(loginRequired);
    await store.setLinkToken('item-1', older, tomorrow);
    await store.setLinkToken('item-1', newer, tomorrow);
    const unchanged = async (what, body) => {
      const before = await store.get('item-1');
      const historyBefore = await store.history('item-1');
      const [item] = await post(body);
      assert.deepEqual(await store.get('item-1'), before, what);
      assert.deepEqual(await store.history('item-1'), historyBefore, `${what}: nothing recorded`);
      return item;
    };
    // An older link token: the store no longer knows it as any Item's.
    assert.equal(await unchanged('older token', finished(older)), null);
    // From production while the config node (and the token) are sandbox.
    assert.equal((await unchanged('other environment', finished(newer, { environment: 'production' }))).status, 'login_required');
    const [applied] = await post(finished(newer));
    assert.equal(applied.status, 'healthy');
    // The same session again (another copy, not a byte-identical re-delivery: dedupe is off here anyway).
    await unchanged('replayed', finished(newer));
    // An exit arriving after the token's SUCCESS.
    await unchanged('an exit after the success', finished(newer, { status: 'EXITED' }));
    // The Item breaks again; the old session, replayed, does not heal it.
    const [broken] = await post({ ...loginRequired, test_sequence: 2 });
    assert.equal(broken.status, 'login_required');
    assert.equal((await unchanged('after a newer ERROR', finished(newer))).status, 'login_required');
    // A new token that expired before its session finished.
    const expired = 'link-sandbox-33333333-1b7d-4a55-9c1e-3f8d2b6a7e90';
    await store.setLinkToken('item-1', expired, new Date(Date.now() - 1000).toISOString());
    assert.equal((await unchanged('expired', finished(expired))).status, 'login_required');
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
    assert.equal(onDisk("SELECT count(*) AS n FROM claims WHERE key NOT LIKE 'prune-deliveries:%'").n, 1, 'one claim, in the store');
  });

  /** The log's rows on disk, oldest first. */
  const logged = () => {
    const db = new Database(file, { readOnly: true });
    try {
      return /** @type {any[]} */ (db.prepare('SELECT * FROM deliveries ORDER BY seq').all());
    } finally {
      db.close();
    }
  };

  it('emits ERROR, LOGIN_REPAIRED, then the same ERROR again (a new event), the Item login_required; a copy of the last is a duplicate', async function () {
    const store = await load({ dedupe: true });
    await store.save({ item_id: 'item-1', access_token: TOKEN });
    const repaired = itemWebhook('LOGIN_REPAIRED');
    assert.deepEqual(validateWebhook('ITEM', 'LOGIN_REPAIRED', repaired), []);
    for (const body of [loginRequired, repaired, loginRequired]) {
      // Each one answered before the next is sent, byte for byte the same ERROR twice (signed anew, as Plaid does).
      await rig.post(plaidDelivery(body, key)).expect(200);
    }
    await until('three messages', () => rig.emitted.length === 3);
    assert.deepEqual(rig.emitted.map((e) => e.msg.topic), ['ERROR', 'LOGIN_REPAIRED', 'ERROR']);
    assert.equal(rig.emitted[0].msg.plaid.body_sha256, rig.emitted[2].msg.plaid.body_sha256, 'the same bytes');
    assert.equal((await store.get('item-1')).status, 'login_required');
    assert.equal(rig.emitted[2].msg.plaid.item.status, 'login_required');

    // The exact re-delivery of the last one: answered 200, logged as a duplicate, not emitted.
    await rig.post(plaidDelivery(loginRequired, key)).expect(200);
    await until('the copy in the log', () => logged().length === 4);
    assert.deepEqual(logged().map((row) => [row.webhook_code, row.outcome]), [['ERROR', 'emitted'], ['LOGIN_REPAIRED', 'emitted'], ['ERROR', 'emitted'], ['ERROR', 'duplicate']]);
    await rig.settle();
    assert.equal(rig.emitted.length, 3);
    assert.equal((await store.get('item-1')).status, 'login_required');
  });

  it('logs each verified delivery durably before the answer, its body encrypted; msg.plaid names the entry', async function () {
    const store = await load();
    await store.save({ item_id: 'item-1', access_token: TOKEN });
    /** @type {any[]} */
    let atEmit = [];
    helper.getNode('out8').on('input', () => { atEmit = logged(); });
    const publicToken = 'public-sandbox-9b1c6f2e-57aa-4c3e-8d1f-0a2b3c4d5e6f';
    const session = { webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', status: 'SUCCESS', link_session_id: 'session-1', link_token: 'link-sandbox-1f2e3d4c-0000-4000-8000-000000000001', public_tokens: [publicToken], public_token: publicToken, environment: 'sandbox' };
    assert.deepEqual(validateWebhook('LINK', 'SESSION_FINISHED', session), []);
    const delivery = plaidDelivery(session, key);
    await rig.post(delivery).expect(200);
    // A forgery is refused, counted, never stored.
    await rig.post({ raw: delivery.raw, headers: { ...delivery.headers, 'plaid-verification': 'not.a.token' } }).expect(401);
    await until('the message', () => rig.emitted.length === 1);
    assert.equal(atEmit.length, 1, 'the entry was on disk when the message went out');
    const [row] = logged();
    const { msg } = rig.emitted[0];
    assert.deepEqual(
      { ...row, seq: undefined, body_ciphertext: undefined },
      {
        seq: undefined, id: msg.plaid.delivery_id, received_at_ms: Date.parse(msg.plaid.received_at), webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED',
        item_id: null, environment: 'sandbox', body_sha256: msg.plaid.body_sha256, node_id: 'hook', outcome: 'emitted', body_ciphertext: undefined,
      },
    );
    assert.equal(msg.plaid.replayed, false);
    assert.match(row.body_ciphertext, /^v2\./);
    // The store's bytes (the file, its WAL) hold no public token in clear, nor any part of the body's text.
    for (const { file: f, bytes } of files.rawBytes(file)) {
      for (const secret of [publicToken, publicToken.slice(15), 'session-1', 'SUCCESS']) {
        assert.equal(bytes.includes(Buffer.from(secret)), false, `${path.basename(f)} holds ${secret}`);
      }
    }
    // Read back through the store, masked; bound to its own id (moved to another row it does not open).
    const shown = await store.deliveries.show(row.id);
    assert.deepEqual(shown.body.public_tokens, ['public-sandbox-…5e6f']);
    assert.equal(shown.body.link_token, 'link-sandbox-…0001');
    assert.equal(JSON.stringify(shown).includes(publicToken), false);
    const [replayable] = await store.deliveries.replayable({ ids: [row.id] });
    assert.deepEqual(replayable.body(), session, 'the body as received, for a replay');
  });

  it('keeps no log with logRetentionDays 0, and still dedupes in the store', async function () {
    await load({ dedupe: true, logRetentionDays: '0' });
    const delivery = plaidDelivery(loginRequired, key);
    await rig.post(delivery).expect(200);
    await until('the message', () => rig.emitted.length === 1);
    assert.equal(rig.emitted[0].msg.plaid.delivery_id, null);
    await rig.post(delivery).expect(200);
    await rig.settle();
    assert.equal(rig.emitted.length, 1);
    assert.deepEqual(logged(), []);
  });

  it('keeps no log for a node saved before the log existed (no logRetentionDays), as it always worked', async function () {
    await load({ logRetentionDays: undefined });
    await rig.post(plaidDelivery(loginRequired, key)).expect(200);
    await until('the message', () => rig.emitted.length === 1);
    assert.equal(rig.emitted[0].msg.plaid.delivery_id, null);
    assert.deepEqual(logged(), []);
  });

  it('prunes entries older than logRetentionDays at start, in the database, keeping younger ones and other nodes\'', async function () {
    // Entries written 40 and 10 days ago by this node, and 40 days ago by a node that still runs.
    const key32 = rig.extraCredentials.store.encryptionKey;
    const now = Date.now();
    let at = now;
    const past = new ItemStore(new SqliteStorage({ file }), new TokenCipher(key32), { now: () => at });
    await past.open();
    const write = async (daysAgo, nodeId) => {
      at = now - daysAgo * 86400e3;
      const raw = Buffer.from(JSON.stringify({ ...loginRequired, note: `${nodeId} ${daysAgo}` }));
      return past.deliveries.record({ nodeId, raw, bodySha256: `sha-${nodeId}-${daysAgo}`, webhookType: 'ITEM', webhookCode: 'ERROR', itemId: 'item-1', environment: 'sandbox' }, { dedupe: false, log: true });
    };
    await write(40, 'hook');
    const young = await write(10, 'hook');
    const sibling = await write(40, 'hook-2');
    await past.close();
    await load({ logRetentionDays: '30' }, [{ id: 'hook-2', type: 'plaid-webhook-in', name: '', url: '/plaid/other', plaid: 'cfg', verify: true, dedupe: false, dedupeStore: '', store: 'store', logRetentionDays: 60, wires: [] }]);
    await until('the old entry pruned', () => logged().length === 2);
    assert.deepEqual(logged().map((row) => row.id).sort(), [young.deliveryId, sibling.deliveryId].sort());
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
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'ring', text: 'no key: 503' });
    assert.match(errors().at(-1), /^no encryption key: generate one in the Item store "items" \(keep a copy of it\); until then deliveries are answered 503$/);
    await rig.unload();

    // A store written under one key, opened with another.
    rig.extraCredentials = { store: { encryptionKey: generateStoreKey() } };
    await (await load()).save({ item_id: 'item-1', access_token: TOKEN });
    await rig.unload();
    rig.extraCredentials = { store: { encryptionKey: generateStoreKey() } };
    assert.equal(await load(), undefined);
    await rig.post(plaidDelivery(loginRequired, key)).expect(503);
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'ring', text: 'wrong key: 503' });
  });

  it('answers 503 when the store fails under it, so Plaid delivers again', async function () {
    const store = await load({ dedupe: true });
    await store.save({ item_id: 'item-1', access_token: TOKEN });
    await store.close();
    await rig.post(plaidDelivery(loginRequired, key)).expect(503);
    await rig.settle();
    assert.equal(rig.emitted.length, 0);
  });
  it('a delivery a deploy stopped on its way to the next node, with the store stopping too, is not taken for a duplicate when Plaid delivers it again', async function () {
    await load({ dedupe: true });
    const { hooks } = require(require.resolve('@node-red/util', { paths: [require.resolve('node-red')] }));
    // The interleaving a redeploy can make: the flow (and the store with it) stops after the webhook node's send and
    // before Node-RED hands the message on; the node then answers 503, and its store can no longer forget the claim.
    let armed = true;
    hooks.add('preDeliver.storeRedeployTest', (event) => {
      if (armed && event.source.id === 'hook') {
        armed = false;
        const flow = event.source.node._flow;
        setImmediate(() => void flow.stop());
      }
    });
    const delivery = () => plaidDelivery(itemWebhook('NEW_ACCOUNTS_AVAILABLE'), key);
    let first;
    try {
      first = (await rig.post(delivery())).status;
    } finally {
      hooks.remove('*.storeRedeployTest');
    }
    await rig.settle();
    assert.equal(first, 503, 'the flow never got the message: Plaid is asked to deliver it again');
    assert.equal(rig.emitted.length, 0);
    const flow = rig.flow(keyServer, { store: 'store', dedupe: true }, [{ id: 'store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file }]);
    await rig.redeploy(flow);
    await helper.getNode('store').ready;
    // Its claim is still pending (not confirmed): the retry is not a duplicate. Within the claim's lease it is
    // answered 503 (another holder may be emitting it); after it, emitted.
    const sha = sha256Hex(delivery().raw);
    assert.equal(onDisk('SELECT confirmed FROM claims WHERE key = ?', sha)?.confirmed ?? 0, 0);
    const retry = (await rig.post(delivery())).status;
    await rig.settle();
    assert.ok(retry === 503 || (retry === 200 && rig.emitted.length > 0), `retry answered ${retry}, ${rig.emitted.length} emitted: acknowledged and lost`);
    const db = new Database(file);
    db.prepare('UPDATE claims SET expires_at = 0 WHERE key = ?').run(sha);
    db.close();
    assert.equal((await rig.post(delivery())).status, 200);
    await rig.settle();
    assert.deepEqual(rig.emitted.map((e) => e.msg.payload.webhook_code), ['NEW_ACCOUNTS_AVAILABLE'], 'emitted once, at last');
  });
});
