'use strict';
// Loads the package's nodes into a real Node-RED runtime (node-red-node-test-helper) with a Plaid config node
// pointed at a loopback server, and collects what each message ends as: an output or a Catch.
const { helper } = require('./test-helper');
const configNode = require('../../dist/nodes/plaid-config.js');
const endpointNodes = require('../../dist/nodes/plaid-endpoints.js');


const TAB = 'tab1';

function configFor(url, extra = {}) {
  return { id: 'cfg', type: 'plaid-config', name: 'test', environment: 'custom', baseUrl: url, timeout: 2000, retries: 2, ...extra };
}

/**
 * Deploys `nodes` (each gets the tab) plus a Catch for the tab and helper nodes `out` and `caught`,
 * and returns a collector of outcomes.
 */
async function deploy({ nodes, config, credentials, extraModules = [] }) {
  const flow = [
    { id: TAB, type: 'tab', label: 'test' },
    config,
    ...nodes.map((n) => ({ z: TAB, ...n })),
    { id: 'out', z: TAB, type: 'helper', wires: [] },
    { id: 'catcher', z: TAB, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: TAB, type: 'helper', wires: [] },
  ];
  // A copy: the helper's runtime keeps the object it is given as its credential store, and the config node records
  // there the host its secret is bound to; each deploy starts from the credentials as entered.
  await helper.load([configNode, endpointNodes, ...extraModules], flow, credentials && structuredClone(credentials));
  const outcomes = [];
  const waiters = [];
  const record = (kind) => (msg) => {
    outcomes.push({ kind, msg });
    for (const w of [...waiters]) if (outcomes.length >= w.count) w.resolve();
  };
  helper.getNode('out').on('input', record('output'));
  helper.getNode('caught').on('input', record('error'));
  return {
    outcomes,
    node: (id) => helper.getNode(id),
    /** Resolves once `count` outcomes arrived and no more followed within `settleMs`. */
    async waitFor(count, settleMs = 100, timeoutMs = 15000) {
      if (outcomes.length < count) {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`only ${outcomes.length} of ${count} outcomes`)), timeoutMs);
          waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
        });
      }
      await new Promise((r) => setTimeout(r, settleMs));
      return outcomes;
    },
  };
}

module.exports = { helper, deploy, configFor, TAB };
