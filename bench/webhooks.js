'use strict';
// 1. Webhooks: verified deliveries per second through plaid-webhook-in in an embedded Node-RED, against
//   (a) core http in -> switch (on webhook_code) -> http response, in the same runtime, no verification;
//   (b) a bare node:http server doing the same verification (the ceiling).
const { startChild } = require('./lib/child');
const { deliveryPool, makeKey, SWITCH_CODES } = require('./lib/deliveries');
const { startKeyServer } = require('../test/support/webhook-key-server');
const { assertClean, blast } = require('./lib/load');
const { fmtRate, fmtRatio, foreignNote, loadGenNote, log, sideBySide } = require('./lib/stats');

const CONNECTIONS = 32;
const POOL_SIZE = 4096;
const OURS_PATH = '/plaid/webhook';
const CORE_PATH = '/core/webhook';

/** Both Node-RED flows on one tab of one runtime: ours on /plaid/webhook, core's on /core/webhook. */
function flows(keyServer) {
  return [
    { id: 'tab', type: 'tab', label: 'webhook benchmark' },
    { id: 'cfg', type: 'plaid-config', name: '', environment: 'custom', baseUrl: keyServer.baseUrl, timeout: 5000, retries: 0 },
    // Ours: the node verifies, answers 200 itself, and sends each webhook to its output; every output is wired to a
    // counter, so the run also proves that every answered delivery was emitted.
    {
      id: 'hook', type: 'plaid-webhook-in', z: 'tab', name: '', url: OURS_PATH, plaid: 'cfg', verify: true, dedupe: false, dedupeStore: '',
      wires: Array.from({ length: 10 }, () => ['hook-count']),
    },
    { id: 'hook-count', type: 'bench-count', z: 'tab', name: '', wires: [] },
    // (a): what an operator would wire instead: no verification, routing on webhook_code, answered after routing.
    { id: 'core-in', type: 'http in', z: 'tab', name: '', url: CORE_PATH, method: 'post', upload: false, swaggerDoc: '', wires: [['core-switch']] },
    {
      id: 'core-switch', type: 'switch', z: 'tab', name: '', property: 'payload.webhook_code', propertyType: 'msg',
      rules: [...SWITCH_CODES.map((code) => ({ t: 'eq', v: code, vt: 'str' })), { t: 'else' }],
      checkall: 'false', repair: false, outputs: SWITCH_CODES.length + 1,
      wires: Array.from({ length: SWITCH_CODES.length + 1 }, () => ['core-response']),
    },
    { id: 'core-response', type: 'http response', z: 'tab', name: '', statusCode: '200', headers: {}, wires: [] },
  ];
}

async function run({ rounds, seconds, warmupSeconds, profileDir, packageRoot }) {
  const key = makeKey('bench-kid-1');
  const keyServer = await startKeyServer();
  keyServer.add(key);
  let nodeRed;
  let bare;
  try {
    log('webhooks: starting Node-RED (plaid-webhook-in and the core flow) and the bare node:http server');
    nodeRed = await startChild('nodered-child.js', {
      name: 'nodered-webhooks',
      profileDir,
      init: { packageRoot, flows: flows(keyServer), credentials: { cfg: { clientId: 'bench-client', secret: 'bench-secret' } }, waitFor: ['hook', 'core-in', 'hook-count'] },
    });
    bare = await startChild('bare-webhook-child.js', { name: 'bare-webhook', profileDir, init: { keyServerUrl: keyServer.baseUrl } });
    const nodeRedUrl = `http://127.0.0.1:${nodeRed.info.port}`;
    const urls = {
      ours: nodeRedUrl + OURS_PATH,
      core: nodeRedUrl + CORE_PATH,
      bare: `http://127.0.0.1:${bare.info.port}${OURS_PATH}`,
    };
    // Answered 200 as counted by the load generator, and requests written (autocannon stops a run with a request
    // or so per connection in flight, which the server may still answer and process).
    const answered = { ours: 0, core: 0, bare: 0 };
    const pids = { ours: nodeRed.pid, core: nodeRed.pid, bare: bare.pid };
    const sent = { ours: 0, core: 0, bare: 0 };
    const warmPool = deliveryPool(POOL_SIZE, key);
    for (const side of Object.keys(urls)) {
      const warm = await blast({ url: urls[side], pool: warmPool, connections: CONNECTIONS, seconds: warmupSeconds * 3 });
      assertClean(`webhooks warm-up ${side}`, warm);
      answered[side] += warm.ok;
      sent[side] += warm.sent;
    }
    let pool;
    const result = await sideBySide({
      sides: ['ours', 'core', 'bare'],
      rounds,
      // A fresh pool each round (iat must stay within 5 minutes); every side gets the same pool in the round.
      beforeRound: async () => {
        pool = deliveryPool(POOL_SIZE, key);
      },
      async measure(side) {
        const warm = await blast({ url: urls[side], pool, connections: CONNECTIONS, seconds: warmupSeconds });
        assertClean(`webhooks ${side}`, warm);
        const measured = await blast({ url: urls[side], pool, connections: CONNECTIONS, seconds, serverPid: pids[side] });
        assertClean(`webhooks ${side}`, measured);
        answered[side] += warm.ok + measured.ok;
        sent[side] += warm.sent + measured.sent;
        return measured;
      },
    });
    // Nothing lost: every delivery answered 200 by plaid-webhook-in was emitted (Node-RED delivers asynchronously).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const emitted = (await nodeRed.call('counts'))['hook-count'];
    const bareRouted = (await bare.call('counts')).routed;
    if (emitted < answered.ours || emitted > sent.ours) {
      throw new Error(`webhooks: plaid-webhook-in answered ${answered.ours} deliveries 200 (of ${sent.ours} sent) but emitted ${emitted}`);
    }
    if (bareRouted < answered.bare || bareRouted > sent.bare) throw new Error(`webhooks: bare server answered ${answered.bare} (of ${sent.bare} sent) but routed ${bareRouted}`);
    const keyFetches = keyServer.fetchesOf(key.kid);

    const { medianRate, medianRatio, medianCpu, medianCpuRatio, ratios, rates, foreign } = result;
    return {
      rows: [
        {
          benchmark: '1a. Webhooks: plaid-webhook-in vs core http in + switch + http response (deliveries/s)',
          ours: `${fmtRate(medianRate.ours)}/s`, baseline: `${fmtRate(medianRate.core)}/s`,
          ratio: medianRatio.core, cpuRatio: medianCpuRatio.core, goal: '≥ 0.90×', met: medianRatio.core >= 0.9,
        },
        {
          benchmark: '1b. Webhooks: plaid-webhook-in vs bare node:http with the same verification (deliveries/s)',
          ours: `${fmtRate(medianRate.ours)}/s`, baseline: `${fmtRate(medianRate.bare)}/s`,
          ratio: medianRatio.bare, cpuRatio: medianCpuRatio.bare, goal: '≥ 0.50×', met: medianRatio.bare >= 0.5,
        },
      ],
      details: [
        `Per round (deliveries/s): ours ${rates.ours.map(fmtRate).join(', ')}; core flow ${rates.core.map(fmtRate).join(', ')}; bare ${rates.bare.map(fmtRate).join(', ')}.`,
        `Per-round ratios: vs core ${ratios.core.map(fmtRatio).join(', ')}; vs bare ${ratios.bare.map(fmtRatio).join(', ')}.`,
        `CPU time of the server process per delivery (median): ours ${medianCpu.ours.toFixed(0)} µs, core flow ${medianCpu.core.toFixed(0)} µs, bare ${medianCpu.bare.toFixed(0)} µs.`,
        `Every request of every run (warm-ups included) was answered 200 (${answered.ours.toLocaleString('en-US')} by plaid-webhook-in, ${answered.core.toLocaleString('en-US')} by the core flow, ${answered.bare.toLocaleString('en-US')} by the bare server); plaid-webhook-in emitted ${emitted.toLocaleString('en-US')} messages, one per delivery (the few beyond the answers counted are requests in flight when a run stopped, answered after the load generator stopped counting); the key server was asked for the key ${keyFetches} times in all (Node-RED and the bare server each fetch it once, then cache it).`,
        loadGenNote(result.loadGen),
        foreignNote(foreign),
      ],
    };
  } finally {
    await nodeRed?.stop();
    await bare?.stop();
    await keyServer.close();
  }
}

const method = `Loopback only. The load generator is autocannon ${require('autocannon/package.json').version} in the parent process, ${CONNECTIONS} keep-alive connections, POSTing from a pool of ${POOL_SIZE} distinct signed deliveries (Plaid-shaped bodies indented with 2 spaces, ITEM codes, LINK SESSION_FINISHED and two "other" pairs, each with a real ES256 Plaid-Verification JWT; a fresh pool, same for every side, each round). Every server runs in a child process of its own. **Ours**: \`plaid-webhook-in\` (verification on, dedupe off) in an embedded Node-RED (node-red's express, admin and node apps at \`/\`, as \`npm start\`), its 10 outputs wired to a counter node; it answers 200 itself. **(a)** in the same runtime: core \`http in\` (POST, body parsed) → \`switch\` on \`msg.payload.webhook_code\` (9 rules + otherwise) → \`http response\` (200; it echoes the parsed payload, as the core node does), no verification. **(b)** a bare \`node:http\` server doing the same checks (media type, JSON, alg = ES256, kid, iat window, SHA-256 of the raw body vs \`request_body_sha256\` in constant time, ES256 signature with the cached key) and the same (type, code) routing, nothing else. The verification key comes from a loopback key server, fetched once and cached. Each round measures each side once (warm-up run, then the measured run), order rotating (ABC, BCA, CAB, ...); the figure is the median of the rounds' 2xx rates, the ratio the median of the per-round ratios. Any non-2xx answer, socket error or timeout fails the benchmark.`;

module.exports = { run, method };
