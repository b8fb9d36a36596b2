'use strict';
// The flow a Node-RED child process (test/reliability/support/red-child.js) runs to reconcile on demand: POST
// /test/reconcile starts a sweep (a JSON body's item_id limits it) and is answered with its summary, or with the
// error a Catch node got (500); each change the sweep sends is recorded (kind `change`).
const { recordFunc } = require('../../reliability/support/child');
const { json, until } = require('../../reliability/support/util');
const { deployWithCredentials } = require('../../support/instance-flows');

const TAB = 'tab-reconcile';

/**
 * @param {{plaidUrl: string, store: object, reconcile?: object}} options `store`: the plaid-item-store node's
 *   settings (backend, file, ...)
 */
function reconcileFlow({ plaidUrl, store, reconcile = {} }) {
  return [
    { id: TAB, type: 'tab', label: 'reconcile' },
    { id: 'cfg', type: 'plaid-config', name: 'plaid', environment: 'custom', baseUrl: plaidUrl, timeout: 5000, retries: 2 },
    { id: 'store', type: 'plaid-item-store', name: 'items', ...store },
    { id: 'in', type: 'http in', z: TAB, name: '', url: '/test/reconcile', method: 'post', upload: false, swaggerDoc: '', wires: [['item']] },
    { id: 'item', type: 'function', z: TAB, name: 'item_id', outputs: 1, wires: [['rec']], func: 'if (msg.payload && msg.payload.item_id) msg.item_id = msg.payload.item_id;\nreturn msg;' },
    { id: 'rec', type: 'plaid-items-reconcile', z: TAB, name: '', plaid: 'cfg', store: 'store', callsPerMinute: 600, statuses: [], linkSessions: true, wires: [['change'], ['response']], ...reconcile },
    { id: 'change', type: 'function', z: TAB, name: 'record', outputs: 0, wires: [], func: recordFunc('change', "{ topic: msg.topic, item_id: msg.plaid.item_id, instance: env.get('PLAID_INSTANCE') }") },
    { id: 'catch', type: 'catch', z: TAB, name: '', scope: ['rec'], uncaught: false, wires: [['failed']] },
    { id: 'failed', type: 'function', z: TAB, name: 'failed', outputs: 1, wires: [['response']], func: 'msg.statusCode = 500;\nmsg.payload = { error: msg.error.message };\nreturn msg;' },
    { id: 'response', type: 'http response', z: TAB, name: '', statusCode: '', headers: {}, wires: [] },
  ];
}

/** Starts a sweep on `child`; resolves to the HTTP answer: {status, body} (the summary, or {error}). */
const sweepOn = (child, body = {}) => json(`${child.url}/test/reconcile`, { method: 'POST', body });

/**
 * Deploys the flow with the config nodes' credentials (as the editor sends them) and waits until it runs on an open
 * store: a sweep of an Item no store holds then fails as such (without a call to Plaid).
 */
async function deployReconcileFlow(child, flow, credentials) {
  await deployWithCredentials(child, flow, credentials);
  await until('the reconcile flow running on an open store', async () => {
    const { status, body } = await sweepOn(child, { item_id: 'item-probe' });
    return status === 500 && /item-probe is not in the Item store/.test(body?.error ?? '');
  }, 30000, 100);
}

module.exports = { reconcileFlow, deployReconcileFlow, sweepOn };
