'use strict';
// A loopback HTTP proxy between Node-RED and the Plaid emulator that records every exchange: what was asked, what the
// emulator answered, and whether the caller was still there to get the answer (a client that timed out has gone, but
// the proxy keeps waiting for the emulator's answer, so a call that took effect after the timeout is still seen).
// It can be closed and reopened on the same port (Plaid unreachable, then back), and can answer in the emulator's
// place (`intercept`), e.g. with a Plaid error that echoes the request's secrets back.
const http = require('node:http');
const { readBody } = require('../../support/read-body');

class TapProxy {
  /** @param {string} target base URL of the emulator */
  constructor(target) {
    this.target = new URL(target);
    this.exchanges = [];
    this.pending = 0;
    this.port = 0;
    this.server = undefined;
    /** (exchange) => undefined | {status, headers?, body}: answer without forwarding. */
    this.intercept = undefined;
    this.agent = new http.Agent({ keepAlive: true });
    this.idleWaiters = [];
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get listening() {
    return Boolean(this.server);
  }

  async listen(port = this.port) {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
    return this;
  }

  /** Stops listening and drops every connection: new connections are refused until listen() again. */
  async close() {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }

  /** Resolves when no forwarded call is waiting for the emulator. */
  idle() {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async destroy() {
    await this.close();
    this.agent.destroy();
  }

  handle(req, res) {
    const exchange = {
      id: this.exchanges.length + 1,
      path: req.url,
      startedAt: Date.now(),
      requestText: '',
      request: undefined,
      status: undefined,
      responseText: undefined,
      response: undefined,
      clientGone: false,
      answered: false,
      endedAt: undefined,
    };
    this.exchanges.push(exchange);
    res.on('close', () => {
      if (!res.writableFinished) exchange.clientGone = true;
    });
    readBody(req).then((raw) => {
      exchange.requestText = raw.toString('utf8');
      try {
        exchange.request = JSON.parse(exchange.requestText);
      } catch {
        exchange.request = undefined;
      }
      const answer = this.intercept && this.intercept(exchange, req);
      if (answer) {
        this.settle(exchange, res, answer.status, answer.headers || { 'content-type': 'application/json' }, Buffer.from(answer.body));
        return;
      }
      this.forward(exchange, req, res, raw);
    }, () => {});
  }

  forward(exchange, req, res, body) {
    this.pending++;
    const headers = { ...req.headers, host: this.target.host, 'content-length': String(body.length) };
    delete headers.connection;
    const upstream = http.request(
      { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers, agent: this.agent },
      (response) => {
        readBody(response).then((body) => {
          const headersOut = { ...response.headers };
          delete headersOut.connection;
          delete headersOut['keep-alive'];
          delete headersOut['transfer-encoding'];
          this.settle(exchange, res, response.statusCode, headersOut, body);
          this.done();
        }, () => this.fail(exchange, res));
      },
    );
    upstream.on('error', () => this.fail(exchange, res));
    upstream.end(body);
  }

  settle(exchange, res, status, headers, body) {
    exchange.status = status;
    exchange.responseText = body.toString('utf8');
    try {
      exchange.response = JSON.parse(exchange.responseText);
    } catch {
      exchange.response = undefined;
    }
    exchange.endedAt = Date.now();
    if (exchange.clientGone || res.destroyed) return;
    headers['content-length'] = String(body.length);
    res.writeHead(status, headers);
    res.end(body, () => {
      if (!exchange.clientGone) exchange.answered = true;
    });
  }

  fail(exchange, res) {
    if (exchange.endedAt !== undefined) return;
    exchange.status = null;
    exchange.endedAt = Date.now();
    if (!res.destroyed) res.destroy();
    this.done();
  }

  done() {
    this.pending--;
    if (this.pending === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}

module.exports = { TapProxy };
