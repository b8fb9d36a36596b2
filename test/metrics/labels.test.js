'use strict';
// The exporter's label values come from bounded sets, whatever a sender or an upstream answers; the core's channels
// deliver typed messages to subscribers only, and stop when unsubscribed.
const assert = require('node:assert/strict');
const diagnosticsChannel = require('node:diagnostics_channel');
const { apiOutcome, operationLabel, webhookPair, OTHER } = require('../../dist/plugins/metrics/labels');
const { channels } = require('../../dist/plaid/channels');
const { PlaidRequestError } = require('../../dist/plaid/errors');
const { REJECTION_REASONS, WebhookRejection, unavailable, unverified } = require('../../dist/plaid/webhook/rejection');

const plaidError = (code, type) => new PlaidRequestError({
  kind: 'plaid', endpoint: 'item/get', attempts: 1, status: 400,
  plaidError: { error_code: code, error_type: type, error_message: 'm', display_message: null },
});

describe('metrics: label values', () => {
  it('keeps a verified delivery\'s type and code when they are Plaid-shaped names, else `other`', () => {
    assert.deepEqual(webhookPair('TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', true), { webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE' });
    assert.deepEqual(webhookPair('ITEM', 'x'.repeat(65).toUpperCase(), true), { webhook_type: OTHER, webhook_code: OTHER });
    assert.deepEqual(webhookPair('ITEM', 'error"} 1\nfake 2', true), { webhook_type: OTHER, webhook_code: OTHER });
  });

  it('keeps an unverified delivery\'s pair only when plaid-webhook-in routes it (anyone can post any name)', () => {
    assert.deepEqual(webhookPair('ITEM', 'ERROR', false), { webhook_type: 'ITEM', webhook_code: 'ERROR' });
    assert.deepEqual(webhookPair('LINK', 'SESSION_FINISHED', false), { webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED' });
    assert.deepEqual(webhookPair('TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', false), { webhook_type: OTHER, webhook_code: OTHER });
  });

  it('names a call\'s outcome: ok, Plaid\'s error_code and error_type, http_<status>, timeout, network, bad_response', () => {
    assert.deepEqual(apiOutcome(undefined), { outcome: 'ok', error_type: '' });
    assert.deepEqual(apiOutcome(plaidError('ITEM_LOGIN_REQUIRED', 'ITEM_ERROR')), { outcome: 'ITEM_LOGIN_REQUIRED', error_type: 'ITEM_ERROR' });
    assert.deepEqual(apiOutcome(plaidError('not a code', 'API_ERROR')), { outcome: OTHER, error_type: 'API_ERROR' });
    const failure = (kind, status) => new PlaidRequestError({ kind, endpoint: 'item/get', attempts: 1, status });
    assert.deepEqual(apiOutcome(failure('http', 502)), { outcome: 'http_502', error_type: '' });
    assert.deepEqual(apiOutcome(failure('timeout')), { outcome: 'timeout', error_type: '' });
    assert.deepEqual(apiOutcome(failure('refused')), { outcome: 'network', error_type: '' });
    assert.deepEqual(apiOutcome(failure('network')), { outcome: 'network', error_type: '' });
    assert.deepEqual(apiOutcome(failure('bad-response', 200)), { outcome: 'bad_response', error_type: '' });
  });

  it('turns the store\'s words for an operation into a label', () => {
    assert.equal(operationLabel('record a webhook on'), 'record_webhook');
    assert.equal(operationLabel('replace the token of'), 'replace_token');
    assert.equal(operationLabel('claim work in'), 'claim_work');
    assert.equal(operationLabel('open'), 'open');
    assert.equal(operationLabel(''), OTHER);
  });
});

describe('webhook rejections: reasons', () => {
  it('every rejection has a reason of its status, named or by default', () => {
    /** @type {Array<[import('../../dist/plaid/webhook/rejection').RejectionStatus, keyof typeof REJECTION_REASONS]>} */
    const defaults = [[400, 'malformed_body'], [401, 'bad_signature'], [408, 'body_timeout'], [413, 'too_large'], [415, 'media_type'], [503, 'not_ready']];
    for (const [status, reason] of defaults) {
      const rejection = new WebhookRejection(status, 'why');
      assert.equal(rejection.reason, reason);
      assert.equal(REJECTION_REASONS[reason], status);
    }
    assert.equal(unverified('why', 'stale').reason, 'stale');
    assert.equal(unavailable('why', 'key_unavailable').status, 503);
  });
});

describe('core events on diagnostics_channel', () => {
  it('reach a subscriber while it is subscribed, as Node\'s diagnostics_channel channels of the same name', () => {
    const channel = channels.webhookRejected;
    const seen = [];
    const stop = channel.subscribe((message) => seen.push(message));
    assert.equal(diagnosticsChannel.hasSubscribers(channel.name), true);
    channel.publish({ node: 'n1', reason: 'stale', status: 401 });
    stop();
    channel.publish({ node: 'n1', reason: 'unsigned', status: 401 });
    assert.deepEqual(seen, [{ node: 'n1', reason: 'stale', status: 401 }]);
  });

  it('are named under node-red-plaid:, each once', () => {
    const names = Object.values(channels).map((c) => c.name);
    assert.equal(new Set(names).size, names.length);
    for (const name of names) assert.match(name, /^node-red-plaid:[a-z]+:[a-z-]+$/);
  });
});
