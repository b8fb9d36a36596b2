'use strict';
// A real Node-RED runtime (node-red-node-test-helper) with plaid-config + plaid-webhook-in loaded, and real HTTP.
// The helper only exposes RED.httpAdmin, so the webhook module is wrapped to catch RED.httpNode and mount it the way
// Node-RED's own server does: one root app, the admin app (whose JSON parser reads every request) first, the node
// app after it. Requests go through that root app with supertest, so raw-body capture is tested where it matters.
const http = require('node:http');
const express = require('express');
const { helper, withLocales } = require('./test-helper');
const request = require('supertest');
const configModule = require('../../dist/nodes/plaid-config.js');
const webhookModule = require('../../dist/nodes/plaid-webhook-in.js');


const OUTPUTS = 10;

class WebhookRig {
  constructor() {
    this.mountPath = '/';
    this.emitted = [];
    this.root = undefined;
    this.httpNode = undefined;
    this.server = undefined;
    /** Credentials of further config nodes (an Item store's key), by node id. */
    this.extraCredentials = {};
  }

  /** The wrapped module for helper.load: remembers RED.httpNode and mounts it under a Node-RED-like root app. */
  get module() {
    return (RED) => {
      this.httpNode = RED.httpNode;
      this.root = express();
      const admin = express();
      admin.use(express.json({ limit: '5mb' }));
      this.root.use('/', admin);
      this.root.use(this.mountPath, RED.httpNode);
      return withLocales(webhookModule)(RED);
    };
  }

  /** A flow: the config node pointing at `keyServer`, webhook-in node(s), and one helper node per output. */
  flow(keyServer, webhook = {}, extraNodes = []) {
    const outputs = Array.from({ length: OUTPUTS }, (_, i) => ({ id: `out${i}`, type: 'helper' }));
    return [
      { id: 'cfg', type: 'plaid-config', environment: 'custom', baseUrl: keyServer ? keyServer.baseUrl : 'http://127.0.0.1:9', timeout: 2000, retries: 0 },
      {
        id: 'hook', type: 'plaid-webhook-in', name: '', url: '/plaid/webhook', plaid: 'cfg', verify: true, dedupe: false, dedupeStore: '',
        wires: outputs.map((o) => [o.id]),
        ...webhook,
      },
      ...outputs,
      ...extraNodes,
    ];
  }

  get credentials() {
    return { cfg: { clientId: 'test-client-id', secret: 'test-secret-0123456789' }, ...this.extraCredentials };
  }

  async load(flow, extraModules = []) {
    this.emitted = [];
    await helper.load([configModule, this.module, ...extraModules], flow, this.credentials);
    this.attach();
    // One listening server per load (supertest would start one per request).
    this.server = http.createServer(this.root);
    // The server's side of every connection, to read how many bytes it took from each.
    this.serverSockets = [];
    this.server.on('connection', (socket) => this.serverSockets.push(socket));
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(undefined)));
  }

  /** Redeploys (a full deploy, as the editor's Deploy button does) and listens to the new helper nodes. */
  async redeploy(flow) {
    await helper.setFlows(flow, 'full', this.credentials);
    this.attach();
  }

  attach() {
    for (let i = 0; i < OUTPUTS; i++) {
      const out = helper.getNode(`out${i}`);
      if (out) out.on('input', (msg) => this.emitted.push({ output: i, msg }));
    }
  }

  fullPath(path) {
    return this.mountPath.replace(/\/$/, '') + path;
  }

  /** POSTs a delivery ({raw, headers}) to `path` (below the mount path). */
  post(delivery, path = '/plaid/webhook') {
    return request(this.server).post(this.fullPath(path)).set(delivery.headers || {}).send(delivery.raw);
  }

  /** POSTs with node's http and exactly these headers (supertest adds some), the body written chunk by chunk. */
  postPlain(headers, chunks, path = '/plaid/webhook') {
    return new Promise((resolve, reject) => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (this.server.address());
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: this.fullPath(path), headers }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  /**
   * POSTs `body` with exactly `headers` (Content-Length: its size), `chunkBytes` at a time, each write waiting for the
   * socket (or `intervalMs`), and stops writing once an answer arrives. Resolves to the status (undefined if none
   * came), the ms until the answer, the bytes written, and whether the server then closed the connection (within 1 s).
   */
  postSlowly(headers, body, { chunkBytes = 64 * 1024, intervalMs = 0, path = '/plaid/webhook' } = {}) {
    return new Promise((resolve) => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (this.server.address());
      const started = Date.now();
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: this.fullPath(path), headers: { 'content-length': body.length, ...headers } });
      const outcome = { status: undefined, ms: undefined, written: 0, closedByServer: false, error: undefined };
      let timer;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        req.destroy();
        resolve(outcome);
      };
      req.on('response', (res) => {
        outcome.status = res.statusCode;
        outcome.ms = Date.now() - started;
        res.resume();
        timer = setTimeout(finish, 1000);
      });
      req.on('socket', (socket) => socket.on('close', () => {
        outcome.closedByServer = !finished;
        finish();
      }));
      req.on('error', (/** @type {NodeJS.ErrnoException} */ err) => { outcome.error = err.code; });
      const write = () => {
        if (finished || outcome.status !== undefined) return;
        if (outcome.written >= body.length) return req.end();
        const chunk = body.subarray(outcome.written, outcome.written + chunkBytes);
        outcome.written += chunk.length;
        const flushed = req.write(chunk);
        if (intervalMs) timer = setTimeout(write, intervalMs);
        else if (flushed) setImmediate(write);
        else req.once('drain', write);
      };
      write();
    });
  }

  /**
   * Lets the runtime hand on what the node sent: Node-RED delivers a message on a later turn of the event loop. The
   * node emits before it answers, so once an answer came what it emitted has arrived; this covers what was posted
   * and not awaited. No fixed wait: the turns already queued run, then the test goes on.
   */
  async settle() {
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** How many POST route layers the node app holds for `path`. */
  routesFor(path = '/plaid/webhook') {
    const router = this.httpNode._router;
    return router ? router.stack.filter((layer) => layer.route && layer.route.path === path && layer.route.methods.post).length : 0;
  }

  async unload() {
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise((resolve) => this.server.close(resolve));
      this.server = undefined;
    }
    await helper.unload();
    helper.settings({});
  }
}

module.exports = { WebhookRig, helper };
