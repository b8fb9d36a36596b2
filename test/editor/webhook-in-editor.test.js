'use strict';
// The webhook-in node's editor file: the defaults a new node gets, its ports and labels from the runtime's routing
// table, the order of the outputs frozen (deployed flows are wired by output index), and the dialog.
const assert = require('node:assert/strict');
const path = require('node:path');
const { ROUTED_WEBHOOKS, OUTPUT_COUNT, OTHER_OUTPUT } = require('../../dist/plaid/webhook/routing');
const { SETTINGS_VERSION } = require('../../dist/nodes/migrations');
const { nodesDir, localeDir, read, validatorView, namedBlocks, loadEditor, fakeDialog } = require('./support');

const html = read(path.join(nodesDir, 'plaid-webhook-in.html'));
const catalog = JSON.parse(read(path.join(localeDir, 'plaid-webhook-in.json')));

/**
 * The outputs as released. Deployed flows are wired by index, so this list only ever grows at its end, before
 * "other" moves one place on under a new settings version (src/nodes/migrations.ts) — never by inserting.
 */
const RELEASED_OUTPUTS = [
  'ITEM ERROR',
  'ITEM LOGIN_REPAIRED',
  'ITEM NEW_ACCOUNTS_AVAILABLE',
  'ITEM PENDING_EXPIRATION',
  'ITEM PENDING_DISCONNECT',
  'ITEM USER_PERMISSION_REVOKED',
  'ITEM USER_ACCOUNT_REVOKED',
  'ITEM WEBHOOK_UPDATE_ACKNOWLEDGED',
  'LINK SESSION_FINISHED',
];

describe('webhook-in editor (dist/nodes/plaid-webhook-in.html)', function () {
  const { defs: literal } = validatorView(html);
  const { defs, sandbox } = loadEditor(html, catalog);
  const def = defs['plaid-webhook-in'];

  it('gives a new node verification and dedupe on, in the default context store, no Item store, a 30-day log', function () {
    const values = Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.value]));
    assert.deepEqual(values, { name: '', settingsVersion: SETTINGS_VERSION, url: '/plaid/webhook', plaid: '', verify: true, dedupe: true, dedupeStore: '', store: '', logRetentionDays: 30 });
    const valid = (v) => def.defaults.logRetentionDays.validate.call({}, v);
    assert.deepEqual(['30', 30, '0', '0.5', ' 7 ', undefined].map(valid), [true, true, true, true, true, true]);
    assert.deepEqual(['-1', 'forever', '1e3', ''].map(valid), [false, false, false, false]);
    assert.deepEqual({ type: def.defaults.store.type, required: def.defaults.store.required }, { type: 'plaid-item-store', required: false });
    assert.deepEqual(literal['plaid-webhook-in'].notInline, []);
  });

  it('has as many literal outputs as the runtime routes, plus "other"', function () {
    assert.equal(literal['plaid-webhook-in'].outputs, OUTPUT_COUNT);
    assert.equal(sandbox.PlaidWebhookInEditor.outputCount, OUTPUT_COUNT);
  });

  it('labels each output with the runtime\'s (type, code) pair in the runtime\'s order, the last "other"', function () {
    const labels = Array.from({ length: OUTPUT_COUNT }, (_, i) => def.outputLabels.call(def, i));
    assert.deepEqual(labels.slice(0, OTHER_OUTPUT), ROUTED_WEBHOOKS.map(([type, code]) => `${type} ${code}`));
    assert.equal(labels[OTHER_OUTPUT], 'other webhooks');
  });

  it('lists one port per output in its help: the runtime\'s pairs in order, then every other webhook', function () {
    const [help] = namedBlocks(read(path.join(localeDir, 'plaid-webhook-in.html')), 'data-help-name');
    const ports = [.../<ol class="node-ports">([\S\s]*?)<\/ol>/.exec(help.body)[1].matchAll(/<li>([\S\s]*?)<\/li>/g)].map((m) => m[1]);
    assert.deepEqual(ports.slice(0, OTHER_OUTPUT), ROUTED_WEBHOOKS.map(([type, code]) => `${type} ${code}`));
    assert.equal(ports.length, OUTPUT_COUNT);
    assert.match(ports[OTHER_OUTPUT], /^every other webhook/);
  });

  it('keeps the released outputs in place: new routed webhooks are appended, never inserted', function () {
    const routed = ROUTED_WEBHOOKS.map(([type, code]) => `${type} ${code}`);
    assert.deepEqual(routed.slice(0, RELEASED_OUTPUTS.length), RELEASED_OUTPUTS);
  });

  it('shows the route, the verify warning and the store row as the dialog changes', function () {
    const dialog = fakeDialog({ 'node-input-url': 'plaid/hook', 'node-input-verify': true, 'node-input-dedupe': false, 'node-input-plaid': '' });
    sandbox.$ = dialog.$;
    def.oneditprepare.call({ ...def, dedupeStore: '' });
    assert.equal(dialog.state.texts['plaid-webhook-in-route'], 'Plaid posts to: https://<host>/plaid/hook');
    assert.equal(dialog.state.shown['plaid-webhook-in-verify-warning-row'], false);
    assert.equal(dialog.state.shown['plaid-webhook-in-store-row'], false);
    dialog.state.values['node-input-verify'] = false;
    dialog.fire('node-input-verify');
    assert.equal(dialog.state.shown['plaid-webhook-in-verify-warning-row'], true);
    assert.match(dialog.state.texts['plaid-webhook-in-verify-warning'], /anyone who knows the URL/);
    dialog.state.values['node-input-dedupe'] = true;
    dialog.fire('node-input-dedupe');
    assert.equal(dialog.state.shown['plaid-webhook-in-store-row'], true);
  });

  it('shows a node saved before the event log existed with its log off (0), as the runtime reads it; a new node 30', function () {
    const old = fakeDialog({ 'node-input-url': '/plaid/webhook', 'node-input-verify': true, 'node-input-dedupe': true, 'node-input-plaid': '', 'node-input-store': 'store1' });
    sandbox.$ = old.$;
    def.oneditprepare.call({ ...def, dedupeStore: '' });
    assert.equal(old.state.values['node-input-logRetentionDays'], '0');
    const fresh = fakeDialog({ 'node-input-url': '/plaid/webhook', 'node-input-verify': true, 'node-input-dedupe': true, 'node-input-plaid': '', 'node-input-store': 'store1', 'node-input-logRetentionDays': 30 });
    sandbox.$ = fresh.$;
    def.oneditprepare.call({ ...def, dedupeStore: '', logRetentionDays: 30 });
    assert.equal(fresh.state.values['node-input-logRetentionDays'], 30);
  });

  it('with an Item store selected: its tip and the event log row show, the context store row hides (the seen-set is the store\'s)', function () {
    const dialog = fakeDialog({ 'node-input-url': '/plaid/webhook', 'node-input-verify': true, 'node-input-dedupe': true, 'node-input-plaid': '', 'node-input-store': '_ADD_' });
    sandbox.$ = dialog.$;
    def.oneditprepare.call({ ...def, dedupeStore: '' });
    assert.equal(dialog.state.shown['plaid-webhook-in-item-store-tip'], false, '"none" is no store');
    assert.equal(dialog.state.shown['plaid-webhook-in-log-row'], false, 'no event log without a store');
    assert.equal(dialog.state.shown['plaid-webhook-in-store-row'], true);
    dialog.state.values['node-input-store'] = 'store1';
    dialog.fire('node-input-store');
    assert.equal(dialog.state.shown['plaid-webhook-in-item-store-tip'], true);
    assert.equal(dialog.state.shown['plaid-webhook-in-log-row'], true);
    assert.equal(dialog.state.shown['plaid-webhook-in-store-row'], false);
  });
});
