'use strict';
// The Item store's editor files: the plaid-item-store config dialog (its key generator and warnings) and the
// plaid-items dialog, as the editor and the Flow Library validator see them.
const assert = require('node:assert/strict');
const path = require('node:path');
const { webcrypto } = require('node:crypto');
const { root, nodesDir, localeDir, read, validatorView, namedBlocks, loadEditor, fakeDialog, validate } = require('./support');
const { MARKER, scriptBlock } = require('../../scripts/lib/editor-scripts');
const { parseStoreKey } = require('../../dist/plaid/store/cipher');
const { ITEM_STATUSES } = require('../../dist/plaid/store/record');
const { ITEM_STORE_BACKENDS, DEFAULT_SQLITE_FILE, backendOf } = require('../../dist/nodes/item-store/backend');
const { POSTGRES_DEFAULTS } = require('../../dist/plaid/store/postgres-storage');
const { ITEMS_OPERATIONS } = require('../../dist/nodes/item-store/operations');

const storeHtml = read(path.join(nodesDir, 'plaid-item-store.html'));
const storeCatalog = JSON.parse(read(path.join(localeDir, 'plaid-item-store.json')));
const itemsHtml = read(path.join(nodesDir, 'plaid-items.html'));
const itemsCatalog = JSON.parse(read(path.join(localeDir, 'plaid-items.json')));

describe('Item store editor (dist/nodes/plaid-item-store.html)', function () {
  const { defs: literal } = validatorView(storeHtml);
  const { defs, sandbox } = loadEditor(storeHtml, storeCatalog);
  const def = defs['plaid-item-store'];
  // The browser's Web Crypto and btoa, which the Generate button uses.
  sandbox.window.crypto = webcrypto;
  sandbox.btoa = (text) => Buffer.from(text, 'latin1').toString('base64');

  it('registers plaid-item-store as a config node, sqlite and plaid-items.db by default, the key a required password', function () {
    assert.deepEqual(Object.keys(literal), ['plaid-item-store']);
    assert.equal(literal['plaid-item-store'].category, 'config');
    assert.deepEqual(literal['plaid-item-store'].notInline, []);
    assert.equal(def.defaults.backend.value, 'sqlite');
    assert.equal(def.defaults.file.value, 'plaid-items.db');
    assert.deepEqual({ ...def.credentials.encryptionKey }, { type: 'password', required: true });
    assert.equal(def.credentials.postgresUrl.type, 'password');
    assert.equal(def.label.call({ name: '', backend: 'sqlite', file: 'ops.db' }), 'ops.db');
    assert.equal(def.label.call({ name: 'ops', backend: 'sqlite', file: 'ops.db' }), 'ops');
    assert.equal(def.paletteLabel.call(def), 'plaid item store');
  });

  it('needs a file only for the sqlite backend', function () {
    const node = { backend: 'sqlite', file: '' };
    assert.notEqual(validate(def, node, 'file'), true);
    assert.equal(validate(def, { ...node, file: 'items.db' }, 'file'), true);
    assert.equal(validate(def, { ...node, backend: 'postgres' }, 'file'), true);
    assert.equal(validate(def, { backend: 'mysql' }, 'backend'), false);
  });

  it('offers exactly the runtime\'s backends (ITEM_STORE_BACKENDS), in its order, and accepts only them', function () {
    const [template] = namedBlocks(storeHtml, 'data-template-name');
    const select = /<select id="node-config-input-backend"[^>]*>([\S\s]*?)<\/select>/.exec(template.body)[1];
    assert.deepEqual([...select.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1]), [...ITEM_STORE_BACKENDS]);
    for (const backend of ITEM_STORE_BACKENDS) assert.equal(validate(def, { backend }, 'backend'), true, backend);
    assert.equal(def.defaults.backend.value, backendOf(/** @type {any} */ ({})), 'a new store gets what the runtime reads a store without one as');
    assert.equal(def.defaults.file.value, DEFAULT_SQLITE_FILE);
    assert.equal(def.label.call({ name: '', backend: 'sqlite', file: '' }), DEFAULT_SQLITE_FILE, 'a store without a file uses the default');
    assert.equal(def.label.call({ name: '', backend: 'postgres', file: 'ops.db' }), 'postgres');
  });

  it('defaults and shows the postgres settings as the runtime reads them empty (POSTGRES_DEFAULTS)', function () {
    const expected = { poolMax: POSTGRES_DEFAULTS.poolMax, connectTimeout: POSTGRES_DEFAULTS.connectTimeoutMs, queryTimeout: POSTGRES_DEFAULTS.queryTimeoutMs };
    const dialog = fakeDialog({ 'node-config-input-backend': 'postgres' });
    sandbox.$ = dialog.$;
    def.oneditprepare.call({ ...def, credentials: {} });
    for (const [setting, value] of Object.entries(expected)) {
      assert.equal(def.defaults[setting].value, value, setting);
      assert.equal(dialog.state.attrs[`node-config-input-${setting}`]?.placeholder, String(value), `${setting}'s placeholder`);
    }
  });

  it('Generate fills the key field with 32 fresh random bytes as base64, shown, with the copy-it-now tip', function () {
    const keys = [];
    for (let i = 0; i < 2; i++) {
      const dialog = fakeDialog({ 'node-config-input-backend': 'sqlite', 'node-config-input-encryptionKey': '' });
      sandbox.$ = dialog.$;
      def.oneditprepare.call({ ...def, credentials: {} });
      assert.equal(dialog.state.shown['plaid-item-store-file-row'], true);
      assert.equal(dialog.state.shown['plaid-item-store-replace'], false);
      dialog.fire('plaid-item-store-generate', 'click');
      const key = dialog.state.values['node-config-input-encryptionKey'];
      assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
      assert.equal(parseStoreKey(key).length, 32, 'the runtime accepts it');
      assert.equal(dialog.state.attrs['node-config-input-encryptionKey'].type, 'text', 'shown so it can be copied');
      assert.equal(dialog.state.shown['plaid-item-store-generated'], true);
      keys.push(key);
    }
    assert.notEqual(keys[0], keys[1]);
  });

  it('warns when a store that has a key gets another, and says plainly that losing the key loses the tokens', function () {
    const dialog = fakeDialog({ 'node-config-input-backend': 'postgres' });
    sandbox.$ = dialog.$;
    def.oneditprepare.call({ ...def, credentials: { has_encryptionKey: true } });
    assert.equal(dialog.state.shown['plaid-item-store-replace'], true);
    assert.equal(dialog.state.shown['plaid-item-store-file-row'], false);
    assert.equal(dialog.state.shown['plaid-item-store-postgres-row'], true);
    assert.match(storeCatalog['plaid-item-store'].tip.keyLoss, /losing the key loses every token/);
    assert.match(storeHtml, /data-i18n="plaid-item-store\.tip\.keyLoss"/);
    const [help] = namedBlocks(read(path.join(localeDir, 'plaid-item-store.html')), 'data-help-name');
    assert.match(help.body, /Losing it loses every token/);
    assert.match(help.body, /plaid-item-store-backup/);
  });
});

describe('plaid-items editor (dist/nodes/plaid-items.html)', function () {
  const { defs: literal } = validatorView(itemsHtml);
  const { defs, sandbox } = loadEditor(itemsHtml, itemsCatalog);
  const def = defs['plaid-items'];

  it('defaults to get by msg.item_id on a required store, every status listed', function () {
    assert.deepEqual(Object.keys(literal), ['plaid-items']);
    // Through JSON: the definitions come from the editor's realm (vm), with its own Array prototype.
    const values = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.value]))));
    assert.deepEqual(values, { name: '', settingsVersion: 1, store: '', operation: 'get', item_id: 'item_id', item_idType: 'msg', statuses: [] });
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
    const html = read(path.join(root, 'nodes', 'plaid-items.html')).replace(MARKER, scriptBlock('plaid-items', { statuses, operations: ITEMS_OPERATIONS }));
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
