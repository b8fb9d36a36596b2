'use strict';
// 8. The webhook event log on SQLite: verified deliveries per second through plaid-webhook-in on a SQLite Item store
//   with its event log on (each delivery written with its body encrypted before the 200), against the same node
//   with the log off, and the p99 time to the 200 of each.
const { startChild } = require('./lib/child');
const { makeKey } = require('./lib/deliveries');
const { startKeyServer } = require('../test/support/webhook-key-server');
const { fmtRate, fmtRatio, foreignNote, loadGenNote, log } = require('./lib/stats');
const { CONNECTIONS, measureRoutes, POOL_SIZE } = require('./lib/webhook-sides');
const LOG_PATH = '/plaid/webhook-log';
const NO_LOG_PATH = '/plaid/webhook-no-log';
const STORE_KEY = require('../dist/plaid/store/cipher').generateStoreKey();

/** Two nodes on one SQLite store, dedupe on (as new nodes have it), the log on (30 days, as new nodes have it) and off (0). */
function flows(keyServer) {
  const outputs = Array.from({ length: 10 }, () => ['count']);
  const hook = (id, url, logRetentionDays) => ({
    id, type: 'plaid-webhook-in', z: 'tab', name: '', url, plaid: 'cfg', verify: true, dedupe: true, dedupeStore: '', store: 'store', logRetentionDays, wires: outputs,
  });
  return [
    { id: 'tab', type: 'tab', label: 'event log benchmark' },
    { id: 'cfg', type: 'plaid-config', name: '', environment: 'custom', baseUrl: keyServer.baseUrl, timeout: 5000, retries: 0 },
    { id: 'store', type: 'plaid-item-store', name: '', backend: 'sqlite', file: 'bench-items.db' },
    hook('hook-log', LOG_PATH, '30'),
    hook('hook-no-log', NO_LOG_PATH, '0'),
    { id: 'count', type: 'bench-count', z: 'tab', name: '', wires: [] },
  ];
}

async function run({ rounds, seconds, warmupSeconds, profileDir, packageRoot }) {
  const key = makeKey('bench-kid-log');
  const keyServer = await startKeyServer();
  keyServer.add(key);
  let nodeRed;
  try {
    log('event log: starting Node-RED (plaid-webhook-in on a SQLite store, the log on and off)');
    nodeRed = await startChild('nodered-child.js', {
      name: 'nodered-event-log',
      profileDir,
      init: {
        packageRoot,
        flows: flows(keyServer),
        credentials: { cfg: { clientId: 'bench-client', secret: 'bench-secret' }, store: { encryptionKey: STORE_KEY } },
        waitFor: ['hook-log', 'hook-no-log', 'count'],
      },
    });
    const base = `http://127.0.0.1:${nodeRed.info.port}`;
    const result = await measureRoutes({ label: 'event log', nodeRed, urls: { log: base + LOG_PATH, 'no log': base + NO_LOG_PATH }, key, rounds, seconds, warmupSeconds });
    const { medianRate, medianRatio, medianCpu, medianCpuRatio, ratios, rates, foreign, latency, p99, answered } = result;
    return {
      rows: [
        {
          benchmark: '8a. Webhooks on a SQLite store: the event log on vs off (verified deliveries/s, dedupe on)',
          ours: `${fmtRate(medianRate.log)}/s`, baseline: `${fmtRate(medianRate['no log'])}/s`,
          ratio: medianRatio['no log'], cpuRatio: medianCpuRatio['no log'], goal: '≥ 0.80×', met: medianRatio['no log'] >= 0.8,
        },
        {
          benchmark: `8b. Webhooks on a SQLite store: p99 time to the 200 under that load, ${CONNECTIONS} connections (log on vs off)`,
          ours: `${p99.log} ms`, baseline: `${p99['no log']} ms`, ratio: null, goal: '< 1,000 ms', met: p99.log < 1000,
        },
      ],
      details: [
        `Per round (deliveries/s): log on ${rates.log.map(fmtRate).join(', ')}; log off ${rates['no log'].map(fmtRate).join(', ')}; per-round ratios ${ratios['no log'].map(fmtRatio).join(', ')}.`,
        `p99 time to the 200 per round (ms): log on ${latency.log.join(', ')}; log off ${latency['no log'].join(', ')}.`,
        `CPU time of the Node-RED process per delivery (median): log on ${medianCpu.log.toFixed(0)} µs, log off ${medianCpu['no log'].toFixed(0)} µs.`,
        `Every measured request was answered 200 (${answered.log.toLocaleString('en-US')} with the log on, ${answered['no log'].toLocaleString('en-US')} with it off).`,
        loadGenNote(result.loadGen),
        foreignNote(foreign),
      ],
    };
  } finally {
    await nodeRed?.stop();
    await keyServer.close();
  }
}

const method = `Loopback only. One embedded Node-RED (as in benchmark 1) with two \`plaid-webhook-in\` nodes on one \`plaid-item-store\` (backend sqlite: one file, WAL, \`synchronous=FULL\`), verification and dedupe on (as new nodes have them): one with the event log on (\`logRetentionDays\` 30, what new nodes get: each delivery's claim and its entry, body encrypted with AES-256-GCM, written in one transaction with the others arriving together, before the 200), the other with it off (0: the claim alone). Both update the Item store's records as any node on a store does (these Items are unknown to it). autocannon, ${CONNECTIONS} keep-alive connections, fresh pools of ${POOL_SIZE} distinct signed deliveries each round; rounds, rotation and medians as in benchmark 1, and the median of the rounds' p99 latencies. Any non-2xx answer fails the benchmark.`;

module.exports = { run, method };
