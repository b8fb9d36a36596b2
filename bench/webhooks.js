'use strict';
// 1. Webhooks: verified deliveries per second through plaid-webhook-in in an embedded Node-RED, against
//   (a) core http in -> switch (on webhook_code) -> http response, in the same runtime, no verification;
//   (b) a bare node:http server doing the same verification (the ceiling);
//   (c) the genuine deliveries' latency while hostile bodies arrive, against the same without them.
const { startChild } = require('./lib/child');
const { deliveryPool, makeKey, SWITCH_CODES } = require('./lib/deliveries');
const { startKeyServer } = require('../test/support/webhook-key-server');
const { assertClean, blast, paced } = require('./lib/load');
const { peakRss, rssOf } = require('./lib/rss');
const { fmtMb, fmtRate, fmtRatio, foreignNote, loadGenNote, log, sideBySide } = require('./lib/stats');

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

/** Row 1c: genuine deliveries at a steady rate, once alone and once beside a stream of hostile bodies. */
const HOSTILE = { genuinePerSecond: 100, perSecond: 5, seconds: 10, bytes: 5 * 1024 * 1024 };

/**
 * Each hostile body is 5 MiB of nested arrays (valid JSON a parser spends seconds and hundreds of MB on) under a
 * junk Plaid-Verification: it must be refused without being parsed (or read), and the genuine deliveries beside it must
 * keep their latency. One run each, back to back; the RSS growth is the Node-RED process's peak during the hostile
 * run above its reading just before.
 */
async function underHostileBodies(url, key, pid) {
  const { genuinePerSecond, perSecond, seconds, bytes } = HOSTILE;
  const genuine = () => paced({ url, pool: deliveryPool(genuinePerSecond * seconds, key), perSecond: genuinePerSecond, seconds });
  const calm = await genuine();
  const rssBefore = rssOf(pid);
  const peak = peakRss(pid);
  const nested = Buffer.concat([Buffer.alloc(bytes / 2, '['), Buffer.alloc(bytes / 2, ']')]);
  const junk = { body: nested, headers: { 'content-type': 'application/json', 'plaid-verification': 'junk.junk.junk' } };
  const [attacked, bodies] = await Promise.all([genuine(), paced({ url, pool: [junk], perSecond, seconds })]);
  const rssPeak = peak.stop();
  const growth = rssBefore === null || rssPeak === null ? null : rssPeak - rssBefore;
  const total = genuinePerSecond * seconds;
  // A hostile body is refused 401 from its headers, unread, and the connection closed: a sender still writing the
  // body may see the close (EPIPE, ECONNRESET) before the answer.
  const refused = (bodies.statuses[401] ?? 0) + (bodies.statuses.EPIPE ?? 0) + (bodies.statuses.ECONNRESET ?? 0);
  const clean = calm.statuses[200] === total && attacked.statuses[200] === total && refused === perSecond * seconds;
  const answers = (run) => Object.entries(run.statuses).map(([status, n]) => `${n} × ${status}`).join(', ');
  return {
    calm,
    attacked,
    clean,
    ratio: attacked.p95 / calm.p95,
    note: `1c: genuine deliveries p50 / p95 / max ${calm.p50.toFixed(1)} / ${calm.p95.toFixed(1)} / ${calm.max.toFixed(1)} ms alone, ${attacked.p50.toFixed(1)} / ${attacked.p95.toFixed(1)} / ${attacked.max.toFixed(1)} ms beside the hostile bodies (answers ${answers(calm)}; ${answers(attacked)}); the hostile bodies ended in ${answers(bodies)} (401 from the headers, the body left unread and the connection closed; EPIPE/ECONNRESET: the sender saw the close before the answer) in p50 ${bodies.p50.toFixed(0)} ms, max ${bodies.max.toFixed(0)} ms; Node-RED's RSS ${rssBefore === null ? 'n/a' : fmtMb(rssBefore)} before, peak ${rssPeak === null ? 'n/a' : fmtMb(rssPeak)} during (growth ${growth === null ? 'n/a' : fmtMb(growth)}).`,
  };
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
    const hostile = await underHostileBodies(urls.ours, key, nodeRed.pid);
    log(`  ${hostile.note}`);

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
        {
          benchmark: `1c. Webhooks: p95 of ${HOSTILE.genuinePerSecond} genuine deliveries/s while ${HOSTILE.perSecond} unsigned 5 MiB nested-array bodies/s arrive, vs without them (ms)`,
          ours: `${hostile.attacked.p95.toFixed(1)} ms`, baseline: `${hostile.calm.p95.toFixed(1)} ms`,
          ratio: hostile.ratio, cpuRatio: null, goal: '≤ 2.00×', met: hostile.ratio <= 2 && hostile.clean,
        },
      ],
      details: [
        hostile.note,
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

const method = `Loopback only. The load generator is autocannon ${require('autocannon/package.json').version} in the parent process, ${CONNECTIONS} keep-alive connections, POSTing from a pool of ${POOL_SIZE} distinct signed deliveries (Plaid-shaped bodies indented with 2 spaces, ITEM codes, LINK SESSION_FINISHED and two "other" pairs, each with a real ES256 Plaid-Verification JWT; a fresh pool, same for every side, each round). Every server runs in a child process of its own. **Ours**: \`plaid-webhook-in\` (verification on, dedupe off) in an embedded Node-RED (node-red's express, admin and node apps at \`/\`, as \`npm start\`), its 10 outputs wired to a counter node; it answers 200 itself. **(a)** in the same runtime: core \`http in\` (POST, body parsed) → \`switch\` on \`msg.payload.webhook_code\` (9 rules + otherwise) → \`http response\` (200; it echoes the parsed payload, as the core node does), no verification. **(b)** a bare \`node:http\` server doing the same checks (media type, alg = ES256, kid, iat window, SHA-256 of the raw body vs \`request_body_sha256\` in constant time, ES256 signature with the cached key, and only then the JSON body) and the same (type, code) routing, nothing else. The verification key comes from a loopback key server, fetched once and cached. Each round measures each side once (warm-up run, then the measured run), order rotating (ABC, BCA, CAB, ...); the figure is the median of the rounds' 2xx rates, the ratio the median of the per-round ratios. Any non-2xx answer, socket error or timeout fails the benchmark. **(c)**, after the rounds, on the same Node-RED: ${HOSTILE.genuinePerSecond} distinct signed deliveries a second for ${HOSTILE.seconds} s (a steady open-loop rate over keep-alive connections, each timed from its send to the last byte of its answer), once alone and once while ${HOSTILE.perSecond} bodies a second of 5 MiB of nested arrays (\`[[[…]]]\`) with a junk Plaid-Verification arrive beside them; one run each. Figure: the p95 of the genuine deliveries' times beside the hostile bodies ÷ alone; met if ≤ 2× and every genuine delivery was answered 200 and every hostile body refused (401, or the connection closed under the sender). The RSS growth (peak during the hostile run minus the reading before) is in the details.`;

module.exports = { run, method };
