'use strict';
// Loads the package's nodes into a real Node-RED runtime (node-red-node-test-helper) with a Plaid config node
// pointed at a loopback server, and collects what each message ends as: an output or a Catch.
const { helper } = require('./test-helper');
const { trackMessages } = require('./message-ends');
const { until } = require('./until');
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
  const messages = trackMessages(nodes.map((n) => n.id));
  const outcomes = [];
  const record = (kind) => (msg) => outcomes.push({ kind, msg });
  helper.getNode('out').on('input', record('output'));
  helper.getNode('caught').on('input', record('error'));
  return {
    outcomes,
    node: (id) => helper.getNode(id),
    /**
     * Resolves with the outcomes once `count` arrived and the nodes finished every message they received (so any
     * further outcome of those messages would have arrived too).
     */
    async waitFor(count, timeoutMs = 15000) {
      await until(`${count} outcomes (have ${outcomes.length})`, () => outcomes.length >= count, timeoutMs);
      await messages.idle(timeoutMs);
      return outcomes;
    },
    /** Resolves once the nodes finished every message they received, and what followed from them arrived. */
    idle: (timeoutMs) => messages.idle(timeoutMs),
  };
}

module.exports = { helper, deploy, configFor, TAB };
