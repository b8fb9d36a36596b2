'use strict';
// The exporter's tests' world: the Plaid emulator, and a real Node-RED (the embedded launcher) with adminAuth whose
// `tokens` function admits three bearer tokens (a scraper with `plaid-items.read` alone, a reader with Node-RED's
// `read`, an outsider with `flows.read` only), running plaid-webhook-in on an Item store, plaid-item-get behind an
// HTTP route (and two more, on configs whose calls time out or find no Plaid), an Item store that cannot open, and one
// on a small disk that can be filled. `knownTraffic()` sends
// webhooks (genuine, duplicate, forged, unsigned, not JSON) and Plaid calls (ok and failing) and returns what each
// metric must count afterwards.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const embedded = require('../../scripts/lib/embedded-node-red');
const { start: startEmulator } = require('../../dist/emulator');
const { generateStoreKey } = require('../../dist/plaid/store/cipher');
const { until } = require('./until');
const { makeKey, plaidDelivery } = require('./webhook-signer');
const { freePort } = require('../../scripts/lib/postgres-server');

const TOKENS = {
  scraper: 'scraper-6f1d0c9e8b7a4f3e2d1c0b9a8f7e6d5c',
  reader: 'reader-0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  outsider: 'outsider-9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  operator: 'operator-5e4d3c2b1a09f8e7d6c5b4a392817060',
};
const PERMISSIONS = { scraper: ['plaid-items.read'], reader: 'read', outsider: ['flows.read'], operator: ['plaid-items.read', 'plaid-items.write'] };

const TAB = 'metrics-tab';
const HOOK = '/plaid/webhook';
const FULL_HOOK = '/plaid/webhook-full';
const ITEM_GET = '/call/item-get';
/** Attempts per call: one retry, so a failing call shows as one call and one retry. */
const RETRIES = 1;
/** The config whose calls time out: its attempts give up after this long, once each. */
const SHORT_TIMEOUT_MS = 300;
/** plaid-item-get routes by the config they call Plaid with: the emulator, with a short timeout, at no server at all. */
const CALLS = {
  main: { route: ITEM_GET, node: 'item-get', config: 'cfg' },
  timeout: { route: '/call/item-get-short-timeout', node: 'item-get-short-timeout', config: 'cfg-short-timeout' },
  unreachable: { route: '/call/item-get-unreachable', node: 'item-get-unreachable', config: 'cfg-unreachable' },
};

function flows(fullDiskFile, extra) {
  const onTab = (node, i) => ({ z: TAB, x: 150 + 250 * (i % 3), y: 60 + 60 * Math.floor(i / 3), ...node });
  return [
    { id: TAB, type: 'tab', label: 'Metrics' },
    { id: 'cfg', type: 'plaid-config', name: 'emulator', environment: 'custom', baseUrl: '', timeout: '5000', retries: String(RETRIES) },
    { id: 'cfg-short-timeout', type: 'plaid-config', name: 'short timeout', environment: 'custom', baseUrl: '', timeout: String(SHORT_TIMEOUT_MS), retries: '0' },
    { id: 'cfg-unreachable', type: 'plaid-config', name: 'no server', environment: 'custom', baseUrl: '', timeout: '5000', retries: '0' },
    { id: 'store-main', type: 'plaid-item-store', name: 'Main store', backend: 'sqlite', file: 'main-items.db' },
    { id: 'store-full', type: 'plaid-item-store', name: 'Small disk', backend: 'sqlite', file: fullDiskFile },
    { id: 'store-broken', type: 'plaid-item-store', name: 'No directory', backend: 'sqlite', file: path.join('missing-directory', 'items.db') },
    ...[
      { id: 'hook-main', type: 'plaid-webhook-in', name: 'Plaid webhooks', url: HOOK, plaid: 'cfg', verify: true, dedupe: true, dedupeStore: '', store: 'store-main', wires: Array.from({ length: 10 }, () => []) },
      // No dedupe: each delivery writes once (its record), so each failed write is one 503.
      { id: 'hook-full', type: 'plaid-webhook-in', name: 'Webhooks on a full disk', url: FULL_HOOK, plaid: 'cfg', verify: true, dedupe: false, dedupeStore: '', store: 'store-full', wires: Array.from({ length: 10 }, () => []) },
      ...Object.values(CALLS).flatMap(({ route, node, config }) => [
        { id: `${node}-in`, type: 'http in', name: '', url: route, method: 'post', upload: false, swaggerDoc: '', wires: [[node]] },
        { id: node, type: 'plaid-item-get', name: '', plaid: config, store: 'store-main', wires: [['call-out']] },
      ]),
      { id: 'call-catch', type: 'catch', name: '', scope: Object.values(CALLS).map((call) => call.node), uncaught: false, wires: [['call-failed']] },
      { id: 'call-failed', type: 'change', name: '', rules: [{ t: 'set', p: 'statusCode', pt: 'msg', to: '502', tot: 'num' }, { t: 'set', p: 'payload', pt: 'msg', to: 'error.message', tot: 'msg' }], wires: [['call-out']] },
      { id: 'call-out', type: 'http response', name: '', statusCode: '', headers: {}, wires: [] },
      ...extra,
    ].map(onTab),
  ];
}

/** Directories and mounts to undo, newest first. */
const cleanups = [];

/**
 * @param {{settings?: object, nodes?: (emulator: any) => object[], credentials?: object}} [options] Node-RED settings
 *   merged over the rig's (e.g. `plaidMetrics: false`); more nodes for the tab (their errors may go to `call-failed`,
 *   their answers to `call-out`), given the emulator; their credentials
 */
async function startMetricsRig({ settings = {}, nodes = () => [], credentials: moreCredentials = {} } = {}) {
  const files = require('../store/support/store-files');
  // timeFactor 10: a delivery answered 503 is retried by the emulator only after 300 s, long after a test ends.
  const emulator = await startEmulator({ timeFactor: 10, itemGetLimitPerMinute: 0 });
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-metrics-'));
  const smallDisk = files.smallDisk(2048);
  cleanups.push(() => files.cleanup(), () => fs.rmSync(userDir, { recursive: true, force: true }), () => emulator.stop());
  const flowList = flows(path.join(smallDisk, 'items.db'), nodes(emulator));
  for (const id of ['cfg', 'cfg-short-timeout']) flowList.find((n) => n.id === id).baseUrl = emulator.url;
  // A loopback port nothing listens on: connections to it are refused.
  flowList.find((n) => n.id === 'cfg-unreachable').baseUrl = `http://127.0.0.1:${await freePort()}`;
  const credentials = { clientId: emulator.clientId, secret: emulator.secret };
  const red = await embedded.startNodeRed({
    userDir,
    settings: {
      adminAuth: {
        type: 'credentials',
        users: [],
        tokens: async (token) => {
          const who = Object.keys(TOKENS).find((name) => TOKENS[name] === token);
          return who ? { username: who, permissions: PERMISSIONS[who] } : null;
        },
      },
      ...settings,
    },
    beforeStart: () => embedded.writeFlows(userDir, flowList, {
      cfg: credentials,
      'cfg-short-timeout': credentials,
      'cfg-unreachable': credentials,
      'store-main': { encryptionKey: generateStoreKey() },
      'store-full': { encryptionKey: generateStoreKey() },
      'store-broken': { encryptionKey: generateStoreKey() },
      ...moreCredentials,
    }),
  });
  cleanups.push(() => red.stop());
  const node = (id) => red.RED.nodes.getNode(id);
  for (const id of ['store-main', 'store-full', 'store-broken', 'hook-main', 'hook-full', ...Object.values(CALLS).map((call) => call.node)]) await until(`${id} to start`, () => node(id), 15000);
  await node('store-main').ready;
  await node('store-full').ready;

  /** Every answer a test read, to prove none holds a token, an item_id or a client_user_id. */
  const answers = [];
  async function get(urlPath, token) {
    const res = await fetch(red.url + urlPath, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await res.text();
    answers.push({ path: urlPath, text });
    return { status: res.status, headers: res.headers, text };
  }

  return {
    emulator,
    red,
    url: red.url,
    userDir,
    smallDisk,
    node,
    store: (id) => node(id).itemStore,
    answers,
    get,
    scrape: async (token = TOKENS.scraper) => {
      const answer = await get('/plaid-items/metrics', token);
      assert.equal(answer.status, 200, answer.text);
      return answer.text;
    },
  };
}

async function stopMetricsRig() {
  while (cleanups.length) await Promise.resolve().then(cleanups.pop()).catch(() => undefined);
}

/** Fires a webhook at the Item's webhook URL and resolves to the status the receiver answered. */
async function fire(rig, itemId, code) {
  const { delivery_id: id } = rig.emulator.fireWebhook({ item_id: itemId, webhook_code: code });
  const answered = () => rig.emulator.deliveries.find((d) => d.id === id)?.attempts.find((a) => a.status !== null || a.error !== null);
  const attempt = await until(`webhook ${code} for ${itemId} answered`, answered);
  return attempt.status ?? attempt.error;
}

async function post(rig, urlPath, body, headers) {
  const res = await fetch(rig.url + urlPath, { method: 'POST', headers, body });
  await res.arrayBuffer();
  return res.status;
}

/**
 * A plaid-item-get call through the flow: 200 with Plaid's answer, or 502 with the error's message.
 * @param {keyof typeof CALLS} [via] which config the call goes through
 */
async function itemGet(rig, itemId, via = 'main') {
  return post(rig, CALLS[via].route, JSON.stringify({ item_id: itemId }), { 'content-type': 'application/json' });
}

/**
 * The known traffic. Webhooks to plaid-webhook-in on the main store: ERROR for three Items, ERROR again for the first
 * (the same bytes: a duplicate), PENDING_EXPIRATION, NEW_ACCOUNTS_AVAILABLE, LOGIN_REPAIRED for the third; `forged`
 * deliveries signed with another key under the emulator's kid, one without a signature and one that is not JSON.
 * Plaid calls: item/get for three healthy Items, then `plaidErrors` more while the emulator answers every item/get
 * 500 (each retried once). Returns the counts each metric must show.
 */
async function knownTraffic(rig, { forged = 4, plaidErrors = 3 } = {}) {
  const { emulator } = rig;
  const main = rig.store('store-main');
  const items = [];
  for (let i = 0; i < 6; i++) {
    const created = emulator.createItem({ webhook: rig.url + HOOK });
    await main.save({ item_id: created.item_id, access_token: created.access_token, client_user_id: `metrics-user-${i}`, institution_id: 'ins_109508' });
    items.push(created);
  }
  const ids = items.map((item) => item.item_id);
  const fired = [
    [ids[0], 'ERROR'], [ids[1], 'ERROR'], [ids[2], 'ERROR'], [ids[0], 'ERROR'],
    [ids[3], 'PENDING_EXPIRATION'], [ids[4], 'NEW_ACCOUNTS_AVAILABLE'], [ids[2], 'LOGIN_REPAIRED'],
  ];
  for (const [itemId, code] of fired) assert.equal(await fire(rig, itemId, code), 200, `${code} for ${itemId}`);

  const impostor = makeKey(emulator.currentKeyId());
  const body = { webhook_type: 'ITEM', webhook_code: 'USER_PERMISSION_REVOKED', item_id: ids[5], environment: 'sandbox' };
  for (let i = 0; i < forged; i++) {
    const delivery = plaidDelivery({ ...body, forged: i }, impostor);
    assert.equal(await post(rig, HOOK, delivery.raw, delivery.headers), 401, 'a forged delivery');
  }
  assert.equal(await post(rig, HOOK, JSON.stringify(body), { 'content-type': 'application/json' }), 401, 'an unsigned delivery');
  assert.equal(await post(rig, HOOK, 'item_id=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'a delivery that is not JSON');

  for (const itemId of [ids[3], ids[4], ids[5]]) assert.equal(await itemGet(rig, itemId), 200, `item/get ${itemId}`);
  emulator.setFaults({ serverError: 1, paths: ['/item/get'] });
  try {
    for (let i = 0; i < plaidErrors; i++) assert.equal(await itemGet(rig, ids[5]), 502, 'item/get answered 500');
  } finally {
    emulator.setFaults({});
  }

  return {
    items: ids,
    clientUserIds: items.map((_, i) => `metrics-user-${i}`),
    accessTokens: items.map((item) => item.access_token),
    deliveries: [
      { webhook_type: 'ITEM', webhook_code: 'ERROR', outcome: 'emitted', count: 3 },
      { webhook_type: 'ITEM', webhook_code: 'ERROR', outcome: 'duplicate', count: 1 },
      { webhook_type: 'ITEM', webhook_code: 'PENDING_EXPIRATION', outcome: 'emitted', count: 1 },
      { webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', outcome: 'emitted', count: 1 },
      { webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', outcome: 'emitted', count: 1 },
    ],
    rejections: [
      { reason: 'bad_signature', status: '401', count: forged },
      { reason: 'unsigned', status: '401', count: 1 },
      { reason: 'media_type', status: '415', count: 1 },
    ],
    statuses: { healthy: 3, login_required: 2, pending_expiration: 1, pending_disconnect: 0, revoked: 0, removed: 0, error: 0 },
    needingAction: 3,
    apiCalls: [
      { endpoint: 'item/get', outcome: 'ok', error_type: '', count: 3 },
      { endpoint: 'item/get', outcome: 'INTERNAL_SERVER_ERROR', error_type: 'API_ERROR', count: plaidErrors },
      { endpoint: 'webhook_verification_key/get', outcome: 'ok', error_type: '', count: 1 },
    ],
    retries: { 'item/get': plaidErrors * RETRIES },
    attempts: { 'item/get': 3 + plaidErrors * (1 + RETRIES), 'webhook_verification_key/get': 1 },
    keyFetches: { ok: 1 },
  };
}

module.exports = { startMetricsRig, stopMetricsRig, knownTraffic, fire, post, itemGet, TOKENS, HOOK, FULL_HOOK, SHORT_TIMEOUT_MS };
