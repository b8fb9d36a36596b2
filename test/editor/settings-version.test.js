'use strict';
// Settings versions in the editor: every node type saves the current version (SETTINGS_VERSION, from the runtime's
// migration table), and opening an older node migrates it as the runtime does, moving the wires of moved outputs.
const assert = require('node:assert/strict');
const { SETTINGS_VERSION, STEPS, outputMoves } = require('../../dist/nodes/migrations');
const { OTHER_OUTPUT, OUTPUT_COUNT } = require('../../dist/plaid/webhook/routing');
const { nodeSets, read, loadEditor, fakeDialog, lookup } = require('./support');

const editors = nodeSets().map((set) => ({ set, ...loadEditor(read(set.html), JSON.parse(read(set.localeJson))) }));

describe('settings versions in the editor', function () {
  it('saves every new node of every node set with the current settings version', function () {
    const types = [];
    for (const { set, defs } of editors) {
      for (const [type, def] of Object.entries(defs)) {
        types.push(type);
        assert.equal(def.defaults.settingsVersion?.value, SETTINGS_VERSION, `${set.name}: ${type}`);
      }
    }
    assert.ok(types.length >= 12, types.join(', '));
  });

  const webhookIn = editors.find((e) => e.set.name === 'plaid-webhook-in');

  /**
   * Opens the dialog of a webhook-in node saved at `version` (0: before versions existed), each of the outputs it had
   * then wired to a node of its own (a step that moved outputs says how many there were).
   */
  function openOld(steps, version = 0) {
    const node = { id: 'w', type: 'plaid-webhook-in', url: '/hook', verify: true, dedupe: false, dedupeStore: '', _: (k) => lookup({}, k) || k };
    if (version > 0) node.settingsVersion = version;
    const outputs = outputMoves('plaid-webhook-in', version, steps)?.length ?? OUTPUT_COUNT;
    const links = Array.from({ length: outputs }, (_, port) => ({ source: node, sourcePort: port, target: { id: `n${port}` } }));
    webhookIn.sandbox.RED.nodes.filterLinks = ({ source }) => links.filter((l) => l.source === source);
    webhookIn.sandbox.RED.settings = { httpNodeRoot: '/' };
    const dialog = fakeDialog({ 'node-input-url': '/hook', 'node-input-verify': true, 'node-input-dedupe': false, 'node-input-plaid': '' });
    webhookIn.sandbox.$ = dialog.$;
    if (steps) webhookIn.sandbox.PlaidWebhookInEditor.migrate(node, steps);
    else webhookIn.defs['plaid-webhook-in'].oneditprepare.call(node);
    return { node, links, dialog };
  }

  it('stamps an unversioned node with the current version when its dialog opens, its settings as saved', function () {
    const { node, links, dialog } = openOld();
    assert.equal(node.settingsVersion, SETTINGS_VERSION);
    assert.equal(node.dedupe, false, 'an old node keeps dedupe off');
    assert.equal(dialog.state.values['node-input-dedupe'], false);
    const moved = outputMoves('plaid-webhook-in', 0) ?? Array.from({ length: OUTPUT_COUNT }, (_, i) => i);
    assert.deepEqual(links.map((l) => l.sourcePort), moved, 'the wires where the runtime puts them (nowhere else while no step moves one)');
  });

  it('moves "other"\'s wires with it when a release routes a webhook before it (a future table)', function () {
    const next = [...STEPS, { 'plaid-webhook-in': { outputs: [...Array.from({ length: OTHER_OUTPUT }, (_, i) => i), OTHER_OUTPUT + 1], settings: (s) => ({ ...s, dedupe: true }) } }];
    const { node, links, dialog } = openOld(next, SETTINGS_VERSION);
    assert.equal(node.settingsVersion, next.length);
    assert.deepEqual(links.map((l) => l.sourcePort), [...Array.from({ length: OTHER_OUTPUT }, (_, i) => i), OTHER_OUTPUT + 1]);
    assert.equal(node.dedupe, true);
    assert.equal(dialog.state.values['node-input-dedupe'], true, 'a changed setting shows in the open dialog');
  });
});

describe('settings versions in the endpoint and config dialogs', function () {
  it('stamps an unversioned node with the current version when its dialog opens', function () {
    for (const [setName, type] of [['plaid-endpoints', 'plaid-item-get'], ['plaid-config', 'plaid-config']]) {
      const { defs, sandbox } = editors.find((e) => e.set.name === setName);
      sandbox.$ = fakeDialog({}).$;
      const node = { id: 'n', type, _: (k) => k };
      defs[type].oneditprepare.call(node);
      assert.equal(node.settingsVersion, SETTINGS_VERSION, type);
    }
  });
});

describe('settings versions in the Item store dialogs', function () {
  const dialogs = [
    { type: 'plaid-item-store', global: 'PlaidItemStoreEditor', prefix: 'node-config-input', saved: { backend: 'sqlite', file: 'old.db' } },
    { type: 'plaid-items', global: 'PlaidItemsEditor', prefix: 'node-input', saved: { operation: 'get', item_id: 'item_id', item_idType: 'msg', statuses: [] } },
  ];
  /** A node of `type` saved before versions existed, and its open dialog's inputs. */
  function open({ type, global, prefix, saved }) {
    const { defs, sandbox } = editors.find((e) => e.set.name === type);
    const node = { id: 'n', type, ...saved, _: (k) => k };
    const dialog = fakeDialog(Object.fromEntries(Object.entries(saved).map(([key, value]) => [`${prefix}-${key}`, value])));
    sandbox.$ = dialog.$;
    return { def: defs[type], editor: sandbox[global], node, dialog };
  }

  for (const d of dialogs) {
    it(`${d.type}: stamps an unversioned node with the current version when its dialog opens, into the dialog's ${d.prefix}-settingsVersion`, function () {
      const { def, node, dialog } = open(d);
      def.oneditprepare.call(node);
      assert.equal(node.settingsVersion, SETTINGS_VERSION);
      assert.equal(dialog.state.values[`${d.prefix}-settingsVersion`], String(SETTINGS_VERSION), 'saved with the dialog');
      for (const [key, value] of Object.entries(d.saved)) assert.deepEqual(node[key], value, `${key} as saved`);
    });
  }

  it('puts what a future step changes into the open dialog, for its own type only', function () {
    const next = [...STEPS, {
      'plaid-item-store': { settings: (s) => ({ ...s, file: 'renamed.db' }) },
      'plaid-items': { settings: (s) => ({ ...s, operation: 'list' }) },
    }];
    const store = open(dialogs[0]);
    store.editor.migrate(store.node, next);
    assert.equal(store.node.settingsVersion, next.length);
    assert.equal(store.node.file, 'renamed.db');
    assert.equal(store.dialog.state.values['node-config-input-file'], 'renamed.db');
    assert.equal(store.dialog.state.values['node-config-input-settingsVersion'], String(next.length));
    assert.equal(store.node.operation, undefined, 'plaid-items\' step is not the store\'s');

    const items = open(dialogs[1]);
    items.editor.migrate(items.node, next);
    assert.equal(items.node.settingsVersion, next.length);
    assert.equal(items.node.operation, 'list');
    assert.equal(items.dialog.state.values['node-input-operation'], 'list');
    assert.equal(items.node.file, undefined, 'the store\'s step is not plaid-items\'');
  });
});
