#!/usr/bin/env node
'use strict';
// The reliability suite's Node-RED, in a child process: the repository's embedded launcher
// (scripts/lib/embedded-node-red.js, as `npm start` uses it) with no flows, plus:
//  - a recorder flows can reach from a function node: global.get('reliabilityRecorder').record(kind, data); with
//    --record-file, each record is also appended to that file at once (a JSON line), so records outlive a SIGKILL;
//  - GET /_reliability/probe[?gc=1]: handles, sockets, file descriptors, listeners, routes and memory (after GC);
//  - GET /_reliability/records[?since=n]: what the recorder holds;
//  - unhandled rejections counted (and printed), uncaught exceptions printed before exiting with 70;
//  - with RELIABILITY_TRACE=1, Node-RED message hooks record where each webhook's message goes (diagnostics);
//  - RED_CHILD_SETTINGS: JSON merged into Node-RED's settings (e.g. a shorter reconcile lease).
// Run with --expose-gc. Prints "RELIABILITY-READY <url>" once Node-RED has started.
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { startNodeRed } = require('../../../scripts/lib/embedded-node-red');
const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'user-dir': { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'record-file': { type: 'string' },
  },
});

const unhandled = [];
process.on('unhandledRejection', (/** @type {any} */ reason) => {
  unhandled.push(String((reason && reason.stack) || reason));
  console.error(`UNHANDLED-REJECTION ${(reason && reason.stack) || reason}`);
});
process.on('uncaughtException', (err) => {
  console.error(`UNCAUGHT-EXCEPTION ${err.stack || err}`);
  process.exit(70);
});

const recorder = {
  records: [],
  record(kind, data) {
    // Copied into this realm: an object made inside a function node's sandbox keeps that node's whole vm context
    // alive, which would show up as a leak of ~150 kB per redeploy that is the recorder's, not the product's.
    const copy = data === undefined ? null : JSON.parse(JSON.stringify(data));
    const entry = { n: this.records.length, kind, at: Date.now(), data: copy };
    this.records.push(entry);
    if (args['record-file']) fs.appendFileSync(args['record-file'], `${JSON.stringify(entry)}\n`);
  },
};

function countListeners(emitter) {
  const out = {};
  for (const name of emitter.eventNames()) out[String(name)] = emitter.listenerCount(name);
  return out;
}

function stackOf(app) {
  return (app && app._router && app._router.stack) || [];
}

async function main() {
  const nodeRedDir = path.dirname(require.resolve('node-red/package.json'));
  const events = require(require.resolve('@node-red/util', { paths: [nodeRedDir] })).events;
  let RED;
  let app;

  function probe(gc) {
    if (gc && global.gc) for (let i = 0; i < 3; i++) global.gc();
    // Undocumented but stable since Node 0.x; the probe counts what keeps the event loop alive.
    const handles = /** @type {any} */ (process)._getActiveHandles();
    const byType = {};
    let incoming = 0;
    let outgoing = 0;
    for (const h of handles) {
      const type = h.constructor ? h.constructor.name : typeof h;
      byType[type] = (byType[type] || 0) + 1;
      if (type === 'Socket' || type === 'TLSSocket') {
        if (h._handle && h._handle.constructor && h._handle.constructor.name === 'Pipe') continue; // stdio
        if (h.server) incoming++;
        else outgoing++;
      }
    }
    const routes = stackOf(RED.httpNode).filter((l) => l.route && l.route.path === '/plaid/webhook' && l.route.methods.post).length;
    const captures = stackOf(app).filter((l) => l.handle && l.handle.name === 'plaidWebhookRawBody').length;
    let fds = -1;
    try {
      fds = fs.readdirSync('/proc/self/fd').length;
    } catch {
      // not Linux
    }
    return {
      pid: process.pid,
      handles: byType,
      sockets: { incoming, outgoing },
      fds,
      listeners: {
        process: countListeners(process),
        server: countListeners(RED.server),
        runtimeEvents: countListeners(events),
      },
      stacks: { root: stackOf(app).length, httpNode: stackOf(RED.httpNode).length, httpAdmin: stackOf(RED.httpAdmin).length },
      routes,
      captures,
      memory: process.memoryUsage(),
      unhandledRejections: unhandled.length,
      records: recorder.records.length,
    };
  }

  const node = await startNodeRed({
    userDir: path.resolve(args['user-dir']),
    port: Number(args.port),
    settings: {
      debugMaxLength: 1000000,
      functionGlobalContext: { reliabilityRecorder: recorder },
      logging: { console: { level: args['log-level'], metrics: false, audit: false } },
      ...(process.env.RED_CHILD_SETTINGS ? JSON.parse(process.env.RED_CHILD_SETTINGS) : {}),
    },
    beforeStart(started) {
      ({ RED, app } = started);
      app.get('/_reliability/probe', (req, res) => res.json(probe(req.query.gc === '1')));
      app.get('/_reliability/records', (req, res) => res.json({ records: recorder.records.slice(Number(req.query.since) || 0) }));
      if (process.env.RELIABILITY_TRACE === '1') trace(RED);
    },
  });
  console.log(`RELIABILITY-READY ${node.url}`);

  let stopping = false;
  process.once('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    void node.stop().finally(() => process.exit(0));
  });
}

/** Diagnostics only: where a webhook's message goes between the webhook node and the next node. */
function trace(RED) {
  const sha = (msg) => msg && msg.plaid && msg.plaid.body_sha256;
  let instances = 0;
  const instance = (node) => (node.__reliabilityInstance ??= ++instances);
  RED.hooks.add('onSend.reliability', (events) => {
    for (const e of events) if (sha(e.msg)) recorder.record('trace-send', { sha: sha(e.msg), src: e.source.id, dest: e.destination.id });
  });
  RED.hooks.add('preDeliver.reliability', (e) => {
    if (sha(e.msg)) recorder.record('trace-deliver', { sha: sha(e.msg), dest: e.destination.id });
  });
  RED.hooks.add('onReceive.reliability', (e) => {
    if (sha(e.msg)) recorder.record('trace-receive', { sha: sha(e.msg), dest: e.destination.id, instance: instance(e.destination.node), live: RED.nodes.getNode(e.destination.id) === e.destination.node });
  });
  RED.hooks.add('postReceive.reliability', (e) => {
    if (sha(e.msg)) recorder.record('trace-postreceive', { sha: sha(e.msg), dest: e.destination.id });
  });
  RED.hooks.add('onComplete.reliability', (e) => {
    if (sha(e.msg)) recorder.record('trace-complete', { sha: sha(e.msg), node: e.node.id, error: e.error ? String(e.error) : null });
  });
}

main().catch((err) => {
  console.error(`red-child: ${err.stack || err}`);
  process.exit(1);
});
