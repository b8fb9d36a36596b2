'use strict';
// A plaid-items-reconcile node in a real Node-RED runtime (node-red-node-test-helper) with a Plaid config node
// pointed at a loopback server (the stand-in or the emulator) and an Item store on a real SQLite file; what each
// sweep sends is collected per output, and what reaches the Catch node too.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { helper, TAB } = require('../../support/red');
const { generateStoreKey } = require('../../../dist/plaid/store/cipher');
const configNode = require('../../../dist/nodes/plaid-config.js');
const endpointNodes = require('../../../dist/nodes/plaid-endpoints.js');
const storeNode = require('../../../dist/nodes/plaid-item-store.js');
const itemsNode = require('../../../dist/nodes/plaid-items.js');
const reconcileNode = require('../../../dist/nodes/plaid-items-reconcile.js');
const files = require('../../store/support/store-files');

const accessToken = () => `access-sandbox-${crypto.randomUUID()}`;

/**
 * The node's texts from its locale catalogue, interpolated as Node-RED does (__name__): the test helper's runtime
 * answers RED._ with the bare key, and the texts are part of what is tested here.
 */
const catalog = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../dist/nodes/locales/en-US/plaid-items-reconcile.json'), 'utf8'));
function translate(key, values = {}) {
  const text = key.split('.').reduce((found, part) => found?.[part], catalog);
  return typeof text === 'string' ? text.replace(/__(\w+)__/g, (_, name) => String(values[name] ?? '')) : key;
}
const reconcileWithTexts = (RED) => reconcileNode(Object.assign(Object.create(RED), { _: translate }));

/**
 * Deploys reconcile nodes (`rec`, and `rec2` with `second`) on one store, plus `nodes` of the caller's.
 * @param {{url: string, clientId: string, secret: string}} plaid
 * @param {{reconcile?: object, second?: object, nodes?: object[], modules?: Function[], windowMs?: number, leaseMs?: number, file?: string, key?: string, config?: object}} [options]
 *   `modules`: the node modules of the caller's `nodes`, loaded beside the rig's.
 */
async function deployReconcile(plaid, options = {}) {
  const file = options.file ?? path.join(files.tempDir('plaid-reconcile-'), 'items.db');
  const key = options.key ?? generateStoreKey();
  helper.settings({ plaidReconcile: { windowMs: options.windowMs, leaseMs: options.leaseMs } });
  const reconcile = (id, props) => [
    { id, z: TAB, type: 'plaid-items-reconcile', plaid: 'cfg', store: 'store', callsPerMinute: 5000, statuses: [], linkSessions: true, wires: [[`${id}-changed`], [`${id}-done`]], ...props },
    { id: `${id}-changed`, z: TAB, type: 'helper', wires: [] },
    { id: `${id}-done`, z: TAB, type: 'helper', wires: [] },
  ];
  const flow = [
    { id: TAB, type: 'tab', label: 'reconcile' },
    { id: 'cfg', type: 'plaid-config', name: 'plaid', environment: 'custom', baseUrl: plaid.url, timeout: 2000, retries: 2, ...options.config },
    { id: 'store', type: 'plaid-item-store', name: 'items', backend: 'sqlite', file },
    ...reconcile('rec', options.reconcile),
    ...(options.second ? reconcile('rec2', options.second) : []),
    ...(options.nodes ?? []).map((n) => ({ z: TAB, ...n })),
    { id: 'catcher', z: TAB, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: TAB, type: 'helper', wires: [] },
  ];
  await helper.load([configNode, endpointNodes, storeNode, itemsNode, reconcileWithTexts, ...(options.modules ?? [])], flow, {
    cfg: { clientId: plaid.clientId, secret: plaid.secret },
    store: { encryptionKey: key },
  });
  const store = await helper.getNode('store').usableStore();
  const collected = { changed: { rec: [], rec2: [] }, done: { rec: [], rec2: [] }, caught: [], outputs: [] };
  const waiters = new Set();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  for (const id of ['rec', 'rec2']) {
    helper.getNode(`${id}-changed`)?.on('input', (msg) => {
      collected.changed[id].push(msg);
      notify();
    });
    helper.getNode(`${id}-done`)?.on('input', (msg) => {
      collected.done[id].push(msg);
      notify();
    });
  }
  helper.getNode('caught').on('input', (msg) => {
    collected.caught.push(msg);
    notify();
  });
  helper.getNode('out')?.on('input', (msg) => {
    collected.outputs.push(msg);
    notify();
  });

  /** Resolves once `check()` holds, checked at each message (no polling); rejects after `timeoutMs`. */
  function when(what, check, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(test);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const test = () => {
        const value = check();
        if (!value) return;
        clearTimeout(timer);
        waiters.delete(test);
        resolve(value);
      };
      waiters.add(test);
      test();
    });
  }

  return {
    file,
    key,
    store,
    collected,
    node: (id) => helper.getNode(id),
    when,
    /**
     * Sends `msg` to the reconcile node `id` and resolves to how that sweep ended: its output 2 message (`done`) or
     * the Catch message (`caught`).
     */
    async sweep(msg = {}, id = 'rec') {
      const doneBefore = collected.done[id].length;
      const caughtBefore = collected.caught.length;
      helper.getNode(id).receive(msg);
      return when(`the sweep of ${id} to end`, () => {
        if (collected.done[id].length > doneBefore) return { done: collected.done[id][doneBefore] };
        if (collected.caught.length > caughtBefore) return { caught: collected.caught[caughtBefore] };
        return undefined;
      }, 60000);
    },
    /** Saves `count` Items (item_ids `prefix`-000...) with fresh tokens; resolves to item_id → token. */
    async saveItems(count, prefix = 'item', fields = {}) {
      const tokens = new Map();
      for (let i = 0; i < count; i++) {
        const itemId = `${prefix}-${String(i).padStart(3, '0')}`;
        const token = fields.token?.(i) ?? accessToken();
        tokens.set(itemId, token);
        await store.save({ item_id: itemId, access_token: token, client_user_id: `user-${i}` });
      }
      return tokens;
    },
  };
}

module.exports = { deployReconcile, accessToken, helper, translate };
