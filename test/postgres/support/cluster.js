'use strict';
// Several Node-RED instances as an operator runs them: separate processes and user directories (the reliability
// suite's red-child), one PostgreSQL database for their Item store, nginx in front (round robin), and the
// emulator sending its webhooks through nginx. Every webhook message an instance emits is recorded to a file
// (kept across a SIGKILL) with the instance's name.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { RedChild, recordFunc } = require('../../reliability/support/child');
const { json, until } = require('../../reliability/support/util');
const { startNginx } = require('../../../scripts/lib/nginx-server');
const { generateStoreKey } = require('../../../dist/plaid/store/cipher');

const WEBHOOK_PATH = '/plaid/webhook';
const TAB = 'tab-instances';

/** The flow every instance runs: webhook-in on the store, and HTTP routes into three endpoint nodes on the store. */
function flows({ emulator }) {
  const route = (name, type) => [
    { id: `in-${name}`, type: 'http in', z: TAB, name: '', url: `/test/${name}`, method: 'post', upload: false, swaggerDoc: '', wires: [[`node-${name}`]] },
    { id: `node-${name}`, type, z: TAB, name: '', plaid: 'cfg', store: 'store', wires: [['respond']] },
  ];
  return [
    { id: TAB, type: 'tab', label: 'several instances' },
    { id: 'cfg', type: 'plaid-config', name: 'emulator', environment: 'custom', baseUrl: emulator.url, timeout: 5000, retries: 2 },
    { id: 'store', type: 'plaid-item-store', name: 'shared', backend: 'postgres', file: '', connectTimeout: '1000', queryTimeout: '3000' },
    {
      id: 'hook', type: 'plaid-webhook-in', z: TAB, name: '', url: WEBHOOK_PATH, plaid: 'cfg', verify: true, dedupe: true, dedupeStore: '', store: 'store', logRetentionDays: '30',
      wires: Array.from({ length: 10 }, () => ['record']),
    },
    {
      id: 'record', type: 'function', z: TAB, name: 'record', outputs: 0, wires: [],
      func: recordFunc('webhook', "{ sha: msg.plaid.body_sha256, code: msg.topic, item: msg.plaid.item ? msg.plaid.item.item_id : null, instance: env.get('PLAID_INSTANCE'), replayed: msg.plaid.replayed }"),
    },
    ...route('exchange', 'plaid-item-public-token-exchange'),
    ...route('get', 'plaid-item-get'),
    ...route('remove', 'plaid-item-remove'),
    { id: 'catch', type: 'catch', z: TAB, name: '', scope: ['node-exchange', 'node-get', 'node-remove'], uncaught: false, wires: [['failed']] },
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

/**
 * @param {{emulator: object, postgresUrl: string, names?: string[]}} options
 */
async function startCluster({ emulator, postgresUrl, names = ['red-a', 'red-b'] }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-instances-'));
  const storeKey = generateStoreKey();
  const instances = await Promise.all(names.map(async (name) => {
    const recordFile = path.join(dir, `${name}.jsonl`);
    const child = await RedChild.start({ label: name, recordFile, env: { PLAID_INSTANCE: name }, logLevel: 'warn' });
    return { name, child, recordFile, port: Number(new URL(child.url).port) };
  }));
  const nginx = await startNginx({ upstreams: instances.map((i) => `127.0.0.1:${i.port}`) });
  const credentials = { cfg: { clientId: emulator.clientId, secret: emulator.secret }, store: { encryptionKey: storeKey, postgresUrl } };
  const flow = flows({ emulator });

  const cluster = {
    dir,
    nginx,
    instances,
    webhookUrl: `${nginx.url}${WEBHOOK_PATH}`,
    /** Deploys the flow to every instance at the same instant (each store opens, and migrates, at once). */
    async deploy() {
      await Promise.all(instances.map((i) => deployWithCredentials(i.child, flow, credentials)));
      // Until an endpoint node's lookup reaches the database on each instance, the flow is not running there (404)
      // or its store has not opened (schema made): the webhook route alone answers an unsigned body 401 either way.
      await Promise.all(instances.map((i) => until(`${i.name}'s flow running on an open store`, async () => {
        const { body } = await cluster.direct(i, 'get', { item_id: 'item-probe' });
        return /item-probe is not in the Item store/.test(body?.error ?? '');
      }, 30000, 100)));
    },
    /** POSTs `body` to a route of the flow on one instance, bypassing nginx. */
    direct: (instance, route, body) => json(`${instance.child.url}/test/${route}`, { method: 'POST', body }),
    /** Every webhook message emitted on arrival, from the record files (what SIGKILLed instances emitted included). */
    emitted() {
      return cluster.messages().filter((m) => !m.replayed);
    },
    /** Every webhook message emitted again by a replay. */
    replayed() {
      return cluster.messages().filter((m) => m.replayed);
    },
    messages() {
      return instances.flatMap((i) => (fs.existsSync(i.recordFile) ? fs.readFileSync(i.recordFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []))
        .filter((r) => r.kind === 'webhook')
        .map((r) => r.data);
    },
    /** POSTs a replay request for the store's event log to the instance at `baseUrl`. */
    replay: (baseUrl, body) => json(`${baseUrl}/plaid-items/stores/store/deliveries/replay`, { method: 'POST', body }),
    /** POSTs `body` to a route of the flow through nginx. */
    call: (route, body) => json(`${nginx.url}/test/${route}`, { method: 'POST', body }),
    async stop() {
      await nginx.stop();
      await Promise.all(instances.map((i) => i.child.stop().catch(() => undefined)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
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

module.exports = { startCluster, exactlyOnce, WEBHOOK_PATH };
