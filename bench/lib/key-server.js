'use strict';
// A loopback stand-in for Plaid's /webhook_verification_key/get: serves the benchmark's keys by kid, counts the
// fetches per kid, and can hold its answers for a kid until released (to keep deliveries waiting on one fetch).
const http = require('node:http');

async function startKeyServer() {
  const keys = new Map();
  const fetches = new Map();
  const held = new Map();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    const respond = async () => {
      const answer = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      let kid;
      try {
        kid = JSON.parse(Buffer.concat(chunks).toString('utf8')).key_id;
      } catch {
        return answer(400, { error_type: 'INVALID_REQUEST', error_code: 'INVALID_BODY', error_message: 'bad body', display_message: null, request_id: 'bench' });
      }
      if (req.url !== '/webhook_verification_key/get') {
        return answer(404, { error_type: 'INVALID_REQUEST', error_code: 'NOT_FOUND', error_message: 'no such endpoint', display_message: null, request_id: 'bench' });
      }
      fetches.set(kid, (fetches.get(kid) ?? 0) + 1);
      if (held.has(kid)) await held.get(kid).promise;
      const key = keys.get(kid);
      if (!key) {
        return answer(400, { error_type: 'INVALID_INPUT', error_code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', error_message: 'invalid key_id provided', display_message: null, request_id: 'bench' });
      }
      return answer(200, { key: key.jwk, request_id: 'bench' });
    };
    req.on('end', () => void respond());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  return {
    baseUrl: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`,
    add(key) {
      keys.set(key.kid, key);
    },
    fetchesOf: (kid) => fetches.get(kid) ?? 0,
    /** Answers for `kid` wait until the returned function is called. */
    hold(kid) {
      let release;
      const promise = new Promise((resolve) => { release = resolve; });
      held.set(kid, { promise });
      return () => {
        held.delete(kid);
        release();
      };
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

module.exports = { startKeyServer };
