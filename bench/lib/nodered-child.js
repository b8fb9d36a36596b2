'use strict';
// An embedded Node-RED in a process of its own, started by the project's shared launcher
// (scripts/lib/embedded-node-red.js: node-red's express on 127.0.0.1, editor/admin and node routes both at '/', this
// package linked into the userDir's node_modules), with the benchmark's flow and credentials in the userDir's files
// and the benchmark helper nodes (bench-driver, bench-sink, bench-count) from nodesDir.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startNodeRed, writeFlows } = require('../../scripts/lib/embedded-node-red');
const { serveChild, settledMemory } = require('./child');
const { countWindow } = require('./window');

const ROOT = path.join(__dirname, '..', '..');
const pkg = require(path.join(ROOT, 'package.json'));
const bench = (globalThis.__plaidBench ??= { drivers: new Map(), onSink: new Map(), counts: new Map() });

let RED;
let runtime;
let userDir;

async function waitForNodes(ids, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = ids.filter((id) => !RED.nodes.getNode(id));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`nodes not started: ${missing.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Node-RED takes a node without x/y for a config node: place every node that sits on a tab. */
function placed(flows) {
  return flows.map((node, i) => (node.z && node.x === undefined ? { x: 100 + 200 * (i % 5), y: 60 + 60 * Math.floor(i / 5), ...node } : node));
}

/** `packageRoot`: load the package from there instead of this repository (a patched copy, to measure a change). */
async function init({ flows, credentials, waitFor = [], settings = {}, packageRoot }) {
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaid-bench-nr-'));
  runtime = await startNodeRed({
    userDir,
    settings: { nodesDir: [path.join(__dirname, 'nodes')], ...settings },
    beforeStart() {
      if (packageRoot) {
        const link = path.join(userDir, 'node_modules', ...pkg.name.split('/'));
        fs.rmSync(link, { recursive: true, force: true });
        fs.symlinkSync(packageRoot, link, 'dir');
      }
      writeFlows(userDir, placed(flows), credentials);
    },
  });
  RED = runtime.RED;
  await waitForNodes(waitFor);
  return { port: /** @type {import('node:net').AddressInfo} */ (runtime.server.address()).port, nodeRed: RED.version(), pid: process.pid };
}

/**
 * Keeps `concurrency` messages in flight from the bench-driver `driver` (each a fresh msg with `payload`) through
 * whatever the flow wires after it, back to a bench-sink naming the driver. Counts the messages that completed in
 * the `durationMs` after a `warmupMs` warm-up, then lets the ones in flight finish.
 */
function drive({ driver: driverId, concurrency, warmupMs, durationMs, payload }) {
  const driver = bench.drivers.get(driverId);
  if (!driver) throw new Error(`no bench-driver ${driverId}`);
  return new Promise((resolve, reject) => {
    let completed = 0;
    let failed = 0;
    let inFlight = 0;
    let stopping = false;
    let counted;
    const fire = () => {
      inFlight++;
      driver.send({ payload: { ...payload } });
    };
    bench.onSink.set(driverId, (_msg, role) => {
      inFlight--;
      if (role === 'ok') completed++;
      else failed++;
      if (!stopping) fire();
      else if (inFlight === 0) finish();
    });
    let finished = false;
    let drainTimer;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(drainTimer);
      bench.onSink.delete(driverId);
      resolve({ ...counted, inFlightLeft: inFlight, totalCompleted: completed, totalFailed: failed });
    };
    countWindow({
      warmupMs,
      durationMs,
      tally: () => ({ completed, failed }),
      done(window) {
        counted = window;
        stopping = true;
        if (inFlight === 0) finish();
        drainTimer = setTimeout(finish, 15_000);
      },
    });
    try {
      for (let i = 0; i < concurrency; i++) fire();
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * Sends one message from the bench-driver `driver` and resolves once a bench-sink naming the driver gets what it
 * became: its role, how long it took, and its payload.
 */
function once({ driver: driverId, payload = {}, timeoutMs = 600_000 }) {
  const driver = bench.drivers.get(driverId);
  if (!driver) throw new Error(`no bench-driver ${driverId}`);
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const timer = setTimeout(() => {
      bench.onSink.delete(driverId);
      reject(new Error(`no answer to ${driverId}'s message within ${timeoutMs} ms`));
    }, timeoutMs);
    bench.onSink.set(driverId, (msg, role) => {
      clearTimeout(timer);
      bench.onSink.delete(driverId);
      resolve({ role, ms: Date.now() - startedAt, payload: msg.payload, error: msg.error?.message });
    });
    driver.send({ payload });
  });
}

serveChild({
  init,
  commands: {
    drive,
    once,
    counts: () => Object.fromEntries(bench.counts),
    memory: () => settledMemory(),
  },
  async stop() {
    if (runtime) await runtime.stop().catch(() => {});
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  },
});
