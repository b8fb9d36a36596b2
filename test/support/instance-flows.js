'use strict';
// The flow the multi-instance suites deploy to each Node-RED (the reliability suite's red-child): plaid-webhook-in on
// the Item store, every message it emits recorded with the instance's name, and an HTTP route per endpoint node on
// the store (POST /test/<route>), answering {payload, item, instance}, or 500 with the error's message.
const fs = require('node:fs');
const { recordFunc } = require('../reliability/support/child');

const WEBHOOK_PATH = '/plaid/webhook';
const TAB = 'tab-instances';
/** The endpoint node behind each route. */
const ROUTE_NODES = {
  exchange: 'plaid-item-public-token-exchange',
  get: 'plaid-item-get',
  remove: 'plaid-item-remove',
  invalidate: 'plaid-item-access-token-invalidate',
};

/**
 * @param {{emulator: {url: string}, store: object, routes?: Array<keyof typeof ROUTE_NODES>}} options `store`: the
 *   plaid-item-store node's settings (backend, file, ...)
 */
function instanceFlows({ emulator, store, routes = ['exchange', 'get', 'remove'] }) {
  const route = (name) => [
    { id: `in-${name}`, type: 'http in', z: TAB, name: '', url: `/test/${name}`, method: 'post', upload: false, swaggerDoc: '', wires: [[`node-${name}`]] },
    { id: `node-${name}`, type: ROUTE_NODES[name], z: TAB, name: '', plaid: 'cfg', store: 'store', wires: [['respond']] },
  ];
  return [
    { id: TAB, type: 'tab', label: 'several instances' },
    { id: 'cfg', type: 'plaid-config', name: 'emulator', environment: 'custom', baseUrl: emulator.url, timeout: 5000, retries: 2 },
    { id: 'store', type: 'plaid-item-store', name: 'shared', ...store },
    {
      id: 'hook', type: 'plaid-webhook-in', z: TAB, name: '', url: WEBHOOK_PATH, plaid: 'cfg', verify: true, dedupe: true, dedupeStore: '', store: 'store', logRetentionDays: '30',
      wires: Array.from({ length: 10 }, () => ['record']),
    },
    {
      id: 'record', type: 'function', z: TAB, name: 'record', outputs: 0, wires: [],
      func: recordFunc('webhook', "{ sha: msg.plaid.body_sha256, code: msg.topic, item: msg.plaid.item ? msg.plaid.item.item_id : null, instance: env.get('PLAID_INSTANCE'), replayed: msg.plaid.replayed }"),
    },
    ...routes.flatMap(route),
    { id: 'catch', type: 'catch', z: TAB, name: '', scope: routes.map((name) => `node-${name}`), uncaught: false, wires: [['failed']] },
    {
      id: 'failed', type: 'function', z: TAB, name: 'failed', outputs: 1, wires: [['respond']],
      func: "msg.statusCode = 500;\nmsg.payload = { error: msg.error.message, instance: env.get('PLAID_INSTANCE') };\nreturn msg;",
    },
    {
      id: 'respond', type: 'function', z: TAB, name: 'instance', outputs: 1, wires: [['response']],
      func: "if (!msg.statusCode) msg.payload = { payload: msg.payload, item: msg.plaid && msg.plaid.item, instance: env.get('PLAID_INSTANCE') };\nreturn msg;",
    },
    { id: 'response', type: 'http response', z: TAB, name: '', statusCode: '', headers: {}, wires: [] },
  ];
}

/** POST /flows with the config nodes' credentials (as the editor sends them: on each node). */
async function deployWithCredentials(child, flow, credentials) {
  // A node without x/y is taken for a config node: place every node that sits on the tab.
  const withCredentials = flow.map((node, i) => ({
    ...(node.z ? { x: 120 + 200 * (i % 4), y: 60 + 60 * Math.floor(i / 4) } : {}),
    ...node,
    ...(credentials[node.id] ? { credentials: credentials[node.id] } : {}),
  }));
  await child.deploy(withCredentials);
}

/** Every webhook message the instances emitted, from their record files (what a SIGKILLed one emitted included). */
/** The data of every record of `kind` the instances' flows wrote, from their record files (SIGKILLed ones' too). */
function recordsBy(instances, kind) {
  return instances.flatMap((i) => (fs.existsSync(i.recordFile) ? fs.readFileSync(i.recordFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []))
    .filter((r) => r.kind === kind)
    .map((r) => r.data);
}

/** The webhook messages emitted on arrival (not by a replay). */
function emittedBy(instances) {
  return recordsBy(instances, 'webhook').filter((m) => !m.replayed);
}

/**
 * Counts per body hash among `emitted`, against the hashes that must each have been emitted once.
 * @returns {{missing: string[], doubled: string[], unexpected: string[]}}
 */
function exactlyOnce(emitted, expectedShas) {
  const counts = new Map();
  for (const e of emitted) counts.set(e.sha, (counts.get(e.sha) ?? 0) + 1);
  const expected = new Set(expectedShas);
  return {
    missing: [...expected].filter((sha) => !counts.has(sha)),
    doubled: [...counts].filter(([, n]) => n > 1).map(([sha]) => sha),
    unexpected: [...counts.keys()].filter((sha) => !expected.has(sha)),
  };
}

module.exports = { instanceFlows, deployWithCredentials, emittedBy, recordsBy, exactlyOnce, WEBHOOK_PATH };
