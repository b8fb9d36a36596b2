'use strict';
// 6. Several instances on PostgreSQL:
//   (a) verified deliveries per second through plaid-webhook-in with dedupe claimed and each delivery logged (the
//       event log, on by default) in a postgres Item store, against the same node with dedupe in Node-RED's memory
//       context, and the p99 time to acknowledge under it;
//   (b) deliveries (claim and log entry) per second one PostgreSQL sustains, and from (a) and (b) how many
//       instances it takes before the database is the limit.
const { startPostgres } = require('../scripts/lib/postgres-server');
const { startChild } = require('./lib/child');
const { makeKey } = require('./lib/deliveries');
const { startKeyServer } = require('../test/support/webhook-key-server');
const { fmtRate, fmtRatio, foreignNote, loadGenNote, log, median } = require('./lib/stats');
const { CONNECTIONS, measureRoutes, POOL_SIZE } = require('./lib/webhook-sides');
const PG_PATH = '/plaid/webhook-pg';
const MEMORY_PATH = '/plaid/webhook-memory';
const CLAIM_PROCESSES = 2;
const CLAIM_POOL_MAX = 10;
const CLAIM_CONCURRENCY = 32;
// A random key: the store refuses one with too little entropy (all one byte, say).
const STORE_KEY = require('../dist/plaid/store/cipher').generateStoreKey();

function flows(keyServer) {
  const outputs = Array.from({ length: 10 }, () => ['count']);
  return [
    { id: 'tab', type: 'tab', label: 'postgres benchmark' },
    { id: 'cfg', type: 'plaid-config', name: '', environment: 'custom', baseUrl: keyServer.baseUrl, timeout: 5000, retries: 0 },
    { id: 'store', type: 'plaid-item-store', name: '', backend: 'postgres', file: '' },
    { id: 'hook-pg', type: 'plaid-webhook-in', z: 'tab', name: '', url: PG_PATH, plaid: 'cfg', verify: true, dedupe: true, dedupeStore: '', store: 'store', logRetentionDays: '30', wires: outputs },
    { id: 'hook-memory', type: 'plaid-webhook-in', z: 'tab', name: '', url: MEMORY_PATH, plaid: 'cfg', verify: true, dedupe: true, dedupeStore: '', wires: outputs },
    { id: 'count', type: 'bench-count', z: 'tab', name: '', wires: [] },
  ];
}

async function measureClaims({ url, rounds, seconds, packageRoot }) {
  const children = [];
  try {
    for (let i = 0; i < CLAIM_PROCESSES; i++) {
      children.push(await startChild('claims-child.js', { name: `claims-${i}`, init: { url, poolMax: CLAIM_POOL_MAX, packageRoot, key: STORE_KEY } }));
    }
    await Promise.all(children.map((c) => c.call('claim', { seconds: 1, concurrency: CLAIM_CONCURRENCY })));
    const rates = [];
    const cpuPerClaim = [];
    for (let round = 0; round < rounds; round++) {
      const results = await Promise.all(children.map((c) => c.call('claim', { seconds, concurrency: CLAIM_CONCURRENCY })));
      const failed = results.reduce((sum, r) => sum + r.failed, 0);
      if (failed) throw new Error(`recording: ${failed} deliveries failed`);
      const claimed = results.reduce((sum, r) => sum + r.claimed, 0);
      const rate = results.reduce((sum, r) => sum + r.claimed / r.seconds, 0);
      rates.push(rate);
      cpuPerClaim.push(results.reduce((sum, r) => sum + r.cpuUs, 0) / claimed);
      log(`  recording round ${round + 1}/${rounds}: ${fmtRate(rate)}/s`);
    }
    return { rates, rate: median(rates), clientCpuUs: median(cpuPerClaim) };
  } finally {
    for (const child of children) await child.stop();
  }
}

async function run({ rounds, seconds, warmupSeconds, profileDir, packageRoot }) {
  const postgres = await startPostgres();
  const key = makeKey('bench-kid-pg');
  const keyServer = await startKeyServer();
  keyServer.add(key);
  let nodeRed;
  try {
    log('postgres: deliveries recorded per second on one PostgreSQL');
    const claims = await measureClaims({ url: postgres.url, rounds, seconds, packageRoot });

    log('postgres: starting Node-RED (plaid-webhook-in with dedupe and the log on PostgreSQL, and dedupe in memory)');
    nodeRed = await startChild('nodered-child.js', {
      name: 'nodered-postgres',
      profileDir,
      init: {
        packageRoot,
        flows: flows(keyServer),
        credentials: { cfg: { clientId: 'bench-client', secret: 'bench-secret' }, store: { encryptionKey: STORE_KEY, postgresUrl: postgres.url } },
        waitFor: ['hook-pg', 'hook-memory', 'count'],
      },
    });
    const base = `http://127.0.0.1:${nodeRed.info.port}`;
    const result = await measureRoutes({ label: 'postgres', nodeRed, urls: { postgres: base + PG_PATH, memory: base + MEMORY_PATH }, key, rounds, seconds, warmupSeconds });
    const { medianRate, medianRatio, medianCpu, medianCpuRatio, ratios, rates, foreign, latency, p99, answered } = result;
    const instances = claims.rate / medianRate.postgres;
    return {
      rows: [
        {
          benchmark: '6a. Webhooks with dedupe and the event log on PostgreSQL vs dedupe in memory context (verified deliveries/s, one instance)',
          ours: `${fmtRate(medianRate.postgres)}/s`, baseline: `${fmtRate(medianRate.memory)}/s`,
          ratio: medianRatio.memory, cpuRatio: medianCpuRatio.memory, goal: '≥ 0.50×', met: medianRatio.memory >= 0.5,
        },
        {
          benchmark: `6b. Webhooks with dedupe and the event log: p99 time to acknowledge under that load, ${CONNECTIONS} connections (PostgreSQL vs memory)`,
          ours: `${p99.postgres} ms`, baseline: `${p99.memory} ms`, ratio: null, goal: '< 1,000 ms', met: p99.postgres < 1000,
        },
        {
          benchmark: '6c. Deliveries (claim and log entry) one PostgreSQL sustains (per s) and instances at 6a\'s rate before it is the limit',
          ours: `${fmtRate(claims.rate)}/s ≈ ${Math.floor(instances)} instances`, baseline: '—', ratio: null, goal: '— (reported)', met: null,
        },
      ],
      details: [
        `Per round (deliveries/s): PostgreSQL ${rates.postgres.map(fmtRate).join(', ')}; memory ${rates.memory.map(fmtRate).join(', ')}; per-round ratios ${ratios.memory.map(fmtRatio).join(', ')}.`,
        `p99 time to the 200 per round (ms): PostgreSQL ${latency.postgres.join(', ')}; memory ${latency.memory.join(', ')}.`,
        `CPU time of the Node-RED process per delivery (median): PostgreSQL ${medianCpu.postgres.toFixed(0)} µs, memory ${medianCpu.memory.toFixed(0)} µs.`,
        `Every measured request was answered 200 (${answered.postgres.toLocaleString('en-US')} with the PostgreSQL store, ${answered.memory.toLocaleString('en-US')} with memory).`,
        `Deliveries recorded per round (per s, ${CLAIM_PROCESSES} processes together): ${claims.rates.map(fmtRate).join(', ')}; the recording processes spent ${claims.clientCpuUs.toFixed(0)} µs of CPU per delivery. Instances before the database is the limit = deliveries recorded/s ÷ one instance's deliveries/s on PostgreSQL (each delivery makes one claim and one entry) = ${fmtRate(claims.rate)} ÷ ${fmtRate(medianRate.postgres)} ≈ ${instances.toFixed(1)}. On this 2-core machine the server, the clients and the load generator share the cores, so both figures are lower bounds of what separate machines give.`,
        loadGenNote(result.loadGen),
        foreignNote(foreign),
      ],
    };
  } finally {
    await nodeRed?.stop();
    await keyServer.close();
    await postgres.remove();
  }
}

const method = `Loopback only; a throwaway PostgreSQL 15 (Debian's package, default settings, fsync on) started by the benchmark. **(a)** One embedded Node-RED (as in benchmark 1) with two \`plaid-webhook-in\` nodes, verification and **dedupe on**: one with a \`plaid-item-store\` (backend postgres, default pool of 10 connections) and its event log on (30 days, what new nodes get), where each delivery's claim (its body's SHA-256, scoped to its Item) and its log entry (body encrypted with AES-256-GCM) are written in one round trip shared with the deliveries arriving together (one call of a PL/pgSQL function per batch), its confirmation riding with the next batch, and its Item's record looked up as on any node with a store; the other keeping its seen-set in Node-RED's default memory context. autocannon, ${CONNECTIONS} keep-alive connections, a fresh pool of ${POOL_SIZE} distinct signed deliveries per side each round; rounds and medians as in benchmark 1, and the median of the rounds' p99 latencies (request written to 200 read). **(b)** ${CLAIM_PROCESSES} processes (as ${CLAIM_PROCESSES} instances would), each an \`ItemStore\` on a \`PostgresStorage\` with a pool of ${CLAIM_POOL_MAX} and ${CLAIM_CONCURRENCY} deliveries in flight, recording fresh deliveries (claim and log entry, then the confirmation) for ${'`--seconds`'} per round; the figure is the median of the rounds' summed deliveries/s. Any failed recording or non-2xx answer fails the benchmark.`;

module.exports = { run, method };
