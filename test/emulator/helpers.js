'use strict';
// Shared by the emulator suites: start an emulator, call it over loopback HTTP, receive its webhooks, verify
// their Plaid-Verification JWS independently of the emulator's code.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const path = require('node:path');
const { validateResponse } = require('../support/openapi');
const { readBody, withBody } = require('../support/read-body');
const { sha256Hex } = require('../support/webhook-signer');
const { start } = require('../../dist/emulator');

async function startEmulator(options = {}) {
  return start({ timeFactor: 0.001, ...options });
}

/** POST a JSON body (or a raw string) to the emulator; resolves {status, headers, body}. */
async function call(emulator, endpoint, body, { headers = {}, auth = true, method = 'POST' } = {}) {
  const response = await fetch(emulator.url + endpoint, {
    method,
    headers: {
      'Content-Type': 'application/json',
      ...(auth ? { 'PLAID-CLIENT-ID': emulator.clientId, 'PLAID-SECRET': emulator.secret } : {}),
      'Plaid-Version': '2020-09-14',
      ...headers,
    },
    body: method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/**
 * A raw HTTP request to the emulator, with the exact headers given (fetch cannot set Host) and nothing added; `Host:
 * null` sends none at all. Resolves {status, headers, body}, body parsed when it is JSON.
 * @param {{host: string, port: number}} emulator
 * @param {{method?: string, path: string, headers?: Record<string, any>, body?: string}} request
 * @returns {Promise<{status: number | undefined, headers: import('node:http').IncomingHttpHeaders, body: any}>}
 */
function rawRequest(emulator, { method = 'POST', path, headers = {}, body }) {
  const { Host: host, ...rest } = headers;
  const options = {
    host: emulator.host, port: emulator.port, method, path, setHost: host !== null, headers: host ? { Host: host, ...rest } : rest,
  };
  return new Promise((resolve, reject) => {
    const request = http.request(options, (response) => {
      readBody(response).then((raw) => {
        const text = raw.toString('utf8');
        const json = /^application\/json/.test(response.headers['content-type'] ?? '');
        resolve({ status: response.statusCode, headers: response.headers, body: json && text ? JSON.parse(text) : text });
      }, reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** POST a Hosted Link page's form as a browser does (urlencoded), without following a redirect. */
async function submitForm(url, fields) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

/** A successful call: asserts 200 and a body valid against the endpoint's 200 schema. */
async function ok(emulator, endpoint, body) {
  const response = await call(emulator, endpoint, body);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  const problems = endpoint === '/accounts/get' ? [] // not in the spec subset; checked field by field in its test
    : validateResponse(endpoint, response.body, true);
  assert.deepEqual(problems, [], `${endpoint} response: ${problems.join('; ')}`);
  return response.body;
}

/** A Plaid error answer: asserts the HTTP status, the PlaidError schema, and the type/code pair. */
async function fails(emulator, endpoint, body, { status, type, code }, options) {
  const response = await call(emulator, endpoint, body, options);
  assert.equal(response.status, status, JSON.stringify(response.body));
  assertPlaidError(response.body, { status, type, code });
  return response;
}

function assertPlaidError(body, { status, type, code }) {
  const problems = validateResponse('/item/get', body, false);
  assert.deepEqual(problems, [], `PlaidError: ${problems.join('; ')}`);
  assert.equal(body.error_type, type);
  assert.equal(body.error_code, code);
  assert.equal(body.display_message === null || typeof body.display_message === 'string', true);
  assert.equal(typeof body.request_id, 'string');
  assert.equal(body.status, status);
}

/** An Item made through the public API: create public token, exchange. */
async function linkItem(emulator, { institution_id = 'ins_109508', initial_products = ['transactions'], options = undefined } = {}) {
  const created = await ok(emulator, '/sandbox/public_token/create', {
    institution_id, initial_products, ...(options ? { options } : {}),
  });
  const exchanged = await ok(emulator, '/item/public_token/exchange', { public_token: created.public_token });
  return { accessToken: exchanged.access_token, itemId: exchanged.item_id };
}

/**
 * A loopback webhook receiver. Answers each request with the next status of `statuses` (then 200), records the
 * raw body and headers, and lets tests wait for a number of deliveries.
 */
async function startReceiver() {
  const received = [];
  const waiters = [];
  const receiver = {
    received,
    statuses: [],
    /** Extra headers per answer, parallel to statuses (e.g. Retry-After). */
    answerHeaders: [],
    url: '',
    urlFor: (suffix) => `${receiver.url}${suffix}`,
    waitFor(count, timeoutMs = 5000) {
      if (received.length >= count) return Promise.resolve(received.slice(0, count));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${received.length} of ${count} webhooks arrived`)), timeoutMs);
        waiters.push({ count, resolve: (list) => { clearTimeout(timer); resolve(list); } });
      });
    },
    close: () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }),
  };
  const server = http.createServer(withBody((request, response, raw) => {
    received.push({ path: request.url, method: request.method, headers: request.headers, raw, at: Date.now() });
    const status = receiver.statuses.shift() ?? 200;
    const headers = receiver.answerHeaders.shift() ?? {};
    response.writeHead(status, headers);
    response.end();
    for (const waiter of [...waiters]) {
      if (received.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(received.slice(0, waiter.count));
      }
    }
  }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  receiver.url = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;
  return receiver;
}

/**
 * Mocha hooks giving a suite an emulator (started with `options`) and a webhook receiver, fresh for each test, or
 * once for the suite with `perSuite`: read them as `context.emulator` and `context.receiver`. With `clockAt` the
 * emulator's clock is `context.now` (ms), set to that time before each start, for the test to move.
 * @param {object} [options]
 * @param {{perSuite?: boolean, clockAt?: string}} [hooks]
 */
function emulatorAndReceiver(options = {}, { perSuite = false, clockAt } = {}) {
  const context = /** @type {{emulator: any, receiver: any, now: number}} */ ({ emulator: undefined, receiver: undefined, now: 0 });
  const clock = clockAt === undefined ? {} : { now: () => context.now };
  (perSuite ? before : beforeEach)(async () => {
    if (clockAt !== undefined) context.now = Date.parse(clockAt);
    context.emulator = await startEmulator({ ...options, ...clock });
    context.receiver = await startReceiver();
  });
  (perSuite ? after : afterEach)(async () => {
    await context.emulator.stop();
    await context.receiver.close();
  });
  return context;
}

/**
 * Checks a received webhook as a careful receiver would (Plaid's docs,
 * https://plaid.com/docs/api/webhooks/webhook-verification/): ES256 only, key from /webhook_verification_key/get,
 * signature over header.payload, fresh iat, body hash. Returns {header, claims, key}.
 */
async function verifyWebhook(emulator, delivery) {
  const token = delivery.headers['plaid-verification'];
  assert.equal(typeof token, 'string', 'Plaid-Verification header');
  const [encodedHeader, encodedClaims, encodedSignature] = token.split('.');
  const header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString());
  assert.deepEqual(Object.keys(header).sort(), ['alg', 'kid', 'typ']);
  assert.equal(header.alg, 'ES256');
  assert.equal(header.typ, 'JWT');
  const keyAnswer = await ok(emulator, '/webhook_verification_key/get', { key_id: header.kid });
  const key = keyAnswer.key;
  const publicKey = crypto.createPublicKey({ key, format: 'jwk' });
  const signature = Buffer.from(encodedSignature, 'base64url');
  assert.equal(signature.length, 64, 'raw r||s signature');
  const valid = crypto.verify('sha256', Buffer.from(`${encodedHeader}.${encodedClaims}`), {
    key: publicKey, dsaEncoding: 'ieee-p1363',
  }, signature);
  assert.equal(valid, true, 'signature verifies');
  const claims = JSON.parse(Buffer.from(encodedClaims, 'base64url').toString());
  assert.deepEqual(Object.keys(claims).sort(), ['iat', 'request_body_sha256']);
  assert.ok(Number.isInteger(claims.iat) && Math.abs(Date.now() / 1000 - claims.iat) < 300, 'fresh iat');
  assert.equal(claims.request_body_sha256, sha256Hex(delivery.raw));
  return { header, claims, key };
}

/** The parsed webhook body, after checking it is POSTed JSON indented with 2 spaces. */
function webhookBody(delivery) {
  assert.equal(delivery.method, 'POST');
  assert.match(delivery.headers['content-type'], /^application\/json/);
  const text = delivery.raw.toString('utf8');
  const body = JSON.parse(text);
  assert.equal(text, JSON.stringify(body, null, 2), 'body is JSON.stringify(payload, null, 2)');
  return body;
}

module.exports = {
  assertPlaidError, call, emulatorAndReceiver, fails, linkItem, ok, rawRequest, startEmulator, startReceiver, submitForm,
  verifyWebhook, webhookBody, distDir: path.join(__dirname, '../../dist'),
};
