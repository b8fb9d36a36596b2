'use strict';
// Small helpers shared by the reliability suite.
const http = require('node:http');
const { withBody } = require('../../support/read-body');

const { until: untilDefault } = require('../../support/until');

/** Paces the load a scenario generates (traffic between deploys, an outage's length): never a wait for an outcome. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value; throws after `timeoutMs`. */
const until = (what, check, timeoutMs = 15000, everyMs = 50) => untilDefault(what, check, timeoutMs, everyMs);

/** fetch with a JSON body and a JSON (or empty) answer. */
async function json(url, { method = 'GET', body = undefined, headers = {} } = {}) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

/** A loopback HTTP server answering every request with `status` and recording the bodies. */
async function startSink(status = 200) {
  const received = [];
  const server = http.createServer(withBody((req, res, body) => {
    received.push({ url: req.url, headers: req.headers, body: body.toString('utf8') });
    res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  return {
    url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`,
    received,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Counts values of `key(x)` in `list`. */
function tally(list, key) {
  const counts = {};
  for (const x of list) {
    const k = key(x);
    counts[k] = (counts[k] || 0) + 1;
  }
  return counts;
}

/** Writes a line to the suite's report (stderr, so it shows next to mocha's output). */
function report(title, data) {
  process.stderr.write(`      [reliability] ${title}: ${typeof data === 'string' ? data : JSON.stringify(data)}\n`);
}

module.exports = { sleep, until, json, startSink, tally, report };
