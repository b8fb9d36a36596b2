'use strict';
// The plaid-item-repair node's editor file: its reasons, outputs and reminders come from the runtime, as the editor
// and the Flow Library validator see them.
const assert = require('node:assert/strict');
const path = require('node:path');
const { nodesDir, localeDir, read, validatorView, namedBlocks, loadEditor, fakeDialog, validate } = require('./support');
const { REPAIR_REASONS } = require('../../dist/plaid/store/repair-case');
const { DEFAULT_REASONS, readRepairSettings } = require('../../dist/plaid/repair/settings');
const { REPAIR_OUTPUTS } = require('../../dist/plaid/repair/outputs');
const { DEFAULT_REMINDERS, parseReminders } = require('../../dist/plaid/repair/schedule');

const html = read(path.join(nodesDir, 'plaid-item-repair.html'));
const catalog = JSON.parse(read(path.join(localeDir, 'plaid-item-repair.json')));
const help = read(path.join(localeDir, 'plaid-item-repair.html'));

describe('plaid-item-repair editor (dist/nodes/plaid-item-repair.html)', function () {
  const { defs: literal } = validatorView(html);
  const { defs, sandbox } = loadEditor(html, catalog);
  const def = defs['plaid-item-repair'];

  it('is one literal registration with one output per REPAIR_OUTPUTS, each labelled, and defaults the runtime reads as its defaults', function () {
    assert.deepEqual(Object.keys(literal), ['plaid-item-repair']);
    assert.equal(literal['plaid-item-repair'].outputs, REPAIR_OUTPUTS.length);
    assert.deepEqual(REPAIR_OUTPUTS.map((_, i) => def.outputLabels.call(def, i)), REPAIR_OUTPUTS.map((o) => catalog['plaid-item-repair'].outputs[o]));
    // Through JSON: the definitions come from the editor's realm (vm), with its own Array prototype.
    const values = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.value]))));
    assert.deepEqual(values, {
      name: '', settingsVersion: 1, plaid: '', store: '', reasons: [...DEFAULT_REASONS], reminders: DEFAULT_REMINDERS, client_name: '', language: 'en',
      country_codes: 'US', completion_redirect_uri: '', url_lifetime_seconds: '',
    });
    assert.deepEqual([def.defaults.plaid.type, def.defaults.store.type], ['plaid-config', 'plaid-item-store']);
    // A new node, once given a client_name, means to the runtime what the dialog shows.
    const read = readRepairSettings({ ...values, client_name: 'My app' });
    assert.deepEqual(read.reasons, [...DEFAULT_REASONS]);
    assert.deepEqual(read.reminderDelaysMs, parseReminders(DEFAULT_REMINDERS));
    assert.deepEqual(read.link, { client_name: 'My app', language: 'en', country_codes: ['US'] });
  });

  it('accepts exactly the reminders the runtime reads, and says why it refuses one', function () {
    for (const good of ['1d, 3d', '', '90s 2m 1.5h', '12h,2d']) assert.equal(validate(def, { reminders: good }, 'reminders'), true, good);
    /** @type {Array<[string, RegExp]>} */
    const refused = [['3d, 1d', /does not come after/], ['1 day', /not a delay/], ['2w', /units s, m, h, d/], ['0s', /not after the notice/]];
    for (const [bad, why] of refused) {
      assert.match(String(validate(def, { reminders: bad }, 'reminders')), why, bad);
      assert.throws(() => parseReminders(bad), why);
    }
    assert.equal(validate(def, { url_lifetime_seconds: '1814400' }, 'url_lifetime_seconds'), true);
    assert.equal(validate(def, { url_lifetime_seconds: '1814401' }, 'url_lifetime_seconds'), false);
    assert.equal(validate(def, { url_lifetime_seconds: '30m' }, 'url_lifetime_seconds'), false);
    assert.equal(validate(def, { client_name: '' }, 'client_name'), false);
  });

  it('offers exactly REPAIR_REASONS as checkboxes, checked as the node has them, and saves the checked ones in that order', function () {
    const dialog = fakeDialog();
    sandbox.$ = dialog.$;
    const node = { ...def, reasons: ['NEW_ACCOUNTS_AVAILABLE', 'ITEM_LOGIN_REQUIRED'] };
    def.oneditprepare.call(node);
    const boxes = (dialog.state.children['plaid-item-repair-reasons'] ?? []).map((label) => label.children[0]);
    assert.deepEqual(boxes.map((b) => b.attrs.value), [...REPAIR_REASONS]);
    assert.deepEqual(boxes.filter((b) => b.attrs.checked).map((b) => b.attrs.value), ['ITEM_LOGIN_REQUIRED', 'NEW_ACCOUNTS_AVAILABLE']);
    def.oneditsave.call(node);
    assert.deepEqual(node.reasons, ['ITEM_LOGIN_REQUIRED', 'NEW_ACCOUNTS_AVAILABLE']);
    assert.equal(validate(def, { reasons: ['ITEM_LOGIN_REQUIRED', 'SOMETHING_ELSE'] }, 'reasons'), false);
  });

  it('documents every output, its closed_by values and the reasons in its help', function () {
    const [block] = namedBlocks(help, 'data-help-name');
    const headings = [...block.body.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
    assert.deepEqual(headings, ['Inputs', 'Outputs', 'Details']);
    const ports = [...block.body.matchAll(/<li>([a-z ]+)\n/g)].map((m) => m[1].trim());
    assert.deepEqual(ports, ['notify', 'remind', 'fixed', 'closed unrepaired']);
    for (const word of [...REPAIR_REASONS, 'session_finished', 'login_repaired', 'reconcile', 'revoked', 'removed', 'deadline', 'unanswered', 'hosted_link_url']) {
      assert.ok(block.body.includes(`<code>${word}</code>`), word);
    }
  });
});
