'use strict';
// plaid-items-reconcile in a real Node-RED runtime, on a real SQLite store, over loopback HTTP to the stand-in that
// checks every request against Plaid's spec: records brought up to date from /item/get, exactly the status changes
// sent out shaped as webhooks, the order Items are checked in, one sweep per store, 429s and 5xx, Hosted Link
// sessions nobody reported, a sweep stopped by a deploy.
const assert = require('node:assert/strict');
const { DatabaseSync } = require('node:sqlite');
const { startStandIn, plaidError, CLIENT_ID, SECRET } = require('../support/plaid-stand-in');
const { webhookMetadata } = require('../../dist/plaid/webhook/receiver');
const { SWEEP_CLAIM_KEY } = require('../../dist/plaid/reconcile/sweep');
const { deployReconcile, helper } = require('./support/rig');
const files = require('../store/support/store-files');
const { until } = require('../support/until');

const DAY = 24 * 60 * 60 * 1000;

/** Plaid's /item/get answer for `itemId`, with `item` fields replaced. */
function itemGet(itemId, item = {}) {
  return {
    body: {
      item: {
        item_id: itemId, institution_id: 'ins_109508', webhook: null, error: null, available_products: ['balance'], billed_products: ['transactions'],
        products: ['transactions'], consented_products: ['transactions'], consent_expiration_time: null, update_type: 'background', auth_method: null, ...item,
      },
      status: null,
      request_id: 'req-item-get',
    },
  };
}

/** The fields plaid-webhook-in puts in msg.plaid (with a store), from the function that makes them. */
const WEBHOOK_IN_FIELDS = [
  ...Object.keys(webhookMetadata(/** @type {any} */ ({ webhookType: 'ITEM', webhookCode: 'ERROR', body: {}, bodySha256: '', verified: true }), 'sandbox')),
  'item',
];

describe('plaid-items-reconcile (stand-in)', function () {
  this.timeout(60000);
  let plaid;
  const standIn = () => ({ url: plaid.url, clientId: CLIENT_ID, secret: SECRET });

  before(async () => {
    plaid = await startStandIn();
  });
  after(() => plaid.close());
  afterEach(async () => {
    await helper.unload();
    await files.cleanup();
    assert.deepEqual(plaid.violations, [], 'every request matched the spec');
    plaid.reset();
  });

  /** Answers /item/get by the token each request carries: `byItem(itemId)` gives the step. */
  function answerByItem(tokens, byItem) {
    const itemOf = new Map([...tokens].map(([itemId, token]) => [token, itemId]));
    plaid.respond('/item/get', (body) => byItem(itemOf.get(body.access_token)));
    return (request) => itemOf.get(request.body.access_token);
  }

  it('brings each record up to date and sends exactly the status changes, shaped as the webhooks they stand in for', async () => {
    const red = await deployReconcile(standIn());
    const tokens = await red.saveItems(9);
    await red.store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-007', error: { error_code: 'ITEM_LOGIN_REQUIRED' } });
    await red.store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'PENDING_DISCONNECT', item_id: 'item-008', reason: 'INSTITUTION_MIGRATION' });
    const soon = new Date(Date.now() + 3 * DAY).toISOString();
    const later = new Date(Date.now() + 30 * DAY).toISOString();
    answerByItem(tokens, (itemId) => ({
      'item-001': itemGet(itemId, { error: plaidError('ITEM_ERROR', 'ITEM_LOGIN_REQUIRED', 'the login details of this item have changed') }),
      'item-002': itemGet(itemId, { error: plaidError('INSTITUTION_ERROR', 'INSTITUTION_DOWN', 'this institution is not currently responding') }),
      'item-003': itemGet(itemId, { error: plaidError('ITEM_ERROR', 'USER_PERMISSION_REVOKED', 'the user revoked access') }),
      'item-004': itemGet(itemId, { consent_expiration_time: soon }),
      'item-005': itemGet(itemId, { consent_expiration_time: later }),
      'item-006': { status: 400, body: plaidError('ITEM_ERROR', 'ITEM_NOT_FOUND', 'the requested item was not found') },
    }[itemId] ?? itemGet(itemId)));

    const { done } = await red.sweep();
    const changes = red.collected.changed.rec;
    const byItem = Object.fromEntries(changes.map((msg) => [msg.plaid.item_id, msg]));
    assert.deepEqual(Object.fromEntries(changes.map((msg) => [msg.plaid.item_id, msg.topic])), {
      'item-001': 'ERROR', 'item-002': 'ERROR', 'item-003': 'USER_PERMISSION_REVOKED', 'item-004': 'PENDING_EXPIRATION',
      'item-006': 'ITEM_NOT_FOUND', 'item-007': 'LOGIN_REPAIRED',
    });
    assert.deepEqual(done.payload, {
      checked: 9, changed: 6, failed: 0, skipped: 0, calls: 9, rate_limited: 0, started_at: done.payload.started_at, finished_at: done.payload.finished_at,
    });
    assert.ok(done.payload.started_at <= done.payload.finished_at);

    // Each message as plaid-webhook-in would send it for that webhook, plus where it came from.
    for (const msg of changes) {
      assert.deepEqual(Object.keys(msg.plaid).sort(), [...WEBHOOK_IN_FIELDS, 'source', 'previous_status'].sort());
      assert.deepEqual(Object.keys(msg.payload), ['webhook_type', 'webhook_code', 'item_id', 'error', 'consent_expiration_time', 'environment']);
      assert.equal(msg.payload.webhook_type, 'ITEM');
      assert.equal(msg.payload.webhook_code, msg.topic);
      assert.equal(msg.plaid.webhook_code, msg.topic);
      assert.equal(msg.payload.item_id, msg.plaid.item_id);
      assert.equal(msg.payload.environment, 'sandbox', 'the environment of the token, the config node being custom');
      assert.equal(msg.plaid.source, 'reconcile');
      assert.equal(msg.plaid.verified, true);
      assert.match(msg.plaid.body_sha256, /^[0-9a-f]{64}$/);
      // Not a delivery: nothing in the event log, nothing replayed; received when the sweep learned it.
      assert.deepEqual([msg.plaid.delivery_id, msg.plaid.replayed], [null, false]);
      assert.ok(msg.plaid.received_at >= done.payload.started_at && msg.plaid.received_at <= done.payload.finished_at, msg.plaid.received_at);
      assert.deepEqual(msg.plaid.item, await red.store.get(msg.plaid.item_id));
    }
    assert.equal(byItem['item-001'].payload.error.error_code, 'ITEM_LOGIN_REQUIRED');
    assert.equal(byItem['item-001'].plaid.previous_status, 'healthy');
    assert.equal(byItem['item-004'].payload.consent_expiration_time, soon);
    assert.equal(byItem['item-006'].payload.error.error_code, 'ITEM_NOT_FOUND');
    assert.equal(byItem['item-007'].plaid.previous_status, 'login_required');
    assert.equal(byItem['item-007'].payload.error, null);

    const records = Object.fromEntries((await red.store.list()).map((r) => [r.item_id, r]));
    assert.deepEqual(Object.fromEntries(Object.entries(records).map(([id, r]) => [id, [r.status, r.error_code]])), {
      'item-000': ['healthy', null], 'item-001': ['login_required', 'ITEM_LOGIN_REQUIRED'], 'item-002': ['error', 'INSTITUTION_DOWN'],
      'item-003': ['revoked', 'USER_PERMISSION_REVOKED'], 'item-004': ['pending_expiration', null], 'item-005': ['healthy', null],
      'item-006': ['removed', 'ITEM_NOT_FOUND'], 'item-007': ['healthy', null],
      // /item/get cannot tell that a PENDING_DISCONNECT is over.
      'item-008': ['pending_disconnect', null],
    });
    assert.equal(records['item-005'].consent_expiration_time, later);
    for (const record of Object.values(records)) assert.ok(record.checked_at >= done.payload.started_at && record.checked_at <= done.payload.finished_at);
    await assert.rejects(red.store.resolve('item-006'), /removed/, 'the token of an Item gone at Plaid is wiped');
    const text = JSON.stringify([...changes, done]);
    for (const token of tokens.values()) assert.equal(text.includes(token), false, 'no token in any message');
  });

  it('leaves records that plaid-items hands out with checked_at and consent_expiration_time', async () => {
    const items = (id, operation) => ({ id, type: 'plaid-items', store: 'store', operation, item_id: 'item_id', item_idType: 'msg', statuses: [], wires: [['out']] });
    const red = await deployReconcile(standIn(), { nodes: [items('items-get', 'get'), items('items-list', 'list'), { id: 'out', type: 'helper', wires: [] }] });
    const tokens = await red.saveItems(2);
    const consent = new Date(Date.now() + 60 * DAY).toISOString();
    answerByItem(tokens, (itemId) => itemGet(itemId, { consent_expiration_time: consent }));
    await red.sweep();
    red.node('items-get').receive({ item_id: 'item-001' });
    red.node('items-list').receive({});
    const outputs = await red.when('both answers', () => red.collected.outputs.length >= 2 && red.collected.outputs);
    const got = outputs.find((msg) => !Array.isArray(msg.payload)).payload;
    const listed = outputs.find((msg) => Array.isArray(msg.payload)).payload;
    assert.deepEqual([got.item_id, listed.length], ['item-001', 2]);
    for (const record of [got, ...listed]) {
      assert.equal(record.consent_expiration_time, consent);
      assert.match(record.checked_at, /^\d{4}-\d\d-\d\dT/);
      assert.equal(record.unsettled, null);
    }
  });

  it('checks an Item left unsettled first, then the Items not checked for longest', async () => {
    // Calls 100 ms apart: the order they reach the stand-in is the order they were made.
    const red = await deployReconcile(standIn(), { reconcile: { callsPerMinute: 600 } });
    const tokens = await red.saveItems(5);
    const itemOf = answerByItem(tokens, (itemId) => itemGet(itemId));
    // c, then a, were checked before; e is unsettled (an item/remove whose answer was lost).
    await red.sweep({ item_id: 'item-002' });
    await red.sweep({ item_id: 'item-000' });
    await red.store.markUnsettled('item-004', '/item/remove');
    plaid.reset();
    answerByItem(tokens, (itemId) => itemGet(itemId));
    const { done } = await red.sweep();
    assert.equal(done.payload.checked, 5);
    assert.deepEqual(plaid.callsTo('/item/get').map(itemOf), ['item-004', 'item-001', 'item-003', 'item-002', 'item-000']);
    assert.equal((await red.store.get('item-004')).unsettled, null, 'settled');
  });

  it('checks only the statuses chosen, and with msg.item_id that Item only; an Item not in the store goes to Catch', async () => {
    const red = await deployReconcile(standIn(), { reconcile: { statuses: ['login_required', 'removed'] } });
    const tokens = await red.saveItems(4);
    await red.store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-001', error: { error_code: 'ITEM_LOGIN_REQUIRED' } });
    await red.store.markRemoved('item-002');
    const itemOf = answerByItem(tokens, (itemId) => itemGet(itemId, { error: plaidError('ITEM_ERROR', 'ITEM_LOGIN_REQUIRED', 'still') }));
    const { done } = await red.sweep();
    // item-002 is removed: ticked, but it has no token to check with.
    assert.deepEqual([done.payload.checked, done.payload.skipped, done.payload.changed], [1, 3, 0]);
    assert.deepEqual(plaid.callsTo('/item/get').map(itemOf), ['item-001']);
    const one = await red.sweep({ item_id: 'item-001' });
    assert.deepEqual([one.done.payload.checked, one.done.payload.skipped], [1, 0]);
    const unknown = await red.sweep({ item_id: 'item-404' });
    assert.match(unknown.caught.error.message, /Item item-404 is not in the Item store/);
    assert.equal(unknown.caught.error.code, 'ITEM_NOT_IN_STORE');
    const bad = await red.sweep({ item_id: 42 });
    assert.match(bad.caught.error.message, /msg\.item_id, when set, must be a non-empty string/);
  });

  it('runs one sweep per store at a time: a sweep asked for meanwhile answers already_running; the claim is released after', async () => {
    const red = await deployReconcile(standIn(), { reconcile: { callsPerMinute: 600 }, second: {} });
    const tokens = await red.saveItems(5);
    answerByItem(tokens, (itemId) => itemGet(itemId));
    const [first, second] = await Promise.all([red.sweep({}, 'rec'), red.sweep({}, 'rec2')]);
    const outcomes = [first, second].map((o) => o.done.payload);
    const ran = outcomes.find((p) => !p.already_running);
    const refused = outcomes.find((p) => p.already_running);
    assert.equal(ran.checked, 5);
    assert.deepEqual({ ...refused, started_at: 0, finished_at: 0 }, {
      already_running: true, checked: 0, changed: 0, failed: 0, skipped: 0, calls: 0, rate_limited: 0, started_at: 0, finished_at: 0,
    });
    assert.equal(plaid.callsTo('/item/get').length, 5);
    assert.equal(await red.store.claim(SWEEP_CLAIM_KEY, 1000), 'claimed', 'released when the sweep ended');
    await red.store.releaseClaim(SWEEP_CLAIM_KEY);
    assert.equal((await red.sweep({}, 'rec2')).done.payload.checked, 5, 'the next sweep runs');
  });

  it('keeps the pace across sweeps in a row, on either node of the store: a sweep ends once its next call would be due', async () => {
    // 60 a minute: a call a second. One Item a message, each sent as soon as the sweep before it answered.
    const red = await deployReconcile(standIn(), { reconcile: { callsPerMinute: 60 }, second: { callsPerMinute: 60 } });
    const tokens = await red.saveItems(3);
    const itemOf = answerByItem(tokens, (itemId) => itemGet(itemId));
    for (const [itemId, node] of [['item-000', 'rec'], ['item-001', 'rec2'], ['item-002', 'rec']]) {
      assert.equal((await red.sweep({ item_id: itemId }, node)).done.payload.checked, 1, itemId);
    }
    const calls = plaid.callsTo('/item/get');
    assert.deepEqual(calls.map(itemOf), ['item-000', 'item-001', 'item-002']);
    // A second apart at the stand-in (less what a busy machine may have delayed the earlier of two by).
    const gaps = calls.slice(1).map((call, i) => call.at - calls[i].at);
    assert.ok(gaps.every((gap) => gap >= 800), `calls ${gaps.join(', ')} ms apart`);
  });

  it('counts 429s and 5xx, tries those Items again later in the sweep (Retry-After honoured), and never reports them as changes', async () => {
    // Calls 100 ms apart: none is under way yet when the 429 comes back.
    const red = await deployReconcile(standIn(), { reconcile: { callsPerMinute: 600 } });
    const tokens = await red.saveItems(5);
    const served = new Map();
    const itemOf = answerByItem(tokens, (itemId) => {
      const n = (served.get(itemId) ?? 0) + 1;
      served.set(itemId, n);
      if (itemId === 'item-000' && n === 1) return { status: 429, headers: { 'retry-after': '1' }, body: plaidError('RATE_LIMIT_EXCEEDED', 'RATE_LIMIT', 'rate limit exceeded') };
      if (itemId === 'item-001') return { status: 500, body: plaidError('API_ERROR', 'INTERNAL_SERVER_ERROR', 'an unexpected error occurred') };
      if (itemId === 'item-002' && n === 1) return { status: 503, body: plaidError('API_ERROR', 'PLANNED_MAINTENANCE', 'maintenance') };
      if (itemId === 'item-002') return itemGet(itemId, { error: plaidError('ITEM_ERROR', 'ITEM_LOGIN_REQUIRED', 'login') });
      return itemGet(itemId);
    });
    const { done } = await red.sweep();
    assert.deepEqual({ ...done.payload, started_at: 0, finished_at: 0 }, {
      checked: 4, changed: 1, failed: 1, skipped: 0, calls: 2 + 3 + 2 + 1 + 1, rate_limited: 1, started_at: 0, finished_at: 0,
    });
    assert.deepEqual(red.collected.changed.rec.map((msg) => [msg.plaid.item_id, msg.topic]), [['item-002', 'ERROR']], 'only a real change is sent');
    const failed = await red.store.get('item-001');
    assert.deepEqual([failed.status, failed.checked_at], ['healthy', null], 'unchecked: first in the next sweep');
    const calls = plaid.callsTo('/item/get');
    const order = calls.map(itemOf);
    assert.deepEqual(order.slice(0, 5), ['item-000', 'item-001', 'item-002', 'item-003', 'item-004'], 'every Item once before any is tried again');
    const limited = calls[0];
    // Nothing was sent in the second the 429 asked for (the next call was due 100 ms after it).
    const waited = calls.filter((call) => call.at > limited.at + 150 && call.at < limited.at + 1000);
    assert.deepEqual(waited.map(itemOf), []);
    const retried = calls.filter((call) => itemOf(call) === 'item-000')[1];
    assert.ok(retried.at - limited.at >= 1000, `retried ${retried.at - limited.at} ms after the 429`);
  });

  it('records a Hosted Link session nobody reported, as its SESSION_FINISHED webhook would be, once', async () => {
    const red = await deployReconcile(standIn());
    const tokens = await red.saveItems(5);
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    for (const itemId of ['item-000', 'item-001', 'item-002']) {
      await red.store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: itemId, error: { error_code: 'ITEM_LOGIN_REQUIRED' } });
      await red.store.setLinkToken(itemId, `link-sandbox-${itemId}`, inAnHour);
    }
    // Expired seven hours ago: Plaid has forgotten its sessions; not asked.
    await red.store.setLinkToken('item-003', 'link-sandbox-item-003', new Date(Date.now() - 7 * 3600_000).toISOString());
    const session = (id, extra) => ({ link_session_id: `session-${id}`, started_at: '2026-01-01T00:00:00Z', ...extra });
    const finishedAt = new Date().toISOString();
    const linkTokenGet = (body) => {
      const sessions = {
        'link-sandbox-item-000': [session('000', { finished_at: finishedAt, results: { item_add_results: [], cra_item_add_results: [], cra_update_results: [], bank_income_results: [], payroll_income_results: [], document_income_results: null } })],
        'link-sandbox-item-001': [session('001', { finished_at: finishedAt, exit: { error: null, metadata: { institution: null, status: 'requires_credentials', link_session_id: 'session-001', request_id: 'r' } } })],
        'link-sandbox-item-002': [session('002', { finished_at: null })],
      }[body.link_token] ?? [];
      return { body: { link_token: body.link_token, created_at: '2026-01-01T00:00:00Z', expiration: inAnHour, link_sessions: sessions, metadata: { initial_products: [], webhook: null, country_codes: ['US'], language: 'en', redirect_uri: null, client_name: 'Stand-in' }, request_id: 'r' } };
    };
    const answerPlaid = () => {
      plaid.respond('/link/token/get', linkTokenGet);
      // Plaid's /item/get agrees: item-000 repaired, the others still need a login.
      answerByItem(tokens, (itemId) => itemGet(itemId, ['item-001', 'item-002'].includes(itemId) ? { error: plaidError('ITEM_ERROR', 'ITEM_LOGIN_REQUIRED', 'login') } : {}));
    };
    answerPlaid();

    const { done } = await red.sweep();
    assert.deepEqual(plaid.callsTo('/link/token/get').map((r) => r.body.link_token).sort(), ['link-sandbox-item-000', 'link-sandbox-item-001', 'link-sandbox-item-002']);
    assert.equal(done.payload.calls, 5 + 3);
    const changes = red.collected.changed.rec;
    assert.deepEqual(changes.map((msg) => [msg.plaid.item_id, msg.topic]), [['item-000', 'SESSION_FINISHED']]);
    const [finished] = changes;
    assert.deepEqual(finished.payload, {
      webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', status: 'SUCCESS', link_session_id: 'session-000', link_token: 'link-sandbox-item-000', public_tokens: [], environment: 'sandbox',
    });
    assert.deepEqual([finished.plaid.webhook_type, finished.plaid.previous_status, finished.plaid.item.status], ['LINK', 'login_required', 'healthy']);
    const repaired = await red.store.get('item-000');
    assert.deepEqual(repaired.last_webhook.webhook_code, 'SESSION_FINISHED');
    assert.equal(repaired.link_session_status, 'SUCCESS');
    const exited = await red.store.get('item-001');
    const exitedHistory = await red.store.history('item-001');
    assert.deepEqual([exited.status, exited.last_webhook.webhook_code, exited.link_session_status], ['login_required', 'SESSION_FINISHED', 'EXITED']);
    assert.equal((await red.store.get('item-002')).link_session_status, null, 'still open');

    // Plaid's own webhook arriving later changes nothing more.
    const history = await red.store.history('item-000');
    const late = await red.store.applyWebhook({ ...finished.payload, link_session_id: 'session-000' });
    assert.deepEqual(late, repaired);
    assert.deepEqual(await red.store.history('item-000'), history);

    plaid.reset();
    answerPlaid();
    await red.sweep();
    // A SUCCESS may still follow an EXITED session of the same token; the SUCCESS is final.
    assert.deepEqual(plaid.callsTo('/link/token/get').map((r) => r.body.link_token).sort(), ['link-sandbox-item-001', 'link-sandbox-item-002'], 'not asked again after SUCCESS');
    assert.equal(red.collected.changed.rec.length, 1, 'the EXITED session found again is not recorded again');
    assert.deepEqual(await red.store.history('item-001'), exitedHistory);
  });

  it('checks an Item whose session lookup Plaid refuses (that token alone, or an endpoint it does not serve)', async () => {
    const red = await deployReconcile(standIn());
    const tokens = await red.saveItems(2);
    for (const itemId of tokens.keys()) await red.store.setLinkToken(itemId, `link-sandbox-${itemId}`, new Date(Date.now() + 3600_000).toISOString());
    plaid.script('/link/token/get',
      { status: 400, body: plaidError('INVALID_INPUT', 'INVALID_LINK_TOKEN', 'the link token is invalid') },
      { status: 404, body: plaidError('INVALID_REQUEST', 'NOT_FOUND', 'not found') });
    answerByItem(tokens, (itemId) => itemGet(itemId));
    const { done } = await red.sweep();
    assert.deepEqual([done.payload.checked, done.payload.failed, done.payload.calls], [2, 0, 4]);
  });

  it('counts an Item whose token the store cannot decrypt as failed, warns naming it, and checks the others', async () => {
    const red = await deployReconcile(standIn());
    const tokens = await red.saveItems(3);
    // Flip one bit of item-001's ciphertext in the file, as a bad disk or a hand edit would.
    const db = new DatabaseSync(red.file);
    const envelope = /** @type {any} */ (db.prepare('SELECT token FROM items WHERE item_id = ?').get('item-001')).token;
    const parts = envelope.split('.');
    const bytes = Buffer.from(parts[3], 'base64');
    bytes[0] ^= 1;
    db.prepare('UPDATE items SET token = ? WHERE item_id = ?').run([...parts.slice(0, 3), bytes.toString('base64')].join('.'), 'item-001');
    db.close();
    const itemOf = answerByItem(tokens, (itemId) => itemGet(itemId));
    const { done } = await red.sweep();
    assert.deepEqual([done.payload.checked, done.payload.failed, done.payload.calls], [2, 1, 2]);
    assert.deepEqual(plaid.callsTo('/item/get').map(itemOf), ['item-000', 'item-002']);
    const warnings = helper._NodePrototype.warn.getCalls().filter((call) => call.thisValue.id === 'rec').map((call) => String(call.args[0]));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^Item item-001 could not be checked: .*item-001/);
    assert.equal((await red.store.get('item-001')).checked_at, null, 'first in the next sweep');
  });

  it('asks for no session with linkSessions off', async () => {
    const red = await deployReconcile(standIn(), { reconcile: { linkSessions: false } });
    const tokens = await red.saveItems(2);
    await red.store.setLinkToken('item-000', 'link-sandbox-x', new Date(Date.now() + 3600_000).toISOString());
    answerByItem(tokens, (itemId) => itemGet(itemId));
    const { done } = await red.sweep();
    assert.deepEqual([done.payload.checked, done.payload.calls, plaid.callsTo('/link/token/get').length], [2, 2, 0]);
  });

  it('saved without callsPerMinute, statuses or linkSessions: 600 a minute, every status but removed, sessions looked up; over 5,000 goes to Catch', async () => {
    const red = await deployReconcile(standIn(), {
      reconcile: { callsPerMinute: undefined, statuses: undefined, linkSessions: undefined },
      second: { callsPerMinute: 6000 },
    });
    const tokens = await red.saveItems(11);
    await red.store.setLinkToken('item-000', 'link-sandbox-item-000', new Date(Date.now() + 3600_000).toISOString());
    await red.store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: 'item-001', error: { error_code: 'ITEM_LOGIN_REQUIRED' } });
    await red.store.applyWebhook({ webhook_type: 'ITEM', webhook_code: 'USER_PERMISSION_REVOKED', item_id: 'item-002', error: { error_code: 'USER_PERMISSION_REVOKED' } });
    await red.store.markRemoved('item-010');
    const itemOf = answerByItem(tokens, (itemId) => itemGet(itemId, itemId === 'item-001' ? { error: plaidError('ITEM_ERROR', 'ITEM_LOGIN_REQUIRED', 'login') } : {}));
    const { done } = await red.sweep();
    assert.deepEqual([done.payload.checked, done.payload.skipped, done.payload.calls], [10, 1, 11]);
    assert.deepEqual(plaid.callsTo('/link/token/get').map((r) => r.body.link_token), ['link-sandbox-item-000'], 'sessions looked up');
    assert.equal(new Set(plaid.callsTo('/item/get').map(itemOf)).has('item-010'), false, 'a removed Item is not asked');
    // 11 calls one every 100 ms span a second at the least (at 5,000 a minute they would take 120 ms); the first may
    // have been delayed on its way.
    const times = plaid.requests.map((request) => request.at).sort((a, b) => a - b);
    assert.ok(times.at(-1) - times[0] >= 600, `11 calls in ${times.at(-1) - times[0]} ms`);

    const calls = plaid.requests.length;
    const refused = await red.sweep({}, 'rec2');
    assert.match(refused.caught.error.message, /plaid-items-reconcile: callsPerMinute must be a whole number from 1 to 5,000$/);
    assert.equal(plaid.requests.length, calls, 'no call made');
  });

  it('stops at wrong keys with one error to Catch, not a failure per Item', async () => {
    const red = await deployReconcile(standIn(), { reconcile: { callsPerMinute: 600 } });
    await red.saveItems(20);
    plaid.respond('/item/get', () => ({ status: 400, body: plaidError('INVALID_INPUT', 'INVALID_API_KEYS', 'invalid client_id or secret provided') }));
    const { caught } = await red.sweep();
    assert.match(caught.error.message, /item\/get: Plaid INVALID_API_KEYS .*; 0 of 20 Items done, the next sweep starts with the rest/);
    assert.ok(plaid.callsTo('/item/get').length <= 2, `${plaid.callsTo('/item/get').length} calls`);
    assert.equal(red.collected.done.rec.length, 0);
    assert.equal(await red.store.claim(SWEEP_CLAIM_KEY, 1000), 'claimed', 'the claim was released');
  });

  it('stopped by a deploy, records the answers it had, gives its claim up at once, and the next sweep starts with the rest', async () => {
    const red = await deployReconcile(standIn(), { reconcile: { callsPerMinute: 600 } });
    const tokens = await red.saveItems(30);
    answerByItem(tokens, (itemId) => itemGet(itemId));
    red.node('rec').receive({});
    // A few calls made and some answer recorded (on a loaded machine every answer may still be on its way otherwise).
    await until('a few Items checked', async () => plaid.callsTo('/item/get').length >= 5
      && (await red.store.list()).some((record) => record.checked_at !== null), 15000, 20);
    await helper.unload();
    const calledBefore = plaid.callsTo('/item/get').length;
    const { file, key } = red;
    // Calls 100 ms apart again: at 5,000 a minute (12 ms) a loaded machine hands neighbouring calls to the stand-in
    // out of order.
    const again = await deployReconcile(standIn(), { file, key, reconcile: { callsPerMinute: 600 } });
    const checked = (await again.store.list()).filter((r) => r.checked_at !== null).map((r) => r.item_id);
    // The answers in before the deploy are recorded (a call still under way meets the store closed: its Item counts
    // as not checked).
    assert.ok(checked.length > 0 && checked.length <= calledBefore && checked.length < 30, `${checked.length} recorded of ${calledBefore} called before the deploy`);
    const before = plaid.callsTo('/item/get').length;
    const { done } = await again.sweep();
    assert.equal(done.payload.checked, 30, 'not refused: the claim was given up');
    const itemOf = answerByItem(tokens, (itemId) => itemGet(itemId));
    const next = plaid.callsTo('/item/get').slice(before).map(itemOf);
    assert.deepEqual(new Set(next.slice(0, 30 - checked.length)), new Set([...tokens.keys()].filter((id) => !checked.includes(id))), 'the unchecked first');
  });

  it('shows the progress in its status ring during a sweep, then the summary', async () => {
    const red = await deployReconcile(standIn(), { reconcile: { callsPerMinute: 600 }, second: {} });
    const tokens = await red.saveItems(12);
    answerByItem(tokens, (itemId) => itemGet(itemId, itemId === 'item-003' ? { error: plaidError('ITEM_ERROR', 'ITEM_LOGIN_REQUIRED', 'login') } : {}));
    const rings = (id) => helper._NodePrototype.status.getCalls().filter((call) => call.thisValue.id === id).map((call) => call.args[0]);
    const [ran, refused] = await Promise.all([red.sweep({}, 'rec'), red.sweep({}, 'rec2')]);
    assert.equal(ran.done.payload.checked, 12);
    assert.equal(refused.done.payload.already_running, true);
    const shown = rings('rec');
    assert.deepEqual(shown[0], { fill: 'blue', shape: 'dot', text: '0/12' });
    assert.ok(shown.slice(1, -1).some((ring) => /^([1-9]|1[01])\/12$/.test(ring.text)), JSON.stringify(shown));
    assert.ok(shown.length <= 6, 'redrawn at most once a second');
    assert.deepEqual(shown.at(-1), { fill: 'green', shape: 'dot', text: '1 changed of 12' });
    assert.deepEqual(rings('rec2').at(-1), { fill: 'grey', shape: 'ring', text: 'already running' });
  });
});
