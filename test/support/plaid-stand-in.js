'use strict';
// A loopback stand-in for Plaid's API: every request is checked against the OpenAPI subset (headers, required
// fields, no unknown fields) and answered with a spec-valid body, or with what a test scripted for that path.
const http = require('node:http');
const { withBody } = require('./read-body');
const crypto = require('node:crypto');
const { validateHeaders, validateRequest, validateResponse } = require('./openapi');

const CLIENT_ID = 'test-client-id';
const SECRET = 'test-secret-5f2b9c0d1e7a4b3c';

const requestId = () => crypto.randomBytes(8).toString('hex');

function item(accessToken) {
  return {
    item_id: `item-${accessToken.slice(-6)}`,
    institution_id: 'ins_109508',
    institution_name: 'First Platypus Bank',
    webhook: null,
    error: null,
    available_products: ['balance'],
    billed_products: ['transactions'],
    products: ['transactions'],
    consented_products: ['transactions'],
    consent_expiration_time: null,
    update_type: 'background',
    auth_method: null,
  };
}

const DEFAULT_ANSWERS = {
  '/item/get': (req) => ({ item: item(req.access_token), status: null }),
  '/item/remove': () => ({}),
  '/item/webhook/update': (req) => ({ item: { ...item(req.access_token), webhook: req.webhook ?? null } }),
  '/item/access_token/invalidate': () => ({ new_access_token: `access-sandbox-${crypto.randomUUID()}` }),
  '/item/public_token/exchange': () => ({ access_token: `access-sandbox-${crypto.randomUUID()}`, item_id: `item-${requestId()}` }),
  '/sandbox/public_token/create': () => ({ public_token: `public-sandbox-${crypto.randomUUID()}` }),
  '/sandbox/item/reset_login': () => ({ reset_login: true }),
  '/sandbox/item/set_verification_status': () => ({}),
  '/sandbox/item/fire_webhook': () => ({ webhook_fired: true }),
  '/link/token/create': (req) => {
    const linkToken = `link-sandbox-${crypto.randomUUID()}`;
    const expiration = new Date(Date.now() + 4 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    return { link_token: linkToken, expiration, ...(req.hosted_link ? { hosted_link_url: `https://hosted.plaid.com/link/${linkToken}` } : {}) };
  },
  // A token without sessions yet; tests answer the sessions they need (respond or script).
  '/link/token/get': (req) => ({
    link_token: req.link_token,
    created_at: new Date(Date.now() - 60_000).toISOString(),
    expiration: new Date(Date.now() + 29 * 60_000).toISOString(),
    link_sessions: [],
    metadata: { initial_products: [], webhook: null, country_codes: ['US'], language: 'en', redirect_uri: null, client_name: 'Plaidflow tests' },
  }),
};

/** Plaid's error body for a code, as Plaid shapes it. */
function plaidError(error_type, error_code, error_message) {
  return { error_type, error_code, error_message, display_message: null, request_id: requestId() };
}

async function startStandIn() {
  const requests = [];
  const violations = [];
  const scripts = new Map();
  const responders = new Map();
  const sockets = new Set();

  const server = http.createServer(withBody((req, res, bytes) => {
    const raw = bytes.toString('utf8');
    const path = req.url;
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const problems = [...validateHeaders(req.headers)];
    if (!DEFAULT_ANSWERS[path]) problems.push(`unknown endpoint ${path}`);
    else problems.push(...validateRequest(path, body));
    if (req.headers['plaid-client-id'] !== CLIENT_ID || req.headers['plaid-secret'] !== SECRET) problems.push('wrong credentials');
    requests.push({ path, body, headers: req.headers, at: Date.now() });
    if (problems.length) violations.push({ path, problems });

    const step = (scripts.get(path) || []).shift() || (problems.length === 0 && responders.get(path)?.(body)) || {};
    const answer = () => {
      if (res.destroyed) return;
      if (step.destroy) return req.socket.destroy();
      let status = step.status || 200;
      let out;
      if (step.body !== undefined) out = step.body;
      else if (problems.length) {
        status = 400;
        out = plaidError('INVALID_REQUEST', 'INVALID_BODY', problems.join('; '));
      } else out = { ...DEFAULT_ANSWERS[path](body), request_id: requestId() };
      if (typeof out === 'object' && out !== null && status === 200 && !step.raw) {
        const errors = validateResponse(path, out, true);
        if (errors.length) violations.push({ path, problems: ['stand-in answer invalid: ' + errors.join('; ')] });
      }
      const text = step.raw !== undefined ? step.raw : JSON.stringify(out);
      res.writeHead(status, { 'content-type': step.raw !== undefined ? 'text/html' : 'application/json', ...(step.headers || {}) });
      res.end(text);
    };
    if (step.delay) setTimeout(answer, step.delay);
    else answer();
  }));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const url = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;

  return {
    url,
    requests,
    violations,
    /** Queues answers for the next requests to `path`: {status, body, headers, delay, destroy, raw}. */
    script(path, ...steps) {
      scripts.set(path, [...(scripts.get(path) || []), ...steps]);
    },
    /** Answers requests to `path` that no script step is queued for with `answer(requestBody)`: a step as above. */
    respond(path, answer) {
      responders.set(path, answer);
    },
    callsTo(path) {
      return requests.filter((r) => r.path === path);
    },
    reset() {
      requests.length = 0;
      violations.length = 0;
      scripts.clear();
      responders.clear();
    },
    openSockets: () => sockets.size,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Mocha hooks for a suite of node tests: one stand-in for the suite (`suite.plaid`); after each test the runtime is
 * unloaded, every request the nodes sent must have matched the OpenAPI spec, and the stand-in is reset.
 */
function standInForSuite(helper) {
  const assert = require('node:assert/strict');
  const suite = {};
  before(async () => {
    suite.plaid = await startStandIn();
  });
  after(() => suite.plaid.close());
  afterEach(async () => {
    await helper.unload();
    assert.deepEqual(suite.plaid.violations, [], 'every request the nodes sent matches the OpenAPI spec');
    suite.plaid.reset();
  });
  return suite;
}

module.exports = { startStandIn, standInForSuite, plaidError, CLIENT_ID, SECRET };
