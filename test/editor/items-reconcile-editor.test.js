'use strict';
// The plaid-items-reconcile node's editor file: its literal defaults held to the runtime's (src/plaid/reconcile/
// defaults.ts), the rate's bounds, the statuses to check, the port labels, the status texts the runtime shows.
const assert = require('node:assert/strict');
const path = require('node:path');
const { nodesDir, localeDir, read, validatorView, loadEditor, fakeDialog, validate, lookup } = require('./support');
const { ITEM_STATUSES } = require('../../dist/plaid/store/record');
const { DEFAULT_CALLS_PER_MINUTE, DEFAULT_RECONCILE_STATUSES, MAX_CALLS_PER_MINUTE } = require('../../dist/plaid/reconcile/defaults');
const { SETTINGS_VERSION } = require('../../dist/nodes/migrations');

const html = read(path.join(nodesDir, 'plaid-items-reconcile.html'));
const catalog = JSON.parse(read(path.join(localeDir, 'plaid-items-reconcile.json')));

describe('plaid-items-reconcile editor (dist/nodes/plaid-items-reconcile.html)', function () {
  const { defs: literal } = validatorView(html);
  const { defs, sandbox } = loadEditor(html, catalog);
  const def = defs['plaid-items-reconcile'];

  it('defaults to the runtime\'s rate and statuses, link sessions on, on a required config node and store, two outputs', function () {
    assert.deepEqual(Object.keys(literal), ['plaid-items-reconcile']);
    const values = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.value]))));
    assert.deepEqual(values, {
      name: '', settingsVersion: SETTINGS_VERSION, plaid: '', store: '', callsPerMinute: DEFAULT_CALLS_PER_MINUTE, statuses: [...DEFAULT_RECONCILE_STATUSES], linkSessions: true,
    });
    assert.equal(def.defaults.plaid.type, 'plaid-config');
    assert.equal(def.defaults.store.type, 'plaid-item-store');
    assert.equal(def.defaults.store.required, true);
    assert.deepEqual([def.inputs, def.outputs], [1, 2]);
    assert.deepEqual([0, 1].map((i) => def.outputLabels.call({ _: def._ }, i)), ['changed', 'sweep done']);
    assert.equal(def.label.call({ _: def._, name: '' }), 'plaid reconcile');
  });

  it('accepts a whole number of calls per minute from 1 to 5,000', function () {
    assert.equal(MAX_CALLS_PER_MINUTE, 5000);
    for (const ok of [1, 600, '600', 5000]) assert.equal(validate(def, { callsPerMinute: ok }, 'callsPerMinute'), true, String(ok));
    for (const bad of [0, -1, 5001, 1.5, '', 'fast']) assert.equal(validate(def, { callsPerMinute: bad }, 'callsPerMinute'), false, String(bad));
  });

  /** Opens the dialog of a node checking `statuses`: the status checkboxes it makes. */
  function open(statuses) {
    const dialog = fakeDialog();
    sandbox.$ = dialog.$;
    const node = { ...def, statuses };
    def.oneditprepare.call(node);
    const boxes = (dialog.state.children['plaid-items-reconcile-statuses'] ?? []).map((label) => label.children[0]);
    return { boxes, node };
  }

  it('offers every status, ticked as the node checks them (the default ones for a node without), and saves the ticked ones', function () {
    const fresh = open([]);
    assert.deepEqual(fresh.boxes.map((b) => b.attrs.value), [...ITEM_STATUSES]);
    assert.deepEqual(fresh.boxes.filter((b) => b.attrs.checked).map((b) => b.attrs.value), [...DEFAULT_RECONCILE_STATUSES]);
    const chosen = open(['login_required', 'revoked']);
    assert.deepEqual(chosen.boxes.filter((b) => b.attrs.checked).map((b) => b.attrs.value), ['login_required', 'revoked']);
    def.oneditsave.call(chosen.node);
    assert.deepEqual(chosen.node.statuses, ['login_required', 'revoked']);
  });

  it('has the status texts the runtime shows, short enough for a status ring', function () {
    const runtime = read(path.join(nodesDir, 'items-reconcile', 'status.js'));
    const used = [...runtime.matchAll(/this\.text\('status\.(\w+)'/g)].map((m) => m[1]);
    assert.deepEqual(used.sort(), ['alreadyRunning', 'done', 'doneWithFailures', 'paused', 'progress', 'stopped']);
    const filled = { done: '3,000', total: '3,000', changed: '120', checked: '3,000', failed: '12' };
    for (const key of used) {
      const text = lookup(catalog, `plaid-items-reconcile.status.${key}`).replace(/__(\w+)__/g, (_, name) => filled[name]);
      assert.ok(text.length <= 24, `${key}: "${text}"`);
    }
  });
});
