'use strict';
// The loopback load generator: autocannon in the parent process, keep-alive connections, each request taking the
// next entry of a shared pool (so every side of a comparison gets the same bodies in the same order).
const http = require('node:http');
const autocannon = require('autocannon');
const { benchPids } = require('./child');
const { foreignLoad, processCpu } = require('./cpu');

/**
 * POSTs `pool` entries ({body, headers}) round-robin to `url`, with `connections` connections, for `seconds` (or
 * `amount` requests). Resolves with the 2xx rate and the failure counts; with `serverPid`, also the server process's
 * CPU time per 2xx answer (µs).
 */
async function blast({ url, pool, connections, seconds = undefined, amount = undefined, timeoutSec = 30, serverPid = undefined }) {
  let next = 0;
  const target = new URL(url);
  const load = foreignLoad(benchPids);
  const serverCpu = serverPid ? processCpu(serverPid) : { stop: () => null };
  const ownCpu = process.cpuUsage();
  const startedAt = process.hrtime.bigint();
  // One entry: a static request, which autocannon builds once (cheaper for the load generator).
  const request = pool.length === 1
    ? { method: 'POST', path: target.pathname, body: pool[0].body, headers: pool[0].headers }
    : {
      method: 'POST',
      path: target.pathname,
      setupRequest(req) {
        const entry = pool[next++ % pool.length];
        return { ...req, body: entry.body, headers: entry.headers };
      },
    };
  const result = await autocannon({
    url: target.origin,
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    timeout: timeoutSec,
    requests: [request],
  });
  const cpuUs = serverCpu.stop();
  const own = process.cpuUsage(ownCpu);
  return {
    /** Share of one core the load generator (this process) used: near 1, it may be what limits the rate. */
    loadGenCpu: (own.user + own.system) / (Number(process.hrtime.bigint() - startedAt) / 1000),
    foreign: load.stop(),
    cpuPerOp: cpuUs === null || !result['2xx'] ? null : cpuUs / result['2xx'],
    rate: result['2xx'] / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    sent: pool.length === 1 ? result['2xx'] + result.non2xx : next,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  };
}

/** The `p`-quantile (0..1) of `values`, nearest rank. */
function quantile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

/**
 * POSTs `pool` entries in order to `url` at a steady `perSecond` (open loop: a slow answer does not slow the
 * sending) for `seconds`, over keep-alive connections, timing each from its send to its answer's last byte.
 * Resolves with the outcomes (statuses, or error codes), and the p50, p95 and max of their times, in ms.
 */
function paced({ url, pool, perSecond, seconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const statuses = {};
  const times = [];
  const total = Math.round(perSecond * seconds);
  return new Promise((resolve) => {
    let sent = 0;
    let settled = 0;
    const done = () => {
      if (++settled < total) return;
      agent.destroy();
      resolve({ statuses, sent, p50: quantile(times, 0.5), p95: quantile(times, 0.95), max: Math.max(...times) });
    };
    const startedAt = Date.now();
    const tick = () => {
      const due = Math.min(total, Math.floor(((Date.now() - startedAt) / 1000) * perSecond) + 1);
      for (; sent < due; sent++) {
        const entry = pool[sent % pool.length];
        const began = process.hrtime.bigint();
        let outcome;
        // One outcome a request: an answer, or the error that came first (a server that refuses a body unread and
        // closes the connection while it is still being sent cuts the sender off with EPIPE or ECONNRESET).
        const settle = (status) => {
          if (outcome !== undefined) return;
          outcome = status;
          statuses[status] = (statuses[status] ?? 0) + 1;
          times.push(Number(process.hrtime.bigint() - began) / 1e6);
          done();
        };
        const req = http.request(url, { method: 'POST', agent, headers: { ...entry.headers, 'content-length': entry.body.length } }, (res) => {
          res.resume();
          res.on('end', () => settle(res.statusCode));
        });
        req.on('error', (/** @type {NodeJS.ErrnoException} */ err) => settle(err.code ?? 'error'));
        req.end(entry.body);
      }
      if (sent < total) setTimeout(tick, 5);
    };
    tick();
  });
}

/** Throws when a run lost anything: every request must have been answered 2xx. */
function assertClean(name, run) {
  if (run.non2xx || run.errors || run.timeouts) {
    throw new Error(`${name}: ${run.non2xx} non-2xx answers, ${run.errors} errors, ${run.timeouts} timeouts in ${run.ok + run.non2xx} answers`);
  }
}

module.exports = { blast, paced, assertClean };
