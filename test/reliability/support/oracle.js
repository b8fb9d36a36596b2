'use strict';
// An independent model of "this delivery is Plaid's": the steps of Plaid's webhook verification guide (https://plaid.com/docs/api/webhooks/webhook-verification/), written apart
// from the product's code, with the signature checked through WebCrypto (which takes ES256's raw r||s natively)
// rather than node:crypto's sign/verify. The fuzz tests compare the node's verdict with this one.
const crypto = require('node:crypto');
const { sha256Hex } = require('../../support/webhook-signer');

const SEGMENT = /^[A-Za-z0-9_-]*$/;

function segmentBytes(segment) {
  if (!SEGMENT.test(segment) || segment.length % 4 === 1) return undefined;
  return Buffer.from(segment, 'base64url');
}

function jsonObject(bytes) {
  if (!bytes) return undefined;
  try {
    const value = JSON.parse(bytes.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @param {object} keys kid -> {jwk (public, with expired_at)}: what Plaid's key endpoint would serve
 * @returns {Promise<Map<string, CryptoKey>>} usable (unexpired) keys imported for WebCrypto
 */
async function importKeys(keys) {
  const imported = new Map();
  for (const [kid, { jwk }] of Object.entries(keys)) {
    if (jwk.expired_at !== null && jwk.expired_at !== undefined) continue;
    const key = await crypto.webcrypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    imported.set(kid, key);
  }
  return imported;
}

/**
 * Whether a delivery must be accepted (answered 200 and emitted), as seen on the wire.
 * @param {{raw: Buffer, contentType?: string, token?: string, limit: number, keys: Map<string, CryptoKey>, nowSeconds?: number}} d
 */
async function mustAccept({ raw, contentType, token, limit, keys, nowSeconds = Date.now() / 1000 }) {
  if (raw.length > limit) return false;
  if ((contentType || '').split(';')[0].trim().toLowerCase() !== 'application/json') return false;
  const body = jsonObject(raw);
  if (!body || typeof body.webhook_type !== 'string' || !body.webhook_type || typeof body.webhook_code !== 'string' || !body.webhook_code) return false;
  if (typeof token !== 'string') return false;
  const parts = token.trim().split('.');
  if (parts.length !== 3) return false;
  const header = jsonObject(segmentBytes(parts[0]));
  const claims = jsonObject(segmentBytes(parts[1]));
  const signature = segmentBytes(parts[2]);
  if (!header || !claims || !signature) return false;
  if (header.alg !== 'ES256' || typeof header.kid !== 'string') return false;
  const key = keys.get(header.kid);
  if (!key) return false;
  if (typeof claims.iat !== 'number' || claims.iat < nowSeconds - 300 || claims.iat > nowSeconds + 60) return false;
  if (claims.request_body_sha256 !== sha256Hex(raw)) return false;
  if (signature.length !== 64) return false;
  return crypto.webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'));
}

module.exports = { importKeys, mustAccept };
