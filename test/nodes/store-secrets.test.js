'use strict';
// The token nowhere: a child Node-RED (the project's embedded launcher, logging at trace level) runs an Item's whole
// life on the Item store against the emulator, through a recording proxy: sandbox token, exchange, item/get,
// invalidate, webhook update, a fired ITEM webhook received by plaid-webhook-in on the store, an update-mode link
// token, remove, and refused item_ids. Every message goes to a debug node showing the complete message (sidebar and
// log). Then every token seen on the wire is searched for in: each output and Catch message, the debug sidebar and
// node statuses (the editor's comms socket), the log, GET /flows, GET /context/... of every node, flow and global,
// and the bytes of the SQLite file (with its -wal and -shm).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { start } = require('../../dist/emulator');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const { RedChild, recordFunc } = require('../reliability/support/child');
const { TapProxy } = require('../reliability/support/tap-proxy');
const { until, json } = require('../reliability/support/util');

const TOKEN = /\b(?:access|public)-sandbox-[0-9a-f-]{36}\b/g;
const TAB = 'sweep-tab';

/** A node on the tab, placed (Node-RED takes a node without x/y for a config node). */
let placedCount = 0;
const onTab = (n) => ({ z: TAB, x: 120 + 180 * (placedCount % 6), y: 60 + 60 * Math.floor(placedCount++ / 6), ...n });

function sweepFlow({ plaidUrl, webhookUrl, key, clientId, secret }) {
  const debug = (id) => onTab({ id, type: 'debug', name: id, active: true, tosidebar: true, console: true, tostatus: true, complete: 'true', targetType: 'full', statusVal: '', statusType: 'auto', wires: [] });
  const recorder = (id, kind) => onTab({ id, type: 'function', name: id, outputs: 1, wires: [[]], func: recordFunc(kind, 'msg') });
  const store = { plaid: 'sweep-cfg', store: 'sweep-store' };
  const byRecord = { item_id: 'plaid.item.item_id', item_idType: 'msg' };
  const seen = ['sweep-debug', 'sweep-rec'];
  return [
    { id: TAB, type: 'tab', label: 'token sweep' },
    { id: 'sweep-cfg', type: 'plaid-config', name: 'emulator', environment: 'custom', baseUrl: plaidUrl, timeout: '5000', retries: '1', credentials: { clientId, secret } },
    { id: 'sweep-store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file: 'plaid-items.db', credentials: { encryptionKey: key } },
    onTab({ id: 'sweep-go', type: 'inject', name: 'link', props: [{ p: 'payload' }], payload: '{}', payloadType: 'json', repeat: '', once: false, wires: [['sweep-create']] }),
    onTab({ id: 'sweep-create', type: 'plaid-sandbox-public-token-create', plaid: 'sweep-cfg', institution_id: 'ins_109508', institution_idType: 'str', initial_products: '["transactions"]', initial_productsType: 'json', wires: [['sweep-exchange', ...seen]] }),
    onTab({ id: 'sweep-exchange', type: 'plaid-item-public-token-exchange', ...store, public_token: 'payload.public_token', public_tokenType: 'msg', client_user_id: 'user-sweep', client_user_idType: 'str', wires: [['sweep-get', ...seen]] }),
    onTab({ id: 'sweep-get', type: 'plaid-item-get', ...store, wires: [['sweep-webhook', ...seen]] }),
    onTab({ id: 'sweep-webhook', type: 'plaid-item-webhook-update', ...store, ...byRecord, webhook: webhookUrl, webhookType: 'str', wires: [['sweep-rotate', ...seen]] }),
    onTab({ id: 'sweep-rotate', type: 'plaid-item-access-token-invalidate', ...store, ...byRecord, wires: [['sweep-fire', ...seen]] }),
    onTab({ id: 'sweep-fire', type: 'plaid-sandbox-item-fire-webhook', ...store, ...byRecord, webhook_code: 'NEW_ACCOUNTS_AVAILABLE', webhook_codeType: 'enum', wires: [['sweep-link', ...seen]] }),
    onTab({ id: 'sweep-link', type: 'plaid-link-token-create', ...store, ...byRecord, client_name: 'Token sweep', client_nameType: 'str', wires: [seen] }),
    onTab({ id: 'sweep-remove-go', type: 'inject', name: 'remove', props: [{ p: 'item_id', v: '', vt: 'str' }], wires: [['sweep-remove']] }),
    onTab({ id: 'sweep-remove', type: 'plaid-item-remove', ...store, wires: [seen] }),
    onTab({ id: 'sweep-hook', type: 'plaid-webhook-in', name: '', url: '/plaid/webhook', plaid: 'sweep-cfg', store: 'sweep-store', verify: true, dedupe: true, dedupeStore: '', wires: Array.from({ length: 10 }, () => ['sweep-debug', 'sweep-hook-rec']) }),
    onTab({ id: 'sweep-catch', type: 'catch', scope: null, uncaught: false, wires: [['sweep-debug', 'sweep-caught']] }),
    debug('sweep-debug'),
    recorder('sweep-rec', 'output'),
    recorder('sweep-hook-rec', 'webhook'),
    recorder('sweep-caught', 'caught'),
  ];
}

describe('the access token nowhere but the store and the wire to Plaid', function () {
  this.timeout(120000);
  let emulator;
  let tap;
  let red;
  let comms;

  before(async () => {
    emulator = await start({ port: 0, timeFactor: 0.0001 });
    tap = await new TapProxy(emulator.url).listen();
    red = await RedChild.start({ label: 'store-sweep', logLevel: 'trace' });
    comms = await red.comms();
  });

  after(async () => {
    if (comms) comms.close();
    if (red) await red.stop();
    if (tap) await tap.destroy();
    if (emulator) await emulator.stop();
  });

  it('runs an Item\'s life on the store, then finds none of its tokens anywhere', async () => {
    const flows = sweepFlow({ plaidUrl: tap.url, webhookUrl: `${red.url}/plaid/webhook`, key: generateStoreKey(), clientId: emulator.clientId, secret: emulator.secret });
    await red.deploy(flows, 'full');
    const records = async (kind) => (await red.records()).filter((r) => r.kind === kind);

    await red.inject('sweep-go');
    await until('the fired webhook received with its record', async () => (await records('webhook')).some((r) => r.data.topic === 'NEW_ACCOUNTS_AVAILABLE'), 30000, 100);
    const [item] = emulator.state().items;
    const webhook = (await records('webhook')).find((r) => r.data.topic === 'NEW_ACCOUNTS_AVAILABLE').data;
    assert.equal(webhook.plaid.item.item_id, item.item_id, 'plaid-webhook-in carried the stored record');
    assert.equal(webhook.plaid.item.last_webhook.webhook_code, 'NEW_ACCOUNTS_AVAILABLE', 'the record was updated before the message went out');
    assert.equal(webhook.plaid.item.client_user_id, 'user-sweep');

    // Removal by an inject setting msg.item_id (the node's default item_id setting), then refused item_ids.
    const inject = flows.find((n) => n.id === 'sweep-remove-go');
    inject.props = [{ p: 'item_id', v: item.item_id, vt: 'str' }];
    await red.deploy(flows, 'nodes');
    await red.inject('sweep-remove-go');
    await until('the Item removed at Plaid', () => emulator.state().items[0].removed, 20000, 100);
    await red.inject('sweep-remove-go'); // removed in the store: refused before any call
    inject.props = [{ p: 'item_id', v: 'item-nobody-linked', vt: 'str' }];
    await red.deploy(flows, 'nodes');
    await red.inject('sweep-remove-go');
    await until('both refusals caught', async () => (await records('caught')).length >= 2, 20000, 100);
    await tap.idle();

    const outputs = await records('output');
    const caught = await records('caught');
    assert.deepEqual(outputs.map((r) => r.data.plaid.endpoint), [
      '/sandbox/public_token/create', '/item/public_token/exchange', '/item/get', '/item/webhook/update',
      '/item/access_token/invalidate', '/sandbox/item/fire_webhook', '/link/token/create', '/item/remove',
    ]);
    assert.match(outputs[6].data.payload.hosted_link_url, /^http/, 'an update-mode Hosted Link for the stored Item');
    assert.deepEqual(caught.map((r) => r.data.error.message), [
      `ItemStoreError: item/remove: Item ${item.item_id} was removed: the store holds no access token for it`,
      'ItemStoreError: item/remove: Item item-nobody-linked is not in the Item store',
    ]);
    assert.equal(outputs[7].data.plaid.item.status, 'removed');

    // Every token the wire carried: the public token, the first access token and the rotated one.
    const tokens = new Set();
    for (const x of tap.exchanges) for (const t of `${x.requestText} ${x.responseText || ''}`.match(TOKEN) || []) tokens.add(t);
    const accessTokens = [...tokens].filter((t) => t.startsWith('access-'));
    assert.equal(accessTokens.length, 2, 'the first access token and the rotated one were in play');
    const removeCall = tap.exchanges.find((x) => x.path === '/item/remove');
    assert.ok(removeCall.requestText.includes(accessTokens.find((t) => !tap.exchanges.find((x) => x.path === '/item/public_token/exchange').responseText.includes(t))), 'remove sent the rotated token, from the store');

    const contexts = {};
    for (const scope of ['global', `flow/${TAB}`, ...flows.filter((n) => n.z === TAB).map((n) => `node/${n.id}`)]) {
      contexts[scope] = (await json(`${red.url}/context/${scope}`)).body;
    }
    // The test's own recorder lives in global context: it holds the messages searched above, the sandbox node's
    // public token among them (no store is involved there). Everything else in context is the flows'.
    assert.ok(contexts.global.memory.reliabilityRecorder);
    delete contexts.global.memory.reliabilityRecorder;
    const storeFile = path.join(red.userDir, 'plaid-items.db');
    assert.ok(fs.existsSync(storeFile), 'the store file is in the user directory');
    const debugMessages = comms.messages.filter((m) => m.topic === 'debug');
    assert.ok(debugMessages.length >= 9, `the debug sidebar got the messages (${debugMessages.length})`);
    const haystacks = {
      'output messages': JSON.stringify(outputs.filter((r) => r.data.plaid.endpoint !== '/sandbox/public_token/create')),
      'Catch messages': JSON.stringify(caught),
      'webhook-in messages': JSON.stringify(await records('webhook')),
      'debug sidebar (comms debug)': JSON.stringify(debugMessages),
      'node statuses (comms status/#)': JSON.stringify(comms.messages.filter((m) => /^status\//.test(m.topic))),
      'log at trace level': red.output,
      'GET /flows': await red.flowsText(),
      'GET /context/...': JSON.stringify(contexts),
    };
    for (const suffix of ['', '-wal', '-shm']) {
      if (fs.existsSync(storeFile + suffix)) haystacks[`plaid-items.db${suffix} bytes`] = fs.readFileSync(storeFile + suffix).toString('latin1');
    }
    const found = [];
    for (const [where, text] of Object.entries(haystacks)) {
      for (const t of accessTokens) if (text.includes(t) || text.includes(t.slice(-20))) found.push(`${where}: ${t.slice(0, 15)}…`);
    }
    assert.deepEqual(found, []);
    // The public token is single-use and is shown by the sandbox node's own output (no store is involved there);
    // past the exchange it appears nowhere either.
    const [publicToken] = [...tokens].filter((t) => t.startsWith('public-'));
    for (const where of ['Catch messages', 'webhook-in messages', 'GET /context/...', 'GET /flows']) {
      assert.equal(haystacks[where].includes(publicToken), false, where);
    }
  });
});
