'use strict';
// A loopback stand-in for Plaid's /webhook_verification_key/get, serving the test's own keys. It checks each
// request against Plaid's spec, counts fetches per kid, and can be slowed down or taken down.
const http = require('node:http');
const { validateHeaders, validateRequest } = require('./openapi');

async function startKeyServer() {
  const keys = new Map();
  const state = { fetches: [], delayMs: 0, down: false, problems: [] };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => { raw += chunk; });
    req.on('end', async () => {
      const answer = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (state.delayMs) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
      if (req.url !== '/webhook_verification_key/get') return answer(404, { error_type: 'INVALID_REQUEST', error_code: 'NOT_FOUND', error_message: 'no such endpoint', display_message: null, request_id: 'r' });
      const body = JSON.parse(raw);
      state.problems.push(...validateHeaders(req.headers), ...validateRequest('/webhook_verification_key/get', body));
      state.fetches.push(body.key_id);
      if (state.down) {
        return answer(500, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', error_message: 'an unexpected error occurred', display_message: null, request_id: 'r' });
      }
      const key = keys.get(body.key_id);
      if (!key) {
        return answer(400, { error_type: 'INVALID_INPUT', error_code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', error_message: 'invalid key_id provided', display_message: null, request_id: 'r' });
      }
      return answer(200, { key: key.jwk, request_id: 'r' });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    baseUrl: `http://127.0.0.1:${server.address().port}`,
    /** Serves `key` (from makeKey) under its kid. */
    add(key) { keys.set(key.kid, key); },
    fetchesOf(kid) { return state.fetches.filter((k) => k === kid).length; },
    close() { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)); },
  };
}

module.exports = { startKeyServer };
