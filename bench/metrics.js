'use strict';
// 9. Metrics: verified deliveries per second through plaid-webhook-in with the Prometheus exporter on (every delivery
// counted, GET /plaid-items/metrics scraped every second) against the same node in a runtime with
// `plaidMetrics: false` (no subscriber, so the core's events cost nothing). Goal: ≥ 0.95×.
const path = require('node:path');
const { startChild } = require('./lib/child');
const { deliveryPool, makeKey } = require('./lib/deliveries');
const { startKeyServer } = require('../test/support/webhook-key-server');
const { assertClean, blast } = require('./lib/load');
const { fmtRate, fmtRatio, foreignNote, loadGenNote, log, sideBySide } = require('./lib/stats');
const { countingWebhookFlow } = require('./lib/webhook-flow');

const CONNECTIONS = 32;
const POOL_SIZE = 4096;
const SCRAPE_EVERY_MS = 1000;
const METRICS_PATH = '/plaid-items/metrics';
/**
 * The goal is within 5 %, closer than this machine's speed holds still over a few seconds: the sides are compared in
 * this many times the usual rounds, each this share of the usual length (and of its warm-up), so the two halves of a
 * round run seconds apart and the median of many ratios is taken.
 */
const ROUNDS_FACTOR = 3;
const LENGTH_FACTOR = 0.5;
/** Deliveries counted in-process to measure the exporter's own cost per delivery. */
const COUNTED_DELIVERIES = 200_000;

/**
 * What the exporter's own work costs, in this process on its own (CPU time, so other processes on the machine do not
 * enter it): counting one delivery (its event published with the exporter subscribed, against no subscriber), and
 * one scrape's text.
 */
function exporterCost(packageRoot = path.join(__dirname, '..')) {
  const dist = (file) => require(path.join(packageRoot, 'dist', file));
  const { channels } = dist('plaid/channels.js');
  const { createMetrics } = dist('plugins/metrics/definitions.js');
  const { countEvents } = dist('plugins/metrics/counting.js');
  const delivery = { node: 'bench-hook', webhookType: 'ITEM', webhookCode: 'ERROR', verified: true, outcome: 'emitted' };
  const cpuNsPer = (count, work) => {
    const start = process.cpuUsage();
    for (let i = 0; i < count; i++) work();
    const used = process.cpuUsage(start);
    return ((used.user + used.system) * 1000) / count;
  };
  const publish = () => channels.webhookDelivered.publish(delivery);
  cpuNsPer(COUNTED_DELIVERIES, publish);
  const unsubscribed = cpuNsPer(COUNTED_DELIVERIES, publish);
  const metrics = createMetrics();
  const stop = countEvents(metrics, (err) => {
    throw err;
  });
  try {
    cpuNsPer(COUNTED_DELIVERIES, publish);
    const counted = cpuNsPer(COUNTED_DELIVERIES, publish);
    // prom-client builds the text synchronously; its promise only wraps it.
    const scrape = cpuNsPer(200, () => metrics.registry.metrics());
    return { unsubscribed, counted, scrape };
  } finally {
    stop();
  }
}

/** The exporter's count of deliveries emitted, from one scrape of its text. */
function emittedIn(text) {
  return text.split('\n')
    .filter((line) => line.startsWith('node_red_plaid_webhook_deliveries_total{') && line.includes('outcome="emitted"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function run({ rounds: usualRounds, seconds: usualSeconds, warmupSeconds: usualWarmup, profileDir, packageRoot }) {
  const [rounds, seconds, warmupSeconds] = [usualRounds * ROUNDS_FACTOR, usualSeconds * LENGTH_FACTOR, usualWarmup * LENGTH_FACTOR];
  const key = makeKey('bench-kid-metrics');
  const keyServer = await startKeyServer();
  keyServer.add(key);
  const children = {};
  let scraper;
  try {
    log('metrics: starting two Node-RED runtimes, the exporter on in one and off in the other');
    const flow = countingWebhookFlow({ label: 'metrics benchmark', keyServerUrl: keyServer.baseUrl, dedupe: false });
    for (const [side, settings] of [['on', {}], ['off', { plaidMetrics: false }]]) {
      children[side] = await startChild('nodered-child.js', { name: `nodered-metrics-${side}`, profileDir, init: { packageRoot, ...flow, settings } });
    }
    const base = (side) => `http://127.0.0.1:${children[side].info.port}`;
    const offRoute = await fetch(base('off') + METRICS_PATH);
    if (offRoute.status !== 404) throw new Error(`metrics: the runtime with plaidMetrics: false answered ${offRoute.status} on ${METRICS_PATH}`);
    await offRoute.arrayBuffer();

    // Prometheus' part, on the side that has the exporter: one scrape a second, all through the run.
    const scrapes = { count: 0, failed: 0, bytes: 0 };
    const scrape = async () => {
      const res = await fetch(base('on') + METRICS_PATH);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`metrics: a scrape answered ${res.status}`);
      scrapes.count++;
      scrapes.bytes = text.length;
      return text;
    };
    scraper = setInterval(() => void scrape().catch(() => scrapes.failed++), SCRAPE_EVERY_MS);

    const urls = { on: `${base('on')}/plaid/webhook`, off: `${base('off')}/plaid/webhook` };
    const pids = { on: children.on.pid, off: children.off.pid };
    const answered = { on: 0, off: 0 };
    const warmPool = deliveryPool(POOL_SIZE, key);
    for (const side of Object.keys(urls)) {
      const warm = await blast({ url: urls[side], pool: warmPool, connections: CONNECTIONS, seconds: usualWarmup * 3 });
      assertClean(`metrics warm-up ${side}`, warm);
      answered[side] += warm.ok;
    }
    let pool;
    const result = await sideBySide({
      sides: ['on', 'off'],
      rounds,
      beforeRound: async () => {
        pool = deliveryPool(POOL_SIZE, key);
      },
      async measure(side) {
        const warm = await blast({ url: urls[side], pool, connections: CONNECTIONS, seconds: warmupSeconds });
        assertClean(`metrics ${side}`, warm);
        const measured = await blast({ url: urls[side], pool, connections: CONNECTIONS, seconds, serverPid: pids[side] });
        assertClean(`metrics ${side}`, measured);
        answered[side] += warm.ok + measured.ok;
        return measured;
      },
    });
    clearInterval(scraper);
    scraper = undefined;
    // The exporter counted every delivery the node emitted: its last scrape equals the counter node's count.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const emitted = (await children.on.call('counts'))['hook-count'];
    const counted = emittedIn(await scrape());
    if (counted !== emitted || emitted < answered.on) throw new Error(`metrics: the exporter counted ${counted} deliveries emitted, the flow received ${emitted} (${answered.on} answered 200)`);
    if (scrapes.failed) throw new Error(`metrics: ${scrapes.failed} scrapes failed`);

    const { medianRate, medianRatio, medianCpu, medianCpuRatio, ratios, rates, foreign } = result;
    const cost = exporterCost(packageRoot);
    // The exporter's share of the CPU a delivery takes with metrics off, counting plus a scrape a second at that rate.
    const ownShare = ((cost.counted - cost.unsubscribed) / 1000 + (cost.scrape / 1000) / medianRate.on) / medianCpu.off;
    return {
      rows: [
        {
          benchmark: '9. Metrics: plaid-webhook-in with the Prometheus exporter on (scraped every second) vs off (deliveries/s)',
          ours: `${fmtRate(medianRate.on)}/s`, baseline: `${fmtRate(medianRate.off)}/s`,
          ratio: medianRatio.off, cpuRatio: medianCpuRatio.off, goal: '≥ 0.95×', met: medianRatio.off >= 0.95,
        },
      ],
      details: [
        `${rounds} rounds × ${seconds} s measured (+ ${warmupSeconds} s warm-up per measurement). Per round (deliveries/s): exporter on ${rates.on.map(fmtRate).join(', ')}; off ${rates.off.map(fmtRate).join(', ')}.`,
        `Per-round ratios: ${ratios.off.map(fmtRatio).join(', ')}.`,
        `CPU time of the Node-RED process per delivery (median): on ${medianCpu.on.toFixed(0)} µs, off ${medianCpu.off.toFixed(0)} µs.`,
        `The exporter's own work, measured in this process alone (CPU time, ${COUNTED_DELIVERIES.toLocaleString('en-US')} deliveries each way): counting a delivery ${cost.counted.toFixed(0)} ns with the exporter subscribed against ${cost.unsubscribed.toFixed(0)} ns with no subscriber, a scrape's text ${(cost.scrape / 1e6).toFixed(2)} ms; with a scrape a second at the rate above, ${(ownShare * 100).toFixed(2)} % of the CPU a delivery takes with metrics off.`,
        `The exporter was scraped ${scrapes.count} times (the last answer ${scrapes.bytes.toLocaleString('en-US')} bytes), none failed; its count of deliveries emitted (${counted.toLocaleString('en-US')}) equals the deliveries the flow received; the runtime with \`plaidMetrics: false\` has no ${METRICS_PATH} route (404).`,
        loadGenNote(result.loadGen),
        foreignNote(foreign),
      ],
    };
  } finally {
    if (scraper) clearInterval(scraper);
    for (const child of Object.values(children)) await child.stop();
    await keyServer.close();
  }
}

const method = `Loopback only, as benchmark 1: autocannon ${require('autocannon/package.json').version} in the parent process, ${CONNECTIONS} keep-alive connections, POSTing from a pool of ${POOL_SIZE} distinct signed deliveries (a fresh pool each round, the same for both sides). Two embedded Node-RED runtimes, each in a child process of its own, run the same flow: \`plaid-webhook-in\` (verification on, dedupe off) with its 10 outputs wired to a counter node. **On**: the package as shipped, the exporter counting every delivery, and \`GET ${METRICS_PATH}\` scraped once a second by the parent through the whole run, as Prometheus would. **Off**: \`plaidMetrics: false\` in Node-RED's settings: no route and no subscriber to the core's events. Each round measures each side once (warm-up run, then the measured run), the order alternating; the figure is the median of the rounds' 2xx rates, the ratio the median of the per-round ratios. The goal is within 5 %, closer than this machine's speed holds still over seconds, so this benchmark runs ${ROUNDS_FACTOR}× the rounds of the others, each measurement and warm-up ${LENGTH_FACTOR}× as long: the two sides of a round run seconds apart. Any non-2xx answer fails the benchmark, and so does an exporter count of emitted deliveries that differs from the counter node's.`;

module.exports = { run, method };
