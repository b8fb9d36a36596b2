'use strict';
// The webhook-in node's editor file: the defaults a new node gets in the editor.
const assert = require('node:assert/strict');
const path = require('node:path');
const { nodesDir, localeDir, read, validatorView, loadEditor } = require('./support');

const html = read(path.join(nodesDir, 'plaid-webhook-in.html'));
const catalog = JSON.parse(read(path.join(localeDir, 'plaid-webhook-in.json')));

describe('webhook-in editor (dist/nodes/plaid-webhook-in.html)', function () {
  const { defs } = loadEditor(html, catalog);
  const def = defs['plaid-webhook-in'];

  it('gives a new node verification and dedupe on, in the default context store, and no Item store', function () {
    const values = Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.value]));
    assert.deepEqual(values, { name: '', settingsVersion: 1, url: '/plaid/webhook', plaid: '', verify: true, dedupe: true, dedupeStore: '', store: '' });
    assert.deepEqual({ type: def.defaults.store.type, required: def.defaults.store.required }, { type: 'plaid-item-store', required: false });
    assert.deepEqual(validatorView(html).defs['plaid-webhook-in'].notInline, []);
  });
});
