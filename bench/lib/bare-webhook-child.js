'use strict';
// Baseline (b), the ceiling: a bare node:http server doing the same verification as plaid-webhook-in and the same
// routing on (webhook_type, webhook_code), with nothing else: no express, no Node-RED, no messages. Written the
// way a careful hand-rolled receiver would be: media type, the JWS header (alg pinned to ES256, kid), iat within
// 5 minutes, the body's SHA-256 against request_body_sha256 in constant time, the key by kid (fetched once from the
// key server, one in-flight fetch per kid, cached), the ES256 signature, and only then the JSON body with a type
// and a code.
const crypto = require('node:crypto');
const http = require('node:http');
const { serveChild } = require('./child');
const { readBody } = require('../../test/support/read-body');
const { sha256Hex } = require('../../test/support/webhook-signer');

const ROUTED = new Map([
  'ITEM/ERROR', 'ITEM/LOGIN_REPAIRED', 'ITEM/NEW_ACCOUNTS_AVAILABLE', 'ITEM/PENDING_EXPIRATION', 'ITEM/PENDING_DISCONNECT',
  'ITEM/USER_PERMISSION_REVOKED', 'ITEM/USER_ACCOUNT_REVOKED', 'ITEM/WEBHOOK_UPDATE_ACKNOWLEDGED', 'LINK/SESSION_FINISHED',
].map((pair, index) => [pair, index]));
const OTHER = ROUTED.size;

let server;
let keyServerUrl;
const keys = new Map();
const routed = new Array(OTHER + 1).fill(0);

function fetchKey(kid) {
  let key = keys.get(kid);
  if (key) return key;
  key = new Promise((resolve, reject) => {
    const body = JSON.stringify({ key_id: kid });
    const req = http.request(`${keyServerUrl}/webhook_verification_key/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      readBody(res).then((raw) => {
        try {
          const { key: jwk } = JSON.parse(raw.toString('utf8'));
          if (res.statusCode !== 200 || !jwk || jwk.expired_at) throw new Error('no usable key');
          resolve(crypto.createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' }));
        } catch (err) {
          reject(err);
        }
      }, reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  key.catch(() => keys.delete(kid));
  keys.set(kid, key);
  return key;
}

function fail(res, status) {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(String(status));
}

async function receive(raw, req, res) {
  if ((req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() !== 'application/json') return fail(res, 415);
  const token = req.headers['plaid-verification'];
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return fail(res, 401);
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return fail(res, 401);
  }
  if (header?.alg !== 'ES256' || typeof header.kid !== 'string') return fail(res, 401);
  const now = Date.now() / 1000;
  if (typeof claims?.iat !== 'number' || claims.iat < now - 300 || claims.iat > now + 60) return fail(res, 401);
  const sha = sha256Hex(raw);
  const claimed = Buffer.from(String(claims.request_body_sha256));
  const actual = Buffer.from(sha);
  if (claimed.length !== actual.length || !crypto.timingSafeEqual(claimed, actual)) return fail(res, 401);
  const signature = Buffer.from(parts[2], 'base64url');
  if (signature.length !== 64) return fail(res, 401);
  let key;
  try {
    key = await fetchKey(header.kid);
  } catch {
    return fail(res, 503);
  }
  if (!crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key, dsaEncoding: 'ieee-p1363' }, signature)) return fail(res, 401);
  let body;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return fail(res, 400);
  }
  if (typeof body?.webhook_type !== 'string' || typeof body.webhook_code !== 'string') return fail(res, 400);
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('OK');
  routed[ROUTED.get(`${body.webhook_type}/${body.webhook_code}`) ?? OTHER]++;
}

serveChild({
  async init(message) {
    keyServerUrl = message.keyServerUrl;
    server = http.createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== '/plaid/webhook') return fail(res, 404);
      readBody(req).then((raw) => receive(raw, req, res), () => res.destroy());
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', 4096, resolve));
    return { port: /** @type {import('node:net').AddressInfo} */ (server.address()).port };
  },
  commands: {
    counts: () => ({ routed: routed.reduce((a, b) => a + b, 0) }),
  },
  async stop() {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  },
});
