'use strict';
// A loopback stand-in for Plaid's /webhook_verification_key/get, serving the test's (or benchmark's) own keys. It
// checks each request against Plaid's spec, counts fetches per kid, and can be slowed down, made to fail (429, 500)
// or made to hold its answers for a kid until released (to keep deliveries waiting on one fetch).
const http = require('node:http');
const { validateHeaders, validateRequest } = require('./openapi');
const { withBody } = require('./read-body');

const plaidError = (error_type, error_code, error_message) => ({ error_type, error_code, error_message, display_message: null, request_id: 'key-server' });
const FAILURES = {
  429: plaidError('RATE_LIMIT_EXCEEDED', 'RATE_LIMIT', 'rate limit exceeded for attempts to access this item'),
  500: plaidError('API_ERROR', 'INTERNAL_SERVER_ERROR', 'an unexpected error occurred'),
};

async function startKeyServer() {
  const keys = new Map();
  const held = new Map();
  /** `failWith`: 429 or 500 answers every fetch with that Plaid error; `down` is `failWith: 500`. */
  const state = { fetches: [], delayMs: 0, down: false, failWith: undefined, problems: [] };
  const server = http.createServer(withBody(async (req, res, raw) => {
    const answer = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (state.delayMs) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
    if (req.url !== '/webhook_verification_key/get') return answer(404, plaidError('INVALID_REQUEST', 'NOT_FOUND', 'no such endpoint'));
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(400, plaidError('INVALID_REQUEST', 'INVALID_BODY', 'body is not JSON'));
    }
    state.problems.push(...validateHeaders(req.headers), ...validateRequest('/webhook_verification_key/get', body));
    state.fetches.push(body.key_id);
    const failWith = state.failWith ?? (state.down ? 500 : undefined);
    if (failWith) return answer(failWith, FAILURES[failWith]);
    if (held.has(body.key_id)) await held.get(body.key_id);
    const key = keys.get(body.key_id);
    if (!key) return answer(400, plaidError('INVALID_INPUT', 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', 'invalid key_id provided'));
    return answer(200, { key: key.jwk, request_id: 'key-server' });
  }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  return {
    state,
    baseUrl: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`,
    /** Serves `key` (from makeKey) under its kid. */
    add(key) { keys.set(key.kid, key); },
    fetchesOf(kid) { return state.fetches.filter((k) => k === kid).length; },
    /** Answers for `kid` wait until the returned function is called. */
    hold(kid) {
      let release;
      held.set(kid, new Promise((resolve) => { release = resolve; }));
      return () => {
        held.delete(kid);
        release();
      };
    },
    close() { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)); },
  };
}

module.exports = { startKeyServer };
