'use strict';
// The plaid-items node's editor file: its operations and status filter come from the runtime, as the editor and the
// Flow Library validator see them.
const assert = require('node:assert/strict');
const path = require('node:path');
const { root, nodesDir, localeDir, read, validatorView, namedBlocks, loadEditor, fakeDialog, validate } = require('./support');
const { MARKER, scriptBlock } = require('../../scripts/lib/editor-scripts');
const { fillLiterals } = require('../../scripts/lib/editor-literals');
const { ITEM_STATUSES } = require('../../dist/plaid/store/record');
const { ITEMS_OPERATIONS } = require('../../dist/nodes/items/operations');
const { SETTINGS_VERSION } = require('../../dist/nodes/migrations');

const itemsHtml = read(path.join(nodesDir, 'plaid-items.html'));
const itemsCatalog = JSON.parse(read(path.join(localeDir, 'plaid-items.json')));

describe('plaid-items editor (dist/nodes/plaid-items.html)', function () {
  const { defs: literal } = validatorView(itemsHtml);
  const { defs, sandbox } = loadEditor(itemsHtml, itemsCatalog);
  const def = defs['plaid-items'];

  it('defaults to get by msg.item_id on a required store, every status listed', function () {
    assert.deepEqual(Object.keys(literal), ['plaid-items']);
    // Through JSON: the definitions come from the editor's realm (vm), with its own Array prototype.
    const values = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.value]))));
    assert.deepEqual(values, { name: '', settingsVersion: SETTINGS_VERSION, store: '', operation: 'get', item_id: 'item_id', item_idType: 'msg', statuses: [] });
    assert.equal(def.defaults.store.type, 'plaid-item-store');
    assert.equal(def.label.call({ _: def._, name: '', operation: 'list' }), 'list Items');
  });

  it('offers exactly the runtime\'s operations (ITEMS_OPERATIONS), in its order, each with its label, and accepts only them', function () {
    const [template] = namedBlocks(itemsHtml, 'data-template-name');
    const select = /<select id="node-input-operation"[^>]*>([\S\s]*?)<\/select>/.exec(template.body)[1];
    assert.deepEqual([...select.matchAll(/<option value="([^"]+)" data-i18n="plaid-items\.operation\.([^"]+)"/g)].map((m) => [m[1], m[2]]), ITEMS_OPERATIONS.map((o) => [o, o]));
    for (const operation of ITEMS_OPERATIONS) {
      assert.equal(validate(def, { operation }, 'operation'), true, operation);
      assert.equal(typeof itemsCatalog['plaid-items'].operation[operation], 'string', `${operation}'s label`);
    }
    assert.equal(validate(def, { operation: 'update' }, 'operation'), false);
  });

  /** Opens the dialog of a list node filtering on `statuses`: the status checkboxes it makes, in their order. */
  function statusBoxes(editor, statuses) {
    const dialog = fakeDialog({ 'node-input-operation': 'list' });
    editor.sandbox.$ = dialog.$;
    const node = { ...editor.defs['plaid-items'], statuses };
    editor.defs['plaid-items'].oneditprepare.call(node);
    const boxes = (dialog.state.children['plaid-items-statuses'] ?? []).map((label) => {
      const [input, code] = label.children;
      assert.equal(label.attrs.for, input.attrs.id, 'the label is the checkbox\'s');
      assert.equal(code.text, input.attrs.value);
      return input;
    });
    return { boxes, node };
  }

  it('offers exactly the store\'s statuses (ITEM_STATUSES), in its order, checked as the node filters; saves the checked ones', function () {
    const { boxes, node } = statusBoxes({ defs, sandbox }, ['revoked', 'healthy']);
    assert.deepEqual(boxes.map((b) => b.attrs.type), ITEM_STATUSES.map(() => 'checkbox'));
    assert.deepEqual(boxes.map((b) => b.attrs.value), [...ITEM_STATUSES]);
    assert.deepEqual(boxes.filter((b) => b.attrs.checked).map((b) => b.attrs.value), ['healthy', 'revoked']);
    def.oneditsave.call(node);
    assert.deepEqual(node.statuses, ['healthy', 'revoked'], 'in the store\'s order');
  });

  it('takes its statuses from the constants the build injects, not a list of its own', function () {
    const statuses = [...[...ITEM_STATUSES].reverse(), 'a_future_status'];
    const html = fillLiterals(read(path.join(root, 'nodes', 'plaid-items.html'))).replace(MARKER, scriptBlock('plaid-items', { statuses, operations: ITEMS_OPERATIONS }));
    const { boxes } = statusBoxes(loadEditor(html, itemsCatalog), []);
    assert.deepEqual(boxes.map((b) => b.attrs.value), statuses);
  });

  it('shows the item_id field for get and delete, the status filter for list, and a tip per operation', function () {
    /** @type {Array<[string, boolean, boolean]>} */
    const operations = [['get', true, false], ['put', false, false], ['delete', true, false], ['list', false, true]];
    for (const [operation, itemRow, statusRow] of operations) {
      const dialog = fakeDialog({ 'node-input-operation': operation });
      sandbox.$ = dialog.$;
      def.oneditprepare.call({ ...def, statuses: [] });
      assert.equal(dialog.state.shown['plaid-items-item-row'], itemRow, operation);
      assert.equal(dialog.state.shown['plaid-items-statuses-row'], statusRow, operation);
      assert.equal(dialog.state.texts['plaid-items-tip'], itemsCatalog['plaid-items'].tip[operation]);
      assert.deepEqual([...dialog.state.typedInputs[0].options.types], ['msg', 'flow', 'global', 'str', 'env']);
    }
  });
});
