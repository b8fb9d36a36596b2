'use strict';
// 3. Key cache: how many times the key server is asked for a key while 10,000 deliveries signed under one new kid
// arrive at once. Goal: 1 (one in-flight fetch per kid, shared by every delivery waiting on it).
const http = require('node:http');
const { startChild } = require('./lib/child');
const { deliveryPool, makeKey } = require('./lib/deliveries');
const { startKeyServer } = require('../test/support/webhook-key-server');
const { assertClean, blast } = require('./lib/load');
const { log } = require('./lib/stats');
const { processTicks } = require('./lib/cpu');
const { countingWebhookFlow } = require('./lib/webhook-flow');

/** Resolves when process `pid` used at most one clock tick of CPU in an IDLE_WINDOW_MS window (or at `deadline`). */
async function idle(pid, deadline) {
  for (;;) {
    const before = processTicks(pid);
    await new Promise((resolve) => setTimeout(resolve, IDLE_WINDOW_MS));
    if (processTicks(pid) - before <= 1) return true;
    if (Date.now() > deadline) return false;
  }
}

const DELIVERIES = 10_000;
/** Connections opened per batch, and the pause between batches: 10,000 connects at once overflow the accept queue. */
const CONNECT_BATCH = 500;
const CONNECT_PAUSE_MS = 20;
/**
 * After the last delivery is written, the key server keeps holding its answer until the Node-RED process has gone
 * idle (every delivery read and parked on the key), at most this long (well below the node's 8 s wait for a key).
 */
const MAX_HOLD_AFTER_LAST_MS = 4000;
const IDLE_WINDOW_MS = 100;

/** POSTs every delivery of `pool` on a connection of its own, all at once; resolves with the statuses. */
function fireAll(url, pool, onAllWritten) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const target = new URL(url);
  let written = 0;
  let answeredBeforeAllWritten = 0;
  const statuses = new Map();
  const one = (delivery) => new Promise((resolve) => {
    const req = http.request({
      host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: { ...delivery.headers, 'content-length': delivery.body.length },
    }, (res) => {
      if (written < pool.length) answeredBeforeAllWritten++;
      res.resume();
      res.on('end', () => {
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        resolve();
      });
    });
    req.on('error', (/** @type {NodeJS.ErrnoException} */ err) => {
      statuses.set(err.code ?? 'error', (statuses.get(err.code ?? 'error') ?? 0) + 1);
      resolve();
    });
    req.on('finish', () => {
      written++;
      if (written === pool.length) onAllWritten();
    });
    req.end(delivery.body);
  });
  return (async () => {
    const all = [];
    for (let i = 0; i < pool.length; i += CONNECT_BATCH) {
      for (const delivery of pool.slice(i, i + CONNECT_BATCH)) all.push(one(delivery));
      await new Promise((resolve) => setTimeout(resolve, CONNECT_PAUSE_MS));
    }
    await Promise.all(all);
    agent.destroy();
    return { statuses: Object.fromEntries(statuses), answeredBeforeAllWritten };
  })();
}

async function run({ profileDir, packageRoot }) {
  const oldKey = makeKey('bench-kid-old');
  const newKey = makeKey('bench-kid-new');
  const keyServer = await startKeyServer();
  keyServer.add(oldKey);
  keyServer.add(newKey);
  let nodeRed;
  try {
    log(`key cache: ${DELIVERIES.toLocaleString('en-US')} concurrent deliveries under a new kid`);
    nodeRed = await startChild('nodered-child.js', {
      name: 'nodered-key-cache',
      profileDir,
      init: {
        packageRoot,
        ...countingWebhookFlow({ label: 'key cache benchmark', keyServerUrl: keyServer.baseUrl, dedupe: false }),
      },
    });
    const url = `http://127.0.0.1:${nodeRed.info.port}/plaid/webhook`;
    // Warm the runtime (and cache the old kid) first.
    const warm = await blast({ url, pool: deliveryPool(500, oldKey), connections: 16, amount: 2000 });
    assertClean('key cache warm-up', warm);

    const pool = deliveryPool(DELIVERIES, newKey);
    // Every fetch for the new kid waits until all deliveries are on the wire and Node-RED has read them all, so
    // they all arrive while the (single) fetch is pending.
    const release = keyServer.hold(newKey.kid);
    let wentIdle;
    let heldForMs;
    const startedAt = Date.now();
    const result = await fireAll(url, pool, async () => {
      const allWrittenAt = Date.now();
      wentIdle = await idle(nodeRed.pid, allWrittenAt + MAX_HOLD_AFTER_LAST_MS);
      heldForMs = Date.now() - allWrittenAt;
      release();
    });
    release();
    const elapsedMs = Date.now() - startedAt;
    const fetches = keyServer.fetchesOf(newKey.kid);
    const ok = result.statuses[200] ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const emitted = (await nodeRed.call('counts'))['hook-count'] - warm.ok;
    const lost = ok !== DELIVERIES || emitted !== DELIVERIES;
    return {
      rows: [{
        benchmark: `3. Key cache: key fetches during ${DELIVERIES.toLocaleString('en-US')} concurrent deliveries under one new kid`,
        ours: `${fetches} fetch${fetches === 1 ? '' : 'es'}`,
        baseline: '—',
        ratio: null,
        goal: '1 fetch',
        met: fetches === 1 && !lost,
      }],
      details: [
        `${DELIVERIES.toLocaleString('en-US')} deliveries, each on its own connection, all written before the key server answered the fetch (it held its answer until ${heldForMs} ms after the last one was written, when the Node-RED process ${wentIdle ? 'had gone idle: every delivery read and waiting on the key' : 'had still not gone idle'}; ${result.answeredBeforeAllWritten} were answered before the last was written, which is only possible without the key); answers: ${Object.entries(result.statuses).map(([status, n]) => `${n.toLocaleString('en-US')} × ${status}`).join(', ')}; ${emitted.toLocaleString('en-US')} emitted; ${(elapsedMs / 1000).toFixed(1)} s in all.`,
      ],
    };
  } finally {
    await nodeRed?.stop();
    await keyServer.close();
  }
}

const method = `An embedded Node-RED (as in benchmark 1) with \`plaid-webhook-in\` (verification on, dedupe off), its config node pointing at a loopback key server that counts \`/webhook_verification_key/get\` calls per kid. After a warm-up under an old kid, ${DELIVERIES.toLocaleString('en-US')} distinct deliveries signed with a new kid are sent at once, each on a connection of its own (opened in batches of ${CONNECT_BATCH} every ${CONNECT_PAUSE_MS} ms so the accept queue does not overflow). The key server holds its answer for the new kid until every delivery has been written and the Node-RED process has gone idle (≤ 1 clock tick of CPU in ${IDLE_WINDOW_MS} ms: everything read, every delivery parked on the key; at most ${MAX_HOLD_AFTER_LAST_MS} ms), so all ${DELIVERIES.toLocaleString('en-US')} are waiting on the one fetch at once. Counted: fetches of the new kid. Met only if it is 1 and every delivery was answered 200 and emitted.`;

module.exports = { run, method };
