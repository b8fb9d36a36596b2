'use strict';
// The config node's default webhook base URL: this Node-RED's own address, from the settings it listens by.
const assert = require('node:assert/strict');
const { ownWebhookBase, webhookBaseOf } = require('../../dist/nodes/webhook-base');
const { onWebhookBase } = require('../../dist/plaid/webhook-url');

describe('webhook base URL', function () {
  it('is Node-RED\'s own address as its settings give it', function () {
    assert.equal(ownWebhookBase({}), 'http://127.0.0.1:1880');
    assert.equal(ownWebhookBase({ uiPort: 1999, uiHost: '0.0.0.0' }), 'http://127.0.0.1:1999');
    assert.equal(ownWebhookBase({ uiPort: '8080', uiHost: '::', httpNodeRoot: '/api/' }), 'http://127.0.0.1:8080/api');
    assert.equal(ownWebhookBase({ uiPort: 443, uiHost: '10.0.0.5', https: { key: 'k', cert: 'c' } }), 'https://10.0.0.5:443');
    assert.equal(ownWebhookBase({ uiPort: 1880, uiHost: 'fd00::5', httpNodeRoot: false }), 'http://[fd00::5]:1880');
  });

  it('is the config node\'s setting when it has one, without trailing slashes', function () {
    assert.equal(webhookBaseOf('  https://nodered.example.com/red//  ', { uiPort: 1 }), 'https://nodered.example.com/red');
    assert.equal(webhookBaseOf('', { uiPort: 1881 }), 'http://127.0.0.1:1881');
    assert.equal(webhookBaseOf(undefined, {}), 'http://127.0.0.1:1880');
    assert.throws(() => webhookBaseOf('nodered.example.com', {}), /^Error: correct the webhook base URL in the Plaid config node: "nodered\.example\.com" is not an http:\/\/ or https:\/\/ URL$/);
  });

  it('goes in front of a path only', function () {
    assert.equal(onWebhookBase('/plaid/webhook/02', 'https://a.example'), 'https://a.example/plaid/webhook/02');
    assert.equal(onWebhookBase('https://b.example/hook', 'https://a.example'), 'https://b.example/hook');
    assert.equal(onWebhookBase('//b.example/hook', 'https://a.example'), '//b.example/hook');
    assert.equal(onWebhookBase(null, 'https://a.example'), null);
  });
});
