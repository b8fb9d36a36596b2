'use strict';
// Signed webhook deliveries as Plaid makes them: the body indented with 2 spaces, a Plaid-Verification header
// holding an ES256 JWS {alg, kid, typ} + {iat, request_body_sha256} over the exact bytes sent.
const crypto = require('node:crypto');

// Signed exactly as the test suites sign (one signer for both).
const { makeKey, signRaw } = require('../../test/support/webhook-signer');

/** The Plaid-Verification header for `raw`, signed by `key` at `iat`. */
const sign = (raw, key, iat) => signRaw(raw, key, iat === undefined ? {} : { iat });

// The mix of webhooks: every routed ITEM code, LINK SESSION_FINISHED, and two that go to "other" (an ASSETS ERROR,
// which is not an Item error, and a TRANSACTIONS code).
/** @type {Array<[string, string, (i: number) => Record<string, unknown>]>} */
const KINDS = [
  ['ITEM', 'ERROR', (i) => ({ error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information', display_message: null, request_id: `req${i}` } })],
  ['ITEM', 'LOGIN_REPAIRED', () => ({})],
  ['ITEM', 'NEW_ACCOUNTS_AVAILABLE', () => ({ error: null })],
  ['ITEM', 'PENDING_EXPIRATION', () => ({ consent_expiration_time: '2030-01-01T00:00:00Z', error: null })],
  ['ITEM', 'PENDING_DISCONNECT', () => ({ reason: 'INSTITUTION_MIGRATION', error: null })],
  ['ITEM', 'USER_PERMISSION_REVOKED', () => ({ error: null })],
  ['ITEM', 'USER_ACCOUNT_REVOKED', (i) => ({ account_id: `acc${i.toString(36).padStart(12, '0')}`, error: null })],
  ['ITEM', 'WEBHOOK_UPDATE_ACKNOWLEDGED', () => ({ new_webhook_url: 'https://example.com/plaid/webhook', error: null })],
  ['LINK', 'SESSION_FINISHED', (i) => ({ status: 'SUCCESS', link_session_id: `ls${i}`, link_token: `link-sandbox-${i}`, public_tokens: [`public-sandbox-${i}`] })],
  ['ASSETS', 'ERROR', () => ({ asset_report_id: 'ar1', error: null })],
  ['TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', () => ({ initial_update_complete: true, historical_update_complete: false })],
];

/** The codes the core switch flow routes on (its rules), in the webhook-in node's output order. */
const SWITCH_CODES = ['ERROR', 'LOGIN_REPAIRED', 'NEW_ACCOUNTS_AVAILABLE', 'PENDING_EXPIRATION', 'PENDING_DISCONNECT',
  'USER_PERMISSION_REVOKED', 'USER_ACCOUNT_REVOKED', 'WEBHOOK_UPDATE_ACKNOWLEDGED', 'SESSION_FINISHED'];

/** The `i`-th delivery's body bytes: distinct for every i (item_id carries it). */
function bodyOf(i, salt) {
  const [type, code, extra] = KINDS[i % KINDS.length];
  const body = {
    environment: 'sandbox',
    item_id: `${salt}${i.toString(36).padStart(10, '0')}`,
    webhook_code: code,
    webhook_type: type,
    ...extra(i),
  };
  return JSON.stringify(body, null, 2);
}

/**
 * `count` distinct signed deliveries, each `{body: Buffer, headers}` ready for autocannon or node:http. `salt` keeps
 * pools made at different times distinct (dedupe).
 */
function deliveryPool(count, key, salt = crypto.randomBytes(4).toString('hex')) {
  const iat = Math.floor(Date.now() / 1000);
  const pool = new Array(count);
  for (let i = 0; i < count; i++) {
    const raw = bodyOf(i, salt);
    pool[i] = {
      body: Buffer.from(raw),
      headers: { 'content-type': 'application/json', 'plaid-verification': sign(raw, key, iat) },
    };
  }
  return pool;
}

module.exports = { makeKey, sign, deliveryPool, SWITCH_CODES };
