'use strict';
// A Hosted Link session that finished without its SESSION_FINISHED reaching Node-RED (the emulator drops it), in a
// whole Node-RED on real HTTP: the repair link made by plaid-link-token-create on the store, Continue on the page,
// then a sweep records the session once, as the webhook would have; the webhook arriving later (signed, through
// plaid-webhook-in on the same store) changes nothing more, and the next sweep does not ask for the session again.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { start: startEmulator } = require('../../dist/emulator');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const { OUTPUT_COUNT } = require('../../dist/plaid/webhook/routing');
const { startNodeRed, writeFlows } = require('../../scripts/lib/embedded-node-red');
const { until } = require('../support/until');

describe('plaid-items-reconcile and a Hosted Link session whose webhook was lost', function () {
  this.timeout(60000);
  let emulator;
  let red;
  let userDir;
  const records = [];
  const recorder = { record: (kind, msg) => records.push({ kind, msg: JSON.parse(JSON.stringify(msg)) }) };
  const recorded = (kind) => records.filter((r) => r.kind === kind).map((r) => r.msg);
  const record = (kind) => `global.get('recorder').record(${JSON.stringify(kind)}, msg);\nreturn null;`;

  before(async () => {
    emulator = await startEmulator();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-reconcile-hosted-'));
    red = await startNodeRed({
      userDir,
      settings: { functionGlobalContext: { recorder } },
      beforeStart: () => writeFlows(userDir, [
        { id: 'tab', type: 'tab', label: 'hosted link' },
        { id: 'cfg', type: 'plaid-config', name: 'emulator', environment: 'custom', baseUrl: emulator.url, timeout: 5000, retries: 1 },
        { id: 'store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file: 'items.db' },
        { id: 'hook', type: 'plaid-webhook-in', z: 'tab', url: '/plaid/webhook', plaid: 'cfg', store: 'store', verify: true, dedupe: true, dedupeStore: '', x: 100, y: 40, wires: Array.from({ length: OUTPUT_COUNT }, () => ['webhook']) },
        { id: 'webhook', type: 'function', z: 'tab', func: record('webhook'), outputs: 0, x: 300, y: 40, wires: [] },
        {
          id: 'link', type: 'plaid-link-token-create', z: 'tab', plaid: 'cfg', store: 'store', mode: 'update', modeType: 'enum', client_name: 'Plaidflow', client_nameType: 'str',
          language: 'en', languageType: 'str', country_codes: '["US"]', country_codesType: 'json', client_user_id: 'client_user_id', client_user_idType: 'msg',
          item_id: 'item_id', item_idType: 'msg', hosted_link: 'true', hosted_linkType: 'bool', x: 100, y: 100, wires: [['repair-link']],
        },
        { id: 'repair-link', type: 'function', z: 'tab', func: record('link'), outputs: 0, x: 300, y: 100, wires: [] },
        { id: 'rec', type: 'plaid-items-reconcile', z: 'tab', plaid: 'cfg', store: 'store', callsPerMinute: 600, statuses: [], linkSessions: true, x: 100, y: 160, wires: [['change'], ['done']] },
        { id: 'change', type: 'function', z: 'tab', func: record('change'), outputs: 0, x: 300, y: 140, wires: [] },
        { id: 'done', type: 'function', z: 'tab', func: record('done'), outputs: 0, x: 300, y: 180, wires: [] },
        { id: 'catch', type: 'catch', z: 'tab', scope: null, uncaught: false, x: 100, y: 220, wires: [['failed']] },
        { id: 'failed', type: 'function', z: 'tab', func: record('error'), outputs: 0, x: 300, y: 220, wires: [] },
      ], { cfg: { clientId: emulator.clientId, secret: emulator.secret }, store: { encryptionKey: generateStoreKey() } }),
    });
    await until('the flow running', () => red.RED.nodes.getNode('rec') && red.RED.nodes.getNode('store'));
  });

  after(async () => {
    await red?.stop();
    await emulator?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('records the session once, as its SESSION_FINISHED would; the webhook arriving later changes nothing more', async () => {
    const node = (id) => red.RED.nodes.getNode(id);
    const store = await node('store').usableStore();
    const item = emulator.createItem({ webhook: `${red.url}/plaid/webhook` });
    await store.save({ item_id: item.item_id, access_token: item.access_token, client_user_id: 'user-1' });
    // The login breaks; its ERROR arrives; the user gets a repair link (the store keeps its link token).
    const reset = await fetch(`${emulator.url}/sandbox/item/reset_login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: emulator.clientId, secret: emulator.secret, access_token: item.access_token }),
    });
    assert.equal(reset.status, 200);
    await until('the ERROR recorded', async () => (await store.get(item.item_id)).status === 'login_required');
    node('link').receive({ item_id: item.item_id, payload: {} });
    const [link] = await until('the repair link', () => (recorded('link').length ? recorded('link') : recorded('error').length && assert.fail(JSON.stringify(recorded('error')))));
    const linkToken = link.payload.link_token;
    assert.equal((await store.get(item.item_id)).link_token, linkToken);

    // Continue on the Hosted Link page; Plaid repairs the Item, and its SESSION_FINISHED never leaves.
    emulator.dropNextWebhooks({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED' });
    const page = await fetch(link.payload.hosted_link_url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=continue' });
    assert.equal(page.status, 200);
    const dropped = emulator.deliveries.find((d) => d.webhookCode === 'SESSION_FINISHED');
    assert.equal(dropped.state, 'dropped');
    assert.equal((await store.get(item.item_id)).status, 'login_required', 'the store was not told');

    node('rec').receive({});
    const [summary] = await until('the sweep done', () => (recorded('done').length ? recorded('done') : recorded('error').length && assert.fail(JSON.stringify(recorded('error')))));
    assert.deepEqual([summary.payload.checked, summary.payload.changed, summary.payload.calls], [1, 1, 2]);
    const [change] = recorded('change');
    assert.equal(change.topic, 'SESSION_FINISHED');
    assert.deepEqual(
      [change.payload.webhook_type, change.payload.status, change.payload.link_token, change.payload.environment, change.plaid.item_id, change.plaid.previous_status, change.plaid.item.status],
      ['LINK', 'SUCCESS', linkToken, 'sandbox', item.item_id, 'login_required', 'healthy'],
    );
    const repaired = await store.get(item.item_id);
    assert.deepEqual([repaired.status, repaired.link_session_status, repaired.last_webhook.webhook_code], ['healthy', 'SUCCESS', 'SESSION_FINISHED']);
    const history = await store.history(item.item_id);

    // The webhook arrives after all (a late retry): verified and emitted by plaid-webhook-in, but the record stays.
    const webhooksBefore = recorded('webhook').length;
    emulator.fireWebhook({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', item_id: item.item_id, fields: { status: 'SUCCESS', link_token: linkToken, link_session_id: change.payload.link_session_id, public_tokens: [] } });
    const late = await until('the late webhook', () => recorded('webhook').slice(webhooksBefore).find((msg) => msg.topic === 'SESSION_FINISHED'));
    assert.equal(late.plaid.item.item_id, item.item_id);
    assert.deepEqual(await store.get(item.item_id), repaired, 'the record is as the sweep left it');
    assert.deepEqual(await store.history(item.item_id), history, 'no event recorded twice');

    // The next sweep does not ask for that session again: one /item/get, no change.
    node('rec').receive({});
    await until('the second sweep done', () => recorded('done').length === 2);
    assert.deepEqual([recorded('done')[1].payload.calls, recorded('done')[1].payload.changed], [1, 0]);
    assert.equal(recorded('change').length, 1, 'applied once');
  });
});
