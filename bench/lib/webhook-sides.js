'use strict';
// plaid-webhook-in routes of one Node-RED child measured side by side: a warm-up on each, then in each round a fresh
// pool of distinct signed deliveries per side (so every delivery is a first one, whatever seen-set or store the
// sides share), autocannon on each side in turn (sideBySide), every answer a 200.
const { deliveryPool } = require('./deliveries');
const { assertClean, blast } = require('./load');
const { median, sideBySide } = require('./stats');

const CONNECTIONS = 32;
const POOL_SIZE = 4096;

/**
 * `urls`: the route of each side, by side name (the first is "ours"). Resolves with sideBySide's result, and per side
 * the rounds' p99 latencies (ms), their median, and the 200 answers counted.
 */
async function measureRoutes({ label, nodeRed, urls, key, rounds, seconds, warmupSeconds }) {
  const sides = Object.keys(urls);
  const latency = Object.fromEntries(sides.map((side) => [side, []]));
  const answered = Object.fromEntries(sides.map((side) => [side, 0]));
  for (const side of sides) {
    const warm = await blast({ url: urls[side], pool: deliveryPool(POOL_SIZE, key), connections: CONNECTIONS, seconds: warmupSeconds * 3 });
    assertClean(`${label} warm-up ${side}`, warm);
  }
  let pools;
  const result = await sideBySide({
    sides,
    rounds,
    beforeRound: async () => {
      pools = Object.fromEntries(sides.map((side) => [side, deliveryPool(POOL_SIZE, key)]));
    },
    async measure(side) {
      const measured = await blast({ url: urls[side], pool: pools[side], connections: CONNECTIONS, seconds, serverPid: nodeRed.pid });
      assertClean(`${label} ${side}`, measured);
      latency[side].push(measured.latencyP99);
      answered[side] += measured.ok;
      return measured;
    },
  });
  const p99 = Object.fromEntries(sides.map((side) => [side, median(latency[side])]));
  return { ...result, latency, p99, answered };
}

module.exports = { measureRoutes, CONNECTIONS, POOL_SIZE };
