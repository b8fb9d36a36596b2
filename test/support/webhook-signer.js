'use strict';
// Signs test webhook deliveries the way Plaid does: the body indented with 2 spaces, and a Plaid-Verification
// header holding an ES256 JWS {alg, kid, typ} + {iat, request_body_sha256} over the exact bytes sent.
const crypto = require('node:crypto');

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const sha256Hex = (raw) => crypto.createHash('sha256').update(raw).digest('hex');

/** A Plaid-like verification key: Node key pair plus the JWK /webhook_verification_key/get answers with. */
function makeKey(kid, { expiredAt = null, curve = 'P-256' } = {}) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: curve });
  const jwk = {
    ...publicKey.export({ format: 'jwk' }),
    alg: 'ES256',
    kid,
    use: 'sig',
    created_at: Math.floor(Date.now() / 1000) - 3600,
    expired_at: expiredAt,
  };
  return { kid, publicKey, privateKey, jwk };
}

/** A compact JWS over `claims` with `header`, signed by `key` (ES256, raw r||s) unless `sign` says otherwise. */
function jws(header, claims, sign) {
  const signingInput = `${b64url(header)}.${b64url(claims)}`;
  return `${signingInput}.${sign(Buffer.from(signingInput)).toString('base64url')}`;
}

const es256 = (key) => (data) => crypto.sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });

/** The Plaid-Verification token for `raw` bytes. Options override the header, the claims or the signer. */
function signRaw(raw, key, { header = {}, claims = {}, iat = Math.floor(Date.now() / 1000), sign = undefined } = {}) {
  return jws(
    { alg: 'ES256', kid: key.kid, typ: 'JWT', ...header },
    { iat, request_body_sha256: sha256Hex(raw), ...claims },
    sign ?? es256(key),
  );
}

/** A delivery as Plaid sends it: `{raw, headers}` ready for supertest. */
function plaidDelivery(body, key, options) {
  const raw = JSON.stringify(body, null, 2);
  return { raw, headers: { 'content-type': 'application/json', 'plaid-verification': signRaw(raw, key, options) } };
}

module.exports = { makeKey, plaidDelivery, signRaw, jws, es256, b64url, sha256Hex };
